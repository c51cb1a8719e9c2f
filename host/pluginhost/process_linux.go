//go:build linux

package pluginhost

import (
	"os/exec"
	"syscall"
)

// prepareCmd puts the plugin in its own process group, so stopping it kills
// its children too, and asks the kernel to SIGKILL it when the thread that
// started it dies (the supervisor keeps that thread locked and alive for as
// long as the plugin runs).
func prepareCmd(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup SIGKILLs the process group led by pid.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

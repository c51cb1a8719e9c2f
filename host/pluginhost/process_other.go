//go:build !linux

package pluginhost

import (
	"os/exec"
	"syscall"
)

// prepareCmd puts the plugin in its own process group. Only Linux has a
// parent-death signal; elsewhere the SDK's parent watch ends orphans.
func prepareCmd(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup SIGKILLs the process group led by pid.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

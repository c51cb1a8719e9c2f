// Command keeper drops root with privdrop.Drop keeping capabilities, the
// way `ddc serve` does, then uses them as the plugin host would: it starts
// a process as another user and kills it. It reports what it saw as JSON
// on stdout. privdrop's tests build it with CGO_ENABLED=0, as the image's
// binary is built: a cgo binary (the race detector's) cannot keep them.
//
// Run with KEEPER_ARGS (the JSON of args); run as "keeper child" it is
// the started process: it prints its own status and waits to be killed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/ddc-go/ddc/internal/privdrop"
)

// args are what keeper does.
type args struct {
	Opts privdrop.Options
	// Lose are capabilities to drop from every set of this thread first,
	// like a container started without them.
	Lose []uint
	// SpawnUID is the user to start the child as (0: no child).
	SpawnUID uint32
}

// report is what keeper saw.
type report struct {
	Result            privdrop.Result
	Err               string
	Threads           []map[string]string // each thread's Uid, CapInh, CapPrm, CapEff, CapAmb
	Child             map[string]string   // the child's, as it printed them
	SpawnErr, KillErr string
}

var fields = []string{"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapAmb", "NoNewPrivs"}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		st := status("/proc/self/status")
		raw, _ := json.Marshal(st)
		fmt.Println(string(raw))
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until killed
		return
	}
	var a args
	if err := json.Unmarshal([]byte(os.Getenv("KEEPER_ARGS")), &a); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Threads that exist before the switch must switch and keep too.
	block := make(chan struct{})
	defer close(block)
	for range 4 {
		go func() {
			runtime.LockOSThread()
			<-block
		}()
	}
	runtime.LockOSThread()
	if err := lose(a.Lose); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var rep report
	res, err := privdrop.Drop(a.Opts)
	rep.Result = res
	if err != nil {
		rep.Err = err.Error()
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/status")
	for _, f := range tasks {
		rep.Threads = append(rep.Threads, status(f))
	}
	if a.SpawnUID != 0 && err == nil {
		rep.Child, rep.SpawnErr, rep.KillErr = spawn(a.SpawnUID)
	}
	_ = json.NewEncoder(os.Stdout).Encode(rep)
}

// spawn starts keeper as uid (gid = uid, no groups), as the plugin host
// starts a plugin, reads what the child says and SIGKILLs it.
func spawn(uid uint32) (st map[string]string, spawnErr, killErr string) {
	self, err := os.Executable()
	if err != nil {
		return nil, err.Error(), ""
	}
	cmd := exec.Command(self, "child")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, Groups: []uint32{}}}
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return nil, err.Error(), ""
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err == nil {
		_ = json.Unmarshal([]byte(line), &st)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		killErr = err.Error()
		_ = stdin.Close()
	}
	_ = cmd.Wait()
	return st, "", killErr
}

// lose drops caps from every set of the calling thread.
func lose(caps []uint) error {
	if len(caps) == 0 {
		return nil
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	for _, c := range caps {
		m := ^uint32(1 << c)
		data[0].Effective &= m
		data[0].Permitted &= m
		data[0].Inheritable &= m
	}
	return unix.Capset(&hdr, &data[0])
}

func status(file string) map[string]string {
	out := map[string]string{}
	raw, err := os.ReadFile(file)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, _ := strings.Cut(line, ":")
		for _, f := range fields {
			if k == f {
				out[k] = strings.Join(strings.Fields(v), " ")
			}
		}
	}
	return out
}

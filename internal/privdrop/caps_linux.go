//go:build linux

package privdrop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// capMask is a set of capabilities: bit n is capability n.
type capMask uint64

func maskOf(caps []Cap) capMask {
	var m capMask
	for _, c := range caps {
		m |= 1 << c.Bit
	}
	return m
}

// permitted returns the calling thread's permitted capabilities. Every
// thread of the process has the same ones until something changes them
// on one thread only, which nothing does before Drop.
func permitted() (capMask, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return 0, fmt.Errorf("read own capabilities: %w", err)
	}
	return capMask(data[0].Permitted) | capMask(data[1].Permitted)<<32, nil
}

// allThreads runs a system call on every thread of the process (Go's
// runtime knows them all in a program without cgo).
func allThreads(what string, trap, a1, a2, a3 uintptr) error {
	if _, _, e := syscall.AllThreadsSyscall(trap, a1, a2, a3); e != 0 {
		if e == syscall.ENOTSUP {
			return fmt.Errorf("%s: %w", what, errCgo)
		}
		return fmt.Errorf("%s: %w", what, e)
	}
	return nil
}

// errCgo: AllThreadsSyscall cannot reach the threads cgo code starts, so
// a cgo build cannot change per-thread capabilities safely.
var errCgo = errors.New("not possible in a binary built with cgo (build ddc with CGO_ENABLED=0, as the image is)")

// keepCaps asks the kernel to keep the permitted capabilities of every
// thread across the coming setuid (PR_SET_KEEPCAPS), or stops asking.
func keepCaps(on bool) error {
	v := uintptr(0)
	if on {
		v = 1
	}
	return allThreads("set keep-capabilities", syscall.SYS_PRCTL, unix.PR_SET_KEEPCAPS, v, 0)
}

// limitCaps sets the permitted and effective capabilities of every thread
// to keep and the inheritable ones to none (which also empties the
// ambient set): a process this one executes as a user other than root
// starts with no capability at all.
func limitCaps(keep capMask) error {
	a := newCapsetArgs()
	a.hdr.Version = unix.LINUX_CAPABILITY_VERSION_3
	a.data[0].Permitted, a.data[0].Effective = uint32(keep), uint32(keep)
	a.data[1].Permitted, a.data[1].Effective = uint32(keep>>32), uint32(keep>>32)
	err := allThreads("set capabilities", syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&a.hdr)), uintptr(unsafe.Pointer(&a.data[0])), 0)
	runtime.KeepAlive(a)
	return err
}

// capsetArgs are capset(2)'s arguments, version 3.
type capsetArgs struct {
	hdr  unix.CapUserHeader
	data [2]unix.CapUserData
}

// newCapsetArgs allocates capset's arguments on the heap, where they stay
// put: the kernel reads them through addresses the garbage collector does
// not see, and a goroutine's stack may move while every thread is asked.
// Not inlined, so the result escapes.
//
//go:noinline
func newCapsetArgs() *capsetArgs { return new(capsetArgs) }

// threadCaps are one thread's capability sets as /proc reports them.
type threadCaps struct {
	Inh, Prm, Eff, Amb capMask
}

// readThreadCaps reads the capabilities of every thread of this process.
func readThreadCaps() ([]threadCaps, error) {
	files, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("list own threads: %v", err)
	}
	var out []threadCaps
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that ended meanwhile
		}
		var tc threadCaps
		for _, line := range strings.Split(string(raw), "\n") {
			k, v, _ := strings.Cut(line, ":")
			dst := map[string]*capMask{"CapInh": &tc.Inh, "CapPrm": &tc.Prm, "CapEff": &tc.Eff, "CapAmb": &tc.Amb}[k]
			if dst == nil {
				continue
			}
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("parse %s of %s: %w", k, f, err)
			}
			*dst = capMask(n)
		}
		out = append(out, tc)
	}
	return out, nil
}

// checkCaps verifies that every thread has exactly keep, permitted and
// effective, and no inheritable or ambient capability.
func checkCaps(keep capMask) error {
	threads, err := readThreadCaps()
	if err != nil {
		return err
	}
	want := threadCaps{Prm: keep, Eff: keep}
	for i, tc := range threads {
		if tc != want {
			return fmt.Errorf("thread %d of %d has capabilities inheritable %016x permitted %016x effective %016x ambient %016x, want permitted and effective %016x only",
				i, len(threads), tc.Inh, tc.Prm, tc.Eff, tc.Amb, keep)
		}
	}
	return nil
}

//go:build !linux

package sandbox

import (
	"errors"
	"syscall"
)

// Identity is the unprivileged user a plugin process runs as.
type Identity struct {
	UID, GID uint32
	Groups   []uint32
}

// Apply makes cmd's process start as id.
func (id Identity) Apply(attr *syscall.SysProcAttr) {
	attr.Credential = &syscall.Credential{Uid: id.UID, Gid: id.GID, Groups: append([]uint32{}, id.Groups...)}
}

// Capability is a Linux capability.
type Capability struct {
	Bit  uint
	Name string
}

// SwitchCapabilities: plugin users are implemented for Linux only.
func SwitchCapabilities() []Capability { return nil }

// CanSwitchUser is false outside Linux: plugins run as the host's user.
func CanSwitchUser() (bool, string) { return false, "plugin users are implemented for Linux only" }

// NoNewPrivs exists on Linux only.
func NoNewPrivs() error { return errors.New("no_new_privs exists on Linux only") }

// NonDumpable exists on Linux only.
func NonDumpable() error { return errors.New("non-dumpable processes exist on Linux only") }

// WorkDir is Linux only.
func WorkDir(string, Identity) error {
	return errors.New("plugin users are implemented for Linux only")
}

//go:build linux

package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Identity is the unprivileged user a plugin process runs as.
type Identity struct {
	UID, GID uint32
	// Groups are its only supplementary groups: the groups of what an
	// admin granted it (the Docker socket's group for "docker").
	Groups []uint32
}

// Apply makes cmd's process start as id: setgroups(Groups), setgid, setuid
// in the child before exec. Going from root to another uid clears the
// permitted, effective and ambient capabilities; the bounding set stays,
// but with no_new_privs (see NoNewPrivs) no exec can gain anything from it.
func (id Identity) Apply(attr *syscall.SysProcAttr) {
	groups := append([]uint32{}, id.Groups...) // never nil: nil would keep the host's groups
	attr.Credential = &syscall.Credential{Uid: id.UID, Gid: id.GID, Groups: groups}
}

// Capability is a Linux capability.
type Capability struct {
	// Bit is its number in linux/capability.h.
	Bit uint
	// Name is its name there, such as CAP_SETUID.
	Name string
}

// SwitchCapabilities returns the capabilities a host needs to run plugins
// under other users, and only those: CAP_SETUID and CAP_SETGID to start
// them (setgroups, setgid and setuid in the child before exec), CAP_KILL
// to stop them, CAP_CHOWN to give them their working directory and the
// directory of their sockets, and CAP_DAC_OVERRIDE to connect to the
// sockets they create (owned by their users, mode 0660). A host that
// drops root keeps exactly these (internal/privdrop); plugins it starts
// get none of them.
func SwitchCapabilities() []Capability {
	return []Capability{
		{unix.CAP_CHOWN, "CAP_CHOWN"}, {unix.CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE"}, {unix.CAP_KILL, "CAP_KILL"},
		{unix.CAP_SETGID, "CAP_SETGID"}, {unix.CAP_SETUID, "CAP_SETUID"},
	}
}

// CanSwitchUser reports whether this process may run plugins under other
// users: it needs every one of SwitchCapabilities in its effective set
// (root has them unless a container dropped them; a host that dropped
// root to PUID keeps them). When it cannot, why says what is missing.
func CanSwitchUser() (ok bool, why string) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false, fmt.Sprintf("cannot read own capabilities: %v", err)
	}
	var eff uint64
	for _, line := range strings.Split(string(raw), "\n") {
		if v, found := strings.CutPrefix(line, "CapEff:"); found {
			eff, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return false, fmt.Sprintf("cannot parse own capabilities %q: %v", v, err)
			}
		}
	}
	var missing []string
	for _, c := range SwitchCapabilities() {
		if eff&(1<<c.Bit) == 0 {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		return false, fmt.Sprintf("runs as uid %d without %s", os.Geteuid(), strings.Join(missing, ", "))
	}
	return true, ""
}

// NoNewPrivs sets no_new_privs on the calling OS thread. It is inherited by
// every process the thread forks and can never be unset: call it only on a
// thread locked to a goroutine that exits locked (so the thread dies with
// it), right before starting the plugin. Then no exec in the plugin's tree
// can gain privileges (setuid bits and file capabilities are ignored).
func NoNewPrivs() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set no_new_privs: %w", err)
	}
	return nil
}

// NonDumpable makes this process non-dumpable: processes of the same user
// can no longer read its /proc/PID/environ or memory, or ptrace it, and it
// leaves no core dump. Processes it executes are dumpable again (exec
// resets the flag), so plugins are unaffected.
func NonDumpable() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("make the host non-dumpable: %w", err)
	}
	return nil
}

// WorkDir creates dir (mode 0700) for a plugin running as id and makes it
// and everything in it the plugin's, so a changed uid still owns its
// files.
func WorkDir(dir string, id Identity) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create plugin working directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("plugin working directory: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == id.UID && st.Gid == id.GID && fi.Mode().Perm() == 0o700 {
		return nil
	}
	if !fi.IsDir() {
		return fmt.Errorf("plugin working directory %s is not a directory", dir)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("plugin working directory: %w", err)
	}
	return chownTree(dir, id)
}

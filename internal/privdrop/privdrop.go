// Package privdrop lets `ddc serve`, started as root in its container with
// PUID and PGID set (the convention of Unraid and linuxserver images), hand
// its data directory to that user and go on as that user. The image has no
// shell and no su-exec, so the binary does it itself, first thing, before
// it starts anything:
//
//  1. it creates the data directory if needed and changes the owner of
//     everything in it (never following a symbolic link) to PUID:PGID;
//  2. it finds the group of the mounted Docker socket with stat(2), so the
//     dropped process may still use the socket;
//  3. it sets the supplementary groups to that group alone, then the group
//     id to PGID, then the user id to PUID. Go applies setgroups, setgid
//     and setuid to every thread of the process (since Go 1.16), and
//     setuid from root to another user clears every capability (but see
//     Keep below);
//  4. it checks the result: the ids are the asked ones and setuid(0) fails.
//
// Asked to keep capabilities (Options.Keep: what the host needs to start
// third-party plugins as users of their own and to stop them), it keeps
// exactly those: PR_SET_KEEPCAPS on every thread before the setuid, then
// capset(2) on every thread (syscall.AllThreadsSyscall: a thread that
// kept more, or less, would hand it to the threads the runtime starts
// from it) with them permitted and effective, none inheritable and so
// none ambient. A process it then executes as a user other than root
// starts with no capability at all: the kernel computes an unprivileged
// exec's capabilities from the ambient and inheritable sets and the
// file's, and the file has none. It keeps all of them or none: when the
// process lacks one (a container started without it) or cannot change
// every thread (a cgo build), it drops everything and says why in a
// warning. Keeping them, it lets other users search the data directory
// (o+x, never o+r), so plugin users reach their executables under it.
// The check of step 4 runs before the capabilities are raised again, then
// every thread's sets are read back from /proc/self/task.
//
// What keeping them costs: the host may again change its ids (CAP_SETUID)
// and read any file of the container (CAP_DAC_OVERRIDE), but it can never
// gain a capability beyond the kept ones (they are its permitted set, and
// no_new_privs, which the compose file sets, makes exec grant nothing).
// The host holds the bot token and the Docker socket, which is root on
// the machine anyway; what the capabilities buy is that a third-party
// plugin, the code DDC trusts least, gets neither.
//
// Started as any other user, it changes nothing: it only refuses PUID and
// PGID it cannot honour, with a message saying how to start the container.
//
// privdrop must never import the host, the plugins or the SDK: it is a
// step of the command line, before any of them runs.
package privdrop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// DefaultSocket is where a Docker socket is mounted by convention.
const DefaultSocket = "/var/run/docker.sock"

// maxID bounds PUID and PGID: ids are 32-bit and 4294967295 means "no
// change" to the kernel, so the largest usable id is one less.
const maxID = 1<<32 - 2

// Target is the user and group to continue as.
type Target struct {
	// UID is the user id (PUID).
	UID int
	// GID is the primary group id (PGID).
	GID int
}

// FromEnv reads PUID and PGID through getenv. ok is false when neither is
// set (or both are empty). Setting only one of them is an error, as is a
// value that is not a decimal id.
func FromEnv(getenv func(string) string) (t Target, ok bool, err error) {
	puid, pgid := strings.TrimSpace(getenv("PUID")), strings.TrimSpace(getenv("PGID"))
	if puid == "" && pgid == "" {
		return Target{}, false, nil
	}
	if puid == "" || pgid == "" {
		return Target{}, false, fmt.Errorf("PUID=%q and PGID=%q: set both or neither", puid, pgid)
	}
	uid, err := parseID("PUID", puid)
	if err != nil {
		return Target{}, false, err
	}
	gid, err := parseID("PGID", pgid)
	if err != nil {
		return Target{}, false, err
	}
	return Target{UID: uid, GID: gid}, true, nil
}

func parseID(name, v string) (int, error) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n > maxID {
		return 0, fmt.Errorf("%s=%q: want a user or group id from 0 to %d", name, v, uint64(maxID))
	}
	return int(n), nil
}

// SocketPath is the path of the Docker socket the process will use: the
// path of DOCKER_HOST when it is a unix:// address, DefaultSocket when
// DOCKER_HOST is unset, "" when DOCKER_HOST names no local socket (tcp://,
// ssh://).
func SocketPath(getenv func(string) string) string {
	h := getenv("DOCKER_HOST")
	if h == "" {
		return DefaultSocket
	}
	if p, ok := strings.CutPrefix(h, "unix://"); ok && p != "" {
		return p
	}
	return ""
}

// Options is what Drop does.
type Options struct {
	// Target is the user and group to continue as.
	Target Target
	// DataDir is the directory handed to Target (created if missing).
	DataDir string
	// Socket is the Docker socket whose group the process keeps; "" or a
	// missing socket keeps no supplementary group.
	Socket string
	// Keep are the capabilities to keep after the switch (Linux only),
	// all or none; empty keeps none.
	Keep []Cap
}

// Cap is a Linux capability.
type Cap struct {
	// Bit is its number in linux/capability.h.
	Bit uint
	// Name is its name there, such as CAP_SETUID.
	Name string
}

// Result is what Drop did.
type Result struct {
	// Dropped is true when the process switched from root to Target.
	Dropped bool
	// Chowned counts the entries of DataDir whose owner was changed.
	Chowned int
	// Groups are the supplementary groups kept (the socket's group).
	Groups []int
	// Kept are the names of the capabilities kept (Options.Keep, or none).
	Kept []string
	// Searchable is true when Drop let other users search DataDir (o+x)
	// because it kept capabilities.
	Searchable bool
	// Warnings are problems that did not stop the switch, e.g. no socket.
	Warnings []string
}

// Drop switches the process to opts.Target as the package doc describes.
// It must run before the process starts other goroutines that care about
// their ids (the Go runtime switches every thread, but a file opened as
// root stays open). Not root, it only checks that the process already is
// Target.
func Drop(opts Options) (Result, error) {
	t := opts.Target
	if os.Geteuid() != 0 {
		if os.Geteuid() == t.UID && os.Getegid() == t.GID {
			return Result{}, nil
		}
		return Result{}, fmt.Errorf("PUID=%d PGID=%d are set but ddc runs as uid %d gid %d, not root, so it cannot switch: "+
			"start the container as root (docker run --user 0:0, compose user: \"0:0\") so it can give %s to %d:%d and drop to them, or unset PUID and PGID",
			t.UID, t.GID, os.Geteuid(), os.Getegid(), opts.DataDir, t.UID, t.GID)
	}
	var res Result
	if t.UID == 0 {
		res.Warnings = append(res.Warnings, "PUID=0: ddc keeps running as root; set PUID and PGID to an unprivileged user (Unraid: 99 and 100)")
	}
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return res, fmt.Errorf("create data dir %s: %w", opts.DataDir, err)
	}
	n, err := ChownTree(opts.DataDir, t.UID, t.GID)
	res.Chowned = n
	if err != nil {
		return res, err
	}
	groups, warn := socketGroups(opts.Socket, t.GID)
	if warn != "" {
		res.Warnings = append(res.Warnings, warn)
	}
	if t.UID == 0 {
		return res, nil
	}
	keep, warn := keepable(opts.Keep)
	if warn != "" {
		res.Warnings = append(res.Warnings, warn)
	}
	err = switchKeeping(t, groups, keep)
	if errors.Is(err, errCgo) { // nothing changed yet
		res.Warnings = append(res.Warnings, "cannot keep capabilities: "+err.Error()+"; third-party plugins will run as PUID")
		keep, err = 0, switchTo(t, groups)
	}
	if err != nil {
		return res, err
	}
	res.Dropped, res.Groups = true, groups
	if keep == 0 {
		return res, nil
	}
	for _, c := range opts.Keep {
		res.Kept = append(res.Kept, c.Name)
	}
	res.Searchable, err = searchable(opts.DataDir)
	return res, err
}

// keepable returns the set of caps to keep: all of them, or none with a
// warning naming those the process lacks.
func keepable(caps []Cap) (capMask, string) {
	if len(caps) == 0 {
		return 0, ""
	}
	have, err := permitted()
	if err != nil {
		return 0, fmt.Sprintf("%v: third-party plugins will run as PUID", err)
	}
	var missing []string
	for _, c := range caps {
		if have&(1<<c.Bit) == 0 {
			missing = append(missing, strings.TrimPrefix(c.Name, "CAP_"))
		}
	}
	if len(missing) > 0 {
		return 0, fmt.Sprintf("the container lacks the capabilities %s, so ddc cannot start third-party plugins as users of their own: they will run as PUID. "+
			"Add them (docker run --cap-add, compose cap_add; see docker-compose.yml)", strings.Join(missing, ", "))
	}
	return maskOf(caps), ""
}

// switchKeeping is switchTo keeping the capabilities keep (none: it is
// switchTo). It fails with errCgo before changing anything when it
// cannot reach every thread.
func switchKeeping(t Target, groups []int, keep capMask) error {
	if keep == 0 {
		return switchTo(t, groups)
	}
	if err := keepCaps(true); err != nil {
		return err
	}
	if err := switchTo(t, groups); err != nil {
		return err
	}
	if err := keepCaps(false); err != nil {
		return err
	}
	if err := limitCaps(keep); err != nil {
		return err
	}
	return checkCaps(keep)
}

// searchable adds o+x to dir's mode if it lacks it.
func searchable(dir string) (bool, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return false, fmt.Errorf("let plugin users reach %s: %w", dir, err)
	}
	if fi.Mode().Perm()&0o001 != 0 {
		return false, nil
	}
	if err := os.Chmod(dir, fi.Mode().Perm()|0o001); err != nil {
		return false, fmt.Errorf("let plugin users reach %s: %w", dir, err)
	}
	return true, nil
}

// Become switches a process started as root to t without touching any
// file and with no supplementary group: for short helper commands, such as
// the health check run with `docker exec` as the container's user (root
// when PUID/PGID are used), so that they read the data dir as its owner
// does. Not root, it does nothing.
func Become(t Target) error {
	if os.Geteuid() != 0 || t.UID == 0 {
		return nil
	}
	return switchTo(t, []int{})
}

// SocketWarning says why the process cannot use the Docker socket at path
// and how to let it, or "" when it can (or there is no local socket to
// use: a missing one is reported elsewhere). For a container started as
// its image's non-root user without PUID/PGID.
func SocketWarning(path string) string {
	if path == "" {
		return ""
	}
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return ""
	}
	if err := syscall.Access(path, 0o6); err == nil { // read and write
		return ""
	}
	return fmt.Sprintf("ddc (uid %d gid %d) may not use the Docker socket %s (owner %d, group %d): "+
		"start the container with --group-add %d, or as root (--user 0:0) with PUID and PGID so ddc keeps the socket's group itself",
		os.Geteuid(), os.Getegid(), path, st.Uid, st.Gid, st.Gid)
}

// socketGroups returns the supplementary groups to keep for the socket at
// path, or a warning saying why none is kept.
func socketGroups(path string, gid int) ([]int, string) {
	if path == "" {
		return []int{}, ""
	}
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return []int{}, fmt.Sprintf("no Docker socket at %s (%v): mount it with -v /var/run/docker.sock:%s, or ddc cannot control containers", path, err, path)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return []int{}, fmt.Sprintf("%s is not a socket: ddc keeps no group for it", path)
	}
	g := int(st.Gid)
	if g == gid {
		return []int{}, "" // the primary group already grants it
	}
	var warn string
	if g == 0 {
		warn = fmt.Sprintf("the Docker socket %s belongs to group 0 (root): ddc keeps group 0 to use it", path)
	}
	return []int{g}, warn
}

// switchTo sets the supplementary groups, the group and the user, in that
// order (each later step needs the privilege the earlier ones keep), and
// checks that root cannot be regained.
func switchTo(t Target, groups []int) error {
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("set supplementary groups %v: %w", groups, err)
	}
	if err := syscall.Setgid(t.GID); err != nil {
		return fmt.Errorf("set group id to PGID %d: %w", t.GID, err)
	}
	if err := syscall.Setuid(t.UID); err != nil {
		return fmt.Errorf("set user id to PUID %d: %w", t.UID, err)
	}
	if os.Getuid() != t.UID || os.Geteuid() != t.UID || os.Getgid() != t.GID || os.Getegid() != t.GID {
		return fmt.Errorf("after switching to %d:%d the process runs as uid %d/%d gid %d/%d",
			t.UID, t.GID, os.Getuid(), os.Geteuid(), os.Getgid(), os.Getegid())
	}
	if err := syscall.Setuid(0); err == nil {
		return errors.New("after switching to PUID the process could become root again")
	}
	return nil
}

// ChownTree gives dir and everything under it to uid:gid, changing only
// entries owned by someone else. It never follows a symbolic link (the
// link itself changes owner) and stays on dir's file system. Directories
// change owner after their content: a root without CAP_DAC_OVERRIDE could
// not list a mode-0700 directory it has just given away. It returns how
// many entries it changed.
func ChownTree(dir string, uid, gid int) (int, error) {
	var root syscall.Stat_t
	if err := syscall.Lstat(dir, &root); err != nil {
		return 0, fmt.Errorf("give data dir %s to %d:%d: %w", dir, uid, gid, err)
	}
	n := 0
	var dirs []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("give data dir %s to %d:%d: %w (to enter directories of another user the container needs CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH)", dir, uid, gid, err)
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(path, &st); err != nil {
			return fmt.Errorf("give %s to %d:%d: %w", path, uid, gid, err)
		}
		if d.IsDir() && st.Dev != root.Dev {
			return fs.SkipDir // another file system mounted inside
		}
		if int(st.Uid) == uid && int(st.Gid) == gid {
			return nil
		}
		if d.IsDir() {
			dirs = append(dirs, path)
			return nil
		}
		if err := os.Lchown(path, uid, gid); err != nil {
			return fmt.Errorf("give %s to %d:%d: %w", path, uid, gid, err)
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	for _, d := range slices.Backward(dirs) {
		if err := os.Lchown(d, uid, gid); err != nil {
			return n, fmt.Errorf("give %s to %d:%d: %w", d, uid, gid, err)
		}
		n++
	}
	return n, nil
}

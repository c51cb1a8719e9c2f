//go:build unix

package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// chownTree gives dir and everything under it to id, without following
// symbolic links.
func chownTree(dir string, id Identity) error {
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("plugin working directory: %w", err)
		}
		if err := os.Lchown(path, int(id.UID), int(id.GID)); err != nil {
			return fmt.Errorf("plugin working directory: %w", err)
		}
		return nil
	})
}

// Private makes each existing file in paths readable by its owner only
// (mode 0600) when it belongs to this process's user and others may read
// it; it returns the paths it tightened. config.yaml and the store hold
// the bot token and every plugin's data: no plugin user may read them.
func Private(paths ...string) ([]string, error) {
	var changed []string
	var errs []error
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("protect %s: %w", p, err))
			continue
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || !fi.Mode().IsRegular() || int(st.Uid) != os.Geteuid() || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
			errs = append(errs, fmt.Errorf("protect %s: %w", p, err))
			continue
		}
		changed = append(changed, p)
	}
	return changed, errors.Join(errs...)
}

// Reachable checks that a user who is neither the owner nor in the group
// of any directory on path's way can reach and run path: every directory
// above it must be searchable by others, and path readable and executable
// by others. The error names the first that is not.
func Reachable(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o005 != 0o005 {
		return fmt.Errorf("%s is mode %v: other users cannot read and run it (chmod o+rx)", abs, fi.Mode().Perm())
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		di, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if di.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("directory %s is mode %v: other users cannot pass through it (chmod o+x)", dir, di.Mode().Perm())
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// DockerSocket returns the path of the Docker Engine's unix socket: from
// dockerHost (the DOCKER_HOST value) when it is a unix:// address, else
// the default /var/run/docker.sock. ok is false when DOCKER_HOST names
// something else (tcp://, ssh://): no group grants access then.
func DockerSocket(dockerHost string) (path string, ok bool) {
	if dockerHost == "" {
		return "/var/run/docker.sock", true
	}
	u, err := url.Parse(dockerHost)
	if err != nil || u.Scheme != "unix" {
		return "", false
	}
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	return p, strings.HasPrefix(p, "/")
}

// SocketAccess describes who may use the unix socket at path.
type SocketAccess struct {
	GID uint32 // GID is the socket's group; members may connect if GroupRW.
	// GroupRW: the group may read and write it.
	GroupRW bool
	// Everyone: every user may connect (mode o+rw).
	Everyone bool
}

// Socket stats the socket at path.
func Socket(path string) (SocketAccess, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return SocketAccess{}, fmt.Errorf("docker socket: %w", err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return SocketAccess{}, fmt.Errorf("docker socket %s is not a socket", path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return SocketAccess{}, fmt.Errorf("docker socket %s: no owner information", path)
	}
	perm := fi.Mode().Perm()
	return SocketAccess{GID: st.Gid, GroupRW: perm&0o060 == 0o060, Everyone: perm&0o006 == 0o006}, nil
}

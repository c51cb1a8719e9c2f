package plugins

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// TestBundledPluginSocketsArePrivate: a bundled plugin talks to the host
// without TLS, so its sockets (its gRPC server, and the Host API the host
// serves it) must be reachable by the host's user only: they are in a
// directory of that one start, mode 0700 and owned by the host's user,
// which is gone once the plugin stopped.
func TestBundledPluginSocketsArePrivate(t *testing.T) {
	data := t.TempDir()
	e := start(t, data, func(c *pluginhost.Config) {
		c.Bundled = []pluginhost.Bundled{{ID: "echo", Name: "Echo", Version: "1.0.0", Path: bins.ddc, Args: []string{"plugin", "echo"}}}
	})
	st := waitState(t, e.mgr, "echo", pluginhost.StateRunning, 20*time.Second)
	paths := unixSockets(t)
	served := socketsOf(t, st.PID, paths)
	if len(served) != 1 {
		t.Fatalf("plugin pid %d listens on %q, want one unix socket", st.PID, served)
	}
	dir := filepath.Dir(served[0])
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	owner := fi.Sys().(*syscall.Stat_t).Uid
	if fi.Mode().Perm() != 0o700 || int(owner) != os.Geteuid() {
		t.Errorf("plugin socket directory %s: mode %v, owner %d; want 0700 and the host's user %d", dir, fi.Mode().Perm(), owner, os.Geteuid())
	}
	hostAPI := false
	for _, p := range socketsOf(t, os.Getpid(), paths) {
		hostAPI = hostAPI || filepath.Dir(p) == dir
	}
	if !hostAPI {
		t.Errorf("the host serves the plugin's Host API on no socket in %s", dir)
	}
	if err := e.mgr.Disable(context.Background(), "echo"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the plugin's socket directory removed", func() bool {
		_, err := os.Stat(dir)
		return os.IsNotExist(err)
	})
}

// unixSockets returns the path of every bound unix socket by inode, from
// /proc/net/unix.
func unixSockets(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("/proc/net/unix")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Num RefCount Protocol Flags Type St Inode Path
		if fs := strings.Fields(sc.Text()); len(fs) == 8 && strings.HasPrefix(fs[7], "/") {
			out[fs[6]] = fs[7]
		}
	}
	return out
}

// socketsOf returns the paths of the bound unix sockets process pid holds
// whose name starts with "plugin" (go-plugin's), each once.
func socketsOf(t *testing.T, pid int, paths map[string]string) []string {
	t.Helper()
	fdDir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue
		}
		p, ok := paths[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")]
		if ok && strings.HasPrefix(filepath.Base(p), "plugin") && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// TestRefusedStartLeavesNoSocketDirectory: a start the kernel refuses
// (E2BIG) leaves no socket directory behind, nor do a start and a stop.
func TestRefusedStartLeavesNoSocketDirectory(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where go-plugin makes the socket directories
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, []string{"--calls=" + strings.Repeat("x", 200<<10)})
	install(t, data, "echo", "echo", bins.echo, nil)
	e := start(t, data, nil)
	waitState(t, e.mgr, "fault", pluginhost.StateFailed, 20*time.Second)
	waitState(t, e.mgr, "echo", pluginhost.StateRunning, 20*time.Second)
	if err := e.mgr.Disable(context.Background(), "echo"); err != nil {
		t.Fatal(err)
	}
	wait.ForState(t, 10*time.Second, "no socket directory left in TMPDIR", func() (bool, string) {
		left, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		return len(names) == 0, strings.Join(names, ", ")
	})
}

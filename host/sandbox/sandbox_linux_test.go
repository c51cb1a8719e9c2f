//go:build linux

package sandbox

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv switches the test binary into a helper role (see TestMain).
const helperEnv = "DDC_SANDBOX_TEST_ROLE"

// TestMain runs the helper roles of TestNonDumpable: "parent" (optionally
// non-dumpable) starts "child" under its own user, which tries to read the
// parent's environment.
func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "parent", "parent-nondumpable":
		os.Exit(runParent(os.Getenv(helperEnv) == "parent-nondumpable"))
	case "child":
		_, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", os.Getppid()))
		if err != nil {
			fmt.Println("refused:", err)
			return
		}
		fmt.Println("read it")
		return
	}
	os.Exit(m.Run())
}

func runParent(nonDumpable bool) int {
	if nonDumpable {
		if err := NonDumpable(); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	child := exec.Command(self)
	child.Env = []string{helperEnv + "=child"}
	child.Stdout, child.Stderr = os.Stdout, os.Stderr
	if err := child.Run(); err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

// needSwitch fails under CI (root) and skips elsewhere when this process
// cannot start processes under another user.
func needSwitch(t *testing.T) {
	t.Helper()
	if ok, why := CanSwitchUser(); !ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI runs as root, but this test cannot switch users: %s", why)
		}
		t.Skipf("needs root: %s", why)
	}
}

// copySelf copies the test binary where any user may run it.
func copySelf(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	exe := filepath.Join(dir, "sandbox.test")
	out, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return exe
}

// TestNonDumpable runs a host stand-in as an unprivileged user with a
// secret in its environment; a child of the same user reads the parent's
// /proc/PID/environ unless the parent made itself non-dumpable.
func TestNonDumpable(t *testing.T) {
	needSwitch(t)
	exe := copySelf(t)
	for _, tt := range []struct {
		role, want string
	}{
		{"parent", "read it"},
		{"parent-nondumpable", "refused: open /proc/"},
	} {
		t.Run(tt.role, func(t *testing.T) {
			cmd := exec.Command(exe)
			cmd.Dir = "/"
			cmd.Env = []string{helperEnv + "=" + tt.role, "DISCORD_BOT_TOKEN=secret"}
			cmd.SysProcAttr = &syscall.SysProcAttr{}
			Identity{UID: 65534, GID: 65534}.Apply(cmd.SysProcAttr)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v: %s", tt.role, err, out)
			}
			if !strings.HasPrefix(string(out), tt.want) {
				t.Errorf("%s: child says %q, want %q", tt.role, out, tt.want)
			}
			if strings.HasPrefix(tt.want, "refused") && !strings.Contains(string(out), "permission denied") {
				t.Errorf("%s: child says %q, want permission denied", tt.role, out)
			}
		})
	}
}

// TestWatchdog runs the watchdog over a real process: readings arrive,
// and a limit below its size calls Over once with the reading.
func TestWatchdog(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := cmd.Process.Pid

	for _, tt := range []struct {
		name     string
		limit    int64
		wantOver bool
	}{
		{"under", 1 << 40, false},
		{"over", 4096, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var samples []Sample
			var over []Sample
			// Three readings are enough; the deadline only bounds a hang.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			Watchdog{PID: pid, Limit: tt.limit, Every: 50 * time.Millisecond,
				Sampled: func(s Sample) {
					if samples = append(samples, s); len(samples) == 3 {
						cancel()
					}
				},
				Over: func(s Sample) { over = append(over, s) },
			}.Run(ctx)
			if len(samples) == 0 || samples[0].RSS <= 0 {
				t.Fatalf("samples %+v, want readings with an RSS", samples)
			}
			if got := len(over) == 1; got != tt.wantOver || (tt.wantOver && over[0].RSS <= tt.limit) {
				t.Errorf("over calls %+v, want over=%t once with RSS above %d", over, tt.wantOver, tt.limit)
			}
			if tt.wantOver && len(samples) != 1 {
				t.Errorf("%d readings, want the watchdog to end at the first one over the limit", len(samples))
			}
			if !tt.wantOver && ctx.Err() != context.Canceled {
				t.Errorf("watchdog under its limit ended with %v after %d readings, want it polling until cancelled", ctx.Err(), len(samples))
			}
		})
	}
	if s, ok := ReadTree([]int{pid}); !ok || s.RSS <= 0 || s.PSS <= 0 {
		t.Errorf("ReadTree(%d) = %+v, %t; want its RSS and PSS", pid, s, ok)
	}
	if _, ok := ReadTree([]int{1 << 30}); ok {
		t.Error("ReadTree of a missing process is ok")
	}
}

// TestWorkDirAndPrivate: a working directory is given to the plugin's
// user with what is in it; Private tightens world-readable files of the
// host's user and leaves the rest alone.
func TestWorkDirAndPrivate(t *testing.T) {
	needSwitch(t)
	dir := t.TempDir()
	work := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(work, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "sub", "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	id := Identity{UID: 61999, GID: 61999}
	if err := WorkDir(work, id); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{work, filepath.Join(work, "sub"), filepath.Join(work, "sub", "f")} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != id.UID || st.Gid != id.GID {
			t.Errorf("%s owned by %d:%d, want %d:%d", p, st.Uid, st.Gid, id.UID, id.GID)
		}
	}
	if fi, _ := os.Stat(work); fi.Mode().Perm() != 0o700 {
		t.Errorf("work dir mode %v, want 0700", fi.Mode().Perm())
	}

	open := filepath.Join(dir, "config.yaml")
	closed := filepath.Join(dir, "ddc.db")
	other := filepath.Join(dir, "other")
	for p, mode := range map[string]os.FileMode{open: 0o644, closed: 0o600, other: 0o644} {
		if err := os.WriteFile(p, nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(other, 61999, 61999); err != nil {
		t.Fatal(err)
	}
	changed, err := Private(open, closed, other, filepath.Join(dir, "missing"))
	if err != nil || len(changed) != 1 || changed[0] != open {
		t.Errorf("Private = %v, %v, want only %s tightened", changed, err, open)
	}
	for p, want := range map[string]os.FileMode{open: 0o600, closed: 0o600, other: 0o644} {
		if fi, _ := os.Stat(p); fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

// TestCanSwitchUser agrees with the process's effective user: root here
// has every capability it needs.
func TestCanSwitchUser(t *testing.T) {
	ok, why := CanSwitchUser()
	if os.Geteuid() == 0 && !ok {
		t.Logf("root without the capabilities to switch users: %s", why)
	}
	if !ok && !strings.Contains(why, "uid "+strconv.Itoa(os.Geteuid())) {
		t.Errorf("CanSwitchUser = false, %q: want the reason to name the uid", why)
	}
}

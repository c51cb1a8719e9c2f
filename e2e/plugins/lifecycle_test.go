package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/pluginstore"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/sdk"
)

// TestRefusedRestartIsNotARestart: a plugin whose binary was swapped under
// it crashes; its restart is refused on the checksum, it is failed at once,
// and the refused start does not count as a restart.
func TestRefusedRestartIsNotARestart(t *testing.T) {
	data := t.TempDir()
	dir := install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, nil)
	before := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)

	// Replace the running binary the way a careless admin would: a new file
	// renamed over the old one, plugin.yaml left alone.
	exe := filepath.Join(dir, filepath.Base(bins.fault))
	raw, err := os.ReadFile(bins.echo)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe+".new", raw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(exe+".new", exe); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, e.mgr, "fault", pluginhost.StateFailed, 10*time.Second)
	if st.Restarts != 0 {
		t.Errorf("restarts = %d, want 0: the refused start did not run anything", st.Restarts)
	}
	if !strings.Contains(st.LastError, "refusing to run a changed binary") || strings.Contains(st.LastError, "permanent") {
		t.Errorf("last error = %q, want the checksum refusal without internal markers", st.LastError)
	}
}

// TestConfigureTimeoutIsNotSettingsRejected: a plugin whose Configure never
// answers is retried like a crash and reported as not answering, not as
// refusing its settings.
func TestConfigureTimeoutIsNotSettingsRejected(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, []string{"--mode=hang-configure"})
	e := start(t, data, func(c *pluginhost.Config) {
		c.Timeouts.Setup = time.Second
		c.Restart.MaxCrashes = 2
	})
	st := waitState(t, e.mgr, "fault", pluginhost.StateFailed, 30*time.Second)
	if strings.Contains(st.LastError, "settings rejected") || !strings.Contains(st.LastError, "configure: no answer within 1s") {
		t.Errorf("last error = %q, want Configure's missing answer, not a settings refusal", st.LastError)
	}
	if st.Restarts != 1 {
		t.Errorf("restarts = %d, want 1 (retried once like a crash)", st.Restarts)
	}
}

// TestArgumentListTooLong: an executable the kernel refuses to start (here
// E2BIG from arguments over the per-argument limit) is failed at once, not
// retried as a crash loop.
func TestArgumentListTooLong(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, []string{"--calls=" + strings.Repeat("x", 200<<10)})
	e := start(t, data, nil)
	st := waitState(t, e.mgr, "fault", pluginhost.StateFailed, 20*time.Second)
	if !strings.Contains(st.LastError, "argument list too long") || strings.Contains(st.LastError, "crashed") {
		t.Errorf("last error = %q, want the exec refusal, not a crash loop", st.LastError)
	}
	if st.Restarts != 0 {
		t.Errorf("restarts = %d, want 0", st.Restarts)
	}
}

// TestRecoveredPluginShowsNoStaleError: after a crash and a restart the
// running plugin's status has no current error; the crash stays as the
// previous one.
func TestRecoveredPluginShowsNoStaleError(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, nil)
	before := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var st pluginhost.Status
	wait.ForState(t, 10*time.Second, "fault restarted", func() (bool, string) {
		st, _ = e.mgr.Status("fault")
		return st.State == pluginhost.StateRunning && st.Restarts == 1, fmt.Sprintf("%+v", st)
	})
	if st.LastError != "" || !strings.Contains(st.PreviousError, "process exited unexpectedly") {
		t.Errorf("status = %+v, want no current error and the crash as the previous one", st)
	}
}

// variant copies bin with extra bytes appended: the same program with
// another SHA-256, as a rebuilt plugin would have.
func variant(t *testing.T, bin, extra string) string {
	t.Helper()
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(bin))
	if err := os.WriteFile(out, append(raw, extra...), 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitGone waits until the manager no longer knows plugin id.
func waitGone(t *testing.T, mgr *pluginhost.Manager, id string) {
	t.Helper()
	wait.ForState(t, 15*time.Second, "plugin "+id+" forgotten", func() (bool, string) {
		st, err := mgr.Status(id)
		return errors.Is(err, sdk.ErrNotFound), fmt.Sprintf("%+v %v", st, err)
	})
}

// TestPluginsDirWatched: a running host starts a plugin installed into
// <data>/plugins, restarts it when an upgrade changes its checksum, stops
// and forgets it when it is removed, and shows an unusable directory while
// it is there.
func TestPluginsDirWatched(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	e := start(t, data, func(c *pluginhost.Config) { c.WatchInterval = 100 * time.Millisecond })

	if _, err := pluginstore.Install(ctx, data, bins.fault, pluginstore.Options{}); err != nil {
		t.Fatal(err)
	}
	first := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 15*time.Second)
	if resp, err := command(ctx, e.mgr, "fault", "fault"); err != nil || resp.Message.Content != "ok from fault" {
		t.Fatalf("the installed plugin answers %+v, %v", resp, err)
	}

	if _, err := pluginstore.Install(ctx, data, variant(t, bins.fault, "v2"), pluginstore.Options{Upgrade: true}); err != nil {
		t.Fatal(err)
	}
	var second pluginhost.Status
	wait.ForState(t, 15*time.Second, "the upgrade running in a new process", func() (bool, string) {
		second, _ = e.mgr.Status("fault")
		return second.State == pluginhost.StateRunning && second.PID != first.PID && !alive(first.PID), fmt.Sprintf("%+v", second)
	})

	broken := filepath.Join(data, "plugins", "broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "plugin.yaml"), []byte("id: broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st := waitState(t, e.mgr, "invalid:broken", pluginhost.StateFailed, 15*time.Second); !strings.Contains(st.LastError, "broken/plugin.yaml") {
		t.Errorf("unusable directory's error = %q, want it to name its plugin.yaml", st.LastError)
	}

	if err := pluginstore.Remove(data, "fault"); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(broken); err != nil {
		t.Fatal(err)
	}
	waitGone(t, e.mgr, "fault")
	waitGone(t, e.mgr, "invalid:broken")
	wait.ForState(t, 10*time.Second, "the removed plugin's process gone", func() (bool, string) {
		return !alive(second.PID), fmt.Sprintf("pid %d", second.PID)
	})
}

// TestRestartFailedPlugin: an admin brings a failed plugin back with
// Manager.Restart, without restarting the host; Disable and Enable stop
// and start it.
func TestRestartFailedPlugin(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	if _, err := pluginstore.Install(ctx, data, bins.fault, pluginstore.Options{}); err != nil {
		t.Fatal(err)
	}
	e := start(t, data, nil)
	before := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)

	// A changed binary (plugin.yaml untouched) and a crash: failed.
	exe := filepath.Join(data, "plugins", "fault", "fault")
	evil := variant(t, bins.fault, "evil")
	if err := os.Rename(exe, exe+".good"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(evil, exe); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitState(t, e.mgr, "fault", pluginhost.StateFailed, 10*time.Second)
	if err := e.mgr.Restart(ctx, "fault"); err != nil {
		t.Fatalf("Restart with the binary still changed = %v, want the start to begin and fail", err)
	}
	waitState(t, e.mgr, "fault", pluginhost.StateFailed, 10*time.Second)

	// The admin puts the right binary back and restarts the plugin.
	if err := os.Rename(exe+".good", exe); err != nil {
		t.Fatal(err)
	}
	if err := e.mgr.Restart(ctx, "fault"); err != nil {
		t.Fatalf("Restart = %v", err)
	}
	st := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	if st.LastError != "" || !strings.Contains(st.PreviousError, "refusing to run a changed binary") {
		t.Errorf("after Restart status = %+v, want no current error, the refusal as the previous one", st)
	}

	if err := e.mgr.Disable(ctx, "fault"); err != nil {
		t.Fatal(err)
	}
	waitState(t, e.mgr, "fault", pluginhost.StateDisabled, 10*time.Second)
	if err := e.mgr.Enable(ctx, "fault"); err != nil {
		t.Fatal(err)
	}
	waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	if err := e.mgr.Restart(ctx, "nope"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Restart(nope) = %v, want ErrNotFound", err)
	}
}

package plugins

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/testkit/wait"
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

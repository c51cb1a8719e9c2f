package plugins

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// TestActiveManifestsThroughRestart: the plugin host keeps a crashed
// plugin's manifest among the active ones while it restarts (so Discord
// keeps its commands), though it is not routable; once disabled it has
// none.
func TestActiveManifestsThroughRestart(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, func(c *pluginhost.Config) {
		c.Restart = pluginhost.RestartPolicy{Backoff: 3 * time.Second, MaxBackoff: 3 * time.Second, MaxCrashes: 5, Window: time.Minute}
	})
	st := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	if _, ok := e.mgr.ActiveManifests()["fault"]; !ok {
		t.Fatal("a running plugin is not active")
	}
	if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill fault plugin pid %d: %v", st.PID, err)
	}
	waitState(t, e.mgr, "fault", pluginhost.StateRestarting, 5*time.Second)
	if _, ok := e.mgr.Manifests()["fault"]; ok {
		t.Error("a restarting plugin's manifest is routable")
	}
	if mf, ok := e.mgr.ActiveManifests()["fault"]; !ok || len(mf.Commands) != 1 || mf.Commands[0].Name != "fault" {
		t.Errorf("active manifests while restarting = %+v (%v), want fault's last one", mf, ok)
	}
	waitState(t, e.mgr, "fault", pluginhost.StateRunning, 15*time.Second)
	if err := e.mgr.Disable(context.Background(), "fault"); err != nil {
		t.Fatal(err)
	}
	wait.ForState(t, 10*time.Second, "disabled plugin inactive", func() (bool, string) {
		_, ok := e.mgr.ActiveManifests()["fault"]
		return !ok, fmt.Sprintf("still active: %v", ok)
	})
}

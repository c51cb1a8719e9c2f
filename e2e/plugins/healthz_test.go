package plugins

import (
	"net/http"
	"testing"
	"time"
)

// TestFirstHealthyHasItsPlugins polls /healthz from the start of `ddc
// serve`: its first 200 already lists every enabled bundled plugin as
// running (the plugins are registered before the web server listens, so
// no early answer is "ok" for a host without plugins).
func TestFirstHealthyHasItsPlugins(t *testing.T) {
	s := serve(t, t.TempDir(), "")
	var h health
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		var code int
		h, code, _ = s.health()
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz not 200 within 30 s; last: code %d %+v", code, h)
		}
	}
	state := map[string]string{}
	for _, p := range h.Plugins {
		state[p.ID] = p.State
	}
	for id, want := range map[string]string{"containers": "running", "scheduler": "running", "panels": "running", "echo": "disabled"} {
		if state[id] != want {
			t.Errorf("first healthz 200: plugin %s is %q, want %s (all: %+v)", id, state[id], want, h.Plugins)
		}
	}
}

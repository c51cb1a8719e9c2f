package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/web"
)

type plugins []pluginhost.Status

func (p plugins) Statuses() []pluginhost.Status { return p }

func TestHealthz(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	tests := []struct {
		name       string
		plugins    plugins
		wantCode   int
		wantStatus string
	}{
		{"no plugins", nil, http.StatusOK, "ok"},
		{"all running or disabled", plugins{
			{ID: "containers", Version: "1.0.0", State: pluginhost.StateRunning},
			{ID: "echo", Version: "1.0.0", State: pluginhost.StateDisabled},
		}, http.StatusOK, "ok"},
		{"one failed", plugins{
			{ID: "containers", Version: "1.0.0", State: pluginhost.StateRunning},
			{ID: "bad", State: pluginhost.StateFailed, LastError: "crashed 5 times", Restarts: 4},
		}, http.StatusServiceUnavailable, "degraded"},
		{"one restarting", plugins{{ID: "x", State: pluginhost.StateRestarting}}, http.StatusServiceUnavailable, "degraded"},
		{"one degraded", plugins{{ID: "x", State: pluginhost.StateDegraded}}, http.StatusServiceUnavailable, "degraded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := web.New(web.Config{Version: "1.2.3", Plugins: tt.plugins, Discord: func() string { return "no_token" }})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != tt.wantCode {
				t.Errorf("code = %d, want %d", rec.Code, tt.wantCode)
			}
			var got web.Health
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if got.Status != tt.wantStatus || got.Version != "1.2.3" || got.Discord != "no_token" || len(got.Plugins) != len(tt.plugins) {
				t.Errorf("healthz = %+v", got)
			}
			for i, p := range tt.plugins {
				g := got.Plugins[i]
				if g.ID != p.ID || g.State != p.State || g.Restarts != p.Restarts || g.Error != p.LastError {
					t.Errorf("plugin %d = %+v, want from %+v", i, g, p)
				}
			}
		})
	}
}

func TestStartPageShowsProblemsEscaped(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	h := web.New(web.Config{
		Version:  "1.2.3",
		Plugins:  plugins{{ID: "evil", State: pluginhost.StateFailed, LastError: `<script>alert(1)</script>`}},
		Problems: func() []string { return []string{"No Discord bot token: set DISCORD_BOT_TOKEN"} },
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{"No Discord bot token", "DDC 1.2.3", "evil", "&lt;script&gt;"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("start page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), "<script>alert") {
		t.Error("start page does not escape a plugin's error text")
	}
}

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
		{"one over its memory limit", plugins{
			{ID: "containers", State: pluginhost.StateRunning, RSS: 18 << 20, PSS: 10 << 20, MemoryLimit: 64 << 20},
			{ID: "hog", State: pluginhost.StateFailed, OverMemoryLimit: true, MemoryLimit: 256 << 20},
		}, http.StatusServiceUnavailable, "degraded"},
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
				want := web.Reason(p.State)
				if p.OverMemoryLimit {
					want = "over its memory limit of 256 MiB; see the log"
				}
				if g.ID != p.ID || g.State != p.State || g.Restarts != p.Restarts || g.Reason != want ||
					g.RSS != p.RSS || g.PSS != p.PSS || g.MemoryLimit != p.MemoryLimit {
					t.Errorf("plugin %d = %+v, want from %+v with reason %q", i, g, p, want)
				}
			}
		})
	}
}

func TestStartPageShowsProblemsEscaped(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	h := web.New(web.Config{
		Version: "1.2.3",
		Plugins: plugins{{ID: "evil<b>", State: pluginhost.StateFailed, LastError: "boom"}},
		Problems: func() []web.Problem {
			return []web.Problem{{Public: "No Discord bot token: <script>alert(1)</script>", Detail: "x"}}
		},
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{"No Discord bot token", "DDC 1.2.3", "evil&lt;b&gt;", "&lt;script&gt;", web.Reason(pluginhost.StateFailed)} {
		if !strings.Contains(string(body), want) {
			t.Errorf("start page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), "<script>alert") || strings.Contains(string(body), "evil<b>") {
		t.Error("start page does not escape")
	}
}

// TestPublicPagesShowNoDetails: plugin errors and the details of setup
// problems (paths, digests, file content) stay off the public pages.
func TestPublicPagesShowNoDetails(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	const secret = "root:$6$s3cr3tHash:19000:0:99999:7:::"
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	const path = "/srv/ddc-data/plugins/evil/plugin.yaml"
	h := web.New(web.Config{
		Version: "1.2.3",
		Plugins: plugins{
			{ID: "invalid:evil", State: pluginhost.StateFailed, LastError: path + ": yaml: unmarshal errors: cannot unmarshal `" + secret + "`"},
			{ID: "bad-sum", State: pluginhost.StateFailed, LastError: "checksum mismatch: want " + digest + ", got " + digest},
			{ID: "flaky", State: pluginhost.StateRestarting, LastError: "panic: " + path},
			{ID: "sick", State: pluginhost.StateDegraded, LastError: "health: " + secret, Health: secret},
		},
		Problems: func() []web.Problem {
			return []web.Problem{{Public: "config.yaml has settings for a plugin that is not installed", Detail: path + " has settings for plugin " + secret}}
		},
	})
	for _, route := range []string{"/", "/healthz"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, route, nil))
		body := rec.Body.String()
		for _, leak := range []string{secret, "s3cr3t", digest, "/srv/ddc-data", "plugin.yaml", "panic", "checksum"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s shows %q:\n%s", route, leak, body)
			}
		}
		for _, want := range []string{"invalid:evil", web.Reason(pluginhost.StateFailed), web.Reason(pluginhost.StateRestarting), web.Reason(pluginhost.StateDegraded)} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q:\n%s", route, want, body)
			}
		}
	}
}

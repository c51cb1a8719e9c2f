package metrics

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/sdk"
)

func scrape(t *testing.T, s *Set) string {
	t.Helper()
	var b strings.Builder
	s.WritePrometheus(&b)
	return b.String()
}

func TestCounts(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	s := New(Config{Now: func() time.Time { return now }})
	s.PluginCall("containers", "HandleCommand", 3*time.Millisecond, nil)
	s.PluginCall("containers", "HandleCommand", 30*time.Millisecond, errors.New("boom"))
	s.PluginCall("echo", "Bogus\"Method", time.Millisecond, nil)
	state, _ := json.Marshal(map[string]any{"name": "web", "cause": "start", "at": now.Add(-40 * time.Millisecond)})
	synced, _ := json.Marshal(map[string]any{"name": "web", "cause": "sync", "at": now.Add(-time.Hour)})
	s.Published("containers", sdk.Event{Topic: "container.state", Payload: synced})
	s.Published("containers", sdk.Event{Topic: "container.state", Payload: state})
	s.Published("containers", sdk.Event{Topic: "container.state", Payload: []byte("not json")})
	s.Published("other", sdk.Event{Topic: "container.state", Payload: state})
	s.Audited("containers", sdk.AuditEntry{Action: "container.restart", Result: "ok"})
	s.Audited("containers", sdk.AuditEntry{Action: "container.restart", Result: "failed"})
	s.Audited("containers", sdk.AuditEntry{Action: "container.x\"y", Result: "weird\n"})
	s.Audited("scheduler", sdk.AuditEntry{Action: "scheduler.run", Result: "missed"})
	s.Audited("scheduler", sdk.AuditEntry{Action: "scheduler.create", Result: "ok"})
	s.Audited("evil", sdk.AuditEntry{Action: "scheduler.run", Result: "ok"})
	out := scrape(t, s)
	for _, want := range []string{
		`ddc_plugin_call_duration_seconds_bucket{plugin="containers",method="HandleCommand",le="0.005"} 1`,
		`ddc_plugin_call_duration_seconds_count{plugin="containers",method="HandleCommand"} 2`,
		`ddc_plugin_call_errors_total{plugin="containers",method="HandleCommand"} 1`,
		`ddc_plugin_call_duration_seconds_count{plugin="echo",method="other"} 1`,
		`ddc_docker_events_total 1`,
		`ddc_docker_event_lag_seconds_bucket{le="0.025"} 0`,
		`ddc_docker_event_lag_seconds_bucket{le="0.05"} 1`,
		`ddc_docker_actions_total{action="restart",result="ok"} 1`,
		`ddc_docker_actions_total{action="restart",result="failed"} 1`,
		`ddc_docker_actions_total{action="other",result="other"} 1`,
		`ddc_scheduler_runs_total{result="missed"} 1`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	if strings.Contains(out, `ddc_scheduler_runs_total{result="ok"}`) {
		t.Errorf("a plugin that is not the scheduler counted a scheduler run:\n%s", out)
	}
}

func TestLive(t *testing.T) {
	plugins := []pluginhost.Status{
		{ID: "containers", State: pluginhost.StateRunning, Restarts: 2, PID: os.Getpid()},
		{ID: "echo", State: pluginhost.StateDisabled},
	}
	discordOn := false
	s := New(Config{
		Plugins: func() []pluginhost.Status { return plugins },
		Discord: func() (outbox.Stats, bool) {
			return outbox.Stats{Requests: 7, Limited: 2, Global429: 1, Coalesced: 5, Waiting: 3}, discordOn
		},
	})
	out := scrape(t, s)
	for _, want := range []string{
		`ddc_plugin_state{plugin="containers",state="running"} 1`,
		`ddc_plugin_state{plugin="containers",state="failed"} 0`,
		`ddc_plugin_state{plugin="echo",state="disabled"} 1`,
		`ddc_plugin_restarts_total{plugin="containers"} 2`,
		`# TYPE ddc_plugin_rss_bytes gauge`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	for _, name := range []string{"ddc_host_rss_bytes ", "ddc_host_pss_bytes ", `ddc_plugin_rss_bytes{plugin="containers"} `, `ddc_plugin_pss_bytes{plugin="containers"} `} {
		i := strings.Index(out, name)
		if i < 0 {
			t.Fatalf("missing %s in\n%s", name, out)
		}
		if v := strings.Fields(out[i+len(name):])[0]; v == "0" {
			t.Errorf("%s is 0: memory not read", name)
		}
	}
	if strings.Contains(out, `ddc_plugin_rss_bytes{plugin="echo"}`) || strings.Contains(out, "ddc_discord_") {
		t.Errorf("disabled plugin's memory or Discord counters without a session written:\n%s", out)
	}
	discordOn = true
	out = scrape(t, s)
	for _, want := range []string{"ddc_discord_requests_total 7", "ddc_discord_rate_limited_total 2", "ddc_discord_global_rate_limited_total 1",
		"ddc_discord_coalesced_edits_total 5", "ddc_discord_waiting_requests 3"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
}

func TestHandlerAccess(t *testing.T) {
	s := New(Config{})
	s.Audited("scheduler", sdk.AuditEntry{Action: "scheduler.run", Result: "ok"})
	tests := []struct {
		name   string
		access Access
		remote string
		header map[string]string
		method string
		code   int
	}{
		{"disabled", Access{}, "127.0.0.1:5000", nil, "GET", http.StatusNotFound},
		{"loopback", Access{Enabled: true}, "127.0.0.1:5000", nil, "GET", http.StatusOK},
		{"loopback v6", Access{Enabled: true}, "[::1]:5000", nil, "GET", http.StatusOK},
		{"remote without token", Access{Enabled: true}, "192.0.2.7:5000", nil, "GET", http.StatusForbidden},
		{"proxied from loopback", Access{Enabled: true}, "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "192.0.2.7"}, "GET", http.StatusForbidden},
		{"token missing", Access{Enabled: true, Token: "s3cret"}, "127.0.0.1:5000", nil, "GET", http.StatusUnauthorized},
		{"token wrong", Access{Enabled: true, Token: "s3cret"}, "192.0.2.7:5000", map[string]string{"Authorization": "Bearer nope"}, "GET", http.StatusUnauthorized},
		{"token right", Access{Enabled: true, Token: "s3cret"}, "192.0.2.7:5000", map[string]string{"Authorization": "Bearer s3cret"}, "GET", http.StatusOK},
		{"post", Access{Enabled: true}, "127.0.0.1:5000", nil, "POST", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/metrics", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			Handler(s, func() Access { return tt.access }).ServeHTTP(w, r)
			if w.Code != tt.code {
				t.Fatalf("code %d, want %d (%s)", w.Code, tt.code, w.Body)
			}
			if strings.Contains(w.Body.String(), "s3cret") {
				t.Fatal("the answer shows the token")
			}
			if tt.code == http.StatusOK {
				if !strings.Contains(w.Body.String(), `ddc_scheduler_runs_total{result="ok"} 1`) {
					t.Errorf("body without the metrics:\n%s", w.Body)
				}
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
					t.Errorf("Content-Type %q", ct)
				}
			}
		})
	}
}

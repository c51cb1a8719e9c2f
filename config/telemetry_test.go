package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMetricsAndHeartbeat(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		env      []string
		metrics  bool
		token    string
		url      string
		interval time.Duration
		problem  string // a FieldError key expected from Validate
	}{
		{name: "defaults", metrics: true, interval: DefaultHeartbeatInterval},
		{name: "file", file: "web:\n  metrics: false\n  metrics_token: tok\nheartbeat:\n  url: https://hc-ping.com/abc\n  interval: 1m\n",
			token: "tok", url: "https://hc-ping.com/abc", interval: time.Minute},
		{name: "env", env: []string{"DDC_WEB_METRICS=false", "DDC_HEARTBEAT_URL=http://127.0.0.1:3001/api/push/x", "DDC_HEARTBEAT_INTERVAL=30s"},
			url: "http://127.0.0.1:3001/api/push/x", interval: 30 * time.Second},
		{name: "interval without unit", file: "heartbeat:\n  interval: 5\n", metrics: true, interval: DefaultHeartbeatInterval, problem: "heartbeat.interval"},
		{name: "interval too short", file: "heartbeat:\n  interval: 1s\n", metrics: true, interval: time.Second, problem: "heartbeat.interval"},
		{name: "url not http", file: "heartbeat:\n  url: ftp://x/y\n", metrics: true, url: "ftp://x/y", interval: DefaultHeartbeatInterval, problem: "heartbeat.url"},
		{name: "url with password", file: "heartbeat:\n  url: https://u:p@x/y\n", metrics: true, url: "https://u:p@x/y", interval: DefaultHeartbeatInterval, problem: "heartbeat.url"},
		{name: "unknown key", file: "heartbeat:\n  intervall: 1m\n", metrics: true, interval: DefaultHeartbeatInterval, problem: "heartbeat.intervall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, tt.file), tt.env, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Web.Metrics != tt.metrics || c.Web.MetricsToken != tt.token || c.Heartbeat.URL != tt.url || c.Heartbeat.Interval != tt.interval {
				t.Errorf("got web %+v heartbeat {%q %s}", c.Web, c.Heartbeat.URL, c.Heartbeat.Interval)
			}
			err = c.Validate()
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Key != tt.problem {
				t.Fatalf("Validate = %v, want a problem with %s", err, tt.problem)
			}
			if tt.url != "" && strings.Contains(err.Error(), tt.url) {
				t.Errorf("the message shows the URL: %v", err)
			}
		})
	}
}

func TestTelemetrySecretsNeverShown(t *testing.T) {
	c, err := Load(writeConfig(t, "web:\n  metrics_token: tok-secret\nheartbeat:\n  url: https://hc-ping.com/uuid-secret\n"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", c.Web), fmt.Sprintf("%v", c.Heartbeat), fmt.Sprintf("%+v", c.Web)} {
		if strings.Contains(out, "secret") {
			t.Errorf("shows a secret: %s", out)
		}
	}
}

func TestHeartbeatAppliesLive(t *testing.T) {
	if NeedsRestart("heartbeat.url") || NeedsRestart("heartbeat.interval") || NeedsRestart("web.metrics") || !NeedsRestart("web.listen") {
		t.Fatal("heartbeat.* and web.metrics apply live, web.listen needs a restart")
	}
}

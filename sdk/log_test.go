package sdk

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestHCLogHandler checks the JSON a plugin writes to stderr: the keys the
// go-plugin host parses, and values that read right when it re-logs them.
func TestHCLogHandler(t *testing.T) {
	var b strings.Builder
	log := slog.New(newHCLogHandler(&b, slog.LevelInfo))
	log.Debug("hidden")
	log.Warn("docker events stream ended", "in", 400*time.Millisecond, "n", 3, slog.Group("g", "d", time.Second))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1 (debug is below the level):\n%s", len(lines), b.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"@level": "warn", "@message": "docker events stream ended", "in": "400ms", "n": 3.0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v (line %s)", k, got[k], v, lines[0])
		}
	}
	if g, _ := got["g"].(map[string]any); g["d"] != "1s" {
		t.Errorf("grouped duration = %#v, want \"1s\"", got["g"])
	}
	if ts, _ := got["@timestamp"].(string); !strings.Contains(ts, "T") {
		t.Errorf("@timestamp = %#v", got["@timestamp"])
	}
}

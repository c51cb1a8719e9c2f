package discord

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// metric returns the value of one series (name with labels) from the
// host's /metrics, read from loopback; -1 when it is not there.
func (e *hostEnv) metric(t testing.TB, series string) float64 {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(e.web + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v
}

// wantMetric fails unless series is at least min.
func (e *hostEnv) wantMetric(t testing.TB, series string, min float64) {
	t.Helper()
	if v := e.metric(t, series); v < min {
		t.Errorf("/metrics: %s = %v, want at least %v", series, v, min)
	}
}

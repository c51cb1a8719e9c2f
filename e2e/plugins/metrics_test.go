package plugins

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// metrics fetches /metrics; code 0 while the server does not answer.
func (s *served) metrics(t testing.TB) (string, int) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + s.addr + "/metrics")
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

// sample returns the value of series (name with labels) in a scrape.
func sample(scrape, series string) (float64, bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(scrape)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// TestMetricsAndHeartbeat runs ddc serve with its bundled plugins: /metrics
// shows each plugin's real memory, state and call latencies, the heartbeat
// pings a loopback monitor while healthy, and web.metrics: false takes
// /metrics away without a restart.
func TestMetricsAndHeartbeat(t *testing.T) {
	var pings atomic.Int64
	monitor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/ping/uuid" {
			pings.Add(1)
		}
	}))
	defer monitor.Close()
	data := t.TempDir()
	cfg := fmt.Sprintf("heartbeat:\n  url: %s/ping/uuid\n  interval: 10s\n", monitor.URL)
	s := serve(t, data, cfg)
	s.waitHealthy(t, 30*time.Second, "containers", "scheduler")

	var scrape string
	wait.ForState(t, 20*time.Second, "metrics with both plugins' memory", func() (bool, string) {
		var code int
		scrape, code = s.metrics(t)
		_, ok1 := sample(scrape, `ddc_plugin_pss_bytes{plugin="containers"}`)
		_, ok2 := sample(scrape, `ddc_plugin_rss_bytes{plugin="scheduler"}`)
		return code == http.StatusOK && ok1 && ok2, fmt.Sprintf("code %d\n%s", code, scrape)
	})
	for _, id := range []string{"containers", "scheduler"} {
		rss, _ := sample(scrape, `ddc_plugin_rss_bytes{plugin="`+id+`"}`)
		pss, _ := sample(scrape, `ddc_plugin_pss_bytes{plugin="`+id+`"}`)
		if rss < 1<<20 || pss < 1<<20 || pss > rss {
			t.Errorf("%s: rss %.0f, pss %.0f bytes: want a real process's memory (≥ 1 MiB, pss ≤ rss)", id, rss, pss)
		}
		if v, ok := sample(scrape, `ddc_plugin_state{plugin="`+id+`",state="running"}`); !ok || v != 1 {
			t.Errorf("%s not reported running:\n%s", id, scrape)
		}
		if v, ok := sample(scrape, `ddc_plugin_call_duration_seconds_count{plugin="`+id+`",method="Configure"}`); !ok || v < 1 {
			t.Errorf("%s: no Configure call counted:\n%s", id, scrape)
		}
	}
	if v, ok := sample(scrape, "ddc_host_pss_bytes"); !ok || v < 1<<20 {
		t.Errorf("host pss %.0f", v)
	}
	t.Logf("memory: %s", memLine(scrape))

	wait.For(t, 30*time.Second, "a heartbeat ping", func() bool { return pings.Load() >= 1 })
	if strings.Contains(s.logs.String(), "/ping/uuid") {
		t.Errorf("the log shows the heartbeat URL")
	}

	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte(cfg+"web:\n  metrics: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wait.ForState(t, 20*time.Second, "/metrics gone after web.metrics: false", func() (bool, string) {
		_, code := s.metrics(t)
		return code == http.StatusNotFound, fmt.Sprintf("code %d", code)
	})
}

// memLine sums up the memory series of a scrape for the test log.
func memLine(scrape string) string {
	var parts []string
	for _, m := range regexp.MustCompile(`(?m)^ddc_(host|plugin)_(rss|pss)_bytes(\{plugin="([^"]+)"\})? (\S+)$`).FindAllStringSubmatch(scrape, -1) {
		v, _ := strconv.ParseFloat(m[5], 64)
		who := m[1]
		if m[4] != "" {
			who = m[4]
		}
		parts = append(parts, fmt.Sprintf("%s %s %.1f MB", who, m[2], v/(1<<20)))
	}
	return strings.Join(parts, ", ")
}

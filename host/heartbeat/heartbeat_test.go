package heartbeat

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// monitor is a loopback uptime monitor counting pings.
type monitor struct {
	srv   *httptest.Server
	pings atomic.Int64
	code  atomic.Int64
}

func newMonitor(t *testing.T) *monitor {
	m := &monitor{}
	m.code.Store(http.StatusOK)
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/ping/secret-uuid" {
			http.Error(w, "bad ping", http.StatusBadRequest)
			return
		}
		m.pings.Add(1)
		w.WriteHeader(int(m.code.Load()))
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// syncBuf is a log sink safe for concurrent use.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestPingsWhileHealthy(t *testing.T) {
	m := newMonitor(t)
	var healthy atomic.Bool
	healthy.Store(true)
	logs := &syncBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{URL: m.srv.URL + "/ping/secret-uuid", Interval: 20 * time.Millisecond, Healthy: healthy.Load,
			Logger: slog.New(slog.NewTextHandler(logs, nil))})
	}()
	wait.For(t, 10*time.Second, "3 pings", func() bool { return m.pings.Load() >= 3 })

	healthy.Store(false)
	wait.For(t, 10*time.Second, "the unhealthy log line", func() bool { return strings.Contains(logs.String(), "not healthy") })
	before := m.pings.Load()
	time.Sleep(100 * time.Millisecond) // five intervals
	if got := m.pings.Load(); got > before+1 {
		t.Fatalf("%d pings while unhealthy", got-before) // one may have been on its way
	}

	m.code.Store(http.StatusInternalServerError)
	healthy.Store(true)
	wait.For(t, 10*time.Second, "the failure log line", func() bool { return strings.Contains(logs.String(), "ping failed") })
	m.code.Store(http.StatusOK)
	wait.For(t, 10*time.Second, "the recovery log line", func() bool { return strings.Contains(logs.String(), "pinging the monitor again") })

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "secret-uuid") {
		t.Fatalf("the log shows the URL:\n%s", logs)
	}
	if n := strings.Count(logs.String(), "ping failed"); n != 1 {
		t.Errorf("%d failure lines, want 1 (changes only):\n%s", n, logs)
	}
}

func TestUnreachableMonitorKeepsURLSecret(t *testing.T) {
	m := newMonitor(t)
	url := m.srv.URL + "/ping/secret-uuid"
	m.srv.Close() // refused from now on
	err := ping(context.Background(), Config{URL: url, Client: http.DefaultClient, Timeout: time.Second})
	if err == nil {
		t.Fatal("ping of a closed server worked")
	}
	if strings.Contains(err.Error(), "secret-uuid") {
		t.Fatalf("error shows the URL: %v", err)
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Interval: time.Second, Healthy: func() bool { return true }},
		{URL: "http://127.0.0.1:1/", Healthy: func() bool { return true }},
		{URL: "http://127.0.0.1:1/", Interval: time.Second},
	} {
		if err := Run(context.Background(), cfg); err == nil {
			t.Errorf("Run(%+v) = nil", cfg)
		}
	}
}

package web

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// BenchmarkDashboard200: the dashboard page with 200 containers, as the
// server renders it (session check, containers.list through the fake host,
// template): p50 and p99 server time and the bytes sent.
func BenchmarkDashboard200(b *testing.B) {
	u := newTestUI(b)
	u.host.containers = nil
	for i := range 200 {
		u.host.containers = append(u.host.containers, capi.ContainerInfo{
			Container: fmt.Sprintf("app-%03d", i), Endpoint: "local", Name: fmt.Sprintf("app-%03d", i), DisplayName: fmt.Sprintf("App %d", i),
			Image: "registry.example.com/team/app:1.2.3", State: capi.StateRunning, Reachable: true, ShowStats: true,
			Actions: []capi.Op{capi.OpStart, capi.OpStop, capi.OpRestart},
		})
	}
	s := u.setup()
	hdr := s.hdr(nil)
	durs := make([]time.Duration, 0, b.N)
	var bytes int
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		u.host.mu.Lock()
		u.host.calls, u.host.invokes = u.host.calls[:0], u.host.invokes[:0]
		u.host.mu.Unlock()
		start := time.Now()
		rec := u.do(http.MethodGet, "/", nil, hdr)
		durs = append(durs, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("dashboard = %d", rec.Code)
		}
		bytes = rec.Body.Len()
	}
	cpu := cpuTime() - cpu0
	slices.Sort(durs)
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(durs)), "cpu-µs/page")
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(bytes), "bytes/page")
}

// cpuTime is the CPU time (user and system) this process has used: on a
// shared, loaded machine it tells the work from the waiting.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssKB is this process's resident memory (Linux), 0 elsewhere.
func rssKB() int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// BenchmarkSSEFanout50: one container.state event from the bus reaches 50
// open live pages (real HTTP connections); reports the time until the
// last page has it, and the process RSS with the 50 streams open.
func BenchmarkSSEFanout50(b *testing.B) {
	const clients = 50
	u := newTestUI(b)
	s := u.setup()
	srv := httptest.NewServer(u.h)
	defer srv.Close()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapBefore := ms.HeapInuse + ms.StackInuse
	rssBefore := rssKB()
	got := make(chan struct{}, clients)
	ready := make(chan struct{}, clients)
	var wg sync.WaitGroup
	for range clients {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/events", nil)
		req.Header.Set("Cookie", s.cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("open stream: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if sc.Text() == ": live" {
					ready <- struct{}{}
				}
				if sc.Text() == "event: state" {
					got <- struct{}{}
				}
			}
		}()
	}
	for range clients {
		<-ready
	}
	rssOpen := rssKB()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapOpen := ms.HeapInuse + ms.StackInuse
	payload := []byte(`{"container":"web","endpoint":"local","name":"web","display_name":"web","state":"running","reachable":true,"actions":["restart"],"visible":true,"cause":"start"}`)
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		u.events.publish(sdk.Event{Topic: capi.TopicState, Payload: payload})
		for range clients {
			<-got
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/event")
	b.ReportMetric(float64(rssOpen), "rss-kB")
	b.ReportMetric(float64(rssOpen-rssBefore), "rss-delta-kB")
	b.ReportMetric(float64(heapOpen-heapBefore)/1024/clients, "heap+stack-kB/client")
	srv.CloseClientConnections()
	wg.Wait()
}

package containers_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/latency"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkList1000 lists 1000 containers (created, not running) through
// the plugin's containers.list action. It also reports how long the first
// full sync took and the heap the plugin holds after listing them (the
// in-memory harness runs the plugin in this process, so the delta covers
// the plugin, its gRPC server and the Docker client).
func BenchmarkList1000(b *testing.B) {
	e := dockertest.Connect(b)
	e.CreateMany(b, 1000, "ddc-bench-list")
	base := heapInUse()
	t0 := time.Now()
	h := start(b, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}})
	waitHealthy(b, h, time.Minute)
	waitList(b, h, time.Minute, "showing 1000", func(l api.ListResult) bool { return len(l.Containers) == 1000 })
	sync := time.Since(t0)
	ctx := context.Background()
	for b.Loop() {
		raw, err := h.Invoke(ctx, api.ActionList, nil)
		if err != nil || len(raw) < 1000 {
			b.Fatalf("list: %v", err)
		}
	}
	b.StopTimer()
	heap := heapInUse()
	b.ReportMetric(float64(sync.Milliseconds()), "first-sync-ms")
	b.ReportMetric(float64(int64(heap)-int64(base))/(1<<20), "plugin-heap-MB")
	b.ReportMetric(float64(heap)/(1<<20), "process-heap-MB")
}

// BenchmarkActions measures stop, start and restart through the plugin,
// each until its outcome was seen on the events stream (the start check is
// off, so a start's time is until Docker reported it running).
func BenchmarkActions(b *testing.B) {
	e := dockertest.Connect(b)
	c := e.Run(b, dockertest.Options{})
	zero := 0.0
	h := start(b, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}, StartCheckSeconds: &zero})
	waitHealthy(b, h, 10*time.Second)
	waitList(b, h, 5*time.Second, "showing it running", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == "running"
	})
	var stops, starts, restarts []time.Duration
	run := func(action string, into *[]time.Duration) {
		t0 := time.Now()
		raw, err := invokeAs(h, sdk.LevelControl, action, api.Args{Container: c.Name, TimeoutSeconds: 5})
		if err != nil {
			b.Fatalf("%s: %v", action, err)
		}
		*into = append(*into, time.Since(t0))
		if res := decode[api.ActionResult](b, raw); !res.OK || !res.Changed {
			b.Fatalf("%s = %+v, want a change", action, res)
		}
	}
	for b.Loop() {
		run(api.ActionStop, &stops)
		run(api.ActionStart, &starts)
		run(api.ActionRestart, &restarts)
	}
	b.ReportMetric(latency.Ms(latency.Percentile(stops, 0.50)), "stop-p50-ms")
	b.ReportMetric(latency.Ms(latency.Percentile(starts, 0.50)), "start-p50-ms")
	b.ReportMetric(latency.Ms(latency.Percentile(restarts, 0.50)), "restart-p50-ms")
	b.ReportMetric(latency.Ms(latency.Percentile(restarts, 0.99)), "restart-p99-ms")
}

// BenchmarkEventLatency measures the time from a Docker API call (stop
// and start, alternately) made outside the plugin to the container.state
// event it causes reaching the host bus: from the call's start (event-*),
// and from its return (after-return-*), which leaves out Docker's own work.
func BenchmarkEventLatency(b *testing.B) {
	e := dockertest.Connect(b)
	c := e.Run(b, dockertest.Options{})
	h := start(b, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}})
	waitHealthy(b, h, 10*time.Second)
	waitList(b, h, 5*time.Second, "showing it running", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == "running"
	})
	ctx := context.Background()
	var lat, after []time.Duration
	measure := func(state api.State, call func() error) {
		from := len(h.Host.Published())
		t0 := time.Now()
		if err := call(); err != nil {
			b.Fatalf("docker call: %v", err)
		}
		t1 := time.Now()
		seen := waitEvent(b, h, from, 5*time.Second, string(state), func(se api.StateEvent) bool {
			return se.ID == c.ID && se.State == state
		})
		lat = append(lat, seen.Sub(t0))
		after = append(after, max(seen.Sub(t1), 0))
	}
	for b.Loop() {
		measure(api.StateExited, func() error {
			return e.Stop(ctx, c, 0)
		})
		measure(api.StateRunning, func() error { return e.Start(ctx, c) })
	}
	b.ReportMetric(latency.Ms(latency.Percentile(lat, 0.50)), "event-p50-ms")
	b.ReportMetric(latency.Ms(latency.Percentile(lat, 0.99)), "event-p99-ms")
	b.ReportMetric(latency.Ms(latency.Percentile(after, 0.50)), "after-return-p50-ms")
	b.ReportMetric(latency.Ms(latency.Percentile(after, 0.99)), "after-return-p99-ms")
}

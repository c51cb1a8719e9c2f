package e2e

import (
	"sort"
	"testing"
	"time"
)

// BenchmarkInteractionFirstResponse measures, through the whole host with
// a real plugin subprocess, the time from the fake firing a slash command
// to the first response arriving at the fake.
func BenchmarkInteractionFirstResponse(b *testing.B) {
	e := startHost(b, options{})
	in := fault(viewer, statusCh, "ok")
	b.ResetTimer()
	lat := make([]time.Duration, 0, b.N)
	for range b.N {
		h, err := e.srv.Fire(in)
		if err != nil {
			b.Fatal(err)
		}
		r, err := h.WaitResponse(ctxT(b, 5*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, r.After)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

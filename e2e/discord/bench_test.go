package discord

import (
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/latency"
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
	b.ReportMetric(latency.Ms(latency.Percentile(lat, 0.5)), "p50-ms")
	b.ReportMetric(latency.Ms(latency.Percentile(lat, 0.99)), "p99-ms")
}

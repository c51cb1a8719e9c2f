package bench

import (
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/latency"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

var (
	latencyRuns   = flag.Int("latency-runs", 10, "TestLatency: starts of ddc serve measured per binary")
	latencyCalls  = flag.Int("latency-interactions", 300, "TestLatency: /container list interactions measured per binary")
	latencyRounds = flag.Int("latency-rounds", 2, "TestLatency: rounds the interactions are split into, binaries taking turns")
	latencySettle = flag.Duration("latency-settle", 2*time.Second, "TestLatency: wait after the bot connected before the interactions")
	latencyBins   = flag.String("latency-bins", "", "TestLatency: comma-separated ddc binaries to measure side by side instead of building one")
)

// TestLatency measures only the report's two latency figures, exec to
// healthy and interaction → first response, with the report's setup (50
// test containers, the fake Discord), so that a change to either can be
// measured in a few minutes. Given several binaries (-latency-bins old,new)
// it measures them in turns, so that each sees the same load on a shared
// machine:
//
//	go test -tags nomsgpack -count 1 -run '^TestLatency$' -v ./bench
//
// It fails when a median or p99 misses its budget by more than half again
// (the machine may be shared; the report has the verdict).
func TestLatency(t *testing.T) {
	var bins []string
	for _, b := range strings.Split(*latencyBins, ",") {
		if b == "" {
			continue
		}
		abs, err := filepath.Abs(b)
		if err != nil {
			t.Fatal(err)
		}
		bins = append(bins, abs)
	}
	if len(bins) == 0 {
		bins = []string{buildRelease(t, t.TempDir())}
	}
	eng := dockertest.Connect(t)
	cs := eng.CreateMany(t, containerCount, "ddc-bench")
	startContainers(t, eng, cs[:runningCount])
	srv := fakediscord.New(fakeConfig())
	t.Cleanup(srv.Close)

	toHealthy := make([][]time.Duration, len(bins))
	toAnswer := make([][]time.Duration, len(bins))
	for range *latencyRuns {
		for b, bin := range bins {
			s := startServe(t, bin, srv, eng)
			answer, healthy := s.waitHealthy(t)
			toAnswer[b], toHealthy[b] = append(toAnswer[b], answer), append(toHealthy[b], healthy)
			s.stop(t)
		}
	}
	lat := make([][]time.Duration, len(bins))
	for range *latencyRounds {
		for b, bin := range bins {
			s := startServe(t, bin, srv, eng)
			s.waitHealthy(t)
			wait.For(t, 60*time.Second, "ddc connected to the fake Discord and its commands registered", func() bool {
				return s.discordState(t) == "connected" && hasCommands(srv.Commands(guildID), "container", "ss")
			})
			time.Sleep(*latencySettle)
			from := time.Since(s.started)
			l, _ := s.interactions(t, srv, *latencyCalls / *latencyRounds)
			t.Logf("%s: interactions from %s after exec; slowest: %s", filepath.Base(bin), Ms(from), slowest(l, 5))
			lat[b] = append(lat[b], l...)
			s.stop(t)
		}
	}
	t.Logf("load %s on %d CPUs at the end", loadavg(), runtime.NumCPU())
	for b, bin := range bins {
		p50 := latency.Percentile(toHealthy[b], 0.5)
		p99 := latency.Percentile(lat[b], 0.99)
		t.Logf("%s: exec to healthy median %s (best %s, worst %s; web server first answered %s); interaction → first response p50 %s, p90 %s, p99 %s, worst %s over %d",
			bin, Ms(p50), Ms(slices.Min(toHealthy[b])), Ms(slices.Max(toHealthy[b])), Ms(latency.Percentile(toAnswer[b], 0.5)),
			Ms(latency.Percentile(lat[b], 0.5)), Ms(latency.Percentile(lat[b], 0.9)), Ms(p99), Ms(slices.Max(lat[b])), len(lat[b]))
		t.Logf("%s: exec to healthy samples %s", bin, msList(toHealthy[b]))
		if p50 > execBudget*3/2 {
			t.Errorf("%s: exec to healthy median %s, budget %s", bin, Ms(p50), Ms(execBudget))
		}
		if p99 > firstRespP99*3/2 {
			t.Errorf("%s: interaction p99 %s, budget %s", bin, Ms(p99), Ms(firstRespP99))
		}
	}
}

// slowest lists the n slowest of ds with their index ("12.3 ms #45").
func slowest(ds []time.Duration, n int) string {
	idx := make([]int, len(ds))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(ds[b] - ds[a]) })
	var out []string
	for _, i := range idx[:min(n, len(idx))] {
		out = append(out, fmt.Sprintf("%s #%d", Ms(ds[i]), i))
	}
	return strings.Join(out, ", ")
}

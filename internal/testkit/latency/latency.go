// Package latency summarises measured durations for benchmarks.
//
// It is test infrastructure: production code never imports it, and it must
// never import host/, plugins/ or anything outside the standard library.
package latency

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the q-quantile (0 < q ≤ 1) of ds by nearest rank, or
// 0 when ds is empty. ds is not changed.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// Ms converts d to milliseconds, for b.ReportMetric.
func Ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Us converts d to microseconds, for b.ReportMetric.
func Us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

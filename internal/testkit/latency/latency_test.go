package latency

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name string
		ds   []time.Duration
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of unsorted", ms(5, 1, 3, 2, 4), 0.5, 3 * time.Millisecond},
		{"p99 of 100", ms(func() []int {
			var v []int
			for i := 100; i >= 1; i-- {
				v = append(v, i)
			}
			return v
		}()...), 0.99, 99 * time.Millisecond},
		{"max", ms(1, 2, 3), 1, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		in := append([]time.Duration(nil), tt.ds...)
		if got := Percentile(tt.ds, tt.q); got != tt.want {
			t.Errorf("%s: Percentile(%v, %v) = %v, want %v", tt.name, tt.ds, tt.q, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.ds[i] {
				t.Errorf("%s: Percentile changed its input", tt.name)
			}
		}
	}
	if Ms(1500*time.Microsecond) != 1.5 || Us(2500*time.Nanosecond) != 2.5 {
		t.Error("Ms/Us conversions wrong")
	}
}

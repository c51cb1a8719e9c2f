package panels

import (
	"testing"
	"time"
)

// TestPacer: a full pacer lets burstSends sends go after settle only;
// then one send per sendGap; tokens come back with time, up to
// burstSends.
func TestPacer(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	steps := []struct {
		name  string
		spend int           // sent by the drawing at `at`, after waiting
		at    time.Duration // when the next drawing asks
		want  time.Duration
	}{
		{"quiet: at once", 0, 0, settle},
		{"one sent: a second token is left", 1, 0, settle},
		{"two sent: wait a gap", 1, 0, sendGap},
		{"half a gap later: half a gap", 0, sendGap / 2, sendGap / 2},
		{"a gap later: at once", 0, sendGap, settle},
		{"three more at once: the debt is paid first", 3, sendGap, 3 * sendGap},
		{"long quiet: full again, not more", 0, time.Hour, settle},
		{"two after the quiet: a gap", 2, time.Hour, sendGap},
	}
	var pc pacer
	var now time.Duration
	for _, st := range steps {
		pc.spend(st.spend, at(now))
		now = st.at
		if got := pc.wait(at(now)); got != st.want {
			t.Errorf("%s: wait = %v, want %v", st.name, got, st.want)
		}
	}
}

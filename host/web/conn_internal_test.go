package web

import (
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestConnTrackerPicksLongestWaiting: at the cap the connection that has
// waited longest without a request in progress (idle or new) is closed;
// busy ones never are; with all busy the newcomer is refused.
func TestConnTrackerPicksLongestWaiting(t *testing.T) {
	base := time.Now()
	tests := []struct {
		name   string
		states []http.ConnState
		ages   []time.Duration // how long each has been in its state
		want   int             // index closed, -1 refused
	}{
		{"oldest idle", []http.ConnState{http.StateIdle, http.StateIdle, http.StateIdle}, []time.Duration{2, 5, 1}, 1},
		{"silent new connection", []http.ConnState{http.StateIdle, http.StateNew, http.StateActive}, []time.Duration{1, 3, 9}, 1},
		{"busy ones stay", []http.ConnState{http.StateActive, http.StateIdle, http.StateActive}, []time.Duration{9, 1, 9}, 1},
		{"all busy", []http.ConnState{http.StateActive, http.StateActive, http.StateActive}, []time.Duration{1, 2, 3}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &connTracker{max: len(tt.states), log: slog.New(slog.DiscardHandler), conns: map[net.Conn]*connInfo{}}
			conns := make([]net.Conn, len(tt.states))
			peers := make([]net.Conn, len(tt.states))
			for i, st := range tt.states {
				conns[i], peers[i] = net.Pipe()
				defer peers[i].Close()
				tr.conns[conns[i]] = &connInfo{state: st, since: base.Add(-tt.ages[i] * time.Second)}
			}
			newcomer, peer := net.Pipe()
			defer peer.Close()
			admitted := tr.admit(newcomer)
			if admitted != (tt.want >= 0) {
				t.Fatalf("admit = %v, want %v", admitted, tt.want >= 0)
			}
			for i, c := range conns {
				_, kept := tr.conns[c]
				if kept == (i == tt.want) {
					t.Errorf("connection %d (%v, %v s) kept = %v, want %v", i, tt.states[i], int(tt.ages[i]), kept, i != tt.want)
				}
			}
			if len(tr.conns) > tr.max {
				t.Errorf("tracker holds %d connections, cap %d", len(tr.conns), tr.max)
			}
		})
	}
}

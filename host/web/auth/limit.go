package auth

import (
	"sync"
	"time"
)

// Login rate limit defaults.
const (
	// DefaultMaxFailures is how many failed logins one address may make
	// within DefaultFailureWindow; the next attempt is refused unchecked.
	DefaultMaxFailures = 10
	// DefaultFailureWindow is the window failures are counted in.
	DefaultFailureWindow = time.Minute
	// maxTrackedAddrs bounds the addresses the limiter remembers, so that
	// a flood from many addresses cannot grow it without end.
	maxTrackedAddrs = 10000
)

// limiter counts failed logins per client address in a sliding window.
type limiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// recent returns addr's failures still in the window at now, dropping
// older ones. Call with mu held.
func (l *limiter) recent(addr string, now time.Time) []time.Time {
	ts := l.fails[addr]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, addr)
	} else {
		l.fails[addr] = ts
	}
	return ts
}

// blocked reports whether addr has used up its failures, and until when.
func (l *limiter) blocked(addr string, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.recent(addr, now)
	if len(ts) >= l.max {
		return true, ts[len(ts)-l.max].Add(l.window)
	}
	return false, time.Time{}
}

// fail records a failed login of addr.
func (l *limiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.fails[addr]; !ok && len(l.fails) >= maxTrackedAddrs {
		l.sweep(now)
		if len(l.fails) >= maxTrackedAddrs {
			// Still full of addresses failing right now: forget one
			// rather than grow.
			for k := range l.fails {
				delete(l.fails, k)
				break
			}
		}
	}
	l.fails[addr] = append(l.recent(addr, now), now)
}

// sweep drops every address without failures in the window.
func (l *limiter) sweep(now time.Time) {
	for k := range l.fails {
		l.recent(k, now)
	}
}

package containers

import (
	"context"
	"fmt"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

// retryPolicy says how often an unreachable endpoint is tried again and
// how often that it still is gets logged.
type retryPolicy struct {
	// first is the wait before the first retry; each next wait doubles.
	first time.Duration
	// fastMax caps the wait during the first fastFor of an outage, so a
	// restarting daemon (seconds) is back in the list within seconds.
	fastMax time.Duration
	fastFor time.Duration
	// max caps the wait after that: a daemon that stays down (Docker not
	// installed, socket not mounted) costs one attempt a minute.
	max time.Duration
	// remind is how often "still unreachable" is logged during an outage.
	remind time.Duration
}

// defaultRetry is the policy of a running plugin: 0.2 s doubling to 3 s
// for the first minute, then up to a minute; a reminder every 5 minutes.
func defaultRetry() retryPolicy {
	return retryPolicy{first: 200 * time.Millisecond, fastMax: 3 * time.Second, fastFor: time.Minute, max: time.Minute, remind: 5 * time.Minute}
}

// delay returns the wait before the next attempt after a wait of prev (0
// for the first failure), when the outage has lasted down.
func (r retryPolicy) delay(prev, down time.Duration) time.Duration {
	if prev <= 0 {
		return r.first
	}
	limit := r.max
	if down < r.fastFor {
		limit = r.fastMax
	}
	return max(min(prev*2, limit), r.first)
}

// outage is the retry state of an unreachable endpoint; the zero value
// means no outage.
type outage struct {
	since    time.Time     // since is the first failed attempt.
	attempts int           // attempts failed since.
	delay    time.Duration // delay is the current wait between attempts.
	next     time.Time     // next is when the next attempt starts.
	logged   time.Time     // logged is when the outage was last logged.
}

// failed records a failed connection attempt, or the end of a session
// that had synced (a new outage), logs what changed, and returns how long
// to wait before the next attempt. It logs the start of an outage and then
// every remind, never each attempt.
func (e *endpoint) failed(err error, synced bool, now time.Time) time.Duration {
	e.mu.Lock()
	if synced {
		e.down = outage{}
	}
	o := &e.down
	first := o.since.IsZero()
	if first {
		o.since, o.logged = now, now
	}
	o.attempts++
	o.delay = e.retry.delay(o.delay, now.Sub(o.since))
	o.next = now.Add(o.delay)
	remind := !first && now.Sub(o.logged) >= e.retry.remind
	if remind {
		o.logged = now
	}
	d := *o
	e.mu.Unlock()
	switch {
	case first:
		e.log.Warn("docker endpoint unreachable; retrying", "host", e.spec.Host, "err", err, "retry_in", d.delay)
	case remind:
		e.log.Warn("docker endpoint still unreachable", "host", e.spec.Host, "err", err,
			"for", now.Sub(d.since).Round(time.Second), "attempts", d.attempts, "retry_in", d.delay)
	}
	return d.delay
}

// reached logs and publishes that the endpoint answers, after the outage
// down (zero at the first connection).
func (e *endpoint) reached(ctx context.Context, down outage, containers int, now time.Time) {
	if down.since.IsZero() {
		e.log.Info("docker endpoint reachable", "host", e.spec.Host, "containers", containers)
	} else {
		e.log.Info("docker endpoint reachable again", "host", e.spec.Host, "containers", containers,
			"down_for", now.Sub(down.since).Round(time.Second), "attempts", down.attempts)
	}
	e.notify.endpointChanged(ctx, e, api.EndpointStatus{Endpoint: e.spec.Name, Reachable: true, Since: now.UTC()})
}

// describe says, for CheckHealth, why the endpoint with status st is not
// reachable: since when, how often it was tried, when next, and the error.
func (e *endpoint) describe(st epStatus, now time.Time) string {
	s := fmt.Sprintf("%s (%s)", e.spec.Name, e.spec.Host)
	if o := st.down; o.attempts > 0 {
		attempts := "attempts"
		if o.attempts == 1 {
			attempts = "attempt"
		}
		s += fmt.Sprintf(", down for %s (%d %s, next in %s)", human(english(), now.Sub(o.since)), o.attempts, attempts, seconds(english(), max(o.next.Sub(now), 0)))
	}
	return fmt.Sprintf("%s: %v", s, st.err)
}

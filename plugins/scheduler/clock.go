package scheduler

import "time"

// Clock is the scheduler's time source. Tests pass a fake one (Config) to
// drive every schedule through days, time zone changes and host stops in
// milliseconds.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Wait returns a channel that receives once the clock reaches until,
	// or earlier: the scheduler checks Now again whenever it wakes.
	Wait(until time.Time) <-chan time.Time
}

// maxSleep is the longest the real clock sleeps at once. Go's timers run
// on the monotonic clock, which does not follow the wall clock when it is
// set or jumps (an NTP step, a suspended VM), so the scheduler looks at the
// wall clock at least this often.
const maxSleep = time.Minute

// wallClock is the real clock.
type wallClock struct{}

// Now returns time.Now.
func (wallClock) Now() time.Time { return time.Now() }

// Wait sleeps until until, but at most maxSleep.
func (wallClock) Wait(until time.Time) <-chan time.Time {
	return time.After(min(max(time.Until(until), 0), maxSleep))
}

package policy

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// ThrottleConfig sets the spam protection. Zero durations and caps turn the
// matching check off.
type ThrottleConfig struct {
	// CommandCooldown is the time a user must wait before running the same
	// command again.
	CommandCooldown time.Duration
	// ButtonCooldown is the time a user must wait before using the same
	// button or select again.
	ButtonCooldown time.Duration
	// PerMinute caps a user's interactions (commands, buttons, selects,
	// modals) in any 60-second window.
	PerMinute int
	// Now returns the time; nil means time.Now.
	Now func() time.Time
}

// Throttle enforces per-user cooldowns and per-minute caps. It is safe for
// concurrent use.
type Throttle struct {
	cfg ThrottleConfig

	mu     sync.Mutex
	last   map[string]time.Time   // user + key → last allowed use
	recent map[string][]time.Time // user → allowed uses in the last minute
	sweep  time.Time
}

// NewThrottle returns a throttle for cfg.
func NewThrottle(cfg ThrottleConfig) *Throttle {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Throttle{cfg: cfg, last: map[string]time.Time{}, recent: map[string][]time.Time{}}
}

// Kind says which cooldown applies.
type Kind int

// Kinds of use.
const (
	KindCommand   Kind = iota // KindCommand is a slash command.
	KindComponent             // KindComponent is a button, select or modal.
)

// Limited is a refusal by the throttle; its message is meant for the user.
type Limited struct {
	RetryIn time.Duration // RetryIn is how long until the use is allowed.
	Cap     bool          // Cap is true for the per-minute cap, false for a cooldown.
}

// Error says how long to wait.
func (l *Limited) Error() string {
	s := int(math.Ceil(l.RetryIn.Seconds()))
	if l.Cap {
		return fmt.Sprintf("Too many requests: try again in %d s.", s)
	}
	return fmt.Sprintf("Slow down: try again in %d s.", s)
}

// Allow records a use of key (a command name or a component's custom id)
// by userID and returns nil, or a *Limited when the user must wait. A
// refused use is not recorded.
func (t *Throttle) Allow(userID, key string, kind Kind) error {
	now := t.cfg.Now()
	cool := t.cfg.CommandCooldown
	if kind == KindComponent {
		cool = t.cfg.ButtonCooldown
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweepLocked(now)
	k := userID + "\x00" + key
	if cool > 0 {
		if last, ok := t.last[k]; ok && now.Sub(last) < cool {
			return &Limited{RetryIn: cool - now.Sub(last)}
		}
	}
	var uses []time.Time
	if t.cfg.PerMinute > 0 {
		uses = trim(t.recent[userID], now)
		if len(uses) >= t.cfg.PerMinute {
			t.recent[userID] = uses
			return &Limited{RetryIn: uses[0].Add(time.Minute).Sub(now), Cap: true}
		}
		t.recent[userID] = append(uses, now)
	}
	if cool > 0 {
		t.last[k] = now
	}
	return nil
}

// trim drops uses older than a minute.
func trim(uses []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(uses) && now.Sub(uses[i]) >= time.Minute {
		i++
	}
	return uses[i:]
}

// sweepLocked forgets expired entries once a minute, bounding memory.
func (t *Throttle) sweepLocked(now time.Time) {
	if now.Sub(t.sweep) < time.Minute {
		return
	}
	t.sweep = now
	maxCool := max(t.cfg.CommandCooldown, t.cfg.ButtonCooldown)
	for k, last := range t.last {
		if now.Sub(last) >= maxCool {
			delete(t.last, k)
		}
	}
	for u, uses := range t.recent {
		if uses = trim(uses, now); len(uses) == 0 {
			delete(t.recent, u)
		} else {
			t.recent[u] = uses
		}
	}
}

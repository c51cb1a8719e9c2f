package containers

import (
	"context"
	"math"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// maxTriers bounds how many users' wrong passwords tries remembers; past
// it, windows that ended are forgotten first, then the oldest.
const maxTriers = 1024

// tries counts wrong protected info passwords per user, so that a
// password cannot be guessed faster than api.MaxPasswordTries per
// api.PasswordWindow. Safe for concurrent use; the zero value is ready.
type tries struct {
	mu sync.Mutex
	m  map[string]*window
}

// window is one user's wrong passwords since start.
type window struct {
	start time.Time
	n     int
}

// wait is how long who must wait before trying again at now; 0 when they
// may try.
func (t *tries) wait(who string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, ok := t.m[who]
	if !ok || now.Sub(w.start) >= api.PasswordWindow {
		return 0
	}
	if w.n < api.MaxPasswordTries {
		return 0
	}
	return api.PasswordWindow - now.Sub(w.start)
}

// fail counts a wrong password of who at now.
func (t *tries) fail(who string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*window{}
	}
	w, ok := t.m[who]
	if !ok || now.Sub(w.start) >= api.PasswordWindow {
		if !ok && len(t.m) >= maxTriers {
			t.evictLocked(now)
		}
		w = &window{start: now}
		t.m[who] = w
	}
	w.n++
}

// evictLocked forgets the windows that ended, or else the oldest one.
func (t *tries) evictLocked(now time.Time) {
	oldest := ""
	for k, w := range t.m {
		if now.Sub(w.start) >= api.PasswordWindow {
			delete(t.m, k)
			continue
		}
		if oldest == "" || w.start.Before(t.m[oldest].start) {
			oldest = k
		}
	}
	if len(t.m) >= maxTriers {
		delete(t.m, oldest)
	}
}

// key names who for tries: the Discord user, else the calling plugin.
func (c caller) key() string {
	if c.in != nil && c.in.User.ID != "" {
		return "user:" + c.in.User.ID
	}
	return "plugin:" + c.plugin
}

// protectedInfo returns ref's protected info when password matches its
// hash. Wrong passwords are counted per user and refused as one error
// whether the container has protected info or not; the password is
// never logged.
func (p *Plugin) protectedInfo(_ context.Context, who caller, ref, password string) (api.ProtectedInfoResult, error) {
	if err := who.need(sdk.LevelView, "inspect"); err != nil {
		return api.ProtectedInfoResult{}, err
	}
	if utf8.RuneCountInString(password) > api.MaxPasswordLen {
		return api.ProtectedInfoResult{}, refuse(sdk.ErrInvalid, "info.password_long", "Max", api.MaxPasswordLen)
	}
	v, err := p.lookup(ref)
	if err != nil {
		return api.ProtectedInfoResult{}, err
	}
	if d := p.tries.wait(who.key(), time.Now()); d > 0 {
		return api.ProtectedInfoResult{}, refuse(sdk.ErrBusy, "info.too_many", "Seconds", int(math.Ceil(d.Seconds())))
	}
	// checkPassword takes the hash's time whatever the password: bcrypt
	// and pbkdf2 with a constant-time compare.
	if v.pinfo == "" || !checkPassword(v.phash, password) {
		p.tries.fail(who.key(), time.Now())
		p.log.Warn("wrong protected info password", "container", v.ref.String(), "who", who.key())
		return api.ProtectedInfoResult{}, refuse(sdk.ErrPermission, "info.wrong_password")
	}
	return api.ProtectedInfoResult{Container: v.ref.String(), DisplayName: v.display, Text: v.pinfo}, nil
}

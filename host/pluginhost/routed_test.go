package pluginhost

import (
	"strconv"
	"testing"
	"time"

	"github.com/ddc-go/ddc/sdk"
)

// TestRouted: the host vouches for an interaction only to the plugins it
// routed it to (the receiver, and the providers of actions it reached),
// only within its life, and always with its own first record of it.
func TestRouted(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r := &routed{now: func() time.Time { return now }}
	viewer := sdk.Interaction{ID: "1", User: sdk.User{ID: "10", Name: "vic"}, Level: sdk.LevelView}
	r.record("a", viewer)
	// A second record of the same id (a plugin cannot make one, but the
	// router could route it again) does not replace the first.
	r.record("a", sdk.Interaction{ID: "1", User: sdk.User{ID: "99"}, Level: sdk.LevelAdmin})
	r.record("a", sdk.Interaction{}) // no id: nothing to vouch for

	tests := []struct {
		name, plugin, id string
		ok               bool
	}{
		{"receiver", "a", "1", true},
		{"another plugin", "b", "1", false},
		{"unknown id", "a", "2", false},
		{"empty id", "a", "", false},
	}
	for _, tt := range tests {
		in, ok := r.lookup(tt.plugin, tt.id)
		if ok != tt.ok || (ok && (in.User.ID != "10" || in.Level != sdk.LevelView)) {
			t.Errorf("%s: lookup(%s, %q) = %+v, %v; want ok %v with the first record", tt.name, tt.plugin, tt.id, in, ok, tt.ok)
		}
	}
	r.bind("1", "b")
	if _, ok := r.lookup("b", "1"); !ok {
		t.Error("an action's provider cannot use the interaction bound to it")
	}
	now = now.Add(InteractionLife)
	if _, ok := r.lookup("a", "1"); ok {
		t.Error("an interaction is vouched for past its life")
	}
}

// TestRoutedBounded: a flood of interactions keeps at most maxRouted
// records, forgetting the oldest first.
func TestRoutedBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r := &routed{now: func() time.Time { return now }}
	for i := range maxRouted + 10 {
		now = now.Add(time.Millisecond)
		r.record("a", sdk.Interaction{ID: strconv.Itoa(i + 1)})
	}
	if n := len(r.m); n > maxRouted {
		t.Errorf("%d records kept, want at most %d", n, maxRouted)
	}
	if _, ok := r.lookup("a", "1"); ok {
		t.Error("the oldest record survived the flood")
	}
	if _, ok := r.lookup("a", strconv.Itoa(maxRouted+10)); !ok {
		t.Error("the newest record was dropped")
	}
}

package containers

import (
	"fmt"
	"testing"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

// TestTries: a user may send api.MaxPasswordTries wrong passwords within
// api.PasswordWindow, then waits until the window that began with the
// first one has passed; other users are not affected; the count starts
// again after the window; the map stays bounded.
func TestTries(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var tr tries
	for i := range api.MaxPasswordTries {
		if d := tr.wait("a", t0.Add(time.Duration(i)*time.Second)); d != 0 {
			t.Fatalf("wait before wrong password %d = %v, want 0", i+1, d)
		}
		tr.fail("a", t0.Add(time.Duration(i)*time.Second))
	}
	tests := []struct {
		who  string
		at   time.Duration
		want time.Duration
	}{
		{"a", 10 * time.Second, api.PasswordWindow - 10*time.Second},
		{"a", api.PasswordWindow - time.Second, time.Second},
		{"a", api.PasswordWindow, 0},
		{"b", 10 * time.Second, 0},
	}
	for _, tt := range tests {
		if got := tr.wait(tt.who, t0.Add(tt.at)); got != tt.want {
			t.Errorf("wait(%q, +%v) = %v, want %v", tt.who, tt.at, got, tt.want)
		}
	}
	// A new window after the old one ended: one wrong password is allowed.
	later := t0.Add(api.PasswordWindow + time.Second)
	tr.fail("a", later)
	if d := tr.wait("a", later); d != 0 {
		t.Errorf("wait after one wrong password in a new window = %v, want 0", d)
	}
	for i := range maxTriers + 10 {
		tr.fail(fmt.Sprintf("u%d", i), later.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(tr.m); n > maxTriers {
		t.Errorf("tries remembers %d users, want at most %d", n, maxTriers)
	}
}

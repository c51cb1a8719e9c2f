// Package wait polls a condition in tests until it holds or a deadline
// passes. Tests wait for conditions, never for fixed sleeps: the machines
// that run them are shared and slow at times.
//
// It is test infrastructure: production code never imports it, and it must
// never import host/, plugins/ or anything outside the standard library.
package wait

import (
	"testing"
	"time"
)

// interval is how often a condition is polled.
const interval = 20 * time.Millisecond

// For polls cond until it returns true, failing t (Fatal) when timeout
// passes first. what names the condition in the failure: "plugin echo to
// be running".
func For(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ForState(t, timeout, what, func() (bool, string) { return cond(), "" })
}

// ForState is For with a condition that also describes the state it saw;
// the failure message quotes the last description.
func ForState(t testing.TB, timeout time.Duration, what string, cond func() (ok bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(interval)
	}
	if last != "" {
		t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, last)
		return
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}

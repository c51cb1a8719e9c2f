// Package topic holds the one rule for the patterns a manifest lists in
// Info.Subscribes and Info.Calls: "container.state" matches itself, and
// "container.*" matches every name starting with "container.". The host's
// event bus and action routing use it, and so does sdktest.
//
// It must never import host/ or anything outside the standard library.
package topic

import "strings"

// Match reports whether pattern ("a.b" or "a.*") matches name, an event
// topic or an action.
func Match(pattern, name string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, prefix)
	}
	return pattern == name
}

// MatchAny reports whether any of patterns matches name.
func MatchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if Match(p, name) {
			return true
		}
	}
	return false
}

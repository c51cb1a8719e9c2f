package topic_test

import (
	"testing"

	"github.com/ddc-go/ddc/sdk/topic"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"container.state", "container.state", true},
		{"container.state", "container.stat", false},
		{"container.state", "container.state.x", false},
		{"container.state", "container", false},
		{"container.*", "container.state", true},
		{"container.*", "container.state.changed", true},
		{"container.*", "container", false},
		{"container.*", "container.", true},
		{"container.*", "containers.state", false},
		{"container.*", "other.container.state", false},
		{"a.b.*", "a.b.c", true},
		{"a.b.*", "a.bc", false},
		{"", "", true},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := topic.Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestMatchAny(t *testing.T) {
	tests := []struct {
		patterns []string
		name     string
		want     bool
	}{
		{[]string{"a.b", "c.*"}, "c.d", true},
		{[]string{"a.b", "c.*"}, "a.b", true},
		{[]string{"a.b", "c.*"}, "d.c", false},
		{nil, "a", false},
	}
	for _, tt := range tests {
		if got := topic.MatchAny(tt.patterns, tt.name); got != tt.want {
			t.Errorf("MatchAny(%q, %q) = %v, want %v", tt.patterns, tt.name, got, tt.want)
		}
	}
}

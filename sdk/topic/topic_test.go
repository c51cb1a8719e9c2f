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
		{"container.state", "container.stats", false},
		{"container.state", "container.state.x", false},
		{"container.*", "container.state", true},
		{"container.*", "container.a.b", true},
		{"container.*", "container", false},
		{"container.*", "containers.state", false},
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := topic.Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
	if !topic.MatchAny([]string{"a.b", "c.*"}, "c.d") || topic.MatchAny([]string{"a.b", "c.*"}, "d.c") || topic.MatchAny(nil, "a") {
		t.Error("MatchAny does not agree with Match")
	}
}

package policy

import (
	"testing"

	"github.com/ddc-go/ddc/sdk"
)

func TestGrantLevel(t *testing.T) {
	tests := []struct {
		name   string
		grants []string
		target string
		want   sdk.Level
	}{
		{"none", nil, "containers", sdk.LevelView},
		{"control", []string{"containers.control"}, "containers", sdk.LevelControl},
		{"highest wins", []string{"containers.admin", "containers.control"}, "containers", sdk.LevelAdmin},
		{"another plugin's", []string{"echo.admin"}, "containers", sdk.LevelView},
		{"prefix is not enough", []string{"containers-x.control", "container.control"}, "containers", sdk.LevelView},
		{"malformed", []string{"containers", "containers.root", ".control", "containers.Control"}, "containers", sdk.LevelView},
		{"dotted id", []string{"a.b.control"}, "a.b", sdk.LevelControl},
	}
	for _, tt := range tests {
		if got := GrantLevel(tt.grants, tt.target); got != tt.want {
			t.Errorf("%s: GrantLevel(%q, %s) = %v, want %v", tt.name, tt.grants, tt.target, got, tt.want)
		}
	}
}

package sdk_test

import (
	"testing"

	"github.com/ddc-go/ddc/sdk"
)

func TestCommandRequestAccessors(t *testing.T) {
	req := &sdk.CommandRequest{
		Command:    "ctl",
		Subcommand: []string{"admin", "prune"},
		Options: []sdk.OptionValue{
			{Name: "name", Type: sdk.OptionString, Value: "plex", Focused: true},
			{Name: "lines", Type: sdk.OptionInteger, Value: int64(50)},
			{Name: "ratio", Type: sdk.OptionNumber, Value: 2.9},
			{Name: "force", Type: sdk.OptionBoolean, Value: true},
		},
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"String(name)", req.String("name"), "plex"},
		{"String(lines)", req.String("lines"), "50"},
		{"String(missing)", req.String("missing"), ""},
		{"Int(lines)", req.Int("lines"), int64(50)},
		{"Int(ratio)", req.Int("ratio"), int64(2)},
		{"Int(name)", req.Int("name"), int64(0)},
		{"Int(missing)", req.Int("missing"), int64(0)},
		{"Bool(force)", req.Bool("force"), true},
		{"Bool(name)", req.Bool("name"), false},
		{"Bool(missing)", req.Bool("missing"), false},
		{"Sub()", req.Sub(), "prune"},
		{"Sub() without subcommand", (&sdk.CommandRequest{}).Sub(), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	if o, ok := req.Focused(); !ok || o.Name != "name" {
		t.Errorf("Focused() = %+v, %v; want option name", o, ok)
	}
	if _, ok := (&sdk.CommandRequest{}).Focused(); ok {
		t.Error("Focused() of a request without options = true, want false")
	}
}

func TestLevel(t *testing.T) {
	tests := []struct {
		have, need sdk.Level
		allows     bool
		str        string
	}{
		{sdk.LevelView, sdk.LevelView, true, "view"},
		{sdk.LevelView, sdk.LevelControl, false, "view"},
		{sdk.LevelControl, sdk.LevelView, true, "control"},
		{sdk.LevelAdmin, sdk.LevelControl, true, "admin"},
		{sdk.LevelControl, sdk.LevelAdmin, false, "control"},
		{sdk.Level(0), sdk.LevelView, false, "level(0)"},
	}
	for _, tt := range tests {
		if got := tt.have.Allows(tt.need); got != tt.allows {
			t.Errorf("%v.Allows(%v) = %v, want %v", tt.have, tt.need, got, tt.allows)
		}
		if got := tt.have.String(); got != tt.str {
			t.Errorf("Level(%d).String() = %q, want %q", int(tt.have), got, tt.str)
		}
	}
}

package policy

import (
	"errors"
	"testing"

	"github.com/ddc-go/ddc/sdk"
)

func commands() []sdk.Command {
	return []sdk.Command{
		{Name: "container", Level: sdk.LevelView, Options: []sdk.Option{
			{Name: "restart", Type: sdk.OptionSubcommand, Level: sdk.LevelControl},
			{Name: "logs", Type: sdk.OptionSubcommand},
			{Name: "admin", Type: sdk.OptionSubcommandGroup, Level: sdk.LevelAdmin, Options: []sdk.Option{
				{Name: "purge", Type: sdk.OptionSubcommand},
			}},
		}},
		{Name: "settings", Level: sdk.LevelAdmin},
	}
}

func TestCommandLevel(t *testing.T) {
	tests := []struct {
		cmd  string
		path []string
		want sdk.Level
	}{
		{"container", []string{"restart"}, sdk.LevelControl},
		{"container", []string{"logs"}, sdk.LevelView},
		{"container", []string{"admin", "purge"}, sdk.LevelAdmin},
		{"container", []string{"nope"}, sdk.LevelView},
		{"settings", nil, sdk.LevelAdmin},
		{"unknown", nil, sdk.LevelView},
	}
	for _, tt := range tests {
		if got := CommandLevel(commands(), tt.cmd, tt.path); got != tt.want {
			t.Errorf("CommandLevel(%s %v) = %v, want %v", tt.cmd, tt.path, got, tt.want)
		}
	}
}

// TestComponentLevel: the declared level applies whatever the kind is
// named (a kind named like a control command but declared view is view,
// "logs" declared admin is admin); undeclared kinds, ids outside the
// prefix and ids without a kind are refused.
func TestComponentLevel(t *testing.T) {
	kinds := []sdk.ComponentKind{
		{Kind: "restart", Level: sdk.LevelControl},
		{Kind: "logs", Level: sdk.LevelAdmin},
		{Kind: "pinfo", Level: sdk.LevelView},
	}
	tests := []struct {
		id      string
		want    sdk.Level
		refused bool
	}{
		{id: "containers:restart:web", want: sdk.LevelControl},
		{id: "containers:logs:web", want: sdk.LevelAdmin},
		{id: "containers:pinfo", want: sdk.LevelView},
		{id: "containers:purge:x", refused: true},     // undeclared, although a command of that name exists
		{id: "containers:settings:x", refused: true},  // undeclared
		{id: "other:restart:web", refused: true},      // another prefix
		{id: "containers", refused: true},             // no kind
		{id: "containers::x", refused: true},          // empty kind
		{id: "containersrestart:web", refused: true},  // prefix run together
		{id: ":restart:web", refused: true},           // no prefix
		{id: "containers:RESTART:web", refused: true}, // kinds are exact
	}
	for _, tt := range tests {
		got, err := ComponentLevel("containers", kinds, tt.id)
		switch {
		case tt.refused && !errors.Is(err, ErrUndeclaredComponent):
			t.Errorf("ComponentLevel(%q) = %v, %v; want ErrUndeclaredComponent", tt.id, got, err)
		case !tt.refused && (err != nil || got != tt.want):
			t.Errorf("ComponentLevel(%q) = %v, %v; want %v", tt.id, got, err, tt.want)
		}
	}
}

func TestCheckCustomIDs(t *testing.T) {
	btn := func(id string) sdk.Component { return sdk.Button(id, "x", sdk.ButtonPrimary) }
	tests := []struct {
		name string
		rows []sdk.ActionRow
		ok   bool
	}{
		{"none", nil, true},
		{"own", []sdk.ActionRow{sdk.Row(btn("tp:poke:1"), btn("tp:look"))}, true},
		{"link button", []sdk.ActionRow{sdk.Row(sdk.Component{Type: sdk.ComponentButton, Style: sdk.ButtonLink, URL: "https://example.org"})}, true},
		{"own select", []sdk.ActionRow{sdk.Row(sdk.Component{Type: sdk.ComponentSelect, CustomID: "tp:pick"})}, true},
		{"another plugin's", []sdk.ActionRow{sdk.Row(btn("tp:poke"), btn("containers:restart:x"))}, false},
		{"another plugin's select", []sdk.ActionRow{sdk.Row(sdk.Component{Type: sdk.ComponentSelect, CustomID: "containers:restart"})}, false},
		{"no prefix", []sdk.ActionRow{sdk.Row(btn("poke"))}, false},
		{"prefix run together", []sdk.ActionRow{sdk.Row(btn("tpx:poke"))}, false},
		{"empty", []sdk.ActionRow{sdk.Row(btn(""))}, false},
	}
	for _, tt := range tests {
		err := CheckCustomIDs("tp", tt.rows)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrForeignCustomID)) {
			t.Errorf("%s: CheckCustomIDs = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

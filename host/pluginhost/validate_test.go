package pluginhost

import (
	"strings"
	"testing"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// validManifest returns a manifest that passes ValidateManifest; each test
// case breaks one thing.
func validManifest() grpcplugin.Manifest {
	return grpcplugin.Manifest{
		Info: sdk.Info{
			ID: "containers", Name: "Containers", Version: "1.2.3", Description: "Controls containers.",
			ComponentPrefix: "containers",
			Components: []sdk.ComponentKind{
				{Kind: "restart", Level: sdk.LevelControl}, {Kind: "logs", Level: sdk.LevelView}, {Kind: "prune", Level: sdk.LevelAdmin},
			},
			Commands: []sdk.Command{{
				Name: "ctl", Description: "Control containers", Level: sdk.LevelControl,
				Options: []sdk.Option{
					{Name: "restart", Description: "Restart one", Type: sdk.OptionSubcommand, Options: []sdk.Option{
						{Name: "name", Description: "Container", Type: sdk.OptionString, Required: true, Autocomplete: true},
						{Name: "mode", Description: "How", Type: sdk.OptionString, Choices: []sdk.Choice{{Name: "Soft", Value: "soft"}}},
					}},
					{Name: "admin", Description: "Admin things", Type: sdk.OptionSubcommandGroup, Options: []sdk.Option{
						{Name: "prune", Description: "Prune", Type: sdk.OptionSubcommand},
					}},
				},
			}, {
				Name: "status", Description: "Show status",
				Options: []sdk.Option{{Name: "count", Description: "How many", Type: sdk.OptionInteger, Choices: []sdk.Choice{{Name: "Ten", Value: "10"}}}},
			}},
			Subscribes: []string{"container.*", "schedule.run"},
			Provides:   []string{"containers.restart", "containers.list"},
			Calls:      []string{"panels.refresh", "scheduler.*"},
		},
		ProtocolVersion: sdk.ProtocolVersion,
	}
}

func options(n int) []sdk.Option {
	var out []sdk.Option
	for i := range n {
		out = append(out, sdk.Option{Name: "o" + string(rune('a'+i/26)) + string(rune('a'+i%26)), Description: "x", Type: sdk.OptionString})
	}
	return out
}

func choices(n int) []sdk.Choice {
	var out []sdk.Choice
	for i := range n {
		out = append(out, sdk.Choice{Name: "c", Value: string(rune('a' + i))})
	}
	return out
}

func TestValidateManifest(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *grpcplugin.Manifest)
		want   []string // substrings of the error; none means valid
	}{
		{name: "valid", change: func(*grpcplugin.Manifest) {}},

		// settings schemas
		{name: "settings schema", change: func(m *grpcplugin.Manifest) {
			m.SettingsSchema = `{"type": "object", "properties": {"every": {"type": "string", "goDuration": true}}}`
		}},
		{name: "settings schema not JSON", change: func(m *grpcplugin.Manifest) { m.SettingsSchema = `{"type": ` }, want: []string{"settings schema", "not JSON"}},
		{name: "settings schema invalid", change: func(m *grpcplugin.Manifest) { m.SettingsSchema = `{"type": "thing"}` }, want: []string{"settings schema"}},
		{name: "settings schema loads a file", change: func(m *grpcplugin.Manifest) { m.SettingsSchema = `{"$ref": "file:///etc/passwd"}` },
			want: []string{"external schema references are not allowed"}},

		// ids
		{name: "id one char", change: func(m *grpcplugin.Manifest) { m.ID = "a" }},
		{name: "id dotted", change: func(m *grpcplugin.Manifest) { m.ID = "acme.plex-tools_2" }},
		{name: "id 64 chars", change: func(m *grpcplugin.Manifest) { m.ID = strings.Repeat("a", 64) }},
		{name: "id empty", change: func(m *grpcplugin.Manifest) { m.ID = "" }, want: []string{`id ""`}},
		{name: "id 65 chars", change: func(m *grpcplugin.Manifest) { m.ID = strings.Repeat("a", 65) }, want: []string{"is not a plugin id"}},
		{name: "id uppercase", change: func(m *grpcplugin.Manifest) { m.ID = "Containers" }, want: []string{`id "Containers"`}},
		{name: "id starts with dash", change: func(m *grpcplugin.Manifest) { m.ID = "-x" }, want: []string{`id "-x"`}},
		{name: "id with slash", change: func(m *grpcplugin.Manifest) { m.ID = "a/../b" }, want: []string{`id "a/../b"`}},
		{name: "id with space", change: func(m *grpcplugin.Manifest) { m.ID = "my plugin" }, want: []string{`id "my plugin"`}},

		// versions
		{name: "version with v", change: func(m *grpcplugin.Manifest) { m.Version = "v1.2.3" }},
		{name: "version prerelease", change: func(m *grpcplugin.Manifest) { m.Version = "1.2.3-rc.1+build.5" }},
		{name: "version two parts", change: func(m *grpcplugin.Manifest) { m.Version = "1.2" }, want: []string{`version "1.2"`}},
		{name: "version empty", change: func(m *grpcplugin.Manifest) { m.Version = "" }, want: []string{`version ""`}},

		// command names, per Discord
		{name: "command name 32 chars", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = strings.Repeat("a", 32) }},
		{name: "command name dash underscore digits", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "a-b_c9" }},
		{name: "command name lowercase non-ascii", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "größe" }},
		{name: "command name 32 non-ascii runes", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = strings.Repeat("é", 32) }},
		{name: "command name caseless script", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "状態" }},
		{name: "command name empty", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "" }, want: []string{`name ""`}},
		{name: "command name 33 chars", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = strings.Repeat("a", 33) }, want: []string{"must be 1-32 lowercase"}},
		{name: "command name 33 non-ascii runes", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = strings.Repeat("é", 33) }, want: []string{"must be 1-32 lowercase"}},
		{name: "command name uppercase", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "Ctl" }, want: []string{`name "Ctl"`}},
		{name: "command name uppercase non-ascii", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "GRÖSSE" }, want: []string{`name "GRÖSSE"`}},
		{name: "command name space", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "c tl" }, want: []string{`name "c tl"`}},
		{name: "command name dot", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "c.tl" }, want: []string{`name "c.tl"`}},
		{name: "command name slash", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "/ctl" }, want: []string{`name "/ctl"`}},
		{name: "command name emoji", change: func(m *grpcplugin.Manifest) { m.Commands[0].Name = "ctl🐳" }, want: []string{`name "ctl🐳"`}},
		{name: "command declared twice", change: func(m *grpcplugin.Manifest) { m.Commands[1].Name = "ctl" }, want: []string{"command 2 (/ctl): declared twice"}},
		{name: "command unknown level", change: func(m *grpcplugin.Manifest) { m.Commands[0].Level = 4 }, want: []string{"unknown permission level 4"}},

		// descriptions
		{name: "description 100 chars", change: func(m *grpcplugin.Manifest) { m.Commands[0].Description = strings.Repeat("d", 100) }},
		{name: "description 100 non-ascii runes", change: func(m *grpcplugin.Manifest) { m.Commands[0].Description = strings.Repeat("ü", 100) }},
		{name: "description empty", change: func(m *grpcplugin.Manifest) { m.Commands[0].Description = "" }, want: []string{"description must be 1-100 characters, has 0"}},
		{name: "description 101 chars", change: func(m *grpcplugin.Manifest) { m.Commands[0].Description = strings.Repeat("d", 101) }, want: []string{"has 101"}},
		{name: "option description empty", change: func(m *grpcplugin.Manifest) { m.Commands[1].Options[0].Description = "" }, want: []string{`option "count": description`}},

		// option names and counts
		{name: "25 options", change: func(m *grpcplugin.Manifest) { m.Commands[1].Options = options(25) }},
		{name: "26 options", change: func(m *grpcplugin.Manifest) { m.Commands[1].Options = options(26) }, want: []string{"26 options, at most 25"}},
		{name: "26 options in a subcommand", change: func(m *grpcplugin.Manifest) { m.Commands[0].Options[0].Options = options(26) }, want: []string{`option "restart": 26 options`}},
		{name: "option name uppercase", change: func(m *grpcplugin.Manifest) { m.Commands[1].Options[0].Name = "Count" }, want: []string{`name "Count"`}},
		{name: "option name 33 chars", change: func(m *grpcplugin.Manifest) { m.Commands[1].Options[0].Name = strings.Repeat("o", 33) }, want: []string{"must be 1-32"}},
		{
			name:   "duplicate option names",
			change: func(m *grpcplugin.Manifest) { m.Commands[0].Options[0].Options[1].Name = "name" },
			want:   []string{`option "name": declared twice`},
		},
		{
			name: "duplicate subcommand names",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].Options[1].Name = "restart"
				m.Commands[0].Options[1].Type = sdk.OptionSubcommand
			},
			want: []string{`option "restart": declared twice`},
		},
		{
			name: "same option name in two subcommands",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].Options[1] = sdk.Option{Name: "stop", Description: "Stop", Type: sdk.OptionSubcommand, Options: []sdk.Option{
					{Name: "name", Description: "Container", Type: sdk.OptionString},
				}}
			},
		},
		{
			name: "required after optional",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].Options[0].Options[1].Required = true
				m.Commands[0].Options[0].Options[0].Required = false
			},
			want: []string{"required options must come before optional ones"},
		},
		{name: "unknown option type", change: func(m *grpcplugin.Manifest) { m.Commands[1].Options[0].Type = 42 }, want: []string{"unknown option type 42"}},
		{
			name: "subcommands mixed with options",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].Options = append(m.Commands[0].Options, sdk.Option{Name: "x", Description: "x", Type: sdk.OptionString})
			},
			want: []string{"mixes subcommands with plain options"},
		},
		{
			name:   "group holding a plain option",
			change: func(m *grpcplugin.Manifest) { m.Commands[0].Options[1].Options[0].Type = sdk.OptionString },
			want:   []string{"a subcommand group holds only subcommands"},
		},
		{
			name: "subcommand nested in subcommand",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].Options[0].Options = []sdk.Option{{Name: "deeper", Description: "x", Type: sdk.OptionSubcommand}}
				m.Commands[0].Options[1].Options[0].Options = []sdk.Option{{Name: "deepest", Description: "x", Type: sdk.OptionSubcommand}}
			},
			want: []string{"subcommands nest at most as group > subcommand"},
		},
		{
			name:   "plain option with nested options",
			change: func(m *grpcplugin.Manifest) { m.Commands[1].Options[0].Options = options(1) },
			want:   []string{"only subcommands have nested options"},
		},

		// choices
		{name: "25 choices", change: func(m *grpcplugin.Manifest) { m.Commands[0].Options[0].Options[1].Choices = choices(25) }},
		{name: "26 choices", change: func(m *grpcplugin.Manifest) { m.Commands[0].Options[0].Options[1].Choices = choices(26) }, want: []string{"26 choices, at most 25"}},
		{
			name:   "choices with autocomplete",
			change: func(m *grpcplugin.Manifest) { m.Commands[0].Options[0].Options[0].Choices = choices(2) },
			want:   []string{"choices and autocomplete exclude each other"},
		},
		{
			name:   "choice name empty",
			change: func(m *grpcplugin.Manifest) { m.Commands[0].Options[0].Options[1].Choices[0].Name = "" },
			want:   []string{`choice "soft": name must be 1-100 characters`},
		},
		{
			name: "choice name 101 chars",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].Options[0].Options[1].Choices[0].Name = strings.Repeat("n", 101)
			},
			want: []string{"name must be 1-100 characters"},
		},
		{
			name: "choice value 101 chars",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].Options[0].Options[1].Choices[0].Value = strings.Repeat("v", 101)
			},
			want: []string{"value must be 1-100 characters"},
		},
		{
			name:   "integer choice not a number",
			change: func(m *grpcplugin.Manifest) { m.Commands[1].Options[0].Choices[0].Value = "ten" },
			want:   []string{`choice "ten": value is not an integer`},
		},
		{
			name: "number choice",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[1].Options[0].Type = sdk.OptionNumber
				m.Commands[1].Options[0].Choices[0].Value = "2.5"
			},
		},
		{
			name: "number choice not a number",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[1].Options[0].Type = sdk.OptionNumber
				m.Commands[1].Options[0].Choices[0].Value = "many"
			},
			want: []string{`choice "many": value is not a number`},
		},
		{
			name:   "choices on a boolean",
			change: func(m *grpcplugin.Manifest) { m.Commands[1].Options[0].Type = sdk.OptionBoolean },
			want:   []string{"only string, integer and number options have choices"},
		},

		// localizations follow the rules of what they translate
		{name: "localizations", change: func(m *grpcplugin.Manifest) {
			m.Commands[0].NameLocalizations = map[string]string{"de": "steuern", "fr": "contrôler", "ja": "操作"}
			m.Commands[0].DescriptionLocalizations = map[string]string{"de": "Container steuern", "pt-BR": "Controlar", "es-419": "Controlar"}
			m.Commands[0].Options[0].Options[1].Choices[0].NameLocalizations = map[string]string{"de": "Sanft"}
		}},
		{
			name:   "localized name uppercase",
			change: func(m *grpcplugin.Manifest) { m.Commands[0].NameLocalizations = map[string]string{"de": "Steuern"} },
			want:   []string{`command 1 (/ctl) (de): name "Steuern" must be 1-32 lowercase`},
		},
		{
			name: "localized option name too long",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[1].Options[0].NameLocalizations = map[string]string{"fr": strings.Repeat("n", 33)}
			},
			want: []string{`option "count" (fr): name`},
		},
		{
			name: "localized description too long",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].DescriptionLocalizations = map[string]string{"fr": strings.Repeat("d", 101)}
			},
			want: []string{"(/ctl) (fr): description must be 1-100 characters, has 101"},
		},
		{
			name: "localized description empty",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[1].Options[0].DescriptionLocalizations = map[string]string{"de": ""}
			},
			want: []string{`option "count" (de): description must be 1-100 characters, has 0`},
		},
		{
			name: "unknown locale",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].DescriptionLocalizations = map[string]string{"en": "Control"}
			},
			want: []string{`"en" is not a Discord locale`},
		},
		{
			name: "localized choice name",
			change: func(m *grpcplugin.Manifest) {
				m.Commands[0].Options[0].Options[1].Choices[0].NameLocalizations = map[string]string{"de": "", "xx": "x"}
			},
			want: []string{`choice "soft" (de): name must be 1-100 characters, has 0`, `choice "soft" (xx): "xx" is not a Discord locale`},
		},

		// component prefix
		{name: "component prefix empty", change: func(m *grpcplugin.Manifest) { m.ComponentPrefix = "" }, want: []string{`component prefix ""`}},
		{name: "component prefix with colon", change: func(m *grpcplugin.Manifest) { m.ComponentPrefix = "a:b" }, want: []string{`component prefix "a:b"`}},
		{name: "component prefix 32 chars", change: func(m *grpcplugin.Manifest) { m.ComponentPrefix = strings.Repeat("p", 32) }},
		{name: "component prefix 33 chars", change: func(m *grpcplugin.Manifest) { m.ComponentPrefix = strings.Repeat("p", 33) }, want: []string{"must be 1-32 characters"}},

		// component kinds
		{name: "component kinds none", change: func(m *grpcplugin.Manifest) { m.Components = nil }},
		{name: "component kind like a command name", change: func(m *grpcplugin.Manifest) { m.Components[0].Kind = "re-start_2" }},
		{name: "component kind 32 chars", change: func(m *grpcplugin.Manifest) { m.Components[0].Kind = strings.Repeat("k", 32) }},
		{name: "component kind empty", change: func(m *grpcplugin.Manifest) { m.Components[1].Kind = "" }, want: []string{`component kind 2 (""): kind is empty`}},
		{name: "component kind 33 chars", change: func(m *grpcplugin.Manifest) { m.Components[0].Kind = strings.Repeat("k", 33) }, want: []string{"kind must be 1-32 lowercase"}},
		{name: "component kind uppercase", change: func(m *grpcplugin.Manifest) { m.Components[0].Kind = "Restart" }, want: []string{`component kind 1 ("Restart"): kind must be`}},
		{name: "component kind with colon", change: func(m *grpcplugin.Manifest) { m.Components[0].Kind = "re:start" }, want: []string{`("re:start"): kind must be`}},
		{name: "component kind with space", change: func(m *grpcplugin.Manifest) { m.Components[0].Kind = "re start" }, want: []string{`("re start"): kind must be`}},
		{name: "component kind declared twice", change: func(m *grpcplugin.Manifest) { m.Components[2].Kind = "restart" }, want: []string{`component kind 3 ("restart"): declared twice`}},
		{name: "component kind without level", change: func(m *grpcplugin.Manifest) { m.Components[1].Level = 0 }, want: []string{`component kind 2 ("logs"): level 0 is not view (1), control (2) or admin (3)`}},
		{name: "component kind unknown level", change: func(m *grpcplugin.Manifest) { m.Components[0].Level = 4 }, want: []string{"level 4 is not view"}},
		{name: "component kind negative level", change: func(m *grpcplugin.Manifest) { m.Components[0].Level = -1 }, want: []string{"level -1 is not view"}},

		// topics and actions
		{name: "subscribe wildcard", change: func(m *grpcplugin.Manifest) { m.Subscribes = []string{"a.*", "a.b.c", "x"} }},
		{name: "subscribe bad", change: func(m *grpcplugin.Manifest) { m.Subscribes = []string{"Container.State"} }, want: []string{`subscribes: "Container.State"`}},
		{name: "subscribe empty", change: func(m *grpcplugin.Manifest) { m.Subscribes = []string{""} }, want: []string{`subscribes: ""`}},
		{name: "subscribe double dot", change: func(m *grpcplugin.Manifest) { m.Subscribes = []string{"a..b"} }, want: []string{`subscribes: "a..b"`}},
		{name: "subscribe bare star", change: func(m *grpcplugin.Manifest) { m.Subscribes = []string{"*"} }, want: []string{`subscribes: "*"`}},
		{name: "subscribe star inside", change: func(m *grpcplugin.Manifest) { m.Subscribes = []string{"a.*.b"} }, want: []string{`subscribes: "a.*.b"`}},
		{name: "provides wildcard", change: func(m *grpcplugin.Manifest) { m.Provides = []string{"containers.*"} }, want: []string{`provides: "containers.*"`}},
		{name: "provides bad", change: func(m *grpcplugin.Manifest) { m.Provides = []string{"containers restart"} }, want: []string{`provides: "containers restart"`}},
		{name: "provides too long", change: func(m *grpcplugin.Manifest) { m.Provides = []string{strings.Repeat("a", 129)} }, want: []string{"provides:"}},
		{name: "calls bad", change: func(m *grpcplugin.Manifest) { m.Calls = []string{"panels/refresh"} }, want: []string{`calls: "panels/refresh"`}},
		{name: "calls uppercase", change: func(m *grpcplugin.Manifest) { m.Calls = []string{"Panels.refresh"} }, want: []string{`calls: "Panels.refresh"`}},

		// all problems together
		{
			name: "several problems",
			change: func(m *grpcplugin.Manifest) {
				m.ID = "Bad"
				m.Commands[1].Name = "Status"
				m.Provides = []string{"x.*"}
			},
			want: []string{`id "Bad"`, `name "Status"`, `provides: "x.*"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManifest()
			tt.change(&m)
			err := ValidateManifest(m)
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("ValidateManifest() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateManifest() = nil, want an error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ValidateManifest() = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

// Package echo is the example DDC plugin for authors: a slash command with
// localizations, a button, a modal, an event, an action, KV storage, typed
// settings (sdk/settings) and replies in the user's language (sdk/i18n),
// using only the public sdk.
//
// Like every plugin it must never import host/, config, internal/, gin or
// discordgo: authors copy it.
package echo

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
	"github.com/ddc-go/ddc/sdk/settings"
)

// Settings are the echo plugin's settings (plugins.echo.settings in the
// host's config). Their limits live here, in the tags, once: the SDK turns
// them into the JSON Schema the web UI shows and checks Configure's JSON
// against it.
type Settings struct {
	// Prefix starts every echo.
	Prefix string `json:"prefix" jsonschema:"maxLength=20" jsonschema_description:"Put before every echo, at most 20 characters."`
	// MaxText is the longest text echoed, in characters.
	MaxText int `json:"max_text" jsonschema:"minimum=1,maximum=1000" jsonschema_description:"The longest text echoed, in characters."`
}

// The plugin's texts, one file per language in locales/.
//
//go:embed locales
var locales embed.FS

// The settings' schema (derived from Settings, with these defaults) and
// the catalog are built on first use. A plugin with its own executable
// can simply write
//
//	var settingsSpec = settings.MustNew(Settings{...})
//	var catalog = i18n.MustLoad(locales, "locales")
//
// but echo is compiled into the ddc executable, whose every process (the
// host, each bundled plugin) would otherwise build them at start.
var (
	settingsSpec = sync.OnceValue(func() *settings.Spec[Settings] {
		return settings.MustNew(Settings{Prefix: "echo:", MaxText: 200})
	})
	catalog = sync.OnceValue(func() *i18n.Catalog { return i18n.MustLoad(locales, "locales") })
)

// Catalog returns the plugin's texts, for tests.
func Catalog() *i18n.Catalog { return catalog() }

// Plugin echoes what it is told. New returns a ready value; it has no side
// effects until Start.
type Plugin struct {
	// host is set by SetHost before any other call and never changes, so it
	// needs no lock and is never nil in a handler.
	host sdk.Host

	mu sync.Mutex // guards s, which Configure changes while handlers run
	s  Settings
}

// New returns the echo plugin with its default settings.
func New() *Plugin { return &Plugin{s: settingsSpec().Defaults()} }

var (
	_ sdk.Plugin           = (*Plugin)(nil)
	_ sdk.HostSetter       = (*Plugin)(nil)
	_ sdk.Configurer       = (*Plugin)(nil)
	_ sdk.CommandHandler   = (*Plugin)(nil)
	_ sdk.ComponentHandler = (*Plugin)(nil)
	_ sdk.ModalHandler     = (*Plugin)(nil)
	_ sdk.ActionHandler    = (*Plugin)(nil)
	_ sdk.EventHandler     = (*Plugin)(nil)
)

// Info describes the plugin. Command descriptions come from the catalog.
func (p *Plugin) Info() sdk.Info {
	en := catalog().Lang(i18n.English)
	return sdk.Info{
		ID: "echo", Name: "Echo", Version: "1.0.0",
		Description: "Repeats what you say; an example for plugin authors.",
		Commands: []sdk.Command{{
			Name: "echo", Description: en.T("describe.command"),
			DescriptionLocalizations: catalog().Localizations("describe.command"),
			Level:                    sdk.LevelView,
			Options: []sdk.Option{{
				Name: "text", Description: en.T("describe.text"), Type: sdk.OptionString, Required: true,
				DescriptionLocalizations: catalog().Localizations("describe.text"),
			}},
		}},
		ComponentPrefix: "echo",
		// Every button and the modal only repeat text: anyone may use them.
		Components: []sdk.ComponentKind{
			{Kind: "again", Level: sdk.LevelView}, {Kind: "edit", Level: sdk.LevelView}, {Kind: "modal", Level: sdk.LevelView},
		},
		Subscribes:     []string{"echo.*"},
		Provides:       []string{"echo.say"},
		SettingsSchema: settingsSpec().Schema(),
	}
}

// Configure decodes and checks the settings; a refusal names each bad
// field ("settings.max_text: must be <= 1000, got 5000").
func (p *Plugin) Configure(_ context.Context, raw json.RawMessage) error {
	s, err := settingsSpec().Decode(raw)
	if err != nil {
		return fmt.Errorf("echo settings: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s = s
	return nil
}

// SetHost keeps the host. sdk.Serve calls it before Configure and every
// handler.
func (p *Plugin) SetHost(host sdk.Host) { p.host = host }

func (p *Plugin) current() Settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.s
}

// HandleCommand answers /echo text:..., counting uses in the KV store, in
// the user's language.
func (p *Plugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	s := p.current()
	tr := catalog().For(req.Interaction)
	text := strings.TrimSpace(req.String("text"))
	if text == "" {
		return nil, &sdk.UserError{Msg: tr.T("empty")}
	}
	if utf8.RuneCountInString(text) > s.MaxText {
		return nil, &sdk.UserError{Msg: tr.T("too_long", "Count", s.MaxText)}
	}
	n, err := p.count(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.host.Publish(ctx, "echo.said", []byte(strconv.Quote(text))); err != nil {
		return nil, err
	}
	resp := sdk.Reply(tr.T("said", "Prefix", s.Prefix, "Text", text, "Count", n))
	resp.Message.Components = []sdk.ActionRow{sdk.Row(
		sdk.Button("echo:again:"+text, tr.T("again"), sdk.ButtonPrimary),
		sdk.Button("echo:edit", tr.T("something_else"), sdk.ButtonSecondary),
	)}
	return resp, nil
}

func (p *Plugin) count(ctx context.Context) (int, error) {
	raw, _, err := p.host.KV().Get(ctx, "count")
	if err != nil {
		return 0, fmt.Errorf("read echo count: %w", err)
	}
	n, _ := strconv.Atoi(string(raw))
	n++
	if err := p.host.KV().Put(ctx, "count", []byte(strconv.Itoa(n))); err != nil {
		return 0, fmt.Errorf("save echo count: %w", err)
	}
	return n, nil
}

// HandleComponent repeats the text of an "Again" button or opens a modal.
func (p *Plugin) HandleComponent(_ context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
	s := p.current()
	tr := catalog().For(req.Interaction)
	switch {
	case strings.HasPrefix(req.CustomID, "echo:again:"):
		return sdk.Reply(s.Prefix + " " + strings.TrimPrefix(req.CustomID, "echo:again:")), nil
	case req.CustomID == "echo:edit":
		return &sdk.Response{Modal: &sdk.Modal{CustomID: "echo:modal", Title: tr.T("modal.title"), Inputs: []sdk.Component{
			{Type: sdk.ComponentTextInput, CustomID: "text", Label: tr.T("modal.text"), Required: true, MaxLength: s.MaxText},
		}}}, nil
	}
	return nil, &sdk.UserError{Msg: tr.T("unknown_button")}
}

// HandleModal repeats the submitted text.
func (p *Plugin) HandleModal(_ context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
	s := p.current()
	return sdk.Ephemeral(s.Prefix + " " + req.Fields["text"]), nil
}

// Invoke provides echo.say: {"text": "..."} → {"text": "<prefix> ..."}.
func (p *Plugin) Invoke(_ context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	if req.Action != "echo.say" {
		return nil, fmt.Errorf("echo: unknown action %q: %w", req.Action, sdk.ErrUnsupported)
	}
	var args struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(req.Args, &args); err != nil {
		return nil, fmt.Errorf("echo.say args: %v: %w", err, sdk.ErrInvalid)
	}
	s := p.current()
	return json.Marshal(map[string]string{"text": s.Prefix + " " + args.Text})
}

// HandleEvent logs echo events.
func (p *Plugin) HandleEvent(_ context.Context, ev sdk.Event) error {
	p.host.Logger().Info("echo event", "topic", ev.Topic, "from", ev.Source, "bytes", len(ev.Payload))
	return nil
}

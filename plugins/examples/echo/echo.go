// Package echo is the example DDC plugin for authors: a slash command with
// localizations, a button, a modal, an event, an action, KV storage and a
// health check, using only the public sdk.
package echo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/ddc-go/ddc/sdk"
)

// Plugin echoes what it is told. New returns a ready value without side
// effects.
type Plugin struct {
	// host is set by SetHost before any other call and never changes, so it
	// needs no lock and is never nil in a handler.
	host sdk.Host

	mu     sync.Mutex // guards prefix, which Configure changes while handlers run
	prefix string
}

// New returns the echo plugin.
func New() *Plugin { return &Plugin{prefix: "echo:"} }

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

// Info describes the plugin.
func (p *Plugin) Info() sdk.Info {
	return sdk.Info{
		ID: "echo", Name: "Echo", Version: "1.0.0",
		Description: "Repeats what you say; an example for plugin authors.",
		Commands: []sdk.Command{{
			Name: "echo", Description: "Repeat a text",
			DescriptionLocalizations: map[string]string{"de": "Einen Text wiederholen", "fr": "Répéter un texte"},
			Level:                    sdk.LevelView,
			Options: []sdk.Option{{
				Name: "text", Description: "What to repeat", Type: sdk.OptionString, Required: true,
				DescriptionLocalizations: map[string]string{"de": "Was wiederholt werden soll", "fr": "Quoi répéter"},
			}},
		}},
		ComponentPrefix: "echo",
		// Every button and the modal only repeat text: anyone may use them.
		Components: []sdk.ComponentKind{
			{Kind: "again", Level: sdk.LevelView}, {Kind: "edit", Level: sdk.LevelView}, {Kind: "modal", Level: sdk.LevelView},
		},
		Subscribes:     []string{"echo.*"},
		Provides:       []string{"echo.say"},
		SettingsSchema: `{"type":"object","properties":{"prefix":{"type":"string","maxLength":20}}}`,
	}
}

// Configure reads {"prefix": "..."}.
func (p *Plugin) Configure(_ context.Context, settings json.RawMessage) error {
	var s struct {
		Prefix *string `json:"prefix"`
	}
	if err := json.Unmarshal(settings, &s); err != nil {
		return fmt.Errorf("echo settings: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.Prefix != nil {
		p.prefix = *s.Prefix
	}
	return nil
}

// SetHost keeps the host. sdk.Serve calls it before Configure and every
// handler.
func (p *Plugin) SetHost(host sdk.Host) { p.host = host }

func (p *Plugin) currentPrefix() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.prefix
}

// HandleCommand answers /echo text:..., counting uses in the KV store.
func (p *Plugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	text := strings.TrimSpace(req.String("text"))
	if text == "" {
		return nil, sdk.Errorf("say something: the text is empty")
	}
	n, err := p.count(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.host.Publish(ctx, "echo.said", []byte(strconv.Quote(text))); err != nil {
		return nil, err
	}
	resp := sdk.Reply(fmt.Sprintf("%s %s (#%d)", p.currentPrefix(), text, n))
	resp.Message.Components = []sdk.ActionRow{sdk.Row(
		sdk.Button("echo:again:"+text, "Again", sdk.ButtonPrimary),
		sdk.Button("echo:edit", "Say something else", sdk.ButtonSecondary),
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
	prefix := p.currentPrefix()
	switch {
	case strings.HasPrefix(req.CustomID, "echo:again:"):
		return sdk.Reply(prefix + " " + strings.TrimPrefix(req.CustomID, "echo:again:")), nil
	case req.CustomID == "echo:edit":
		return &sdk.Response{Modal: &sdk.Modal{CustomID: "echo:modal", Title: "Echo", Inputs: []sdk.Component{
			{Type: sdk.ComponentTextInput, CustomID: "text", Label: "Text", Required: true, MaxLength: 200},
		}}}, nil
	}
	return nil, sdk.Errorf("unknown button %q", req.CustomID)
}

// HandleModal repeats the submitted text.
func (p *Plugin) HandleModal(_ context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
	return sdk.Ephemeral(p.currentPrefix() + " " + req.Fields["text"]), nil
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
	return json.Marshal(map[string]string{"text": p.currentPrefix() + " " + args.Text})
}

// HandleEvent logs echo events.
func (p *Plugin) HandleEvent(_ context.Context, ev sdk.Event) error {
	p.host.Logger().Info("echo event", "topic", ev.Topic, "from", ev.Source, "bytes", len(ev.Payload))
	return nil
}

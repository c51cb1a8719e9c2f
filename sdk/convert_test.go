package sdk_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// mirror records what it receives and answers with the response it is
// given, so a test can compare both sides of the wire.
type mirror struct {
	info sdk.Info

	mu        sync.Mutex
	host      sdk.Host
	resp      *sdk.Response
	send      *sdk.Message // send, if set, is posted with Host.Send by HandleCommand
	command   *sdk.CommandRequest
	component *sdk.ComponentRequest
	modal     *sdk.ModalRequest
	invoke    *sdk.InvokeRequest
	ctxIn     sdk.Interaction
}

func (m *mirror) Info() sdk.Info { return m.info }

func (m *mirror) Start(_ context.Context, h sdk.Host) error {
	m.mu.Lock()
	m.host = h
	m.mu.Unlock()
	return nil
}

func (m *mirror) answer(ctx context.Context) (*sdk.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ctxIn, _ = sdk.InteractionFrom(ctx)
	if m.send != nil {
		if _, err := m.host.Send(ctx, "300000000000000009", *m.send); err != nil {
			return nil, err
		}
	}
	return m.resp, nil
}

func (m *mirror) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	m.mu.Lock()
	m.command = req
	m.mu.Unlock()
	return m.answer(ctx)
}

func (m *mirror) HandleComponent(ctx context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
	m.mu.Lock()
	m.component = req
	m.mu.Unlock()
	return m.answer(ctx)
}

func (m *mirror) HandleModal(ctx context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
	m.mu.Lock()
	m.modal = req
	m.mu.Unlock()
	return m.answer(ctx)
}

func (m *mirror) Invoke(ctx context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	m.mu.Lock()
	m.invoke = req
	m.ctxIn, _ = sdk.InteractionFrom(ctx)
	m.mu.Unlock()
	return json.RawMessage(`{"ok":true}`), nil
}

func richMessage() sdk.Message {
	return sdk.Message{
		Content: "**plex** is running",
		Embeds: []sdk.Embed{{
			Title: "plex", Description: "Media server", URL: "https://example.com/plex", Color: 0x2ECC71,
			Fields: []sdk.Field{
				{Name: "State", Value: "running", Inline: true},
				{Name: "Uptime", Value: "3 days", Inline: true},
				{Name: "Image", Value: "plexinc/pms-docker:latest"},
			},
			Footer:    "local",
			Timestamp: time.Date(2026, 11, 26, 22, 30, 15, 0, time.UTC),
		}, {
			Title: "second", Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)),
		}},
		Components: []sdk.ActionRow{
			sdk.Row(
				sdk.Button("mirror:start:plex", "Start", sdk.ButtonSuccess),
				sdk.Component{Type: sdk.ComponentButton, CustomID: "mirror:stop:plex", Label: "Stop", Style: sdk.ButtonDanger, Emoji: "🛑", Disabled: true},
				sdk.Component{Type: sdk.ComponentButton, Label: "Docs", Style: sdk.ButtonLink, URL: "https://example.com/docs"},
			),
			sdk.Row(sdk.Component{
				Type: sdk.ComponentSelect, CustomID: "mirror:pick", Placeholder: "Pick a container", MinValues: 1, MaxValues: 2,
				Options: []sdk.SelectOption{
					{Label: "plex", Value: "local/plex", Description: "Media", Emoji: "🎬", Default: true},
					{Label: "nginx", Value: "local/nginx"},
				},
			}),
		},
		Ephemeral: true,
	}
}

// TestConversionRoundTrip sends requests and responses with embeds,
// components, modals, options and interactions through the plugin's gRPC
// server and client and checks they arrive unchanged.
func TestConversionRoundTrip(t *testing.T) {
	ctx := context.Background()
	info := sdk.Info{
		ID: "mirror", Name: "Mirror", Version: "1.2.3-beta.1", Description: "Mirrors.",
		Commands: []sdk.Command{{
			Name: "ctl", Description: "Control", Level: sdk.LevelControl,
			NameLocalizations:        map[string]string{"de": "steuern"},
			DescriptionLocalizations: map[string]string{"de": "Steuern", "fr": "Contrôler"},
			Options: []sdk.Option{{
				Name: "restart", Description: "Restart one", Type: sdk.OptionSubcommand, Level: sdk.LevelAdmin,
				Options: []sdk.Option{
					{Name: "name", Description: "Container", Type: sdk.OptionString, Required: true, Autocomplete: true},
					{
						Name: "mode", Description: "How", Type: sdk.OptionString,
						Choices: []sdk.Choice{{Name: "Soft", Value: "soft", NameLocalizations: map[string]string{"de": "Sanft"}}, {Name: "Hard", Value: "hard"}},
					},
				},
			}},
		}},
		ComponentPrefix: "mir",
		Subscribes:      []string{"container.*"},
		Provides:        []string{"mirror.echo"},
		Calls:           []string{"containers.restart"},
		SettingsSchema:  `{"type":"object"}`,
		Pages:           []sdk.Page{{Path: "status", Title: "Status"}},
		Capabilities:    []string{"docker"},
		Intents:         1 << 9,
	}
	p := &mirror{info: info}
	h := sdktest.New(t, p, sdktest.Config{})

	t.Run("manifest", func(t *testing.T) {
		if diff := cmp.Diff(info, h.Manifest.Info); diff != "" {
			t.Errorf("Manifest.Info mismatch (-sent +received):\n%s", diff)
		}
		if h.Manifest.ProtocolVersion != sdk.ProtocolVersion {
			t.Errorf("Manifest.ProtocolVersion = %d, want %d", h.Manifest.ProtocolVersion, sdk.ProtocolVersion)
		}
	})

	in := sdk.Interaction{
		ID: "900000000000000001", GuildID: "100000000000000002", ChannelID: "300000000000000003",
		User: sdk.User{ID: "200000000000000004", Name: "ana"}, RoleIDs: []string{"r1", "r2"},
		Locale: "de", Level: sdk.LevelAdmin, DefaultLocale: "fr",
	}
	tests := []struct {
		name string
		resp *sdk.Response
		want *sdk.Response // want differs from resp where the wire fills defaults
	}{
		{name: "rich message", resp: &sdk.Response{Message: richMessage()}},
		{name: "update", resp: &sdk.Response{Message: sdk.Message{Content: "edited"}, Update: true}},
		{
			name: "modal",
			resp: &sdk.Response{Modal: &sdk.Modal{CustomID: "mir:modal", Title: "Rename", Inputs: []sdk.Component{
				{CustomID: "name", Label: "New name", Placeholder: "plex-2", Required: true, MaxLength: 64, Value: "plex"},
				{Type: sdk.ComponentTextInput, CustomID: "why", Label: "Why", Paragraph: true},
			}}},
			want: &sdk.Response{Modal: &sdk.Modal{CustomID: "mir:modal", Title: "Rename", Inputs: []sdk.Component{
				{Type: sdk.ComponentTextInput, CustomID: "name", Label: "New name", Placeholder: "plex-2", Required: true, MaxLength: 64, Value: "plex"},
				{Type: sdk.ComponentTextInput, CustomID: "why", Label: "Why", Paragraph: true},
			}}},
		},
		{name: "nil response", resp: nil, want: &sdk.Response{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == nil {
				want = tt.resp
			}
			p.mu.Lock()
			p.resp = tt.resp
			p.mu.Unlock()

			opts := []sdk.OptionValue{
				{Name: "name", Type: sdk.OptionString, Value: "plex", Focused: true},
				{Name: "count", Type: sdk.OptionInteger, Value: int64(3)},
				{Name: "ratio", Type: sdk.OptionNumber, Value: 0.5},
				{Name: "force", Type: sdk.OptionBoolean, Value: true},
				{Name: "who", Type: sdk.OptionUser, Value: "200000000000000005"},
			}
			got, err := h.Command(ctx, in, "ctl restart", opts...)
			if err != nil {
				t.Fatalf("Command(ctl restart) error = %v", err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("command response mismatch (-sent +received):\n%s", diff)
			}
			p.mu.Lock()
			wantReq := &sdk.CommandRequest{Interaction: in, Command: "ctl", Subcommand: []string{"restart"}, Options: opts}
			if diff := cmp.Diff(wantReq, p.command, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("command request mismatch (-sent +received):\n%s", diff)
			}
			if diff := cmp.Diff(in, p.ctxIn); diff != "" {
				t.Errorf("InteractionFrom(handler ctx) mismatch (-sent +received):\n%s", diff)
			}
			p.mu.Unlock()

			got, err = h.Click(ctx, in, "mir:pick", "local/plex", "local/nginx")
			if err != nil {
				t.Fatalf("Click(mir:pick) error = %v", err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("component response mismatch (-sent +received):\n%s", diff)
			}
			p.mu.Lock()
			wantComp := &sdk.ComponentRequest{Interaction: in, CustomID: "mir:pick", Type: sdk.ComponentSelect, Values: []string{"local/plex", "local/nginx"}}
			if diff := cmp.Diff(wantComp, p.component, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("component request mismatch (-sent +received):\n%s", diff)
			}
			p.mu.Unlock()

			fields := map[string]string{"name": "plex-2", "why": "because\nreasons"}
			got, err = h.Submit(ctx, in, "mir:modal", fields)
			if err != nil {
				t.Fatalf("Submit(mir:modal) error = %v", err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("modal response mismatch (-sent +received):\n%s", diff)
			}
			p.mu.Lock()
			wantModal := &sdk.ModalRequest{Interaction: in, CustomID: "mir:modal", Fields: fields}
			if diff := cmp.Diff(wantModal, p.modal, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("modal request mismatch (-sent +received):\n%s", diff)
			}
			p.mu.Unlock()
		})
	}

	t.Run("option value int becomes int64", func(t *testing.T) {
		p.mu.Lock()
		p.resp = sdk.Reply("ok")
		p.mu.Unlock()
		if _, err := h.Command(ctx, in, "ctl", sdk.OptionValue{Name: "n", Type: sdk.OptionInteger, Value: 7}); err != nil {
			t.Fatalf("Command(ctl n=7) error = %v", err)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if got := p.command.Int("n"); got != 7 {
			t.Errorf("Int(n) = %d, want 7", got)
		}
		if v, ok := p.command.Options[0].Value.(int64); !ok || v != 7 {
			t.Errorf("option n = %#v, want int64(7)", p.command.Options[0].Value)
		}
	})

	t.Run("interaction defaults", func(t *testing.T) {
		// A zero level is not a level: the plugin sees the lowest one.
		p.mu.Lock()
		p.resp = sdk.Reply("ok")
		p.mu.Unlock()
		if _, err := h.Client.HandleCommand(ctx, &sdk.CommandRequest{Command: "ctl"}); err != nil {
			t.Fatalf("HandleCommand(ctl) error = %v", err)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.command.Level != sdk.LevelView {
			t.Errorf("Level of an interaction sent with none = %v, want %v", p.command.Level, sdk.LevelView)
		}
	})

	t.Run("invoke with interaction", func(t *testing.T) {
		res, err := h.Client.Invoke(ctx, &sdk.InvokeRequest{Action: "mirror.echo", Args: json.RawMessage(`{"a":[1,2]}`), Caller: "other", Interaction: &in})
		if err != nil || string(res) != `{"ok":true}` {
			t.Fatalf("Invoke(mirror.echo) = %s, %v; want {\"ok\":true}", res, err)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		want := &sdk.InvokeRequest{Action: "mirror.echo", Args: json.RawMessage(`{"a":[1,2]}`), Caller: "other", Interaction: &in}
		if diff := cmp.Diff(want, p.invoke, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("invoke request mismatch (-sent +received):\n%s", diff)
		}
		if diff := cmp.Diff(in, p.ctxIn); diff != "" {
			t.Errorf("InteractionFrom(invoke ctx) mismatch (-sent +received):\n%s", diff)
		}
	})

	t.Run("host send", func(t *testing.T) {
		msg := richMessage()
		p.mu.Lock()
		p.resp, p.send = sdk.Reply("sent"), &msg
		p.mu.Unlock()
		defer func() { p.mu.Lock(); p.send = nil; p.mu.Unlock() }()
		if _, err := h.Command(ctx, in, "ctl"); err != nil {
			t.Fatalf("Command(ctl) error = %v", err)
		}
		sent := h.Host.Sent()
		if len(sent) != 1 {
			t.Fatalf("Host.Sent() = %d messages, want 1", len(sent))
		}
		if diff := cmp.Diff(msg, sent[0].Message, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("sent message mismatch (-sent +received):\n%s", diff)
		}
	})
}

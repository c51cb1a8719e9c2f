package discord_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ddc-go/ddc/host/discord"
	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

const (
	guildID    = "910000000000000001"
	controlCh  = "910000000000000002"
	statusCh   = "910000000000000003"
	operatorRl = "910000000000000004"
	operator   = "910000000000000005"
	viewer     = "910000000000000006"
	adminUser  = "910000000000000007"
	otherCh    = "910000000000000008"
)

// fakePlugins stands in for the plugin manager: one plugin "demo" whose
// handlers the test sets.
type fakePlugins struct {
	mu        sync.Mutex
	manifest  grpcplugin.Manifest
	state     string // "" or "running", "restarting", "disabled"
	listeners []func()
	command   func(context.Context, *sdk.CommandRequest) (*sdk.Response, error)
	component func(context.Context, *sdk.ComponentRequest) (*sdk.Response, error)
	calls     []sdk.Interaction
}

func demoManifest() grpcplugin.Manifest {
	return grpcplugin.Manifest{Info: sdk.Info{
		ID: "demo", ComponentPrefix: "demo",
		Components: []sdk.ComponentKind{
			{Kind: "poke", Level: sdk.LevelControl}, {Kind: "look", Level: sdk.LevelView}, {Kind: "b", Level: sdk.LevelView},
		},
		Commands: []sdk.Command{
			{
				Name: "demo", Description: "Demo things", Level: sdk.LevelView,
				NameLocalizations:        map[string]string{"de": "demo", "fr": "demo"},
				DescriptionLocalizations: map[string]string{"de": "Demo-Dinge", "fr": "Choses de démo", "xx": "dropped"},
				Options: []sdk.Option{
					{Name: "look", Description: "Look", Type: sdk.OptionSubcommand, Level: sdk.LevelView},
					{Name: "poke", Description: "Poke", Type: sdk.OptionSubcommand, Level: sdk.LevelControl, Options: []sdk.Option{
						{Name: "do", Description: "What to do", Type: sdk.OptionString},
					}},
				},
			},
			{Name: "settings", Description: "Admin things", Level: sdk.LevelAdmin},
		},
	}}
}

func (p *fakePlugins) Manifests() map[string]grpcplugin.Manifest {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != "" && p.state != "running" {
		return map[string]grpcplugin.Manifest{}
	}
	return map[string]grpcplugin.Manifest{"demo": p.manifest}
}

// ActiveManifests keeps demo's manifest while it restarts, as the plugin
// host does.
func (p *fakePlugins) ActiveManifests() map[string]grpcplugin.Manifest {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != "" && p.state != "running" && p.state != "restarting" {
		return map[string]grpcplugin.Manifest{}
	}
	return map[string]grpcplugin.Manifest{"demo": p.manifest}
}

func (p *fakePlugins) CommandOwner(name string) (string, bool) {
	for _, c := range p.Manifests()["demo"].Commands {
		if c.Name == name {
			return "demo", true
		}
	}
	return "", false
}

func (p *fakePlugins) ComponentOwner(id string) (string, bool) {
	if strings.HasPrefix(id, "demo:") && len(p.Manifests()) > 0 {
		return "demo", true
	}
	return "", false
}

func (p *fakePlugins) HandleCommand(ctx context.Context, _ string, req *sdk.CommandRequest) (*sdk.Response, error) {
	p.mu.Lock()
	p.calls = append(p.calls, req.Interaction)
	h := p.command
	p.mu.Unlock()
	if h == nil {
		return sdk.Reply("ok"), nil
	}
	return h(ctx, req)
}

func (p *fakePlugins) HandleAutocomplete(context.Context, string, *sdk.CommandRequest) ([]sdk.Choice, error) {
	return nil, nil
}

func (p *fakePlugins) HandleComponent(ctx context.Context, _ string, req *sdk.ComponentRequest) (*sdk.Response, error) {
	p.mu.Lock()
	p.calls = append(p.calls, req.Interaction)
	h := p.component
	p.mu.Unlock()
	if h == nil {
		return &sdk.Response{Update: true, Message: sdk.Message{Content: "clicked " + req.CustomID, Components: []sdk.ActionRow{
			sdk.Row(sdk.Button("demo:poke:1", "Poke", sdk.ButtonDanger), sdk.Button("demo:look:1", "Look", sdk.ButtonSecondary)),
		}}}, nil
	}
	return h(ctx, req)
}

func (p *fakePlugins) HandleModal(context.Context, string, *sdk.ModalRequest) (*sdk.Response, error) {
	return sdk.Ephemeral("thanks"), nil
}

func (p *fakePlugins) OnChange(fn func()) {
	p.mu.Lock()
	p.listeners = append(p.listeners, fn)
	p.mu.Unlock()
}

func (p *fakePlugins) WaitSettled(context.Context) error { return nil }

func (p *fakePlugins) change(f func(*fakePlugins)) {
	p.mu.Lock()
	f(p)
	ls := append([]func(){}, p.listeners...)
	p.mu.Unlock()
	for _, fn := range ls {
		go fn()
	}
}

type env struct {
	srv     *fakediscord.Server
	bot     *discord.Bot
	plugins *fakePlugins
	runErr  chan error
}

func fakeConfig() fakediscord.Config {
	return fakediscord.Config{
		HeartbeatInterval: 500 * time.Millisecond,
		Users: []fakediscord.User{
			{ID: operator, Username: "olga"}, {ID: viewer, Username: "vic"}, {ID: adminUser, Username: "ada"},
		},
		Guilds: []fakediscord.Guild{{
			ID: guildID, Name: "lab",
			Channels: []fakediscord.Channel{{ID: controlCh, Name: "control"}, {ID: statusCh, Name: "status"}, {ID: otherCh, Name: "other"}},
			Roles:    []fakediscord.Role{{ID: operatorRl, Name: "operators"}},
			Members:  []fakediscord.Member{{UserID: operator, Roles: []string{operatorRl}}, {UserID: viewer}, {UserID: adminUser}},
		}},
	}
}

func testPolicy() *policy.Policy {
	return policy.New(policy.Config{
		StatusChannels: []string{statusCh}, ControlChannels: []string{controlCh},
		OperatorRoles: []string{operatorRl}, AdminUsers: []string{adminUser},
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// start runs a bot against a fresh fake until the test ends and waits
// until its commands are registered.
func start(t testing.TB, fcfg fakediscord.Config, mutate func(*discord.Config)) *env {
	t.Helper()
	srv := fakediscord.New(fcfg)
	t.Cleanup(srv.Close)
	pl := &fakePlugins{manifest: demoManifest()}
	cfg := discord.Config{
		Token: srv.Token(), APIURL: srv.URL(), GuildIDs: []string{guildID}, Plugins: pl, Policy: testPolicy(),
		Logger:       slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MinReconnect: 100 * time.Millisecond, SyncDelay: 20 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	bot, err := discord.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{srv: srv, bot: bot, plugins: pl, runErr: make(chan error, 1)}
	go func() { e.runErr <- bot.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-e.runErr:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	wait.For(t, 10*time.Second, "commands registered", func() bool { return len(srv.Commands(guildID)) == 2 })
	return e
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func putCount(srv *fakediscord.Server) int {
	return len(srv.RequestsTo("PUT /applications/{application_id}/guilds/{guild_id}/commands"))
}

func TestConnectAndCommands(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	if s := e.bot.State(); s != discord.StateConnected {
		t.Errorf("State() = %q, want connected", s)
	}
	cmds := e.srv.Commands(guildID)
	byName := map[string]*discordgo.ApplicationCommand{}
	for _, c := range cmds {
		byName[c.Name] = c
	}
	demo := byName["demo"]
	if demo == nil || demo.DescriptionLocalizations == nil || (*demo.DescriptionLocalizations)["de"] != "Demo-Dinge" || (*demo.DescriptionLocalizations)["fr"] != "Choses de démo" {
		t.Errorf("/demo localizations = %+v, want de and fr", demo)
	}
	if demo != nil && demo.DescriptionLocalizations != nil {
		if _, ok := (*demo.DescriptionLocalizations)["xx"]; ok {
			t.Error("unknown locale xx was registered")
		}
	}
	if demo != nil && demo.DefaultMemberPermissions != nil {
		t.Errorf("/demo default_member_permissions = %v, want none", *demo.DefaultMemberPermissions)
	}
	if s := byName["settings"]; s == nil || s.DefaultMemberPermissions == nil || *s.DefaultMemberPermissions != 32 {
		t.Errorf("/settings default_member_permissions = %+v, want 32 (Manage Server)", s)
	}
	if n := putCount(e.srv); n != 1 {
		t.Errorf("%d bulk overwrites at start, want 1", n)
	}

	// Nothing changed: a resync writes nothing.
	if err := e.bot.SyncCommands(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := putCount(e.srv); n != 1 {
		t.Errorf("%d bulk overwrites after an unchanged resync, want 1", n)
	}

	// A plugin upgrade adds a command: one more overwrite.
	e.plugins.change(func(p *fakePlugins) {
		p.manifest.Commands = append(p.manifest.Commands, sdk.Command{Name: "extra", Description: "More"})
	})
	wait.For(t, 5*time.Second, "third command", func() bool { return len(e.srv.Commands(guildID)) == 3 })
	if n := putCount(e.srv); n != 2 {
		t.Errorf("%d bulk overwrites after an upgrade, want 2", n)
	}

	// A restarting plugin keeps its commands; a disabled one loses them.
	e.plugins.change(func(p *fakePlugins) { p.state = "restarting" })
	time.Sleep(200 * time.Millisecond)
	if n := len(e.srv.Commands(guildID)); n != 3 {
		t.Errorf("%d commands while the plugin restarts, want 3", n)
	}
	e.plugins.change(func(p *fakePlugins) { p.state = "disabled" })
	wait.For(t, 5*time.Second, "commands removed", func() bool { return len(e.srv.Commands(guildID)) == 0 })
}

func TestInvalidToken(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(fakeConfig())
	t.Cleanup(srv.Close)
	bot, err := discord.New(discord.Config{Token: "wrong", APIURL: srv.URL(), Plugins: &fakePlugins{manifest: demoManifest()}, MinReconnect: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = bot.Run(ctxT(t, 10*time.Second))
	if !errors.Is(err, discord.ErrInvalidToken) {
		t.Fatalf("Run = %v, want ErrInvalidToken", err)
	}
	if s := bot.State(); s != discord.StateInvalidToken {
		t.Errorf("State() = %q, want invalid_token", s)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests with a bad token, want 1", n)
	}
	if n := len(srv.Connects()); n != 0 {
		t.Errorf("%d gateway connections with a bad token, want 0", n)
	}
}

func fire(t testing.TB, srv *fakediscord.Server, in fakediscord.Interaction) *fakediscord.InteractionHandle {
	t.Helper()
	h, err := srv.Fire(in)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func content(t testing.TB, h *fakediscord.InteractionHandle) (fakediscord.Response, string) {
	t.Helper()
	r, err := h.WaitResponse(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatalf("WaitResponse: %v", err)
	}
	var d struct {
		Content string `json:"content"`
		Flags   int    `json:"flags"`
	}
	_ = json.Unmarshal(r.Data, &d)
	return r, d.Content
}

func poke(user, channel, locale string) fakediscord.Interaction {
	return fakediscord.Interaction{
		Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channel, UserID: user, Locale: locale,
		Command: "demo", Options: []fakediscord.Option{{Name: "poke", Options: []fakediscord.Option{{Name: "do", Value: "x"}}}},
	}
}

func TestRouterPermissions(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	tests := []struct {
		name      string
		in        fakediscord.Interaction
		wantLevel sdk.Level
		refused   []string
	}{
		{"operator in control channel", poke(operator, controlCh, ""), sdk.LevelControl, nil},
		{"operator in status channel", poke(operator, statusCh, ""), 0, []string{"status channel"}},
		{"viewer in control channel", poke(viewer, controlCh, ""), 0, []string{"<@&" + operatorRl + ">"}},
		{"viewer looks", fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: statusCh, UserID: viewer,
			Command: "demo", Options: []fakediscord.Option{{Name: "look"}}}, sdk.LevelView, nil},
		{"admin command by admin outside lists", fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: otherCh, UserID: adminUser,
			Command: "settings"}, sdk.LevelAdmin, nil},
		{"admin command by operator", fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: otherCh, UserID: operator,
			Command: "settings"}, 0, []string{"admin level"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.plugins.mu.Lock()
			before := len(e.plugins.calls)
			e.plugins.mu.Unlock()
			r, text := content(t, fire(t, e.srv, tt.in))
			e.plugins.mu.Lock()
			calls := e.plugins.calls[before:]
			e.plugins.mu.Unlock()
			if tt.refused == nil {
				if r.Type != fakediscord.CallbackChannelMessage || text != "ok" || len(calls) != 1 || calls[0].Level != tt.wantLevel {
					t.Errorf("got %d %q with calls %+v, want ok at level %v", r.Type, text, calls, tt.wantLevel)
				}
				return
			}
			if len(calls) != 0 {
				t.Errorf("plugin was called for a refused interaction")
			}
			if r.Message == nil || r.Message.Flags&discordgo.MessageFlagsEphemeral == 0 {
				t.Errorf("refusal is not ephemeral: %+v", r.Message)
			}
			for _, s := range tt.refused {
				if !strings.Contains(text, s) {
					t.Errorf("refusal %q does not mention %q", text, s)
				}
			}
		})
	}
}

func TestComponentRefusedForViewer(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	id, err := e.bot.Send(ctxT(t, 5*time.Second), "demo", controlCh, sdk.Message{Content: "panel", Components: []sdk.ActionRow{
		sdk.Row(sdk.Button("demo:poke:1", "Poke", sdk.ButtonDanger), sdk.Button("demo:look:1", "Look", sdk.ButtonSecondary)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	click := func(user, custom string) fakediscord.Interaction {
		return fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: controlCh, UserID: user, MessageID: id, CustomID: custom}
	}
	_, text := content(t, fire(t, e.srv, click(viewer, "demo:poke:1")))
	if !strings.Contains(text, "control level") {
		t.Errorf("viewer's click on a control button: %q, want a refusal naming the control level", text)
	}
	r, _ := content(t, fire(t, e.srv, click(viewer, "demo:look:1")))
	if r.Type != fakediscord.CallbackUpdateMessage {
		t.Errorf("viewer's click on a view button answered %d, want 7 (update)", r.Type)
	}
	r, _ = content(t, fire(t, e.srv, click(operator, "demo:poke:1")))
	if r.Type != fakediscord.CallbackUpdateMessage {
		t.Errorf("operator's click on a control button answered %d, want 7 (update)", r.Type)
	}
}

func TestDeferAndApology(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	e.plugins.command = func(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
		switch req.String("do") {
		case "slow":
			time.Sleep(2500 * time.Millisecond)
			return sdk.Reply("slow answer"), nil
		case "slow-private":
			time.Sleep(2 * time.Second)
			return sdk.Ephemeral("private answer"), nil
		case "fail":
			return nil, errors.New("docker exploded")
		case "slow-fail":
			time.Sleep(2 * time.Second)
			return nil, errors.New("docker exploded late")
		case "user":
			return nil, sdk.Errorf("no container named %q", "x")
		}
		return sdk.Reply("fast"), nil
	}
	do := func(what, locale string) fakediscord.Interaction {
		in := poke(operator, controlCh, locale)
		in.Options[0].Options[0].Value = what
		return in
	}

	t.Run("slow plugin deferred then edited", func(t *testing.T) {
		h := fire(t, e.srv, do("slow", ""))
		r, err := h.WaitResponse(ctxT(t, 5*time.Second))
		if err != nil || r.Type != fakediscord.CallbackDeferredChannelMessage || r.After > 2*time.Second {
			t.Fatalf("first response %d after %v (%v), want a defer before 2 s", r.Type, r.After, err)
		}
		m, err := h.WaitOriginal(ctxT(t, 10*time.Second), func(m *discordgo.Message) bool { return m.Content == "slow answer" })
		if err != nil {
			t.Fatalf("original never showed the answer: %v %+v", err, m)
		}
	})
	t.Run("slow ephemeral answer", func(t *testing.T) {
		h := fire(t, e.srv, do("slow-private", ""))
		fs, err := h.WaitFollowups(ctxT(t, 10*time.Second), 1)
		if err != nil || fs[0].Content != "private answer" || fs[0].Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Fatalf("follow-ups %+v (%v), want one ephemeral with the answer", fs, err)
		}
	})
	t.Run("error apology in German", func(t *testing.T) {
		r, text := content(t, fire(t, e.srv, do("fail", "de")))
		if !strings.HasPrefix(text, "Entschuldigung") || r.Message.Flags&discordgo.MessageFlagsEphemeral == 0 || strings.Contains(text, "exploded") {
			t.Errorf("apology = %q (flags %d), want an ephemeral German apology without the cause", text, r.Message.Flags)
		}
	})
	t.Run("late error apology in French", func(t *testing.T) {
		h := fire(t, e.srv, do("slow-fail", "fr"))
		fs, err := h.WaitFollowups(ctxT(t, 10*time.Second), 1)
		if err != nil || !strings.HasPrefix(fs[0].Content, "Désolé") {
			t.Fatalf("follow-ups %+v (%v), want a French apology", fs, err)
		}
	})
	t.Run("user error shown", func(t *testing.T) {
		_, text := content(t, fire(t, e.srv, do("user", "")))
		if text != `no container named "x"` {
			t.Errorf("got %q, want the plugin's user message", text)
		}
	})
	for _, h := range e.srv.Requests() {
		if h.Status >= 400 {
			t.Errorf("request %s %s answered %d: %s", h.Method, h.Path, h.Status, h.Body)
		}
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), func(c *discord.Config) {
		c.Throttle = policy.NewThrottle(policy.ThrottleConfig{CommandCooldown: time.Minute, PerMinute: 3})
	})
	_, text := content(t, fire(t, e.srv, poke(operator, controlCh, "")))
	if text != "ok" {
		t.Fatalf("first command: %q", text)
	}
	_, text = content(t, fire(t, e.srv, poke(operator, controlCh, "")))
	if !strings.Contains(text, "Slow down") {
		t.Errorf("second command within the cooldown: %q, want a slow-down refusal", text)
	}
	look := fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: controlCh, UserID: operator,
		Command: "demo", Options: []fakediscord.Option{{Name: "look"}}}
	_, text = content(t, fire(t, e.srv, look))
	if text != "ok" {
		t.Errorf("another command: %q, want ok", text)
	}
	look.Options = []fakediscord.Option{{Name: "poke", Options: []fakediscord.Option{}}}
	look.Command = "settings"
	look.Options = nil
	look.ChannelID = otherCh
	look.UserID = adminUser
	_, text = content(t, fire(t, e.srv, look))
	if text != "ok" {
		t.Errorf("admin's command: %q, want ok", text)
	}
}

func TestMessengerEditDeleted(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	ctx := ctxT(t, 10*time.Second)
	id, err := e.bot.Send(ctx, "demo", statusCh, sdk.Message{Content: "panel"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.bot.Edit(ctx, "demo", statusCh, id, sdk.Message{Content: "panel v2"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := e.srv.Message(id); m.Content != "panel v2" {
		t.Errorf("content %q, want panel v2", m.Content)
	}
	if err := e.srv.DeleteMessage(id); err != nil {
		t.Fatal(err)
	}
	if err := e.bot.Edit(ctx, "demo", statusCh, id, sdk.Message{Content: "panel v3"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Edit of a deleted message = %v, want sdk.ErrNotFound", err)
	}
}

func TestResumeAfterDrop(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	e.srv.DropConnections()
	wait.For(t, 15*time.Second, "resume", func() bool {
		return len(e.srv.Resumes()) > 0 && e.bot.State() == discord.StateConnected
	})
	_, text := content(t, fire(t, e.srv, poke(operator, controlCh, "")))
	if text != "ok" {
		t.Errorf("command after resume: %q", text)
	}
	if n := len(e.srv.Identifies()); n != 1 {
		t.Errorf("%d identifies, want 1 (resumed, not re-identified)", n)
	}
	_ = http.MethodGet
}

// TestTokenRevokedMidRun: the token reset while connected; the reconnect
// is closed with 4004 and the bot stops instead of looping.
func TestTokenRevokedMidRun(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	e.srv.SetToken("a-new-token")
	e.srv.DropConnections()
	select {
	case err := <-e.runErr:
		if !errors.Is(err, discord.ErrInvalidToken) {
			t.Errorf("Run = %v, want ErrInvalidToken", err)
		}
		e.runErr <- err // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not stop after a 4004")
	}
	if s := e.bot.State(); s != discord.StateInvalidToken {
		t.Errorf("State() = %q, want invalid_token", s)
	}
	n := len(e.srv.Connects())
	time.Sleep(1500 * time.Millisecond)
	if m := len(e.srv.Connects()); m != n || m > 2 {
		t.Errorf("%d gateway connections, then %d: want no reconnect loop", n, m)
	}
	var codes []int
	for _, c := range e.srv.Closes() {
		codes = append(codes, c.Code)
	}
	t.Logf("close codes: %v", codes)
}

// TestFollowup: the plugin that handled an interaction may send follow-ups
// by its id; another plugin may not.
func TestFollowup(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	h := fire(t, e.srv, poke(operator, controlCh, ""))
	if _, text := content(t, h); text != "ok" {
		t.Fatalf("command: %q", text)
	}
	ctx := ctxT(t, 5*time.Second)
	if _, err := e.bot.Followup(ctx, "demo", h.ID, sdk.Message{Content: "more", Ephemeral: true}); err != nil {
		t.Fatalf("Followup: %v", err)
	}
	fs := h.Followups()
	if len(fs) != 1 || fs[0].Content != "more" || fs[0].Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("follow-ups %+v, want one ephemeral", fs)
	}
	if _, err := e.bot.Followup(ctx, "other", h.ID, sdk.Message{Content: "x"}); !errors.Is(err, sdk.ErrPermission) {
		t.Errorf("Followup by another plugin = %v, want ErrPermission", err)
	}
	if _, err := e.bot.Followup(ctx, "demo", "123", sdk.Message{Content: "x"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Followup to an unknown interaction = %v, want ErrNotFound", err)
	}
}

// TestIntentsChangeIdentifiesAgain: when a plugin that needs more gateway
// intents starts, the bot identifies again with the new union (a resume
// would keep the old intents), and commands keep working.
func TestIntentsChangeIdentifiesAgain(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	first := e.srv.Identifies()
	if len(first) != 1 {
		t.Fatalf("%d identifies at start, want 1", len(first))
	}
	const guildMessages = 1 << 9
	e.plugins.change(func(p *fakePlugins) { p.manifest.Intents = guildMessages })
	wait.For(t, 15*time.Second, "a second identify with the new intents", func() bool {
		ids := e.srv.Identifies()
		return len(ids) == 2 && ids[1].Intents&guildMessages != 0 && ids[1].SessionID != ""
	})
	wait.For(t, 15*time.Second, "connected again", func() bool { return e.bot.State() == discord.StateConnected })
	if n := len(e.srv.Identifies()); n != 2 {
		t.Errorf("%d identifies, want 2", n)
	}
}

// TestRejectedAnswerBecomesApology: a plugin answer Discord refuses (too
// long, too many buttons) is not Discord's silent "interaction failed": the
// user gets the apology, in time and only once.
func TestRejectedAnswerBecomesApology(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	e.plugins.command = func(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
		switch req.String("do") {
		case "long":
			return sdk.Reply(strings.Repeat("é", 2500)), nil
		case "slow-long":
			time.Sleep(2 * time.Second)
			return sdk.Reply(strings.Repeat("é", 2500)), nil
		}
		var row []sdk.Component
		for i := range 7 {
			row = append(row, sdk.Button(fmt.Sprintf("demo:b:%d", i), "B", sdk.ButtonSecondary))
		}
		return &sdk.Response{Message: sdk.Message{Content: "too many", Components: []sdk.ActionRow{sdk.Row(row...)}}}, nil
	}
	do := func(what string) fakediscord.Interaction {
		in := poke(operator, controlCh, "fr")
		in.Options[0].Options[0].Value = what
		return in
	}
	for _, what := range []string{"long", "buttons"} {
		t.Run(what, func(t *testing.T) {
			r, text := content(t, fire(t, e.srv, do(what)))
			if !strings.HasPrefix(text, "Désolé") || r.Message.Flags&discordgo.MessageFlagsEphemeral == 0 {
				t.Errorf("response %q (flags %d), want the ephemeral French apology", text, r.Message.Flags)
			}
		})
	}
	t.Run("deferred then too long", func(t *testing.T) {
		h := fire(t, e.srv, do("slow-long"))
		fs, err := h.WaitFollowups(ctxT(t, 10*time.Second), 1)
		if err != nil || !strings.HasPrefix(fs[0].Content, "Désolé") {
			t.Fatalf("follow-ups %+v (%v), want the apology", fs, err)
		}
	})
	if v := e.srv.Violations(); len(v) > 0 {
		t.Errorf("rate-limit violations: %+v", v)
	}
}

// TestMessengerRefusesBadIDs: ids a plugin gives that are not Discord
// snowflakes are refused with an error naming them, and Discord sees no
// request at all (the bot token never goes to a URL of the plugin's
// making).
func TestMessengerRefusesBadIDs(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	ctx := ctxT(t, 10*time.Second)
	msg := sdk.Message{Content: "x"}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"delete with a query in the channel", func() error { return e.bot.Delete(ctx, "demo", "123456789012345678?", "1") }, `channel id "123456789012345678?"`},
		{"delete with a path in the message", func() error { return e.bot.Delete(ctx, "demo", statusCh, "1/../../../users/@me") }, `message id "1/../../../users/@me"`},
		{"send to an empty channel", func() error { _, err := e.bot.Send(ctx, "demo", "", msg); return err }, `channel id ""`},
		{"send to a negative channel", func() error { _, err := e.bot.Send(ctx, "demo", "-1", msg); return err }, `channel id "-1"`},
		{"send to a channel past uint64", func() error { _, err := e.bot.Send(ctx, "demo", "18446744073709551616", msg); return err }, "too large"},
		{"send to channel zero", func() error { _, err := e.bot.Send(ctx, "demo", "0", msg); return err }, "zero"},
		{"edit with an encoded slash", func() error { return e.bot.Edit(ctx, "demo", statusCh, "1%2F2", msg) }, `message id "1%2F2"`},
		{"edit with spaces", func() error { return e.bot.Edit(ctx, "demo", " 1", "1", msg) }, `channel id " 1"`},
		{"follow-up to a path", func() error { _, err := e.bot.Followup(ctx, "demo", "1/callback", msg); return err }, `interaction id "1/callback"`},
	}
	before := len(e.srv.Requests())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, sdk.ErrInvalid) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "not a Discord snowflake") {
				t.Errorf("error %v, want sdk.ErrInvalid naming %s as not a Discord snowflake", err, tt.want)
			}
		})
	}
	if after := e.srv.Requests(); len(after) != before {
		t.Errorf("Discord saw %d requests for refused ids: %+v", len(after)-before, after[before:])
	}
	if _, err := e.bot.Send(ctx, "demo", "18446744073709551615", msg); errors.Is(err, sdk.ErrInvalid) && strings.Contains(err.Error(), "snowflake") {
		t.Errorf("the largest snowflake was refused: %v", err)
	}
}

// TestForeignControlsRefused: a plugin may post, edit and answer with
// buttons only under its own prefix; another plugin's ("containers:
// restart:x") is refused before Discord sees anything.
func TestForeignControlsRefused(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	ctx := ctxT(t, 10*time.Second)
	foreign := sdk.Message{Content: "click me", Components: []sdk.ActionRow{
		sdk.Row(sdk.Button("demo:look:1", "Look", sdk.ButtonSecondary), sdk.Button("containers:restart:x", "Restart", sdk.ButtonDanger)),
	}}
	id, err := e.bot.Send(ctx, "demo", statusCh, sdk.Message{Content: "panel"})
	if err != nil {
		t.Fatal(err)
	}
	before := len(e.srv.Requests())
	if _, err := e.bot.Send(ctx, "demo", statusCh, foreign); !errors.Is(err, sdk.ErrPermission) || !strings.Contains(err.Error(), "containers:restart:x") {
		t.Errorf("Send with another plugin's button = %v, want ErrPermission naming the custom id", err)
	}
	if err := e.bot.Edit(ctx, "demo", statusCh, id, foreign); !errors.Is(err, sdk.ErrPermission) {
		t.Errorf("Edit with another plugin's button = %v, want ErrPermission", err)
	}
	if after := e.srv.Requests(); len(after) != before {
		t.Errorf("Discord saw %d requests for refused messages: %+v", len(after)-before, after[before:])
	}
	e.plugins.change(func(p *fakePlugins) {
		p.command = func(context.Context, *sdk.CommandRequest) (*sdk.Response, error) {
			return &sdk.Response{Message: foreign}, nil
		}
	})
	r, text := content(t, fire(t, e.srv, poke(operator, controlCh, "")))
	if !strings.HasPrefix(text, "Sorry") || r.Message.Flags&discordgo.MessageFlagsEphemeral == 0 || len(r.Message.Components) != 0 {
		t.Errorf("answer with another plugin's button: %q %+v, want the ephemeral apology without components", text, r.Message)
	}
	e.plugins.change(func(p *fakePlugins) {
		p.command = func(context.Context, *sdk.CommandRequest) (*sdk.Response, error) {
			return &sdk.Response{Modal: &sdk.Modal{CustomID: "containers:pwd:x", Title: "Password"}}, nil
		}
	})
	if r, text := content(t, fire(t, e.srv, poke(operator, controlCh, ""))); r.Type == fakediscord.CallbackModal || !strings.HasPrefix(text, "Sorry") {
		t.Errorf("answer with another plugin's modal: type %d %q, want the apology", r.Type, text)
	}
}

// TestUndeclaredComponentRefused: a click on a kind the plugin did not
// declare never reaches it, whoever clicks.
func TestUndeclaredComponentRefused(t *testing.T) {
	t.Parallel()
	e := start(t, fakeConfig(), nil)
	// demo:restart is under demo's own prefix, so it can be posted; only
	// the click is refused.
	id, err := e.bot.Send(ctxT(t, 5*time.Second), "demo", controlCh, sdk.Message{Content: "panel", Components: []sdk.ActionRow{
		sdk.Row(sdk.Button("demo:restart:1", "Restart", sdk.ButtonDanger)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{viewer, operator, adminUser} {
		in := fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: controlCh, UserID: user, MessageID: id, CustomID: "demo:restart:1"}
		if _, text := content(t, fire(t, e.srv, in)); !strings.Contains(text, "does not declare") {
			t.Errorf("%s's click on an undeclared kind: %q, want the refusal", user, text)
		}
	}
	e.plugins.mu.Lock()
	n := len(e.plugins.calls)
	e.plugins.mu.Unlock()
	if n != 0 {
		t.Errorf("the plugin got %d calls for undeclared components", n)
	}
}

// events records the host's events for plugins.
type events struct {
	mu  sync.Mutex
	got []sdk.Event
}

func (e *events) Publish(ev sdk.Event) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, ev)
	return 1, nil
}

// messages decodes the discord.message events so far.
func (e *events) messages(t testing.TB) []sdk.DiscordMessageEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []sdk.DiscordMessageEvent
	for _, ev := range e.got {
		if ev.Topic != sdk.TopicDiscordMessage || ev.Source != "host" {
			t.Errorf("event %s from %q, want only %s from host", ev.Topic, ev.Source, sdk.TopicDiscordMessage)
			continue
		}
		var m sdk.DiscordMessageEvent
		if err := ev.Decode(&m); err != nil {
			t.Error(err)
		}
		if strings.Contains(string(ev.Payload), "content") {
			t.Errorf("event payload %s carries content", ev.Payload)
		}
		out = append(out, m)
	}
	return out
}

// TestMessageEvents: with a plugin asking for GUILD_MESSAGES, every guild
// message becomes a discord.message event without content, the bot's own
// marked Self; without the intent Discord sends none.
func TestMessageEvents(t *testing.T) {
	t.Parallel()
	ev := &events{}
	e := start(t, fakeConfig(), func(c *discord.Config) { c.Events = ev })
	if _, err := e.srv.PostUserMessage(statusCh, viewer, "before the intent"); err != nil {
		t.Fatal(err)
	}
	e.plugins.change(func(p *fakePlugins) { p.manifest.Intents = sdk.IntentGuildMessages })
	wait.For(t, 15*time.Second, "identified with GUILD_MESSAGES", func() bool {
		ids := e.srv.Identifies()
		return len(ids) == 2 && ids[1].Intents&int(sdk.IntentGuildMessages) != 0 && e.bot.State() == discord.StateConnected
	})
	if got := ev.messages(t); len(got) != 0 {
		t.Fatalf("events before the intent: %+v", got)
	}
	user, err := e.srv.PostUserMessage(statusCh, viewer, "secret words")
	if err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the user's message event", func() bool { return len(ev.messages(t)) == 1 })
	own, err := e.bot.Send(ctxT(t, 10*time.Second), "demo", statusCh, sdk.Message{Content: "panel"})
	if err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the bot's message event", func() bool { return len(ev.messages(t)) == 2 })
	got := ev.messages(t)
	want := []sdk.DiscordMessageEvent{
		{GuildID: guildID, ChannelID: statusCh, MessageID: user.ID, AuthorID: viewer, Time: user.Timestamp.UTC()},
		{GuildID: guildID, ChannelID: statusCh, MessageID: own, AuthorID: e.srv.BotUser().ID, AuthorIsBot: true, Self: true},
	}
	for i := range want {
		g := got[i]
		if i == 1 {
			g.Time = time.Time{} // the bot's message time is the fake's
		}
		if !g.Time.Equal(want[i].Time) {
			t.Errorf("event %d time %v, want %v", i, g.Time, want[i].Time)
		}
		g.Time = want[i].Time
		if g != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, g, want[i])
		}
	}
}

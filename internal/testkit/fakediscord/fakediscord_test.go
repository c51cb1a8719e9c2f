package fakediscord_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/gorilla/websocket"
)

const (
	guildID   = "900000000000000001"
	channelID = "900000000000000002"
	otherChan = "900000000000000003"
	adminRole = "900000000000000004"
	userID    = "900000000000000005"
)

func testConfig() fakediscord.Config {
	return fakediscord.Config{
		HeartbeatInterval: 200 * time.Millisecond,
		Users:             []fakediscord.User{{ID: userID, Username: "alice"}},
		Guilds: []fakediscord.Guild{{
			ID: guildID, Name: "home lab",
			Channels: []fakediscord.Channel{{ID: channelID, Name: "control"}, {ID: otherChan, Name: "status"}},
			Roles:    []fakediscord.Role{{ID: adminRole, Name: "admins", Permissions: 1 << 3}},
			Members:  []fakediscord.Member{{UserID: userID, Roles: []string{adminRole}}},
		}},
	}
}

func newServer(t *testing.T, cfg fakediscord.Config) *fakediscord.Server {
	t.Helper()
	srv := fakediscord.New(cfg)
	t.Cleanup(srv.Close)
	return srv
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openSession opens a real discordgo session against the fake; setup may
// register handlers before Open.
func openSession(t *testing.T, srv *fakediscord.Server, setup func(*discordgo.Session)) *discordgo.Session {
	t.Helper()
	dg, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(dg)
	}
	if err := dg.Open(); err != nil {
		t.Fatalf("Open() = %v, want nil", err)
	}
	t.Cleanup(func() { dg.Close() })
	return dg
}

func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return -1
}

func TestOpenReadyAndGuilds(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testConfig())
	// The handlers copy what the test looks at.
	type readyInfo struct {
		user, session, app string
		version            int
		guilds             []string
	}
	type guildInfo struct {
		id              string
		channels, roles int
	}
	ready := make(chan readyInfo, 1)
	guilds := make(chan guildInfo, 4)
	dg := openSession(t, srv, func(dg *discordgo.Session) {
		// Run handlers on the reader goroutine: discordgo's state rewrites
		// READY's guild structs when GUILD_CREATE arrives.
		dg.SyncEvents = true
		dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			ri := readyInfo{user: r.User.ID, session: r.SessionID, app: r.Application.ID, version: r.Version}
			for _, g := range r.Guilds {
				ri.guilds = append(ri.guilds, g.ID)
			}
			ready <- ri
		})
		dg.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) {
			guilds <- guildInfo{id: g.ID, channels: len(g.Channels), roles: len(g.Roles)}
		})
	})
	select {
	case r := <-ready:
		if r.user != srv.BotUser().ID || r.session == "" || r.version != 9 {
			t.Errorf("READY = user %s session %q v%d, want user %s, a session, v9", r.user, r.session, r.version, srv.BotUser().ID)
		}
		if len(r.guilds) != 1 || r.guilds[0] != guildID || r.app != srv.ApplicationID() {
			t.Errorf("READY guilds %v application %s, want [%s] and app %s", r.guilds, r.app, guildID, srv.ApplicationID())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no READY")
	}
	select {
	case g := <-guilds:
		if g.id != guildID || g.channels != 2 || g.roles != 2 {
			t.Errorf("GUILD_CREATE = %+v, want %s with 2 channels and 2 roles", g, guildID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no GUILD_CREATE")
	}
	if c := srv.Connects(); len(c) != 1 || c[0].Query != "v=9&encoding=json" {
		t.Errorf("Connects() = %+v, want one with v=9&encoding=json", c)
	}
	if ids := srv.Identifies(); len(ids) != 1 || ids[0].Intents != int(discordgo.IntentsAllWithoutPrivileged) || ids[0].CloseCode != 0 {
		t.Errorf("Identifies() = %+v, want one accepted with default intents", ids)
	}
	if got := srv.RequestsTo("GET /gateway"); len(got) != 1 || got[0].Status != 200 {
		t.Errorf("GET /gateway requests = %+v, want one 200", got)
	}
	me, err := dg.User("@me")
	if err != nil || me.ID != srv.BotUser().ID || !me.Bot {
		t.Errorf("User(@me) = %+v, %v, want the bot", me, err)
	}
	// Heartbeats flow and are acknowledged.
	if err := srv.Wait(ctxT(t), func() bool { return len(srv.Heartbeats()) >= 2 }); err != nil {
		t.Fatal(err)
	}
	if hb := srv.Heartbeats(); !hb[0].Acked {
		t.Errorf("Heartbeats()[0] = %+v, want acked", hb[0])
	}
}

func TestOpenRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		token    string
		intents  discordgo.Intent
		allowed  int
		wantCode int
	}{
		{name: "bad token", token: "Bot nope", intents: discordgo.IntentsAllWithoutPrivileged, wantCode: fakediscord.CloseAuthenticationFailed},
		{name: "members intent", intents: discordgo.IntentsGuildMembers, wantCode: fakediscord.CloseDisallowedIntents},
		{name: "message content intent", intents: discordgo.IntentMessageContent, wantCode: fakediscord.CloseDisallowedIntents},
		{name: "allowed privileged intent", intents: discordgo.IntentMessageContent, allowed: fakediscord.IntentMessageContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.AllowedPrivilegedIntents = tt.allowed
			srv := newServer(t, cfg)
			dg, err := srv.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			if tt.token != "" {
				dg.Token = tt.token
				dg.Identify.Token = tt.token
			}
			dg.Identify.Intents = tt.intents
			dg.ShouldReconnectOnError = false
			err = dg.Open()
			if err == nil {
				defer dg.Close()
			}
			if (err != nil) != (tt.wantCode != 0) {
				t.Fatalf("Open() = %v, want error %v", err, tt.wantCode != 0)
			}
			ids := srv.Identifies()
			if len(ids) != 1 || ids[0].CloseCode != tt.wantCode {
				t.Errorf("Identifies() = %+v, want one with close code %d", ids, tt.wantCode)
			}
			if tt.wantCode != 0 {
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != tt.wantCode {
					t.Errorf("Open() = %v, want close %d", err, tt.wantCode)
				}
			}
		})
	}
}

func TestCommandsAndInteractionFlow(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testConfig())
	var mu sync.Mutex
	var seen []*discordgo.Interaction
	dg := openSession(t, srv, func(dg *discordgo.Session) {
		dg.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
			mu.Lock()
			seen = append(seen, ic.Interaction)
			mu.Unlock()
			switch ic.Type {
			case discordgo.InteractionApplicationCommand:
				d := ic.ApplicationCommandData()
				sub := d.Options[0]
				_ = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
					Type: discordgo.InteractionResponseChannelMessageWithSource,
					Data: &discordgo.InteractionResponseData{
						Content: sub.Name + " " + sub.Options[0].StringValue() + " by " + ic.Member.User.Username,
						Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
							discordgo.Button{Label: "Restart", Style: discordgo.DangerButton, CustomID: "containers:restart:web"},
						}}},
					},
				})
			case discordgo.InteractionMessageComponent:
				_ = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
					Type: discordgo.InteractionResponseUpdateMessage,
					Data: &discordgo.InteractionResponseData{Content: "restarting " + ic.MessageComponentData().CustomID},
				})
			}
		})
	})
	cmds := []*discordgo.ApplicationCommand{{
		Name: "container", Description: "Control a container",
		Options: []*discordgo.ApplicationCommandOption{{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: "restart", Description: "Restart it",
			Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "name", Description: "Container", Required: true, Autocomplete: true}},
		}},
	}, {Name: "ping", Description: "Pong"}}
	got, err := dg.ApplicationCommandBulkOverwrite(srv.ApplicationID(), guildID, cmds)
	if err != nil || len(got) != 2 || got[0].ID == "" {
		t.Fatalf("ApplicationCommandBulkOverwrite() = %v, %v, want 2 commands with ids", got, err)
	}
	again, err := dg.ApplicationCommandBulkOverwrite(srv.ApplicationID(), guildID, cmds[:1])
	if err != nil || len(again) != 1 || again[0].ID != got[0].ID {
		t.Fatalf("second overwrite = %v, %v, want the same id %s", again, err, got[0].ID)
	}
	if list := srv.Commands(guildID); len(list) != 1 || list[0].Name != "container" {
		t.Errorf("Commands(%s) = %v, want [container]", guildID, list)
	}
	listed, err := dg.ApplicationCommands(srv.ApplicationID(), guildID)
	if err != nil || len(listed) != 1 {
		t.Errorf("ApplicationCommands() = %v, %v, want 1", listed, err)
	}

	if _, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channelID, UserID: userID, Command: "ping"}); err == nil {
		t.Error("Fire(unregistered ping) = nil error, want error")
	}
	h, err := srv.Fire(fakediscord.Interaction{
		Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channelID, UserID: userID, Locale: "de",
		Command: "container", Options: []fakediscord.Option{{Name: "restart", Options: []fakediscord.Option{{Name: "name", Value: "web"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	resp, err := h.WaitResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != 4 || resp.Message == nil || resp.Message.Content != "restart web by alice" {
		t.Fatalf("WaitResponse() = %+v, want type 4 'restart web by alice'", resp)
	}
	if h.Missed() || resp.After > time.Second {
		t.Errorf("Missed() = %v after %v, want answered in time", h.Missed(), resp.After)
	}
	mu.Lock()
	first := seen[0]
	mu.Unlock()
	if first.Locale != "de" || first.Member == nil || first.Member.Permissions&discordgo.PermissionAdministrator == 0 || first.GuildID != guildID {
		t.Errorf("interaction = locale %q member %+v guild %s, want de, admin member, %s", first.Locale, first.Member, first.GuildID, guildID)
	}
	msgs := srv.Messages(channelID)
	if len(msgs) != 1 || msgs[0].ID != resp.Message.ID {
		t.Fatalf("Messages(%s) = %v, want the response", channelID, msgs)
	}

	// A button click on the response updates it in place.
	click, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: channelID, UserID: userID, MessageID: msgs[0].ID, CustomID: "containers:restart:web"})
	if err != nil {
		t.Fatal(err)
	}
	cr, err := click.WaitResponse(ctx)
	if err != nil || cr.Type != 7 {
		t.Fatalf("click WaitResponse() = %+v, %v, want type 7", cr, err)
	}
	// discordgo sends "components": null, which clears them, as on Discord.
	if m, ok := srv.Message(msgs[0].ID); !ok || m.Content != "restarting containers:restart:web" || len(m.Components) != 0 {
		t.Errorf("Message() after update = %+v, want new content and no components", m)
	}
	if _, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: channelID, UserID: userID, MessageID: msgs[0].ID, CustomID: "containers:restart:web"}); err == nil {
		t.Error("Fire(click on a removed button) = nil error, want error")
	}

	// The bot edits its own message through the channel route.
	edited, err := dg.ChannelMessageEdit(channelID, msgs[0].ID, "edited")
	if err != nil || edited.Content != "edited" || edited.EditedTimestamp == nil {
		t.Errorf("ChannelMessageEdit() = %+v, %v, want edited content and timestamp", edited, err)
	}
	if _, err := dg.ChannelMessageEdit(channelID, "123", "x"); restCode(err) != fakediscord.CodeUnknownMessage {
		t.Errorf("ChannelMessageEdit(unknown) = %v, want code %d", err, fakediscord.CodeUnknownMessage)
	}
	if _, err := dg.ChannelMessageSend("1", "x"); restCode(err) != fakediscord.CodeUnknownChannel {
		t.Errorf("ChannelMessageSend(unknown channel) = %v, want code %d", err, fakediscord.CodeUnknownChannel)
	}
	if err := dg.ChannelMessageDelete(channelID, msgs[0].ID); err != nil {
		t.Errorf("ChannelMessageDelete() = %v", err)
	}
	if _, err := dg.ChannelMessage(channelID, msgs[0].ID); restCode(err) != fakediscord.CodeUnknownMessage {
		t.Errorf("ChannelMessage(deleted) = %v, want code %d", err, fakediscord.CodeUnknownMessage)
	}
}

func TestInteractionAckRules(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.InteractionDeadline = 300 * time.Millisecond
	srv := newServer(t, cfg)
	type call struct {
		ic   *discordgo.Interaction
		errs []error
	}
	calls := make(chan call, 8)
	behaviour := make(chan string, 8)
	dg := openSession(t, srv, func(dg *discordgo.Session) {
		dg.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
			var errs []error
			switch <-behaviour {
			case "twice":
				r := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "one"}}
				errs = append(errs, s.InteractionRespond(ic.Interaction, r), s.InteractionRespond(ic.Interaction, r))
			case "late":
				time.Sleep(400 * time.Millisecond)
				errs = append(errs, s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "late"}}))
			case "defer":
				errs = append(errs, s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}))
				time.Sleep(50 * time.Millisecond)
				_, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: ptr("done")})
				errs = append(errs, err)
				_, err = s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "more"})
				errs = append(errs, err)
			case "bad type":
				errs = append(errs, s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult}))
			}
			calls <- call{ic: ic.Interaction, errs: errs}
		})
	})
	_, err := dg.ApplicationCommandBulkOverwrite(srv.ApplicationID(), "", []*discordgo.ApplicationCommand{{Name: "ping", Description: "Pong"}})
	if err != nil {
		t.Fatal(err)
	}
	fire := func(b string) (*fakediscord.InteractionHandle, call) {
		t.Helper()
		behaviour <- b
		h, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channelID, UserID: userID, Command: "ping"})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case c := <-calls:
			return h, c
		case <-time.After(5 * time.Second):
			t.Fatalf("handler for %s did not finish", b)
		}
		return nil, call{}
	}
	ctx := ctxT(t)

	h, c := fire("twice")
	if c.errs[0] != nil || restCode(c.errs[1]) != fakediscord.CodeAlreadyAcknowledged {
		t.Errorf("respond twice = %v, want nil then code %d", c.errs, fakediscord.CodeAlreadyAcknowledged)
	}
	if r, ok := h.Response(); !ok || r.Message.Content != "one" {
		t.Errorf("Response() = %+v, %v, want the first answer", r, ok)
	}

	h, c = fire("late")
	if restCode(c.errs[0]) != fakediscord.CodeUnknownInteraction || !h.Missed() {
		t.Errorf("late respond = %v, Missed() = %v, want code %d and missed", c.errs[0], h.Missed(), fakediscord.CodeUnknownInteraction)
	}
	if _, err := h.WaitResponse(ctx); !errors.Is(err, fakediscord.ErrDeadlineMissed) {
		t.Errorf("WaitResponse() = %v, want ErrDeadlineMissed", err)
	}

	h, c = fire("defer")
	for i, err := range c.errs {
		if err != nil {
			t.Errorf("defer step %d = %v", i, err)
		}
	}
	if !h.Deferred() {
		t.Error("Deferred() = false, want true")
	}
	orig, err := h.WaitOriginal(ctx, func(m *discordgo.Message) bool { return m.Content == "done" })
	if err != nil || orig.Flags&discordgo.MessageFlagsEphemeral == 0 || orig.Flags&discordgo.MessageFlagsLoading != 0 {
		t.Errorf("WaitOriginal() = %+v, %v, want ephemeral 'done' no longer loading", orig, err)
	}
	if fu := h.Followups(); len(fu) != 1 || fu[0].Content != "more" {
		t.Errorf("Followups() = %v, want [more]", fu)
	}
	if got := srv.Messages(channelID); len(got) != 2 || got[0].Content != "one" || got[1].Content != "more" {
		t.Errorf("Messages() = %v, want 'one' and the followup, not the ephemeral original", got)
	}

	_, c = fire("bad type")
	if restCode(c.errs[0]) != fakediscord.CodeInvalidFormBody {
		t.Errorf("autocomplete result to a command = %v, want code %d", c.errs[0], fakediscord.CodeInvalidFormBody)
	}
}

func ptr[T any](v T) *T { return &v }

func TestInteractionTokenExpiryAndChoiceLimit(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.InteractionTokenTTL = 400 * time.Millisecond
	srv := newServer(t, cfg)
	got := make(chan *discordgo.Interaction, 2)
	dg := openSession(t, srv, func(dg *discordgo.Session) {
		dg.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic.Interaction })
	})
	_, err := dg.ApplicationCommandBulkOverwrite(srv.ApplicationID(), guildID, []*discordgo.ApplicationCommand{{
		Name: "logs", Description: "Show logs",
		Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "container", Description: "Which", Autocomplete: true}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wait := func() *discordgo.Interaction {
		t.Helper()
		select {
		case ic := <-got:
			return ic
		case <-time.After(5 * time.Second):
			t.Fatal("no INTERACTION_CREATE")
		}
		return nil
	}

	if _, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionAutocomplete, GuildID: guildID, ChannelID: channelID, UserID: userID, Command: "logs",
		Options: []fakediscord.Option{{Name: "container", Value: "", Focused: true}}}); err != nil {
		t.Fatal(err)
	}
	ic := wait()
	choices := make([]*discordgo.ApplicationCommandOptionChoice, 26)
	for i := range choices {
		choices[i] = &discordgo.ApplicationCommandOptionChoice{Name: "c" + itoa(i), Value: "c" + itoa(i)}
	}
	err = dg.InteractionRespond(ic, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &discordgo.InteractionResponseData{Choices: choices}})
	if restCode(err) != fakediscord.CodeInvalidFormBody || !strings.Contains(err.Error(), `"choices":{"_errors"`) {
		t.Errorf("26 autocomplete choices = %v, want code %d on data.choices", err, fakediscord.CodeInvalidFormBody)
	}

	h, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channelID, UserID: userID, Command: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	ic = wait()
	if _, err := dg.FollowupMessageCreate(ic, true, &discordgo.WebhookParams{Content: "too early"}); restCode(err) != fakediscord.CodeUnknownWebhook {
		t.Errorf("followup before the ack = %v, want code %d", err, fakediscord.CodeUnknownWebhook)
	}
	if err := dg.InteractionRespond(ic, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.InteractionResponseEdit(ic, &discordgo.WebhookEdit{Content: ptr("in time")}); err != nil {
		t.Errorf("edit within the token lifetime = %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := dg.InteractionResponseEdit(ic, &discordgo.WebhookEdit{Content: ptr("too late")}); restCode(err) != fakediscord.CodeInvalidWebhookToken {
		t.Errorf("edit after the token expired = %v, want code %d", err, fakediscord.CodeInvalidWebhookToken)
	}
	if m, ok := h.Original(); !ok || m.Content != "in time" {
		t.Errorf("Original() = %+v, %v, want 'in time'", m, ok)
	}
}

func TestAutocompleteAndModal(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testConfig())
	dg := openSession(t, srv, func(dg *discordgo.Session) {
		dg.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
			switch ic.Type {
			case discordgo.InteractionApplicationCommandAutocomplete:
				typed := ic.ApplicationCommandData().Options[0].StringValue()
				var choices []*discordgo.ApplicationCommandOptionChoice
				for _, n := range []string{"web", "wiki", "db"} {
					if strings.HasPrefix(n, typed) {
						choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: n, Value: n})
					}
				}
				_ = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &discordgo.InteractionResponseData{Choices: choices}})
			case discordgo.InteractionApplicationCommand:
				_ = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
					CustomID: "info:unlock", Title: "Password",
					Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
						discordgo.TextInput{CustomID: "password", Label: "Password", Style: discordgo.TextInputShort},
					}}},
				}})
			case discordgo.InteractionModalSubmit:
				row := ic.ModalSubmitData().Components[0].(*discordgo.ActionsRow)
				val := row.Components[0].(*discordgo.TextInput).Value
				_ = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "got " + val, Flags: discordgo.MessageFlagsEphemeral}})
			}
		})
	})
	_, err := dg.ApplicationCommandBulkOverwrite(srv.ApplicationID(), guildID, []*discordgo.ApplicationCommand{{
		Name: "info", Description: "Container info",
		Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "container", Description: "Which", Required: true, Autocomplete: true}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	ac, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionAutocomplete, GuildID: guildID, ChannelID: channelID, UserID: userID, Command: "info",
		Options: []fakediscord.Option{{Name: "container", Value: "w", Focused: true}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ac.WaitResponse(ctx)
	if err != nil || r.Type != 8 || len(r.Choices) != 2 || r.Choices[1].Name != "wiki" {
		t.Fatalf("autocomplete WaitResponse() = %+v, %v, want choices web, wiki", r, err)
	}
	if _, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionModalSubmit, GuildID: guildID, ChannelID: channelID, UserID: userID, CustomID: "info:unlock"}); err == nil {
		t.Error("Fire(modal submit before the modal was opened) = nil error, want error")
	}
	cmd, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channelID, UserID: userID, Command: "info",
		Options: []fakediscord.Option{{Name: "container", Value: "web"}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err = cmd.WaitResponse(ctx)
	if err != nil || r.Type != 9 || r.Modal == nil || r.Modal.CustomID != "info:unlock" {
		t.Fatalf("command WaitResponse() = %+v, %v, want modal info:unlock", r, err)
	}
	sub, err := srv.Fire(fakediscord.Interaction{Type: fakediscord.InteractionModalSubmit, GuildID: guildID, ChannelID: channelID, UserID: userID, CustomID: "info:unlock",
		Fields: []fakediscord.ModalField{{CustomID: "password", Value: "hunter2"}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err = sub.WaitResponse(ctx)
	if err != nil || r.Message == nil || r.Message.Content != "got hunter2" {
		t.Fatalf("modal submit WaitResponse() = %+v, %v, want 'got hunter2'", r, err)
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testConfig())
	dg, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	button := func(id string) discordgo.MessageComponent {
		return discordgo.Button{Label: "b", Style: discordgo.PrimaryButton, CustomID: id}
	}
	row := func(cs ...discordgo.MessageComponent) discordgo.MessageComponent {
		return discordgo.ActionsRow{Components: cs}
	}
	manyFields := make([]*discordgo.MessageEmbedField, 26)
	for i := range manyFields {
		manyFields[i] = &discordgo.MessageEmbedField{Name: "n", Value: "v"}
	}
	tests := []struct {
		name     string
		msg      *discordgo.MessageSend
		wantCode int
		wantPath string // a fragment of the error body
	}{
		{name: "ok", msg: &discordgo.MessageSend{Content: "hi", Components: []discordgo.MessageComponent{row(button("a"), button("b"))}}},
		{name: "empty", msg: &discordgo.MessageSend{}, wantCode: fakediscord.CodeEmptyMessage},
		{name: "content 2001", msg: &discordgo.MessageSend{Content: strings.Repeat("x", 2001)}, wantCode: 50035, wantPath: `"content":{"_errors"`},
		{name: "content 2000 runes", msg: &discordgo.MessageSend{Content: strings.Repeat("é", 2000)}},
		{name: "11 embeds", msg: &discordgo.MessageSend{Embeds: make11Embeds()}, wantCode: 50035, wantPath: `"embeds":{"_errors"`},
		{name: "title 257", msg: &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: strings.Repeat("t", 257)}}}, wantCode: 50035, wantPath: `"title":{"_errors"`},
		{name: "26 fields", msg: &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Fields: manyFields}}}, wantCode: 50035, wantPath: `"fields":{"_errors"`},
		{name: "embed total 6001", msg: &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("d", 4000)}, {Description: strings.Repeat("d", 2001)}}}, wantCode: 50035, wantPath: "MAX_EMBED_SIZE_EXCEEDED"},
		{name: "6 rows", msg: &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{row(button("1")), row(button("2")), row(button("3")), row(button("4")), row(button("5")), row(button("6"))}}, wantCode: 50035, wantPath: `"components":{"_errors"`},
		{name: "6 buttons", msg: &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{row(button("1"), button("2"), button("3"), button("4"), button("5"), button("6"))}}, wantCode: 50035, wantPath: "BASE_TYPE_MAX_LENGTH"},
		{name: "duplicate custom id", msg: &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{row(button("a")), row(button("a"))}}, wantCode: 50035, wantPath: "COMPONENT_CUSTOM_ID_DUPLICATED"},
		{name: "custom id 101", msg: &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{row(button(strings.Repeat("c", 101)))}}, wantCode: 50035, wantPath: `"custom_id":{"_errors"`},
		{name: "label 81", msg: &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{row(discordgo.Button{Label: strings.Repeat("l", 81), Style: 1, CustomID: "a"})}}, wantCode: 50035, wantPath: `"label":{"_errors"`},
		{name: "select with button", msg: &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{row(discordgo.SelectMenu{CustomID: "s", Options: []discordgo.SelectMenuOption{{Label: "a", Value: "a"}}}, button("b"))}}, wantCode: 50035, wantPath: "COMPONENT_LAYOUT_WIDTH_EXCEEDED"},
		{name: "select 26 options", msg: &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{row(discordgo.SelectMenu{CustomID: "s", Options: make([]discordgo.SelectMenuOption, 26)})}}, wantCode: 50035, wantPath: `"options":{"_errors"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dg.ChannelMessageSendComplex(otherChan, tt.msg)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("ChannelMessageSendComplex() = %v, want nil", err)
				}
				return
			}
			if got := restCode(err); got != tt.wantCode {
				t.Fatalf("ChannelMessageSendComplex() = %v, want code %d", err, tt.wantCode)
			}
			if !strings.Contains(err.Error(), tt.wantPath) {
				t.Errorf("ChannelMessageSendComplex() = %v, want %s", err, tt.wantPath)
			}
		})
	}

	cmdTests := []struct {
		name     string
		cmds     []*discordgo.ApplicationCommand
		wantCode int
		wantPath string
	}{
		{name: "ok", cmds: []*discordgo.ApplicationCommand{{Name: "ping-2_x", Description: "d"}}},
		{name: "upper case", cmds: []*discordgo.ApplicationCommand{{Name: "Ping", Description: "d"}}, wantCode: 50035, wantPath: "APPLICATION_COMMAND_INVALID_NAME"},
		{name: "space", cmds: []*discordgo.ApplicationCommand{{Name: "a b", Description: "d"}}, wantCode: 50035, wantPath: "APPLICATION_COMMAND_INVALID_NAME"},
		{name: "33 chars", cmds: []*discordgo.ApplicationCommand{{Name: strings.Repeat("a", 33), Description: "d"}}, wantCode: 50035, wantPath: `"name":{"_errors"`},
		{name: "no description", cmds: []*discordgo.ApplicationCommand{{Name: "a"}}, wantCode: 50035, wantPath: `"description":{"_errors"`},
		{name: "description 101", cmds: []*discordgo.ApplicationCommand{{Name: "a", Description: strings.Repeat("d", 101)}}, wantCode: 50035, wantPath: `"description":{"_errors"`},
		{name: "26 options", cmds: []*discordgo.ApplicationCommand{{Name: "a", Description: "d", Options: manyOptions(26)}}, wantCode: 50035, wantPath: `"options":{"_errors"`},
		{name: "duplicate", cmds: []*discordgo.ApplicationCommand{{Name: "a", Description: "d"}, {Name: "a", Description: "d"}}, wantCode: 50035, wantPath: "APPLICATION_COMMANDS_DUPLICATE_NAME"},
		{name: "101 commands", cmds: manyCommands(101), wantCode: fakediscord.CodeMaxApplicationCommands},
		{name: "100 commands", cmds: manyCommands(100)},
	}
	for _, tt := range cmdTests {
		t.Run("commands "+tt.name, func(t *testing.T) {
			_, err := dg.ApplicationCommandBulkOverwrite(srv.ApplicationID(), "", tt.cmds)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("ApplicationCommandBulkOverwrite() = %v, want nil", err)
				}
				return
			}
			if got := restCode(err); got != tt.wantCode {
				t.Fatalf("ApplicationCommandBulkOverwrite() = %v, want code %d", err, tt.wantCode)
			}
			if !strings.Contains(err.Error(), tt.wantPath) {
				t.Errorf("ApplicationCommandBulkOverwrite() = %v, want %s", err, tt.wantPath)
			}
		})
	}
}

func make11Embeds() []*discordgo.MessageEmbed {
	out := make([]*discordgo.MessageEmbed, 11)
	for i := range out {
		out[i] = &discordgo.MessageEmbed{Title: "t"}
	}
	return out
}

func manyOptions(n int) []*discordgo.ApplicationCommandOption {
	out := make([]*discordgo.ApplicationCommandOption, n)
	for i := range out {
		out[i] = &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "o" + itoa(i), Description: "d"}
	}
	return out
}

func manyCommands(n int) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, n)
	for i := range out {
		out[i] = &discordgo.ApplicationCommand{Name: "c" + itoa(i), Description: "d"}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("buckets respected by discordgo", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.RouteLimits = []fakediscord.RouteLimit{{Method: "PATCH", Route: "/channels/{channel_id}/messages/{message_id}", Limit: 3, Window: 400 * time.Millisecond}}
		srv := newServer(t, cfg)
		dg, _ := srv.NewSession()
		m, err := dg.ChannelMessageSend(channelID, "panel")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for i := range 7 {
			if _, err := dg.ChannelMessageEdit(channelID, m.ID, "panel "+itoa(i)); err != nil {
				t.Fatalf("edit %d = %v", i, err)
			}
		}
		if el := time.Since(start); el < 800*time.Millisecond {
			t.Errorf("7 edits at 3 per 400ms took %v, want >= 800ms", el)
		}
		for _, r := range srv.RequestsTo("PATCH /channels/{channel_id}/messages/{message_id}") {
			if r.Status != 200 {
				t.Errorf("edit answered %d, want 200 (discordgo honours the headers)", r.Status)
			}
		}
		if v := srv.Violations(); len(v) != 0 {
			t.Errorf("Violations() = %v, want none", v)
		}
	})
	t.Run("scripted route 429 without retry", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, testConfig())
		dg, _ := srv.NewSession()
		dg.ShouldRetryOnRateLimit = false
		srv.Script429("POST", "/channels/{channel_id}/messages", 1500*time.Millisecond, false, 1)
		_, err := dg.ChannelMessageSend(channelID, "x")
		var rle *discordgo.RateLimitError
		if !errors.As(err, &rle) || rle.RetryAfter != 1500*time.Millisecond {
			t.Fatalf("ChannelMessageSend() = %v, want RateLimitError retry 1.5s", err)
		}
		if srv.InvalidRequests() != 1 {
			t.Errorf("InvalidRequests() = %d, want 1", srv.InvalidRequests())
		}
	})
	t.Run("scripted route 429 with retry", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, testConfig())
		dg, _ := srv.NewSession()
		srv.Script429("POST", "/channels/{channel_id}/messages", 300*time.Millisecond, false, 1)
		if _, err := dg.ChannelMessageSend(channelID, "x"); err != nil {
			t.Fatal(err)
		}
		reqs := srv.RequestsTo("POST /channels/{channel_id}/messages")
		if len(reqs) != 2 || reqs[0].Status != 429 || reqs[1].Status != 200 || reqs[1].Time.Sub(reqs[0].Time) < 300*time.Millisecond {
			t.Errorf("requests = %+v, want 429 then 200 at least 300ms later", reqs)
		}
		if v := srv.Violations(); len(v) != 0 {
			t.Errorf("Violations() = %v, want none", v)
		}
	})
	t.Run("global 429 and violations", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, testConfig())
		hc := &http.Client{Transport: srv.Transport()}
		get := func(path string) *http.Response {
			t.Helper()
			req, _ := http.NewRequest("GET", "https://discord.com/api/v9"+path, nil)
			req.Header.Set("Authorization", "Bot "+srv.Token())
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		srv.Script429("", "*", time.Second, true, 1)
		resp := get("/users/@me")
		if resp.StatusCode != 429 || resp.Header.Get("X-RateLimit-Global") != "true" || resp.Header.Get("X-RateLimit-Scope") != "global" ||
			resp.Header.Get("Retry-After") != "1" || resp.Header.Get("X-RateLimit-Reset-After") != "" {
			t.Errorf("global 429 = %d %v, want 429, global headers, no Reset-After", resp.StatusCode, resp.Header)
		}
		// Another route right away violates the global retry_after.
		if resp := get("/gateway/bot"); resp.StatusCode != 200 {
			t.Errorf("GET /gateway/bot = %d, want 200", resp.StatusCode)
		}
		v := srv.Violations()
		if len(v) != 1 || v[0].Route != "GET /gateway/bot" {
			t.Errorf("Violations() = %+v, want the /gateway/bot request", v)
		}
	})
	t.Run("global limit", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.GlobalLimit = 3
		cfg.GlobalWindow = 2 * time.Second
		srv := newServer(t, cfg)
		dg, _ := srv.NewSession()
		dg.ShouldRetryOnRateLimit = false
		var last error
		for range 4 {
			_, last = dg.User("@me")
		}
		var rle *discordgo.RateLimitError
		if !errors.As(last, &rle) {
			t.Fatalf("4th request = %v, want RateLimitError", last)
		}
		reqs := srv.Requests()
		if len(reqs) != 4 || reqs[2].Status != 200 || reqs[3].Status != 429 {
			t.Fatalf("requests = %+v, want 200, 200, 200, 429", reqs)
		}
	})
	t.Run("scripted 502 retried", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, testConfig())
		dg, _ := srv.NewSession()
		srv.ScriptStatus("GET", "/users/@me", 502, 2)
		if _, err := dg.User("@me"); err != nil {
			t.Fatalf("User(@me) after two 502s = %v, want nil", err)
		}
		srv.ScriptStatus("GET", "/users/@me", 500, 1)
		if _, err := dg.User("@me"); err == nil {
			t.Fatal("User(@me) with a 500 = nil, want error")
		}
	})
	t.Run("unauthorized", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, testConfig())
		dg, _ := srv.NewSession()
		dg.Token = "Bot wrong"
		var re *discordgo.RESTError
		if _, err := dg.User("@me"); !errors.As(err, &re) || re.Response.StatusCode != 401 {
			t.Fatalf("User(@me) with a bad token = %v, want 401", err)
		}
		if srv.InvalidRequests() != 1 {
			t.Errorf("InvalidRequests() = %d, want 1", srv.InvalidRequests())
		}
	})
}

func TestGatewayResilience(t *testing.T) {
	t.Parallel()
	t.Run("resume after drop replays missed events", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, testConfig())
		got := make(chan string, 4)
		openSession(t, srv, func(dg *discordgo.Session) {
			dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.ID })
		})
		if n := srv.DropConnections(); n != 1 {
			t.Fatalf("DropConnections() = %d, want 1", n)
		}
		missed, err := srv.PostUserMessage(channelID, userID, "while you were away")
		if err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-got:
			if id != missed.ID {
				t.Errorf("MESSAGE_CREATE of message %s, want the missed message %s", id, missed.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("missed event not replayed")
		}
		rs := srv.Resumes()
		if len(rs) != 1 || !rs[0].OK || rs[0].Replayed != 1 {
			t.Errorf("Resumes() = %+v, want one OK with 1 replayed", rs)
		}
		if n := len(srv.Identifies()); n != 1 {
			t.Errorf("Identifies() = %d, want 1", n)
		}
	})
	t.Run("op 7 reconnect resumes", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, testConfig())
		openSession(t, srv, nil)
		srv.SendReconnect()
		ctx := ctxT(t)
		if err := srv.Wait(ctx, func() bool { return len(srv.Resumes()) == 1 && srv.ReadySessions() == 1 }); err != nil {
			t.Fatal(err)
		}
		cl := srv.Closes()
		if len(cl) != 1 || cl[0].Code != websocket.CloseServiceRestart || cl[0].ByServer {
			t.Errorf("Closes() = %+v, want the client's 1012", cl)
		}
	})
	t.Run("op 9 re-identifies", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, testConfig())
		openSession(t, srv, nil)
		if n := srv.InvalidateSessions(false); n != 1 {
			t.Fatalf("InvalidateSessions() = %d, want 1", n)
		}
		if err := srv.Wait(ctxT(t), func() bool { return len(srv.Identifies()) == 2 && srv.ReadySessions() == 1 }); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Connects()); n != 1 {
			t.Errorf("Connects() = %d, want 1 (same socket)", n)
		}
	})
	t.Run("op 1 and withheld acks", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.HeartbeatInterval = 100 * time.Millisecond
		srv := newServer(t, cfg)
		openSession(t, srv, nil)
		ctx := ctxT(t)
		before := len(srv.Heartbeats())
		srv.RequestHeartbeat()
		if err := srv.Wait(ctx, func() bool { return len(srv.Heartbeats()) > before }); err != nil {
			t.Fatal(err)
		}
		srv.WithholdHeartbeatACKs(true)
		// discordgo gives up after 5 intervals without ACK and reconnects.
		if err := srv.Wait(ctx, func() bool { return len(srv.Connects()) == 2 }); err != nil {
			t.Fatal(err)
		}
		srv.WithholdHeartbeatACKs(false)
		if err := srv.Wait(ctx, func() bool { return len(srv.Resumes()) == 1 && srv.ReadySessions() == 1 }); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("client send limit", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.GatewaySendLimit = 5
		srv := newServer(t, cfg)
		ws, _, err := websocket.DefaultDialer.Dial(srv.GatewayURL()+"?v=9&encoding=json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if _, _, err := ws.ReadMessage(); err != nil { // Hello
			t.Fatal(err)
		}
		for range 6 {
			if err := ws.WriteJSON(map[string]any{"op": 1, "d": nil}); err != nil {
				break
			}
		}
		var ce *websocket.CloseError
		for {
			_, _, err := ws.ReadMessage()
			if err != nil {
				if !errors.As(err, &ce) || ce.Code != fakediscord.CloseRateLimited {
					t.Errorf("read = %v, want close %d", err, fakediscord.CloseRateLimited)
				}
				break
			}
		}
	})
}

func TestTransportRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testConfig())
	hc := &http.Client{Transport: srv.Transport()}
	if _, err := hc.Get("https://example.com/"); err == nil {
		t.Error("Get(example.com) = nil error, want refused")
	}
	resp, err := hc.Get("https://discord.com/api/v9/gateway")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var g struct {
		URL string `json:"url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil || g.URL != srv.GatewayURL() || !strings.HasPrefix(g.URL, "ws://127.0.0.1:") {
		t.Errorf("GET /gateway = %q, %v, want %s on loopback", g.URL, err, srv.GatewayURL())
	}
}

// TestMessagesKeepComponents: Messages and Message return a message's
// components (discordgo's Message does not marshal them by itself).
func TestMessagesKeepComponents(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testConfig())
	dg, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	sent, err := dg.ChannelMessageSendComplex(otherChan, &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{Label: "b", Style: discordgo.PrimaryButton, CustomID: "id-1"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := srv.Message(sent.ID)
	msgs := srv.Messages(otherChan)
	for _, m := range []*discordgo.Message{got, msgs[len(msgs)-1]} {
		if !ok || len(m.Components) != 1 {
			t.Fatalf("message components = %+v, want one row", m)
		}
		row, isRow := m.Components[0].(*discordgo.ActionsRow)
		if !isRow || len(row.Components) != 1 || row.Components[0].(*discordgo.Button).CustomID != "id-1" {
			t.Errorf("row = %#v, want the button id-1", m.Components[0])
		}
	}
}

func TestPostUserMessageIntents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		intents     discordgo.Intent
		allowed     int
		text        string
		wantEvent   bool
		wantContent string
	}{
		{name: "no guild messages intent", intents: discordgo.IntentsGuilds, text: "hi"},
		{name: "guild messages without content", intents: discordgo.IntentsGuilds | discordgo.IntentsGuildMessages, text: "hi", wantEvent: true},
		{name: "mention shows content", intents: discordgo.IntentsGuildMessages, text: "hi <@" + fakediscord.DefaultApplicationID + ">",
			wantEvent: true, wantContent: "hi <@" + fakediscord.DefaultApplicationID + ">"},
		{name: "message content intent", intents: discordgo.IntentsGuildMessages | discordgo.IntentMessageContent,
			allowed: fakediscord.IntentMessageContent, text: "hi", wantEvent: true, wantContent: "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.AllowedPrivilegedIntents = tt.allowed
			srv := newServer(t, cfg)
			got := make(chan *discordgo.Message, 4)
			openSession(t, srv, func(dg *discordgo.Session) {
				dg.Identify.Intents = tt.intents
				dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Message })
			})
			posted, err := srv.PostUserMessage(channelID, userID, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if ms := srv.Messages(channelID); len(ms) == 0 || ms[len(ms)-1].ID != posted.ID || ms[len(ms)-1].Content != tt.text {
				t.Errorf("Messages() does not end with the posted message %+v", posted)
			}
			select {
			case m := <-got:
				if !tt.wantEvent {
					t.Fatalf("MESSAGE_CREATE %+v without the GUILD_MESSAGES intent", m)
				}
				if m.ID != posted.ID || m.Author == nil || m.Author.ID != userID || m.GuildID != guildID || m.Content != tt.wantContent {
					t.Errorf("MESSAGE_CREATE = id %s author %+v guild %s content %q, want %s by %s in %s with %q",
						m.ID, m.Author, m.GuildID, m.Content, posted.ID, userID, guildID, tt.wantContent)
				}
			case <-time.After(2 * time.Second):
				if tt.wantEvent {
					t.Fatal("no MESSAGE_CREATE")
				}
			}
		})
	}
}

package panels

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"golang.org/x/crypto/bcrypt"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/panels"
	"github.com/ddc-go/ddc/sdk"
)

// TestProtectedInfoLevels: the protected info's button and password form
// are declared at the view level, as /info's are (DockerDiscordControl
// shows the password form to everyone who may see the info: the password
// is the gate, not the role).
func TestProtectedInfoLevels(t *testing.T) {
	levels := map[string]sdk.Level{}
	for _, k := range panels.New().Info().Components {
		levels[k.Kind] = k.Level
	}
	for _, kind := range []string{"pinfo", "pwd"} {
		if got := levels[kind]; got != sdk.LevelView {
			t.Errorf("component kind %q declared at level %v, want view", kind, got)
		}
	}
}

// TestProtectedInfo: in a status channel, a viewer's info view of a
// container with protected info has panels' own 🔒 button (one without
// has none); it opens panels' password form; a wrong password gets an
// ephemeral error in the user's language and no info; the right one shows
// the protected info to that user only (ephemeral, nothing in the
// channel), checked by the containers plugin against the bcrypt hash;
// after too many wrong passwords even the right one is refused for a
// while; no password reaches the log.
func TestProtectedInfo(t *testing.T) {
	eng := dockertest.Connect(t)
	a := eng.Create(t, dockertest.Options{Name: "pnl-pinfo-a"})
	b := eng.Create(t, dockertest.Options{Name: "pnl-pinfo-b"})
	const secret, password = "the rcon key is 4242", "open sesame"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	srv := newFake(t)
	logs := new(logBuffer)
	serveLogged(t, srv, t.TempDir(), containersOn(eng, map[string]any{
		"containers": map[string]any{
			a.Name: map[string]any{"order": 1, "info": "hello from a", "ip_port": "game.example.com:25565", "protected_info": secret, "protected_password_hash": string(hash)},
			b.Name: map[string]any{"order": 2, "info": "hello from b"},
		},
	}), map[string]any{}, logs)

	command(t, srv, statusCh, viewer, "ss")
	var so *discordgo.Message
	wait.For(t, 60*time.Second, "the server overview with its info select", func() bool {
		msgs := botMessages(srv, statusCh)
		if len(msgs) == 1 && slices.Contains(customIDs(msgs[0]), "panels:info:0:0") {
			so = msgs[0]
			return true
		}
		return false
	})
	infoOf := func(name string) *discordgo.Message {
		h, r := fire(t, srv, fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: statusCh, UserID: viewer, MessageID: so.ID, CustomID: "panels:info:0:0", Values: []string{name}})
		return message(t, h, r, false)
	}
	if ib := infoOf(b.Name); !strings.Contains(text(ib), "hello from b") || len(customIDs(ib)) != 0 {
		t.Errorf("info of %s = %q %v, want its info and no button", b.Name, text(ib), customIDs(ib))
	}
	info := infoOf(a.Name)
	if !strings.Contains(text(info), "hello from a") || !strings.Contains(text(info), "game.example.com:25565") || strings.Contains(text(info), secret) {
		t.Errorf("info of %s = %q, want info and address without the protected info", a.Name, text(info))
	}
	if got, want := customIDs(info), []string{"panels:pinfo:" + a.Name}; !slices.Equal(got, want) {
		t.Fatalf("info view components = %v, want %v", got, want)
	}

	// The button opens panels' password form.
	_, r := fire(t, srv, fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: statusCh, UserID: viewer, MessageID: info.ID, CustomID: "panels:pinfo:" + a.Name})
	if r.Type != fakediscord.CallbackModal || r.Modal == nil || r.Modal.CustomID != "panels:pwd:"+a.Name {
		t.Fatalf("the 🔒 button answered type %d %+v, want panels' password form", r.Type, r.Modal)
	}
	submit := func(user, pw, locale string) *discordgo.Message {
		t.Helper()
		h, r := fire(t, srv, fakediscord.Interaction{
			Type: fakediscord.InteractionModalSubmit, GuildID: guildID, ChannelID: statusCh, UserID: user, Locale: locale,
			MessageID: info.ID, CustomID: "panels:pwd:" + a.Name, Fields: []fakediscord.ModalField{{CustomID: "password", Value: pw}},
		})
		m := message(t, h, r, false)
		if m.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Errorf("the answer to a password (%q) is not ephemeral", text(m))
		}
		return m
	}

	tries := 0
	for _, tt := range []struct{ pw, locale, want string }{
		{"open sesame!", "en-US", "wrong password"},
		{"open", "de", "Falsches Passwort"},
	} {
		tries++
		if m := submit(viewer, tt.pw, tt.locale); !strings.Contains(text(m), "❌") || !strings.Contains(text(m), tt.want) || strings.Contains(text(m), secret) {
			t.Errorf("wrong password %q (%s) answered %q, want %q and no info", tt.pw, tt.locale, text(m), tt.want)
		}
	}
	if m := submit(viewer, password, ""); !strings.Contains(text(m), secret) || !strings.Contains(text(m), "🔓") {
		t.Errorf("the right password answered %q, want the protected info", text(m))
	}
	for _, m := range srv.Messages(statusCh) {
		if strings.Contains(text(m), secret) && m.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Errorf("the protected info is in a channel message: %q", text(m))
		}
	}

	// Too many wrong passwords: even the right one waits; others may.
	for ; tries < api.MaxPasswordTries; tries++ {
		submit(viewer, "guess", "")
	}
	if m := submit(viewer, password, ""); strings.Contains(text(m), secret) || !strings.Contains(text(m), "too many wrong passwords") {
		t.Errorf("the right password after %d wrong ones answered %q, want a wait and no info", tries, text(m))
	}
	if m := submit(operator, password, ""); !strings.Contains(text(m), secret) {
		t.Errorf("another user's right password answered %q, want the protected info", text(m))
	}

	for _, pw := range []string{password, "open sesame!", "guess"} {
		if strings.Contains(logs.String(), pw) {
			t.Errorf("the log holds the password %q", pw)
		}
	}
}

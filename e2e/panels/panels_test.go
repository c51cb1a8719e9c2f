package panels

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/plugins/panels"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// TestManifest: the host accepts the panels plugin's manifest.
func TestManifest(t *testing.T) {
	if err := pluginhost.ValidateManifest(grpcplugin.Manifest{Info: panels.New().Info(), ProtocolVersion: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestStatusOverview: /ss in a status channel posts the overview as a
// channel message with the real states; a container stopped outside DDC
// is shown 🔴 within 2 s by an edit of the same message; a second /ss
// replaces the first overview.
func TestStatusOverview(t *testing.T) {
	eng := dockertest.Connect(t)
	up := eng.Run(t, dockertest.Options{Name: "pnl-up", StopTimeout: time.Second})
	down := eng.Create(t, dockertest.Options{Name: "pnl-down"})
	srv := newFake(t)
	serve(t, srv, t.TempDir(), containersOn(eng, nil), map[string]any{})

	_, r := command(t, srv, statusCh, viewer, "ss")
	if r.Message == nil || r.Message.Flags&64 == 0 {
		t.Fatalf("/ss answered %+v, want an ephemeral note", r)
	}
	var text string
	wait.For(t, 30*time.Second, "the overview with both containers", func() bool {
		text = overviewText(srv, statusCh)
		return strings.HasPrefix(lineOf(text, up.Name), "🟢") && strings.HasPrefix(lineOf(text, down.Name), "🔴")
	})
	msgs := botMessages(srv, statusCh)
	if len(msgs) != 1 {
		t.Fatalf("%d overview messages, want 1:\n%s", len(msgs), text)
	}
	id := msgs[0].ID

	ctx := ctxT(t, time.Minute)
	if _, err := eng.Client.ContainerStop(ctx, up.ID, client.ContainerStopOptions{}); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	wait.For(t, 10*time.Second, "the overview to show the stop", func() bool {
		return strings.HasPrefix(lineOf(overviewText(srv, statusCh), up.Name), "🔴")
	})
	if d := time.Since(stopped); d > 2*time.Second {
		t.Errorf("the overview showed the stop after %v, want at most 2 s", d)
	}
	if msgs := botMessages(srv, statusCh); len(msgs) != 1 || msgs[0].ID != id {
		t.Errorf("after the stop: %d messages, want the first one (%s) edited", len(msgs), id)
	}

	// A second /ss replaces the overview: one message, a new one.
	command(t, srv, statusCh, viewer, "serverstatus")
	wait.For(t, 30*time.Second, "the overview to be replaced", func() bool {
		msgs := botMessages(srv, statusCh)
		return len(msgs) == 1 && msgs[0].ID != id
	})
}

// TestPostOnStartAndToggle: a channel set to post on start gets its
// overview without a command (the admin overview where set so); the
// server overview's toggle collapses it to state and name, and back.
func TestPostOnStartAndToggle(t *testing.T) {
	eng := dockertest.Connect(t)
	up := eng.Run(t, dockertest.Options{Name: "pnl-onstart"})
	srv := newFake(t)
	serve(t, srv, t.TempDir(), containersOn(eng, nil), map[string]any{
		"channels": []map[string]any{
			{"id": statusCh, "post_on_start": true},
			{"id": controlCh, "post_on_start": true, "control": true},
		},
	})
	wait.For(t, 60*time.Second, "both overviews posted on start", func() bool {
		return strings.HasPrefix(lineOf(overviewText(srv, statusCh), up.Name), "🟢") &&
			strings.Contains(overviewText(srv, controlCh), "Container control")
	})
	msgs := botMessages(srv, statusCh)
	if len(msgs) != 1 || !strings.Contains(lineOf(overviewText(srv, statusCh), up.Name), "⏱") {
		t.Fatalf("server overview: %d messages, line %q; want one, expanded", len(msgs), lineOf(overviewText(srv, statusCh), up.Name))
	}
	toggle := func() {
		_, r := fire(t, srv, fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: statusCh, UserID: viewer, MessageID: msgs[0].ID, CustomID: "panels:toggle"})
		if r.Type != fakediscord.CallbackUpdateMessage && r.Type != fakediscord.CallbackDeferredUpdateMessage {
			t.Fatalf("toggle answered type %d, want the overview updated", r.Type)
		}
	}
	toggle()
	wait.For(t, 30*time.Second, "the overview collapsed", func() bool {
		return lineOf(overviewText(srv, statusCh), up.Name) == "🟢 **"+up.Name+"**"
	})
	toggle()
	wait.For(t, 30*time.Second, "the overview expanded", func() bool {
		return strings.Contains(lineOf(overviewText(srv, statusCh), up.Name), "⏱")
	})
}

// TestHelpAndPing: /help lists the commands the user may use in the
// channel, as the host's policy decides (a viewer in a status channel
// does not see /control, an operator in a control channel does); /ping
// shows the gateway and REST latencies.
func TestHelpAndPing(t *testing.T) {
	eng := dockertest.Connect(t)
	srv := newFake(t)
	serve(t, srv, t.TempDir(), containersOn(eng, nil), map[string]any{})
	help := func(channel, user string) string {
		h, r := command(t, srv, channel, user, "help")
		return text(message(t, h, r, false))
	}
	viewerHelp := help(statusCh, viewer)
	for _, want := range []string{"`/ss`", "`/serverstatus`", "`/help`", "`/ping`", "`/container`", "`/info`"} {
		if !strings.Contains(viewerHelp, want) {
			t.Errorf("a viewer's /help lacks %s:\n%s", want, viewerHelp)
		}
	}
	if strings.Contains(viewerHelp, "`/control`") {
		t.Errorf("a viewer's /help in a status channel lists /control:\n%s", viewerHelp)
	}
	if opHelp := help(controlCh, operator); !strings.Contains(opHelp, "`/control`") {
		t.Errorf("an operator's /help in a control channel lacks /control:\n%s", opHelp)
	}
	h, r := command(t, srv, statusCh, viewer, "ping")
	if got := text(message(t, h, r, false)); !regexp.MustCompile(`Gateway \d+ ms · REST \d+ ms`).MatchString(got) {
		t.Errorf("/ping = %q", got)
	}
}

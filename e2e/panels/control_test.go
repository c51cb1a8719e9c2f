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
)

// message returns the message an interaction's answer shows: the
// callback's, or after a defer the follow-up (update false) or the edited
// original (update true).
func message(t *testing.T, h *fakediscord.InteractionHandle, r fakediscord.Response, update bool) *discordgo.Message {
	t.Helper()
	ctx := ctxT(t, 60*time.Second)
	switch r.Type {
	case fakediscord.CallbackChannelMessage, fakediscord.CallbackUpdateMessage:
		return r.Message
	case fakediscord.CallbackDeferredChannelMessage:
		m, err := h.WaitOriginal(ctx, func(m *discordgo.Message) bool { return m.Flags&discordgo.MessageFlagsLoading == 0 })
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if update {
		m, err := h.WaitOriginal(ctx, func(m *discordgo.Message) bool { return m.EditedTimestamp != nil })
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	fs, err := h.WaitFollowups(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	return fs[0]
}

// customIDs lists a message's component custom ids.
func customIDs(m *discordgo.Message) []string {
	var out []string
	for _, row := range m.Components {
		r, ok := row.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range r.Components {
			switch v := c.(type) {
			case *discordgo.Button:
				out = append(out, v.CustomID)
			case *discordgo.SelectMenu:
				out = append(out, v.CustomID)
			}
		}
	}
	return out
}

// text is a message's content and embed text.
func text(m *discordgo.Message) string {
	s := m.Content
	for _, e := range m.Embeds {
		s += "\n" + e.Title + "\n" + e.Description
		for _, f := range e.Fields {
			s += "\n" + f.Name + ": " + f.Value
		}
	}
	return s
}

// refusedByHost reports whether an answer is a refusal: the host's (or
// the plugin's own check, which gives the same answer).
func refusedByHost(r fakediscord.Response) bool {
	return r.Message != nil && r.Message.Flags&discordgo.MessageFlagsEphemeral != 0 && strings.Contains(r.Message.Content, "⛔")
}

// TestControlPanel: /control posts the admin overview; its picker opens
// an ephemeral control panel with buttons for the container's allowed
// actions only; a restart shows pending, then the outcome confirmed by
// Docker; a viewer can neither open the overview nor use its controls
// (the host refuses, the container is untouched); Restart All restarts
// exactly the visible, allowed, unprotected containers, one after the
// other in order, and shows each result; the info select of the server
// overview shows the info with the protected info's button.
func TestControlPanel(t *testing.T) {
	eng := dockertest.Connect(t)
	opt := dockertest.Options{StopTimeout: time.Second}
	run := func(name string) dockertest.Container { o := opt; o.Name = name; return eng.Run(t, o) }
	a, b, c, d, e := run("pnl-ctl-a"), run("pnl-ctl-b"), run("pnl-ctl-c"), run("pnl-ctl-d"), run("pnl-ctl-e")
	hash, err := bcrypt.GenerateFromPassword([]byte("sesame"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	order := func(n int, extra map[string]any) map[string]any {
		m := map[string]any{"order": n}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	srv := newFake(t)
	serve(t, srv, t.TempDir(), containersOn(eng, map[string]any{
		"protected": []string{b.Name},
		"containers": map[string]any{
			a.Name: order(1, map[string]any{"info": "hello from a", "ip_port": "game.example.com:25565", "protected_info": "the key is 42", "protected_password_hash": string(hash)}),
			b.Name: order(2, nil),
			c.Name: order(3, map[string]any{"actions": []string{"logs"}}),
			d.Name: order(4, nil),
			e.Name: order(5, map[string]any{"active": false}),
		},
	}), map[string]any{})
	started := func(ct dockertest.Container) string { return eng.Inspect(t, ct).State.StartedAt }
	before := map[string]string{}
	for _, ct := range []dockertest.Container{a, b, c, d, e} {
		before[ct.Name] = started(ct)
	}

	// A viewer may not post the admin overview, in a control channel or a
	// status channel.
	for _, ch := range []string{controlCh, statusCh} {
		if _, r := command(t, srv, ch, viewer, "control"); !refusedByHost(r) {
			t.Errorf("a viewer's /control in %s answered %q, want the host's refusal", ch, text(r.Message))
		}
	}
	command(t, srv, controlCh, operator, "control")
	var ov *discordgo.Message
	wait.For(t, 60*time.Second, "the admin overview", func() bool {
		msgs := botMessages(srv, controlCh)
		if len(msgs) != 1 || !strings.Contains(overviewText(srv, controlCh), "**"+d.Name+"**") {
			return false
		}
		ov = msgs[0]
		return true
	})
	if strings.Contains(overviewText(srv, controlCh), e.Name) {
		t.Errorf("the admin overview shows the hidden container %s", e.Name)
	}
	ids := customIDs(ov)
	if !slices.Contains(ids, "panels:pick:0:0") || !slices.Contains(ids, "panels:all:restart") || !slices.Contains(ids, "panels:all:stop") {
		t.Fatalf("admin overview components = %v", ids)
	}
	pick := func(user, ref string) (*fakediscord.InteractionHandle, fakediscord.Response) {
		return fire(t, srv, fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: controlCh, UserID: user, MessageID: ov.ID, CustomID: "panels:pick:0:0", Values: []string{ref}})
	}
	if _, r := pick(viewer, a.Name); !refusedByHost(r) {
		t.Errorf("a viewer's pick answered %q, want the host's refusal", text(r.Message))
	}

	// Buttons for the allowed actions only.
	panels := map[string]*discordgo.Message{}
	for _, ct := range []dockertest.Container{a, b, c} {
		h, r := pick(operator, ct.Name)
		panels[ct.Name] = message(t, h, r, false)
	}
	want := map[string][]string{
		a.Name: {"panels:do:stop:" + a.Name, "panels:do:restart:" + a.Name, "panels:logs:" + a.Name, "panels:infob:" + a.Name},
		b.Name: {"panels:logs:" + b.Name},
		c.Name: {"panels:logs:" + c.Name},
	}
	for name, w := range want {
		if got := customIDs(panels[name]); !slices.Equal(got, w) {
			t.Errorf("control panel of %s has %v, want %v", name, got, w)
		}
	}

	// A viewer's click on the panel's restart button is refused by the
	// host; the container is untouched.
	click := func(user, msgID, id string) (*fakediscord.InteractionHandle, fakediscord.Response) {
		return fire(t, srv, fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: controlCh, UserID: user, MessageID: msgID, CustomID: id})
	}
	if _, r := click(viewer, panels[a.Name].ID, "panels:do:restart:"+a.Name); !refusedByHost(r) {
		t.Errorf("a viewer's restart click answered %q, want the host's refusal", text(r.Message))
	}
	if _, r := click(viewer, ov.ID, "panels:all:restart"); !refusedByHost(r) {
		t.Errorf("a viewer's Restart All click answered %q, want the host's refusal", text(r.Message))
	}
	if started(a) != before[a.Name] {
		t.Fatal("a viewer's click restarted the container")
	}

	// Logs: the last lines in a code block, with refresh and live buttons.
	h, r := click(operator, panels[a.Name].ID, "panels:logs:"+a.Name)
	logs := message(t, h, r, false)
	if !strings.Contains(text(logs), "```") || !strings.Contains(text(logs), "tick") ||
		!slices.Equal(customIDs(logs), []string{"panels:logs:r:" + a.Name, "panels:live:" + a.Name}) {
		t.Errorf("logs = %q %v", text(logs), customIDs(logs))
	}

	// The operator restarts a: pending at once, then the outcome.
	h, r = click(operator, panels[a.Name].ID, "panels:do:restart:"+a.Name)
	if r.Type != fakediscord.CallbackUpdateMessage || !strings.Contains(text(r.Message), "⏳") {
		t.Errorf("restart click answered type %d %q, want the panel updated to pending", r.Type, text(r.Message))
	}
	fs, err := h.WaitFollowups(ctxT(t, 60*time.Second), 1)
	if err != nil || !strings.Contains(text(fs[0]), "✅") || !strings.Contains(text(fs[0]), "restarted") {
		t.Fatalf("restart outcome: %v %+v", err, fs)
	}
	if started(a) == before[a.Name] {
		t.Error("the restart button did not restart the container")
	}

	// Restart All: confirmation, then progress in the channel.
	for _, ct := range []dockertest.Container{a, b, c, d, e} {
		before[ct.Name] = started(ct)
	}
	h, r = click(operator, ov.ID, "panels:all:restart")
	confirm := message(t, h, r, false)
	if !slices.Contains(customIDs(confirm), "panels:confirm:restart") {
		t.Fatalf("Restart All answered %q %v, want a confirmation", text(confirm), customIDs(confirm))
	}
	if cur := started(a); cur != before[a.Name] {
		t.Fatal("Restart All ran before it was confirmed")
	}
	h, _ = click(operator, confirm.ID, "panels:confirm:restart")
	var progress string
	wait.ForState(t, 2*time.Minute, "Restart All's progress to finish", func() (bool, string) {
		for _, m := range botMessages(srv, controlCh) {
			if strings.Contains(text(m), "Restart All") {
				progress = text(m)
			}
		}
		return strings.Contains(progress, "4 of 4"), progress
	})
	for _, l := range []string{"✅ " + a.Name, "⏭️ " + b.Name, "⏭️ " + c.Name, "✅ " + d.Name} {
		if !strings.Contains(progress, l) {
			t.Errorf("progress lacks %q:\n%s", l, progress)
		}
	}
	if _, err := h.WaitFollowups(ctxT(t, time.Minute), 1); err != nil {
		t.Errorf("no summary for the operator: %v", err)
	}
	for _, ct := range []dockertest.Container{b, c, e} {
		if started(ct) != before[ct.Name] {
			t.Errorf("Restart All restarted %s", ct.Name)
		}
	}
	ia, id := eng.Inspect(t, a), eng.Inspect(t, d)
	ta, _ := time.Parse(time.RFC3339Nano, ia.State.StartedAt)
	td, _ := time.Parse(time.RFC3339Nano, id.State.StartedAt)
	if ia.State.StartedAt == before[a.Name] || id.State.StartedAt == before[d.Name] {
		t.Fatalf("Restart All did not restart both a and d")
	}
	// d's restart began after a's had finished (its 2 s start check).
	if td.Sub(ta) < 2*time.Second {
		t.Errorf("d started %v after a, want d's restart to wait for a's to finish", td.Sub(ta))
	}

	// The server overview's info select, and the protected info's
	// password form of the containers plugin.
	command(t, srv, statusCh, viewer, "ss")
	var so *discordgo.Message
	wait.For(t, 60*time.Second, "the server overview", func() bool {
		msgs := botMessages(srv, statusCh)
		if len(msgs) == 1 && slices.Contains(customIDs(msgs[0]), "panels:info:0:0") {
			so = msgs[0]
			return true
		}
		return false
	})
	h, r = fire(t, srv, fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: statusCh, UserID: viewer, MessageID: so.ID, CustomID: "panels:info:0:0", Values: []string{a.Name}})
	info := message(t, h, r, false)
	if !strings.Contains(text(info), "hello from a") || !strings.Contains(text(info), "game.example.com:25565") || strings.Contains(text(info), "42") {
		t.Errorf("info = %q", text(info))
	}
	// Protected info: panels' own button (TestProtectedInfo follows it).
	if !slices.Contains(customIDs(info), "panels:pinfo:"+a.Name) {
		t.Errorf("info view components = %v, want the protected info button", customIDs(info))
	}
	for _, id := range customIDs(info) {
		if !strings.HasPrefix(id, "panels:") {
			t.Errorf("info view carries foreign custom id %q", id)
		}
	}
}

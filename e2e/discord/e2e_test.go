package discord

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// TestContainerRestart: an operator's /container restart in a control
// channel restarts the real container and the answer shows the outcome;
// the same command in a status channel, or by a member without the
// operator role, is refused and restarts nothing.
func TestContainerRestart(t *testing.T) {
	t.Parallel()
	eng := dockertest.Connect(t)
	ctr := eng.Run(t, dockertest.Options{StopTimeout: time.Second})
	before := eng.Inspect(t, ctr).State.StartedAt
	e := startHost(t, options{containers: map[string]any{
		"endpoints": []map[string]any{{"name": "local", "host": eng.Host, "label_filter": dockertest.LabelRun + "=" + eng.RunID}},
	}})
	restart := func(user, channel string) fakediscord.Interaction {
		return fakediscord.Interaction{
			Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channel, UserID: user,
			Command: "container", Options: []fakediscord.Option{{Name: "restart", Options: []fakediscord.Option{{Name: "name", Value: ctr.Name}}}},
		}
	}

	t.Run("refused in a status channel", func(t *testing.T) {
		text, eph, _ := answer(t, e.fire(t, restart(operator, statusCh)), 10*time.Second)
		if !eph || !strings.Contains(text, "status channel") {
			t.Errorf("answer %q (ephemeral %v), want an ephemeral refusal naming the status channel", text, eph)
		}
	})
	t.Run("refused without the operator role", func(t *testing.T) {
		text, eph, _ := answer(t, e.fire(t, restart(viewer, controlCh)), 10*time.Second)
		if !eph || !strings.Contains(text, "control level") || !strings.Contains(text, operatorRl) {
			t.Errorf("answer %q (ephemeral %v), want an ephemeral refusal naming the operator role", text, eph)
		}
	})
	if after := eng.Inspect(t, ctr).State.StartedAt; after != before {
		t.Fatalf("a refused command restarted the container (started %s, then %s)", before, after)
	}
	t.Run("operator in a control channel", func(t *testing.T) {
		text, _, _ := answer(t, e.fire(t, restart(operator, controlCh)), 60*time.Second)
		if !strings.Contains(text, ctr.Name) || !strings.Contains(text, "✅") {
			t.Errorf("answer %q, want the restart's success for %s", text, ctr.Name)
		}
		st := eng.WaitFor(t, ctr, 20*time.Second, "restarted", func(c container.InspectResponse) bool {
			return c.State.Running && c.State.StartedAt != before
		})
		if !strings.Contains(text, "running") {
			t.Errorf("answer %q does not show the state (container is %s)", text, st.State.Status)
		}
	})
	for _, r := range e.srv.Requests() {
		if r.Status >= 400 {
			t.Errorf("%s %s answered %d: %s", r.Method, r.Route, r.Status, r.Body)
		}
	}
}

// TestViewerClickRefused: a viewer clicking a control button is refused;
// an operator's click in a control channel reaches the plugin.
func TestViewerClickRefused(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{})
	h := e.fire(t, fault(operator, controlCh, "panel"))
	r, err := h.WaitResponse(ctxT(t, 10*time.Second))
	if err != nil || r.Message == nil {
		t.Fatalf("panel: %v %+v", err, r)
	}
	click := func(user string) fakediscord.Interaction {
		return fakediscord.Interaction{Type: fakediscord.InteractionComponent, GuildID: guildID, ChannelID: controlCh, UserID: user, MessageID: r.Message.ID, CustomID: "tp:poke:1"}
	}
	text, eph, _ := answer(t, e.fire(t, click(viewer)), 10*time.Second)
	if !eph || !strings.Contains(text, "control level") {
		t.Errorf("viewer's click: %q (ephemeral %v), want an ephemeral refusal", text, eph)
	}
	text, _, _ = answer(t, e.fire(t, click(operator)), 10*time.Second)
	if text != "clicked tp:poke:1" {
		t.Errorf("operator's click: %q, want the plugin's answer", text)
	}
}

// TestSlowPluginDeferred: a plugin that sleeps 5 s gets the interaction
// deferred in time, and its answer replaces the placeholder.
func TestSlowPluginDeferred(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{})
	h := e.fire(t, fault(viewer, statusCh, "sleep"))
	text, _, deferred := answer(t, h, 20*time.Second)
	if !deferred || text != "done after 5 s" || h.Missed() {
		t.Errorf("answer %q (deferred %v, missed %v), want the deferred answer", text, deferred, h.Missed())
	}
}

// TestPluginCrashApology: a plugin crashing mid-interaction yields an
// apology, and it is back for the next interaction.
func TestPluginCrashApology(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{})
	in := fault(viewer, statusCh, "crash")
	in.Locale = "de"
	text, eph, _ := answer(t, e.fire(t, in), 20*time.Second)
	if !eph || !strings.HasPrefix(text, "Entschuldigung") {
		t.Errorf("answer %q (ephemeral %v), want an ephemeral German apology", text, eph)
	}
	wait.For(t, 30*time.Second, "plugin restarted and running", func() bool {
		_, p := e.healthFull(t)
		return p["testplugin"].State == "running" && p["testplugin"].Restarts >= 1
	})
	text, _, _ = answer(t, e.fire(t, fault(viewer, statusCh, "ok")), 20*time.Second)
	if text != "ok from testplugin" {
		t.Errorf("after the crash: %q, want ok", text)
	}
}

// TestGatewayDropResume: the gateway connection dropped mid-run, the
// session resumes and a later command works.
func TestGatewayDropResume(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{})
	if n := e.srv.DropConnections(); n == 0 {
		t.Fatal("no gateway connection to drop")
	}
	wait.For(t, 30*time.Second, "resume", func() bool {
		d, _ := e.health(t)
		return len(e.srv.Resumes()) > 0 && d == "connected"
	})
	text, _, _ := answer(t, e.fire(t, fault(viewer, statusCh, "ok")), 20*time.Second)
	if text != "ok from testplugin" {
		t.Errorf("after resume: %q, want ok", text)
	}
	if n := len(e.srv.Identifies()); n != 1 {
		t.Errorf("%d identifies, want 1 (resumed)", n)
	}
}

// TestEditsCoalesced: a plugin edits one message 200 times in 2 s; the
// final content is right, far fewer requests were sent, and none before a
// retry_after passed.
func TestEditsCoalesced(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{})
	text, _, _ := answer(t, e.fire(t, fault(viewer, statusCh, "edits")), 60*time.Second)
	if !strings.HasSuffix(text, ", 0 failed") {
		t.Fatalf("answer %q, want all edits done", text)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(text, "edited "), ", 0 failed")
	m, ok := e.srv.Message(id)
	if !ok || m.Content != "edit 200" {
		t.Errorf("final content %q, want edit 200", m.Content)
	}
	patches := e.srv.RequestsTo("PATCH /channels/{channel_id}/messages/{message_id}")
	if len(patches) > 20 {
		t.Errorf("%d edit requests for 200 edits, want far fewer", len(patches))
	}
	if v := e.srv.Violations(); len(v) > 0 {
		t.Errorf("%d requests before retry_after: %+v", len(v), v[0])
	}
	t.Logf("200 edits → %d PATCH requests", len(patches))
}

// TestGlobal429 stops all routes for its duration: once the host has seen
// a global 429, no request (interaction callbacks excepted) goes out until
// retry_after has passed. The messages asked for after the host saw the 429
// go to another channel and to the same one; requests already on their way
// when Discord answered 429 cannot be held back, so the test asks for them
// only once the host has logged the 429 (it does so after blocking).
func TestGlobal429(t *testing.T) {
	t.Parallel()
	fc := fakeConfig()
	fc.NoRateLimits = true
	e := startHost(t, options{fake: &fc})
	// Long enough that send3's messages are asked for while the block
	// holds, even on a loaded machine.
	const ra = 5 * time.Second
	e.srv.Script429(http.MethodPost, "/channels/{channel_id}/messages", ra, true, 1)
	if text, _, _ := answer(t, e.fire(t, fault(viewer, statusCh, "send1")), 30*time.Second); text != "sending" {
		t.Fatalf("send1 answer %q, want sending", text)
	}
	wait.For(t, 30*time.Second, "the host to log the global 429", func() bool {
		return e.logged(`msg="discord rate limit"`, "global=true")
	})
	in := fault(viewer, statusCh, "send3")
	in.Options = append(in.Options, fakediscord.Option{Name: "channel", Value: otherCh})
	text, _, _ := answer(t, e.fire(t, in), 60*time.Second)
	if text != "sent, 0 failed" {
		t.Errorf("answer %q, want all sent", text)
	}
	var at time.Time
	for _, r := range e.srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			at = r.Time
		}
	}
	if at.IsZero() {
		t.Fatal("no 429")
	}
	for _, r := range e.srv.Requests() {
		if r.Time.After(at) && r.Time.Sub(at) < ra && !strings.HasPrefix(r.Route, "POST /interactions/") {
			t.Errorf("%s %s sent %v after a global 429 with retry_after %v", r.Method, r.Path, r.Time.Sub(at), ra)
		}
	}
	if v := e.srv.Violations(); len(v) > 0 {
		t.Errorf("violations: %+v", v)
	}
	if n := len(e.srv.RequestsTo("POST /channels/{channel_id}/messages")); n != 5 {
		t.Errorf("%d message posts, want 5 (4 + the one refused)", n)
	}
}

// TestBadToken: a bad token shows invalid_token in /healthz, and the host
// does not retry.
func TestBadToken(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{token: "not-the-token", noWait: true})
	wait.For(t, 30*time.Second, "invalid_token", func() bool {
		d, _ := e.health(t)
		return d == "invalid_token"
	})
	n := len(e.srv.Requests())
	time.Sleep(3 * time.Second)
	if m := len(e.srv.Requests()); m != n || m > 2 {
		t.Errorf("%d requests, then %d: want no retries", n, m)
	}
	if c := len(e.srv.Connects()); c != 0 {
		t.Errorf("%d gateway connections with a bad token, want 0", c)
	}
	if d, _ := e.health(t); d != "invalid_token" {
		t.Errorf("healthz discord = %q later, want invalid_token", d)
	}
}

// TestTokenFromConfigWhileRunning: a DDC started without a token connects
// as soon as a token is saved in config.yaml, without a restart; a wrong
// token saved later replaces the session and shows as invalid_token.
func TestTokenFromConfigWhileRunning(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{noToken: true, noWait: true})
	if d, _ := e.health(t); d != "no_token" {
		t.Fatalf("healthz discord = %q, want no_token", d)
	}
	setToken := func(token string) {
		t.Helper()
		path := filepath.Join(e.data, "config.yaml")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var cfg map[string]any
		if err := json.Unmarshal(raw, &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["discord"].(map[string]any)["token"] = token
		if raw, err = json.Marshal(cfg); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setToken(e.srv.Token())
	wait.For(t, 30*time.Second, "connected after the token was saved", func() bool {
		d, _ := e.health(t)
		return d == "connected"
	})
	wait.For(t, 30*time.Second, "commands registered", func() bool { return len(e.srv.Commands(guildID)) == 2 })

	setToken("not-the-token")
	wait.For(t, 30*time.Second, "invalid_token after a wrong token was saved", func() bool {
		d, _ := e.health(t)
		return d == "invalid_token"
	})
}

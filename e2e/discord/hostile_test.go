package discord

import (
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
)

// TestHostilePluginInvoke: a third-party plugin (the test plugin, real
// subprocess, allowed to call containers.*) tries to stop every container
// through the containers plugin: with a made-up admin interaction, with a
// viewer's real interaction raised to admin under another user's name, and
// with none. Each is refused and the real container keeps running. The
// same call made honestly for an operator's command in a control channel
// goes through (the host passes its own record of that interaction), so
// the refusals are not for want of a working path.
func TestHostilePluginInvoke(t *testing.T) {
	t.Parallel()
	eng := dockertest.Connect(t)
	// Its own label: stop_all must see this test's container only, not
	// those of tests running beside it.
	mine := "hostile-" + eng.RunID
	ctr := eng.Run(t, dockertest.Options{StopTimeout: time.Second, Labels: map[string]string{"ddc.test.case": mine}})
	before := eng.Inspect(t, ctr).State.StartedAt
	e := startHost(t, options{containers: map[string]any{
		"endpoints": []map[string]any{{"name": "local", "host": eng.Host, "label_filter": "ddc.test.case=" + mine}},
	}})
	attacks := []struct {
		do, user, want string
	}{
		{"forge-stop-all", viewer, "plugins.testplugin.grants"},
		{"reuse-stop-all", viewer, "you need the control permission"},
		{"bare-stop-all", viewer, "plugins.testplugin.grants"},
		{"forge-stop-all", operator, "plugins.testplugin.grants"}, // an operator's plugin call still carries no forged admin
	}
	for _, a := range attacks {
		t.Run(a.do+" by "+a.user, func(t *testing.T) {
			text, _, _ := answer(t, e.fire(t, fault(a.user, controlCh, a.do)), 30*time.Second)
			if !strings.HasPrefix(text, "refused: ") || !strings.Contains(text, a.want) {
				t.Errorf("answer %q, want a refusal containing %q", text, a.want)
			}
		})
	}
	if st := eng.Inspect(t, ctr).State; !st.Running || st.StartedAt != before {
		t.Fatalf("the attacks touched the container: %+v", st)
	}
	if !e.logged("plugin named an interaction the host did not route to it", "920000000000000098") {
		t.Error("the forged interaction was not logged")
	}

	text, _, _ := answer(t, e.fire(t, fault(operator, controlCh, "stop-all")), 60*time.Second)
	if text != "stopped 1" {
		t.Errorf("an operator's honest stop_all through the plugin: %q, want stopped 1", text)
	}
	eng.WaitFor(t, ctr, 20*time.Second, "stopped", func(c container.InspectResponse) bool { return !c.State.Running })
}

// TestHostilePluginForeignButton: a plugin posting another plugin's
// button (containers:restart:...) is refused, and Discord never sees the
// message.
func TestHostilePluginForeignButton(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{})
	text, _, _ := answer(t, e.fire(t, fault(operator, controlCh, "foreign-button")), 20*time.Second)
	if !strings.HasPrefix(text, "refused: ") || !strings.Contains(text, `custom id "containers:restart:web"`) {
		t.Errorf("answer %q, want the refusal naming the custom id", text)
	}
	for _, r := range e.srv.RequestsTo("POST /channels/{channel_id}/messages") {
		if strings.Contains(string(r.Body), "containers:restart") {
			t.Errorf("Discord got the foreign button: %s", r.Body)
		}
	}
}

// TestHostilePluginBadID: a plugin's Delete with a channel id carrying a
// query string is refused with a clear error, and Discord sees no delete
// request at all.
func TestHostilePluginBadID(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{})
	text, _, _ := answer(t, e.fire(t, fault(operator, controlCh, "bad-delete")), 20*time.Second)
	if !strings.HasPrefix(text, "refused: ") || !strings.Contains(text, `channel id "123456789012345678?" is not a Discord snowflake`) {
		t.Errorf("answer %q, want the refusal naming the channel id", text)
	}
	for _, r := range e.srv.Requests() {
		if r.Method == "DELETE" && strings.Contains(r.Path, "/channels/") {
			t.Errorf("Discord got %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
}

package scheduler

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/moby/moby/api/types/container"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/plugins/scheduler"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// TestManifest: the host accepts the scheduler's manifest.
func TestManifest(t *testing.T) {
	if err := pluginhost.ValidateManifest(grpcplugin.Manifest{Info: scheduler.New(scheduler.Config{}).Info(), ProtocolVersion: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestTaskRestartsContainer: an operator's /task add in the fake Discord
// (with the container autocompleted from the containers plugin) creates a
// task that restarts a real test container through the containers plugin;
// after the host stops, the scheduler started again on the same database
// shows the task and its run on its web page.
func TestTaskRestartsContainer(t *testing.T) {
	eng := dockertest.Connect(t)
	ctr := eng.Run(t, dockertest.Options{StopTimeout: time.Second})
	before := eng.Inspect(t, ctr).State.StartedAt
	data := t.TempDir()
	h := serve(t, data, map[string]any{
		"endpoints": []map[string]any{{"name": "local", "host": eng.Host, "label_filter": dockertest.LabelRun + "=" + eng.RunID}},
	}, map[string]any{"timezone": "UTC"})

	// Autocomplete answers within Discord's 3 s: right after start (the
	// containers plugin still reading Docker's list on a loaded machine)
	// it may offer nothing yet, as Discord would show; a user types again.
	var r fakediscord.Response
	deadline := time.Now().Add(30 * time.Second)
	for {
		ac, err := h.srv.Fire(fakediscord.Interaction{
			Type: fakediscord.InteractionAutocomplete, GuildID: guildID, ChannelID: controlCh, UserID: operator, Command: "task",
			Options: []fakediscord.Option{{Name: "add", Options: []fakediscord.Option{{Name: "container", Value: ctr.Name[:4], Focused: true}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		r, err = ac.WaitResponse(ctxT(t, 30*time.Second))
		if err == nil && len(r.Choices) > 0 && r.Choices[0].Value == ctr.Name {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container autocomplete: %v, %+v; want %s", err, r.Choices, ctr.Name)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// A task once, at the current minute: it runs at once. Should the
	// minute turn meanwhile, it is in the past: try the next minute.
	var text string
	for range 2 {
		now := time.Now().UTC()
		add := fakediscord.Interaction{
			Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: controlCh, UserID: operator, Command: "task",
			Options: []fakediscord.Option{{Name: "add", Options: []fakediscord.Option{
				{Name: "container", Value: ctr.Name}, {Name: "action", Value: "restart"}, {Name: "schedule", Value: "once"},
				{Name: "date", Value: now.Format("2006-01-02")}, {Name: "time", Value: now.Format("15:04")},
				{Name: "note", Value: "e2e"},
			}}},
		}
		text = answer(t, h.srv, add)
		if !strings.Contains(text, "in the past") {
			break
		}
	}
	if !strings.Contains(text, "created") || !strings.Contains(text, ctr.Name) {
		t.Fatalf("/task add answered %q", text)
	}
	id := strings.Split(text, "`")[1]

	eng.WaitFor(t, ctr, 60*time.Second, "restarted by the task", func(c container.InspectResponse) bool {
		return c.State.Running && c.State.StartedAt != before
	})
	// The containers plugin confirms the restart (its start check) before
	// the run is recorded.
	list := fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: controlCh, UserID: operator, Command: "task",
		Options: []fakediscord.Option{{Name: "list"}}}
	wait.For(t, 60*time.Second, "/task list to show the run", func() bool {
		return strings.Contains(answer(t, h.srv, list), "last run ok")
	})
	h.stop()

	// The scheduler alone, as a new process on the same database.
	mgr, st := manager(t, data, testWriter{t})
	var page string
	wait.For(t, 60*time.Second, "the web page to list the task with its run", func() bool {
		res, err := mgr.HandleHTTP(context.Background(), api.PluginID, &grpcplugin.HTTPRequest{Method: http.MethodGet, Path: "/", Header: http.Header{}})
		if err != nil || res.Status != http.StatusOK {
			return false
		}
		page = string(res.Body)
		return strings.Contains(page, "<code>"+id+"</code>")
	})
	for _, want := range []string{ctr.Name, "restart", "done", `class="result-ok"`, "e2e"} {
		if !strings.Contains(page, want) {
			t.Errorf("the web page lacks %q:\n%s", want, page)
		}
	}
	res, err := mgr.HandleHTTP(context.Background(), api.PluginID, &grpcplugin.HTTPRequest{Method: http.MethodGet, Path: "/history", RawQuery: "id=" + id, Header: http.Header{}})
	if err != nil || res.Status != http.StatusOK || !strings.Contains(string(res.Body), `class="result-ok"`) {
		t.Errorf("history page: %v, %+v", err, res)
	}
	raw, err := mgr.Invoke(context.Background(), "host", api.ActionGet, json.RawMessage(`{"id":"`+id+`"}`), nil)
	var g api.GetResult
	if err == nil {
		err = json.Unmarshal(raw, &g)
	}
	if err != nil || len(g.History) != 1 || g.History[0].Result != api.ResultOK || !g.Task.Next.IsZero() || g.Task.CreatedBy != "olga" {
		t.Errorf("task after the restart: %v, %+v", err, g)
	}
	entries, err := st.Audit(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Plugin == api.PluginID {
			seen[e.Action+" "+e.Result] = true
		}
		if e.Plugin == "containers" && e.Action == "container.restart" && e.Target == ctr.Name {
			seen["container.restart"] = true
		}
	}
	for _, want := range []string{"scheduler.create ok", "scheduler.run ok", "container.restart"} {
		if !seen[want] {
			t.Errorf("audit log lacks %q: %v", want, seen)
		}
	}
}

// answer fires in and returns its visible answer.
func answer(t *testing.T, srv *fakediscord.Server, in fakediscord.Interaction) string {
	t.Helper()
	h, err := srv.Fire(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t, 60*time.Second)
	r, err := h.WaitResponse(ctx)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	if r.Type != fakediscord.CallbackDeferredChannelMessage {
		return r.Message.Content
	}
	m, err := h.WaitOriginal(ctx, func(m *discordgo.Message) bool { return m.Flags&discordgo.MessageFlagsLoading == 0 })
	if err != nil {
		t.Fatalf("deferred answer: %v", err)
	}
	return m.Content
}

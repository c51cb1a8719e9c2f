package containers_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

func TestManifest(t *testing.T) {
	h := sdktest.New(t, containers.New(), sdktest.Config{SkipStart: true})
	m := h.Manifest
	if m.ID != "containers" || m.Version != "0.1.0" || m.ComponentPrefix != "containers" || !slices.Equal(m.Capabilities, []string{"docker"}) {
		t.Errorf("manifest = %+v, want id containers 0.1.0, prefix containers, capability docker", m.Info)
	}
	want := []string{"containers.list", "containers.inspect", "containers.start", "containers.stop", "containers.restart",
		"containers.logs", "containers.stats", "containers.restart_all", "containers.stop_all", "containers.protected_info"}
	if !slices.Equal(m.Provides, want) {
		t.Errorf("Provides = %v, want %v", m.Provides, want)
	}
	if !strings.Contains(m.SettingsSchema, `"endpoints"`) || !strings.Contains(m.SettingsSchema, `"label_filter"`) {
		t.Errorf("SettingsSchema misses endpoints or label_filter")
	}
	levels := map[string]sdk.Level{}
	for _, c := range m.Commands {
		levels[c.Name] = c.Level
		for _, o := range c.Options {
			if o.Type == sdk.OptionSubcommand {
				levels[c.Name+" "+o.Name] = o.Level
				if o.DescriptionLocalizations["de"] == "" || o.DescriptionLocalizations["fr"] == "" {
					t.Errorf("/%s %s lacks de/fr descriptions", c.Name, o.Name)
				}
			}
		}
	}
	for cmd, lvl := range map[string]sdk.Level{
		"container start": sdk.LevelControl, "container stop": sdk.LevelControl, "container restart": sdk.LevelControl,
		"container logs": sdk.LevelView, "container info": sdk.LevelView, "info": sdk.LevelView,
	} {
		if levels[cmd] != lvl {
			t.Errorf("level of /%s = %v, want %v", cmd, levels[cmd], lvl)
		}
	}
}

func TestSettingsRejected(t *testing.T) {
	tests := []struct {
		name     string
		settings string
	}{
		{name: "unknown field", settings: `{"endpoint": []}`},
		{name: "bad scheme", settings: `{"endpoints": [{"name": "x", "host": "http://x"}]}`},
		{name: "duplicate endpoint", settings: `{"endpoints": [{"name": "a", "host": "unix:///a"}, {"name": "a", "host": "unix:///b"}]}`},
		{name: "endpoint name with slash", settings: `{"endpoints": [{"name": "a/b", "host": "unix:///a"}]}`},
		{name: "tls on unix", settings: `{"endpoints": [{"name": "a", "host": "unix:///a", "tls": {"ca": "x"}}]}`},
		{name: "unknown action", settings: `{"containers": {"web": {"actions": ["delete"]}}}`},
		{name: "bad container key", settings: `{"containers": {"we b": {}}}`},
		{name: "negative timeout", settings: `{"action_timeout_seconds": -1}`},
	}
	p := containers.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Configure(context.Background(), []byte(tt.settings))
			if !errors.Is(err, sdk.ErrInvalid) {
				t.Errorf("Configure(%s) = %v, want ErrInvalid", tt.settings, err)
			}
		})
	}
	if err := p.Configure(context.Background(), []byte(`{}`)); err != nil {
		t.Errorf("Configure({}) = %v, want nil", err)
	}
}

// TestInvalidNamesMakeNoDockerCall counts requests through a socket proxy:
// a refused name must not cause one.
func TestInvalidNamesMakeNoDockerCall(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{})
	px := newProxy(t, e.Host)
	ep := endpoint(e, "local")
	ep.Host = px.Host
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{ep}})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing the container", func(l api.ListResult) bool { _, ok := find(l, c.Name); return ok })

	bad := []string{"", strings.Repeat("x", 1000), "local/" + c.Name + "/x", "../" + c.Name, c.Name + ";reboot",
		c.Name + "$(id)", c.Name + `"}`, c.Name + "\x07", c.Name + "\u202e", "ünïcode"}
	actions := []string{api.ActionStart, api.ActionStop, api.ActionRestart, api.ActionLogs, api.ActionStats, api.ActionInspect}
	before := px.Count()
	for _, name := range bad {
		for _, act := range actions {
			t.Run(act+"/"+name[:min(len(name), 12)], func(t *testing.T) {
				_, err := h.Invoke(context.Background(), act, api.Args{Container: name})
				if !isUser(err, sdk.ErrInvalid) {
					t.Errorf("Invoke(%s, %q) error = %v, want an ErrInvalid user error", act, name, err)
				}
			})
		}
		resp, err := h.Command(context.Background(), sdk.Interaction{Level: sdk.LevelControl}, "container restart",
			sdk.OptionValue{Name: "name", Type: sdk.OptionString, Value: name})
		if err != nil || !resp.Message.Ephemeral || !strings.Contains(resp.Message.Content, "container name") {
			t.Errorf("/container restart name:%q = %+v, %v; want an ephemeral error about the name", name, resp, err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if after := px.Count(); after != before {
		t.Errorf("Docker requests during invalid names = %d, want 0", after-before)
	}
	if r := px.Refused(); len(r) > 0 {
		t.Errorf("requests outside the allowed API: %v", r)
	}
}

// TestActions runs every action through a proxy that allows only the API
// listed in the README.
func TestActions(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{LogEvery: 100 * time.Millisecond, Labels: map[string]string{"ddc.name": "Web Server", "ddc.info": "A test container"}})
	px := newProxy(t, e.Host)
	ep := endpoint(e, "local")
	ep.Host = px.Host
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{ep}})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing it running", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == "running" && !ci.StartedAt.IsZero()
	})

	t.Run("list", func(t *testing.T) {
		l, err := invoke[api.ListResult](t, h, api.ActionList, nil)
		ci, ok := find(l, c.Name)
		if err != nil || !ok || ci.DisplayName != "Web Server" || ci.Container != c.Name || ci.Endpoint != "local" || !strings.HasPrefix(ci.Image, dockertest.ImageRepo) || !ci.Reachable {
			t.Fatalf("list = %+v, %v; want %s shown as Web Server from local", l, err, c.Name)
		}
	})
	t.Run("inspect", func(t *testing.T) {
		ci, err := invoke[api.ContainerInfo](t, h, api.ActionInspect, api.Args{Container: "local/" + c.Name})
		if err != nil || ci.ID != c.ID || ci.State != "running" || ci.Info != "A test container" || ci.Created.IsZero() {
			t.Fatalf("inspect = %+v, %v", ci, err)
		}
	})
	t.Run("logs", func(t *testing.T) {
		time.Sleep(300 * time.Millisecond)
		lr, err := invoke[api.LogsResult](t, h, api.ActionLogs, api.Args{Container: c.Name, Lines: 2})
		if err != nil || len(lr.Lines) != 2 || !strings.Contains(lr.Lines[1], "testctr tick") {
			t.Fatalf("logs = %+v, %v; want 2 tick lines", lr, err)
		}
		if _, err := time.Parse(time.RFC3339Nano, strings.Fields(lr.Lines[0])[0]); err != nil {
			t.Errorf("log line %q has no timestamp: %v", lr.Lines[0], err)
		}
		if _, err := h.Invoke(context.Background(), api.ActionLogs, api.Args{Container: c.Name, Lines: 501}); !isUser(err, sdk.ErrInvalid) {
			t.Errorf("logs lines=501 error = %v, want ErrInvalid", err)
		}
	})
	t.Run("stats", func(t *testing.T) {
		st, err := invoke[api.StatsResult](t, h, api.ActionStats, api.Args{Container: c.Name})
		if err != nil || !st.Running || st.MemoryBytes == 0 || st.CPUPercent < 0 {
			t.Fatalf("stats = %+v, %v; want a running sample with memory", st, err)
		}
	})

	tests := []struct {
		action    string
		wantState api.State
		wantMsg   string
	}{
		{action: api.ActionStop, wantState: api.StateExited, wantMsg: "stopped in"},
		{action: api.ActionStop, wantState: api.StateExited, wantMsg: "already stopped"},
		{action: api.ActionStart, wantState: api.StateRunning, wantMsg: "started in"},
		{action: api.ActionStart, wantState: api.StateRunning, wantMsg: "already running"},
		{action: api.ActionRestart, wantState: api.StateRunning, wantMsg: "restarted in"},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.wantMsg, func(t *testing.T) {
			audits := len(h.Host.Audits())
			from := len(h.Host.Published())
			raw, err := invokeAs(h, sdk.LevelControl, tt.action, api.Args{Container: c.Name, TimeoutSeconds: 5})
			if err != nil {
				t.Fatalf("Invoke(%s) error = %v", tt.action, err)
			}
			res := decode[api.ActionResult](t, raw)
			if !res.OK || res.State != tt.wantState || !strings.Contains(res.Detail, tt.wantMsg) {
				t.Fatalf("Invoke(%s) = %+v, want ok, state %s, detail with %q", tt.action, res, tt.wantState, tt.wantMsg)
			}
			if state := e.Inspect(t, c).State.Status; api.State(state) != tt.wantState {
				t.Errorf("docker says %s after %s, want %s", state, tt.action, tt.wantState)
			}
			a := h.Host.Audits()
			if len(a) != audits+1 || a[len(a)-1].Action != "container."+strings.TrimPrefix(tt.action, "containers.") || a[len(a)-1].UserID != "42" || a[len(a)-1].Target != c.Name {
				t.Errorf("audits = %+v, want one more for %s by user 42", a[audits:], tt.action)
			}
			if res.Changed {
				waitEvent(t, h, from, time.Second, "with state "+string(tt.wantState), func(se api.StateEvent) bool {
					return se.ID == c.ID && se.State == tt.wantState && se.Endpoint == "local" && se.Name == c.Name
				})
			}
		})
	}

	t.Run("view level may not act", func(t *testing.T) {
		_, err := invokeAs(h, sdk.LevelView, api.ActionStop, api.Args{Container: c.Name})
		if !isUser(err, sdk.ErrPermission) {
			t.Errorf("Invoke(stop) at view level error = %v, want ErrPermission", err)
		}
	})
	t.Run("commands", func(t *testing.T) {
		ctx := context.Background()
		opt := sdk.OptionValue{Name: "name", Type: sdk.OptionString, Value: c.Name}
		resp, err := h.Command(ctx, sdk.Interaction{Level: sdk.LevelControl}, "container stop", opt)
		if err != nil || len(resp.Message.Embeds) != 1 || !strings.Contains(resp.Message.Embeds[0].Title, "stopped") {
			t.Fatalf("/container stop = %+v, %v", resp, err)
		}
		resp, err = h.Command(ctx, sdk.Interaction{Level: sdk.LevelControl}, "container start", opt)
		if err != nil || len(resp.Message.Embeds) != 1 || !strings.Contains(resp.Message.Embeds[0].Title, "started") {
			t.Fatalf("/container start = %+v, %v", resp, err)
		}
		resp, err = h.Command(ctx, sdk.Interaction{}, "container list")
		if err != nil || !strings.Contains(resp.Message.Embeds[0].Description, "🟢 **Web Server**") {
			t.Fatalf("/container list = %+v, %v", resp, err)
		}
		resp, err = h.Command(ctx, sdk.Interaction{}, "info", sdk.OptionValue{Name: "container", Type: sdk.OptionString, Value: c.Name})
		if err != nil || resp.Message.Embeds[0].Title != "🟢 Web Server" || resp.Message.Embeds[0].Description != "A test container" {
			t.Fatalf("/info = %+v, %v", resp, err)
		}
		resp, err = h.Command(ctx, sdk.Interaction{}, "container logs", opt)
		if err != nil || !strings.Contains(resp.Message.Embeds[0].Description, "testctr") || len(resp.Message.Components) != 1 {
			t.Fatalf("/container logs = %+v, %v", resp, err)
		}
		resp, err = h.Click(ctx, sdk.Interaction{}, "containers:logs:"+c.Name)
		if err != nil || !resp.Update || !strings.Contains(resp.Message.Embeds[0].Description, "testctr") {
			t.Fatalf("logs refresh = %+v, %v", resp, err)
		}
		choices, err := h.Autocomplete(ctx, sdk.Interaction{Level: sdk.LevelControl}, "container restart",
			sdk.OptionValue{Name: "name", Type: sdk.OptionString, Value: c.Name[:8], Focused: true})
		if err != nil || len(choices) != 1 || choices[0].Value != c.Name || !strings.Contains(choices[0].Name, "Web Server") {
			t.Fatalf("autocomplete = %+v, %v", choices, err)
		}
		choices, err = h.Autocomplete(ctx, sdk.Interaction{Level: sdk.LevelControl}, "container restart",
			sdk.OptionValue{Name: "name", Type: sdk.OptionString, Value: "zzz-nothing", Focused: true})
		if err != nil || len(choices) != 0 {
			t.Fatalf("autocomplete of zzz = %+v, %v; want none", choices, err)
		}
	})
	if r := px.Refused(); len(r) > 0 {
		t.Errorf("requests outside the API listed in README.md: %v", r)
	}
}

func decode[T any](t testing.TB, raw []byte) T {
	t.Helper()
	var v T
	if err := jsonUnmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

func TestExternalStopIsPublishedWithin1s(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{})
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing it running", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == "running"
	})
	from := len(h.Host.Published())
	t0 := time.Now()
	if err := e.Stop(context.Background(), c, 0); err != nil {
		t.Fatalf("docker stop: %v", err)
	}
	seen := waitEvent(t, h, from, time.Second, "exited", func(se api.StateEvent) bool {
		return se.ID == c.ID && se.State == "exited" && se.Reachable
	})
	t.Logf("docker stop → container.state exited in %v", seen.Sub(t0))
}

var exitedAgain = regexp.MustCompile(`exited again with code 1 after [0-9]+(\.[0-9])? s`)

func TestExitRightAfterStartIsAFailure(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Create(t, dockertest.Options{ExitAfter: 200 * time.Millisecond, ExitCode: 1})
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing it", func(l api.ListResult) bool { _, ok := find(l, c.Name); return ok })
	for _, act := range []string{api.ActionStart, api.ActionRestart} {
		t.Run(act, func(t *testing.T) {
			_, err := invokeAs(h, sdk.LevelControl, act, api.Args{Container: c.Name})
			msg, _ := sdk.UserMessage(err)
			// The container exits 0.2 s after it starts; on a loaded
			// machine Docker reports it later, so any duration is right.
			if !exitedAgain.MatchString(msg) {
				t.Fatalf("Invoke(%s) error = %v, want it to match %q", act, err, exitedAgain)
			}
			a := h.Host.Audits()
			if last := a[len(a)-1]; last.Result != "failed" || !strings.Contains(last.Detail, "code 1") {
				t.Errorf("last audit = %+v, want failed with code 1", last)
			}
		})
	}
}

func TestPermissions(t *testing.T) {
	e := dockertest.Connect(t)
	limited := e.Run(t, dockertest.Options{Name: "ddc-perm-limited", Labels: map[string]string{"ddc.actions": "start,logs"}})
	prot := e.Run(t, dockertest.Options{Name: "ddc-perm-prot"})
	hidden := e.Run(t, dockertest.Options{Name: "ddc-perm-hidden", Labels: map[string]string{"ddc.enable": "false"}})
	overridden := e.Run(t, dockertest.Options{Name: "ddc-perm-over", Labels: map[string]string{"ddc.actions": "logs", "ddc.name": "Label Name"}})
	labelProt := e.Run(t, dockertest.Options{Name: "ddc-perm-lprot", Labels: map[string]string{"ddc.protected": "true"}})
	settings := containers.Settings{
		Endpoints: []containers.EndpointSettings{endpoint(e, "local")},
		Protected: []string{prot.Name},
		Containers: map[string]containers.ContainerSettings{
			overridden.Name: {Actions: []api.Op{api.OpRestart}, DisplayName: "Settings Name"},
		},
	}
	h := start(t, settings)
	waitHealthy(t, h, 10*time.Second)
	l := waitList(t, h, 5*time.Second, "showing all", func(l api.ListResult) bool { return len(l.Containers) >= 4 })
	if _, ok := find(l, hidden.Name); ok {
		t.Errorf("list shows %s despite ddc.enable=false", hidden.Name)
	}
	if ci, _ := find(l, overridden.Name); ci.DisplayName != "Settings Name" || !slices.Equal(ci.Actions, []api.Op{api.OpRestart}) {
		t.Errorf("%s = %+v, want settings to win over labels", overridden.Name, ci)
	}
	tests := []struct {
		name      string
		action    string
		container string
		want      error
		wantMsg   string
	}{
		{name: "action not allowed", action: api.ActionStop, container: limited.Name, want: sdk.ErrPermission, wantMsg: "stop is not allowed"},
		{name: "protected stop", action: api.ActionStop, container: prot.Name, want: sdk.ErrPermission, wantMsg: "protected"},
		{name: "protected restart", action: api.ActionRestart, container: prot.Name, want: sdk.ErrPermission, wantMsg: "protected"},
		{name: "label protected", action: api.ActionStop, container: labelProt.Name, want: sdk.ErrPermission, wantMsg: "protected"},
		{name: "hidden", action: api.ActionRestart, container: hidden.Name, want: sdk.ErrNotFound, wantMsg: "no such container"},
		{name: "settings win over labels", action: api.ActionLogs, container: overridden.Name, want: sdk.ErrPermission, wantMsg: "logs are not allowed"},
		{name: "no such container", action: api.ActionStart, container: "does-not-exist", want: sdk.ErrNotFound, wantMsg: "no such container"},
		{name: "no such endpoint", action: api.ActionStart, container: "other/" + limited.Name, want: sdk.ErrNotFound, wantMsg: "no Docker endpoint named"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := invokeAs(h, sdk.LevelAdmin, tt.action, api.Args{Container: tt.container})
			msg, _ := sdk.UserMessage(err)
			if !isUser(err, tt.want) || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("Invoke(%s, %s) error = %v, want %v with %q", tt.action, tt.container, err, tt.want, tt.wantMsg)
			}
		})
	}
	if st := e.Inspect(t, prot).State.Status; st != "running" {
		t.Errorf("protected container is %s, want running", st)
	}
	res, err := invoke[api.BulkResult](t, h, api.ActionStopAll, api.Args{TimeoutSeconds: 1})
	if err != nil {
		t.Fatalf("stop_all error = %v", err)
	}
	byName := map[string]api.ActionResult{}
	for _, r := range res.Results {
		byName[r.Container] = r
	}
	if r := byName[prot.Name]; r.Skipped != "protected" {
		t.Errorf("stop_all on protected = %+v, want skipped", r)
	}
	if r := byName[limited.Name]; r.Skipped != "stop not allowed" {
		t.Errorf("stop_all on limited = %+v, want skipped", r)
	}
	if _, ok := byName[hidden.Name]; ok {
		t.Errorf("stop_all touched hidden container")
	}
	if st := e.Inspect(t, prot).State.Status; st != "running" {
		t.Errorf("protected container is %s after stop_all, want running", st)
	}
	if st := e.Inspect(t, hidden).State.Status; st != "running" {
		t.Errorf("hidden container is %s after stop_all, want running", st)
	}
}

// TestBulkOrderAndGap checks that restart_all restarts in configured order,
// one after the other: each restart request comes at least 0.5 s after the
// previous restart finished (its start check included), as the socket
// proxy sees them.
func TestBulkOrderAndGap(t *testing.T) {
	e := dockertest.Connect(t)
	a := e.Create(t, dockertest.Options{Name: "ddc-bulk-a"})
	b := e.Create(t, dockertest.Options{Name: "ddc-bulk-b"})
	px := newProxy(t, e.Host)
	ep := endpoint(e, "local")
	ep.Host = px.Host
	one, two := 1, 2
	h := start(t, containers.Settings{
		Endpoints:  []containers.EndpointSettings{ep},
		Containers: map[string]containers.ContainerSettings{a.Name: {Order: &two}, b.Name: {Order: &one}},
	})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing both", func(l api.ListResult) bool { return len(l.Containers) == 2 })
	t0 := time.Now()
	res, err := invoke[api.BulkResult](t, h, api.ActionRestartAll, nil)
	if err != nil || len(res.Results) != 2 || res.Results[0].Container != b.Name || !res.Results[0].OK || !res.Results[1].OK {
		t.Fatalf("restart_all = %+v, %v; want b then a, both ok", res, err)
	}
	var restarts []request
	for _, r := range px.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/restart") && r.At.After(t0) {
			restarts = append(restarts, r)
		}
	}
	if len(restarts) != 2 || !strings.Contains(restarts[0].Path, b.ID) || !strings.Contains(restarts[1].Path, a.ID) {
		t.Fatalf("restart requests = %+v, want b's then a's", restarts)
	}
	// The plugin sends b's request some time d after t0 and a's at least
	// 0.5 s after it sent b's, so the proxy sees them at least 0.5 s - d
	// apart; d is at most the time until b's request arrived.
	gap, d := restarts[1].At.Sub(restarts[0].At), restarts[0].At.Sub(t0)
	if gap < 500*time.Millisecond-d {
		t.Errorf("a's restart request came %v after b's (b's came %v after the call), want at least 0.5 s after", gap, d)
	}
	// b's restart took DurationMS from before its request to its start
	// check's end; a's request came after that.
	if took := time.Duration(res.Results[0].DurationMS) * time.Millisecond; gap < took-d {
		t.Errorf("a's restart request came %v after b's, before b's restart had finished (it took %v)", gap, took)
	}
	t.Logf("restart requests %v apart", gap)
}

func TestBusy(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{StopDelay: 2 * time.Second})
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing it running", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == "running"
	})
	var wg sync.WaitGroup
	var first error
	wg.Go(func() {
		_, first = h.Invoke(context.Background(), api.ActionStop, api.Args{Container: c.Name})
	})
	time.Sleep(300 * time.Millisecond)
	_, err := h.Invoke(context.Background(), api.ActionRestart, api.Args{Container: c.Name})
	msg, _ := sdk.UserMessage(err)
	if !isUser(err, sdk.ErrBusy) || !strings.Contains(msg, "stop is still in progress") {
		t.Errorf("second action error = %v, want ErrBusy naming the stop", err)
	}
	wg.Wait()
	if first != nil {
		t.Errorf("first stop error = %v", first)
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{{Name: "gone", Host: "unix:///nonexistent/docker.sock"}}})
	deadline := time.Now().Add(5 * time.Second)
	for {
		hl, err := h.Client.CheckHealth(context.Background())
		if err == nil && hl.Degraded && strings.Contains(hl.Message, "gone") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CheckHealth = %+v, %v; want degraded naming endpoint gone", hl, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, err := h.Invoke(context.Background(), api.ActionStart, api.Args{Container: "web"})
	msg, _ := sdk.UserMessage(err)
	if !isUser(err, sdk.ErrUnavailable) || !strings.Contains(msg, "endpoint gone is unreachable") {
		t.Errorf("start on unreachable endpoint error = %v, want ErrUnavailable naming it", err)
	}
	l, err := invoke[api.ListResult](t, h, api.ActionList, nil)
	if err != nil || !slices.Equal(l.Unreachable, []string{"gone"}) {
		t.Errorf("list = %+v, %v; want endpoint gone unreachable", l, err)
	}
}

// TestTwoDaemons uses the local daemon and the second one at once.
func TestTwoDaemons(t *testing.T) {
	e1 := dockertest.Connect(t)
	e2 := dockertest.Second(t)
	c1 := e1.Run(t, dockertest.Options{Name: "ddc-two"})
	c2 := e2.Run(t, dockertest.Options{Name: "ddc-two"})
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e1, "local"), endpoint(e2, "second")}})
	waitHealthy(t, h, 10*time.Second)
	l := waitList(t, h, 5*time.Second, "showing both", func(l api.ListResult) bool { return len(l.Containers) == 2 })
	refs := []string{l.Containers[0].Container, l.Containers[1].Container}
	slices.Sort(refs)
	if want := []string{"local/" + c1.Name, "second/" + c2.Name}; !slices.Equal(refs, want) {
		t.Fatalf("refs = %v, want %v", refs, want)
	}
	res, err := invoke[api.ActionResult](t, h, api.ActionRestart, api.Args{Container: "second/" + c2.Name})
	if err != nil || !res.OK {
		t.Fatalf("restart second/%s = %+v, %v", c2.Name, res, err)
	}
	if r := e2.Inspect(t, c2).RestartCount; r != 0 {
		t.Logf("restart count %d", r)
	}
	ci, err := invoke[api.ContainerInfo](t, h, api.ActionInspect, api.Args{Container: c1.Name})
	if err != nil || ci.Endpoint != "local" {
		t.Errorf("inspect by unique name %s = %+v, %v; want found on local", c1.Name, ci, err)
	}
}

func TestReconfigure(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{})
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{{Name: "gone", Host: "unix:///nonexistent/docker.sock"}}})
	if err := h.Client.Configure(context.Background(), mustJSON(t, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}})); err != nil {
		t.Fatalf("Configure again: %v", err)
	}
	waitHealthy(t, h, 5*time.Second)
	waitList(t, h, 5*time.Second, "showing the container", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.Endpoint == "local" && len(l.Unreachable) == 0
	})
	active := false
	if err := h.Client.Configure(context.Background(), mustJSON(t, containers.Settings{
		Endpoints:  []containers.EndpointSettings{endpoint(e, "local")},
		Containers: map[string]containers.ContainerSettings{"local/" + c.Name: {Active: &active}},
	})); err != nil {
		t.Fatalf("Configure again: %v", err)
	}
	waitList(t, h, time.Second, "hiding the container", func(l api.ListResult) bool { _, ok := find(l, c.Name); return !ok })
}

// TestRemovedContainerIsMissingNotForgotten removes a container that has
// settings: the list reports it as missing (inactive), its settings stay,
// and a new container of the same name gets them again.
func TestRemovedContainerIsMissingNotForgotten(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{})
	settings := containers.Settings{
		Endpoints:  []containers.EndpointSettings{endpoint(e, "local")},
		Containers: map[string]containers.ContainerSettings{c.Name: {DisplayName: "Game Server"}},
	}
	h := start(t, settings)
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing it as Game Server", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.DisplayName == "Game Server" && len(l.Missing) == 0
	})

	ctx := context.Background()
	if err := e.Remove(ctx, c); err != nil {
		t.Fatalf("remove %s: %v", c.Name, err)
	}
	waitList(t, h, 5*time.Second, "reporting it missing", func(l api.ListResult) bool {
		_, listed := find(l, c.Name)
		return !listed && slices.Equal(l.Missing, []string{c.Name})
	})

	again := e.Create(t, dockertest.Options{ExactName: c.Name})
	waitList(t, h, 5*time.Second, "showing the new one with the kept settings", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.ID == again.ID && ci.DisplayName == "Game Server" && len(l.Missing) == 0
	})
}

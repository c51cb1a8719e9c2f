package containers_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// TestAPIHelpers calls every action through the api package's typed
// helpers, as another plugin does through sdk.Host.Invoke.
func TestAPIHelpers(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{Name: "ddc-api-a", LogEvery: 100 * time.Millisecond, Labels: map[string]string{"ddc.info": "hello"}})
	c2 := e.Run(t, dockertest.Options{Name: "ddc-api-b"})
	zero := 0.0
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}, StartCheckSeconds: &zero})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing both running", func(l api.ListResult) bool {
		a, okA := find(l, c.Name)
		b, okB := find(l, c2.Name)
		return okA && okB && a.State == api.StateRunning && b.State == api.StateRunning
	})
	ctx := context.Background()
	iv := invoker{h}

	l, err := api.List(ctx, iv)
	ci, ok := find(l, c.Name)
	if err != nil || !ok || !ci.HasInfo || ci.HasProtectedInfo || !ci.ShowStats || !ci.Allows(api.OpRestart) || l.Run == "" ||
		len(l.Endpoints) != 1 || !l.Endpoints[0].Reachable || l.Endpoints[0].Since.IsZero() {
		t.Fatalf("api.List = %+v, %v; want %s with info, stats, restart allowed, and local reachable", l, err, c.Name)
	}
	if ci, err := api.Inspect(ctx, iv, c.Name); err != nil || ci.Info != "hello" || ci.ID != c.ID {
		t.Errorf("api.Inspect = %+v, %v; want info hello", ci, err)
	}
	steps := []struct {
		name string
		call func() (api.ActionResult, error)
		want api.State
	}{
		{"Stop", func() (api.ActionResult, error) { return api.Stop(ctx, iv, c.Name, api.StopTimeout(2*time.Second)) }, api.StateExited},
		{"Do start", func() (api.ActionResult, error) { return api.Do(ctx, iv, api.OpStart, c.Name) }, api.StateRunning},
		{"Restart", func() (api.ActionResult, error) { return api.Restart(ctx, iv, c.Name) }, api.StateRunning},
		{"Start running", func() (api.ActionResult, error) { return api.Start(ctx, iv, c.Name) }, api.StateRunning},
	}
	for _, s := range steps {
		res, err := s.call()
		if err != nil || !res.OK || res.State != s.want || res.Container != c.Name {
			t.Fatalf("api.%s = %+v, %v; want ok and %s", s.name, res, err, s.want)
		}
	}
	if _, err := api.Do(ctx, iv, api.OpLogs, c.Name); err == nil {
		t.Errorf("api.Do(logs) = nil error, want a refusal")
	}
	if lr, err := api.Logs(ctx, iv, c.Name, 3); err != nil || len(lr.Lines) == 0 || len(lr.Lines) > 3 {
		t.Errorf("api.Logs(3) = %+v, %v; want 1-3 lines", lr, err)
	}
	if st, err := api.Stats(ctx, iv, c.Name); err != nil || !st.Running || st.MemoryBytes == 0 {
		t.Errorf("api.Stats = %+v, %v; want a running sample", st, err)
	}
	if _, err := api.Restart(ctx, iv, "no-such-container"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("api.Restart(no-such-container) error = %v, want ErrNotFound", err)
	}

	t.Run("bulk progress", func(t *testing.T) {
		if _, err := api.RestartAll(ctx, iv, api.WithTag(strings.Repeat("x", api.MaxTagLen+1))); !errors.Is(err, sdk.ErrInvalid) {
			t.Errorf("RestartAll with a long tag error = %v, want ErrInvalid", err)
		}
		from := len(h.Host.Published())
		br, err := api.RestartAll(ctx, iv, api.WithTag("run-1"))
		if err != nil || len(br.Results) != 2 || !br.Results[0].OK || !br.Results[1].OK {
			t.Fatalf("api.RestartAll = %+v, %v; want both restarted", br, err)
		}
		var dones []int
		for _, ev := range events(h, from) {
			if ev.Topic != api.TopicBulk {
				continue
			}
			be, err := api.DecodeBulk(ev.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if be.Tag != "run-1" || be.Op != api.OpRestart || be.Total != 2 || !cmp.Equal(be.Result, br.Results[be.Index]) {
				t.Errorf("bulk event %+v does not match the result %+v", be, br.Results)
			}
			dones = append(dones, be.Done)
		}
		if !slices.Equal(dones, []int{1, 2}) {
			t.Errorf("bulk events Done = %v, want [1 2]", dones)
		}
	})
}

// TestTrackerFollowsThePlugin keeps an api.Tracker with every event the
// plugin published, as a status panel would, and checks that it always
// matches a fresh list: after an outside stop, a removal and a settings
// change (which makes it list again).
func TestTrackerFollowsThePlugin(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{Name: "ddc-track-a"})
	c2 := e.Run(t, dockertest.Options{Name: "ddc-track-b"})
	settings := containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}}
	h := start(t, settings)
	waitHealthy(t, h, 10*time.Second)
	ctx := context.Background()
	f := newFollower(t, h)
	state := func(name string) api.State { ci, _ := named(&f.tr, name); return ci.State }
	f.waitFor("showing both running", 10*time.Second, func(tr *api.Tracker) bool {
		return state(c.Name) == api.StateRunning && state(c2.Name) == api.StateRunning
	})

	if err := e.Stop(ctx, c, 0); err != nil {
		t.Fatal(err)
	}
	f.waitFor("showing the stop", 10*time.Second, func(tr *api.Tracker) bool { return state(c.Name) == api.StateExited })

	if err := e.Remove(ctx, c2); err != nil {
		t.Fatal(err)
	}
	f.waitFor("without the removed one", 10*time.Second, func(tr *api.Tracker) bool { _, ok := named(tr, c2.Name); return !ok })

	seq := f.tr.Stamp().Seq
	settings.Containers = map[string]containers.ContainerSettings{c.Name: {DisplayName: "Renamed"}}
	if err := h.Client.Configure(ctx, mustJSON(t, settings)); err != nil {
		t.Fatal(err)
	}
	f.waitFor("showing the new name", 10*time.Second, func(tr *api.Tracker) bool {
		ci, _ := named(tr, c.Name)
		return ci.DisplayName == "Renamed"
	})
	if f.tr.Stamp().Seq <= seq {
		t.Errorf("tracker stamp %+v, want past %d after the settings event", f.tr.Stamp(), seq)
	}

	// Every event of the run is numbered 1, 2, 3... in publishing order.
	for i, ev := range events(h, 0) {
		st, err := api.DecodeSettings(ev.Payload) // every payload has the stamp
		if err != nil || st.Seq != uint64(i+1) || st.Run != f.tr.Stamp().Run {
			t.Fatalf("event %d (%s) has stamp %+v, %v; want seq %d of run %s", i, ev.Topic, st.Stamp, err, i+1, f.tr.Stamp().Run)
		}
	}
}

// sdk.Host is what plugins pass to the helpers.
var _ api.Invoker = (sdk.Host)(nil)

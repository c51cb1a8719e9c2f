package containers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// TestCallerLevel: without a user, control actions go by the level the
// host grants the calling plugin. A plugin without a grant (view) is
// refused stop_all, stop and restart with a message naming the config key
// that grants it, and nothing is touched; an interaction without a level
// counts as view, not as "anything goes"; a plugin granted control may.
func TestCallerLevel(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{StopTimeout: time.Second})
	h := start(t, containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "the container listed", func(l api.ListResult) bool { _, ok := find(l, c.Name); return ok })
	ctx := context.Background()
	ungranted := invoker{h: h, level: sdk.LevelView}
	refusals := []struct {
		name string
		call func() error
	}{
		{"stop_all", func() error { _, err := api.StopAll(ctx, ungranted); return err }},
		{"restart_all", func() error { _, err := api.RestartAll(ctx, ungranted); return err }},
		{"stop", func() error { _, err := api.Stop(ctx, ungranted, c.Name); return err }},
		{"restart", func() error { _, err := api.Restart(ctx, ungranted, c.Name); return err }},
	}
	for _, r := range refusals {
		t.Run("ungranted "+r.name, func(t *testing.T) {
			err := r.call()
			msg, _ := sdk.UserMessage(err)
			if !isUser(err, sdk.ErrPermission) || !strings.Contains(msg, "plugins.panels.grants: [containers.control]") {
				t.Errorf("%s by a plugin without a grant = %v, want ErrPermission naming the grant", r.name, err)
			}
		})
	}
	t.Run("interaction without a level", func(t *testing.T) {
		if _, err := invokeAs(h, 0, api.ActionStop, api.Args{Container: c.Name}); !isUser(err, sdk.ErrPermission) {
			t.Errorf("stop with a level-less interaction = %v, want ErrPermission", err)
		}
	})
	if _, err := api.List(ctx, ungranted); err != nil {
		t.Errorf("list by a plugin without a grant = %v, want it allowed (view)", err)
	}
	if st := e.Inspect(t, c).State; !st.Running {
		t.Fatalf("refused calls touched the container: %+v", st)
	}
	granted := invoker{h: h, level: sdk.LevelControl}
	if res, err := api.Stop(ctx, granted, c.Name, api.StopTimeout(time.Second)); err != nil || !res.OK {
		t.Errorf("stop by a plugin granted control = %+v, %v; want ok", res, err)
	}
}

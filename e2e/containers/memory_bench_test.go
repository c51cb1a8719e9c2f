// Package containers measures the bundled containers plugin as the real
// subprocess the plugin manager starts, next to a real Docker engine.
//
// It must never import another e2e package; no production package imports
// it.
package containers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/testbin"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
)

// BenchmarkIdleMemory100 runs the containers plugin as the real bundled
// subprocess (`ddc plugin containers`, started by the plugin manager) over
// 100 test containers (10 running, 90 created) and reports the plugin
// process's PSS and RSS once it has listed them and sat idle. Alone, the
// plugin shares no pages with a host process, so its PSS is close to its
// RSS; under `ddc serve` the executable's pages are shared.
func BenchmarkIdleMemory100(b *testing.B) {
	e := dockertest.Connect(b)
	for range 10 {
		e.Run(b, dockertest.Options{})
	}
	e.CreateMany(b, 90, "ddc-bench-idle")

	bin, err := testbin.Build(b.TempDir(), "ddc", "github.com/ddc-go/ddc/cmd/ddc")
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "ddc.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	settings, err := json.Marshal(containers.Settings{Endpoints: []containers.EndpointSettings{{Name: "local", Host: e.Host, LabelFilter: dockertest.LabelRun + "=" + e.RunID}}})
	if err != nil {
		b.Fatal(err)
	}
	mgr, err := pluginhost.New(pluginhost.Config{
		Bundled:  []pluginhost.Bundled{{ID: "containers", Name: "Containers", Version: "1.0.0", Path: bin, Args: []string{"plugin", "containers"}}},
		Store:    st,
		Settings: func(string) (bool, json.RawMessage) { return true, settings },
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	mgr.Start(ctx)
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		mgr.Stop(stopCtx)
	}()
	deadline := time.Now().Add(30 * time.Second)
	var listed int
	for {
		s, _ := mgr.Status("containers")
		if s.State == pluginhost.StateRunning {
			raw, err := mgr.Invoke(ctx, "host", api.ActionList, nil, nil)
			var l api.ListResult
			if err == nil && json.Unmarshal(raw, &l) == nil {
				listed = len(l.Containers)
				if listed == 100 {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("containers plugin did not list 100 containers within 30 s: state %s, listed %d", s.State, listed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Idle past the first memory trim (5 s after start) and the first
	// health check (10 s), which faults some pages back: the steady state.
	time.Sleep(12 * time.Second)
	s, _ := mgr.Status("containers")
	var u procmem.Usage
	for b.Loop() {
		if u, err = procmem.Read(s.PID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(procmem.MB(u.PSS), "plugin-pss-MB")
	b.ReportMetric(procmem.MB(u.RSS), "plugin-rss-MB")
}

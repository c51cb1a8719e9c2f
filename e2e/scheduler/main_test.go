// Package scheduler tests the bundled scheduler plugin end to end: the
// host (host.Serve) with the containers and scheduler plugins as real
// subprocesses of the built ddc binary, a real Docker engine and the fake
// Discord; and measures the scheduler as the real subprocess the plugin
// manager starts.
package scheduler

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/testbin"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
)

// ddcBin is the ddc binary TestMain builds once.
var ddcBin string

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(testbin.RunWithDDC(m, "ddc-scheduler-e2e-", &ddcBin))
}

// Ids of the fake guild.
const (
	guildID    = "930000000000000001"
	controlCh  = "930000000000000002"
	operatorRl = "930000000000000004"
	operator   = "930000000000000005"
)

// bundled returns the bundled plugins of the built binary by id.
func bundled(ids ...string) []pluginhost.Bundled {
	var out []pluginhost.Bundled
	for _, id := range ids {
		out = append(out, pluginhost.Bundled{ID: id, Name: id, Version: "test", Path: ddcBin, Args: []string{"plugin", id}})
	}
	return out
}

// running is a host.Serve in a test.
type running struct {
	srv  *fakediscord.Server
	data string
	stop func() // stops the host and waits for it
}

// serve runs the host with the containers and scheduler plugins against a
// new fake Discord, on data, until stop or the end of the test.
func serve(t *testing.T, data string, containers, scheduler map[string]any) *running {
	t.Helper()
	srv := fakediscord.New(fakediscord.Config{
		HeartbeatInterval: time.Second,
		Users:             []fakediscord.User{{ID: operator, Username: "olga"}},
		Guilds: []fakediscord.Guild{{
			ID: guildID, Name: "lab",
			Channels: []fakediscord.Channel{{ID: controlCh, Name: "control"}},
			Roles:    []fakediscord.Role{{ID: operatorRl, Name: "operators"}},
			Members:  []fakediscord.Member{{UserID: operator, Roles: []string{operatorRl}}},
		}},
	})
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := map[string]any{
		"web": map[string]any{"listen": addr},
		"discord": map[string]any{
			"api_url": srv.URL(), "guild_ids": []string{guildID}, "control_channels": []string{controlCh},
			"operator_roles": []string{operatorRl}, "command_cooldown": "0s", "button_cooldown": "0s", "per_minute_cap": 0,
		},
		"log": map[string]any{"level": "debug"},
		"plugins": map[string]any{
			"containers": map[string]any{"settings": containers},
			"scheduler":  map[string]any{"settings": scheduler},
			"echo":       map[string]any{"enabled": false},
		},
	}
	raw, _ := json.Marshal(cfg) // JSON is YAML
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- host.Serve(ctx, host.Options{
			DataDir: data, Env: []string{"DISCORD_BOT_TOKEN=" + srv.Token()}, Version: "test",
			Bundled: bundled("containers", "scheduler"),
			Grants:  map[string][]string{"scheduler": {"containers.control"}}, // as cmd/ddc grants it
			Logger:  slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("Serve did not return")
		}
	}
	t.Cleanup(stop)
	wait.For(t, 60*time.Second, "/task registered", func() bool {
		for _, c := range srv.Commands(guildID) {
			if c.Name == "task" {
				return true
			}
		}
		return false
	})
	return &running{srv: srv, data: data, stop: stop}
}

// manager runs only the scheduler plugin, as the real subprocess, on the
// store in data.
func manager(tb testing.TB, data string, logs io.Writer) (*pluginhost.Manager, *store.Store) {
	tb.Helper()
	st, err := store.Open(filepath.Join(data, "ddc.db"))
	if err != nil {
		tb.Fatal(err)
	}
	mgr, err := pluginhost.New(pluginhost.Config{
		Bundled:  bundled(api.PluginID),
		Store:    st,
		Settings: func(string) (bool, json.RawMessage) { return true, json.RawMessage(`{}`) },
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	mgr.Start(context.Background())
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		mgr.Stop(ctx)
		st.Close()
	})
	return mgr, st
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }() // a line after the test ended
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

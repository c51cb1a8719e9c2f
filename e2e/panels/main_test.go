// Package panels tests the bundled status panels plugin end to end: the
// host (host.Serve) with the containers and panels plugins as real
// subprocesses of the built ddc binary, a real Docker engine and the fake
// Discord, which refuses any message over Discord's limits.
//
// It must never import another e2e package; no production package imports
// it.
package panels

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/testbin"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// ddcBin is the ddc binary TestMain builds once.
var ddcBin string

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(testbin.RunWithDDC(m, "ddc-panels-e2e-", &ddcBin))
}

// Ids of the fake guild.
const (
	guildID    = "940000000000000001"
	controlCh  = "940000000000000002"
	statusCh   = "940000000000000003"
	operatorRl = "940000000000000004"
	operator   = "940000000000000005"
	viewer     = "940000000000000006"
)

// newFake returns a fake Discord with a status and a control channel, an
// operator and a viewer.
func newFake(t testing.TB, tweak ...func(*fakediscord.Config)) *fakediscord.Server {
	cfg := fakediscord.Config{
		HeartbeatInterval: time.Second,
		Users:             []fakediscord.User{{ID: operator, Username: "olga"}, {ID: viewer, Username: "vic"}},
		Guilds: []fakediscord.Guild{{
			ID: guildID, Name: "lab",
			Channels: []fakediscord.Channel{{ID: controlCh, Name: "control"}, {ID: statusCh, Name: "status"}},
			Roles:    []fakediscord.Role{{ID: operatorRl, Name: "operators"}},
			Members:  []fakediscord.Member{{UserID: operator, Roles: []string{operatorRl}}, {UserID: viewer}},
		}},
	}
	for _, f := range tweak {
		f(&cfg)
	}
	srv := fakediscord.New(cfg)
	t.Cleanup(srv.Close)
	return srv
}

// bundled returns the bundled plugins of the built binary by id.
func bundled(ids ...string) []pluginhost.Bundled {
	var out []pluginhost.Bundled
	for _, id := range ids {
		out = append(out, pluginhost.Bundled{ID: id, Name: id, Version: "test", Path: ddcBin, Args: []string{"plugin", id}})
	}
	return out
}

// containersOn are the containers plugin's settings for the test
// containers of eng only.
func containersOn(eng *dockertest.Engine, extra map[string]any) map[string]any {
	s := map[string]any{
		"endpoints": []map[string]any{{"name": "local", "host": eng.Host, "label_filter": dockertest.LabelRun + "=" + eng.RunID}},
	}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// serve runs the host with the containers and panels plugins against srv
// on data until the returned stop or the end of the test.
func serve(t testing.TB, srv *fakediscord.Server, data string, containers, panels map[string]any) (stop func()) {
	t.Helper()
	return serveLogged(t, srv, data, containers, panels, nil)
}

// serveLogged is serve with the host's log (the plugins' included) also
// kept in logs, when not nil.
func serveLogged(t testing.TB, srv *fakediscord.Server, data string, containers, panels map[string]any, logs *logBuffer) (stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := map[string]any{
		"web": map[string]any{"listen": addr},
		"discord": map[string]any{
			"api_url": srv.URL(), "guild_ids": []string{guildID},
			"control_channels": []string{controlCh}, "status_channels": []string{statusCh},
			"operator_roles": []string{operatorRl}, "command_cooldown": "0s", "button_cooldown": "0s", "per_minute_cap": 0,
		},
		"log": map[string]any{"level": "debug"},
		"plugins": map[string]any{
			"containers": map[string]any{"settings": containers},
			"panels":     map[string]any{"settings": panels},
			"echo":       map[string]any{"enabled": false},
			"scheduler":  map[string]any{"enabled": false},
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
			Bundled: bundled("containers", "panels"),
			Logger:  slog.New(slog.NewTextHandler(testWriter{t, logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
	}()
	stopped := false
	stop = func() {
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
	wait.For(t, 60*time.Second, "/ss registered", func() bool {
		for _, c := range srv.Commands(guildID) {
			if c.Name == "ss" {
				return true
			}
		}
		return false
	})
	return stop
}

// testWriter writes log lines to the test's log, and to logs when not
// nil.
type testWriter struct {
	t    testing.TB
	logs *logBuffer
}

func (w testWriter) Write(p []byte) (int, error) {
	if w.logs != nil {
		w.logs.Write(p)
	}
	defer func() { _ = recover() }() // a line after the test ended
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// logBuffer keeps log lines; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write keeps p.
func (l *logBuffer) Write(p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
}

// String returns everything kept.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// fire fires in and returns its first response.
func fire(t testing.TB, srv *fakediscord.Server, in fakediscord.Interaction) (*fakediscord.InteractionHandle, fakediscord.Response) {
	t.Helper()
	h, err := srv.Fire(in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.WaitResponse(ctxT(t, 60*time.Second))
	if err != nil {
		t.Fatalf("no response to %+v: %v", in, err)
	}
	return h, r
}

// command fires /name in channel as user.
func command(t testing.TB, srv *fakediscord.Server, channel, user, name string) (*fakediscord.InteractionHandle, fakediscord.Response) {
	return fire(t, srv, fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channel, UserID: user, Command: name})
}

// botMessages returns the bot's messages in channel, oldest first.
func botMessages(srv *fakediscord.Server, channel string) []*discordgo.Message {
	var out []*discordgo.Message
	for _, m := range srv.Messages(channel) {
		if m.Author != nil && m.Author.ID == srv.BotUser().ID {
			out = append(out, m)
		}
	}
	return out
}

// overviewText is the text of the overview messages in channel.
func overviewText(srv *fakediscord.Server, channel string) string {
	var b strings.Builder
	for _, m := range botMessages(srv, channel) {
		for _, e := range m.Embeds {
			b.WriteString(e.Title + "\n" + e.Description + "\n")
		}
	}
	return b.String()
}

// lineOf returns the overview line naming name, or "".
func lineOf(text, name string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "**"+name+"**") {
			return l
		}
	}
	return ""
}

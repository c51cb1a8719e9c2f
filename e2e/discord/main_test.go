// Package discord tests the Discord side end to end: the host (host.Serve)
// with real plugin subprocesses (the bundled containers plugin from the
// built ddc binary, and a test plugin), a real Docker engine and the fake
// Discord server.
//
// It must never import another e2e package; no production package imports
// it.
package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
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
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/testbin"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// bins holds the binaries TestMain builds once.
var bins struct{ dir, ddc, testplugin string }

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode) // the web side's route list is noise here
	dir, err := os.MkdirTemp("", "ddc-discord-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := func(out, pkg string) string {
		path, err := testbin.Build(dir, out, pkg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
		return path
	}
	bins.dir = dir
	bins.ddc = build("ddc", "github.com/ddc-go/ddc/cmd/ddc")
	bins.testplugin = build("testplugin", "./testdata/testplugin")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Ids of the fake guild.
const (
	guildID    = "920000000000000001"
	controlCh  = "920000000000000002"
	statusCh   = "920000000000000003"
	operatorRl = "920000000000000004"
	operator   = "920000000000000005"
	viewer     = "920000000000000006"
	otherCh    = "920000000000000007"
)

func fakeConfig() fakediscord.Config {
	return fakediscord.Config{
		HeartbeatInterval: time.Second,
		Users:             []fakediscord.User{{ID: operator, Username: "olga"}, {ID: viewer, Username: "vic"}},
		Guilds: []fakediscord.Guild{{
			ID: guildID, Name: "lab",
			Channels: []fakediscord.Channel{{ID: controlCh, Name: "control"}, {ID: statusCh, Name: "status"}, {ID: otherCh, Name: "other"}},
			Roles:    []fakediscord.Role{{ID: operatorRl, Name: "operators"}},
			Members:  []fakediscord.Member{{UserID: operator, Roles: []string{operatorRl}}, {UserID: viewer}},
		}},
	}
}

// hostEnv is a running host wired to a fake Discord.
type hostEnv struct {
	srv  *fakediscord.Server
	web  string // web base URL
	data string
	log  *logRecorder // the host's log lines
}

type options struct {
	token      string         // bot token; "" takes the fake's
	containers map[string]any // containers plugin settings; nil disables the plugin
	fake       *fakediscord.Config
	noWait     bool           // do not wait for commands
	noToken    bool           // start without any token (DISCORD_BOT_TOKEN unset)
	echo       map[string]any // echo plugin settings; nil disables the plugin
	language   string         // the configured default language; "" leaves the default
}

// startHost runs host.Serve against a new fake Discord until the test ends.
func startHost(t testing.TB, o options) *hostEnv {
	t.Helper()
	fc := fakeConfig()
	if o.fake != nil {
		fc = *o.fake
	}
	srv := fakediscord.New(fc)
	t.Cleanup(srv.Close)
	data := t.TempDir()
	install(t, data, "testplugin", bins.testplugin)

	plugins := map[string]any{"echo": map[string]any{"enabled": false}}
	bundled := []pluginhost.Bundled{{ID: "containers", Name: "Containers", Version: "0.1.0", Path: bins.ddc, Args: []string{"plugin", "containers"}}}
	if o.echo != nil {
		plugins["echo"] = map[string]any{"settings": o.echo}
		bundled = append(bundled, pluginhost.Bundled{ID: "echo", Name: "Echo", Version: "1.0.0", Path: bins.ddc, Args: []string{"plugin", "echo"}})
	}
	if o.containers != nil {
		plugins["containers"] = map[string]any{"settings": o.containers}
	} else {
		plugins["containers"] = map[string]any{"enabled": false}
	}
	cfg := map[string]any{
		"web": map[string]any{"listen": freeAddr(t)},
		"discord": map[string]any{
			"api_url": srv.URL(), "guild_ids": []string{guildID},
			"status_channels": []string{statusCh}, "control_channels": []string{controlCh},
			"operator_roles": []string{operatorRl}, "command_cooldown": "0s", "button_cooldown": "0s", "per_minute_cap": 0,
		},
		"log":     map[string]any{"level": "debug"},
		"plugins": plugins,
	}
	if o.language != "" {
		cfg["language"] = o.language
	}
	raw, err := json.Marshal(cfg) // JSON is YAML
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	token := o.token
	if token == "" {
		token = srv.Token()
	}
	env := []string{"DISCORD_BOT_TOKEN=" + token}
	if o.noToken {
		env = nil
	}
	logs := &logRecorder{}
	ready := make(chan net.Addr, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- host.Serve(ctx, host.Options{
			DataDir: data, Env: env, Version: "test",
			Bundled: bundled,
			Logger:  slog.New(slog.NewTextHandler(io.MultiWriter(testWriter{t}, logs), &slog.HandlerOptions{Level: slog.LevelDebug})),
			Ready:   func(a net.Addr) { ready <- a },
			Restart: pluginhost.RestartPolicy{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second, MaxCrashes: 5, Window: time.Minute},
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Serve did not return")
		}
	})
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		done <- nil
		t.Fatalf("Serve = %v before listening", err)
	case <-time.After(30 * time.Second):
		t.Fatal("web server not ready")
	}
	e := &hostEnv{srv: srv, web: "http://" + addr.String(), data: data, log: logs}
	if !o.noWait {
		want := 2
		if o.containers != nil {
			want += 2
		}
		if o.echo != nil {
			want++
		}
		wait.For(t, 60*time.Second, "commands registered", func() bool { return len(srv.Commands(guildID)) == want })
	}
	return e
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// install puts bin into <data>/plugins/<id>/ with its plugin.yaml.
func install(t testing.TB, data, id, bin string) {
	t.Helper()
	// A host run as root runs the plugin as its own user, who must reach
	// the executable: a real data directory is 0755, t.TempDir 0700.
	for _, d := range []string{filepath.Dir(data), data} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(data, "plugins", id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id), raw, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	y := fmt.Sprintf("id: %s\nname: %s\nversion: 1.0.0\nprotocol_version: 1\nexecutable: %s\nsha256: %s\n", id, id, id, hex.EncodeToString(sum[:]))
	if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
}

// logRecorder keeps the host's log lines for tests that wait for one.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

// logged reports whether the host logged a line holding every part.
func (e *hostEnv) logged(parts ...string) bool {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
next:
	for _, l := range e.log.lines {
		for _, p := range parts {
			if !strings.Contains(l, p) {
				continue next
			}
		}
		return true
	}
	return false
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// health reads /healthz.
func (e *hostEnv) health(t testing.TB) (discord string, plugins map[string]string) {
	d, ps := e.healthFull(t)
	plugins = map[string]string{}
	for id, p := range ps {
		plugins[id] = p.State
	}
	return d, plugins
}

type pluginHealth struct {
	State    string `json:"state"`
	Restarts int    `json:"restarts"`
}

// healthFull reads /healthz with the plugins' restart counts.
func (e *hostEnv) healthFull(t testing.TB) (string, map[string]pluginHealth) {
	t.Helper()
	resp, err := http.Get(e.web + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Discord string `json:"discord"`
		Plugins []struct {
			ID string `json:"id"`
			pluginHealth
		} `json:"plugins"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	out := map[string]pluginHealth{}
	for _, p := range h.Plugins {
		out[p.ID] = p.pluginHealth
	}
	return h.Discord, out
}

func (e *hostEnv) fire(t testing.TB, in fakediscord.Interaction) *fakediscord.InteractionHandle {
	t.Helper()
	h, err := e.srv.Fire(in)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func fault(user, channel, do string) fakediscord.Interaction {
	return fakediscord.Interaction{
		Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channel, UserID: user,
		Command: "fault", Options: []fakediscord.Option{{Name: "do", Value: do}},
	}
}

// answer waits for the interaction's visible answer: the callback message,
// or the deferred original once edited, or the first follow-up.
func answer(t testing.TB, h *fakediscord.InteractionHandle, within time.Duration) (text string, ephemeral bool, deferred bool) {
	t.Helper()
	ctx := ctxT(t, within)
	r, err := h.WaitResponse(ctx)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	if r.Type != fakediscord.CallbackDeferredChannelMessage && r.Type != fakediscord.CallbackDeferredUpdateMessage {
		return messageText(r.Message), r.Message != nil && r.Message.Flags&discordgo.MessageFlagsEphemeral != 0, false
	}
	if r.After > 2500*time.Millisecond {
		t.Errorf("deferred only after %v", r.After)
	}
	for {
		if m, ok := h.Original(); ok && m.Flags&discordgo.MessageFlagsLoading == 0 {
			return messageText(m), false, true
		}
		if fs := h.Followups(); len(fs) > 0 {
			return messageText(fs[0]), fs[0].Flags&discordgo.MessageFlagsEphemeral != 0, true
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deferred interaction never answered")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// messageText is a message's content and embed titles and footers.
func messageText(m *discordgo.Message) string {
	if m == nil {
		return ""
	}
	s := m.Content
	for _, e := range m.Embeds {
		s += " | " + e.Title
		if e.Footer != nil {
			s += " | " + e.Footer.Text
		}
	}
	return s
}

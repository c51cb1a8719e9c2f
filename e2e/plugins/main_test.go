package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/testbin"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/sdk"
)

// bins holds the binaries TestMain builds once for all tests.
var bins struct {
	dir, fault, echo, ddc string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ddc-proctest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins.dir = dir
	build := func(out, pkg string) string {
		path, err := testbin.Build(dir, out, pkg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
		return path
	}
	bins.fault = build("faultplugin", "./testdata/faultplugin")
	bins.echo = build("ddc-echo", "github.com/ddc-go/ddc/plugins/examples/echo/cmd/ddc-echo")
	bins.ddc = build("ddc", "github.com/ddc-go/ddc/cmd/ddc")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// install copies bin into <dataDir>/plugins/<dir>/ with a plugin.yaml that
// records its SHA-256. extra holds "key: value" overrides (protocol_version).
func install(t testing.TB, dataDir, dirName, id, bin string, args []string, extra ...string) string {
	t.Helper()
	// A host run as root runs the plugin as its own user, who must reach
	// the executable: a real data directory is 0755, t.TempDir 0700.
	sharedDir(t, dataDir, 0o755)
	dir := filepath.Join(dataDir, "plugins", dirName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, filepath.Base(bin))
	if err := os.WriteFile(exe, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	var b strings.Builder
	fields := map[string]string{"protocol_version": "1"}
	for _, l := range extra {
		k, v, _ := strings.Cut(l, ":")
		fields[k] = strings.TrimSpace(v)
	}
	fmt.Fprintf(&b, "id: %s\nname: %s\nversion: 1.0.0\nprotocol_version: %s\nexecutable: %s\nsha256: %s\n",
		id, id, fields["protocol_version"], filepath.Base(bin), hex.EncodeToString(sum[:]))
	if len(args) > 0 {
		fmt.Fprintf(&b, "args: [%s]\n", strings.Join(quoteAll(args), ", "))
	}
	if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sharedDir sets the mode of dir, a t.TempDir, and makes its parent
// searchable: a plugin running as its own user can reach it (0755) or
// write files in it (0777, for the fault plugin's reports).
func sharedDir(t testing.TB, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// fastTimeouts keep the tests short.
func fastTimeouts() pluginhost.Timeouts {
	return pluginhost.Timeouts{Start: 5 * time.Second, Setup: 5 * time.Second, Call: 2 * time.Second, Stop: 2 * time.Second, Health: time.Second, HealthCheck: time.Second}
}

type env struct {
	mgr   *pluginhost.Manager
	store *store.Store
	data  string
}

// start runs a manager over dataDir until the test ends.
func start(t testing.TB, dataDir string, mutate func(*pluginhost.Config)) *env {
	t.Helper()
	return startWith(t, dataDir, store.Options{}, mutate)
}

// startWith is start with the store opened with opts.
func startWith(t testing.TB, dataDir string, opts store.Options, mutate func(*pluginhost.Config)) *env {
	t.Helper()
	st, err := store.OpenWithOptions(filepath.Join(dataDir, "ddc.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pluginhost.Config{
		PluginsDir: filepath.Join(dataDir, "plugins"), Store: st,
		Logger:   slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Timeouts: fastTimeouts(),
		Restart:  pluginhost.RestartPolicy{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second, MaxCrashes: 5, Window: time.Minute},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	mgr, err := pluginhost.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mgr.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		mgr.Stop(ctx)
		st.Close()
	})
	return &env{mgr: mgr, store: st, data: dataDir}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }() // logs after the test ended are dropped
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// waitState waits until plugin id is in state want.
func waitState(t testing.TB, mgr *pluginhost.Manager, id string, want pluginhost.State, timeout time.Duration) pluginhost.Status {
	t.Helper()
	var st pluginhost.Status
	wait.ForState(t, timeout, fmt.Sprintf("plugin %s to be %s", id, want), func() (bool, string) {
		var err error
		st, err = mgr.Status(id)
		if err != nil {
			return false, err.Error()
		}
		return st.State == want, fmt.Sprintf("%+v", st)
	})
	return st
}

func command(ctx context.Context, mgr *pluginhost.Manager, id, cmd string, opts ...sdk.OptionValue) (*sdk.Response, error) {
	return mgr.HandleCommand(ctx, id, &sdk.CommandRequest{
		Interaction: sdk.Interaction{ID: "1", User: sdk.User{ID: "2", Name: "t"}, Level: sdk.LevelControl},
		Command:     cmd, Options: opts,
	})
}

func do(what string) sdk.OptionValue {
	return sdk.OptionValue{Name: "do", Type: sdk.OptionString, Value: what}
}

// alive reports whether pid is a live (non-zombie) process.
func alive(pid int) bool { return procmem.Alive(pid) }

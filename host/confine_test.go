package host

import (
	"bytes"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/sandbox"
)

// TestConfinementAtStart: the host makes config.yaml and the store private,
// turns plugin users on when it may switch users, and says once what
// plugins can reach; limits and grants come from the config in force.
func TestConfinementAtStart(t *testing.T) {
	data := t.TempDir()
	cfgFile := filepath.Join(data, config.FileName)
	db := filepath.Join(data, "ddc.db")
	for _, p := range []string{cfgFile, db} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{Plugins: map[string]config.Plugin{"p": {MemoryLimit: 100 << 20, Capabilities: []string{"docker"}}}}
	var logs bytes.Buffer
	c := confinement(slog.New(slog.NewTextHandler(&logs, nil)), data, func() *config.Config { return cfg })

	for _, p := range []string{cfgFile, db} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", p, fi.Mode().Perm(), err)
		}
	}
	if got := c.MemoryLimit("p"); got != 100<<20 {
		t.Errorf("memory limit of p = %d, want 100 MiB", got)
	}
	if got := c.Grants("p"); len(got) != 1 || got[0] != "docker" {
		t.Errorf("grants of p = %v, want [docker]", got)
	}
	if got := c.MemoryLimit("other"); got != 0 {
		t.Errorf("memory limit of an unconfigured plugin = %d, want 0 (the default)", got)
	}
	ok, why := sandbox.CanSwitchUser()
	if c.Users != ok {
		t.Errorf("Users = %t, but CanSwitchUser = %t (%s)", c.Users, ok, why)
	}
	want := "third-party plugins run as their own users"
	if !ok {
		want = "third-party plugins run as DDC's own user"
	}
	out := logs.String()
	if strings.Count(out, "third-party plugins run as") != 1 || !strings.Contains(out, want) {
		t.Errorf("start log:\n%s\nwant one line saying %q", out, want)
	}
	if !strings.Contains(out, "made it readable by DDC's user only") || !strings.Contains(out, "plugin memory limits") {
		t.Errorf("start log:\n%s\nwant the files made private and the memory limits", out)
	}
}

// TestWarnOpenSocket warns about a Docker socket every user may use, and
// only about that.
func TestWarnOpenSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "docker.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tt := range []struct {
		mode os.FileMode
		warn bool
	}{{0o660, false}, {0o666, true}} {
		if err := os.Chmod(path, tt.mode); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		warnOpenSocket(slog.New(slog.NewTextHandler(&logs, nil)), "unix://"+path)
		if got := strings.Contains(logs.String(), "every user may use the Docker socket"); got != tt.warn {
			t.Errorf("socket mode %v: log %q, want warning %t", tt.mode, logs.String(), tt.warn)
		}
	}
}

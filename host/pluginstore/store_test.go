package pluginstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/pluginstore"
	"github.com/ddc-go/ddc/internal/testkit/testbin"
)

var echoBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ddc-pluginstore-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	echoBin, err = testbin.Build(dir, "ddc-echo", "github.com/ddc-go/ddc/plugins/examples/echo/cmd/ddc-echo")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// leftovers lists what an install or removal left besides plugin
// directories: hidden staging directories must not stay.
func leftovers(t *testing.T, data string) []string {
	t.Helper()
	entries, err := os.ReadDir(pluginstore.PluginsDir(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestInstallWritesWhatTheHostReads(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	mf, err := pluginstore.Install(ctx, data, echoBin, pluginstore.Options{Reserved: []string{"containers"}})
	if err != nil {
		t.Fatalf("Install(echo) = %v", err)
	}
	if mf.ID != "echo" || mf.Version == "" {
		t.Fatalf("Install(echo) manifest = %+v", mf)
	}
	dir := filepath.Join(data, "plugins", "echo")
	d, err := pluginhost.LoadDescriptor(dir)
	if err != nil {
		t.Fatalf("the host refuses the install: %v", err)
	}
	raw, err := os.ReadFile(echoBin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if d.ID != "echo" || d.Version != mf.Version || d.SHA256 != hex.EncodeToString(sum[:]) || d.ProtocolVersion != 1 || d.Path != filepath.Join(dir, "echo") {
		t.Errorf("descriptor = %+v, want id echo, version %s, the binary's SHA-256, protocol 1, executable echo", d, mf.Version)
	}
	for path, want := range map[string]os.FileMode{dir: 0o755, d.Path: 0o755, filepath.Join(dir, "plugin.yaml"): 0o644} {
		if got := mode(t, path); got != want {
			t.Errorf("mode of %s = %v, want %v", path, got, want)
		}
	}
	if l := leftovers(t, data); len(l) != 0 {
		t.Errorf("install left %v behind", l)
	}

	// Installed already: refused without --upgrade, replaced with it.
	if _, err := pluginstore.Install(ctx, data, echoBin, pluginstore.Options{}); !errors.Is(err, pluginstore.ErrInstalled) || !strings.Contains(err.Error(), "--upgrade") {
		t.Errorf("second Install = %v, want ErrInstalled naming --upgrade", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "marker"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pluginstore.Install(ctx, data, echoBin, pluginstore.Options{Upgrade: true}); err != nil {
		t.Fatalf("Install with Upgrade = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "marker")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after the upgrade the old directory's files remain: %v", err)
	}
	if _, err := pluginhost.LoadDescriptor(dir); err != nil {
		t.Errorf("the host refuses the upgrade: %v", err)
	}
	if l := leftovers(t, data); len(l) != 0 {
		t.Errorf("upgrade left %v behind", l)
	}
}

func TestInstallRefusals(t *testing.T) {
	ctx := context.Background()
	script := filepath.Join(t.TempDir(), "not-a-plugin")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		opts pluginstore.Options
		is   error
		want string
	}{
		{name: "bundled id", path: echoBin, opts: pluginstore.Options{Reserved: []string{"echo"}, Upgrade: true}, is: pluginstore.ErrReserved, want: "install plugin echo"},
		{name: "not a plugin", path: script, want: "not-a-plugin"},
		{name: "empty file", path: empty, want: "empty"},
		{name: "missing file", path: filepath.Join(t.TempDir(), "nope"), is: os.ErrNotExist},
		{name: "a directory", path: t.TempDir(), want: "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			_, err := pluginstore.Install(ctx, data, tt.path, tt.opts)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Install(%s) = %v, want an error (is %v) containing %q", tt.path, err, tt.is, tt.want)
			}
			if _, err := os.Stat(filepath.Join(data, "plugins", "echo")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused install left a plugin directory: %v", err)
			}
			if _, err := os.Stat(pluginstore.PluginsDir(data)); err == nil {
				if l := leftovers(t, data); len(l) != 0 {
					t.Errorf("a refused install left %v behind", l)
				}
			}
		})
	}
}

func TestStageThenDecide(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	f, err := os.Open(echoBin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := pluginstore.Stage(ctx, data, f)
	if err != nil {
		t.Fatalf("Stage = %v", err)
	}
	if s.Manifest.ID != "echo" || len(s.SHA256) != 64 || s.Size == 0 {
		t.Errorf("staged = %+v, want the echo manifest, a digest and a size", s)
	}
	s.Discard()
	if l := leftovers(t, data); len(l) != 0 {
		t.Errorf("Discard left %v behind", l)
	}
	if err := s.Commit(pluginstore.Options{}); err == nil {
		t.Error("Commit after Discard succeeded")
	}
}

func TestListAndRemove(t *testing.T) {
	data := t.TempDir()
	if _, err := pluginstore.Install(context.Background(), data, echoBin, pluginstore.Options{}); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(data, "plugins", "broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "plugin.yaml"), []byte("id: broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := pluginstore.List(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Dir != "broken" || list[0].Err == nil || list[1].Dir != "echo" || list[1].Err != nil || list[1].Descriptor.ID != "echo" {
		t.Fatalf("List = %+v, want broken (with its error) and echo", list)
	}

	if err := pluginstore.Remove(data, "echo"); err != nil {
		t.Fatalf("Remove(echo) = %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "plugins", "echo")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Remove the directory remains: %v", err)
	}
	if l := leftovers(t, data); len(l) != 0 {
		t.Errorf("Remove left %v behind", l)
	}
	for id, want := range map[string]string{"echo": "no such plugin installed", "../broken": "not a plugin id", "": "not a plugin id", "Echo": "not a plugin id"} {
		if err := pluginstore.Remove(data, id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Remove(%q) = %v, want %q", id, err, want)
		}
	}
	if _, err := os.Stat(broken); err != nil {
		t.Errorf("a refused Remove touched another plugin: %v", err)
	}
}

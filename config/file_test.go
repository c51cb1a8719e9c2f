package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	for _, content := range []string{"first: 1\n", "second: 2\n", ""} {
		if err := WriteFile(path, []byte(content)); err != nil {
			t.Fatalf("WriteFile(%q): %v", content, err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("after WriteFile(%q) the file holds %q (err %v)", content, got, err)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
		}
	}
	if diff := cmp.Diff([]string{FileName}, dirNames(t, dir)); diff != "" {
		t.Errorf("dir holds other files (-want +got):\n%s", diff)
	}
	// A file that was 0644 becomes 0600: it may hold the token.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after replacing a 0644 file = %v, want 0600", fi.Mode().Perm())
	}
}

func TestWriteFileFailureKeepsOldFile(t *testing.T) {
	const old = "web:\n  listen: \":9374\"\n"
	writeFailed := errors.New("disk full")
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) string // returns the path to write
		write   func(f *os.File) error
		wantErr string
	}{
		{
			name:  "write fails half way",
			setup: func(t *testing.T, dir string) string { return filepath.Join(dir, FileName) },
			write: func(f *os.File) error {
				if _, err := f.Write([]byte("web:\n  lis")); err != nil {
					return err
				}
				return writeFailed
			},
			wantErr: "disk full",
		},
		{
			name: "rename fails",
			setup: func(t *testing.T, dir string) string {
				// A non-empty directory cannot be replaced by a file.
				target := filepath.Join(dir, "sub")
				if err := os.MkdirAll(filepath.Join(target, "x"), 0o700); err != nil {
					t.Fatal(err)
				}
				return target
			},
			write: func(f *os.File) error {
				_, err := f.Write([]byte("new"))
				return err
			},
			wantErr: "rename",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(old), 0o600); err != nil {
				t.Fatal(err)
			}
			path := tt.setup(t, dir)
			before := dirNames(t, dir)
			err := writeFileFunc(path, tt.write, os.Rename)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Fatalf("write error = %v, want one naming %s and containing %q", err, path, tt.wantErr)
			}
			got, _ := os.ReadFile(filepath.Join(dir, FileName))
			if string(got) != old {
				t.Errorf("old file now holds %q, want %q", got, old)
			}
			if diff := cmp.Diff(before, dirNames(t, dir)); diff != "" {
				t.Errorf("files left behind (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope", FileName)
		err := WriteFile(path, []byte("x"))
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("WriteFile into a missing dir = %v, want an error naming %s", err, path)
		}
	})
}

func TestEnsureDefault(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	created, err := EnsureDefault(dataDir)
	if err != nil || !created {
		t.Fatalf("EnsureDefault on a new dir = %v, %v; want true, nil", created, err)
	}
	fi, err := os.Stat(dataDir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v (err %v), want 0700", fi.Mode().Perm(), err)
	}
	path := filepath.Join(dataDir, FileName)
	got, _ := os.ReadFile(path)
	if string(got) != string(DefaultYAML()) {
		t.Error("written file differs from the embedded default")
	}
	if diff := cmp.Diff([]string{FileName}, dirNames(t, dataDir)); diff != "" {
		t.Errorf("data dir holds other files (-want +got):\n%s", diff)
	}

	// An existing file, edited by the user, is never replaced.
	if err := os.WriteFile(path, []byte("log:\n  level: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	created, err = EnsureDefault(dataDir)
	if err != nil || created {
		t.Fatalf("EnsureDefault with a file present = %v, %v; want false, nil", created, err)
	}
	if got, _ := os.ReadFile(path); string(got) != "log:\n  level: debug\n" {
		t.Errorf("EnsureDefault replaced the user's file with %q", got)
	}

	// Concurrent calls: exactly one creates, nobody fails, no temp files.
	dataDir = filepath.Join(t.TempDir(), "race")
	var wg sync.WaitGroup
	results := make(chan bool, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created, err := EnsureDefault(dataDir)
			if err != nil {
				t.Error(err)
			}
			results <- created
		}()
	}
	wg.Wait()
	close(results)
	n := 0
	for c := range results {
		if c {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d concurrent EnsureDefault calls reported created, want 1", n)
	}
	if diff := cmp.Diff([]string{FileName}, dirNames(t, dataDir)); diff != "" {
		t.Errorf("data dir holds other files (-want +got):\n%s", diff)
	}
}

func TestDefaultYAML(t *testing.T) {
	dataDir := t.TempDir()
	if _, err := EnsureDefault(dataDir); err != nil {
		t.Fatal(err)
	}
	c, err := Load(dataDir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the default config is invalid: %v", err)
	}
	// It runs without Discord and says so.
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "running without Discord") {
		t.Errorf("Warnings() of the default = %q, want only the no-token warning", w)
	}
	if c.Web.Listen != DefaultListen || c.Discord.APIURL != DefaultAPIURL || c.Log.Level != DefaultLogLevel || c.Language != DefaultLanguage {
		t.Errorf("default file disagrees with the built-in defaults: %v", c)
	}
	if !c.PluginEnabled("containers") {
		t.Error(`PluginEnabled("containers") = false in the default`)
	}
	if c.PluginEnabled("echo") {
		t.Error(`PluginEnabled("echo") = true in the default; the example is off unless wanted`)
	}
	// Every key is there and explained by a comment just above it.
	lines := strings.Split(string(DefaultYAML()), "\n")
	sections := map[string][]string{"": topKeys}
	for section, keys := range knownKeys {
		sections[section] = keys
	}
	for section, keys := range sections {
		for _, key := range keys {
			re := regexp.MustCompile(`^\s*(# )?` + key + `:`)
			found := false
			for i, line := range lines {
				if re.MatchString(line) {
					found = true
					if i == 0 || !strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#") {
						t.Errorf("%s.%s in default.yaml has no comment above it", section, key)
					}
					full := key
					if section != "" {
						full = section + "." + key
					}
					if env := EnvName(full); env != "" && !strings.Contains(string(DefaultYAML()), env) {
						t.Errorf("default.yaml does not mention %s for %s.%s", env, section, key)
					}
				}
			}
			if !found {
				t.Errorf("default.yaml does not show %s.%s", section, key)
			}
		}
	}
}

func TestWatch(t *testing.T) {
	const gid = "100000000000000001"
	dataDir := writeConfig(t, "log:\n  level: info\n")
	path := filepath.Join(dataDir, FileName)
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan *Config, 10)
	errs := make(chan error, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, dataDir, []string{"DDC_DISCORD_GUILD_IDS=" + gid}, map[string]any{"web.listen": "127.0.0.1:1"}, 10*time.Millisecond,
			func(c *Config) { changes <- c }, func(err error) { errs <- err })
	}()
	defer func() {
		cancel()
		<-done
	}()

	expectChange := func(step string) *Config {
		t.Helper()
		select {
		case c := <-changes:
			return c
		case err := <-errs:
			t.Fatalf("%s: onError(%v), want onChange", step, err)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no onChange within 5s", step)
		}
		return nil
	}
	expectError := func(step, want string) {
		t.Helper()
		select {
		case err := <-errs:
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("%s: onError(%v), want an error containing %q", step, err, want)
			}
		case c := <-changes:
			t.Fatalf("%s: onChange(%v), want onError", step, c)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no onError within 5s", step)
		}
	}
	expectQuiet := func(step string) {
		t.Helper()
		select {
		case err := <-errs:
			t.Fatalf("%s: unexpected onError(%v)", step, err)
		case c := <-changes:
			t.Fatalf("%s: unexpected onChange(%v)", step, c)
		case <-time.After(100 * time.Millisecond):
		}
	}

	expectQuiet("unchanged file")

	if err := WriteFile(path, []byte("log:\n  level: debug\n")); err != nil {
		t.Fatal(err)
	}
	c := expectChange("valid change")
	if c.Log.Level != "debug" || c.Web.Listen != "127.0.0.1:1" || len(c.Discord.GuildIDs) != 1 {
		t.Errorf("reloaded config = %v, want level debug with the env and flags applied", c)
	}

	// Same content rewritten: nothing to report.
	if err := WriteFile(path, []byte("log:\n  level: debug\n")); err != nil {
		t.Fatal(err)
	}
	expectQuiet("same content")

	if err := WriteFile(path, []byte("log:\n  level: debug\n  broken: [\n")); err != nil {
		t.Fatal(err)
	}
	expectError("malformed yaml", "config "+path+": yaml: line")
	expectQuiet("malformed yaml is reported once")

	if err := WriteFile(path, []byte("log:\n  levle: warn\n")); err != nil {
		t.Fatal(err)
	}
	expectError("unknown key", "config "+path+": log.levle: unknown key (did you mean log.level?)")

	if err := WriteFile(path, []byte("log:\n  level: loud\n")); err != nil {
		t.Fatal(err)
	}
	expectError("invalid value", `config `+path+`: log.level: "loud" is not one of debug, info, warn, error`)

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	expectError("file removed", "file removed")

	if err := WriteFile(path, []byte("log:\n  level: warn\n")); err != nil {
		t.Fatal(err)
	}
	if c := expectChange("fixed"); c.Log.Level != "warn" {
		t.Errorf("reloaded level = %q, want warn", c.Log.Level)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after ctx was canceled")
	}
}

// TestWatchFromSeesEditsBeforeItStarts: an edit made after Load but before
// watching starts is still a change, and an unchanged file is not.
func TestWatchFromSeesEditsBeforeItStarts(t *testing.T) {
	tests := []struct {
		name       string
		edit       bool
		wantChange bool
	}{
		{"edited between Load and WatchFrom", true, true},
		{"not edited", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := writeConfig(t, "log:\n  level: info\n")
			base, err := Load(dataDir, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.edit {
				if err := os.WriteFile(filepath.Join(dataDir, FileName), []byte("log:\n  level: debug\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			var got *Config
			WatchFrom(ctx, base, dataDir, nil, nil, 10*time.Millisecond,
				func(c *Config) { got = c; cancel() }, func(err error) { t.Errorf("onError(%v)", err) })
			if (got != nil) != tt.wantChange {
				t.Fatalf("onChange called = %v, want %v", got != nil, tt.wantChange)
			}
			if got != nil && got.Log.Level != "debug" {
				t.Errorf("changed config log.level = %q, want debug", got.Log.Level)
			}
		})
	}
}

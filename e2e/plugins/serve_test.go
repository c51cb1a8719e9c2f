package plugins

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// health is the part of GET /healthz these tests read.
type health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
	Discord string `json:"discord"`
	Plugins []struct {
		ID       string `json:"id"`
		Version  string `json:"version"`
		State    string `json:"state"`
		Restarts int    `json:"restarts"`
		Reason   string `json:"reason"`
	} `json:"plugins"`
}

// served is a `ddc serve` process started by a test.
type served struct {
	cmd  *exec.Cmd
	addr string
	logs *logBuf
}

// logBuf collects a process's stderr while tests read it.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) add(line string) {
	l.mu.Lock()
	l.b.WriteString(line + "\n")
	l.mu.Unlock()
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serve runs the built ddc binary as `ddc serve` on dataDir with the given
// config.yaml (none when empty). The process is killed when the test ends.
func serve(t testing.TB, dataDir, configYAML string) *served {
	t.Helper()
	return startServe(t, dataDir, configYAML, true)
}

// startServe is serve; with listenFlag false the address goes into the
// config file as web.listen (appended to configYAML) instead of --listen.
func startServe(t testing.TB, dataDir, configYAML string, listenFlag bool) *served {
	t.Helper()
	return serveWith(t, dataDir, configYAML, listenFlag, nil)
}

// serveWith is startServe with mutate applied to the command before it
// starts (nil: none).
func serveWith(t testing.TB, dataDir, configYAML string, listenFlag bool, mutate func(*exec.Cmd)) *served {
	t.Helper()
	s := &served{addr: freeAddr(t), logs: &logBuf{}}
	args := []string{"serve", "--data-dir", dataDir, "--listen", s.addr}
	if !listenFlag {
		args = args[:3]
		configYAML += "web:\n  listen: \"" + s.addr + "\"\n"
	}
	if configYAML != "" {
		if err := os.WriteFile(filepath.Join(dataDir, "config.yaml"), []byte(configYAML), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.cmd = exec.Command(bins.ddc, args...)
	s.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dataDir}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		s.cmd.Env = append(s.cmd.Env, "DOCKER_HOST="+h)
	}
	if mutate != nil {
		mutate(s.cmd)
	}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start ddc serve: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.logs.add(sc.Text())
		}
	}()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			exited := make(chan struct{})
			go func() { _ = s.cmd.Wait(); close(exited) }()
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				_ = s.cmd.Process.Kill()
				<-exited
			}
		}
		<-done
		if t.Failed() {
			t.Logf("ddc serve log:\n%s", s.logs.String())
		}
	})
	return s
}

// health fetches /healthz; ok is false while the server does not answer.
func (s *served) health() (health, int, bool) {
	var h health
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + s.addr + "/healthz")
	if err != nil {
		return h, 0, false
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return h, resp.StatusCode, false
	}
	return h, resp.StatusCode, true
}

// waitHealthy waits until /healthz answers 200 with every listed plugin
// running.
func (s *served) waitHealthy(t testing.TB, timeout time.Duration, ids ...string) health {
	t.Helper()
	var h health
	wait.ForState(t, timeout, "healthz 200 with "+strings.Join(ids, ", ")+" running", func() (bool, string) {
		var code int
		var ok bool
		h, code, ok = s.health()
		if !ok || code != http.StatusOK {
			return false, fmt.Sprintf("code %d %+v", code, h)
		}
		running := map[string]bool{}
		for _, p := range h.Plugins {
			running[p.ID] = p.State == "running"
		}
		for _, id := range ids {
			if !running[id] {
				return false, fmt.Sprintf("%+v", h)
			}
		}
		return true, ""
	})
	return h
}

// children returns the PIDs whose parent is pid.
func children(t testing.TB, pid int) []int {
	t.Helper()
	kids, err := procmem.Children(pid)
	if err != nil {
		t.Fatal(err)
	}
	return kids
}

// TestServeBundledPlugins runs `ddc serve` with no Discord token: the web
// side comes up, the bundled plugins are started by re-running the ddc
// binary as `ddc plugin NAME`, and /healthz reports them.
func TestServeBundledPlugins(t *testing.T) {
	data := t.TempDir()
	s := serve(t, data, "")
	h := s.waitHealthy(t, 30*time.Second, "containers")
	for _, p := range h.Plugins {
		if p.ID == "echo" && p.State != "disabled" {
			t.Errorf("the echo example is %s with the default config, want disabled", p.State)
		}
	}
	// Enable the example: it starts without a restart of the host.
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte("plugins:\n  echo:\n    enabled: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h = s.waitHealthy(t, 30*time.Second, "containers", "echo")
	if h.Status != "ok" || h.Discord != "no_token" || h.Version == "" {
		t.Errorf("healthz = %+v, want status ok, discord no_token and a version", h)
	}
	kids := children(t, s.cmd.Process.Pid)
	var args []string
	for _, pid := range kids {
		raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		args = append(args, strings.Join(strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")[1:], " "))
	}
	for _, want := range []string{"plugin containers", "plugin echo"} {
		found := false
		for _, a := range args {
			found = found || a == want
		}
		if !found {
			t.Errorf("children of ddc serve run %q, want one running %q", args, want)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "config.yaml")); err != nil {
		t.Errorf("ddc serve did not write a default config: %v", err)
	}

	// A disabled plugin is not a failure: healthz stays 200.
	cfg := "plugins:\n  echo:\n    enabled: false\n"
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	wait.ForState(t, 20*time.Second, "echo disabled by a config change", func() (bool, string) {
		h, code, _ := s.health()
		for _, p := range h.Plugins {
			if p.ID == "echo" {
				return p.State == "disabled" && code == http.StatusOK, fmt.Sprintf("code %d %+v", code, h)
			}
		}
		return false, fmt.Sprintf("%+v", h)
	})
}

// TestHostSIGKILLLeavesNoPlugins kills the host with SIGKILL: no plugin
// process may be alive 2 seconds later (parent-death signal).
func TestHostSIGKILLLeavesNoPlugins(t *testing.T) {
	data := t.TempDir()
	install(t, data, "ext", "ext", bins.fault, []string{"--id=ext", "--cmd=ext"})
	s := serve(t, data, "plugins:\n  containers:\n    enabled: false\n")
	s.waitHealthy(t, 30*time.Second, "echo", "ext")
	kids := children(t, s.cmd.Process.Pid)
	if len(kids) == 0 {
		t.Fatal("ddc serve has no plugin child processes")
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	time.Sleep(2 * time.Second)
	for _, pid := range kids {
		if alive(pid) {
			raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			t.Errorf("plugin process %d (%s) is still alive 2 s after the host was killed", pid, strings.ReplaceAll(string(raw), "\x00", " "))
			_ = syscall.Kill(pid, syscall.SIGKILL) // ours: started by the ddc we started
		}
	}
}

// TestConfigChangeReconfiguresPlugins edits config.yaml under a running
// `ddc serve`: the new plugin settings, and then a new default language,
// reach the plugin through Configure without a restart, and a broken file
// is rejected while the running settings stay.
func TestConfigChangeReconfiguresPlugins(t *testing.T) {
	data := t.TempDir()
	gotDir := t.TempDir()
	sharedDir(t, gotDir, 0o777)
	got := filepath.Join(gotDir, "settings.json")
	install(t, data, "ext", "ext", bins.fault, []string{"--id=ext", "--cmd=ext", "--settings-file=" + got})
	cfg := func(v string) string {
		return "plugins:\n  containers:\n    enabled: false\n  ext:\n    settings:\n      greeting: " + v + "\n"
	}
	s := serve(t, data, cfg("one"))
	s.waitHealthy(t, 30*time.Second, "ext")
	settings := func() string { raw, _ := os.ReadFile(got); return string(raw) }
	wait.ForState(t, 5*time.Second, "first settings", func() (bool, string) {
		return settings() == `{"greeting":"one"}`, settings()
	})
	pids := children(t, s.cmd.Process.Pid)

	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte(cfg("two")), 0o600); err != nil {
		t.Fatal(err)
	}
	wait.ForState(t, 20*time.Second, "settings pushed after the config change", func() (bool, string) {
		return settings() == `{"greeting":"two"}`, settings()
	})
	lang := func() string { raw, _ := os.ReadFile(got + ".lang"); return string(raw) }
	if lang() != "en" {
		t.Errorf("default language handed to the plugin = %q, want en", lang())
	}
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte("language: de\n"+cfg("two")), 0o600); err != nil {
		t.Fatal(err)
	}
	wait.ForState(t, 20*time.Second, "the new default language pushed after the config change", func() (bool, string) {
		return lang() == "de", lang()
	})

	broken := "plugins:\n  ext:\n    settings: [unclosed\n"
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	wait.ForState(t, 20*time.Second, "broken config rejected in the log", func() (bool, string) {
		return strings.Contains(s.logs.String(), "config file rejected"), ""
	})
	if settings() != `{"greeting":"two"}` {
		t.Errorf("after a broken config the plugin got %s, want the running settings kept", settings())
	}
	if raw, _ := os.ReadFile(filepath.Join(data, "config.yaml")); string(raw) != broken {
		t.Errorf("ddc rewrote the user's broken config.yaml to %q", raw)
	}
	h := s.waitHealthy(t, 5*time.Second, "ext")
	for _, p := range h.Plugins {
		if p.ID == "ext" && p.Restarts != 0 {
			t.Errorf("ext restarted %d times; a settings change must not restart it", p.Restarts)
		}
	}
	if now := children(t, s.cmd.Process.Pid); fmt.Sprint(now) != fmt.Sprint(pids) {
		t.Errorf("plugin processes changed from %v to %v; a settings change must not restart them", pids, now)
	}
}

// TestCLI runs the ddc binary's other commands.
func TestCLI(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantErr    bool
		wantStdout []string
		wantStderr []string
	}{
		{"version", []string{"version"}, false, []string{"ddc "}, nil},
		{"describe a third-party plugin", []string{"plugins", "describe", bins.fault, "--id=described", "--cmd=described"}, false,
			[]string{`"ID": "described"`, `"Name": "described"`, `"Provides": [`, `"described.ping"`}, nil},
		{"describe a bundled plugin", []string{"plugins", "describe", bins.ddc, "plugin", "containers"}, false,
			[]string{`"ID": "containers"`, `"Name": "container"`}, nil},
		{"describe something that is not a plugin", []string{"plugins", "describe", "/bin/true"}, true, nil,
			[]string{"ddc: start plugin /bin/true"}},
		{"describe a missing file", []string{"plugins", "describe", filepath.Join(t.TempDir(), "nope")}, true, nil,
			[]string{"ddc: start plugin", "nope"}},
		{"unknown bundled plugin", []string{"plugin", "nope"}, true, nil, []string{`no bundled plugin "nope"`}},
		{"bundled plugin run by hand", []string{"plugin", "echo"}, true, nil, []string{"is a DDC plugin: it is started by `ddc serve`"}},
		{"unknown command", []string{"frobnicate"}, true, nil, []string{`unknown command "frobnicate"`, "usage:"}},
		{"no command", nil, true, nil, []string{"usage:"}},
		{"bad serve flag", []string{"serve", "--bogus"}, true, nil, []string{"flag provided but not defined: -bogus"}},
		{"import-ddc without a directory", []string{"import-ddc"}, true, nil, []string{"usage: ddc import-ddc DIR", "no DockerDiscordControl directory given"}},
		{"import-ddc of a broken directory", []string{"import-ddc", "../../internal/ddcimport/testdata/broken-json", "--dry-run"}, true, nil,
			[]string{"config.json: not valid JSON: line 5", "nothing was written"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			cmd := exec.Command(bins.ddc, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
			err := cmd.Run()
			if (err != nil) != tt.wantErr {
				t.Fatalf("ddc %v: err = %v, want error %v\nstdout: %s\nstderr: %s", tt.args, err, tt.wantErr, stdout.String(), stderr.String())
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

// TestUnknownPluginInConfigIsReported: settings for a plugin that is not
// installed (a typo) are named in the log; the public start page says so
// without the id or the file's path.
func TestUnknownPluginInConfigIsReported(t *testing.T) {
	data := t.TempDir()
	s := serve(t, data, "plugins:\n  containers:\n    enabled: false\n  contianers:\n    settings: {}\n")
	s.waitHealthy(t, 30*time.Second)
	resp, err := http.Get("http://" + s.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page strings.Builder
	if _, err := io.Copy(&page, resp.Body); err != nil {
		t.Fatal(err)
	}
	want := "config.yaml has settings for a plugin that is not installed (a typo in the id?); the log names it."
	if !strings.Contains(page.String(), want) {
		t.Errorf("start page lacks %q:\n%s", want, page.String())
	}
	if strings.Contains(page.String(), "contianers") || strings.Contains(page.String(), data) {
		t.Errorf("start page names the id or the data dir:\n%s", page.String())
	}
	if strings.Count(page.String(), "not installed") != 1 {
		t.Errorf("start page reports the installed containers plugin as unknown too:\n%s", page.String())
	}
	wait.ForState(t, 5*time.Second, "the warning in the log", func() (bool, string) {
		return strings.Contains(s.logs.String(), `has settings for plugin \"contianers\", but no such plugin is installed`), ""
	})
}

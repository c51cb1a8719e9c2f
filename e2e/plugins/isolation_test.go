package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/sandbox"
	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/sdk"
)

// TestMemoryLimitStopsPlugin installs a plugin that allocates without
// bound next to echo: the watchdog stops it at its limit, its status says
// so, it is restarted with backoff until it counts as crash-looping and
// fails, and echo and the host carry on.
func TestMemoryLimitStopsPlugin(t *testing.T) {
	data := t.TempDir()
	install(t, data, "hog", "hog", bins.fault, []string{"--id=hog", "--cmd=hog", "--mode=grow"})
	install(t, data, "echo", "echo", bins.echo, nil)
	const limit = 64 * sandbox.MiB
	e := start(t, data, func(c *pluginhost.Config) {
		c.Confine.MemoryLimit = func(id string) int64 {
			if id == "hog" {
				return limit
			}
			return 0
		}
		c.Restart = pluginhost.RestartPolicy{Backoff: 100 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxCrashes: 3, Window: time.Minute}
	})
	ctx := context.Background()
	before, err := procmem.Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	st := waitState(t, e.mgr, "hog", pluginhost.StateRunning, 10*time.Second)
	running := time.Now()
	if st.MemoryLimit != limit {
		t.Errorf("hog memory limit = %d, want %d", st.MemoryLimit, limit)
	}
	wait.ForState(t, 20*time.Second, "hog stopped over its limit", func() (bool, string) {
		st, _ = e.mgr.Status("hog")
		return st.OverMemoryLimit && st.LastError != "", fmt.Sprintf("%+v", st)
	})
	t.Logf("hog (4 MiB per 20 ms) stopped %s after it was running: %s", time.Since(running).Round(time.Millisecond), st.LastError)
	if !strings.Contains(st.LastError, "over its memory limit of 64 MiB") {
		t.Errorf("hog last error = %q, want it to say it was over its memory limit of 64 MiB", st.LastError)
	}
	st = waitState(t, e.mgr, "hog", pluginhost.StateFailed, 30*time.Second)
	if !st.OverMemoryLimit || !strings.Contains(st.LastError, "crashed 3 times") || !strings.Contains(st.LastError, "over its memory limit of 64 MiB") {
		t.Errorf("hog failed with %+v, want 3 crashes over its memory limit", st)
	}

	echo := waitState(t, e.mgr, "echo", pluginhost.StateRunning, time.Second)
	if echo.MemoryLimit != pluginhost.DefaultMemoryLimit || echo.RSS <= 0 || echo.RSS > 64*sandbox.MiB {
		t.Errorf("echo status = %+v, want the default limit and a sane RSS", echo)
	}
	resp, err := command(ctx, e.mgr, "echo", "echo", sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: "unharmed"})
	if err != nil || !strings.Contains(resp.Message.Content, "unharmed") {
		t.Fatalf("echo after hog failed = %+v, %v", resp, err)
	}
	host, err := procmem.Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("host (test process) RSS %.1f MiB before the hog, %.1f MiB after; echo RSS %.1f MiB, PSS %.1f MiB",
		procmem.MB(before.RSS), procmem.MB(host.RSS), float64(echo.RSS)/sandbox.MiB, float64(echo.PSS)/sandbox.MiB)
	if grew := host.RSS - before.RSS; grew > 32<<10 {
		t.Errorf("host RSS grew by %d kB while the hog was stopped 3 times, want under 32 MiB", grew)
	}
}

// TestSoftMemoryLimit: a plugin gets GOMEMLIMIT at 90% of its limit.
func TestSoftMemoryLimit(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, func(c *pluginhost.Config) {
		c.Confine.MemoryLimit = func(string) int64 { return 100 * sandbox.MiB }
	})
	waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	resp, err := command(context.Background(), e.mgr, "fault", "fault", do("env"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "GOMEMLIMIT=" + strconv.Itoa(100*sandbox.MiB/10*9) + "B"; !strings.Contains(resp.Message.Content, want) {
		t.Errorf("plugin environment:\n%s\nwant %s", resp.Message.Content, want)
	}
}

// probeResult mirrors the fault plugin's probe report.
type probeResult struct {
	HostEnviron string            `json:"host_environ"`
	Config      string            `json:"config"`
	Store       string            `json:"store"`
	Docker      string            `json:"docker"`
	PluginYAML  string            `json:"plugin_yaml"`
	WorkDir     string            `json:"work_dir"`
	Cwd         string            `json:"cwd"`
	Status      map[string]string `json:"status"`
}

// needRoot fails the test under CI (which runs as root) and skips it
// elsewhere when the test process cannot switch users.
func needRoot(t *testing.T) {
	t.Helper()
	if ok, why := sandbox.CanSwitchUser(); !ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI runs as root, but this test process cannot switch users: %s", why)
		}
		t.Skipf("needs root: %s", why)
	}
}

// runProbe installs the fault plugin "hostile" asking for docker, starts a
// host over data with the given confinement and returns what the plugin
// could reach.
func runProbe(t *testing.T, conf pluginhost.Confinement) (probeResult, string) {
	t.Helper()
	data := t.TempDir()
	cfgFile := filepath.Join(data, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("discord:\n  token: secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := install(t, data, "hostile", "hostile", bins.fault, []string{"--id=hostile", "--cmd=hostile", "--capabilities=docker"})
	socket, _ := sandbox.DockerSocket(os.Getenv("DOCKER_HOST"))
	if _, err := sandbox.Socket(socket); err != nil {
		t.Fatalf("the probe needs the Docker socket: %v", err)
	}
	conf.DockerHost = os.Getenv("DOCKER_HOST")
	e := start(t, data, func(c *pluginhost.Config) { c.Confine = conf })
	waitState(t, e.mgr, "hostile", pluginhost.StateRunning, 10*time.Second)
	targets, _ := json.Marshal(map[string]any{
		"host_pid": os.Getpid(), "config": cfgFile, "store": filepath.Join(data, "ddc.db"),
		"docker_socket": socket, "plugin_yaml": filepath.Join(dir, pluginhost.DescriptorFile),
	})
	resp, err := command(context.Background(), e.mgr, "hostile", "hostile", do("probe"),
		sdk.OptionValue{Name: "targets", Type: sdk.OptionString, Value: string(targets)})
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	var r probeResult
	if err := json.Unmarshal([]byte(resp.Message.Content), &r); err != nil {
		t.Fatalf("probe answered %q: %v", resp.Message.Content, err)
	}
	t.Logf("probe: environ %q, config %q, store %q, docker %q, plugin.yaml %q, cwd %s (write %q), Uid %s, Gid %s, Groups %q, CapEff %s, CapBnd %s, NoNewPrivs %s",
		r.HostEnviron, r.Config, r.Store, r.Docker, r.PluginYAML, r.Cwd, r.WorkDir,
		r.Status["Uid"], r.Status["Gid"], r.Status["Groups"], r.Status["CapEff"], r.Status["CapBnd"], r.Status["NoNewPrivs"])
	// The Host API works across the user boundary (its socket is the
	// plugin's group's).
	ctx := context.Background()
	if _, err := command(ctx, e.mgr, "hostile", "hostile", do("kv-put"), sdk.OptionValue{Name: "value", Type: sdk.OptionString, Value: "v1"}); err != nil {
		t.Errorf("host api KV put: %v", err)
	}
	if resp, err := command(ctx, e.mgr, "hostile", "hostile", do("kv-get")); err != nil || resp.Message.Content != "got v1" {
		t.Errorf("host api KV get = %+v, %v, want got v1", resp, err)
	}
	return r, dir
}

// TestHostilePluginConfined runs a hostile third-party plugin under a root
// host: unconfined it reads the host's environment, config and store and
// talks to Docker; with its own user every attack is refused, it has no
// capabilities, no supplementary groups and no_new_privs, and it may write
// only its working directory.
func TestHostilePluginConfined(t *testing.T) {
	needRoot(t)
	t.Run("unconfined", func(t *testing.T) {
		r, _ := runProbe(t, pluginhost.Confinement{})
		for what, got := range map[string]string{"host environ": r.HostEnviron, "config": r.Config, "store": r.Store, "docker": r.Docker} {
			if got != "ok" {
				t.Errorf("unconfined plugin run by root: %s = %q, want ok (the attack this test guards against)", what, got)
			}
		}
	})
	t.Run("own user", func(t *testing.T) {
		r, dir := runProbe(t, pluginhost.Confinement{Users: true})
		for what, got := range map[string]string{"host environ": r.HostEnviron, "config": r.Config, "store": r.Store, "docker": r.Docker, "plugin.yaml": r.PluginYAML} {
			if !strings.Contains(got, "permission denied") {
				t.Errorf("confined plugin: %s = %q, want permission denied", what, got)
			}
		}
		checkConfined(t, r, dir, "")
	})
	t.Run("docker granted", func(t *testing.T) {
		grants := func(id string) []string { return []string{pluginhost.CapabilityDocker} }
		r, dir := runProbe(t, pluginhost.Confinement{Users: true, Grants: grants})
		if r.Docker != "ok" {
			t.Errorf("docker granted: ping = %q, want ok", r.Docker)
		}
		if !strings.Contains(r.Config, "permission denied") || !strings.Contains(r.Store, "permission denied") {
			t.Errorf("docker granted: config = %q, store = %q, want both refused", r.Config, r.Store)
		}
		socket, _ := sandbox.DockerSocket(os.Getenv("DOCKER_HOST"))
		acc, _ := sandbox.Socket(socket)
		checkConfined(t, r, dir, strconv.FormatUint(uint64(acc.GID), 10))
	})
}

// checkConfined checks the plugin's identity: its own uid and gid from the
// plugin range, only the groups wanted, no capabilities, no_new_privs and
// its working directory.
func checkConfined(t *testing.T, r probeResult, dir, groups string) {
	t.Helper()
	uid := strings.Fields(r.Status["Uid"])
	gid := strings.Fields(r.Status["Gid"])
	if len(uid) != 4 || len(gid) != 4 {
		t.Fatalf("probe status Uid %q Gid %q", r.Status["Uid"], r.Status["Gid"])
	}
	n, _ := strconv.Atoi(uid[0])
	if n < 61184 || n >= 62184 || uid[0] != uid[1] || uid[0] != uid[2] || uid[0] != uid[3] || gid[0] != uid[0] || gid[3] != uid[0] {
		t.Errorf("plugin Uid %v Gid %v, want one uid = gid from 61184-62183", uid, gid)
	}
	if r.Status["Groups"] != groups {
		t.Errorf("plugin Groups %q, want %q", r.Status["Groups"], groups)
	}
	for _, c := range []string{"CapInh", "CapPrm", "CapEff", "CapAmb"} {
		if r.Status[c] != "0000000000000000" {
			t.Errorf("plugin %s = %s, want none", c, r.Status[c])
		}
	}
	if r.Status["NoNewPrivs"] != "1" {
		t.Errorf("plugin NoNewPrivs = %q, want 1", r.Status["NoNewPrivs"])
	}
	work := filepath.Join(dir, pluginhost.WorkDirName)
	if r.Cwd != work || r.WorkDir != "ok" {
		t.Errorf("plugin cwd %q (write: %s), want %s and writable", r.Cwd, r.WorkDir, work)
	}
	fi, err := os.Stat(filepath.Join(work, "probe.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); strconv.Itoa(int(st.Uid)) != uid[0] {
		t.Errorf("probe.txt owned by uid %d, want the plugin's %s", st.Uid, uid[0])
	}
}

// TestServeAsUserNonDumpable runs `ddc serve` as an ordinary user (uid
// 65534) that owns its data directory: it says at start that plugins run
// as its own user and what they can reach, and a process of that same
// user cannot read the host's environment, though it can read a plugin's.
func TestServeAsUserNonDumpable(t *testing.T) {
	needRoot(t)
	const uid = 65534
	data := t.TempDir()
	install(t, data, "ext", "ext", bins.fault, []string{"--id=ext", "--cmd=ext"})
	exe := filepath.Join(t.TempDir(), "ddc")
	sharedDir(t, filepath.Dir(exe), 0o755)
	raw, err := os.ReadFile(bins.ddc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := filepath.Walk(data, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	}); err != nil {
		t.Fatal(err)
	}
	cfg := "plugins:\n  containers:\n    enabled: false\n  scheduler:\n    enabled: false\n"
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(data, "config.yaml"), uid, uid); err != nil {
		t.Fatal(err)
	}
	s := serveWith(t, data, "", true, func(cmd *exec.Cmd) {
		cmd.Path = exe
		cmd.Env = append(cmd.Env, "DDC_TEST_SECRET=hunter2")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, Groups: []uint32{}}}
	})
	s.waitHealthy(t, 30*time.Second, "ext")
	if !strings.Contains(s.logs.String(), "third-party plugins run as DDC's own user (uid 65534)") {
		t.Errorf("log does not say what plugins can reach:\n%s", s.logs.String())
	}
	kids := children(t, s.cmd.Process.Pid)
	if len(kids) == 0 {
		t.Fatal("no plugin process under ddc serve")
	}
	read := func(pid int) (string, error) {
		cmd := exec.Command("cat", fmt.Sprintf("/proc/%d/environ", pid))
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, Groups: []uint32{}}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := read(s.cmd.Process.Pid); err == nil || strings.Contains(out, "hunter2") || !strings.Contains(out, "Permission denied") {
		t.Errorf("same user reading the host's environ: %q, %v; want permission denied", out, err)
	}
	if out, err := read(kids[0]); err != nil || !strings.Contains(out, "DDC_PLUGIN_ID=") {
		t.Errorf("same user reading the plugin's environ: %q, %v; want it readable (the control)", out, err)
	}
}

// TestMemoryLimitCountsEscapedProcesses: a plugin with its own user leaves
// a process that grows outside its process tree and group; the watchdog
// counts every process of the plugin's user, stops the plugin over its
// limit, and no process of that user survives.
func TestMemoryLimitCountsEscapedProcesses(t *testing.T) {
	needRoot(t)
	data := t.TempDir()
	install(t, data, "runaway", "runaway", bins.fault, []string{"--id=runaway", "--cmd=runaway", "--mode=escape"})
	e := start(t, data, func(c *pluginhost.Config) {
		c.Confine = pluginhost.Confinement{Users: true, MemoryLimit: func(string) int64 { return 64 * sandbox.MiB }}
		c.Restart = pluginhost.RestartPolicy{Backoff: 100 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxCrashes: 2, Window: time.Minute}
	})
	st := waitState(t, e.mgr, "runaway", pluginhost.StateRunning, 10*time.Second)
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", st.PID))
	if err != nil {
		t.Fatal(err)
	}
	var uid uint32
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			uid = uint32(n)
		}
	}
	if uid < 61184 {
		t.Fatalf("runaway runs as uid %d, want its own", uid)
	}
	t.Cleanup(func() { sandbox.KillUser(uid) }) // whatever happens, no grower stays
	st = waitState(t, e.mgr, "runaway", pluginhost.StateFailed, 40*time.Second)
	if !st.OverMemoryLimit || !strings.Contains(st.LastError, "over its memory limit of 64 MiB") {
		t.Errorf("runaway failed with %+v, want it over its memory limit", st)
	}
	wait.ForState(t, 5*time.Second, "no process of the plugin's user", func() (bool, string) {
		pids, err := sandbox.UserProcesses(uid)
		return err == nil && len(pids) == 0, fmt.Sprintf("uid %d runs %v (%v)", uid, pids, err)
	})
}

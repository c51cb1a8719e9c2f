package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/ddc-go/ddc/host/sandbox"
	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// The third-party plugins TestImage installs: the fault test plugin
// (e2e/plugins/testdata/faultplugin) in its quiet mode under two ids, the
// first asking for and granted the docker capability.
const (
	probeGranted = "probe"
	probePlain   = "plain"
)

// noCaps is an empty capability set as /proc/PID/status shows it.
const noCaps = "0000000000000000"

// installThirdParty builds the fault plugin statically (the image has no
// libc) and installs it in data/plugins under both ids, as `ddc plugins
// install` lays plugins out: a 0755 directory with the executable and a
// plugin.yaml holding its SHA-256.
func installThirdParty(t *testing.T, data string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "faultplugin")
	build := exec.Command("go", "build", "-tags", "nomsgpack", "-trimpath", "-o", bin, "../plugins/testdata/faultplugin")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the fault plugin: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	for id, asks := range map[string]string{probeGranted: "docker", probePlain: ""} {
		dir := filepath.Join(data, "plugins", id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "faultplugin"), raw, 0o755); err != nil {
			t.Fatal(err)
		}
		desc := fmt.Sprintf("id: %s\nname: %s\nversion: 1.0.0\nprotocol_version: 1\nexecutable: faultplugin\nsha256: %s\nargs: [\"--id=%s\", \"--cmd=%s\", \"--capabilities=%s\"]\n",
			id, id, hex.EncodeToString(sum[:]), id, id, asks)
		if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(desc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// keptCaps is the host's capability set after the switch, as
// /proc/PID/status shows it: sandbox.SwitchCapabilities.
func keptCaps() string {
	var m uint64
	for _, c := range sandbox.SwitchCapabilities() {
		m |= 1 << c.Bit
	}
	return fmt.Sprintf("%016x", m)
}

// statusFields are the lines of /proc/PID/status the tests compare.
var statusFields = []string{"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapAmb", "NoNewPrivs"}

// fullStatus reads statusFields of pid, spaces collapsed.
func fullStatus(t *testing.T, pid int) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, _ := strings.Cut(line, ":")
		for _, f := range statusFields {
			if k == f {
				out[k] = strings.Join(strings.Fields(v), " ")
			}
		}
	}
	return out
}

// statusLines renders st in /proc's order, for the log.
func statusLines(st map[string]string) string {
	var b strings.Builder
	for _, f := range statusFields {
		fmt.Fprintf(&b, "%s:\t%s\n", f, st[f])
	}
	return b.String()
}

// compare reports each field of want that st does not have.
func compare(t *testing.T, what string, st, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if st[k] != v {
			t.Errorf("%s: %s %q, want %q\n%s", what, k, st[k], v, statusLines(st))
		}
	}
}

// executable returns the first word of pid's command line.
func executable(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	first, _, _ := bytes.Cut(raw, []byte{0})
	return string(first)
}

func four(n int) string { s := strconv.Itoa(n); return s + " " + s + " " + s + " " + s }

// checkPrivileges: the host runs as PUID:PGID with the socket's group and
// exactly the kept capabilities (permitted and effective; none
// inheritable or ambient) and no_new_privs (the compose file's); its
// bundled plugins, the same executable, as PUID:PGID with no capability.
func checkPrivileges(t *testing.T, hostPID, sockGID int) {
	t.Helper()
	host := fullStatus(t, hostPID)
	t.Logf("host (pid %d, %s) /proc status:\n%s", hostPID, executable(hostPID), statusLines(host))
	compare(t, "host", host, map[string]string{
		"Uid": four(puid), "Gid": four(pgid), "Groups": strconv.Itoa(sockGID),
		"CapInh": noCaps, "CapPrm": keptCaps(), "CapEff": keptCaps(), "CapAmb": noCaps, "NoNewPrivs": "1",
	})
	bundled := 0
	for _, p := range childrenOf(t, hostPID) {
		if executable(p) != "/ddc" {
			continue
		}
		bundled++
		st := fullStatus(t, p)
		if bundled == 1 {
			t.Logf("bundled plugin (pid %d) /proc status:\n%s", p, statusLines(st))
		}
		compare(t, fmt.Sprintf("bundled plugin %d", p), st, map[string]string{
			"Uid": four(puid), "Gid": four(pgid), "Groups": strconv.Itoa(sockGID),
			"CapInh": noCaps, "CapPrm": noCaps, "CapEff": noCaps, "CapAmb": noCaps, "NoNewPrivs": "1",
		})
	}
	if bundled < 2 {
		t.Errorf("the host runs %d bundled plugins, want at least containers and scheduler", bundled)
	}
}

// thirdPartyUsers: both installed plugins start and answer the host (it
// registers their commands with Discord: the handshake over their sockets
// worked), each as a user of its own from 61184 up (uid = gid, not PUID),
// with no capability and no_new_privs; only the one granted docker has the
// socket's group; each owns its working directory. Then the host stops a
// plugin that cannot cooperate (SIGSTOPped from outside, its directory
// removed): only a host that kept CAP_KILL can end another user's process.
func thirdPartyUsers(t *testing.T, srv *fakediscord.Server, hostPID int, data string) {
	t.Helper()
	waitCommands(t, srv, probeGranted, probePlain)
	var sockGID string
	if host := fullStatus(t, hostPID); host["Groups"] != "" {
		sockGID = host["Groups"]
	}
	pids := map[string]int{}
	for _, p := range childrenOf(t, hostPID) {
		if id, ok := strings.CutPrefix(executable(p), "/data/plugins/"); ok {
			pids[strings.Split(id, "/")[0]] = p
		}
	}
	uids := map[string]int{}
	for id, groups := range map[string]string{probeGranted: sockGID, probePlain: ""} {
		pid, ok := pids[id]
		if !ok {
			t.Fatalf("no process of the plugin %s among the host's children %v", id, pids)
		}
		st := fullStatus(t, pid)
		t.Logf("third-party plugin %s (pid %d) /proc status:\n%s", id, pid, statusLines(st))
		uid, _ := strconv.Atoi(strings.Fields(st["Uid"] + " x")[0])
		uids[id] = uid
		if uid < 61184 || uid >= 62184 || uid == puid {
			t.Errorf("plugin %s runs as uid %d, want its own from 61184-62183, not PUID %d", id, uid, puid)
		}
		compare(t, "plugin "+id, st, map[string]string{
			"Uid": four(uid), "Gid": four(uid), "Groups": groups,
			"CapInh": noCaps, "CapPrm": noCaps, "CapEff": noCaps, "CapAmb": noCaps, "NoNewPrivs": "1",
		})
		var fi syscall.Stat_t
		if err := syscall.Stat(filepath.Join(data, "plugins", id, "data"), &fi); err != nil || int(fi.Uid) != uid {
			t.Errorf("plugin %s's working directory owned by %d (%v), want its uid %d", id, fi.Uid, err, uid)
		}
	}
	if uids[probeGranted] == uids[probePlain] {
		t.Errorf("both plugins run as uid %d, want one user each", uids[probePlain])
	}

	pid := pids[probePlain]
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	if err := os.RemoveAll(filepath.Join(data, "plugins", probePlain)); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	wait.For(t, 60*time.Second, "the host to end the stopped plugin "+probePlain+" after its removal", func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
		return os.IsNotExist(err)
	})
	t.Logf("plugin %s, SIGSTOPped and removed, ended by the host after %v", probePlain, time.Since(began).Round(time.Millisecond))
	if left, err := sandbox.UserProcesses(uint32(uids[probePlain])); err != nil || len(left) > 0 {
		t.Errorf("processes of the removed plugin's user left: %v (%v)", left, err)
	}
}

// withoutPluginCaps runs the image as root with PUID/PGID but only the
// capabilities the switch alone needs (what docker-compose.yml added
// before plugin users: CHOWN, DAC_READ_SEARCH, SETGID, SETUID): ddc keeps
// none, says which it lacks and that third-party plugins run as its own
// user, and runs an installed plugin as PUID.
func withoutPluginCaps(t *testing.T, eng *dockertest.Engine, tag, socket string) {
	t.Helper()
	data, err := os.MkdirTemp("", "ddc-image-nocaps-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) })
	listen := freeAddr(t)
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte(fmt.Sprintf(`{"web":{"listen":%q}}`, listen)), 0o600); err != nil {
		t.Fatal(err)
	}
	installThirdParty(t, data)
	ctx := ctxT(t, 5*time.Minute)
	id := createLabelled(t, eng, "nocaps", &container.Config{
		Image: tag, User: "0:0",
		Env: []string{fmt.Sprintf("PUID=%d", puid), fmt.Sprintf("PGID=%d", pgid)},
	}, &container.HostConfig{
		NetworkMode: "host",
		Binds:       []string{data + ":/data", socket + ":/var/run/docker.sock"},
		CapDrop:     []string{"ALL"}, CapAdd: []string{"CHOWN", "DAC_READ_SEARCH", "SETGID", "SETUID"},
		SecurityOpt: []string{"no-new-privileges:true"},
	})
	if _, err := eng.Client.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHealthz(t, listen, 60*time.Second)
	hostPID := inspect(t, eng, id).State.Pid
	var pluginPID int
	wait.For(t, 30*time.Second, "the plugin "+probePlain+" to run", func() bool {
		for _, p := range childrenOf(t, hostPID) {
			if executable(p) == "/data/plugins/"+probePlain+"/faultplugin" {
				pluginPID = p
				return true
			}
		}
		return false
	})
	compare(t, "host", fullStatus(t, hostPID), map[string]string{"Uid": four(puid), "CapPrm": noCaps, "CapEff": noCaps})
	st := fullStatus(t, pluginPID)
	t.Logf("third-party plugin %s without the plugin host's capabilities (pid %d):\n%s", probePlain, pluginPID, statusLines(st))
	compare(t, "plugin "+probePlain, st, map[string]string{"Uid": four(puid), "CapEff": noCaps, "NoNewPrivs": "1"})
	logs := containerLogs(t, eng, id)
	for _, want := range []string{"lacks the capabilities DAC_OVERRIDE, KILL", fmt.Sprintf("third-party plugins run as DDC's own user (uid %d)", puid)} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, firstLines(logs, 12))
		}
	}
}

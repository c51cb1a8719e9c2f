package image

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// Ids of the fake guild.
const (
	guildID    = "940000000000000001"
	controlCh  = "940000000000000002"
	operatorRl = "940000000000000004"
	operator   = "940000000000000005"
)

// The user and group the container is told to switch to (PUID/PGID):
// ids no account of the machine has.
const (
	puid = 4711
	pgid = 4712
)

// imageBudget is the budget for the uncompressed image.
const imageBudget = 30 << 20

// TestImage builds the real image with scripts/image.sh (as `task image`
// does; nothing is pulled) and runs it on the local engine with
// docker-compose.yml's settings: started as root with PUID/PGID, every
// capability dropped but the four the switch needs, no new privileges,
// read-only root with a tmpfs /tmp, 128 MB, the compose health check, the
// Docker socket and a data directory mounted, TZ set.
//
// Network: the engine here has no bridge, so instead of publishing 9374
// the container shares the host's network and ddc listens on loopback
// only; that is also how it reaches the fake Discord on loopback. The
// proof that the socket works is the real path a user takes: /container
// list and /container restart from the fake Discord, handled by the
// containers plugin inside the container, on a sibling test container.
//
// It checks: the container becomes healthy (Docker's own health status,
// from `ddc healthcheck`); the host and its bundled plugins run as
// PUID:PGID with only the socket's group, the host with exactly the
// capabilities that run plugins as their own users, the bundled plugins
// with none; two third-party plugins installed in /data/plugins run as
// users of their own with no capability and no_new_privs, the one granted
// docker with the socket's group, and are stopped by the host even when
// they do not cooperate (see thirdPartyUsers); the data directory belongs
// to PUID:PGID; times are logged in TZ; a task created before `docker
// restart` is listed after it (the data survives); the image's config is
// the one users get (non-root user, health check, port, volume, labels).
func TestImage(t *testing.T) {
	eng := dockertest.Connect(t)
	socket, ok := strings.CutPrefix(eng.Host, "unix://")
	if !ok {
		t.Fatalf("the engine is at %s; the image test mounts a local socket", eng.Host)
	}
	var sockStat syscall.Stat_t
	if err := syscall.Stat(socket, &sockStat); err != nil {
		t.Fatal(err)
	}
	sibling := eng.Run(t, dockertest.Options{StopTimeout: time.Second})
	svc := composeService(t)

	tag, rootfs := buildImage(t, eng)
	checkImageConfig(t, eng, tag)
	measureExecToHealthy(t, filepath.Join(rootfs, "ddc"))

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
	listen := freeAddr(t)
	data := dataDir(t, listen, srv.URL(), eng.RunID)
	installThirdParty(t, data)

	id := createContainer(t, eng, svc, tag, data, socket, srv.Token())
	start := time.Now()
	ctx := ctxT(t, 10*time.Minute)
	if _, err := eng.Client.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	answering := waitHealthz(t, listen, 60*time.Second)
	t.Logf("docker run → /healthz answers 200: %v", answering.Sub(start).Round(time.Millisecond))
	healthy := waitHealthy(t, eng, id, 90*time.Second)
	t.Logf("docker run → Docker health status healthy (interval 1s): %v", healthy.Sub(start).Round(time.Millisecond))

	t.Run("non-root with only the socket's group", func(t *testing.T) {
		checkPrivileges(t, inspect(t, eng, id).State.Pid, int(sockStat.Gid))
		for _, f := range []string{".", "config.yaml", "ddc.db"} {
			var st syscall.Stat_t
			if err := syscall.Stat(filepath.Join(data, f), &st); err != nil || st.Uid != puid || st.Gid != pgid {
				t.Errorf("data/%s owned by %d:%d (%v), want %d:%d", f, st.Uid, st.Gid, err, puid, pgid)
			}
		}
	})

	t.Run("third-party plugins as users of their own", func(t *testing.T) {
		thirdPartyUsers(t, srv, inspect(t, eng, id).State.Pid, data)
	})

	waitCommands(t, srv, "container", "task")
	t.Run("lists and restarts a sibling through the socket", func(t *testing.T) {
		list := fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: controlCh, UserID: operator,
			Command: "container", Options: []fakediscord.Option{{Name: "list"}}}
		if text := answer(t, srv, list, 60*time.Second); !strings.Contains(text, sibling.Name) {
			t.Errorf("/container list answered %q, want it to list %s", text, sibling.Name)
		}
		before := eng.Inspect(t, sibling).State.StartedAt
		restart := fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: controlCh, UserID: operator,
			Command: "container", Options: []fakediscord.Option{{Name: "restart", Options: []fakediscord.Option{{Name: "name", Value: sibling.Name}}}}}
		if text := answer(t, srv, restart, 60*time.Second); !strings.Contains(text, sibling.Name) {
			t.Errorf("/container restart answered %q", text)
		}
		eng.WaitFor(t, sibling, 30*time.Second, "restarted from inside the image", func(c container.InspectResponse) bool {
			return c.State.Running && c.State.StartedAt != before
		})
	})

	t.Run("TZ is honoured", func(t *testing.T) {
		if logs := containerLogs(t, eng, id); !strings.Contains(logs, "+05:30 level=") {
			t.Errorf("TZ=Asia/Kolkata: no log time in +05:30:\n%s", firstLines(logs, 5))
		}
	})

	t.Run("data survives a container restart", func(t *testing.T) {
		tomorrow := time.Now().UTC().Add(24 * time.Hour)
		add := fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: controlCh, UserID: operator, Command: "task",
			Options: []fakediscord.Option{{Name: "add", Options: []fakediscord.Option{
				{Name: "container", Value: sibling.Name}, {Name: "action", Value: "restart"}, {Name: "schedule", Value: "once"},
				{Name: "date", Value: tomorrow.Format("2006-01-02")}, {Name: "time", Value: "12:00"}, {Name: "note", Value: "image"},
			}}}}
		text := answer(t, srv, add, 60*time.Second)
		parts := strings.Split(text, "`")
		if !strings.Contains(text, "created") || len(parts) < 3 {
			t.Fatalf("/task add answered %q", text)
		}
		taskID := parts[1]
		restarted := time.Now()
		if _, err := eng.Client.ContainerRestart(ctx, id, client.ContainerRestartOptions{}); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, eng, id, 90*time.Second)
		t.Logf("docker restart → healthy: %v", time.Since(restarted).Round(time.Millisecond))
		list := fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: controlCh, UserID: operator, Command: "task",
			Options: []fakediscord.Option{{Name: "list"}}}
		wait.For(t, 60*time.Second, "/task list after the restart to show the task", func() bool {
			return strings.Contains(tryAnswer(srv, list, 5*time.Second), taskID)
		})
	})

	t.Run("plain docker run: the image's own user", func(t *testing.T) {
		plainRun(t, eng, tag, int(sockStat.Gid))
	})

	t.Run("without the plugin host's capabilities: plugins share PUID, as the log says", func(t *testing.T) {
		withoutPluginCaps(t, eng, tag, socket)
	})
}

// plainRun runs the image with its defaults (user 65532, an anonymous
// volume for /data, no PUID/PGID) plus --group-add of the socket's group,
// as the README tells users without PUID/PGID: it becomes healthy as
// 65532 with the socket's group, and the volume is its own.
func plainRun(t *testing.T, eng *dockertest.Engine, tag string, sockGID int) {
	t.Helper()
	listen := freeAddr(t)
	ctx := ctxT(t, 5*time.Minute)
	id := createLabelled(t, eng, "plain", &container.Config{
		Image: tag,
		Env:   []string{"DDC_WEB_LISTEN=" + listen},
		Healthcheck: &container.HealthConfig{ // the image's test, every second
			Test: []string{"CMD", "/ddc", "healthcheck"}, Interval: time.Second, Timeout: 5 * time.Second, Retries: 3,
		},
	}, &container.HostConfig{
		NetworkMode: "host",
		Binds:       []string{strings.TrimPrefix(eng.Host, "unix://") + ":/var/run/docker.sock"},
		GroupAdd:    []string{strconv.Itoa(sockGID)},
	})
	if _, err := eng.Client.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, eng, id, 90*time.Second)
	pid := inspect(t, eng, id).State.Pid
	got := fullStatus(t, pid)
	if got["Uid"] != "65532 65532 65532 65532" || got["Gid"] != "65532 65532 65532 65532" || !slices.Contains(strings.Fields(got["Groups"]), strconv.Itoa(sockGID)) {
		t.Errorf("plain run's host process: %s, want 65532:65532 with group %d", statusLines(got), sockGID)
	}
	logs := containerLogs(t, eng, id)
	if !strings.Contains(logs, "wrote the default config") {
		t.Errorf("the image's user could not write its volume:\n%s", firstLines(logs, 10))
	}
	if !strings.Contains(logs, "third-party plugins run as DDC's own user (uid 65532)") {
		t.Errorf("a plain run does not say that third-party plugins share its user:\n%s", firstLines(logs, 10))
	}
}

// buildImage runs scripts/image.sh with a tag of this test and returns the
// tag and the staged root file system; the tag is removed at the end.
func buildImage(t *testing.T, eng *dockertest.Engine) (tag, rootfs string) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	tag = "ddc-test/ddc:" + hex.EncodeToString(b)
	staging := t.TempDir()
	cmd := exec.Command("bash", "scripts/image.sh", tag)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "IMAGE_CONTEXT="+staging)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := eng.Client.ImageRemove(ctx, tag, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
			t.Errorf("remove image %s: %v", tag, err)
		}
	})
	began := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/image.sh: %v\n%s", err, out)
	}
	t.Logf("scripts/image.sh (go build + docker build): %v", time.Since(began).Round(time.Second))
	return tag, filepath.Join(staging, "rootfs")
}

// checkImageConfig checks the image's config and measures its size.
func checkImageConfig(t *testing.T, eng *dockertest.Engine, tag string) {
	t.Helper()
	ctx := ctxT(t, 5*time.Minute)
	ii, err := eng.Client.ImageInspect(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	c := ii.Config
	if c.User != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532 (non-root by default)", c.User)
	}
	if c.Healthcheck == nil || strings.Join(c.Healthcheck.Test, " ") != "CMD /ddc healthcheck" {
		t.Errorf("image health check %+v, want CMD /ddc healthcheck", c.Healthcheck)
	}
	if _, ok := c.ExposedPorts["9374/tcp"]; !ok {
		t.Errorf("image exposes %v, want 9374/tcp", c.ExposedPorts)
	}
	if _, ok := c.Volumes["/data"]; !ok {
		t.Errorf("image volumes %v, want /data", c.Volumes)
	}
	for _, l := range []string{"title", "description", "source", "version", "revision", "created"} {
		if c.Labels["org.opencontainers.image."+l] == "" {
			t.Errorf("image lacks the OCI label org.opencontainers.image.%s: %v", l, c.Labels)
		}
	}
	if ii.Size > imageBudget {
		t.Errorf("image is %d bytes uncompressed, over the budget of %d by %d", ii.Size, imageBudget, ii.Size-imageBudget)
	}
	rc, err := eng.Client.ImageSave(ctx, []string{tag})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var n countWriter
	zw := gzip.NewWriter(&n)
	if _, err := io.Copy(zw, rc); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	t.Logf("image %s: %d bytes uncompressed, %d bytes as docker save | gzip", tag, ii.Size, int64(n))
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// measureExecToHealthy runs the image's binary on this machine and logs
// the time from exec to /healthz answering 200.
func measureExecToHealthy(t *testing.T, bin string) {
	t.Helper()
	data := t.TempDir()
	listen := freeAddr(t)
	cfg := fmt.Sprintf(`{"web":{"listen":%q}}`, listen)
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--data-dir", data)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	at := waitHealthz(t, listen, 30*time.Second)
	t.Logf("exec → /healthz answers 200 (the image's binary, on this machine): %v", at.Sub(began).Round(time.Millisecond))
}

// dataDir makes the data directory to mount as /data: mode 0700 and
// root's, like a directory Docker creates for a bind mount, holding a
// config for the fake Discord and the containers plugin limited to this
// test process's containers.
func dataDir(t *testing.T, listen, apiURL, runID string) string {
	t.Helper()
	data, err := os.MkdirTemp("", "ddc-image-data-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) })
	cfg := map[string]any{
		"web": map[string]any{"listen": listen},
		"discord": map[string]any{
			"api_url": apiURL, "guild_ids": []string{guildID}, "control_channels": []string{controlCh},
			"operator_roles": []string{operatorRl}, "command_cooldown": "0s", "button_cooldown": "0s", "per_minute_cap": 0,
		},
		"plugins": map[string]any{
			"containers": map[string]any{"settings": map[string]any{
				"endpoints": []map[string]any{{"name": "local", "host": "unix:///var/run/docker.sock", "label_filter": dockertest.LabelRun + "=" + runID}},
			}},
			"scheduler":  map[string]any{"settings": map[string]any{"timezone": "UTC"}},
			"echo":       map[string]any{"enabled": false},
			probeGranted: map[string]any{"capabilities": []string{"docker"}},
		},
	}
	raw, _ := json.Marshal(cfg) // JSON is YAML
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return data
}

// createContainer creates the ddc container from the compose service's
// settings (see TestImage for the network), removed at the end.
func createContainer(t *testing.T, eng *dockertest.Engine, svc service, tag, data, socket, token string) string {
	t.Helper()
	env := []string{"DISCORD_BOT_TOKEN=" + token, fmt.Sprintf("PUID=%d", puid), fmt.Sprintf("PGID=%d", pgid), "TZ=Asia/Kolkata"}
	for k := range svc.Environment {
		if !strings.Contains(strings.Join(env, "\n"), k+"=") && k != "DDC_ADMIN_PASSWORD" {
			t.Errorf("compose sets %s, which this test does not pass on", k)
		}
	}
	tmpfs := map[string]string{}
	for _, m := range svc.Tmpfs {
		path, opts, _ := strings.Cut(m, ":")
		tmpfs[path] = opts
	}
	mem, err := parseMem(svc.MemLimit)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &container.Config{
		Image: tag, User: svc.User, Env: env,
		Healthcheck: &container.HealthConfig{ // compose's test; a 1 s interval to see "healthy" soon
			Test: svc.Healthcheck.Test, Interval: time.Second, Timeout: 5 * time.Second, Retries: svc.Healthcheck.Retries,
		},
	}
	hc := &container.HostConfig{
		NetworkMode: "host",
		Binds:       []string{data + ":/data", socket + ":/var/run/docker.sock"},
		CapDrop:     svc.CapDrop, CapAdd: svc.CapAdd, SecurityOpt: svc.SecurityOpt,
		ReadonlyRootfs: svc.ReadOnly, Tmpfs: tmpfs,
		Resources:     container.Resources{Memory: mem},
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyMode(svc.Restart)},
	}
	return createLabelled(t, eng, "", cfg, hc)
}

// createLabelled creates a container named ddc-test-image-[kind-]<random>
// from cfg and hc, labelled as this run's test container, and removes it
// at the end of the test (its logs are logged first when the test failed).
func createLabelled(t *testing.T, eng *dockertest.Engine, kind string, cfg *container.Config, hc *container.HostConfig) string {
	t.Helper()
	host, _ := os.Hostname()
	cfg.Labels = map[string]string{dockertest.LabelTest: "1", dockertest.LabelRun: eng.RunID, dockertest.LabelHost: host}
	name := "ddc-test-image-"
	if kind != "" {
		name += kind + "-"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	resp, err := eng.Client.ContainerCreate(ctxT(t, time.Minute), client.ContainerCreateOptions{Config: cfg, HostConfig: hc, Name: name + hex.EncodeToString(b)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if t.Failed() {
			t.Logf("%s container logs:\n%s", name, containerLogs(t, eng, resp.ID))
		}
		if _, err := eng.Client.ContainerRemove(ctx, resp.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			t.Errorf("remove container %s: %v", name, err)
		}
	})
	return resp.ID
}

// parseMem reads a compose memory size: "128m" or a byte count.
func parseMem(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "m"):
		mult, s = 1<<20, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "g"):
		mult, s = 1<<30, strings.TrimSuffix(s, "g")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("compose mem_limit %q: %w", s, err)
	}
	return n * mult, nil
}

func inspect(t *testing.T, eng *dockertest.Engine, id string) container.InspectResponse {
	t.Helper()
	ci, err := eng.Client.ContainerInspect(ctxT(t, 30*time.Second), id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ci.Container
}

// waitHealthy waits for Docker's health status "healthy" and returns when
// it was seen.
func waitHealthy(t *testing.T, eng *dockertest.Engine, id string, timeout time.Duration) time.Time {
	t.Helper()
	var last string
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ci := inspect(t, eng, id)
		if ci.State.Health != nil {
			last = string(ci.State.Health.Status)
			if last == "healthy" {
				return time.Now()
			}
		}
		if !ci.State.Running && !ci.State.Restarting {
			t.Fatalf("container stopped (exit %d) before it was healthy", ci.State.ExitCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ci := inspect(t, eng, id)
	if ci.State.Health != nil && len(ci.State.Health.Log) > 0 {
		l := ci.State.Health.Log[len(ci.State.Health.Log)-1]
		t.Fatalf("not healthy within %v (status %s); last check exit %d: %s", timeout, last, l.ExitCode, l.Output)
	}
	t.Fatalf("not healthy within %v (status %q)", timeout, last)
	return time.Time{}
}

// waitHealthz waits until GET /healthz on addr answers 200.
func waitHealthz(t *testing.T, addr string, timeout time.Duration) time.Time {
	t.Helper()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Now()
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("http://%s/healthz did not answer 200 within %v", addr, timeout)
	return time.Time{}
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	files, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		i := strings.LastIndexByte(string(raw), ')')
		fields := strings.Fields(string(raw[i+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			p, _ := strconv.Atoi(strings.Split(f, "/")[2])
			out = append(out, p)
		}
	}
	return out
}

func containerLogs(t *testing.T, eng *dockertest.Engine, id string) string {
	t.Helper()
	rc, err := eng.Client.ContainerLogs(ctxT(t, 30*time.Second), id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "logs: " + err.Error()
	}
	defer rc.Close()
	var b strings.Builder
	_, _ = stdcopy.StdCopy(&b, &b, rc)
	return b.String()
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// waitCommands waits until the bot has registered the named commands.
func waitCommands(t *testing.T, srv *fakediscord.Server, names ...string) {
	t.Helper()
	wait.For(t, 90*time.Second, "commands "+strings.Join(names, ", ")+" registered", func() bool {
		have := map[string]bool{}
		for _, c := range srv.Commands(guildID) {
			have[c.Name] = true
		}
		for _, n := range names {
			if !have[n] {
				return false
			}
		}
		return true
	})
}

// answer fires in and returns its visible answer's text.
func answer(t *testing.T, srv *fakediscord.Server, in fakediscord.Interaction, timeout time.Duration) string {
	t.Helper()
	h, err := srv.Fire(in)
	if err != nil {
		t.Fatal(err)
	}
	text, err := visible(h, timeout)
	if err != nil {
		t.Fatalf("/%s: %v", in.Command, err)
	}
	return text
}

// tryAnswer is answer for polling: "" on any error.
func tryAnswer(srv *fakediscord.Server, in fakediscord.Interaction, timeout time.Duration) string {
	h, err := srv.Fire(in)
	if err != nil {
		return ""
	}
	text, _ := visible(h, timeout)
	return text
}

// visible waits for the answer (the deferred one when deferred) and
// returns its content and embeds as text.
func visible(h *fakediscord.InteractionHandle, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r, err := h.WaitResponse(ctx)
	if err != nil {
		return "", fmt.Errorf("no response: %w", err)
	}
	m := r.Message
	if r.Type == fakediscord.CallbackDeferredChannelMessage {
		m, err = h.WaitOriginal(ctx, func(m *discordgo.Message) bool { return m.Flags&discordgo.MessageFlagsLoading == 0 })
		if err != nil {
			return "", fmt.Errorf("deferred answer: %w", err)
		}
	}
	if m == nil {
		return "", fmt.Errorf("response type %d without a message", r.Type)
	}
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		fmt.Fprintf(&b, "\n%s\n%s", e.Title, e.Description)
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "\n%s: %s", f.Name, f.Value)
		}
	}
	return b.String(), nil
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

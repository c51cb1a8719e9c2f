package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
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

	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// imageUID is the user the image runs as (its USER).
const imageUID = 65532

// imageRun is what running ddc:local measured.
type imageRun struct {
	toHealthz, toHealthy time.Duration
	stats                string // docker stats --no-stream MEM USAGE, idle
	each                 []procmem.Usage
	total                procmem.Usage
}

// runImage runs ref as a container the way the README's `docker run`
// does (the Docker socket mounted, its group added, a data volume), with
// the image's health check every second instead of every 30 s, wired to
// srv on the host network; it measures start to /healthz 200 and to
// Docker's "healthy", then idles and reads `docker stats --no-stream` and
// the processes' PSS/RSS. The container is removed afterwards.
func runImage(t *testing.T, eng *dockertest.Engine, srv *fakediscord.Server, ref string) imageRun {
	t.Helper()
	socket, ok := strings.CutPrefix(eng.Host, "unix://")
	if !ok {
		t.Fatalf("the engine is at %s; the image run mounts a local socket", eng.Host)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(socket, &st); err != nil {
		t.Fatal(err)
	}
	listen := freeAddr(t)
	data := imageDataDir(t, listen, srv.URL(), eng.RunID)
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	resp, err := eng.Client.ContainerCreate(ctx, client.ContainerCreateOptions{Name: "ddc-bench-image-" + hex.EncodeToString(b), Config: &container.Config{
		Image: ref, Env: []string{"DISCORD_BOT_TOKEN=" + srv.Token()},
		Labels:      map[string]string{dockertest.LabelTest: "1", dockertest.LabelRun: eng.RunID, dockertest.LabelHost: host},
		Healthcheck: &container.HealthConfig{Test: []string{"CMD", "/ddc", "healthcheck"}, Interval: time.Second, Timeout: 5 * time.Second, Retries: 3},
	}, HostConfig: &container.HostConfig{
		NetworkMode: "host",
		Binds:       []string{data + ":/data", socket + ":/var/run/docker.sock"},
		GroupAdd:    []string{strconv.Itoa(int(st.Gid))},
	}})
	if err != nil {
		t.Fatalf("create a container of %s: %v", ref, err)
	}
	id := resp.ID
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := eng.Client.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			t.Errorf("remove the %s container: %v", ref, err)
		}
	})
	var r imageRun
	start := time.Now()
	if _, err := eng.Client.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start the %s container: %v", ref, err)
	}
	healthz := &serve{addr: listen}
	wait.For(t, 90*time.Second, "the image's /healthz to answer 200", func() bool { return healthzOK(listen) })
	r.toHealthz = time.Since(start)
	pid := 0
	wait.For(t, 90*time.Second, "Docker's health status healthy", func() bool {
		ci, err := eng.Client.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil || ci.Container.State == nil {
			return false
		}
		if !ci.Container.State.Running {
			t.Fatalf("the %s container stopped (exit %d) before it was healthy", ref, ci.Container.State.ExitCode)
		}
		pid = ci.Container.State.Pid
		return ci.Container.State.Health != nil && ci.Container.State.Health.Status == "healthy"
	})
	r.toHealthy = time.Since(start)
	wait.For(t, 60*time.Second, "the image's ddc connected to the fake Discord", func() bool { return healthz.discordState(t) == "connected" })
	time.Sleep(idleSettle)
	out, err := exec.CommandContext(ctx, "docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", id).CombinedOutput()
	if err != nil {
		t.Fatalf("docker stats --no-stream %s: %v\n%s", id, err, out)
	}
	r.stats, _, _ = strings.Cut(strings.TrimSpace(string(out)), " / ")
	if r.each, r.total, err = procmem.ReadTree(pid); err != nil {
		t.Fatal(err)
	}
	return r
}

// imageDataDir writes the container's data directory, owned by the
// image's user: a config for the fake Discord and the containers plugin
// limited to this run's test containers.
func imageDataDir(t *testing.T, listen, apiURL, runID string) string {
	t.Helper()
	data, err := os.MkdirTemp("", "ddc-bench-image-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) })
	cfg := map[string]any{
		"web": map[string]any{"listen": listen},
		"discord": map[string]any{
			"api_url": apiURL, "guild_ids": []string{guildID}, "status_channels": []string{statusCh}, "control_channels": []string{controlCh},
			"command_cooldown": "0s", "button_cooldown": "0s", "per_minute_cap": 0,
		},
		"plugins": map[string]any{
			"containers": map[string]any{"settings": map[string]any{
				"endpoints": []map[string]any{{"name": "local", "host": "unix:///var/run/docker.sock", "label_filter": dockertest.LabelRun + "=" + runID}},
			}},
			"echo": map[string]any{"enabled": false},
		},
	}
	raw, err := json.Marshal(cfg) // JSON is YAML
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(data, "config.yaml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{data, path} {
		if err := os.Chown(p, imageUID, imageUID); err != nil {
			t.Fatalf("chown %s to the image's user: %v", p, err)
		}
	}
	return data
}

// imageRunRows are the report's rows for r.
func imageRunRows(r imageRun) ([]Row, []string) {
	var details []string
	for _, u := range r.each {
		details = append(details, fmt.Sprintf("image idle: pid %-7d %-32.32s PSS %8s  RSS %8s  anon %8s", u.PID, u.Cmd, MB(u.PSS), MB(u.RSS), MB(u.Anon)))
	}
	return []Row{
		{What: "`docker run` of ddc:local (socket mounted, host network, fake Discord, 50 test containers; the image's health check run every 1 s instead of 30 s) to /healthz 200, and (in brackets) to Docker's health status healthy",
			Value: fmt.Sprintf("%s (%s)", Ms(r.toHealthz), Ms(r.toHealthy))},
		{What: fmt.Sprintf("image container memory, idle (connected, 0 overviews), as `docker stats --no-stream` shows it; beside it the total PSS (RSS) of its %d processes", len(r.each)),
			Value: fmt.Sprintf("%s; PSS %s (RSS %s)", r.stats, MB(r.total.PSS), MB(r.total.RSS)), DDCv1: ddcRAM},
	}, details
}

// healthzOK reports whether GET addr/healthz answers 200.
func healthzOK(addr string) bool {
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

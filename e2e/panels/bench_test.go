package panels

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// BenchmarkEventToEdit measures how long after a container stops outside
// DDC the overview's edit showing it reaches Discord: Docker's event, the
// containers plugin, the host's bus, the panels plugin, the outbox. The
// fake's rate limits are off so that the figure is the pipeline's, not
// the 5-edits-per-5-s bucket's. Each kill comes 2 s after the restart
// before it was shown: a lone event. Within a second of two other edits
// (the restart's start and health) the panels plugin's pacing holds the
// edit back up to a second (TestBurstIsCoalesced covers bursts).
func BenchmarkEventToEdit(b *testing.B) {
	eng := dockertest.Connect(b)
	ctr := eng.Run(b, dockertest.Options{Name: "pnl-lat", StopTimeout: time.Second})
	srv := newFake(b, func(c *fakediscord.Config) { c.NoRateLimits = true })
	serve(b, srv, b.TempDir(), containersOn(eng, nil), map[string]any{})
	command(b, srv, statusCh, viewer, "ss")
	shows := func(emoji string) bool {
		return strings.HasPrefix(lineOf(overviewText(srv, statusCh), ctr.Name), emoji)
	}
	wait.For(b, 60*time.Second, "the overview", func() bool { return shows("🟢") })
	var lat []time.Duration
	for b.Loop() {
		b.StopTimer()
		wait.For(b, 60*time.Second, "the container running and shown", func() bool { return shows("🟢") })
		time.Sleep(2 * time.Second)
		b.StartTimer()
		t0 := time.Now()
		if _, err := eng.Client.ContainerKill(ctxT(b, time.Minute), ctr.ID, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
			b.Fatal(err)
		}
		var at time.Time
		wait.For(b, 30*time.Second, "the edit showing the kill", func() bool {
			for _, r := range edits(srv, statusCh, t0) {
				if strings.Contains(string(r.Body), `🔴 **`+ctr.Name+`**`) {
					at = r.Time
					return true
				}
			}
			return false
		})
		lat = append(lat, at.Sub(t0))
		b.StopTimer()
		if _, err := eng.Client.ContainerStart(ctxT(b, time.Minute), ctr.ID, client.ContainerStartOptions{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	b.ReportMetric(float64(p(0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(p(0.95).Milliseconds()), "p95-ms")
	b.Logf("%d kills: p50 %v, p95 %v, max %v", len(lat), p(0.5), p(0.95), lat[len(lat)-1])
}

// BenchmarkIdleMemory5Overviews runs the real `ddc serve` binary with the
// containers and panels plugins, 100 containers and 5 server overviews
// (each in its own channel), and reports the PSS and RSS of the host and
// its plugins once idle. The whole system's budget is 40 MB PSS.
func BenchmarkIdleMemory5Overviews(b *testing.B) {
	eng := dockertest.Connect(b)
	cs := eng.CreateMany(b, 100, "pnl-mem")
	var chans []string
	srv := newFake(b, func(c *fakediscord.Config) {
		for i := range 5 {
			id := fmt.Sprintf("9400000000000001%02d", i)
			chans = append(chans, id)
			c.Guilds[0].Channels = append(c.Guilds[0].Channels, fakediscord.Channel{ID: id, Name: "status-" + fmt.Sprint(i)})
		}
	})
	data := b.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := map[string]any{
		"web": map[string]any{"listen": addr},
		"discord": map[string]any{"api_url": srv.URL(), "guild_ids": []string{guildID}, "status_channels": chans,
			"command_cooldown": "0s", "button_cooldown": "0s", "per_minute_cap": 0},
		"plugins": map[string]any{
			"containers": map[string]any{"settings": containersOn(eng, nil)},
			"echo":       map[string]any{"enabled": false},
			"scheduler":  map[string]any{"enabled": false},
		},
	}
	raw, _ := json.Marshal(cfg) // JSON is YAML
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(ddcBin, "serve", "--data-dir", data)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + data, "DISCORD_BOT_TOKEN=" + srv.Token()}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	wait.For(b, 60*time.Second, "/ss registered", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		for _, c := range srv.Commands(guildID) {
			if c.Name == "ss" {
				return true
			}
		}
		return false
	})
	for _, ch := range chans {
		command(b, srv, ch, viewer, "ss")
	}
	wait.For(b, 3*time.Minute, "5 overviews of 100 containers", func() bool {
		for _, ch := range chans {
			if !allShown(overviewText(srv, ch), "🔴", cs) {
				return false
			}
		}
		return true
	})
	// Idle past the first memory trim and plugin health check.
	time.Sleep(15 * time.Second)
	var each []procmem.Usage
	var total procmem.Usage
	for b.Loop() {
		if each, total, err = procmem.ReadTree(cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
	}
	for _, u := range each {
		b.Logf("pid %d %-40s PSS %5.1f MB RSS %5.1f MB anon %5.1f MB", u.PID, u.Cmd, procmem.MB(u.PSS), procmem.MB(u.RSS), procmem.MB(u.Anon))
	}
	b.ReportMetric(float64(len(each)), "procs")
	b.ReportMetric(procmem.MB(total.PSS), "pss-MB")
	b.ReportMetric(procmem.MB(total.RSS), "rss-MB")
}

package discord

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
)

// BenchmarkIdleMemoryConnected runs the real `ddc serve` binary with the
// default plugins, connected to the fake Discord (commands registered), and
// reports the total PSS and RSS of the host and every plugin process once
// idle: the figure the whole system is budgeted on (≤ 40 MB PSS).
func BenchmarkIdleMemoryConnected(b *testing.B) {
	srv := fakediscord.New(fakeConfig())
	defer srv.Close()
	data := b.TempDir()
	addr := freeAddr(b)
	cfg := map[string]any{
		"web":     map[string]any{"listen": addr},
		"discord": map[string]any{"api_url": srv.URL(), "guild_ids": []string{guildID}, "control_channels": []string{controlCh}},
		"plugins": map[string]any{"echo": map[string]any{"enabled": false}}, // as in the default config
	}
	raw, _ := json.Marshal(cfg) // JSON is YAML
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bins.ddc, "serve", "--data-dir", data)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + data, "DISCORD_BOT_TOKEN=" + srv.Token()}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		cmd.Env = append(cmd.Env, "DOCKER_HOST="+h)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		var h struct {
			Discord string `json:"discord"`
			Plugins []struct {
				ID, State string
			} `json:"plugins"`
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Discord == "connected" && resp.StatusCode == http.StatusOK && len(h.Plugins) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("ddc serve not connected and healthy within 30 s: %+v, %v", h, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Idle past the first memory trim (5 s) and the first plugin health
	// check (10 s): the steady state, not the dip right after a trim.
	time.Sleep(12 * time.Second)

	var each []procmem.Usage
	var total procmem.Usage
	for b.Loop() {
		var err error
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
	b.ReportMetric(procmem.MB(total.Anon), "anon-MB")
}

package e2e

import (
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

	"github.com/ddc-go/ddc/internal/fakediscord"
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

	pids := append([]int{cmd.Process.Pid}, childPIDs(b, cmd.Process.Pid)...)
	var pss, rss int
	for b.Loop() {
		pss, rss = 0, 0
		for _, pid := range pids {
			p, r := rollup(b, pid)
			pss += p
			rss += r
		}
	}
	for _, pid := range pids {
		p, r := rollup(b, pid)
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		b.Logf("pid %d %-28s PSS %5.1f MB RSS %5.1f MB", pid, strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " ")[len(bins.ddc):], float64(p)/1024, float64(r)/1024)
	}
	b.ReportMetric(float64(len(pids)), "procs")
	b.ReportMetric(float64(pss)/1024, "pss-MB")
	b.ReportMetric(float64(rss)/1024, "rss-MB")
}

// childPIDs returns the processes whose parent is pid.
func childPIDs(tb testing.TB, pid int) []int {
	tb.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
		if err != nil {
			continue
		}
		s := string(raw)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// rollup reads Pss and Rss (kB) from /proc/PID/smaps_rollup.
func rollup(tb testing.TB, pid int) (pssKB, rssKB int) {
	tb.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		tb.Fatalf("memory of pid %d: %v", pid, err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "Pss:":
			pssKB = n
		case "Rss:":
			rssKB = n
		}
	}
	return pssKB, rssKB
}

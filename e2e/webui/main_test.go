// Package webui tests the web UI in a real browser: Debian's chromium,
// driven over the DevTools protocol with chromedp, against host.Serve with
// the containers and scheduler plugins as real subprocesses of the built
// ddc binary and real containers on the test Docker engine.
//
// It must never import another e2e package; no production package imports
// it.
package webui

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/testkit/testbin"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// ddcBin is the ddc binary TestMain builds once.
var ddcBin string

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(testbin.RunWithDDC(m, "ddc-webui-e2e-", &ddcBin))
}

// chromium returns the browser's path; without one the test fails under
// CI=true and is skipped otherwise.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium); CI=true needs the browser tests")
	}
	t.Skip("chromium is not installed")
	return ""
}

// browser starts a headless chromium for the test and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.Headless,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1200, 900),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// serve runs the host with the containers and scheduler plugins on data
// until the test ends and returns the web UI's base URL.
func serve(t *testing.T, containers map[string]any, trustedProxies ...string) string {
	t.Helper()
	return serveWith(t, containers, map[string]any{"web": map[string]any{"trusted_proxies": append([]string{}, trustedProxies...)}})
}

// serveWith is serve with more of config.yaml: extra's top-level keys are
// added (a "web" map is merged into the web section).
func serveWith(t *testing.T, containers map[string]any, extra map[string]any) string {
	t.Helper()
	base, _ := serveOn(t, "127.0.0.1:0", containers, extra)
	return base
}

// serveOn is serveWith listening on listen (port 0: any free one), with
// the bundled plugins more besides containers and scheduler; it also
// returns the host's data directory.
func serveOn(t *testing.T, listen string, containers map[string]any, extra map[string]any, more ...string) (string, string) {
	t.Helper()
	data := t.TempDir()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := map[string]any{
		"log": map[string]any{"level": "debug"},
		"plugins": map[string]any{
			"containers": map[string]any{"settings": containers},
			"scheduler":  map[string]any{"settings": map[string]any{}},
			"echo":       map[string]any{"enabled": false},
		},
	}
	for k, v := range extra {
		cfg[k] = v
	}
	webSection, _ := cfg["web"].(map[string]any)
	if webSection == nil {
		webSection = map[string]any{}
	}
	webSection["listen"] = addr
	cfg["web"] = webSection
	raw, _ := json.Marshal(cfg) // JSON is YAML
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var bundled []pluginhost.Bundled
	for _, id := range append([]string{"containers", "scheduler"}, more...) {
		bundled = append(bundled, pluginhost.Bundled{ID: id, Name: id, Version: "test", Path: ddcBin, Args: []string{"plugin", id}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- host.Serve(ctx, host.Options{
			DataDir: data, Version: "test", Bundled: bundled,
			Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("Serve did not return")
		}
	})
	base := "http://" + addr
	wait.For(t, 60*time.Second, "the web UI and both plugins up", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return base, data
}

// testWriter sends the host's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// screenshot saves the page as name.png in a temp dir of the test, and
// also in $DDC_SCREENSHOT_DIR when that is set (to look at them).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(t.TempDir(), name+".png")
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(buf))
	if dir := os.Getenv("DDC_SCREENSHOT_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o600); err != nil {
			t.Error(err)
		}
	}
}

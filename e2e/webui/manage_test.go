package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pollPromise is poll for an expression that returns a promise of a bool.
func pollPromise(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		last = err
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (last error %v)", what, timeout, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// setupAdmin sets the admin password on the first-run page and leaves the
// browser logged in on the dashboard.
func setupAdmin(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	run(t, ctx, "first-run setup",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("#setup-submit")),
		chromedp.SendKeys(chromedp.ID("#password"), password),
		chromedp.SendKeys(chromedp.ID("#repeat"), password),
		chromedp.Click(chromedp.ID("#setup-submit")),
		chromedp.WaitVisible(chromedp.ID("#containers")),
	)
}

// TestSettingsAndPluginsLive: on the settings page a bad time zone and a
// bad heartbeat URL are refused with the errors next to their fields;
// good ones are saved and applied without a restart (the scheduler
// reports the new zone, the monitor gets pings). On the plugins page each
// plugin shows its memory and limit, and a restart made elsewhere shows in
// the row (state, restarts) without a reload.
func TestSettingsAndPluginsLive(t *testing.T) {
	var pings atomic.Int64
	monitor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping/check" {
			pings.Add(1)
		}
	}))
	defer monitor.Close()
	base := serveWith(t, map[string]any{}, map[string]any{"heartbeat": map[string]any{"interval": "10s"}})
	ctx := browser(t)
	setupAdmin(t, ctx, base)

	t.Run("settings refused next to the fields", func(t *testing.T) {
		run(t, ctx, "submit a bad zone and URL",
			chromedp.Navigate(base+"/settings"),
			chromedp.WaitVisible(chromedp.ID("#general-save")),
			chromedp.SetValue(chromedp.ID("#timezone"), "Mars/Olympus_Mons"),
			chromedp.SetValue(chromedp.ID("#heartbeat-url"), "ftp://monitor/x"),
			chromedp.Click(chromedp.ID("#general-save")),
			chromedp.WaitVisible(chromedp.ID("#err-timezone")),
			chromedp.WaitVisible(chromedp.ID("#err-heartbeat_url")),
		)
		for _, f := range []struct{ err, input string }{{"err-timezone", "timezone"}, {"err-heartbeat_url", "heartbeat-url"}} {
			beside := get(t, ctx, "placement", chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q).closest(".field").contains(document.getElementById(%q))`, f.err, f.input)))
			if !beside {
				t.Errorf("%s is not in the box of %s", f.err, f.input)
			}
		}
		if msg := get(t, ctx, "zone error", chromedp.Text(chromedp.ID("#err-timezone"))); !strings.Contains(msg, "Mars/Olympus_Mons") {
			t.Errorf("zone error %q does not name the value", msg)
		}
		screenshot(t, ctx, "settings-refused")
	})

	t.Run("settings saved and applied live", func(t *testing.T) {
		run(t, ctx, "save a zone and a heartbeat URL",
			chromedp.Navigate(base+"/settings"),
			chromedp.WaitVisible(chromedp.ID("#general-save")),
			chromedp.SetValue(chromedp.ID("#timezone"), "Europe/Berlin"),
			chromedp.SetValue(chromedp.ID("#heartbeat-url"), monitor.URL+"/ping/check"),
			chromedp.Click(chromedp.ID("#general-save")),
			chromedp.WaitVisible(chromedp.CSS("p.ok")),
		)
		if v := get(t, ctx, "zone shown", chromedp.Value(chromedp.ID("#timezone"))); v != "Europe/Berlin" {
			t.Errorf("zone field after saving = %q", v)
		}
		if html := get(t, ctx, "page", chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, "/ping/check") {
			t.Error("the heartbeat URL is shown back")
		}
		screenshot(t, ctx, "settings-saved")
		pollPromise(t, ctx, "the scheduler uses the new zone",
			`(async () => (await (await fetch(document.querySelector('meta[name="ddc-base"]').content + "/api/v1/tasks")).json()).timezone === "Europe/Berlin")()`, 20*time.Second)
		deadline := time.Now().Add(30 * time.Second)
		for pings.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the monitor got no ping within 30s of saving the heartbeat URL (interval 10s)")
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("plugins live", func(t *testing.T) {
		run(t, ctx, "plugins page", chromedp.Navigate(base+"/plugins"), chromedp.WaitVisible(chromedp.ID("#plugins")))
		row := `tr[data-plugin="scheduler"]`
		poll(t, ctx, "memory shown", fmt.Sprintf(`/^[0-9.]+ MiB RSS/.test(document.querySelector('%s .memory').textContent)`, row), 10*time.Second)
		if lim := get(t, ctx, "limit", chromedp.Text(chromedp.CSS(row+" .limit"))); lim != "64 MiB" {
			t.Errorf("scheduler's limit shows %q, want 64 MiB (a bundled plugin's default)", lim)
		}
		poll(t, ctx, "live stream open", `document.getElementById("plugins").dataset.live === "on"`, 10*time.Second)
		state := fmt.Sprintf(`document.querySelector('%s .state').textContent`, row)
		restarts := fmt.Sprintf(`document.querySelector('%s .restarts').textContent`, row)
		// A marker a reload would wipe; the plugin is disabled and enabled
		// through the REST API from the page, as another admin would.
		apiCall := func(op string) string {
			return fmt.Sprintf(`window.ddcMarker = 1; fetch(document.querySelector('meta[name="ddc-base"]').content + "/api/v1/plugins/scheduler/%s",
				{method: "POST", headers: {"X-CSRF-Token": document.querySelector('meta[name="ddc-csrf"]').content}}).then(() => {}); true`, op)
		}
		get(t, ctx, "disable through the API", chromedp.Evaluate[bool](apiCall("disable")))
		poll(t, ctx, "the row shows disabled without a reload", `window.ddcMarker === 1 && `+state+` === "disabled"`, 20*time.Second)
		poll(t, ctx, "the row offers enable instead of disable", fmt.Sprintf(`!document.querySelector('%[1]s .op-enable').hidden && document.querySelector('%[1]s .op-disable').hidden`, row), 5*time.Second)
		screenshot(t, ctx, "plugins-live-disabled")
		get(t, ctx, "enable through the API", chromedp.Evaluate[bool](apiCall("enable")))
		poll(t, ctx, "the row shows running without a reload", `window.ddcMarker === 1 && `+state+` === "running"`, 30*time.Second)
		poll(t, ctx, "the row offers disable again", fmt.Sprintf(`document.querySelector('%[1]s .op-enable').hidden && !document.querySelector('%[1]s .op-disable').hidden`, row), 5*time.Second)
		// A crash: the host restarts the plugin and counts it.
		before := get(t, ctx, "restarts", chromedp.Evaluate[string](restarts))
		pid := get(t, ctx, "scheduler's pid", chromedp.Evaluate[int](`(async () => (await (await fetch(document.querySelector('meta[name="ddc-base"]').content + "/api/v1/plugins")).json()).plugins.find(p => p.id === "scheduler").pid)()`, chromedp.EvalAwaitPromise))
		if pid <= 0 {
			t.Fatalf("scheduler pid %d", pid)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill the scheduler (pid %d): %v", pid, err)
		}
		poll(t, ctx, "the crash restart counted in the row without a reload",
			fmt.Sprintf(`window.ddcMarker === 1 && %s !== %q && %s === "running"`, restarts, before, state), 30*time.Second)
		t.Logf("restarts %s → %s, memory %s", before, get(t, ctx, "restarts", chromedp.Evaluate[string](restarts)),
			get(t, ctx, "memory", chromedp.Text(chromedp.CSS(row+" .memory"))))
		screenshot(t, ctx, "plugins-live")
	})
}

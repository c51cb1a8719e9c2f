package webui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
)

const password = "browser test password"

// run runs chromedp actions with a deadline, failing the test on error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that returns a value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// poll evaluates expr until it is true.
func poll(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("%s: not within %s; page:\n%s", what, timeout, html)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowser walks the web UI as an admin does: first-run setup, log out
// and in, the dashboard with the real test containers, a restart whose
// state changes show without a reload, disabling and enabling a plugin, a
// settings form refusing a bad value next to its field, and the audit log
// listing the restart. Each step saves a screenshot.
func TestBrowser(t *testing.T) {
	eng := dockertest.Connect(t)
	ctrs := []dockertest.Container{
		eng.Run(t, dockertest.Options{Name: "web", StopTimeout: time.Second}),
		eng.Run(t, dockertest.Options{Name: "db", StopTimeout: time.Second, Labels: map[string]string{"ddc.name": `<b>DB</b><script>alert(1)</script>`}}),
	}
	base := serve(t, map[string]any{
		"endpoints": []map[string]any{{"name": "local", "host": eng.Host, "label_filter": dockertest.LabelRun + "=" + eng.RunID}},
	})
	ctx := browser(t)
	target := ctrs[0].Name
	row := fmt.Sprintf(`tr[data-ref=%q]`, target)

	t.Run("setup and login", func(t *testing.T) {
		run(t, ctx, "first-run setup",
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.ID("#setup-submit")),
			chromedp.SendKeys(chromedp.ID("#password"), password),
			chromedp.SendKeys(chromedp.ID("#repeat"), password),
			chromedp.Click(chromedp.ID("#setup-submit")),
			chromedp.WaitVisible(chromedp.ID("#containers")),
			chromedp.Click(chromedp.CSS("nav form button")),
			chromedp.WaitVisible(chromedp.ID("#login-submit")),
			chromedp.SendKeys(chromedp.ID("#password"), password),
			chromedp.Click(chromedp.ID("#login-submit")),
			chromedp.WaitVisible(chromedp.ID("#containers")),
		)
		screenshot(t, ctx, "dashboard")
	})

	t.Run("dashboard shows the containers", func(t *testing.T) {
		for _, c := range ctrs {
			poll(t, ctx, c.Name+" listed running", fmt.Sprintf(`(() => { const r = document.querySelector('tr[data-ref=%q] .state'); return !!r && r.textContent === "running" })()`, c.Name), 30*time.Second)
		}
		names := get(t, ctx, "read names", chromedp.Text(chromedp.CSS("#containers tbody")))
		if !strings.Contains(names, `<b>DB</b><script>alert(1)</script>`) {
			t.Errorf("the label with HTML is not shown as text: %q", names)
		}
		injected := get(t, ctx, "count injected", chromedp.Evaluate[int](`document.querySelectorAll("#containers b, #containers script").length`))
		if injected != 0 {
			t.Errorf("%d elements injected by a container label", injected)
		}
	})

	t.Run("restart shows live", func(t *testing.T) {
		poll(t, ctx, "live updates connected", `document.getElementById("live").className === "on"`, 20*time.Second)
		// A marker that a reload would wipe, and a record of every state
		// the row shows.
		get(t, ctx, "watch the row", chromedp.Evaluate[bool](fmt.Sprintf(`
			window.ddcMarker = 1; window.ddcSeen = [];
			new MutationObserver(() => {
				const s = document.querySelector('%s .state');
				if (s && window.ddcSeen[window.ddcSeen.length-1] !== s.textContent) window.ddcSeen.push(s.textContent);
			}).observe(document.querySelector("#containers tbody"), {subtree: true, childList: true, characterData: true});
			true`, row)))
		btn := row + ` button[data-op="restart"]`
		run(t, ctx, "restart with confirmation",
			chromedp.Click(chromedp.CSS(btn)),
			chromedp.WaitVisible(chromedp.CSS(btn+".armed")),
			chromedp.Click(chromedp.CSS(btn)),
		)
		poll(t, ctx, "the row went through another state and back to running without a reload",
			fmt.Sprintf(`window.ddcMarker === 1 && window.ddcSeen.some(s => s !== "running") && document.querySelector('%s .state').textContent === "running"`, row), 60*time.Second)
		poll(t, ctx, "the result shown", fmt.Sprintf(`document.querySelector('%s .result').textContent.includes("restarted")`, row), 30*time.Second)
		seen := get(t, ctx, "states seen", chromedp.Evaluate[[]string](`window.ddcSeen`))
		t.Logf("states shown: %v", seen)
		screenshot(t, ctx, "restarted")
	})

	t.Run("stats on demand", func(t *testing.T) {
		run(t, ctx, "stats", chromedp.Click(chromedp.CSS(row+" button.stats")))
		poll(t, ctx, "stats shown", fmt.Sprintf(`document.querySelector('%s .result').textContent.includes("CPU")`, row), 30*time.Second)
	})

	t.Run("API token and REST", func(t *testing.T) {
		run(t, ctx, "create a token",
			chromedp.Navigate(base+"/settings"),
			chromedp.SendKeys(chromedp.ID("token-name"), "automation"),
			chromedp.Click(chromedp.ID("token-create")),
			chromedp.WaitVisible(chromedp.ID("new-token")),
		)
		token := get(t, ctx, "token", chromedp.Text(chromedp.ID("new-token")))
		if !strings.HasPrefix(token, "ddc_") {
			t.Fatalf("token %q", token)
		}
		call := func(method, path, body string) (int, string) {
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(raw)
		}
		if code, body := call(http.MethodGet, "/api/v1/containers", ""); code != 200 || !strings.Contains(body, target) {
			t.Errorf("GET containers = %d %s", code, body)
		}
		if code, body := call(http.MethodGet, "/api/v1/tasks", ""); code != 200 || !strings.Contains(body, `"tasks"`) {
			t.Errorf("GET tasks = %d %s", code, body)
		}
		if code, body := call(http.MethodPost, "/api/v1/containers/action", `{"container":"no-such-container","action":"restart"}`); code != 404 || !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("action on a missing container = %d %s", code, body)
		}
		run(t, ctx, "reload settings", chromedp.Navigate(base+"/settings"))
		if html := get(t, ctx, "settings page", chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, token) {
			t.Error("the token is shown again")
		}
		screenshot(t, ctx, "settings")
	})

	t.Run("disable and enable a plugin", func(t *testing.T) {
		state := `(() => { const s = document.querySelector('tr[data-plugin="scheduler"] .state'); return s ? s.textContent : "" })()`
		run(t, ctx, "disable",
			chromedp.Navigate(base+"/plugins"),
			chromedp.Click(chromedp.ID("#disable-scheduler")),
			chromedp.WaitVisible(chromedp.CSS("#disable-scheduler.armed")),
			chromedp.Click(chromedp.ID("#disable-scheduler")),
			chromedp.WaitVisible(chromedp.ID("#enable-scheduler")),
		)
		poll(t, ctx, "scheduler disabled", state+` === "disabled"`, 10*time.Second)
		screenshot(t, ctx, "plugin-disabled")
		run(t, ctx, "enable",
			chromedp.Click(chromedp.ID("#enable-scheduler")),
			chromedp.WaitVisible(chromedp.CSS("#enable-scheduler.armed")),
			chromedp.Click(chromedp.ID("#enable-scheduler")),
			chromedp.WaitVisible(chromedp.ID("#disable-scheduler")),
		)
		deadline := time.Now().Add(30 * time.Second)
		for {
			run(t, ctx, "reload plugins", chromedp.Navigate(base+"/plugins"))
			st := get(t, ctx, "plugin state", chromedp.Evaluate[string](state))
			if st == "running" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("scheduler is %q, not running again", st)
			}
			time.Sleep(200 * time.Millisecond)
		}
		screenshot(t, ctx, "plugin-enabled")
	})

	t.Run("settings error next to the field", func(t *testing.T) {
		run(t, ctx, "submit a bad value",
			chromedp.Navigate(base+"/plugins/scheduler"),
			chromedp.WaitVisible(chromedp.ID("#f-max_concurrent")),
			chromedp.SetValue(chromedp.ID("#f-max_concurrent"), "99"),
			chromedp.Click(chromedp.ID("#settings-save")),
			chromedp.WaitVisible(chromedp.ID("#err-max_concurrent")),
		)
		msg := get(t, ctx, "error text", chromedp.Text(chromedp.ID("#err-max_concurrent")))
		if !strings.Contains(msg, "20") {
			t.Errorf("error next to max_concurrent = %q, want the maximum named", msg)
		}
		sibling := get(t, ctx, "placement", chromedp.Evaluate[bool](`document.getElementById("err-max_concurrent").closest(".field").contains(document.getElementById("f-max_concurrent"))`))
		if !sibling {
			t.Error("the error is not in the field's box")
		}
		screenshot(t, ctx, "settings-error")
	})

	t.Run("audit lists the restart", func(t *testing.T) {
		run(t, ctx, "audit page",
			chromedp.Navigate(base+"/audit?target="+target),
			chromedp.WaitVisible(chromedp.ID("#audit")),
		)
		text := get(t, ctx, "audit rows", chromedp.Text(chromedp.CSS("#audit tbody")))
		if !strings.Contains(text, "container.restart") || !strings.Contains(text, target) || !strings.Contains(text, "admin (web)") {
			t.Errorf("audit lacks the restart by the web admin:\n%s", text)
		}
		screenshot(t, ctx, "audit")
	})
}

package webui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestChannelsPanels: on the channels page an id put in both the status
// and the control channels is warned about; each channel then has the
// panels plugin's overview settings, where a bad duration is refused
// next to its field and good values are saved, reach the running panels
// plugin (it stays running, no error) and show in the plugin's generated
// settings form the page links to.
func TestChannelsPanels(t *testing.T) {
	const status, both = "930000000000000021", "930000000000000022"
	base, _ := serveOn(t, "127.0.0.1:0", map[string]any{}, nil, "panels")
	ctx := browser(t)
	setupAdmin(t, ctx, base)

	run(t, ctx, "save the channels",
		chromedp.Navigate(base+"/channels"),
		chromedp.WaitVisible(chromedp.ID("#channels-save")),
		chromedp.SetValue(chromedp.ID("#f-status_channels"), status+"\n"+both),
		chromedp.SetValue(chromedp.ID("#f-control_channels"), both),
		chromedp.Click(chromedp.ID("#channels-save")),
		chromedp.WaitVisible(chromedp.CSS("p.ok")),
	)
	warn := get(t, ctx, "warnings", chromedp.Evaluate[string](`[...document.querySelectorAll("p.warn")].map(p => p.textContent).join("\n")`))
	if !strings.Contains(warn, both+" is in both") {
		t.Errorf("no warning for %s in both lists: %q", both, warn)
	}
	poll(t, ctx, "a form per channel", `!!document.getElementById("panels-`+status+`") && !!document.getElementById("panels-`+both+`")`, 10*time.Second)
	screenshot(t, ctx, "channels")

	run(t, ctx, "a refresh over a day",
		chromedp.SetValue(chromedp.ID("#p-"+status+"-refresh"), "25h"),
		chromedp.Click(chromedp.ID("#p-"+status+"-save")),
		chromedp.WaitVisible(chromedp.ID("#perr-"+status+"-refresh")),
	)
	msg := get(t, ctx, "error", chromedp.Text(chromedp.ID("#perr-"+status+"-refresh")))
	beside := get(t, ctx, "placement", chromedp.Evaluate[bool](`document.getElementById("perr-`+status+`-refresh").closest(".field").contains(document.getElementById("p-`+status+`-refresh"))`))
	if !beside || !strings.Contains(msg, "24h") {
		t.Errorf("refresh error %q (beside the field: %v), want the maximum named next to it", msg, beside)
	}
	if warn := get(t, ctx, "warnings", chromedp.Evaluate[string](`[...document.querySelectorAll("p.warn")].map(p => p.textContent).join("\n")`)); !strings.Contains(warn, both+" is in both") {
		t.Errorf("the refused form's page lacks the warning for %s: %q", both, warn)
	}
	screenshot(t, ctx, "channels-panels-refused")

	run(t, ctx, "good values",
		chromedp.Navigate(base+"/channels"),
		chromedp.WaitVisible(chromedp.ID("#p-"+status+"-save")),
		chromedp.Click(chromedp.ID("#p-"+status+"-post_on_start")),
		chromedp.SetValue(chromedp.ID("#p-"+status+"-refresh"), "1m"),
		chromedp.SetValue(chromedp.ID("#p-"+status+"-recreate_after"), "10m"),
		chromedp.Click(chromedp.ID("#p-"+status+"-save")),
		chromedp.WaitVisible(chromedp.CSS("p.ok")),
	)
	if v := get(t, ctx, "saved refresh", chromedp.Value(chromedp.ID("#p-"+status+"-recreate_after"))); v != "10m" {
		t.Errorf("recreate_after after saving = %q", v)
	}
	screenshot(t, ctx, "channels-panels-saved")

	// The link leads to the plugin's generated form, which holds the
	// channel's entry; the plugin took the settings and runs.
	run(t, ctx, "the plugin's form",
		chromedp.Click(chromedp.CSS(`a[href$="/plugins/panels"]`)),
		chromedp.WaitVisible(chromedp.ID("#f-channels")),
	)
	raw := get(t, ctx, "channels field", chromedp.Value(chromedp.ID("#f-channels")))
	var entries []map[string]any
	if err := json.Unmarshal([]byte(raw), &entries); err != nil {
		t.Fatalf("channels field %q: %v", raw, err)
	}
	found := false
	for _, e := range entries {
		if e["id"] == status && e["post_on_start"] == true && e["refresh"] == "1m" && e["recreate_after"] == "10m" {
			found = true
		}
	}
	if !found {
		t.Errorf("the plugin's form lacks %s's saved entry: %s", status, raw)
	}
	time.Sleep(3 * time.Second) // the host pushes the settings; a rejection would show
	pollPromise(t, ctx, "panels running without error",
		`(async () => { const p = (await (await fetch(document.querySelector('meta[name="ddc-base"]').content + "/api/v1/plugins")).json()).plugins.find(p => p.id === "panels"); return p.state === "running" && !p.last_error })()`, 10*time.Second)
	screenshot(t, ctx, "panels-form")
}

package webui

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
)

// TestBehindProxyOnSubPath: behind a reverse proxy that serves DDC under
// /ddc/ (a configured trusted proxy sending X-Forwarded-Prefix), setup,
// the dashboard, its scripts and its live stream all work on the
// sub-path.
func TestBehindProxyOnSubPath(t *testing.T) {
	eng := dockertest.Connect(t)
	ctr := eng.Run(t, dockertest.Options{Name: "sub", StopTimeout: time.Second})
	base := serve(t, map[string]any{
		"endpoints": []map[string]any{{"name": "local", "host": eng.Host, "label_filter": dockertest.LabelRun + "=" + eng.RunID}},
	}, "127.0.0.1")
	target, _ := url.Parse(base)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.URL.Path = strings.TrimPrefix(r.In.URL.Path, "/ddc")
			r.Out.URL.RawPath = ""
			r.SetXForwarded()
			r.Out.Header.Set("X-Forwarded-Prefix", "/ddc")
		},
		FlushInterval: -1,
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/ddc/") {
			http.NotFound(w, r) // anything outside the sub-path is a broken link
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close) // after the browser (registered later, closed first) drops its live stream

	ctx := browser(t)
	run(t, ctx, "setup through the proxy",
		chromedp.Navigate(front.URL+"/ddc/"),
		chromedp.WaitVisible(chromedp.ID("setup-submit")),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("repeat"), password),
		chromedp.Click(chromedp.ID("setup-submit")),
		chromedp.WaitVisible(chromedp.ID("containers")),
	)
	loc := get(t, ctx, "location", chromedp.Location())
	if !strings.HasPrefix(loc, front.URL+"/ddc/") {
		t.Errorf("the dashboard is at %s, not under /ddc/", loc)
	}
	poll(t, ctx, "the live stream connected through the proxy", `document.getElementById("live").className === "on"`, 20*time.Second)
	poll(t, ctx, "the container listed", `!!document.querySelector('tr[data-ref="`+ctr.Name+`"]')`, 30*time.Second)
	styled := get(t, ctx, "stylesheet applied", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("nav")).display`))
	if styled != "flex" {
		t.Errorf("the stylesheet did not load under /ddc/ (nav display %q)", styled)
	}
	screenshot(t, ctx, "subpath")
}

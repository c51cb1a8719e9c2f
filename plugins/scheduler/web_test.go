package scheduler_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ddc-go/ddc/plugins/scheduler"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// page sends a web request to the plugin the way the host's proxy does,
// over the plugin protocol.
func (e *env) page(method, target string, form url.Values, header map[string]string) *grpcplugin.HTTPResponse {
	e.t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		e.t.Fatal(err)
	}
	req := &grpcplugin.HTTPRequest{Method: method, Path: u.Path, RawQuery: u.RawQuery, Header: http.Header{}}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if form != nil {
		req.Body = []byte(form.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := e.h.Client.HandleHTTP(context.Background(), req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, target, err)
	}
	return res
}

// inline finds what the host's CSP forbids: inline scripts, style
// elements and attributes, event handler attributes.
var inline = regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]|<script>|<style|\sstyle=|\son[a-z]+=|javascript:`)

// TestWebPages walks the task page: create with a mistake, create, list,
// edit, pause, resume, history, delete, the way a browser would.
func TestWebPages(t *testing.T) {
	clock := newClock(at("2024-05-10 09:00"))
	e := start(t, clock, options{})
	hdr := map[string]string{scheduler.CSRFHeader: "tok-123", "Accept-Language": "en-GB,en;q=0.8"}
	check := func(res *grpcplugin.HTTPResponse, status int, what string) string {
		t.Helper()
		body := string(res.Body)
		if res.Status != status {
			t.Fatalf("%s: status %d, want %d\n%s", what, res.Status, status, body)
		}
		if m := inline.FindString(body); m != "" {
			t.Errorf("%s: inline script or style %q", what, m)
		}
		return body
	}

	body := check(e.page("GET", "/", nil, hdr), 200, "empty list")
	if !strings.Contains(body, "No tasks yet.") || !strings.Contains(body, `href="new"`) || !strings.Contains(body, `src="static/scheduler.js"`) {
		t.Errorf("empty list page: %s", body)
	}
	body = check(e.page("GET", "/new", nil, hdr), 200, "new form")
	if !strings.Contains(body, `name="csrf_token" value="tok-123"`) || !strings.Contains(body, `<option value="web">`) || !strings.Contains(body, `<option value="Europe/Berlin">`) {
		t.Errorf("new form lacks the CSRF token, the containers or the zones: %s", body)
	}

	form := url.Values{"csrf_token": {"tok-123"}, "container": {"web"}, "action": {"restart"}, "kind": {"cron"},
		"time": {"04:00"}, "cron": {"61 * * * *"}, "timezone": {"Europe/Berlin"}, "note": {`<script>alert("x")</script>`}, "day": {"1"}, "month": {"1"}}
	body = check(e.page("POST", "/new", form, hdr), 422, "bad cron")
	if !strings.Contains(body, `<span class="field-error">not a cron expression`) || !strings.Contains(body, `value="61 * * * *"`) {
		t.Errorf("bad cron: the error is not at its field, or the input is lost: %s", body)
	}
	if kv := e.dump(); len(kv) != 0 {
		t.Fatalf("a refused form saved %d keys", len(kv))
	}

	form.Set("cron", "30 4 * * 1-5")
	res := e.page("POST", "/new", form, hdr)
	loc := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "./?done=created&id=") {
		t.Fatalf("create: status %d, Location %q", res.Status, loc)
	}
	id := strings.TrimPrefix(loc, "./?done=created&id=")
	body = check(e.page("GET", "/"+strings.TrimPrefix(loc, "./"), nil, hdr), 200, "list after create")
	for _, want := range []string{"Task " + id + " created.", "<code>" + id + "</code>", "at 04:30, on Monday to Friday", "2024-05-13 04:30 CEST",
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`, `action="pause?id=` + id + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("list after create lacks %q", want)
		}
	}

	body = check(e.page("GET", "/edit?id="+id, nil, hdr), 200, "edit form")
	if !strings.Contains(body, `value="30 4 * * 1-5"`) || !strings.Contains(body, `<option value="cron" selected>`) {
		t.Errorf("edit form does not show the task: %s", body)
	}
	edit := url.Values{"csrf_token": {"tok-123"}, "container": {"web"}, "action": {"stop"}, "kind": {"weekly"}, "time": {"23:15"},
		"weekday": {"sat", "sun"}, "timezone": {"UTC"}, "cron": {"this is ignored for weekly"}}
	res = e.page("POST", "/edit?id="+id, edit, hdr)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("edit: status %d: %s", res.Status, res.Body)
	}
	g := e.get(id)
	if g.Task.Action != api.OpStop || g.Task.Schedule.Kind != api.KindWeekly || strings.Join(g.Task.Schedule.Weekdays, ",") != "sat,sun" || g.Task.Schedule.Cron != "" {
		t.Errorf("after the edit: %+v", g.Task)
	}

	res = e.page("POST", "/pause?id="+id, url.Values{"csrf_token": {"tok-123"}}, hdr)
	if res.Status != http.StatusSeeOther || !e.get(id).Task.Paused {
		t.Fatalf("pause: status %d, paused %v", res.Status, e.get(id).Task.Paused)
	}
	body = check(e.page("GET", "/", nil, hdr), 200, "list with a paused task")
	if !strings.Contains(body, "paused") || !strings.Contains(body, `action="resume?id=`+id+`"`) {
		t.Errorf("list does not show the task paused: %s", body)
	}
	if res = e.page("POST", "/resume?id="+id, url.Values{}, hdr); res.Status != http.StatusSeeOther || e.get(id).Task.Paused {
		t.Fatalf("resume: status %d", res.Status)
	}

	e.step(at("2024-05-11 23:15"))
	body = check(e.page("GET", "/history?id="+id, nil, hdr), 200, "history")
	if !strings.Contains(body, "2024-05-11 23:15 UTC") || !strings.Contains(body, `class="result-ok"`) {
		t.Errorf("history does not show the run: %s", body)
	}

	if res = e.page("POST", "/delete?id="+id, url.Values{}, hdr); res.Status != http.StatusSeeOther {
		t.Fatalf("delete: status %d", res.Status)
	}
	check(e.page("GET", "/history?id="+id, nil, hdr), 404, "history of a deleted task")
	check(e.page("GET", "/edit?id=../../etc", nil, hdr), 422, "edit with a bad id")
}

// TestWebProtocol: methods, static files, languages and a path prefix.
func TestWebProtocol(t *testing.T) {
	e := start(t, newClock(at("2024-05-10 09:00")), options{locale: "fr"})
	tests := []struct {
		method, target string
		header         map[string]string
		status         int
		want           string // in the body or a header
	}{
		{"GET", "/static/scheduler.css", nil, 200, "text/css"},
		{"GET", "/static/scheduler.js", nil, 200, "javascript"},
		{"GET", "/static/../plugin.go", nil, 404, ""},
		{"GET", "/static/nope.css", nil, 404, ""},
		{"PUT", "/", nil, 405, "GET, HEAD"},
		{"GET", "/pause?id=abc", nil, 405, "POST"},
		{"GET", "/nowhere", nil, 404, "Cette page n&#39;existe pas."},
		{"GET", "/", nil, 200, "Tâches planifiées"},
		{"GET", "/", map[string]string{"Accept-Language": "de-DE,de;q=0.9"}, 200, "Geplante Aufgaben"},
		{"GET", "/", map[string]string{scheduler.PrefixHeader: "/p/scheduler"}, 200, `<base href="/p/scheduler/">`},
		{"GET", "/", map[string]string{scheduler.PrefixHeader: `/p/"><script>`}, 200, "<title>"},
	}
	for _, tt := range tests {
		res := e.page(tt.method, tt.target, nil, tt.header)
		all := string(res.Body) + res.Header.Get("Content-Type") + res.Header.Get("Allow")
		if res.Status != tt.status || !strings.Contains(all, tt.want) {
			t.Errorf("%s %s: status %d, want %d with %q\n%s", tt.method, tt.target, res.Status, tt.status, tt.want, all)
		}
		if strings.Contains(string(res.Body), "<base") && !strings.Contains(string(res.Body), `<base href="/p/scheduler/">`) {
			t.Errorf("%s %s with %v: a base from a bad prefix: %s", tt.method, tt.target, tt.header, res.Body)
		}
	}
	id := e.mustCreate(daily("web", "04:00", "UTC")).Task.ID
	res := e.page("POST", "/pause?id="+id, url.Values{}, map[string]string{scheduler.PrefixHeader: "/p/scheduler"})
	if loc := res.Header.Get("Location"); res.Status != http.StatusSeeOther || loc != "/p/scheduler/?done=paused&id="+id {
		t.Errorf("pause under a prefix: status %d, Location %q", res.Status, loc)
	}
}

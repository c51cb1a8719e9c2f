package scheduler

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// The web page's contract with the host that proxies it (see the package
// documentation).
const (
	// CSRFHeader carries the host's CSRF token for the request's session;
	// the pages put it in every form as CSRFField, which the host checks
	// on every POST before the request reaches the plugin.
	CSRFHeader = "X-CSRF-Token"
	// CSRFField is the form field holding the CSRF token.
	CSRFField = "csrf_token"
	// PrefixHeader, if the host sets it, is the path the plugin's pages
	// are served under ("/p/scheduler"); the pages then link from there.
	// Without it every link is relative to the page root.
	PrefixHeader = "X-Forwarded-Prefix"
	// UserHeader, if the host sets it, names the logged-in web user for
	// the audit log and CreatedBy.
	UserHeader = "X-DDC-User"
)

// maxForm bounds a form's body.
const maxForm = 64 << 10

//go:embed web/pages.html web/static
var webFiles embed.FS

// pages are the page templates, parsed on first use.
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(template.ParseFS(webFiles, "web/pages.html"))
})

// prefixRE is what a PrefixHeader may hold.
var prefixRE = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

// page is what a template shows.
type page struct {
	tr       i18n.Translator
	Lang     string
	Base     string
	Title    string
	Subtitle string
	CSRF     string
	Notices  []string
	Warnings []string
	General  []string

	Tasks       []taskRow
	DefaultZone string

	Form       *formData
	Errors     map[string]string
	Containers []string
	Zones      []string

	Task *taskRow
	Runs []runRow
}

// T formats a message of the catalog in the page's language.
func (p page) T(id string, args ...any) string { return p.tr.T(id, args...) }

// taskRow is a task as the pages show it.
type taskRow struct {
	ID, Container, Action, Description, Zone, Note, Error string
	Next, NextISO, State, StateText, Last, LastResult     string
	Paused                                                bool
}

// runRow is a history entry as the history page shows it.
type runRow struct {
	Due, Started, Duration, Result, ResultText, Detail string
}

// option is a choice in a select or a checkbox.
type option struct {
	Value, Label string
	Selected     bool
}

// formData is the task form's values.
type formData struct {
	ID, Container, Time, Date, Day, Cron, Timezone, Note string
	Action, Kind                                         string
	Month                                                int
	Weekdays                                             []string
	Paused                                               bool
	Actions, Kinds, Days, Months                         []option
	WeekdayOpts                                          []option
}

// ServeHTTP serves the task pages, relative to the plugin's root (the host
// proxies /p/scheduler/... here, behind its login and CSRF check):
//
//	GET  /                 the tasks with their next runs
//	GET  /new, POST /new   the form for a new task
//	GET  /edit?id=, POST   the form for a task
//	GET  /history?id=      a task's runs
//	POST /pause?id=, /resume?id=, /delete?id=
//	GET  /static/...       the pages' CSS and JavaScript
//
// Pages carry no inline script or style. Every form holds the CSRF token
// the host sent in CSRFHeader.
func (p *Plugin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route := "/" + strings.Trim(path.Clean("/"+r.URL.Path), "/")
	if strings.HasPrefix(route, "/static/") {
		p.serveStatic(w, r, strings.TrimPrefix(route, "/static/"))
		return
	}
	pg := p.newPage(r)
	post := r.Method == http.MethodPost
	if !post && r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, route)
		return
	}
	switch route {
	case "/":
		if post {
			methodNotAllowed(w, route)
			return
		}
		p.listPage(w, r, pg)
	case "/new", "/edit":
		p.formPage(w, r, pg, route == "/edit", post)
	case "/history":
		if post {
			methodNotAllowed(w, route)
			return
		}
		p.historyPage(w, r, pg)
	case "/pause", "/resume", "/delete":
		if !post {
			methodNotAllowed(w, route)
			return
		}
		p.taskAction(w, r, pg, strings.TrimPrefix(route, "/"))
	default:
		pg.Title = pg.T("web.not_found")
		pg.General = []string{pg.T("web.not_found")}
		p.render(w, http.StatusNotFound, "list", pg)
	}
}

// methodNotAllowed answers 405 with the methods route takes.
func methodNotAllowed(w http.ResponseWriter, route string) {
	allow := "GET, HEAD"
	switch route {
	case "/new", "/edit":
		allow = "GET, HEAD, POST"
	case "/pause", "/resume", "/delete":
		allow = "POST"
	}
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}

// serveStatic serves the pages' CSS and JavaScript.
func (p *Plugin) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "/static/")
		return
	}
	raw, err := fs.ReadFile(webFiles, "web/static/"+name)
	if err != nil || name == "" || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodGet {
		_, _ = w.Write(raw)
	}
}

// newPage starts a page in the reader's language: the browser's
// Accept-Language, else the host's default language.
func (p *Plugin) newPage(r *http.Request) page {
	_, _, lang := p.settings()
	var langs []string
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if tag != "" && tag != "*" {
			langs = append(langs, tag)
		}
	}
	tr := catalog().Lang(append(langs, lang)...)
	pg := page{tr: tr, Lang: tr.Lang(), CSRF: r.Header.Get(CSRFHeader)}
	if pre := strings.TrimRight(r.Header.Get(PrefixHeader), "/"); prefixRE.MatchString(pre) {
		pg.Base = pre + "/"
	}
	pg.Title = tr.T("web.title")
	return pg
}

// webActor is the web user, for the audit log.
func webActor(r *http.Request) actor {
	if u := strings.TrimSpace(r.Header.Get(UserHeader)); u != "" && len(u) <= 64 {
		return actor{name: "web:" + u}
	}
	return actor{name: "web"}
}

// render writes a page.
func (p *Plugin) render(w http.ResponseWriter, status int, name string, pg page) {
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, name, pg); err != nil {
		p.log.Error("render page", "page", name, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// redirect sends the browser back to the list with a notice.
func redirect(w http.ResponseWriter, pg page, q url.Values) {
	target := "./"
	if pg.Base != "" {
		target = pg.Base
	}
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusSeeOther)
}

// fail shows an error that is not bad input on page name, with the status
// its sentinel calls for.
func (p *Plugin) fail(w http.ResponseWriter, pg page, name string, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, sdk.ErrInvalid):
		status = http.StatusUnprocessableEntity
	case errors.Is(err, sdk.ErrUnavailable):
		status = http.StatusServiceUnavailable
	}
	msg, ok := sdk.UserMessage(err)
	if !ok {
		p.log.Error("web page", "page", name, "err", err)
		msg = pg.T("web.failed")
	}
	pg.General = append(pg.General, msg)
	p.render(w, status, name, pg)
}

// row turns a task into a table row.
func (p *Plugin) row(tr i18n.Translator, t api.Task) taskRow {
	loc, _, _ := p.zones.load(t.Timezone)
	r := taskRow{
		ID: t.ID, Container: t.Container, Action: tr.T("op." + string(t.Action)), Description: t.Description,
		Zone: t.Timezone, Note: t.Note, Error: t.Error, Paused: t.Paused, State: "active",
	}
	switch {
	case t.Error != "":
		r.State, r.StateText = "broken", tr.T("list.broken")
	case t.Paused:
		r.State, r.StateText = "paused", tr.T("list.paused")
	case t.Next.IsZero():
		r.State, r.StateText = "done", tr.T("list.done")
	default:
		r.Next, r.NextISO = formatWhen(t.Next, loc), t.Next.UTC().Format(time.RFC3339)
	}
	if t.LastRun != nil {
		r.LastResult = string(t.LastRun.Result)
		r.Last = tr.T("result."+string(t.LastRun.Result)) + " · " + formatWhen(t.LastRun.Due, loc)
	}
	return r
}

// listPage shows every task.
func (p *Plugin) listPage(w http.ResponseWriter, r *http.Request, pg page) {
	l, err := p.list(r.Context(), pg.tr, "")
	if err != nil {
		p.fail(w, pg, "list", err)
		return
	}
	pg.DefaultZone = l.Timezone
	pg.Tasks = make([]taskRow, 0, len(l.Tasks))
	for _, t := range l.Tasks {
		pg.Tasks = append(pg.Tasks, p.row(pg.tr, t))
	}
	q := r.URL.Query()
	if id := q.Get("id"); idRE.MatchString(id) {
		switch done := q.Get("done"); done {
		case "created", "updated", "deleted", "paused", "resumed":
			pg.Notices = append(pg.Notices, pg.T("web.done."+done, "ID", id))
			if done == "created" || done == "updated" {
				pg.Warnings = p.gapWarnings(pg.tr, id)
			}
		}
	}
	p.render(w, http.StatusOK, "list", pg)
}

// historyPage shows one task's runs.
func (p *Plugin) historyPage(w http.ResponseWriter, r *http.Request, pg page) {
	res, err := p.get(r.Context(), pg.tr, r.URL.Query().Get("id"))
	if err != nil {
		p.fail(w, pg, "list", err)
		return
	}
	row := p.row(pg.tr, res.Task)
	pg.Task = &row
	pg.Subtitle = pg.T("web.history_of", "ID", res.Task.ID)
	loc, _, _ := p.zones.load(res.Task.Timezone)
	for _, run := range res.History {
		rr := runRow{Due: formatWhen(run.Due, loc), Started: formatWhen(run.Started, loc), Result: string(run.Result),
			ResultText: pg.T("result." + string(run.Result)), Detail: run.Error}
		if !run.Started.IsZero() {
			rr.Duration = (time.Duration(run.DurationMS) * time.Millisecond).String()
		}
		if run.Result == api.ResultMissed {
			rr.Detail = pg.T("web.missed_detail", "Count", max(run.Missed, 1), "Until", formatWhen(run.Until, loc))
		}
		pg.Runs = append(pg.Runs, rr)
	}
	p.render(w, http.StatusOK, "history", pg)
}

// taskAction pauses, resumes or deletes a task and goes back to the list.
func (p *Plugin) taskAction(w http.ResponseWriter, r *http.Request, pg page, what string) {
	id := r.URL.Query().Get("id")
	var err error
	switch what {
	case "delete":
		_, err = p.remove(r.Context(), pg.tr, id, webActor(r))
	default:
		_, err = p.setPaused(r.Context(), pg.tr, id, what == "pause", webActor(r))
	}
	if err != nil {
		p.fail(w, pg, "list", err)
		return
	}
	done := map[string]string{"delete": "deleted", "pause": "paused", "resume": "resumed"}[what]
	redirect(w, pg, url.Values{"done": {done}, "id": {id}})
}

// formFields maps a Spec's field paths to the form's fields.
var formFields = map[string]string{
	"container": "container", "action": "action", "timezone": "timezone", "note": "note",
	"schedule.kind": "kind", "schedule.time": "time", "schedule.date": "date", "schedule.weekdays": "weekday",
	"schedule.day": "day", "schedule.month": "month", "schedule.cron": "cron",
}

// formPage shows the form for a new task or a task (edit), and creates or
// changes the task on POST; bad input is shown at its fields, and nothing
// is saved.
func (p *Plugin) formPage(w http.ResponseWriter, r *http.Request, pg page, edit, post bool) {
	ctx := r.Context()
	id := r.URL.Query().Get("id")
	_, tz, _ := p.settings()
	f := &formData{Action: string(api.OpRestart), Kind: string(api.KindDaily), Time: "04:00", Timezone: tz, Day: "1", Month: 1}
	pg.Title = pg.T("web.new")
	if edit {
		res, err := p.get(ctx, pg.tr, id)
		if err != nil {
			p.fail(w, pg, "list", err)
			return
		}
		f = formOf(res.Task)
		pg.Title = pg.T("web.edit_title", "ID", res.Task.ID)
	}
	if post {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			pg.General = append(pg.General, pg.T("web.bad_form"))
			p.showForm(ctx, w, pg, f, http.StatusBadRequest)
			return
		}
		f = formFromPost(r.PostForm, id, edit)
		spec, err := specOf(pg.tr, f)
		if err == nil {
			var res api.TaskResult
			if edit {
				res, err = p.change(ctx, pg.tr, id, spec, webActor(r))
			} else {
				res, err = p.create(ctx, pg.tr, spec, webActor(r))
			}
			if err == nil {
				done := "created"
				if edit {
					done = "updated"
				}
				redirect(w, pg, url.Values{"done": {done}, "id": {res.Task.ID}})
				return
			}
		}
		ps := problemsOf(err)
		if ps == nil {
			if errors.Is(err, sdk.ErrNotFound) {
				p.fail(w, pg, "list", err)
				return
			}
			msg, ok := sdk.UserMessage(err)
			if !ok {
				p.log.Error("save task from the web page", "err", err)
				msg = pg.T("web.failed")
			}
			pg.General = append(pg.General, msg)
			p.showForm(ctx, w, pg, f, http.StatusUnprocessableEntity)
			return
		}
		pg.Errors = map[string]string{}
		for _, pr := range ps {
			msg := pg.tr.T(pr.id, pr.args...)
			if field, ok := formFields[pr.field]; ok {
				pg.Errors[field] = msg
			} else {
				pg.General = append(pg.General, pr.text(pg.tr))
			}
		}
		p.showForm(ctx, w, pg, f, http.StatusUnprocessableEntity)
		return
	}
	p.showForm(ctx, w, pg, f, http.StatusOK)
}

// showForm renders the form with its choices.
func (p *Plugin) showForm(ctx context.Context, w http.ResponseWriter, pg page, f *formData, status int) {
	tr := pg.tr
	for _, o := range api.Ops() {
		f.Actions = append(f.Actions, option{string(o), tr.T("op." + string(o)), string(o) == f.Action})
	}
	for _, k := range api.Kinds() {
		f.Kinds = append(f.Kinds, option{string(k), tr.T("choice." + string(k)), string(k) == f.Kind})
	}
	for i, n := range api.Weekdays() {
		f.WeekdayOpts = append(f.WeekdayOpts, option{n, tr.T("weekday." + strconv.Itoa(i)), slices.Contains(f.Weekdays, n)})
	}
	for d := 1; d <= 31; d++ {
		f.Days = append(f.Days, option{strconv.Itoa(d), strconv.Itoa(d), f.Day == strconv.Itoa(d)})
	}
	f.Days = append(f.Days, option{"last", tr.T("choice.last_day"), f.Day == "last"})
	for m := 1; m <= 12; m++ {
		f.Months = append(f.Months, option{strconv.Itoa(m), tr.T("month." + strconv.Itoa(m)), f.Month == m})
	}
	if l, err := capi.List(ctx, p.host); err == nil {
		for _, c := range l.Containers {
			pg.Containers = append(pg.Containers, c.Container)
		}
	}
	pg.Zones = zoneNames()
	pg.Form = f
	pg.Subtitle = pg.Title
	p.render(w, status, "form", pg)
}

// formOf fills the form from a task.
func formOf(t api.Task) *formData {
	sc := t.Schedule
	f := &formData{
		ID: t.ID, Container: t.Container, Action: string(t.Action), Kind: string(sc.Kind), Time: sc.Time, Date: sc.Date,
		Weekdays: sc.Weekdays, Day: "1", Month: max(sc.Month, 1), Cron: sc.Cron, Timezone: t.Timezone, Note: t.Note, Paused: t.Paused,
	}
	switch {
	case sc.Day == api.LastDay:
		f.Day = "last"
	case sc.Day > 0:
		f.Day = strconv.Itoa(sc.Day)
	}
	return f
}

// formFromPost reads the posted form.
func formFromPost(v url.Values, id string, edit bool) *formData {
	f := &formData{
		Container: v.Get("container"), Action: v.Get("action"), Kind: v.Get("kind"), Time: v.Get("time"), Date: v.Get("date"),
		Weekdays: v["weekday"], Day: v.Get("day"), Cron: v.Get("cron"), Timezone: v.Get("timezone"), Note: v.Get("note"),
		Paused: v.Get("paused") != "",
	}
	f.Month, _ = strconv.Atoi(v.Get("month"))
	if edit {
		f.ID = id
	}
	return f
}

// specOf turns the form into a Spec, taking only the fields the chosen
// kind uses: the form shows them all to browsers without JavaScript.
func specOf(tr i18n.Translator, f *formData) (api.Spec, error) {
	spec := api.Spec{Container: f.Container, Action: api.Op(f.Action), Timezone: f.Timezone, Note: f.Note, Paused: f.Paused}
	kind := api.Kind(f.Kind)
	spec.Schedule.Kind = kind
	if kind != api.KindCron {
		spec.Schedule.Time = f.Time
	}
	switch kind {
	case api.KindOnce:
		spec.Schedule.Date = f.Date
	case api.KindWeekly:
		spec.Schedule.Weekdays = f.Weekdays
	case api.KindYearly:
		spec.Schedule.Month = f.Month
		fallthrough
	case api.KindMonthly:
		d, ok := parseDay(f.Day)
		if !ok {
			return spec, invalid(tr, []problem{{"schedule.day", "err.day_text", []any{"Value", f.Day}}})
		}
		spec.Schedule.Day = d
	case api.KindCron:
		spec.Schedule.Cron = f.Cron
	}
	return spec, nil
}

package web

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host/web/auth"
	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// page is what every template gets.
type page struct {
	tr          i18n.Translator
	cache       map[string]string // messages without arguments, formatted once
	Lang        string
	Base        string
	CSRF        string
	Title       string
	Nav         string
	User        string
	PluginPages []navPage
	Notices     []string
	Warnings    []string
	Errors      map[string]string
	CanInstall  bool
	Data        any
}

// navPage is a plugin's page in the navigation.
type navPage struct {
	ID, Path, Title string
}

// T formats a message of the UI's catalog in the page's language.
// A page of 200 containers asks for the same labels hundreds of times, so
// messages without arguments are formatted once per page.
func (p *page) T(id string, args ...any) string {
	if len(args) > 0 {
		return p.tr.T(id, args...)
	}
	if m, ok := p.cache[id]; ok {
		return m
	}
	m := p.tr.T(id)
	if p.cache == nil {
		p.cache = map[string]string{}
	}
	p.cache[id] = m
	return m
}

// Ops returns the container actions the dashboard offers for c.
func (p *page) Ops(c capi.ContainerInfo) []capi.Op {
	var out []capi.Op
	for _, op := range []capi.Op{capi.OpStart, capi.OpStop, capi.OpRestart} {
		running := c.State == capi.StateRunning
		if c.Allows(op) && !(op == capi.OpStart && running) && !(op == capi.OpStop && !running) {
			out = append(out, op)
		}
	}
	return out
}

// itemOp is what the "plugop" template gets.
type itemOp struct {
	Page *page
	Item any
	Op   string
}

// PermLists are the channels page's lists, in order.
func (p *page) PermLists() []string { return permLists }

// With pairs an item with an operation for a sub-template.
func (p *page) With(item any, op string) itemOp { return itemOp{Page: p, Item: item, Op: op} }

// translator picks the UI language: the user's choice, else the browser's
// (Accept-Language), else the host's default language, else English.
func (u *ui) translator(c *gin.Context) i18n.Translator {
	var locales []string
	if who := reqOf(c).who; who.Session != nil {
		if l := u.Auth.Language(c.Request.Context(), who.User); l != "" {
			locales = append(locales, l)
		}
	}
	locales = append(locales, acceptLanguages(c.GetHeader("Accept-Language"))...)
	if u.Config != nil {
		locales = append(locales, u.Config().Language)
	}
	return u.catalog.Lang(locales...)
}

// acceptLanguages returns the tags of an Accept-Language header, most
// wanted first (at most 8).
func acceptLanguages(h string) []string {
	type tag struct {
		name string
		q    float64
	}
	var tags []tag
	for i, part := range strings.Split(h, ",") {
		if i >= 8 {
			break
		}
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if name != "" && name != "*" && q > 0 {
			tags = append(tags, tag{name, q})
		}
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].q > tags[j].q })
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.name
	}
	return out
}

// page starts a page's data for the request.
func (u *ui) page(c *gin.Context, titleKey, nav string) *page {
	r := reqOf(c)
	tr := u.translator(c)
	pg := &page{tr: tr, Lang: tr.Lang(), Base: r.Base, Title: tr.T(titleKey), Nav: nav, Errors: map[string]string{}}
	if r.who.Session != nil {
		pg.CSRF = r.who.Session.CSRF
		pg.User = r.who.User
		pg.PluginPages = u.pluginPages()
	}
	return pg
}

// pluginPages lists the running plugins' pages for the navigation.
func (u *ui) pluginPages() []navPage {
	var out []navPage
	for id, mf := range u.Host.Manifests() {
		for _, p := range mf.Pages {
			out = append(out, navPage{ID: id, Path: p.Path, Title: p.Title})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID+out[i].Path < out[j].ID+out[j].Path })
	return out
}

// render executes a template into a buffer first, so a template error
// never sends half a page.
func (u *ui) render(c *gin.Context, status int, name string, pg *page) {
	var buf bytes.Buffer
	if err := u.pages.ExecuteTemplate(&buf, name, pg); err != nil {
		u.log.Error("web: render page", "template", name, "error", err)
		c.String(http.StatusInternalServerError, "internal error rendering the page; see the log")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// preToken returns the pre-login CSRF token of the browser (double-submit
// cookie for the setup and login forms), making one if needed.
func preToken(c *gin.Context) string {
	if v, err := c.Cookie(preCookie); err == nil && len(v) >= 32 && len(v) <= 64 {
		return v
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	setCookie(c, preCookie, v, 3600)
	return v
}

// checkPre checks the pre-login CSRF token of a setup or login POST.
func checkPre(c *gin.Context) bool {
	v, err := c.Cookie(preCookie)
	f := c.PostForm(csrfField)
	return err == nil && len(v) >= 32 && subtle.ConstantTimeCompare([]byte(v), []byte(f)) == 1
}

// startSession sets the session cookie.
func startSession(c *gin.Context, s *auth.Session) {
	setCookie(c, sessionCookie, s.ID, 0)
	setCookie(c, preCookie, "", -1)
}

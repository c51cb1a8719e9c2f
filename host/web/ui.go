package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/host/web/auth"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// Host is what the logged-in UI and the REST API need from the plugin
// manager (*pluginhost.Manager).
type Host interface {
	Plugins
	// Manifests returns the running plugins' manifests, by id.
	Manifests() map[string]grpcplugin.Manifest
	// Invoke calls a plugin action as caller ("host").
	Invoke(ctx context.Context, caller, action string, args json.RawMessage, in *sdk.Interaction) (json.RawMessage, error)
	// HandleHTTP sends a request to a plugin's web pages.
	HandleHTTP(ctx context.Context, id string, req *grpcplugin.HTTPRequest) (*grpcplugin.HTTPResponse, error)
	// Restart, Enable and Disable act on a plugin's process now.
	Restart(ctx context.Context, id string) error
	Enable(ctx context.Context, id string) error
	Disable(ctx context.Context, id string) error
}

// Events is the host's event bus (*pluginhost.Bus): the UI subscribes
// once and fans events out to its live pages.
type Events interface {
	Subscribe(id string, topics []string, deliver pluginhost.Deliverer)
	Unsubscribe(id string)
}

// AuditLog is the host's audit log (*store.Store).
type AuditLog interface {
	AppendAudit(ctx context.Context, e store.AuditEntry) error
	Audit(ctx context.Context, limit int) ([]store.AuditEntry, error)
}

// UI configures the logged-in web UI and the REST API. With it, "/" is the
// dashboard (behind the login) instead of the public start page.
type UI struct {
	// Auth holds the password, sessions and API tokens.
	Auth *auth.Auth
	// Host is the plugin manager.
	Host Host
	// Events is the event bus; nil means no live updates.
	Events Events
	// Audit is the audit log.
	Audit AuditLog
	// ConfigFile is config.yaml: plugin toggles and settings are saved
	// into it (atomically), and the host's watcher applies them.
	ConfigFile string
	// Config returns the running config.
	Config func() *config.Config
	// Installer installs uploaded plugin binaries; nil leaves the install
	// page out.
	Installer Installer
	// Logs keeps the recent log lines for the logs page; nil leaves the
	// page out.
	Logs *LogRing
	// Logger logs what the UI does; nil logs nothing.
	Logger *slog.Logger
}

// Names of cookies, form fields and headers.
const (
	sessionCookie = "ddc_session"
	preCookie     = "ddc_pre"
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
	userHeader    = "X-DDC-User"
	prefixHeader  = "X-Forwarded-Prefix"
	// webCaller is the Invoke caller of the UI's actions.
	webCaller = "host"
)

// prefixPattern is what an X-Forwarded-Prefix may hold.
var prefixPattern = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

// ui is the logged-in side's state.
type ui struct {
	UI
	cfg     Config
	log     *slog.Logger
	catalog *i18n.Catalog
	pages   *template.Template
	hub     *hub
	staged  staging
	// editMu serialises config.Update.
	editMu sync.Mutex
}

// request is what the UI knows of a request: the real client address
// (through trusted proxies), whether it came over HTTPS, the path prefix
// the UI is served under, and who is logged in.
type request struct {
	IP     string
	Secure bool
	Base   string
	who    identity
}

// identity is who made a request: a session or an API token.
type identity struct {
	User    string
	Session *auth.Session
	Token   *auth.Token
}

func (id identity) interaction(lang, def string) *sdk.Interaction {
	// A fresh id for each action: the host records the interaction under
	// it, so the provider's audit entries name the web user.
	in := &sdk.Interaction{ID: strconv.FormatUint(rand.Uint64()>>1|1<<62, 10), Level: sdk.LevelAdmin, Locale: lang, DefaultLocale: def}
	switch {
	case id.Token != nil:
		in.User = sdk.User{ID: "token:" + id.Token.ID, Name: "token " + id.Token.Name}
	default:
		in.User = sdk.User{ID: "web:" + id.User, Name: id.User + " (web)"}
	}
	return in
}

// auditName is how the audit log names the identity.
func (id identity) auditName() string {
	if id.Token != nil {
		return "token " + id.Token.Name
	}
	return id.User + " (web)"
}

const reqKey = "ddc.request"

func reqOf(c *gin.Context) *request {
	if r, ok := c.Get(reqKey); ok {
		return r.(*request)
	}
	return &request{}
}

// trusted parses the configured trusted proxies.
func (u *ui) trusted() []netip.Prefix {
	var out []netip.Prefix
	if u.Config == nil {
		return nil
	}
	for _, s := range u.Config().Web.TrustedProxies {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out
}

func isTrusted(nets []netip.Prefix, ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// clientInfo fills the request's client address, scheme and prefix,
// believing X-Forwarded-* only from a configured trusted proxy.
func (u *ui) clientInfo(c *gin.Context) {
	r := &request{IP: remoteIP(c.Request.RemoteAddr), Secure: c.Request.TLS != nil}
	nets := u.trusted()
	if isTrusted(nets, r.IP) {
		hops := strings.Split(c.Request.Header.Get("X-Forwarded-For"), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h := strings.TrimSpace(hops[i])
			if _, err := netip.ParseAddr(h); err != nil {
				break
			}
			r.IP = h
			if !isTrusted(nets, h) {
				break
			}
		}
		if strings.EqualFold(strings.TrimSpace(c.Request.Header.Get("X-Forwarded-Proto")), "https") {
			r.Secure = true
		}
		if pre := strings.TrimRight(c.Request.Header.Get(prefixHeader), "/"); prefixPattern.MatchString(pre) {
			r.Base = pre
		}
	}
	c.Set(reqKey, r)
	c.Next()
}

func remoteIP(addr string) string {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return addr
}

// cookie sets a cookie scoped to the UI's path, HttpOnly, SameSite=Strict,
// Secure when the request came over HTTPS.
func setCookie(c *gin.Context, name, value string, maxAge int) {
	r := reqOf(c)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: r.Base + "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.Secure, SameSite: http.SameSiteStrictMode,
	})
}

// authenticate finds the request's identity: an API token in
// Authorization: Bearer, else the session cookie.
func (u *ui) authenticate(c *gin.Context) (identity, bool) {
	// Another scheme (Basic from an authenticating proxy in front) falls
	// through to the session.
	if tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer "); ok {
		t, ok := u.Auth.CheckToken(c.Request.Context(), strings.TrimSpace(tok))
		if !ok {
			return identity{}, false
		}
		return identity{User: "token:" + t.Name, Token: &t}, true
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil {
		return identity{}, false
	}
	s, ok := u.Auth.Session(ck)
	if !ok {
		return identity{}, false
	}
	return identity{User: s.User, Session: &s}, true
}

// stateChanging reports whether a method changes state (needs CSRF).
func stateChanging(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// requireLogin lets only logged-in requests through: pages redirect to
// the setup or login page, the API answers 401. A session's
// state-changing request without its CSRF token (header or form field) is
// refused with 403; token requests carry no cookies and need none.
func (u *ui) requireLogin(api bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		who, ok := u.authenticate(c)
		if !ok {
			u.unauthorized(c, api)
			return
		}
		if who.Session != nil && stateChanging(c.Request.Method) && !auth.CheckCSRF(*who.Session, csrfToken(c)) {
			u.fail(c, api, http.StatusForbidden, "csrf", "missing or wrong CSRF token; reload the page")
			return
		}
		reqOf(c).who = who
		c.Next()
	}
}

func (u *ui) unauthorized(c *gin.Context, api bool) {
	if api || c.Request.Method != http.MethodGet {
		c.Header("WWW-Authenticate", `Bearer realm="ddc"`)
		u.fail(c, true, http.StatusUnauthorized, "unauthorized", "log in or send an API token as Authorization: Bearer")
		return
	}
	target := "/login"
	if need, err := u.Auth.NeedsSetup(c.Request.Context()); err == nil && need {
		target = "/setup"
	}
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+target)
	c.Abort()
}

// csrfToken returns the request's CSRF token: the X-CSRF-Token header,
// else the form field. A urlencoded body is read from a copy and put back,
// so it stays readable for the handler (and a plugin page's form gets its
// body whole).
func csrfToken(c *gin.Context) string {
	if t := c.GetHeader(csrfHeader); t != "" {
		return t
	}
	switch c.ContentType() {
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxProxyBody))
		if err != nil {
			return ""
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return ""
		}
		return vals.Get(csrfField)
	case "multipart/form-data":
		return c.PostForm(csrfField)
	}
	return ""
}

// apiError is the body of every REST error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fail ends the request with an error: JSON {code, message} for the API,
// the error page for pages.
func (u *ui) fail(c *gin.Context, api bool, status int, code, msg string) {
	if api {
		c.AbortWithStatusJSON(status, apiError{Code: code, Message: msg})
		return
	}
	pg := u.page(c, "err.title", "")
	pg.Data = msg
	u.render(c, status, "error.html", pg)
	c.Abort()
}

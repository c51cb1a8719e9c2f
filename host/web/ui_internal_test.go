package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/host/web/auth"
	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// echoSchema is a plugin settings schema like the echo example's.
const echoSchema = `{"type":"object","additionalProperties":false,"properties":{
 "prefix":{"type":"string","maxLength":20,"description":"Put before every echo.","default":"echo:"},
 "max_text":{"type":"integer","minimum":1,"maximum":1000,"default":200},
 "loud":{"type":"boolean"}}}`

// fakeHost is the plugin manager as the UI sees it.
type fakeHost struct {
	mu         sync.Mutex
	containers []capi.ContainerInfo
	calls      []string // "restart echo", "invoke containers.restart web"
	invokes    []*sdk.Interaction
	httpReqs   []*grpcplugin.HTTPRequest
	restarts   int // echo's restarts, which a test may raise
}

func (h *fakeHost) Statuses() []pluginhost.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return []pluginhost.Status{
		{ID: "containers", Name: "containers", Version: "1.0.0", State: pluginhost.StateRunning, Bundled: true},
		{ID: "echo", Name: "echo", Version: "1.0.0", State: pluginhost.StateRunning, Restarts: h.restarts,
			RSS: 12<<20 + 512<<10, PSS: 8 << 20, MemoryLimit: 256 << 20},
		{ID: "sched", Name: "sched", Version: "1.0.0", State: pluginhost.StateFailed, LastError: "crashed <b>5</b> times"},
	}
}

func (h *fakeHost) Manifests() map[string]grpcplugin.Manifest {
	return map[string]grpcplugin.Manifest{
		"containers": {},
		"echo":       {Info: sdk.Info{ID: "echo", SettingsSchema: echoSchema}},
		"sched":      {Info: sdk.Info{ID: "sched", Pages: []sdk.Page{{Path: "", Title: "Tasks"}}}},
		"panels":     {Info: sdk.Info{ID: "panels", SettingsSchema: panelsSchema}},
	}
}

// panelsSchema is like the panels plugin's settings schema: its channels
// list and a top-level setting.
const panelsSchema = `{"type":"object","additionalProperties":false,"properties":{
 "log_lines":{"type":"integer","minimum":1,"maximum":100},
 "channels":{"type":"array","maxItems":100,"items":{"type":"object","additionalProperties":false,"required":["id"],"properties":{
  "id":{"type":"string","pattern":"^[0-9]{17,20}$"},
  "post_on_start":{"type":"boolean"},"control":{"type":"boolean"},"collapsed":{"type":"boolean"},
  "refresh":{"type":"string","minDuration":"0s","maxDuration":"24h"},
  "recreate_after":{"type":"string","minDuration":"0s","maxDuration":"24h"}}}}}}`

func (h *fakeHost) Invoke(_ context.Context, caller, action string, args json.RawMessage, in *sdk.Interaction) (json.RawMessage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var a capi.Args
	_ = json.Unmarshal(args, &a)
	h.calls = append(h.calls, "invoke "+action+" "+a.Container)
	h.invokes = append(h.invokes, in)
	switch action {
	case capi.ActionList:
		return json.Marshal(capi.ListResult{Containers: h.containers, Endpoints: []capi.EndpointStatus{}})
	case capi.ActionRestart:
		return json.Marshal(capi.ActionResult{Container: a.Container, Action: capi.OpRestart, OK: true, Changed: true, State: capi.StateRunning, Detail: "restarted"})
	case "scheduler.list":
		return json.RawMessage(`{"tasks":[]}`), nil
	}
	return nil, fmt.Errorf("invoke %s: %w", action, sdk.ErrNotFound)
}

func (h *fakeHost) HandleHTTP(_ context.Context, id string, req *grpcplugin.HTTPRequest) (*grpcplugin.HTTPResponse, error) {
	h.mu.Lock()
	h.httpReqs = append(h.httpReqs, req)
	h.mu.Unlock()
	return &grpcplugin.HTTPResponse{Status: 200, Header: http.Header{
		"Content-Type": {"text/html"}, "Set-Cookie": {"evil=1"}, "Content-Security-Policy": {"default-src *"},
	}, Body: []byte("plugin page " + id + req.Path)}, nil
}

func (h *fakeHost) record(s string) error {
	h.mu.Lock()
	h.calls = append(h.calls, s)
	h.mu.Unlock()
	return nil
}

func (h *fakeHost) Restart(_ context.Context, id string) error { return h.record("restart " + id) }
func (h *fakeHost) Enable(_ context.Context, id string) error  { return h.record("enable " + id) }
func (h *fakeHost) Disable(_ context.Context, id string) error { return h.record("disable " + id) }

func (h *fakeHost) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.calls, "\n")
}

// fakeEvents is the bus: it keeps the UI's deliverer.
type fakeEvents struct {
	mu      sync.Mutex
	deliver pluginhost.Deliverer
}

func (e *fakeEvents) Subscribe(id string, topics []string, d pluginhost.Deliverer) {
	e.mu.Lock()
	e.deliver = d
	e.mu.Unlock()
}

func (e *fakeEvents) Unsubscribe(string) {}

func (e *fakeEvents) publish(ev sdk.Event) {
	e.mu.Lock()
	d := e.deliver
	e.mu.Unlock()
	_ = d(context.Background(), ev)
}

// testUI is a UI with a real store and config file.
type testUI struct {
	t       testing.TB
	h       http.Handler
	eng     *gin.Engine
	host    *fakeHost
	events  *fakeEvents
	logs    *LogRing
	st      *store.Store
	cfgFile string
}

const (
	testPassword = "a long admin password"
	discordToken = "MTAxMjM0NTY3ODkw.Gsecret.discordtokenvalue"
)

func newTestUI(t testing.TB, trusted ...string) *testUI {
	t.Helper()
	return newTestUIEnv(t, nil, trusted...)
}

// newTestUIEnv is newTestUI with more environment variables for the
// config (besides the Discord token).
func newTestUIEnv(t testing.TB, env []string, trusted ...string) *testUI {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "ddc.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfgFile := filepath.Join(dir, config.FileName)
	if err := os.WriteFile(cfgFile, config.DefaultYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	// The running config is re-read after every change of the file, as
	// the host's watcher would.
	var cfgMu sync.Mutex
	var loaded *config.Config
	var loadedRaw string
	current := func() *config.Config {
		cfgMu.Lock()
		defer cfgMu.Unlock()
		raw, _ := os.ReadFile(cfgFile)
		if loaded != nil && string(raw) == loadedRaw {
			return loaded
		}
		c, err := config.Load(dir, append([]string{"DISCORD_BOT_TOKEN=" + discordToken}, env...), nil)
		if err != nil {
			t.Errorf("load config: %v", err)
			return &config.Config{}
		}
		c.Web.TrustedProxies = trusted
		loaded, loadedRaw = c, string(raw)
		return c
	}
	host := &fakeHost{containers: []capi.ContainerInfo{{
		Container: "web", Endpoint: "local", Name: "web", DisplayName: `<script>alert("x")</script>`, Image: `<img src=x onerror=alert(1)>`,
		State: capi.StateRunning, Reachable: true, Actions: []capi.Op{capi.OpStart, capi.OpStop, capi.OpRestart},
	}}}
	a := auth.New(st.KV(auth.Namespace), auth.Options{})
	events := &fakeEvents{}
	ring := NewLogRing(100)
	cfg := Config{Version: "test", Plugins: host, UI: &UI{Auth: a, Host: host, Events: events, Audit: st, ConfigFile: cfgFile, Config: current, Logs: ring}}
	eng := engine(cfg)
	return &testUI{t: t, h: HeadAsGet(eng), eng: eng, host: host, events: events, st: st, cfgFile: cfgFile, logs: ring}
}

// do sends a request from remote (default 192.0.2.1).
func (u *testUI) do(method, target string, body io.Reader, hdr map[string]string) *httptest.ResponseRecorder {
	u.t.Helper()
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = "192.0.2.1:4000"
	for k, v := range hdr {
		if k == "RemoteAddr" {
			req.RemoteAddr = v
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	u.h.ServeHTTP(rec, req)
	return rec
}

// form posts a urlencoded form.
func (u *testUI) form(target string, vals url.Values, hdr map[string]string) *httptest.ResponseRecorder {
	if hdr == nil {
		hdr = map[string]string{}
	}
	hdr["Content-Type"] = "application/x-www-form-urlencoded"
	return u.do(http.MethodPost, target, strings.NewReader(vals.Encode()), hdr)
}

var csrfMeta = regexp.MustCompile(`name="ddc-csrf" content="([^"]*)"`)

// session is a logged-in browser.
type session struct {
	cookie string // "ddc_session=..."
	csrf   string
}

func (s session) hdr(extra map[string]string) map[string]string {
	h := map[string]string{"Cookie": s.cookie}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

// setup sets the password through the setup page and returns the session.
func (u *testUI) setup() session {
	u.t.Helper()
	rec := u.do(http.MethodGet, "/setup", nil, nil)
	pre := cookieOf(rec, preCookie)
	m := csrfMeta.FindStringSubmatch(rec.Body.String())
	if pre == "" || m == nil || m[1] != pre {
		u.t.Fatalf("setup page: pre cookie %q, csrf %v", pre, m)
	}
	rec = u.form("/setup", url.Values{"password": {testPassword}, "repeat": {testPassword}, csrfField: {pre}}, map[string]string{"Cookie": preCookie + "=" + pre})
	if rec.Code != http.StatusSeeOther {
		u.t.Fatalf("setup = %d: %s", rec.Code, rec.Body)
	}
	return u.sessionFrom(rec)
}

func (u *testUI) sessionFrom(rec *httptest.ResponseRecorder) session {
	u.t.Helper()
	id := cookieOf(rec, sessionCookie)
	if id == "" {
		u.t.Fatalf("no session cookie in %v", rec.Header()["Set-Cookie"])
	}
	s := session{cookie: sessionCookie + "=" + id}
	page := u.do(http.MethodGet, "/", nil, s.hdr(nil))
	m := csrfMeta.FindStringSubmatch(page.Body.String())
	if page.Code != 200 || m == nil || m[1] == "" {
		u.t.Fatalf("dashboard = %d, csrf %v:\n%s", page.Code, m, page.Body)
	}
	s.csrf = m[1]
	return s
}

// login logs in from addr with password.
func (u *testUI) login(addr, password string) *httptest.ResponseRecorder {
	u.t.Helper()
	rec := u.do(http.MethodGet, "/login", nil, map[string]string{"RemoteAddr": addr})
	pre := cookieOf(rec, preCookie)
	return u.form("/login", url.Values{"password": {password}, csrfField: {pre}}, map[string]string{"Cookie": preCookie + "=" + pre, "RemoteAddr": addr})
}

func cookieOf(rec *httptest.ResponseRecorder, name string) string {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

// concrete turns a route pattern into a path.
func concrete(p string) string {
	r := strings.NewReplacer(":id", "echo", ":op", "restart", "*path", "x", "*file", "ddc.css")
	return r.Replace(p)
}

// publicRoute reports the routes that answer without a login.
func publicRoute(method, path string) bool {
	switch path {
	case "/healthz", "/login", "/setup", "/static/*file":
		return true
	}
	return false
}

// TestEveryRouteNeedsLogin: every route but /healthz, the login and setup
// pages and static files answers 401 or redirects to the login or setup
// page without a session or token, and with a wrong token or session.
func TestEveryRouteNeedsLogin(t *testing.T) {
	u := newTestUI(t)
	routes := u.eng.Routes()
	if len(routes) < 30 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, setUp := range []bool{false, true} {
		if setUp {
			u.setup()
			u.host.calls = nil
		}
		for _, r := range routes {
			if publicRoute(r.Method, r.Path) {
				continue
			}
			for _, creds := range []map[string]string{nil, {"Authorization": "Bearer ddc_wrong"}, {"Cookie": sessionCookie + "=forged"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}} {
				rec := u.do(r.Method, concrete(r.Path), strings.NewReader("{}"), creds)
				loc := rec.Header().Get("Location")
				redirect := rec.Code == http.StatusSeeOther && (loc == "/login" || loc == "/setup")
				if rec.Code != http.StatusUnauthorized && !redirect {
					t.Errorf("%s %s with %v (set up %v) = %d %s, want 401 or a redirect to login", r.Method, r.Path, creds, setUp, rec.Code, loc)
				}
				if setUp && redirect && loc != "/login" {
					t.Errorf("%s %s after setup redirects to %s", r.Method, r.Path, loc)
				}
			}
		}
	}
	if got := u.host.log(); got != "" {
		t.Errorf("unauthenticated requests reached the host:\n%s", got)
	}
}

// TestPostWithoutCSRF: every state-changing route answers 403 to a
// session's request without its CSRF token or with a wrong one; an API
// token needs none.
func TestPostWithoutCSRF(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	for _, r := range u.eng.Routes() {
		if !stateChanging(r.Method) || publicRoute(r.Method, r.Path) || r.Path == "/p/:id" {
			continue
		}
		for _, tok := range []string{"", "wrong", s.csrf + "x"} {
			hdr := s.hdr(map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			body := ""
			if tok != "" {
				body = csrfField + "=" + url.QueryEscape(tok)
			}
			rec := u.do(r.Method, concrete(r.Path), strings.NewReader(body), hdr)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s %s with CSRF %q = %d, want 403", r.Method, r.Path, tok, rec.Code)
			}
		}
	}
	// Setup and login forms need the pre-login token too.
	u2 := newTestUI(t)
	if rec := u2.form("/setup", url.Values{"password": {testPassword}, "repeat": {testPassword}}, nil); rec.Code != http.StatusForbidden {
		t.Errorf("setup without CSRF = %d", rec.Code)
	}
	if need, _ := u2.newAuthCheck(); !need {
		t.Error("setup without CSRF set the password")
	}
	if rec := u.form("/login", url.Values{"password": {testPassword}}, nil); rec.Code != http.StatusForbidden {
		t.Errorf("login without CSRF = %d", rec.Code)
	}
	if got := u.host.log(); strings.Contains(got, "restart") || strings.Contains(got, "able") {
		t.Errorf("requests without CSRF reached the host:\n%s", got)
	}
	// With the token they pass.
	rec := u.do(http.MethodPost, "/api/v1/containers/action", strings.NewReader(`{"container":"web","action":"restart"}`), s.hdr(map[string]string{csrfHeader: s.csrf, "Content-Type": "application/json"}))
	if rec.Code != 200 {
		t.Errorf("with CSRF: %d %s", rec.Code, rec.Body)
	}
}

func (u *testUI) newAuthCheck() (bool, error) {
	return auth.New(u.st.KV(auth.Namespace), auth.Options{}).NeedsSetup(context.Background())
}

// TestLoginRateLimit: the 11th failed login in a minute from one address
// answers 429, even with the right password; another address logs in; a
// forged X-Forwarded-For from an untrusted client does not help.
func TestLoginRateLimit(t *testing.T) {
	u := newTestUI(t)
	u.setup()
	for i := range 10 {
		rec := u.login(fmt.Sprintf("198.51.100.7:%d", 1000+i), "wrong password")
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `id="password-error"`) {
			t.Fatalf("failure %d = %d", i+1, rec.Code)
		}
	}
	rec := u.login("198.51.100.7:2000", testPassword)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || cookieOf(rec, sessionCookie) != "" {
		t.Fatalf("11th attempt = %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := u.login("198.51.100.8:1000", testPassword); rec.Code != http.StatusSeeOther {
		t.Errorf("another address = %d", rec.Code)
	}
	// Spoofed X-Forwarded-For from an untrusted address: still limited.
	req := httptest.NewRequest(http.MethodPost, "/login", nil)
	_ = req
	for i := range 11 {
		rec = u.loginVia("203.0.113.9:1", fmt.Sprintf("10.9.9.%d", i), "wrong password")
	}
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("rotating X-Forwarded-For from an untrusted client evades the limit: %d", rec.Code)
	}
}

func (u *testUI) loginVia(remote, xff, password string) *httptest.ResponseRecorder {
	rec := u.do(http.MethodGet, "/login", nil, nil)
	pre := cookieOf(rec, preCookie)
	return u.form("/login", url.Values{"password": {password}, csrfField: {pre}},
		map[string]string{"Cookie": preCookie + "=" + pre, "RemoteAddr": remote, "X-Forwarded-For": xff})
}

// TestTrustedProxy: behind a configured proxy the client address, HTTPS
// and the sub-path come from X-Forwarded-*; the cookie is Secure and
// scoped to the sub-path, and links carry it.
func TestTrustedProxy(t *testing.T) {
	u := newTestUI(t, "10.0.0.0/8")
	proxy := map[string]string{"RemoteAddr": "10.1.2.3:555", "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/ddc/", "X-Forwarded-For": "203.0.113.50, 10.0.0.9"}
	rec := u.do(http.MethodGet, "/", nil, proxy)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ddc/setup" {
		t.Fatalf("GET / via proxy = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = u.do(http.MethodGet, "/setup", nil, proxy)
	body := rec.Body.String()
	if !strings.Contains(body, `href="/ddc/static/ddc.css"`) || !strings.Contains(body, `action="/ddc/setup"`) {
		t.Errorf("setup page links do not carry the prefix:\n%s", body)
	}
	setCookie := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"Path=/ddc/", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("cookie %q lacks %s", setCookie, want)
		}
	}
	// The same headers from an untrusted client are ignored.
	spoof := map[string]string{"RemoteAddr": "192.0.2.77:1", "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/evil"}
	rec = u.do(http.MethodGet, "/setup", nil, spoof)
	if strings.Contains(rec.Body.String(), "/evil") || strings.Contains(rec.Header().Get("Set-Cookie"), "Secure") {
		t.Errorf("untrusted X-Forwarded-* believed: %s", rec.Header().Get("Set-Cookie"))
	}
}

// TestSetupOnlyOnce: the setup page works until a password is set; after
// that it sends to the login page and refuses a second setup.
func TestSetupOnlyOnce(t *testing.T) {
	u := newTestUI(t)
	if rec := u.do(http.MethodGet, "/", nil, nil); rec.Header().Get("Location") != "/setup" {
		t.Fatalf("before setup / redirects to %q", rec.Header().Get("Location"))
	}
	if rec := u.do(http.MethodGet, "/login", nil, nil); rec.Header().Get("Location") != "/setup" {
		t.Errorf("before setup /login redirects to %q", rec.Header().Get("Location"))
	}
	s := u.setup()
	if s.csrf == "" {
		t.Fatal("no session after setup")
	}
	if rec := u.do(http.MethodGet, "/setup", nil, nil); rec.Header().Get("Location") != "/login" {
		t.Errorf("after setup /setup = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec := u.do(http.MethodGet, "/login", nil, nil)
	pre := cookieOf(rec, preCookie)
	rec = u.form("/setup", url.Values{"password": {"an attacker's password"}, "repeat": {"an attacker's password"}, csrfField: {pre}}, map[string]string{"Cookie": preCookie + "=" + pre})
	if rec.Code != http.StatusForbidden {
		t.Errorf("second setup = %d", rec.Code)
	}
	if rec := u.login("192.0.2.5:1", "an attacker's password"); rec.Code != http.StatusUnauthorized {
		t.Errorf("the second setup's password works: %d", rec.Code)
	}
	if rec := u.login("192.0.2.5:1", testPassword); rec.Code != http.StatusSeeOther {
		t.Errorf("the first password fails: %d", rec.Code)
	}
}

// TestEscapedAndNoSecrets: container names and images holding HTML and
// script are shown escaped; the password, the Discord token and API tokens
// (after the one answer that creates them) appear in no page or API
// response.
func TestEscapedAndNoSecrets(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	rec := u.form("/tokens", url.Values{"name": {"ha"}, csrfField: {s.csrf}}, s.hdr(nil))
	m := regexp.MustCompile(`<code id="new-token">(ddc_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(rec.Body.String())
	if rec.Code != 200 || m == nil {
		t.Fatalf("create token = %d:\n%s", rec.Code, rec.Body)
	}
	token := m[1]
	dash := u.do(http.MethodGet, "/", nil, s.hdr(nil)).Body.String()
	for _, raw := range []string{`<script>alert("x")</script>`, `<img src=x onerror=alert(1)>`, "<b>5</b>"} {
		if strings.Contains(dash, raw) {
			t.Errorf("dashboard shows %q unescaped", raw)
		}
	}
	if !strings.Contains(dash, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") || !strings.Contains(dash, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("dashboard lacks the escaped name or image:\n%s", dash)
	}
	secrets := []string{testPassword, discordToken, token, strings.TrimPrefix(token, auth.TokenPrefix)}
	for _, r := range u.eng.Routes() {
		if r.Method != http.MethodGet || r.Path == "/events" || r.Path == "/logs/stream" {
			continue
		}
		for _, creds := range []map[string]string{s.hdr(nil), {"Authorization": "Bearer " + token}, nil} {
			rec := u.do(http.MethodGet, concrete(r.Path), nil, creds)
			for _, sec := range secrets {
				if strings.Contains(rec.Body.String(), sec) || strings.Contains(fmt.Sprint(rec.Header()), sec) {
					t.Errorf("GET %s shows a secret (%.8s…)", r.Path, sec)
				}
			}
		}
	}
	// The token works as a bearer token, and not after it is revoked.
	if rec := u.do(http.MethodGet, "/api/v1/plugins", nil, map[string]string{"Authorization": "Bearer " + token}); rec.Code != 200 {
		t.Errorf("bearer token: %d", rec.Code)
	}
	toks, _ := auth.New(u.st.KV(auth.Namespace), auth.Options{}).Tokens(context.Background())
	u.form("/tokens/"+toks[0].ID+"/revoke", url.Values{csrfField: {s.csrf}}, s.hdr(nil))
	if rec := u.do(http.MethodGet, "/api/v1/plugins", nil, map[string]string{"Authorization": "Bearer " + token}); rec.Code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", rec.Code)
	}
}

// TestPluginProxyHeaders: the host strips a client's X-DDC-User,
// X-CSRF-Token, X-Forwarded-Prefix, cookies and credentials and sets its
// own; a plugin cannot set cookies or weaken the CSP.
func TestPluginProxyHeaders(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	rec := u.form("/p/sched/new?x=1", url.Values{csrfField: {s.csrf}, "note": {"hi"}}, s.hdr(map[string]string{
		userHeader: "mallory", prefixHeader: "/evil", "Authorization": "Basic Zm9vOmJhcg==",
	}))
	if rec.Code != 200 || rec.Body.String() != "plugin page sched/new" {
		t.Fatalf("proxy = %d %q", rec.Code, rec.Body)
	}
	if rec.Header().Get("Set-Cookie") != "" || rec.Header().Get("Content-Security-Policy") != ContentSecurityPolicy {
		t.Errorf("plugin response headers passed: %v", rec.Header())
	}
	req := u.host.httpReqs[len(u.host.httpReqs)-1]
	if req.Header.Get(userHeader) != "admin" || req.Header.Get(csrfHeader) != s.csrf || req.Header.Get(prefixHeader) != "/p/sched" || req.User != "admin" {
		t.Errorf("plugin got user %q csrf %q prefix %q", req.Header.Get(userHeader), req.Header.Get(csrfHeader), req.Header.Get(prefixHeader))
	}
	if req.Header.Get("Cookie") != "" || req.Header.Get("Authorization") != "" {
		t.Errorf("credentials reached the plugin: %v", req.Header)
	}
	if !strings.Contains(string(req.Body), "note=hi") || req.RawQuery != "x=1" || req.Method != http.MethodPost {
		t.Errorf("plugin got %s ?%s body %q", req.Method, req.RawQuery, req.Body)
	}
	if rec := u.do(http.MethodGet, "/p/echo/", nil, s.hdr(nil)); rec.Code != http.StatusNotFound {
		t.Errorf("a plugin without pages = %d", rec.Code)
	}
}

// TestPluginToggleSavesConfig: disabling and enabling a plugin saves
// plugins.<id>.enabled in config.yaml (comments kept), acts at once and is
// audited.
func TestPluginToggleSavesConfig(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	for _, op := range []string{"disable", "enable"} {
		rec := u.form("/plugins/echo/"+op, url.Values{csrfField: {s.csrf}}, s.hdr(nil))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%s = %d %s", op, rec.Code, rec.Body)
		}
		raw, _ := os.ReadFile(u.cfgFile)
		want := fmt.Sprintf("echo:\n    enabled: %v", op == "enable")
		if !strings.Contains(string(raw), want) || !strings.Contains(string(raw), "# DDC configuration.") {
			t.Errorf("after %s config.yaml lacks %q or its comments", op, want)
		}
		if !strings.Contains(u.host.log(), op+" echo") {
			t.Errorf("%s not applied: %s", op, u.host.log())
		}
	}
	if rec := u.form("/plugins/nope/disable", url.Values{csrfField: {s.csrf}}, s.hdr(nil)); rec.Code != http.StatusNotFound {
		t.Errorf("unknown plugin = %d", rec.Code)
	}
	entries, _ := u.st.Audit(context.Background(), 0)
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+" "+e.Target+" "+e.Result)
	}
	sort.Strings(got)
	for _, w := range []string{"plugin.disable echo ok", "plugin.enable echo ok"} {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("audit lacks %q: %v", w, got)
		}
	}
}

// TestSettingsForm: the form is generated from the schema; a wrong value
// is refused with the error next to its field and nothing saved; a good
// one is saved into config.yaml.
func TestSettingsForm(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	page := u.do(http.MethodGet, "/plugins/echo", nil, s.hdr(nil)).Body.String()
	for _, want := range []string{`name="prefix"`, `name="max_text"`, `type="checkbox" name="loud"`, "Put before every echo."} {
		if !strings.Contains(page, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	before, _ := os.ReadFile(u.cfgFile)
	tests := []struct {
		name, field, value, wantErr string
	}{
		{"over the maximum", "max_text", "5000", "must be <= 1000"},
		{"not a number", "max_text", "many", "must be a whole number"},
		{"too long", "prefix", strings.Repeat("p", 21), "20"},
	}
	for _, tt := range tests {
		rec := u.form("/plugins/echo/settings", url.Values{csrfField: {s.csrf}, tt.field: {tt.value}}, s.hdr(nil))
		m := regexp.MustCompile(`<span class="err" id="err-` + tt.field + `">([^<]*)</span>`).FindStringSubmatch(rec.Body.String())
		if rec.Code != http.StatusBadRequest || m == nil || !strings.Contains(html.UnescapeString(m[1]), tt.wantErr) {
			t.Errorf("%s: %d, error %v, want %q next to %s", tt.name, rec.Code, m, tt.wantErr, tt.field)
		}
	}
	if after, _ := os.ReadFile(u.cfgFile); string(after) != string(before) {
		t.Error("refused settings changed config.yaml")
	}
	rec := u.form("/plugins/echo/settings", url.Values{csrfField: {s.csrf}, "max_text": {"300"}, "prefix": {"say:"}}, s.hdr(nil))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("good settings = %d:\n%s", rec.Code, rec.Body)
	}
	c, err := config.Load(filepath.Dir(u.cfgFile), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Plugins["echo"].Settings; fmt.Sprint(got["max_text"]) != "300" || got["prefix"] != "say:" {
		t.Errorf("saved settings %v", got)
	}
}

// TestContainerActionAsWebUser: an action goes through Invoke as the
// logged-in admin with admin level.
func TestContainerActionAsWebUser(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	rec := u.do(http.MethodPost, "/api/v1/containers/action", strings.NewReader(`{"container":"web","action":"restart"}`),
		s.hdr(map[string]string{csrfHeader: s.csrf, "Content-Type": "application/json"}))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok":true`) {
		t.Fatalf("action = %d %s", rec.Code, rec.Body)
	}
	in := u.host.invokes[len(u.host.invokes)-1]
	if in == nil || in.User.ID != "web:admin" || in.Level != sdk.LevelAdmin {
		t.Errorf("interaction %+v", in)
	}
	for _, bad := range []string{`{"container":"web","action":"rm"}`, `{"container":"web","action":"restart","x":1}`, `nope`} {
		rec := u.do(http.MethodPost, "/api/v1/containers/action", strings.NewReader(bad), s.hdr(map[string]string{csrfHeader: s.csrf}))
		var e apiError
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Code != "invalid" || e.Message == "" {
			t.Errorf("%s = %d %s", bad, rec.Code, rec.Body)
		}
	}
}

// TestOpenAPIMatchesRoutes: every route under /api/v1 is in the OpenAPI
// document, and every operation of the document is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	u := newTestUI(t)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v (version %q)", err, doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([a-z]+)`)
	routes := map[string]bool{}
	for _, r := range u.eng.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			routes[strings.ToLower(r.Method)+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
		}
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[m+" "+p] = true
		}
	}
	for r := range routes {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for d := range documented {
		if !routes[d] {
			t.Errorf("openapi.json lists %s, which is no route", d)
		}
	}
	s := u.setup()
	rec := u.do(http.MethodGet, "/api/v1/openapi.json", nil, s.hdr(nil))
	if rec.Code != 200 || !json.Valid(rec.Body.Bytes()) {
		t.Errorf("GET openapi.json = %d", rec.Code)
	}
}

// TestLanguages: the UI follows the browser, then the user's choice.
func TestLanguages(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	for _, tt := range []struct{ accept, want string }{{"de-DE,de;q=0.9", "Übersicht"}, {"fr;q=0.8, es", "Tableau de bord"}, {"", "Dashboard"}} {
		body := u.do(http.MethodGet, "/", nil, s.hdr(map[string]string{"Accept-Language": tt.accept})).Body.String()
		if !strings.Contains(body, tt.want) {
			t.Errorf("Accept-Language %q: page lacks %q", tt.accept, tt.want)
		}
	}
	u.form("/settings/language", url.Values{csrfField: {s.csrf}, "lang": {"fr"}}, s.hdr(nil))
	if body := u.do(http.MethodGet, "/", nil, s.hdr(map[string]string{"Accept-Language": "de"})).Body.String(); !strings.Contains(body, "Tableau de bord") {
		t.Error("the user's choice does not win over the browser")
	}
}

// TestSessionCookie: HttpOnly, SameSite=Strict, not Secure over plain
// HTTP; logout ends the session.
func TestSessionCookie(t *testing.T) {
	u := newTestUI(t)
	u.setup()
	rec := u.login("192.0.2.1:1", testPassword)
	var sc *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Secure || sc.Path != "/" {
		t.Fatalf("session cookie %+v", sc)
	}
	s := u.sessionFrom(rec)
	u.form("/logout", url.Values{csrfField: {s.csrf}}, s.hdr(nil))
	if rec := u.do(http.MethodGet, "/api/v1/plugins", nil, s.hdr(nil)); rec.Code != http.StatusUnauthorized {
		t.Errorf("after logout = %d", rec.Code)
	}
	_ = time.Second
}

// fakeStaged is an upload the fake installer staged.
type fakeStaged struct {
	inst *fakeInstaller
	sum  string
}

func (s *fakeStaged) Manifest() grpcplugin.Manifest {
	return grpcplugin.Manifest{Info: sdk.Info{ID: "uploaded", Name: "Uploaded <b>", Version: "1.0.0"}}
}
func (s *fakeStaged) SHA256() string { return s.sum }
func (s *fakeStaged) Size() int64    { return 3 }
func (s *fakeStaged) Commit(upgrade bool) error {
	s.inst.mu.Lock()
	s.inst.committed++
	s.inst.mu.Unlock()
	return nil
}
func (s *fakeStaged) Discard() {
	s.inst.mu.Lock()
	s.inst.discarded++
	s.inst.mu.Unlock()
}

// fakeInstaller stages uploads, recording what it got.
type fakeInstaller struct {
	mu                   sync.Mutex
	got                  []byte
	committed, discarded int
	removed              []string
}

func (f *fakeInstaller) Stage(_ context.Context, r io.Reader) (StagedPlugin, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.got = b
	f.mu.Unlock()
	sum := sha256.Sum256(b)
	return &fakeStaged{inst: f, sum: hex.EncodeToString(sum[:])}, nil
}

func (f *fakeInstaller) Remove(_ context.Context, id string) error {
	f.mu.Lock()
	f.removed = append(f.removed, id)
	f.mu.Unlock()
	return nil
}

// upload posts a plugin binary as a multipart form.
func (u *testUI) upload(s session, filename string, content []byte, expect string) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField(csrfField, s.csrf)
	_ = w.WriteField("sha256", expect)
	fw, _ := w.CreateFormFile("binary", filename)
	_, _ = fw.Write(content)
	_ = w.Close()
	return u.do(http.MethodPost, "/plugins/install", &buf, s.hdr(map[string]string{"Content-Type": w.FormDataContentType()}))
}

// TestInstallUpload: an upload is staged and shown with its checksum
// before it is installed; a wrong expected checksum refuses it; the
// client's file name (path traversal) is never used; confirmation
// installs it once.
func TestInstallUpload(t *testing.T) {
	u := newTestUI(t)
	inst := &fakeInstaller{}
	a := auth.New(u.st.KV(auth.Namespace), auth.Options{})
	cfg := Config{Version: "test", Plugins: u.host, UI: &UI{Auth: a, Host: u.host, Audit: u.st, ConfigFile: u.cfgFile, Installer: inst,
		Config: func() *config.Config { return &config.Config{} }}}
	u.eng = engine(cfg)
	u.h = HeadAsGet(u.eng)
	s := u.setup()
	content := []byte("bin")
	sum := sha256.Sum256(content)
	good := hex.EncodeToString(sum[:])
	tests := []struct {
		name, filename, expect string
		wantCode               int
		wantIn                 string
	}{
		{"wrong checksum", "plugin", strings.Repeat("0", 64), http.StatusBadRequest, "checksum mismatch"},
		{"malformed checksum", "plugin", "abc", http.StatusBadRequest, "64 hex digits"},
		{"path traversal name", "../../../etc/cron.d/evil", "", http.StatusOK, good},
		{"right checksum", "plugin", good, http.StatusOK, good},
	}
	for _, tt := range tests {
		rec := u.upload(s, tt.filename, content, tt.expect)
		if rec.Code != tt.wantCode || !strings.Contains(rec.Body.String(), tt.wantIn) {
			t.Errorf("%s: %d, want %d with %q:\n%s", tt.name, rec.Code, tt.wantCode, tt.wantIn, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "cron.d") || strings.Contains(rec.Body.String(), "Uploaded <b>") {
			t.Errorf("%s: the page shows the client's file name or unescaped manifest", tt.name)
		}
	}
	if inst.discarded != 1 || inst.committed != 0 {
		t.Errorf("after uploads: %d discarded, %d committed; want the mismatch discarded and nothing installed", inst.discarded, inst.committed)
	}
	rec := u.upload(s, "p", content, "")
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if key == nil {
		t.Fatalf("no confirmation form:\n%s", rec.Body)
	}
	if rec := u.form("/plugins/install/confirm", url.Values{"key": {key[1]}}, s.hdr(nil)); rec.Code != http.StatusForbidden {
		t.Errorf("confirm without CSRF = %d", rec.Code)
	}
	if rec := u.form("/plugins/install/confirm", url.Values{"key": {key[1]}, csrfField: {s.csrf}}, s.hdr(nil)); rec.Code != http.StatusSeeOther {
		t.Errorf("confirm = %d %s", rec.Code, rec.Body)
	}
	if rec := u.form("/plugins/install/confirm", url.Values{"key": {key[1]}, csrfField: {s.csrf}}, s.hdr(nil)); rec.Code != http.StatusGone {
		t.Errorf("confirm twice = %d", rec.Code)
	}
	if inst.committed != 1 {
		t.Errorf("committed %d times", inst.committed)
	}
	// Uninstall: an installed plugin goes, a bundled one cannot.
	if rec := u.form("/plugins/echo/uninstall", url.Values{csrfField: {s.csrf}}, s.hdr(nil)); rec.Code != http.StatusSeeOther {
		t.Errorf("uninstall = %d %s", rec.Code, rec.Body)
	}
	if rec := u.form("/plugins/containers/uninstall", url.Values{csrfField: {s.csrf}}, s.hdr(nil)); rec.Code == http.StatusSeeOther {
		t.Error("a bundled plugin was uninstalled")
	}
	if fmt.Sprint(inst.removed) != "[echo]" || !strings.Contains(u.host.log(), "disable echo") {
		t.Errorf("removed %v; host %s", inst.removed, u.host.log())
	}
}

// TestDiscordAndChannels: the token is saved but never shown back; a bad
// id is refused next to its field; an id in both channel lists is warned
// about; the invite link carries the bot's id, scopes and permissions.
func TestDiscordAndChannels(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	const newToken = "OTMwMDAwMDAwMDAwMDAwMDk5.Gabcde.newsecretpart"
	rec := u.form("/discord", url.Values{csrfField: {s.csrf}, "token": {newToken}, "guild_ids": {"930000000000000001\n930000000000000002"}}, s.hdr(nil))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save = %d %s", rec.Code, rec.Body)
	}
	raw, _ := os.ReadFile(u.cfgFile)
	if !strings.Contains(string(raw), newToken) || !strings.Contains(string(raw), `"930000000000000002"]`) {
		t.Errorf("config.yaml lacks the token or guilds:\n%s", raw)
	}
	page := u.do(http.MethodGet, "/discord", nil, s.hdr(nil)).Body.String()
	if strings.Contains(page, newToken) || strings.Contains(page, "newsecretpart") || strings.Contains(page, discordToken) {
		t.Error("the Discord page shows the token")
	}
	rec = u.form("/discord", url.Values{csrfField: {s.csrf}, "guild_ids": {"12<script>"}}, s.hdr(nil))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `id="err-guild_ids">12&lt;script&gt; is not a Discord id`) {
		t.Errorf("bad guild id = %d:\n%s", rec.Code, rec.Body)
	}
	rec = u.form("/channels", url.Values{csrfField: {s.csrf}, "status_channels": {"930000000000000005"}, "control_channels": {"930000000000000005, 930000000000000006"}}, s.hdr(nil))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("channels = %d %s", rec.Code, rec.Body)
	}
	page = u.do(http.MethodGet, "/channels", nil, s.hdr(nil)).Body.String()
	if !strings.Contains(page, "930000000000000005 is in both the status and the control channels") {
		t.Errorf("no warning for an id in both lists:\n%s", page)
	}
	if got := InviteURL("930000000000000099"); !strings.Contains(got, "client_id=930000000000000099") || !strings.Contains(got, "scope=bot+applications.commands") || !strings.Contains(got, "permissions=84992") {
		t.Errorf("invite %s", got)
	}
	if id := botID(newToken); id != "930000000000000099" {
		t.Errorf("botID = %q", id)
	}
}

// TestLogs: the ring keeps the newest lines by source, the page shows them
// escaped, filtered by plugin.
func TestLogs(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	log := slog.New(u.logs.Wrap(slog.NewTextHandler(io.Discard, nil)))
	for i := range 150 {
		log.Info("host line", "n", i)
	}
	log.With("component", "plugins", "plugin", "echo").Warn("plugin said <script>x</script>")
	if got := u.logs.Lines("", 1000); len(got) != 100 || !strings.Contains(got[99].Text, "<script>") || got[99].Source != "echo" {
		t.Fatalf("ring holds %d lines: %+v", len(got), got)
	}
	if got := u.logs.Lines("host", 5); len(got) != 5 || !strings.Contains(got[4].Text, "n=149") {
		t.Errorf("host lines %+v", got)
	}
	page := u.do(http.MethodGet, "/logs?source=echo", nil, s.hdr(nil)).Body.String()
	if !strings.Contains(page, "plugin said &lt;script&gt;x&lt;/script&gt;") || strings.Contains(page, "host line") {
		t.Errorf("logs page for echo:\n%s", page)
	}
}

// TestGeneralSettings: the default language, time zone and heartbeat URL
// are checked together, each problem next to its field and nothing saved;
// good values are saved in one write; the heartbeat URL is never shown back.
func TestGeneralSettings(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	before, _ := os.ReadFile(u.cfgFile)
	bad := []struct {
		name   string
		vals   url.Values
		fields []string
	}{
		{"unknown language", url.Values{"language": {"xx"}}, []string{"language"}},
		{"not a zone", url.Values{"language": {"en"}, "timezone": {"Mars/Olympus"}}, []string{"timezone"}},
		{"Local is no IANA name", url.Values{"language": {"en"}, "timezone": {"Local"}}, []string{"timezone"}},
		{"url with a password", url.Values{"language": {"en"}, "heartbeat_url": {"https://u:p@hc.example/x"}}, []string{"heartbeat_url"}},
		{"url not http", url.Values{"language": {"en"}, "heartbeat_url": {"ftp://hc.example/x"}}, []string{"heartbeat_url"}},
		{"all three", url.Values{"language": {"zz"}, "timezone": {"Nowhere"}, "heartbeat_url": {"x"}}, []string{"language", "timezone", "heartbeat_url"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			tt.vals.Set(csrfField, s.csrf)
			rec := u.form("/settings/general", tt.vals, s.hdr(nil))
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("POST /settings/general = %d, want 400", rec.Code)
			}
			for _, f := range tt.fields {
				if !strings.Contains(rec.Body.String(), `<span class="err" id="err-`+f+`">`) {
					t.Errorf("no error next to %s:\n%s", f, rec.Body)
				}
			}
			if after, _ := os.ReadFile(u.cfgFile); string(after) != string(before) {
				t.Error("refused settings changed config.yaml")
			}
		})
	}
	const hb = "https://hc.example/ping/secret-uuid"
	rec := u.form("/settings/general", url.Values{csrfField: {s.csrf}, "language": {"de"}, "timezone": {"Europe/Berlin"}, "heartbeat_url": {hb}}, s.hdr(nil))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("good settings = %d:\n%s", rec.Code, rec.Body)
	}
	c, err := config.Load(filepath.Dir(u.cfgFile), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Language != "de" || c.Heartbeat.URL != hb || c.Plugins["scheduler"].Settings["timezone"] != "Europe/Berlin" {
		t.Errorf("saved language %q, heartbeat %q, scheduler settings %v", c.Language, c.Heartbeat.URL, c.Plugins["scheduler"].Settings)
	}
	page := u.do(http.MethodGet, "/settings", nil, s.hdr(nil)).Body.String()
	if strings.Contains(page, "secret-uuid") || !strings.Contains(page, `value="Europe/Berlin"`) || !strings.Contains(page, `id="heartbeat-off"`) {
		t.Errorf("settings page shows the heartbeat URL or lacks the zone or the off switch:\n%s", page)
	}
	// An empty URL keeps the one set; the switch turns it off.
	u.form("/settings/general", url.Values{csrfField: {s.csrf}, "language": {"de"}, "timezone": {"Europe/Berlin"}}, s.hdr(nil))
	if c, _ := config.Load(filepath.Dir(u.cfgFile), nil, nil); c.Heartbeat.URL != hb {
		t.Errorf("an empty field changed the heartbeat URL to %q", c.Heartbeat.URL)
	}
	u.form("/settings/general", url.Values{csrfField: {s.csrf}, "language": {"de"}, "timezone": {""}, "heartbeat_off": {"true"}}, s.hdr(nil))
	if c, _ := config.Load(filepath.Dir(u.cfgFile), nil, nil); c.Heartbeat.URL != "" || c.Plugins["scheduler"].Settings["timezone"] != "" {
		t.Errorf("after turning off: heartbeat %q, zone %v", c.Heartbeat.URL, c.Plugins["scheduler"].Settings["timezone"])
	}
}

// TestPluginsLive: the plugins page shows each plugin's memory (RSS, PSS)
// and limit, and its live stream sends the rows again when a plugin
// changes (here its restarts), with no reload.
func TestPluginsLive(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	page := u.do(http.MethodGet, "/plugins", nil, s.hdr(nil)).Body.String()
	for _, want := range []string{`<td class="memory">12.5 MiB RSS, 8.0 MiB PSS</td>`, `<td class="limit">256 MiB</td>`} {
		if !strings.Contains(page, want) {
			t.Errorf("plugins page lacks %s:\n%s", want, page)
		}
	}
	srv := httptest.NewServer(u.h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events?plugins=1", nil)
	req.Header.Set("Cookie", s.cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /events?plugins=1 = %v, %v", resp, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	next := func() []pluginRow {
		t.Helper()
		for sc.Scan() {
			if sc.Text() != "event: plugins" || !sc.Scan() {
				continue
			}
			var rows []pluginRow
			if err := json.Unmarshal([]byte(strings.TrimPrefix(sc.Text(), "data: ")), &rows); err != nil {
				t.Fatalf("plugins event %q: %v", sc.Text(), err)
			}
			return rows
		}
		t.Fatalf("stream ended: %v", sc.Err())
		return nil
	}
	echo := func(rows []pluginRow) pluginRow {
		for _, r := range rows {
			if r.ID == "echo" {
				return r
			}
		}
		t.Fatalf("no echo in %+v", rows)
		return pluginRow{}
	}
	if r := echo(next()); r.Memory != "12.5 MiB RSS, 8.0 MiB PSS" || r.Limit != "256 MiB" || r.Restarts != 0 {
		t.Errorf("first event: echo %+v", r)
	}
	u.host.mu.Lock()
	u.host.restarts = 1
	u.host.mu.Unlock()
	start := time.Now()
	if r := echo(next()); r.Restarts != 1 {
		t.Errorf("after a restart: echo %+v", r)
	}
	if d := time.Since(start); d > 2*pluginPoll {
		t.Errorf("the change took %s to be sent", d)
	}
}

// TestChannelPanels: the channels page offers each status and control
// channel's overview settings (the panels plugin's channels list); a bad
// duration is refused next to its field with nothing saved; good values
// are saved into plugins.panels.settings.channels, keeping the other
// channels' entries and the plugin's other settings.
func TestChannelPanels(t *testing.T) {
	u := newTestUI(t)
	s := u.setup()
	const status, control, other = "930000000000000011", "930000000000000012", "930000000000000013"
	if err := config.Update(u.cfgFile,
		config.Change{Key: []string{"discord", "status_channels"}, Value: []string{status}},
		config.Change{Key: []string{"discord", "control_channels"}, Value: []string{control}},
		config.Change{Key: []string{"plugins", "panels", "settings"}, Value: map[string]any{
			"log_lines": 20, "channels": []any{map[string]any{"id": other, "collapsed": true}, map[string]any{"id": control, "refresh": "2m"}},
		}}); err != nil {
		t.Fatal(err)
	}
	page := u.do(http.MethodGet, "/channels", nil, s.hdr(nil)).Body.String()
	for _, want := range []string{`id="panels-` + status + `"`, `id="panels-` + control + `"`, `id="p-` + control + `-refresh" value="2m"`, `href="/plugins/panels"`} {
		if !strings.Contains(page, want) {
			t.Errorf("channels page lacks %s", want)
		}
	}
	before, _ := os.ReadFile(u.cfgFile)
	bad := []struct{ name, field, value string }{
		{"refresh over a day", "refresh", "25h"},
		{"recreate_after no duration", "recreate_after", "soon"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			rec := u.form("/channels/panels", url.Values{csrfField: {s.csrf}, "channel": {status}, tt.field: {tt.value}}, s.hdr(nil))
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `id="perr-`+status+`-`+tt.field+`"`) {
				t.Errorf("POST %s=%q = %d, want 400 with the error next to the field:\n%s", tt.field, tt.value, rec.Code, rec.Body)
			}
			if after, _ := os.ReadFile(u.cfgFile); string(after) != string(before) {
				t.Error("refused settings changed config.yaml")
			}
		})
	}
	rec := u.form("/channels/panels", url.Values{csrfField: {s.csrf}, "channel": {status}, "post_on_start": {"true"}, "refresh": {"1m"}, "recreate_after": {"10m"}}, s.hdr(nil))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("good settings = %d:\n%s", rec.Code, rec.Body)
	}
	c, err := config.Load(filepath.Dir(u.cfgFile), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(c.Plugins["panels"].Settings)
	want := `{"channels":[{"collapsed":true,"id":"` + other + `"},{"id":"` + control + `","refresh":"2m"},{"id":"` + status + `","post_on_start":true,"recreate_after":"10m","refresh":"1m"}],"log_lines":20}`
	if string(got) != want {
		t.Errorf("panels settings\n got %s\nwant %s", got, want)
	}
	if rec := u.form("/channels/panels", url.Values{csrfField: {s.csrf}, "channel": {"../x"}}, s.hdr(nil)); rec.Code != http.StatusBadRequest {
		t.Errorf("a channel that is no id = %d", rec.Code)
	}
}

// TestGeneralSettingsOverridden: a setting an environment variable sets
// is marked as such on the settings page, naming the variable.
func TestGeneralSettingsOverridden(t *testing.T) {
	u := newTestUIEnv(t, []string{"DDC_HEARTBEAT_URL=https://hc.example/ping/from-env"})
	s := u.setup()
	page := u.do(http.MethodGet, "/settings", nil, s.hdr(nil)).Body.String()
	if !strings.Contains(page, `id="over-heartbeat_url">Set by env DDC_HEARTBEAT_URL`) || strings.Contains(page, `id="over-language"`) {
		t.Errorf("settings page marks the wrong settings as set by the environment:\n%s", page)
	}
	if strings.Contains(page, "from-env") {
		t.Error("the settings page shows the heartbeat URL from the environment")
	}
}

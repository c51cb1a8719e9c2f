package containers_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// endpoint returns endpoint settings for e that see only this test
// process's containers.
func endpoint(e *dockertest.Engine, name string) containers.EndpointSettings {
	return containers.EndpointSettings{Name: name, Host: e.Host, LabelFilter: dockertest.LabelRun + "=" + e.RunID}
}

// start runs the plugin with settings and waits until every endpoint that
// should answer has been listed.
func start(t testing.TB, s containers.Settings) *sdktest.Harness {
	t.Helper()
	h := sdktest.New(t, containers.New(), sdktest.Config{Settings: s})
	return h
}

// waitHealthy waits until CheckHealth reports no problem.
func waitHealthy(t testing.TB, h *sdktest.Harness, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		hl, err := h.Client.CheckHealth(context.Background())
		if err == nil && !hl.Degraded {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("plugin not healthy after %v: %+v, %v", within, hl, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// invoke calls action and decodes its result into a T.
func invoke[T any](t testing.TB, h *sdktest.Harness, action string, args any) (T, error) {
	t.Helper()
	var out T
	raw, err := h.Invoke(context.Background(), action, args)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode result of %s: %v (%s)", action, err, raw)
	}
	return out, nil
}

// invokeAs calls action on behalf of a Discord user at level.
func invokeAs(h *sdktest.Harness, level sdk.Level, action string, args any) (json.RawMessage, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	in := &sdk.Interaction{ID: "1", User: sdk.User{ID: "42", Name: "alice"}, GuildID: "7", ChannelID: "8", Level: level}
	return h.Client.Invoke(context.Background(), &sdk.InvokeRequest{Action: action, Args: raw, Caller: "host", Interaction: in})
}

// find returns the listed container named name.
func find(l api.ListResult, name string) (api.ContainerInfo, bool) {
	for _, c := range l.Containers {
		if c.Name == name {
			return c, true
		}
	}
	return api.ContainerInfo{}, false
}

// waitList lists until cond holds, failing after within.
func waitList(t testing.TB, h *sdktest.Harness, within time.Duration, what string, cond func(api.ListResult) bool) api.ListResult {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		l, err := invoke[api.ListResult](t, h, api.ActionList, nil)
		if err != nil {
			t.Fatalf("Invoke(list) error = %v", err)
		}
		if cond(l) {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("list not %s after %v: %+v", what, within, l)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stateEvents decodes the container.state events published from index on.
func stateEvents(t testing.TB, h *sdktest.Harness, from int) []api.StateEvent {
	t.Helper()
	var out []api.StateEvent
	evs := h.Host.Published()
	for _, ev := range evs[min(from, len(evs)):] {
		if ev.Topic != api.TopicState {
			continue
		}
		var se api.StateEvent
		if err := json.Unmarshal(ev.Payload, &se); err != nil {
			t.Fatalf("decode %s event: %v (%s)", ev.Topic, err, ev.Payload)
		}
		out = append(out, se)
	}
	return out
}

// waitEvent waits for a container.state event published from index from
// on that matches pred, and returns when it was seen.
func waitEvent(t testing.TB, h *sdktest.Harness, from int, within time.Duration, what string, pred func(api.StateEvent) bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, se := range stateEvents(t, h, from) {
			if pred(se) {
				return time.Now()
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no container.state event %s within %v; got %+v", what, within, stateEvents(t, h, from))
		}
		time.Sleep(time.Millisecond)
	}
}

// allowed is the Docker API the README promises the plugin needs.
var allowed = []struct {
	method string
	path   *regexp.Regexp
}{
	{"GET", regexp.MustCompile(`^/_ping$`)},
	{"HEAD", regexp.MustCompile(`^/_ping$`)},
	{"GET", regexp.MustCompile(`^/version$`)},
	{"GET", regexp.MustCompile(`^/containers/json$`)},
	{"GET", regexp.MustCompile(`^/containers/[^/]+/(json|logs|stats)$`)},
	{"GET", regexp.MustCompile(`^/events$`)},
	{"POST", regexp.MustCompile(`^/containers/[^/]+/(start|stop|restart)$`)},
}

// proxy is a Docker socket proxy on a unix socket that forwards only the
// allowed API, records requests and refused ones.
type proxy struct {
	Host string // Host is the proxy's unix:// address.

	mu       sync.Mutex
	requests []request
	refused  []string
}

// request is one request the proxy received.
type request struct {
	At     time.Time // At is when it arrived.
	Method string
	Path   string // Path without the API version prefix.
}

// newProxy starts a proxy in front of the daemon at target (unix://...).
func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	return newProxyAt(t, target, socketPath(t))
}

// socketPath returns a path for a unix socket in a new directory that is
// removed when the test ends (t.TempDir's paths can be too long for one).
func socketPath(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ddcproxy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return filepath.Join(dir, "docker.sock")
}

// newProxyAt starts a proxy listening on the unix socket path.
func newProxyAt(t testing.TB, target, path string) *proxy {
	t.Helper()
	sock := strings.TrimPrefix(target, "unix://")
	_ = os.Remove(path) // a socket file left by a listener that is gone
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatalf("listen on %s: %v", path, err)
	}
	p := &proxy{Host: "unix://" + path}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: "docker"})
		},
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}},
		FlushInterval: -1,
	}
	versioned := regexp.MustCompile(`^/v[0-9.]+`)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := versioned.ReplaceAllString(r.URL.Path, "")
		ok := false
		for _, a := range allowed {
			if a.method == r.Method && a.path.MatchString(path) {
				ok = true
			}
		}
		p.mu.Lock()
		p.requests = append(p.requests, request{At: time.Now(), Method: r.Method, Path: path})
		if !ok {
			p.refused = append(p.refused, r.Method+" "+path)
		}
		p.mu.Unlock()
		if !ok {
			http.Error(w, `{"message":"refused by test proxy"}`, http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = srv.Close()
	})
	return p
}

// Count returns how many requests reached the proxy.
func (p *proxy) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.requests)
}

// Requests returns the requests that reached the proxy, oldest first.
func (p *proxy) Requests() []request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.requests)
}

// Refused returns the requests outside the allowed API.
func (p *proxy) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

// isUser reports whether err carries a user message and matches target.
func isUser(err, target error) bool {
	_, ok := sdk.UserMessage(err)
	return ok && errors.Is(err, target)
}

func jsonUnmarshal(raw []byte, v any) error { return json.Unmarshal(raw, v) }

// mustJSON encodes v.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invoker calls the plugin's actions as the host does for another plugin
// (api.Invoker, like sdk.Host.Invoke): args and result as JSON through the
// plugin's gRPC server, with the interaction ctx carries, if any, and the
// level the host grants the calling plugin: control (as if granted
// containers.control), unless level says otherwise.
type invoker struct {
	h     *sdktest.Harness
	level sdk.Level // the caller's granted level; zero means control
}

func (iv invoker) Invoke(ctx context.Context, action string, args, result any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return err
	}
	level := iv.level
	if level == 0 {
		level = sdk.LevelControl
	}
	req := &sdk.InvokeRequest{Action: action, Args: raw, Caller: "panels", CallerLevel: level}
	if in, ok := sdk.InteractionFrom(ctx); ok {
		req.Interaction = &in
	}
	out, err := iv.h.Client.Invoke(ctx, req)
	if err != nil || result == nil {
		return err
	}
	return json.Unmarshal(out, result)
}

// events returns the events published on container.* from index from on.
func events(h *sdktest.Harness, from int) []sdk.Event {
	var out []sdk.Event
	evs := h.Host.Published()
	for _, ev := range evs[min(from, len(evs)):] {
		if strings.HasPrefix(ev.Topic, "container.") {
			out = append(out, ev)
		}
	}
	return out
}

// logRecorder is a slog handler that keeps every record, for tests that
// count log lines. It is safe for concurrent use.
type logRecorder struct {
	t     testing.TB
	mu    *sync.Mutex
	recs  *[]slog.Record
	attrs []slog.Attr
}

func newLogRecorder(t testing.TB) *logRecorder {
	return &logRecorder{t: t, mu: new(sync.Mutex), recs: new([]slog.Record)}
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(l.attrs...)
	l.mu.Lock()
	*l.recs = append(*l.recs, r)
	l.mu.Unlock()
	return nil
}

func (l *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *l
	c.attrs = append(slices.Clip(l.attrs), as...)
	return &c
}

func (l *logRecorder) WithGroup(string) slog.Handler { return l }

// count returns how many records had msg.
func (l *logRecorder) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range *l.recs {
		if r.Message == msg {
			n++
		}
	}
	return n
}

// warnings returns the messages logged at warning level or above.
func (l *logRecorder) warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range *l.recs {
		if r.Level >= slog.LevelWarn {
			out = append(out, r.Message)
		}
	}
	return out
}

// dump writes the records to the test log.
func (l *logRecorder) dump() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range *l.recs {
		var b strings.Builder
		r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
		l.t.Logf("%s %s %s%s", r.Time.Format("15:04:05.000"), r.Level, r.Message, b.String())
	}
}

// logHost is the harness's host with the plugin's log kept in a
// logRecorder.
type logHost struct {
	*sdktest.Host
	rec *logRecorder
}

func (h logHost) Logger() *slog.Logger { return slog.New(h.rec) }

// startLogged runs the plugin like start, with tune applied before Start,
// and returns the recorder of its log. Start is called in this process
// with the harness's host, so the plugin's log can be counted.
func startLogged(t testing.TB, s containers.Settings, tune func(*containers.Plugin)) (*sdktest.Harness, *logRecorder) {
	t.Helper()
	p := containers.New()
	if tune != nil {
		tune(p)
	}
	h := sdktest.New(t, p, sdktest.Config{Settings: s, SkipStart: true})
	rec := newLogRecorder(t)
	lh := logHost{h.Host, rec}
	p.SetHost(lh) // logs go to the recorder from here on
	if err := p.Start(context.Background(), lh); err != nil {
		t.Fatalf("start plugin: %v", err)
	}
	return h, rec
}

// health returns the plugin's health.
func health(t testing.TB, h *sdktest.Harness) grpcplugin.Health {
	t.Helper()
	hl, err := h.Client.CheckHealth(context.Background())
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	return hl
}

// follower keeps an api.Tracker current with the plugin's events, listing
// again whenever it is stale, as a status panel does.
type follower struct {
	t   testing.TB
	h   *sdktest.Harness
	tr  api.Tracker
	fed int // events fed so far, counted from the first
}

// newFollower lists and starts following.
func newFollower(t testing.TB, h *sdktest.Harness) *follower {
	f := &follower{t: t, h: h}
	f.relist()
	return f
}

func (f *follower) relist() {
	f.t.Helper()
	l, err := api.List(context.Background(), invoker{h: f.h})
	if err != nil {
		f.t.Fatalf("api.List: %v", err)
	}
	f.tr.Reset(l)
}

// sync applies the events published since the last sync.
func (f *follower) sync() {
	f.t.Helper()
	evs := events(f.h, 0)
	for _, ev := range evs[f.fed:] {
		if _, err := f.tr.Apply(ev.Topic, ev.Payload); errors.Is(err, api.ErrStale) {
			f.relist()
		} else if err != nil {
			f.t.Fatalf("Apply(%s) error = %v", ev.Topic, err)
		}
	}
	f.fed = len(evs)
}

// waitFor syncs until the tracker matches a fresh list and cond holds.
func (f *follower) waitFor(what string, within time.Duration, cond func(*api.Tracker) bool) {
	f.t.Helper()
	deadline := time.Now().Add(within)
	for {
		f.sync()
		l, err := api.List(context.Background(), invoker{h: f.h})
		if err != nil {
			f.t.Fatal(err)
		}
		diff := cmp.Diff(l.Containers, f.tr.Containers(), cmpopts.IgnoreFields(api.ContainerInfo{}, "UptimeSeconds"), cmpopts.EquateEmpty())
		if diff == "" {
			diff = cmp.Diff(l.Endpoints, f.tr.Endpoints(), cmpopts.EquateEmpty())
		}
		if f.tr.Current() && diff == "" && cond(&f.tr) {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("tracker not %s within %v; current %v; containers %+v, endpoints %+v; list vs tracker (-+):\n%s", what, within, f.tr.Current(), f.tr.Containers(), f.tr.Endpoints(), diff)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// named returns the tracked container named name.
func named(tr *api.Tracker, name string) (api.ContainerInfo, bool) {
	for _, c := range tr.Containers() {
		if c.Name == name {
			return c, true
		}
	}
	return api.ContainerInfo{}, false
}

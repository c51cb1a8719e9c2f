package containers_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/dockertest"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
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
// allowed API, counts requests and records refused ones.
type proxy struct {
	Host string // Host is the proxy's unix:// address.

	mu      sync.Mutex
	count   int
	refused []string
}

// newProxy starts a proxy in front of the daemon at target (unix://...).
func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	sock := strings.TrimPrefix(target, "unix://")
	dir, err := os.MkdirTemp("", "ddcproxy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, "docker.sock")
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
		p.count++
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
	return p.count
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

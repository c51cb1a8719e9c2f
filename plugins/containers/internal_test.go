package containers

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/events"
	"golang.org/x/crypto/bcrypt"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/settings"
)

func TestDockerError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    error
		wantMsg string
	}{
		{name: "not found", err: fmt.Errorf("No such container: web: %w", cerrdefs.ErrNotFound), want: sdk.ErrNotFound, wantMsg: "no such container"},
		{name: "socket permission", err: &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)}, want: sdk.ErrPermission, wantMsg: "Docker socket permission denied on endpoint local"},
		{name: "refused", err: &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, want: sdk.ErrUnavailable, wantMsg: "endpoint local is unreachable"},
		{name: "deadline", err: fmt.Errorf("post: %w", context.DeadlineExceeded), want: sdk.ErrTimeout, wantMsg: "timed out after 30 s"},
		{name: "conflict", err: fmt.Errorf("container is paused: %w", cerrdefs.ErrConflict), want: sdk.ErrBusy, wantMsg: "container is paused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dockerError(text("doing.stop", "Name", "web"), "local", tt.err, 30*time.Second)
			msg, ok := sdk.UserMessage(err)
			if !ok || !errors.Is(err, tt.want) || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("dockerError(%v) = %v, want %v with %q", tt.err, err, tt.want, tt.wantMsg)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	bc, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	key, err := pbkdf2.Key(sha256.New, "s3cret", []byte("salty"), 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	werkzeug := "pbkdf2:sha256:1000$salty$" + hex.EncodeToString(key)
	tests := []struct {
		name string
		hash string
		pw   string
		want bool
	}{
		{name: "bcrypt ok", hash: string(bc), pw: "s3cret", want: true},
		{name: "bcrypt wrong", hash: string(bc), pw: "nope"},
		{name: "werkzeug ok", hash: werkzeug, pw: "s3cret", want: true},
		{name: "werkzeug wrong", hash: werkzeug, pw: "S3cret"},
		{name: "empty hash", hash: "", pw: ""},
		{name: "plain text is not a hash", hash: "s3cret", pw: "s3cret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkPassword(tt.hash, tt.pw); got != tt.want {
				t.Errorf("checkPassword(%q, %q) = %v, want %v", tt.hash, tt.pw, got, tt.want)
			}
		})
	}
}

func TestApplyEvents(t *testing.T) {
	rec := &recorder{}
	e := &endpoint{spec: EndpointSettings{Name: "local"}, log: slog.New(slog.DiscardHandler), ctrs: map[string]*ctr{}, watchers: map[string]map[*watcher]struct{}{}, reachable: true, notify: rec}
	at := time.Unix(1700000000, 0)
	ev := func(action, exit string) events.Message {
		return events.Message{Type: events.ContainerEventType, Action: events.Action(action), TimeNano: at.UnixNano(),
			Actor: events.Actor{ID: "abc", Attributes: map[string]string{"name": "web", "image": "nginx", "exitCode": exit, "ddc.name": "Web"}}}
	}
	tests := []struct {
		action, exit string
		wantState    api.State
		wantHealth   api.Health
		wantExit     int
	}{
		{action: "create", wantState: api.StateCreated},
		{action: "start", wantState: api.StateRunning},
		{action: "health_status: healthy", wantState: api.StateRunning, wantHealth: api.HealthHealthy},
		{action: "die", exit: "3", wantState: api.StateExited, wantExit: 3},
		{action: "stop", wantState: api.StateExited, wantExit: 3},
		{action: "start", wantState: api.StateRunning, wantHealth: api.HealthStarting},
		{action: "pause", wantState: api.StatePaused, wantHealth: api.HealthStarting},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			e.apply(context.Background(), ev(tt.action, tt.exit))
			c, ok := e.get("abc")
			if !ok || c.State != tt.wantState || c.Health != tt.wantHealth || c.ExitCode != tt.wantExit || c.Name != "web" || c.Labels["ddc.name"] != "Web" {
				t.Errorf("after %s: %+v, want state %s health %q exit %d", tt.action, c, tt.wantState, tt.wantHealth, tt.wantExit)
			}
		})
	}
	e.apply(context.Background(), ev("destroy", ""))
	if _, ok := e.get("abc"); ok {
		t.Errorf("container still known after destroy")
	}
	// "stop" after "die" changes nothing visible, so it is not published.
	if n := len(rec.states); n != len(tests) {
		t.Errorf("published %d events, want %d: %+v", n, len(tests), rec.states)
	}
	if last := rec.states[len(rec.states)-1]; last.c.State != api.StateRemoved {
		t.Errorf("last event = %+v, want state removed", last)
	}
}

// recorder is a listener that keeps what it is told.
type recorder struct {
	states    []update
	endpoints []api.EndpointStatus
}

func (r *recorder) containerChanged(_ context.Context, _ *endpoint, u update, _ bool) {
	r.states = append(r.states, u)
}

func (r *recorder) endpointChanged(_ context.Context, _ *endpoint, st api.EndpointStatus) {
	r.endpoints = append(r.endpoints, st)
}

func TestDefaultHost(t *testing.T) {
	tests := []struct {
		name, dockerHost, settings, want string
	}{
		{"no DOCKER_HOST, no settings", "", ``, DefaultHost},
		{"DOCKER_HOST, no settings", "tcp://10.0.0.2:2376", ``, "tcp://10.0.0.2:2376"},
		{"DOCKER_HOST, endpoint without host", "unix:///run/user/1000/docker.sock", `{"endpoints":[{"name":"home"}]}`, "unix:///run/user/1000/docker.sock"},
		{"settings win over DOCKER_HOST", "tcp://10.0.0.2:2376", `{"endpoints":[{"name":"nas","host":"unix:///srv/docker.sock"}]}`, "unix:///srv/docker.sock"},
		{"blank DOCKER_HOST", "  ", ``, DefaultHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fallback := defaultHost(func(k string) string {
				if k == "DOCKER_HOST" {
					return tt.dockerHost
				}
				return ""
			})
			cfg, err := parseSettings(json.RawMessage(tt.settings), fallback)
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.endpoints) != 1 || cfg.endpoints[0].Host != tt.want {
				t.Errorf("endpoints = %+v, want one on %s", cfg.endpoints, tt.want)
			}
		})
	}
}

// TestRetryDelay follows the waits of a long outage with the default
// policy: quick retries during the first minute, then up to one a minute.
func TestRetryDelay(t *testing.T) {
	r := defaultRetry()
	var down, prev time.Duration
	var got []time.Duration
	for down < 5*time.Minute {
		prev = r.delay(prev, down)
		got = append(got, prev)
		down += prev
	}
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	want := []int64{200, 400, 800, 1600}
	for i, w := range want {
		if ms(got[i]) != w {
			t.Fatalf("delay %d = %v, want %d ms (all: %v)", i, got[i], w, got)
		}
	}
	var fast, slow int
	for i, d := range got {
		at := time.Duration(0)
		for _, x := range got[:i] {
			at += x
		}
		switch {
		case at < time.Minute && d > 3*time.Second:
			t.Errorf("delay %v at %v into the outage, want at most 3 s in the first minute", d, at)
		case d > time.Minute:
			t.Errorf("delay %v, want at most a minute", d)
		case at < time.Minute:
			fast++
		default:
			slow++
		}
	}
	if last := got[len(got)-1]; last != time.Minute {
		t.Errorf("delay after 5 minutes = %v, want 1 minute", last)
	}
	// About 22 quick attempts in the first minute, then a handful up to a
	// minute apart: about 30 in 5 minutes instead of 100 at 3 s.
	if n := len(got); n > 35 {
		t.Errorf("%d attempts in 5 minutes, want fewer than 35: %v", n, got)
	}
	t.Logf("attempts in 5 minutes: %d in the first minute, %d after", fast, slow)
	if d := r.delay(0, time.Hour); d != r.first {
		t.Errorf("first delay of a new outage = %v, want %v", d, r.first)
	}
}

// TestSettingsProblems: every refusal names the field at fault, whether
// the schema found it or a check the schema cannot express.
func TestSettingsProblems(t *testing.T) {
	tests := []struct {
		name, settings string
		want           []settings.Problem
	}{
		{"unknown field", `{"endpoint": []}`, []settings.Problem{{Path: "endpoint", Pointer: "/endpoint"}}},
		{"name missing", `{"endpoints": [{"host": "unix:///a"}]}`, []settings.Problem{{Path: "endpoints[0].name", Pointer: "/endpoints/0/name"}}},
		{"name with slash", `{"endpoints": [{"name": "a/b", "host": "unix:///a"}]}`, []settings.Problem{{Path: "endpoints[0].name", Pointer: "/endpoints/0/name"}}},
		{"bad scheme", `{"endpoints": [{"name": "x", "host": "http://x"}]}`, []settings.Problem{{Path: "endpoints[0].host", Pointer: "/endpoints/0/host"}}},
		{"unix without path", `{"endpoints": [{"name": "x", "host": "unix://"}]}`, []settings.Problem{{Path: "endpoints[0].host", Pointer: "/endpoints/0/host"}}},
		{"tcp without address", `{"endpoints": [{"name": "x", "host": "tcp://"}]}`, []settings.Problem{{Path: "endpoints[0].host", Pointer: "/endpoints/0/host"}}},
		{"duplicate endpoint", `{"endpoints": [{"name": "a", "host": "unix:///a"}, {"name": "a", "host": "unix:///b"}]}`,
			[]settings.Problem{{Path: "endpoints[1].name", Pointer: "/endpoints/1/name"}}},
		{"tls on unix", `{"endpoints": [{"name": "a", "host": "unix:///a", "tls": {"ca": "x"}}]}`, []settings.Problem{{Path: "endpoints[0].tls", Pointer: "/endpoints/0/tls"}}},
		{"tls cert without key", `{"endpoints": [{"name": "a", "host": "tcp://a:2376", "tls": {"cert": "c.pem"}}]}`, []settings.Problem{{Path: "endpoints[0].tls", Pointer: "/endpoints/0/tls"}}},
		{"label filter without key", `{"endpoints": [{"name": "a", "host": "unix:///a", "label_filter": "x=1, =2"}]}`,
			[]settings.Problem{{Path: "endpoints[0].label_filter", Pointer: "/endpoints/0/label_filter"}}},
		{"unknown action", `{"containers": {"web": {"actions": ["delete"]}}}`, []settings.Problem{{Path: "containers.web.actions[0]", Pointer: "/containers/web/actions/0"}}},
		{"action twice", `{"containers": {"web": {"actions": ["stop", "stop"]}}}`, []settings.Problem{{Path: "containers.web.actions", Pointer: "/containers/web/actions"}}},
		{"bad container key", `{"containers": {"we b": {}}}`, []settings.Problem{{Path: "containers.we b", Pointer: "/containers/we b"}}},
		{"bad protected name", `{"protected": ["ok", "../etc"]}`, []settings.Problem{{Path: "protected[1]", Pointer: "/protected/1"}}},
		{"negative timeout", `{"action_timeout_seconds": -1}`, []settings.Problem{{Path: "action_timeout_seconds", Pointer: "/action_timeout_seconds"}}},
		{"zero timeout", `{"action_timeout_seconds": 0}`, []settings.Problem{{Path: "action_timeout_seconds", Pointer: "/action_timeout_seconds"}}},
		{"no concurrent actions", `{"max_concurrent_actions": 0}`, []settings.Problem{{Path: "max_concurrent_actions", Pointer: "/max_concurrent_actions"}}},
		{"start check too long", `{"start_check_seconds": 600}`, []settings.Problem{{Path: "start_check_seconds", Pointer: "/start_check_seconds"}}},
		{"start check null", `{"start_check_seconds": null}`, []settings.Problem{{Path: "start_check_seconds", Pointer: "/start_check_seconds"}}},
		{"two problems at once", `{"endpoints": [{"name": "a", "host": "unix://"}, {"name": "a", "host": "unix:///b"}]}`, []settings.Problem{
			{Path: "endpoints[0].host", Pointer: "/endpoints/0/host"}, {Path: "endpoints[1].name", Pointer: "/endpoints/1/name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSettings(json.RawMessage(tt.settings), DefaultHost)
			got := settings.Problems(err)
			if !errors.Is(err, sdk.ErrInvalid) || len(got) != len(tt.want) {
				t.Fatalf("parseSettings(%s) = %v, want ErrInvalid with problems at %v", tt.settings, err, tt.want)
			}
			for i, p := range got {
				if p.Path != tt.want[i].Path || p.Pointer != tt.want[i].Pointer || p.Message == "" {
					t.Errorf("parseSettings(%s) problem %d = %+v, want one at %s (%s) with a message", tt.settings, i, p, tt.want[i].Path, tt.want[i].Pointer)
				}
			}
		})
	}
}

// TestSettingsDefaults: absent fields get the defaults; zero start check
// turns the check off.
func TestSettingsDefaults(t *testing.T) {
	tests := []struct {
		settings   string
		timeout    time.Duration
		maxActions int
		startCheck time.Duration
	}{
		{``, DefaultActionTimeout, DefaultMaxConcurrentActions, DefaultStartCheck},
		{`null`, DefaultActionTimeout, DefaultMaxConcurrentActions, DefaultStartCheck},
		{`{}`, DefaultActionTimeout, DefaultMaxConcurrentActions, DefaultStartCheck},
		{`{"action_timeout_seconds": 2.5, "max_concurrent_actions": 1, "start_check_seconds": 0}`, 2500 * time.Millisecond, 1, 0},
		{`{"start_check_seconds": 0.5}`, DefaultActionTimeout, DefaultMaxConcurrentActions, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		c, err := parseSettings(json.RawMessage(tt.settings), DefaultHost)
		if err != nil || c.timeout != tt.timeout || c.maxActions != tt.maxActions || c.startCheck != tt.startCheck {
			t.Errorf("parseSettings(%s) = timeout %v, max %d, start check %v, %v; want %v, %d, %v",
				tt.settings, c.timeout, c.maxActions, c.startCheck, err, tt.timeout, tt.maxActions, tt.startCheck)
		}
		if err == nil && (len(c.endpoints) != 1 || c.endpoints[0].Name != DefaultEndpointName || c.endpoints[0].Host != DefaultHost) {
			t.Errorf("parseSettings(%s) endpoints = %+v, want local on %s", tt.settings, c.endpoints, DefaultHost)
		}
	}
}

// TestEndpointNamePattern: the schema's pattern for endpoint names and
// api.ValidEndpointName, which container references use, agree.
func TestEndpointNamePattern(t *testing.T) {
	for _, name := range []string{"a", "local", "nas-2", "my_host.lan", "9", strings.Repeat("x", 64), strings.Repeat("x", 65),
		"", "-a", ".a", "_a", "a/b", "a b", "ü", "a\n", "a;b"} {
		_, err := parseSettings(json.RawMessage(`{"endpoints": [{"name": `+jsonQuote(name)+`, "host": "unix:///a"}]}`), DefaultHost)
		if schemaOK, apiOK := err == nil, api.ValidEndpointName(name) == nil; schemaOK != apiOK {
			t.Errorf("endpoint name %q: settings accept it %v, api.ValidEndpointName %v", name, schemaOK, apiOK)
		}
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestSettingsSchemaDescribed: the web UI builds its form from the
// schema, so every field has a title and a description.
func TestSettingsSchemaDescribed(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(spec().Schema()), &doc); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	n := 0
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			prop, _ := p.(map[string]any)
			n++
			if title, _ := prop["title"].(string); title == "" {
				t.Errorf("setting %s%s has no title", path, name)
			}
			if desc, _ := prop["description"].(string); len(desc) < 10 {
				t.Errorf("setting %s%s has no description", path, name)
			}
			walk(path+name+".", prop)
			if items, ok := prop["items"].(map[string]any); ok {
				walk(path+name+"[].", items)
			}
			if values, ok := prop["additionalProperties"].(map[string]any); ok {
				walk(path+name+".*.", values)
			}
		}
	}
	walk("", doc)
	if n < 20 {
		t.Errorf("schema has %d settings, want every field of Settings (more than 20)", n)
	}
}

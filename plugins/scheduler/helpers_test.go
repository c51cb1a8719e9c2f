package scheduler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/wait"
	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/scheduler"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// settle is how long a test waits for the plugin to catch up with the
// clock; generous, the machines are shared.
const settle = 30 * time.Second

// fakeClock is a Clock the test moves. The schedule loop is its only
// sleeper: each Wait replaces the one before.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	until time.Time
	ch    chan time.Time // the sleeper's channel; nil once woken
	seq   int            // Wait calls so far
}

func newClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Wait(until time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	ch := make(chan time.Time, 1)
	if !until.After(c.now) {
		ch <- c.now
		c.ch = nil
		return ch
	}
	c.until, c.ch = until, ch
	return ch
}

// Set moves the clock to t. It wakes the sleeper when t reaches its time,
// and when the clock goes back, as the real clock's one-minute sleeps
// would notice; it reports whether it woke the sleeper.
func (c *fakeClock) Set(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	back := t.Before(c.now)
	c.now = t
	if c.ch != nil && (back || !c.until.After(t)) {
		c.ch <- t
		c.ch = nil
		return true
	}
	return false
}

// sleeper returns the sleeper's wake-up time, the Wait count, and whether
// one sleeps.
func (c *fakeClock) sleeper() (time.Time, int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.until, c.seq, c.ch != nil
}

// call is one containers action the scheduler asked for.
type call struct {
	Action    string
	Container string
	At        time.Time // on the fake clock
}

// fakeContainers stands in for the containers plugin: it lists a few
// containers and records start, stop and restart.
type fakeContainers struct {
	clock *fakeClock

	mu          sync.Mutex
	containers  []capi.ContainerInfo
	endpoints   []capi.EndpointStatus
	calls       []call
	fail        map[string]error // by container
	gate        chan struct{}    // when set, actions wait for a value
	inflight    int
	maxInflight int
}

func newContainers(clock *fakeClock, names ...string) *fakeContainers {
	f := &fakeContainers{clock: clock, fail: map[string]error{}, endpoints: []capi.EndpointStatus{{Endpoint: "local", Reachable: true}}}
	for _, n := range names {
		f.containers = append(f.containers, capi.ContainerInfo{Container: n, Endpoint: "local", Name: n, DisplayName: n, Reachable: true, Actions: capi.Ops()})
	}
	return f
}

func (f *fakeContainers) register(h *sdktest.Host) {
	h.HandleAction(capi.ActionList, func(context.Context, json.RawMessage) (any, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return capi.ListResult{Containers: slices.Clone(f.containers), Endpoints: slices.Clone(f.endpoints)}, nil
	})
	for _, a := range []string{capi.ActionStart, capi.ActionStop, capi.ActionRestart} {
		h.HandleAction(a, func(ctx context.Context, raw json.RawMessage) (any, error) {
			var args capi.Args
			if err := json.Unmarshal(raw, &args); err != nil {
				return nil, err
			}
			f.mu.Lock()
			f.inflight++
			f.maxInflight = max(f.maxInflight, f.inflight)
			gate := f.gate
			f.mu.Unlock()
			if gate != nil {
				select {
				case <-gate:
				case <-ctx.Done():
				}
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			f.inflight--
			f.calls = append(f.calls, call{Action: a, Container: args.Container, At: f.clock.Now()})
			if err := f.fail[args.Container]; err != nil {
				return nil, err
			}
			op := capi.OpOf(a)
			return capi.ActionResult{Container: args.Container, Action: op, OK: true, Changed: true, State: capi.StateRunning, Detail: string(op) + "ed"}, nil
		})
	}
}

func (f *fakeContainers) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// env is the scheduler served by sdktest on a fake clock, next to a fake
// containers plugin.
type env struct {
	t     testing.TB
	clock *fakeClock
	p     *scheduler.Plugin
	h     *sdktest.Harness
	ctrs  *fakeContainers
}

// options of an env.
type options struct {
	settings map[string]any
	kv       map[string][]byte // the KV the plugin starts with
	ctrs     *fakeContainers   // default: web, db, cache
	locale   string
}

// start serves a new scheduler plugin on clock until the test ends.
func start(t testing.TB, clock *fakeClock, o options) *env {
	t.Helper()
	if o.ctrs == nil {
		o.ctrs = newContainers(clock, "web", "db", "cache", "app1", "app2", "app3")
	}
	p := scheduler.New(scheduler.Config{Clock: clock})
	h := sdktest.New(t, p, sdktest.Config{Settings: o.settings, SkipStart: true, DefaultLocale: o.locale})
	o.ctrs.register(h.Host)
	ctx := context.Background()
	for k, v := range o.kv {
		if err := h.Host.KV().Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Client.Start(ctx); err != nil {
		t.Fatalf("start scheduler: %v", err)
	}
	e := &env{t: t, clock: clock, p: p, h: h, ctrs: o.ctrs}
	e.settle()
	return e
}

// settle waits until the plugin has caught up with the clock and every
// change, and no run is going.
func (e *env) settle() {
	e.t.Helper()
	wait.For(e.t, settle, "the scheduler to settle", e.p.Settled)
}

// set moves the clock to t at once, as a clock that jumps, and waits for
// the scheduler to handle it.
func (e *env) set(t time.Time) {
	e.t.Helper()
	e.settle()
	_, seq, _ := e.clock.sleeper()
	if e.clock.Set(t) {
		wait.For(e.t, settle, "the scheduler to wake", func() bool { _, s, _ := e.clock.sleeper(); return s != seq })
	}
	e.settle()
}

// step moves the clock to to, stopping at every time the scheduler wakes
// up for on the way, as real time would.
func (e *env) step(to time.Time) {
	e.t.Helper()
	for {
		e.settle()
		until, seq, sleeping := e.clock.sleeper()
		if !sleeping {
			wait.For(e.t, settle, "the scheduler to sleep", func() bool { _, _, s := e.clock.sleeper(); return s })
			continue
		}
		if until.After(to) {
			e.set(to)
			return
		}
		e.clock.Set(until)
		wait.For(e.t, settle, "the scheduler to wake", func() bool { _, s, _ := e.clock.sleeper(); return s != seq })
	}
}

// invoke calls one of the scheduler's actions as the host and decodes
// its result.
func invoke[T any](e *env, action string, args any) (T, error) {
	var out T
	raw, err := e.h.Invoke(context.Background(), action, args)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("decode result of %s: %v (%s)", action, err, raw)
	}
	return out, nil
}

// mustCreate creates a task and returns it.
func (e *env) mustCreate(spec api.Spec) api.TaskResult {
	e.t.Helper()
	res, err := invoke[api.TaskResult](e, api.ActionCreate, spec)
	if err != nil {
		e.t.Fatalf("create %+v: %v", spec, err)
	}
	e.settle()
	return res
}

// get returns a task with its history.
func (e *env) get(id string) api.GetResult {
	e.t.Helper()
	res, err := invoke[api.GetResult](e, api.ActionGet, api.IDArgs{ID: id})
	if err != nil {
		e.t.Fatalf("get %s: %v", id, err)
	}
	return res
}

// dump copies the plugin's KV.
func (e *env) dump() map[string][]byte {
	e.t.Helper()
	ctx := context.Background()
	keys, err := e.h.Host.KV().List(ctx, "")
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, k := range keys {
		v, _, err := e.h.Host.KV().Get(ctx, k)
		if err != nil {
			e.t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// at parses a UTC time.
func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// times formats call times in UTC.
func times(cs []call) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.At.UTC().Format("2006-01-02 15:04"))
	}
	return out
}

// daily is a daily task spec.
func daily(container, hhmm, zone string) api.Spec {
	return api.Spec{Container: container, Action: api.OpRestart, Timezone: zone, Schedule: api.Schedule{Kind: api.KindDaily, Time: hhmm}}
}

func interaction(level sdk.Level, locale string) sdk.Interaction {
	return sdk.Interaction{Level: level, Locale: locale, User: sdk.User{ID: "200000000000000009", Name: "olga"}}
}

func str(name string, v any) sdk.OptionValue {
	switch v := v.(type) {
	case int:
		return sdk.OptionValue{Name: name, Type: sdk.OptionInteger, Value: int64(v)}
	}
	return sdk.OptionValue{Name: name, Type: sdk.OptionString, Value: fmt.Sprint(v)}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// equalJSON compares two values by their JSON.
func equalJSON(t testing.TB, a, b any) bool {
	return string(mustJSON(t, a)) == string(mustJSON(t, b))
}

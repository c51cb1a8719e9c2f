package containers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

// Limits of the events loop's requests.
const (
	pingTimeout  = 5 * time.Second
	listTimeout  = 60 * time.Second
	publishLimit = 5 * time.Second
)

// ctr is what the plugin knows about one container.
type ctr struct {
	ID         string
	Name       string
	Image      string
	State      api.State
	Health     api.Health
	ExitCode   int
	StartedAt  time.Time
	FinishedAt time.Time
	Labels     map[string]string
	HasCheck   bool // HasCheck: the container has a health check.
}

// update is one change seen on the events stream, sent to watchers.
type update struct {
	c      ctr
	action string    // Docker event action, api.CauseSync or api.CauseUnreachable
	at     time.Time // when Docker says it happened
}

// watcher receives the updates of one container.
type watcher struct {
	id string
	ch chan update
}

// listener is told what an endpoint's events loop sees; the plugin
// publishes it. Calls come from the loop's goroutine, in order.
type listener interface {
	// containerChanged reports a change of one container.
	containerChanged(ctx context.Context, e *endpoint, u update, reachable bool)
	// endpointChanged reports that e became reachable or unreachable.
	endpointChanged(ctx context.Context, e *endpoint, st api.EndpointStatus)
}

// endpoint is one Docker daemon: its client, its events loop and the state
// table the loop keeps.
type endpoint struct {
	spec    EndpointSettings
	cli     *client.Client
	d       daemon
	log     *slog.Logger
	notify  listener
	retry   retryPolicy
	filters []string // label filters

	mu        sync.Mutex
	reachable bool
	synced    bool // a full list was read since the last (re)connect
	lastErr   error
	since     time.Time       // when reachable last changed, or when the loop started
	down      outage          // retry state while unreachable
	ctrs      map[string]*ctr // by id
	watchers  map[string]map[*watcher]struct{}
	busy      map[string]api.Op // id -> running action
	sem       chan struct{}

	cancel context.CancelFunc
	done   chan struct{}
}

// newEndpoint returns a stopped endpoint for spec.
func newEndpoint(spec EndpointSettings, maxActions int, retry retryPolicy, log *slog.Logger, notify listener) (*endpoint, error) {
	cli, err := newClient(spec)
	if err != nil {
		return nil, err
	}
	return &endpoint{
		spec: spec, cli: cli, d: daemon{cli: cli, endpoint: spec.Name},
		log: log.With("endpoint", spec.Name), notify: notify, retry: retry,
		filters:  splitList(spec.LabelFilter),
		lastErr:  errors.New("not connected yet"),
		ctrs:     map[string]*ctr{},
		watchers: map[string]map[*watcher]struct{}{},
		busy:     map[string]api.Op{},
		sem:      make(chan struct{}, maxActions),
	}, nil
}

// setMaxActions changes how many actions may run at once; running ones
// keep the slot they hold.
func (e *endpoint) setMaxActions(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cap(e.sem) != n {
		e.sem = make(chan struct{}, n)
	}
}

// start runs the events loop until stop.
func (e *endpoint) start() {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.done = make(chan struct{})
	e.mu.Lock()
	e.since = time.Now()
	e.mu.Unlock()
	go func() {
		defer close(e.done)
		e.run(ctx)
	}()
}

// stop ends the events loop and closes the client.
func (e *endpoint) stop(ctx context.Context) error {
	if e.cancel != nil {
		e.cancel()
		select {
		case <-e.done:
		case <-ctx.Done():
			return fmt.Errorf("stop endpoint %s: %w", e.spec.Name, ctx.Err())
		}
	}
	return e.cli.Close()
}

// run keeps an events stream open, reconnecting with backoff (see
// retryPolicy).
func (e *endpoint) run(ctx context.Context) {
	for {
		synced, err := e.session(ctx)
		if ctx.Err() != nil {
			return
		}
		e.setUnreachable(ctx, err)
		t := time.NewTimer(e.failed(err, synced, time.Now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// labelArgs returns the label filters as Docker filter arguments.
func (e *endpoint) labelArgs() client.Filters {
	args := client.Filters{}
	for _, lf := range e.filters {
		args.Add("label", lf)
	}
	return args
}

// session subscribes to events, reads the full list, then applies events
// until the stream fails. synced reports whether the list was read.
func (e *endpoint) session(ctx context.Context) (synced bool, err error) {
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	_, err = e.cli.Ping(pctx, client.PingOptions{})
	cancel()
	if err != nil {
		return false, fmt.Errorf("ping %s: %w", e.spec.Host, explainDial(ctx, e.spec.Host, err))
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Events returns once the daemon has accepted the subscription, so the
	// list read next cannot miss a change: later changes queue as events.
	ev := e.cli.Events(sctx, client.EventsListOptions{Filters: e.labelArgs().Add("type", string(events.ContainerEventType))})
	msgs, errs := ev.Messages, ev.Err
	select {
	case err := <-errs:
		return false, fmt.Errorf("subscribe to events of %s: %w", e.spec.Host, err)
	default:
	}
	if err := e.resync(ctx); err != nil {
		return false, err
	}
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case err := <-errs:
			if err == nil {
				err = errors.New("events stream closed")
			}
			return true, fmt.Errorf("events of %s: %w", e.spec.Host, err)
		case m := <-msgs:
			e.apply(ctx, m)
		}
	}
}

// resync replaces the state table with a full list, inspecting running
// containers for their start time, and publishes what changed.
func (e *endpoint) resync(ctx context.Context) error {
	lctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	res, err := e.cli.ContainerList(lctx, client.ContainerListOptions{All: true, Filters: e.labelArgs()})
	if err != nil {
		return fmt.Errorf("list containers of %s: %w", e.spec.Host, err)
	}
	fresh := make(map[string]*ctr, len(res.Items))
	var running []*ctr
	for _, s := range res.Items {
		c := fromSummary(s)
		fresh[c.ID] = c
		if c.State.Up() {
			running = append(running, c)
		}
	}
	e.d.inspectAll(lctx, running)

	now := time.Now()
	var out []update
	e.mu.Lock()
	old := e.ctrs
	for id, c := range fresh {
		if o, ok := old[id]; !ok || !e.reachable || publicDiff(o, c) {
			out = append(out, update{c: *c, action: api.CauseSync, at: now})
		}
	}
	for id, o := range old {
		if _, ok := fresh[id]; !ok {
			gone := *o
			gone.State = api.StateRemoved
			out = append(out, update{c: gone, action: api.CauseSync, at: now})
		}
	}
	e.ctrs = fresh
	wasReachable, down := e.reachable, e.down
	e.reachable, e.synced, e.lastErr, e.down = true, true, nil, outage{}
	if !wasReachable {
		e.since = now
	}
	e.mu.Unlock()

	if !wasReachable {
		e.reached(ctx, down, len(fresh), now)
	}
	for _, u := range out {
		e.notify.containerChanged(ctx, e, u, true)
	}
	return nil
}

// publicDiff reports whether a and b differ in what StateEvent shows.
func publicDiff(a, b *ctr) bool {
	return a.Name != b.Name || a.State != b.State || a.Health != b.Health || a.ExitCode != b.ExitCode ||
		!a.StartedAt.Equal(b.StartedAt) || a.Image != b.Image
}

// apply updates the table from one Docker event, tells watchers and
// publishes a change.
func (e *endpoint) apply(ctx context.Context, m events.Message) {
	if m.Type != events.ContainerEventType || m.Actor.ID == "" {
		return
	}
	at := time.Unix(0, m.TimeNano)
	if m.TimeNano == 0 {
		at = time.Unix(m.Time, 0)
	}
	attrs := m.Actor.Attributes
	action := string(m.Action)

	e.mu.Lock()
	c, known := e.ctrs[m.Actor.ID]
	if !known && action == "destroy" {
		e.mu.Unlock()
		return
	}
	if !known {
		c = &ctr{ID: m.Actor.ID, State: api.StateCreated, Labels: labelsFrom(attrs)}
	}
	before := *c
	if n := attrs["name"]; n != "" {
		c.Name = n
	}
	if img := attrs["image"]; img != "" {
		c.Image = img
	}
	applyAction(c, action, attrs, at)
	if c.State == api.StateExited && before.State == api.StateExited {
		// "stop" after "die": keep the exit code the die event carried.
		c.ExitCode = before.ExitCode
	}
	if c.State == api.StateRemoved {
		delete(e.ctrs, c.ID)
	} else if !known {
		e.ctrs[c.ID] = c
	}
	u := update{c: *c, action: action, at: at}
	changed := !known || publicDiff(&before, c)
	reachable := e.reachable
	e.notifyLocked(u)
	e.mu.Unlock()

	if changed && reachable {
		e.notify.containerChanged(ctx, e, u, true)
	}
}

// applyAction changes c as Docker's event action says.
func applyAction(c *ctr, action string, attrs map[string]string, at time.Time) {
	switch {
	case action == "create":
		c.State = api.StateCreated
	case action == "start":
		c.State, c.StartedAt, c.ExitCode = api.StateRunning, at, 0
		if c.HasCheck {
			c.Health = api.HealthStarting
		}
	case action == "restart", action == "unpause":
		c.State = api.StateRunning
	case action == "pause":
		c.State = api.StatePaused
	case action == "die":
		c.State, c.FinishedAt = api.StateExited, at
		c.ExitCode, _ = strconv.Atoi(attrs["exitCode"])
		c.Health = api.HealthNone
	case action == "destroy":
		c.State = api.StateRemoved
	case strings.HasPrefix(action, "health_status"):
		_, h, _ := strings.Cut(action, ":")
		c.Health, c.HasCheck = api.Health(strings.TrimSpace(h)), true
	}
}

// labelsFrom picks the container labels out of event attributes, which mix
// them with name, image and exitCode.
func labelsFrom(attrs map[string]string) map[string]string {
	out := maps.Clone(attrs)
	if out == nil {
		out = map[string]string{}
	}
	delete(out, "name")
	delete(out, "image")
	delete(out, "exitCode")
	delete(out, "signal")
	return out
}

// notifyLocked sends u to the container's watchers; e.mu is held.
func (e *endpoint) notifyLocked(u update) {
	for w := range e.watchers[u.c.ID] {
		select {
		case w.ch <- u:
		default:
			e.log.Warn("action watcher is full; dropping an update", "container", u.c.Name, "action", u.action)
		}
	}
}

// watch returns a watcher of container id's updates; call unwatch after.
func (e *endpoint) watch(id string) *watcher {
	w := &watcher{id: id, ch: make(chan update, 64)}
	e.mu.Lock()
	if e.watchers[id] == nil {
		e.watchers[id] = map[*watcher]struct{}{}
	}
	e.watchers[id][w] = struct{}{}
	e.mu.Unlock()
	return w
}

// unwatch removes w.
func (e *endpoint) unwatch(w *watcher) {
	e.mu.Lock()
	delete(e.watchers[w.id], w)
	if len(e.watchers[w.id]) == 0 {
		delete(e.watchers, w.id)
	}
	e.mu.Unlock()
}

// setUnreachable marks the endpoint down, tells watchers and publishes the
// unknown state of every container once. While it stays down, a new
// reason is published too, so subscribers show the current one.
func (e *endpoint) setUnreachable(ctx context.Context, cause error) {
	now := time.Now()
	e.mu.Lock()
	was := e.reachable
	newCause := e.lastErr == nil || e.lastErr.Error() != cause.Error()
	e.reachable, e.synced, e.lastErr = false, false, cause
	var out []update
	if was {
		e.since = now
		for _, c := range e.ctrs {
			u := update{c: *c, action: api.CauseUnreachable, at: now}
			u.c.State, u.c.Health = api.StateUnknown, api.HealthNone
			out = append(out, u)
			e.notifyLocked(u)
		}
	}
	since := e.since
	e.mu.Unlock()
	if !was && !newCause {
		return
	}
	e.notify.endpointChanged(ctx, e, api.EndpointStatus{Endpoint: e.spec.Name, Error: cause.Error(), Since: since.UTC()})
	for _, u := range out {
		e.notify.containerChanged(ctx, e, u, false)
	}
}

// epStatus is an endpoint's reachability and retry state.
type epStatus struct {
	reachable bool
	err       error
	since     time.Time
	down      outage
}

// status returns whether the endpoint is reachable, and why not.
func (e *endpoint) status() epStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return epStatus{reachable: e.reachable && e.synced, err: e.lastErr, since: e.since, down: e.down}
}

// public returns st as the contract shows it.
func (st epStatus) public(name string) api.EndpointStatus {
	out := api.EndpointStatus{Endpoint: name, Reachable: st.reachable}
	if !st.since.IsZero() {
		out.Since = st.since.UTC()
	}
	if !st.reachable && st.err != nil {
		out.Error = st.err.Error()
	}
	return out
}

// snapshot returns copies of all containers, and whether they are current.
func (e *endpoint) snapshot() ([]ctr, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]ctr, 0, len(e.ctrs))
	for _, c := range e.ctrs {
		out = append(out, *c)
	}
	return out, e.reachable && e.synced
}

// byName returns the container named name.
func (e *endpoint) byName(name string) (ctr, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.ctrs {
		if c.Name == name {
			return *c, true
		}
	}
	return ctr{}, false
}

// get returns the container with id.
func (e *endpoint) get(id string) (ctr, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.ctrs[id]
	if !ok {
		return ctr{}, false
	}
	return *c, true
}

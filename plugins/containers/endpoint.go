package containers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
)

// Topics the plugin publishes.
const (
	// TopicState carries a StateEvent whenever a container's state changes.
	TopicState = "container.state"
	// TopicEndpoint carries an EndpointEvent when an endpoint becomes
	// reachable or unreachable.
	TopicEndpoint = "container.endpoint"
)

// States beyond Docker's own (created, running, paused, restarting,
// removing, exited, dead).
const (
	// StateUnknown is the state of a container whose endpoint is unreachable.
	StateUnknown = "unknown"
	// StateRemoved is published once when a container is removed.
	StateRemoved = "removed"
)

// Reconnect backoff of the events stream.
const (
	minBackoff   = 200 * time.Millisecond
	maxBackoff   = 3 * time.Second
	pingTimeout  = 5 * time.Second
	listTimeout  = 60 * time.Second
	publishLimit = 5 * time.Second
)

// StateEvent is the JSON payload of TopicState.
type StateEvent struct {
	Endpoint  string    `json:"endpoint"`            // Endpoint name.
	ID        string    `json:"id"`                  // ID is the full container id.
	Name      string    `json:"name"`                // Name is the Docker name.
	State     string    `json:"state"`               // State: Docker's, or unknown, or removed.
	Health    string    `json:"health,omitempty"`    // Health: starting, healthy, unhealthy or empty.
	ExitCode  int       `json:"exit_code"`           // ExitCode of the last exit.
	StartedAt time.Time `json:"started_at,omitzero"` // StartedAt of the current run.
	Image     string    `json:"image"`               // Image the container runs.
	Reachable bool      `json:"reachable"`           // Reachable is false when the endpoint is down.
	Action    string    `json:"action,omitempty"`    // Action is the Docker event that caused it, if any.
}

// EndpointEvent is the JSON payload of TopicEndpoint.
type EndpointEvent struct {
	Endpoint  string `json:"endpoint"`        // Endpoint name.
	Reachable bool   `json:"reachable"`       // Reachable says whether its events stream is up.
	Error     string `json:"error,omitempty"` // Error says why it is not.
}

// ctr is what the plugin knows about one container.
type ctr struct {
	ID         string
	Name       string
	Image      string
	State      string
	Health     string
	ExitCode   int
	StartedAt  time.Time
	FinishedAt time.Time
	Labels     map[string]string
	HasCheck   bool // HasCheck: the container has a health check.
}

// update is one change seen on the events stream, sent to watchers.
type update struct {
	c      ctr
	action string    // Docker event action, or "unreachable".
	at     time.Time // when Docker says it happened
}

// watcher receives the updates of one container.
type watcher struct {
	id string
	ch chan update
}

// publishFunc publishes a payload on a topic.
type publishFunc func(ctx context.Context, topic string, payload []byte)

// endpoint is one Docker daemon: its client, its events loop and the state
// table the loop keeps.
type endpoint struct {
	spec    EndpointSettings
	cli     *client.Client
	log     *slog.Logger
	publish publishFunc
	filters []string // label filters

	mu        sync.Mutex
	reachable bool
	synced    bool // a full list was read since the last (re)connect
	lastErr   error
	ctrs      map[string]*ctr // by id
	watchers  map[string]map[*watcher]struct{}
	busy      map[string]string // id -> running action
	sem       chan struct{}

	cancel context.CancelFunc
	done   chan struct{}
}

// newEndpoint returns a stopped endpoint for spec.
func newEndpoint(spec EndpointSettings, maxActions int, log *slog.Logger, publish publishFunc) (*endpoint, error) {
	cli, err := newClient(spec)
	if err != nil {
		return nil, err
	}
	return &endpoint{
		spec: spec, cli: cli, log: log.With("endpoint", spec.Name), publish: publish,
		filters:  splitList(spec.LabelFilter),
		lastErr:  errors.New("not connected yet"),
		ctrs:     map[string]*ctr{},
		watchers: map[string]map[*watcher]struct{}{},
		busy:     map[string]string{},
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

// run keeps an events stream open, reconnecting with exponential backoff.
func (e *endpoint) run(ctx context.Context) {
	backoff := minBackoff
	for {
		synced, err := e.session(ctx)
		if ctx.Err() != nil {
			return
		}
		e.setUnreachable(ctx, err)
		if synced {
			backoff = minBackoff
		}
		e.log.Warn("docker events stream ended; reconnecting", "err", err, "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// labelArgs returns the label filters as Docker filter arguments.
func (e *endpoint) labelArgs(kv ...filters.KeyValuePair) filters.Args {
	args := filters.NewArgs(kv...)
	for _, lf := range e.filters {
		args.Add("label", lf)
	}
	return args
}

// session subscribes to events, reads the full list, then applies events
// until the stream fails. synced reports whether the list was read.
func (e *endpoint) session(ctx context.Context) (synced bool, err error) {
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	_, err = e.cli.Ping(pctx)
	cancel()
	if err != nil {
		return false, fmt.Errorf("ping %s: %w", e.spec.Host, err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Events returns once the daemon has accepted the subscription, so the
	// list read next cannot miss a change: later changes queue as events.
	msgs, errs := e.cli.Events(sctx, events.ListOptions{Filters: e.labelArgs(filters.Arg("type", string(events.ContainerEventType)))})
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
	list, err := e.cli.ContainerList(lctx, container.ListOptions{All: true, Filters: e.labelArgs()})
	if err != nil {
		return fmt.Errorf("list containers of %s: %w", e.spec.Host, err)
	}
	fresh := make(map[string]*ctr, len(list))
	var running []*ctr
	for _, s := range list {
		c := fromSummary(s)
		fresh[c.ID] = c
		if c.State == container.StateRunning || c.State == container.StatePaused || c.State == container.StateRestarting {
			running = append(running, c)
		}
	}
	e.inspectAll(lctx, running)

	var out []update
	e.mu.Lock()
	old := e.ctrs
	for id, c := range fresh {
		if o, ok := old[id]; !ok || !e.reachable || publicDiff(o, c) {
			out = append(out, update{c: *c, action: "sync"})
		}
	}
	for id, o := range old {
		if _, ok := fresh[id]; !ok {
			gone := *o
			gone.State = StateRemoved
			out = append(out, update{c: gone, action: "sync"})
		}
	}
	e.ctrs = fresh
	wasReachable := e.reachable
	e.reachable, e.synced, e.lastErr = true, true, nil
	e.mu.Unlock()

	if !wasReachable {
		e.log.Info("docker endpoint reachable", "host", e.spec.Host, "containers", len(fresh))
		e.publishEndpoint(ctx, true, "")
	}
	for _, u := range out {
		e.publishState(ctx, u, true)
	}
	return nil
}

// inspectAll fills in start times and health of cs, a few at a time.
func (e *endpoint) inspectAll(ctx context.Context, cs []*ctr) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, c := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			info, err := e.cli.ContainerInspect(ctx, c.ID)
			if err != nil {
				return
			}
			fillFromInspect(c, info)
		}()
	}
	wg.Wait()
}

// fillFromInspect copies the state of an inspect answer into c.
func fillFromInspect(c *ctr, info container.InspectResponse) {
	if info.State == nil {
		return
	}
	c.State = string(info.State.Status)
	c.ExitCode = info.State.ExitCode
	c.StartedAt = parseTime(info.State.StartedAt)
	c.FinishedAt = parseTime(info.State.FinishedAt)
	if info.State.Health != nil {
		c.Health = string(info.State.Health.Status)
		c.HasCheck = true
	}
	if info.Config != nil && info.Config.Healthcheck != nil && len(info.Config.Healthcheck.Test) > 0 && info.Config.Healthcheck.Test[0] != "NONE" {
		c.HasCheck = true
	}
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 {
		return time.Time{}
	}
	return t
}

// exitedRe reads the exit code out of a list entry's status text.
var exitedRe = regexp.MustCompile(`^Exited \((-?\d+)\)`)

// fromSummary converts a list entry.
func fromSummary(s container.Summary) *ctr {
	c := &ctr{ID: s.ID, Image: s.Image, State: string(s.State), Labels: s.Labels}
	if len(s.Names) > 0 {
		c.Name = strings.TrimPrefix(s.Names[0], "/")
	}
	switch {
	case strings.Contains(s.Status, "(healthy)"):
		c.Health = "healthy"
	case strings.Contains(s.Status, "(unhealthy)"):
		c.Health = "unhealthy"
	case strings.Contains(s.Status, "(health: starting)"):
		c.Health = "starting"
	}
	c.HasCheck = c.Health != ""
	if m := exitedRe.FindStringSubmatch(s.Status); m != nil {
		c.ExitCode, _ = strconv.Atoi(m[1])
	}
	return c
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
		c = &ctr{ID: m.Actor.ID, State: container.StateCreated, Labels: map[string]string{}}
	}
	before := *c
	if n := attrs["name"]; n != "" {
		c.Name = n
	}
	if img := attrs["image"]; img != "" {
		c.Image = img
	}
	if !known {
		c.Labels = labelsFrom(attrs)
	}
	removed := false
	switch {
	case action == "create":
		c.State = container.StateCreated
	case action == "start":
		c.State, c.StartedAt, c.ExitCode = container.StateRunning, at, 0
		if c.HasCheck {
			c.Health = "starting"
		}
	case action == "restart", action == "unpause":
		c.State = container.StateRunning
	case action == "pause":
		c.State = container.StatePaused
	case action == "die":
		c.State, c.FinishedAt = container.StateExited, at
		c.ExitCode, _ = strconv.Atoi(attrs["exitCode"])
		c.Health = ""
	case action == "destroy":
		c.State = StateRemoved
		removed = true
	case strings.HasPrefix(action, "health_status"):
		_, h, _ := strings.Cut(action, ":")
		c.Health, c.HasCheck = strings.TrimSpace(h), true
	}
	if c.State == container.StateExited && before.State == container.StateExited {
		// "stop" after "die": keep the exit code the die event carried.
		c.ExitCode = before.ExitCode
	}
	if removed {
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
		e.publishState(ctx, u, true)
	}
}

// labelsFrom picks the container labels out of event attributes, which mix
// them with name, image and exitCode.
func labelsFrom(attrs map[string]string) map[string]string {
	out := maps.Clone(attrs)
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
// unknown state of every container once.
func (e *endpoint) setUnreachable(ctx context.Context, cause error) {
	e.mu.Lock()
	was := e.reachable
	e.reachable, e.synced, e.lastErr = false, false, cause
	var out []update
	if was {
		for _, c := range e.ctrs {
			u := update{c: *c, action: "unreachable", at: time.Now()}
			u.c.State, u.c.Health = StateUnknown, ""
			out = append(out, u)
			e.notifyLocked(u)
		}
	}
	e.mu.Unlock()
	if !was {
		return
	}
	e.log.Warn("docker endpoint unreachable", "host", e.spec.Host, "err", cause)
	e.publishEndpoint(ctx, false, cause.Error())
	for _, u := range out {
		e.publishState(ctx, u, false)
	}
}

// status returns whether the endpoint is reachable and why not.
func (e *endpoint) status() (reachable bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reachable && e.synced, e.lastErr
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

// publishState publishes u on TopicState.
func (e *endpoint) publishState(ctx context.Context, u update, reachable bool) {
	ev := StateEvent{
		Endpoint: e.spec.Name, ID: u.c.ID, Name: u.c.Name, State: u.c.State, Health: u.c.Health,
		ExitCode: u.c.ExitCode, StartedAt: u.c.StartedAt, Image: u.c.Image, Reachable: reachable, Action: u.action,
	}
	if ev.State != container.StateRunning && ev.State != container.StatePaused {
		ev.StartedAt = time.Time{}
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		e.log.Error("encode state event", "err", err)
		return
	}
	pctx, cancel := context.WithTimeout(ctx, publishLimit)
	defer cancel()
	e.publish(pctx, TopicState, raw)
}

// publishEndpoint publishes the endpoint's reachability on TopicEndpoint.
func (e *endpoint) publishEndpoint(ctx context.Context, reachable bool, why string) {
	raw, err := json.Marshal(EndpointEvent{Endpoint: e.spec.Name, Reachable: reachable, Error: why})
	if err != nil {
		e.log.Error("encode endpoint event", "err", err)
		return
	}
	pctx, cancel := context.WithTimeout(ctx, publishLimit)
	defer cancel()
	e.publish(pctx, TopicEndpoint, raw)
}

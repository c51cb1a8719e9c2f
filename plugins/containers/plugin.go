package containers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ddc-go/ddc/sdk"
)

// Plugin is the containers plugin. New returns it ready to configure; it
// connects to Docker only in Start. Its methods are safe for concurrent use.
type Plugin struct {
	// host and log are set by SetHost, before any other call, and never
	// change: they need no lock.
	host sdk.Host
	log  *slog.Logger

	mu       sync.Mutex
	cfg      config
	eps      map[string]*endpoint
	order    []string        // endpoint names, as configured
	self     map[string]bool // container ids that may be DDC's own
	hostname string
	started  bool
	fallback string // host of endpoints configured without one
}

// New returns the containers plugin. It has no side effects; it reads
// DOCKER_HOST for the default endpoint.
func New() *Plugin {
	fallback := defaultHost(os.Getenv)
	cfg, _ := parseSettings(nil, fallback)
	return &Plugin{cfg: cfg, eps: map[string]*endpoint{}, log: slog.New(slog.DiscardHandler), fallback: fallback}
}

var (
	_ sdk.Plugin              = (*Plugin)(nil)
	_ sdk.HostSetter          = (*Plugin)(nil)
	_ sdk.Configurer          = (*Plugin)(nil)
	_ sdk.Starter             = (*Plugin)(nil)
	_ sdk.Stopper             = (*Plugin)(nil)
	_ sdk.CommandHandler      = (*Plugin)(nil)
	_ sdk.AutocompleteHandler = (*Plugin)(nil)
	_ sdk.ComponentHandler    = (*Plugin)(nil)
	_ sdk.ModalHandler        = (*Plugin)(nil)
	_ sdk.ActionHandler       = (*Plugin)(nil)
	_ sdk.HealthChecker       = (*Plugin)(nil)
)

// Actions the plugin provides to other plugins and the host.
const (
	ActList       = "containers.list"
	ActInspect    = "containers.inspect"
	ActStart      = "containers.start"
	ActStop       = "containers.stop"
	ActRestart    = "containers.restart"
	ActLogs       = "containers.logs"
	ActStats      = "containers.stats"
	ActRestartAll = "containers.restart_all"
	ActStopAll    = "containers.stop_all"
)

// Info describes the plugin. It does not depend on settings.
func (p *Plugin) Info() sdk.Info {
	return sdk.Info{
		ID: "containers", Name: "Containers", Version: "0.1.0",
		Description:     "Shows and controls Docker containers: status, start, stop, restart, logs and stats.",
		Commands:        commands(),
		ComponentPrefix: "containers",
		Components: []sdk.ComponentKind{
			{Kind: "logs", Level: sdk.LevelView},  // the logs refresh button
			{Kind: "pinfo", Level: sdk.LevelView}, // the protected info button
			{Kind: "pwd", Level: sdk.LevelView},   // its password form
		},
		Provides: []string{
			ActList, ActInspect, ActStart, ActStop, ActRestart, ActLogs, ActStats, ActRestartAll, ActStopAll,
		},
		SettingsSchema: settingsSchema,
		Capabilities:   []string{"docker"},
	}
}

// SetHost keeps the host and logs through it.
func (p *Plugin) SetHost(host sdk.Host) {
	p.host, p.log = host, host.Logger()
}

// Configure checks and applies settings. While running, changed endpoints
// are reconnected and the rest applies at once.
func (p *Plugin) Configure(ctx context.Context, settings json.RawMessage) error {
	cfg, err := parseSettings(settings, p.fallback)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		if err := p.reconcileLocked(ctx, cfg); err != nil {
			return err
		}
	}
	p.cfg = cfg
	return nil
}

// Start connects to every endpoint and begins following its events.
func (p *Plugin) Start(ctx context.Context, _ sdk.Host) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return nil
	}
	p.self = selfIDs()
	p.hostname, _ = os.Hostname()
	if err := p.reconcileLocked(ctx, p.cfg); err != nil {
		return err
	}
	p.started = true
	return nil
}

// Stop ends every events stream.
func (p *Plugin) Stop(ctx context.Context) error {
	p.mu.Lock()
	eps := p.eps
	p.eps, p.order, p.started = map[string]*endpoint{}, nil, false
	p.mu.Unlock()
	var errs []error
	for _, e := range eps {
		errs = append(errs, e.stop(ctx))
	}
	return errors.Join(errs...)
}

// CheckHealth returns an error naming every unreachable endpoint.
func (p *Plugin) CheckHealth(context.Context) error {
	p.mu.Lock()
	started := p.started
	eps := p.endpointsLocked()
	p.mu.Unlock()
	if !started {
		return errors.New("containers plugin not started")
	}
	var bad []string
	for _, e := range eps {
		if ok, err := e.status(); !ok {
			bad = append(bad, fmt.Sprintf("%s (%s): %v", e.spec.Name, e.spec.Host, err))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("docker endpoint unreachable: %s: %w", strings.Join(bad, "; "), sdk.ErrUnavailable)
	}
	return nil
}

// reconcileLocked makes the running endpoints match cfg: unchanged ones
// stay connected, changed and new ones (re)connect, removed ones stop.
func (p *Plugin) reconcileLocked(ctx context.Context, cfg config) error {
	next := map[string]*endpoint{}
	var fresh []*endpoint
	for _, spec := range cfg.endpoints {
		if old, ok := p.eps[spec.Name]; ok && sameSpec(old.spec, spec) {
			old.setMaxActions(cfg.maxActions)
			next[spec.Name] = old
			continue
		}
		e, err := newEndpoint(spec, cfg.maxActions, p.log, p.publish)
		if err != nil {
			for _, f := range fresh {
				_ = f.cli.Close()
			}
			return fmt.Errorf("configure endpoint %s: %w: %w", spec.Name, err, sdk.ErrInvalid)
		}
		fresh = append(fresh, e)
		next[spec.Name] = e
	}
	for name, old := range p.eps {
		if next[name] != old {
			go func() {
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				if err := old.stop(sctx); err != nil {
					p.log.Warn("stop replaced endpoint", "endpoint", name, "err", err)
				}
			}()
		}
	}
	for _, e := range fresh {
		e.start()
	}
	p.eps = next
	p.order = p.order[:0]
	for _, spec := range cfg.endpoints {
		p.order = append(p.order, spec.Name)
	}
	return nil
}

func sameSpec(a, b EndpointSettings) bool {
	if a.Name != b.Name || a.Host != b.Host || a.LabelFilter != b.LabelFilter || (a.TLS == nil) != (b.TLS == nil) {
		return false
	}
	return a.TLS == nil || *a.TLS == *b.TLS
}

// publish sends an event to the host bus, logging failures.
func (p *Plugin) publish(ctx context.Context, topic string, payload []byte) {
	if err := p.host.Publish(ctx, topic, payload); err != nil {
		p.log.Warn("publish event", "topic", topic, "err", err)
	}
}

// endpointsLocked returns the endpoints in configured order.
func (p *Plugin) endpointsLocked() []*endpoint {
	out := make([]*endpoint, 0, len(p.order))
	for _, n := range p.order {
		if e := p.eps[n]; e != nil {
			out = append(out, e)
		}
	}
	return out
}

// state returns what a request needs, consistently.
func (p *Plugin) state() (sdk.Host, config, []*endpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host, p.cfg, p.endpointsLocked()
}

// view is a container with its settings resolved.
type view struct {
	c         ctr
	ep        *endpoint
	ref       Ref
	display   string
	order     int
	visible   bool
	actions   []string
	showStats bool
	info      string
	ipPort    string
	pinfo     string
	phash     string
	protected bool
	reachable bool
}

// can reports whether action is allowed on v.
func (v view) can(action string) bool { return slices.Contains(v.actions, action) }

// label is how messages name v.
func (v view) label() string {
	if v.display != v.c.Name {
		return v.display + " (" + v.ref.String() + ")"
	}
	return v.ref.String()
}

// resolve applies settings and labels to c; settings win over labels.
func (p *Plugin) resolve(cfg config, e *endpoint, multi bool, c ctr, reachable bool) view {
	v := view{c: c, ep: e, display: c.Name, order: 1000, visible: true, actions: defaultActions(), showStats: true, reachable: reachable}
	if multi {
		v.ref = Ref{Endpoint: e.spec.Name, Name: c.Name}
	} else {
		v.ref = Ref{Name: c.Name}
	}
	l := c.Labels
	if l["ddc.enable"] != "" {
		if b, err := strconv.ParseBool(l["ddc.enable"]); err == nil {
			v.visible = b
		}
	}
	if n := strings.TrimSpace(l["ddc.name"]); n != "" {
		v.display = n
	}
	if a, ok := l["ddc.actions"]; ok {
		v.actions = nil
		for _, x := range splitList(a) {
			if validAction(x) {
				v.actions = append(v.actions, x)
			}
		}
	}
	if o, err := strconv.Atoi(l["ddc.order"]); err == nil {
		v.order = o
	}
	v.info = l["ddc.info"]
	if b, err := strconv.ParseBool(l["ddc.protected"]); err == nil && b {
		v.protected = true
	}
	s, ok := cfg.containers[e.spec.Name+"/"+c.Name]
	if !ok {
		s, ok = cfg.containers[c.Name]
	}
	if ok {
		if s.DisplayName != "" {
			v.display = s.DisplayName
		}
		if s.Order != nil {
			v.order = *s.Order
		}
		if s.Active != nil {
			v.visible = *s.Active
		}
		if s.Actions != nil {
			v.actions = s.Actions
		}
		if s.ShowStats != nil {
			v.showStats = *s.ShowStats
		}
		if s.Info != "" {
			v.info = s.Info
		}
		v.ipPort, v.pinfo, v.phash = s.IPPort, s.ProtectedInfo, s.ProtectedPasswordHash
	}
	if cfg.protected[c.Name] || cfg.protected[e.spec.Name+"/"+c.Name] || p.isSelf(c.ID) {
		v.protected = true
	}
	return v
}

// isSelf reports whether id is DDC's own container.
func (p *Plugin) isSelf(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.self[id] {
		return true
	}
	return len(p.hostname) == 12 && strings.HasPrefix(id, p.hostname)
}

// views returns the visible containers of every endpoint, in order.
func (p *Plugin) views() []view {
	_, cfg, eps := p.state()
	var out []view
	for _, e := range eps {
		cs, ok := e.snapshot()
		for _, c := range cs {
			if v := p.resolve(cfg, e, len(eps) > 1, c, ok); v.visible {
				out = append(out, v)
			}
		}
	}
	sortViews(out)
	return out
}

func sortViews(vs []view) {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].order != vs[j].order {
			return vs[i].order < vs[j].order
		}
		if a, b := strings.ToLower(vs[i].display), strings.ToLower(vs[j].display); a != b {
			return a < b
		}
		return vs[i].ref.String() < vs[j].ref.String()
	})
}

// find resolves a validated reference to a visible container.
func (p *Plugin) find(r Ref) (view, error) {
	_, cfg, eps := p.state()
	multi := len(eps) > 1
	var cands []*endpoint
	if r.Endpoint != "" {
		for _, e := range eps {
			if e.spec.Name == r.Endpoint {
				cands = append(cands, e)
			}
		}
		if len(cands) == 0 {
			return view{}, sdk.Errorf("there is no Docker endpoint named %q: %w", r.Endpoint, sdk.ErrNotFound)
		}
	} else {
		cands = eps
	}
	var found []view
	var down []string
	for _, e := range cands {
		if ok, _ := e.status(); !ok {
			down = append(down, e.spec.Name)
			continue
		}
		c, ok := e.byName(r.Name)
		if !ok {
			continue
		}
		if v := p.resolve(cfg, e, multi, c, true); v.visible {
			found = append(found, v)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return view{}, sdk.Errorf("%q exists on several endpoints; write %s/%s or %s/%s: %w",
			r.Name, found[0].ep.spec.Name, r.Name, found[1].ep.spec.Name, r.Name, sdk.ErrInvalid)
	case len(down) > 0:
		return view{}, sdk.Errorf("cannot reach %s: endpoint %s is unreachable: %w", r, strings.Join(down, ", "), sdk.ErrUnavailable)
	}
	return view{}, sdk.Errorf("no such container %q: %w", r.String(), sdk.ErrNotFound)
}

// containerIDRe finds container ids in /proc files.
var containerIDRe = regexp.MustCompile(`(?:docker[-/]|containers/|libpod-)([0-9a-f]{64})`)

// selfIDs returns the ids of the container this process may run in: from
// /proc/self/cgroup (cgroup v1 and some v2 setups), and from the mounts of
// /etc/hostname, /etc/hosts and /etc/resolv.conf in /proc/self/mountinfo,
// which Docker bind-mounts from /var/lib/docker/containers/<id>/. Other
// lines of mountinfo are ignored: on a Docker host they name every running
// container.
func selfIDs() map[string]bool {
	ids := map[string]bool{}
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, m := range containerIDRe.FindAllStringSubmatch(string(b), -1) {
			ids[m[1]] = true
		}
	}
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 5 || (f[4] != "/etc/hostname" && f[4] != "/etc/hosts" && f[4] != "/etc/resolv.conf") {
				continue
			}
			if m := containerIDRe.FindStringSubmatch(f[3]); m != nil {
				ids[m[1]] = true
			}
		}
	}
	return ids
}

// Package pluginhost runs DDC plugins: it discovers bundled and external
// plugins (and, while it runs, new, replaced and removed external ones),
// verifies and starts them as go-plugin subprocesses, validates
// their manifests, configures and supervises them (health checks, watchdog,
// restart with backoff, crash-loop cut-off), routes calls between them and
// carries their events on a bus.
//
// It must never import host/discord or host/web (they depend on it, never
// the other way round), discordgo, gin or plugins/ (bundled plugins come
// from cmd/ddc as descriptors).
package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/topic"
)

// State is a plugin's lifecycle state.
type State string

// Plugin states.
const (
	StateStarting   State = "starting"   // StateStarting: process starting, handshake, configure, start.
	StateRunning    State = "running"    // StateRunning: healthy.
	StateDegraded   State = "degraded"   // StateDegraded: running, but its health check reports a problem.
	StateRestarting State = "restarting" // StateRestarting: crashed; waiting for its backoff before starting again.
	StateFailed     State = "failed"     // StateFailed: will not be started again until an admin acts.
	StateStopped    State = "stopped"    // StateStopped: stopped by the host.
	StateDisabled   State = "disabled"   // StateDisabled: disabled in the config.
)

// Timeouts bound every step and call. Zero fields take the defaults shown.
type Timeouts struct {
	Start       time.Duration // Start: exec to handshake, 10 s.
	Setup       time.Duration // Setup: GetInfo, Configure and Start calls, 10 s each.
	Call        time.Duration // Call: commands, components, modals, actions, HTTP, 60 s.
	Event       time.Duration // Event: one event delivery, 5 s.
	Stop        time.Duration // Stop: cooperative Stop before kill, 5 s.
	Health      time.Duration // Health: interval between health checks, 10 s.
	HealthCheck time.Duration // HealthCheck: deadline of one health check, 5 s.
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.Start, 10*time.Second)
	def(&t.Setup, 10*time.Second)
	def(&t.Call, 60*time.Second)
	def(&t.Event, 5*time.Second)
	def(&t.Stop, 5*time.Second)
	def(&t.Health, 10*time.Second)
	def(&t.HealthCheck, 5*time.Second)
	return t
}

// RestartPolicy says how crashed plugins come back. Zero fields take the
// defaults shown.
type RestartPolicy struct {
	Backoff    time.Duration // Backoff before the first restart, doubled each time: 1 s.
	MaxBackoff time.Duration // MaxBackoff caps the backoff: 1 min.
	MaxCrashes int           // MaxCrashes within Window make the plugin failed: 5.
	Window     time.Duration // Window for counting crashes: 10 min.
}

func (r RestartPolicy) withDefaults() RestartPolicy {
	if r.Backoff <= 0 {
		r.Backoff = time.Second
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = time.Minute
	}
	if r.MaxCrashes <= 0 {
		r.MaxCrashes = 5
	}
	if r.Window <= 0 {
		r.Window = 10 * time.Minute
	}
	return r
}

// Bundled is a plugin compiled into the host's executable, started as
// `Path Args...` (normally the host itself with `plugin NAME`).
type Bundled struct {
	ID      string
	Name    string
	Version string
	Path    string
	Args    []string
}

// SettingsFunc returns whether plugin id is enabled and its settings JSON.
type SettingsFunc func(id string) (enabled bool, settings json.RawMessage)

// Config configures a Manager. Store is required; the rest has defaults.
type Config struct {
	// PluginsDir holds external plugins, one directory each with a
	// plugin.yaml. Empty means none.
	PluginsDir string
	// WatchInterval is how often the manager looks for new, replaced and
	// removed plugins in PluginsDir while it runs (see Rescan): zero
	// means every second, a negative value never.
	WatchInterval time.Duration
	// Bundled plugins, started before external ones.
	Bundled []Bundled
	// Store holds plugins' KV namespaces and the audit log.
	Store *store.Store
	// Settings gives each plugin's enabled flag and settings; nil enables
	// every plugin with empty settings.
	Settings SettingsFunc
	// Language gives the configured default language, handed to plugins
	// with Configure (again when it changes); nil means English.
	Language func() string
	// Logger for the manager; plugins log through it, scoped by id.
	Logger *slog.Logger
	// PluginLogLevel is passed to plugins ("debug", "info", ...) when they
	// start; SetPluginLogLevel changes it for later starts.
	PluginLogLevel string
	// Timeouts bound every step.
	Timeouts Timeouts
	// Restart policy for crashed plugins.
	Restart RestartPolicy
	// QueueSize is each plugin's event queue length.
	QueueSize int
	// KVQuota gives each plugin's KV quota, asked at every KV call so that
	// changes apply at once; zero fields (or a nil KVQuota) take
	// DefaultKVMaxKeys and DefaultKVMaxBytes.
	KVQuota func(id string) store.Quota
	// CallerLevel gives the level plugin caller is granted on target's
	// actions when it calls one without a user's interaction (see
	// sdk.InvokeRequest.CallerLevel); nil grants view. The host itself
	// (caller "host") is always admin.
	CallerLevel func(caller, target string) sdk.Level
	// Confine says how plugin processes are confined: their users, grants
	// and memory limits.
	Confine Confinement
	// Observer, if set, sees every host→plugin call, published event and
	// audit entry (for metrics).
	Observer Observer
}

// Manager runs and supervises plugins. Create it with New, call Start once
// and Stop once. Its methods are safe for concurrent use.
type Manager struct {
	cfg  Config
	log  *slog.Logger
	bus  *Bus
	conf *confiner

	mu        sync.Mutex
	instances map[string]*instance
	order     []string
	msgr      Messenger
	closed    bool
	watchStop chan struct{} // closed by Stop: ends the PluginsDir watch

	// rescanMu is held by a whole Rescan, so that rescans do not overlap
	// and Stop waits for one that is launching plugins.
	rescanMu sync.Mutex

	// logLevel is the level plugins get at their next start.
	logLevel atomic.Value // string

	// listeners have their own lock: state changes notify them from code
	// that may hold mu.
	listenMu  sync.Mutex
	listeners []func()

	last   lastManifests // see ActiveManifests
	routed routed        // interactions handed to plugins, for Invoke and Audit
}

// New returns a manager; it starts nothing.
func New(cfg Config) (*Manager, error) {
	if cfg.Store == nil {
		return nil, errors.New("plugin manager: no store")
	}
	cfg.Timeouts = cfg.Timeouts.withDefaults()
	cfg.Restart = cfg.Restart.withDefaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Language == nil {
		cfg.Language = func() string { return "en" }
	}
	if cfg.Settings == nil {
		cfg.Settings = func(string) (bool, json.RawMessage) { return true, json.RawMessage("{}") }
	}
	if cfg.PluginLogLevel == "" {
		cfg.PluginLogLevel = "info"
	}
	m := &Manager{
		cfg: cfg, log: cfg.Logger,
		bus:       NewBus(cfg.Logger.With("component", "bus"), cfg.QueueSize, cfg.Timeouts.Event),
		instances: map[string]*instance{},
		watchStop: make(chan struct{}),
		conf:      newConfiner(cfg.Confine),
	}
	m.logLevel.Store(cfg.PluginLogLevel)
	return m, nil
}

// SetPluginLogLevel sets the log level ("debug", "info", ...) plugins get
// from their next start; running plugins keep theirs.
func (m *Manager) SetPluginLogLevel(level string) { m.logLevel.Store(level) }

func (m *Manager) pluginLogLevel() string { return m.logLevel.Load().(string) }

// Bus returns the event bus, for host components that publish events.
func (m *Manager) Bus() *Bus { return m.bus }

// SetMessenger sets the Discord outbox plugins' messages go through.
func (m *Manager) SetMessenger(ms Messenger) {
	m.mu.Lock()
	m.msgr = ms
	m.mu.Unlock()
}

func (m *Manager) messenger() Messenger {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.msgr
}

// OnChange registers fn to be called (in its own goroutine) whenever a
// plugin's state or the set of running manifests changes, e.g. to resync
// Discord commands.
func (m *Manager) OnChange(fn func()) {
	m.listenMu.Lock()
	m.listeners = append(m.listeners, fn)
	m.listenMu.Unlock()
}

func (m *Manager) changed() {
	m.listenMu.Lock()
	ls := append([]func(){}, m.listeners...)
	m.listenMu.Unlock()
	for _, fn := range ls {
		go fn()
	}
}

// Start discovers plugins and starts every enabled one, then watches
// PluginsDir (see Config.WatchInterval and Rescan) until Stop. It returns
// without waiting for them to run; plugins that cannot be used show as
// failed with their error. Use WaitSettled to wait.
func (m *Manager) Start(ctx context.Context) {
	var descs []Descriptor
	for _, b := range m.cfg.Bundled {
		descs = append(descs, Descriptor{
			ID: b.ID, Name: b.Name, Version: b.Version, ProtocolVersion: sdk.ProtocolVersion,
			Path: b.Path, Args: b.Args, Bundled: true,
		})
	}
	var bad map[string]error
	if m.cfg.PluginsDir != "" {
		var ext []Descriptor
		ext, bad = Discover(m.cfg.PluginsDir)
		descs = append(descs, ext...)
	}
	m.mu.Lock()
	for dir, err := range bad {
		id := "invalid:" + dir
		inst := m.newFailedInstance(Descriptor{ID: id, Name: dir}, err)
		m.instances[id] = inst
		m.order = append(m.order, id)
		m.log.Error("plugin cannot be used", "plugin_dir", dir, "error", err)
	}
	for _, d := range descs {
		if prev, dup := m.instances[d.ID]; dup {
			where := d.Dir
			if where == "" {
				where = "bundled"
			}
			inst := m.newFailedInstance(d, fmt.Errorf("duplicate plugin id %q (in %s): already used by %s", d.ID, where, prev.where()))
			// The key shows in public status pages: the directory's name,
			// not its path.
			key := "duplicate:" + d.ID + ":" + filepath.Base(where)
			inst.id = key
			m.instances[key] = inst
			m.order = append(m.order, key)
			m.log.Error("duplicate plugin id", "plugin", d.ID, "in", where, "used_by", prev.where())
			continue
		}
		m.instances[d.ID] = m.newInstance(d)
		m.order = append(m.order, d.ID)
	}
	insts := m.ordered()
	m.mu.Unlock()
	for _, inst := range insts {
		if inst.state() == StateFailed {
			continue
		}
		if enabled, _ := m.cfg.Settings(inst.id); !enabled {
			inst.setState(StateDisabled, nil)
			continue
		}
		inst.launch()
	}
	m.changed()
	if m.cfg.PluginsDir != "" && m.cfg.WatchInterval >= 0 {
		interval := m.cfg.WatchInterval
		if interval == 0 {
			interval = defaultWatchInterval
		}
		go m.watchDir(interval, m.watchStop)
	}
}

func (m *Manager) ordered() []*instance {
	out := make([]*instance, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, m.instances[id])
	}
	return out
}

func (m *Manager) get(id string) (*instance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inst, ok := m.instances[id]
	if !ok {
		return nil, fmt.Errorf("plugin %q: %w", id, sdk.ErrNotFound)
	}
	return inst, nil
}

// Stop stops every plugin (cooperative Stop, then kill of its process group)
// and waits for them, at most until ctx ends.
func (m *Manager) Stop(ctx context.Context) {
	m.mu.Lock()
	if !m.closed {
		close(m.watchStop)
	}
	m.closed = true
	m.mu.Unlock()
	// Under rescanMu: a Rescan under way has launched what it will, and
	// none starts anything after this (it sees closed).
	m.rescanMu.Lock()
	m.mu.Lock()
	insts := m.ordered()
	m.mu.Unlock()
	m.rescanMu.Unlock()
	var wg sync.WaitGroup
	for _, inst := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst.stop(ctx, StateStopped)
		}()
	}
	wg.Wait()
}

// Restart stops plugin id if it runs and starts it again, clearing its
// crash history: the admin's way out of failed, without restarting the
// host (the web UI's plugin manager calls it; so does toggling
// plugins.<id>.enabled off and on in the config). It first reads
// PluginsDir again, so a fixed or replaced install is what starts. It
// returns when the start has begun; Status tells how it went. It starts a
// plugin even when the config disables it.
func (m *Manager) Restart(ctx context.Context, id string) error {
	m.Rescan(ctx)
	inst, err := m.get(id)
	if err != nil {
		return err
	}
	if inst.desc.Path == "" {
		return fmt.Errorf("restart plugin %s: %w", id, inst.lastError())
	}
	inst.stop(ctx, StateStopped)
	inst.resetCrashes()
	inst.launch()
	return nil
}

// Enable starts a disabled, stopped or failed plugin (as Restart does)
// until the host stops. It does not change the config: a plugin the
// config disables is disabled again at the host's next start.
func (m *Manager) Enable(ctx context.Context, id string) error { return m.Restart(ctx, id) }

// Disable stops plugin id (cooperative Stop, then kill) and marks it
// disabled until Enable, Restart or a config change starts it. It does not
// change the config.
func (m *Manager) Disable(ctx context.Context, id string) error {
	inst, err := m.get(id)
	if err != nil {
		return err
	}
	inst.stop(ctx, StateDisabled)
	return nil
}

// Reconfigure applies changed settings: it stops plugins that were
// disabled, starts ones that were enabled, and calls Configure on running
// plugins whose settings changed. A plugin that failed on its settings is
// started again with the new ones.
func (m *Manager) Reconfigure(ctx context.Context) {
	m.mu.Lock()
	insts := m.ordered()
	m.mu.Unlock()
	for _, inst := range insts {
		if inst.desc.Path == "" {
			continue
		}
		enabled, settings := m.cfg.Settings(inst.id)
		st := inst.state()
		switch {
		case !enabled && st != StateDisabled:
			inst.stop(ctx, StateDisabled)
		case enabled && (st == StateDisabled || (st == StateFailed && inst.settingsChanged(settings))):
			inst.resetCrashes()
			inst.launch()
		case enabled && (st == StateRunning || st == StateDegraded) && inst.settingsChanged(settings):
			if err := inst.configure(ctx, settings); errors.Is(err, context.DeadlineExceeded) {
				inst.log.Error("plugin did not answer Configure in time; it may still run with the old settings", "error", err)
				inst.suspect()
			} else if err != nil {
				inst.log.Error("new settings rejected; keeping the old ones", "error", err)
			}
		}
	}
}

// Status describes one plugin for the UI, the API and /healthz.
type Status struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	State     State  `json:"state"`
	Restarts  int    `json:"restarts"`
	LastError string `json:"last_error,omitempty"` // LastError is the current error: empty once the plugin runs again.
	// PreviousError is the error the plugin last recovered from (a crash,
	// a watchdog kill), kept for admins after LastError was cleared.
	PreviousError string    `json:"previous_error,omitempty"`
	Health        string    `json:"health,omitempty"`
	PID           int       `json:"pid,omitempty"`
	Bundled       bool      `json:"bundled"`
	Since         time.Time `json:"since"`
	// MemoryLimit is the memory limit of the plugin's last start, in bytes.
	MemoryLimit int64 `json:"memory_limit,omitempty"`
	// RSS and PSS are the plugin's memory (its process and descendants)
	// at the memory watchdog's last reading, in bytes; PSS is 0 when the
	// host may not read it.
	RSS int64 `json:"rss,omitempty"`
	PSS int64 `json:"pss,omitempty"`
	// OverMemoryLimit: the plugin was last stopped for going over its
	// memory limit.
	OverMemoryLimit bool `json:"over_memory_limit,omitempty"`
}

// Statuses returns every known plugin's status, in start order.
func (m *Manager) Statuses() []Status {
	m.mu.Lock()
	insts := m.ordered()
	m.mu.Unlock()
	out := make([]Status, 0, len(insts))
	for _, inst := range insts {
		out = append(out, inst.status())
	}
	return out
}

// Status returns one plugin's status.
func (m *Manager) Status(id string) (Status, error) {
	inst, err := m.get(id)
	if err != nil {
		return Status{}, err
	}
	return inst.status(), nil
}

// Manifests returns the manifests of the running plugins, by id.
func (m *Manager) Manifests() map[string]grpcplugin.Manifest {
	m.mu.Lock()
	insts := m.ordered()
	m.mu.Unlock()
	out := map[string]grpcplugin.Manifest{}
	for _, inst := range insts {
		if mf, ok := inst.activeManifest(); ok {
			out[inst.id] = mf
		}
	}
	return out
}

// claim checks a starting plugin's manifest against the plugins already
// active and, if nothing conflicts, makes its commands, component prefix
// and actions routable. The check and the claim are atomic, so of two
// conflicting plugins the one that claims second is refused.
func (m *Manager) claim(inst *instance, mf grpcplugin.Manifest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var problems []string
	for _, other := range m.ordered() {
		if other == inst {
			continue
		}
		om, ok := other.claimedManifest()
		if !ok {
			continue
		}
		for _, c := range mf.Commands {
			for _, oc := range om.Commands {
				if c.Name == oc.Name {
					problems = append(problems, fmt.Sprintf("command /%s is already registered by plugin %s", c.Name, other.id))
				}
			}
		}
		if mf.ComponentPrefix == om.ComponentPrefix {
			problems = append(problems, fmt.Sprintf("component prefix %q is already used by plugin %s", mf.ComponentPrefix, other.id))
		}
		for _, a := range mf.Provides {
			for _, oa := range om.Provides {
				if a == oa {
					problems = append(problems, fmt.Sprintf("action %s is already provided by plugin %s", a, other.id))
				}
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("plugin %s conflicts with installed plugins: %s", inst.id, strings.Join(problems, "; "))
	}
	inst.setClaim(&mf)
	return nil
}

// waitEarlier waits, at most the start timeout, until every plugin before
// inst in discovery order has made its first start attempt, so that claims
// are granted in a fixed order whatever the processes' start speed.
func (m *Manager) waitEarlier(inst *instance) {
	m.mu.Lock()
	var earlier []*instance
	for _, o := range m.ordered() {
		if o == inst {
			break
		}
		earlier = append(earlier, o)
	}
	m.mu.Unlock()
	limit := time.After(m.cfg.Timeouts.Start + m.cfg.Timeouts.Setup)
	for _, o := range earlier {
		if o.state() != StateStarting {
			continue
		}
		select {
		case <-o.tried:
		case <-limit:
			return
		}
	}
}

// CommandOwner returns the id of the running plugin owning a command.
func (m *Manager) CommandOwner(name string) (string, bool) {
	for id, mf := range m.Manifests() {
		for _, c := range mf.Commands {
			if c.Name == name {
				return id, true
			}
		}
	}
	return "", false
}

// ComponentOwner returns the id of the running plugin whose component
// prefix starts customID ("prefix:...").
func (m *Manager) ComponentOwner(customID string) (string, bool) {
	prefix, _, ok := strings.Cut(customID, ":")
	if !ok {
		return "", false
	}
	for id, mf := range m.Manifests() {
		if mf.ComponentPrefix == prefix {
			return id, true
		}
	}
	return "", false
}

// client returns a running plugin's client.
func (m *Manager) client(id string) (*instance, *grpcplugin.Client, error) {
	inst, err := m.get(id)
	if err != nil {
		return nil, nil, err
	}
	c := inst.rpcClient()
	if c == nil {
		return inst, nil, fmt.Errorf("plugin %s is %s: %w", id, inst.state(), sdk.ErrUnavailable)
	}
	return inst, c, nil
}

// call runs fn against a running plugin with the call deadline (unless ctx
// has an earlier one). A call that times out makes the watchdog check the
// plugin right away.
func call[T any](ctx context.Context, m *Manager, id string, fn func(context.Context, *grpcplugin.Client) (T, error)) (T, error) {
	var zero T
	inst, c, err := m.client(id)
	if err != nil {
		return zero, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeouts.Call)
	defer cancel()
	out, err := fn(ctx, c)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			inst.suspect()
			return zero, fmt.Errorf("plugin %s did not answer in time: %w", id, sdk.ErrTimeout)
		}
		return zero, fmt.Errorf("plugin %s: %w", id, err)
	}
	return out, nil
}

// HandleCommand sends a slash command to plugin id.
func (m *Manager) HandleCommand(ctx context.Context, id string, req *sdk.CommandRequest) (*sdk.Response, error) {
	m.routed.record(id, req.Interaction)
	return call(ctx, m, id, func(ctx context.Context, c *grpcplugin.Client) (*sdk.Response, error) {
		return c.HandleCommand(ctx, req)
	})
}

// HandleAutocomplete asks plugin id for choices.
func (m *Manager) HandleAutocomplete(ctx context.Context, id string, req *sdk.CommandRequest) ([]sdk.Choice, error) {
	m.routed.record(id, req.Interaction)
	return call(ctx, m, id, func(ctx context.Context, c *grpcplugin.Client) ([]sdk.Choice, error) {
		return c.HandleAutocomplete(ctx, req)
	})
}

// HandleComponent sends a component interaction to plugin id.
func (m *Manager) HandleComponent(ctx context.Context, id string, req *sdk.ComponentRequest) (*sdk.Response, error) {
	m.routed.record(id, req.Interaction)
	return call(ctx, m, id, func(ctx context.Context, c *grpcplugin.Client) (*sdk.Response, error) {
		return c.HandleComponent(ctx, req)
	})
}

// HandleModal sends a modal submit to plugin id.
func (m *Manager) HandleModal(ctx context.Context, id string, req *sdk.ModalRequest) (*sdk.Response, error) {
	m.routed.record(id, req.Interaction)
	return call(ctx, m, id, func(ctx context.Context, c *grpcplugin.Client) (*sdk.Response, error) { return c.HandleModal(ctx, req) })
}

// HandleHTTP sends a web request to plugin id.
func (m *Manager) HandleHTTP(ctx context.Context, id string, req *grpcplugin.HTTPRequest) (*grpcplugin.HTTPResponse, error) {
	return call(ctx, m, id, func(ctx context.Context, c *grpcplugin.Client) (*grpcplugin.HTTPResponse, error) {
		return c.HandleHTTP(ctx, req)
	})
}

// Invoke routes an action call from caller ("host" or a plugin id) to the
// running plugin that provides it. A plugin may call only the actions its
// manifest lists in calls (exactly or as "prefix.*"). in, if not nil, must
// be the host's own record of an interaction (plugins' calls go through
// their Host API, which looks it up); the provider may then use it in its
// Host calls too. The call carries the caller's granted level
// (Config.CallerLevel).
func (m *Manager) Invoke(ctx context.Context, caller, action string, args json.RawMessage, in *sdk.Interaction) (json.RawMessage, error) {
	if caller != "host" {
		cm, ok := m.Manifests()[caller]
		if !ok {
			return nil, fmt.Errorf("invoke %s: caller %s is not running: %w", action, caller, sdk.ErrPermission)
		}
		allowed := false
		for _, c := range cm.Calls {
			if topic.Match(c, action) {
				allowed = true
			}
		}
		if !allowed {
			return nil, fmt.Errorf("plugin %s may not call %s: its manifest does not list it in calls: %w", caller, action, sdk.ErrPermission)
		}
	}
	provider := ""
	m.mu.Lock()
	for _, inst := range m.ordered() {
		if mf, ok := inst.claimedManifest(); ok {
			for _, a := range mf.Provides {
				if a == action {
					provider = inst.id
				}
			}
		}
	}
	m.mu.Unlock()
	if provider == "" {
		return nil, fmt.Errorf("invoke %s: no running plugin provides it: %w", action, sdk.ErrNotFound)
	}
	req := &sdk.InvokeRequest{Action: action, Args: args, Caller: caller, Interaction: in, CallerLevel: m.callerLevel(caller, provider)}
	switch {
	case in != nil && caller == "host":
		// The host's own interaction (a web UI user's action): the host
		// vouches for it, so the provider's audit entries carry its user.
		m.routed.record(provider, *in)
	case in != nil:
		m.routed.bind(in.ID, provider)
	}
	return call(ctx, m, provider, func(ctx context.Context, c *grpcplugin.Client) (json.RawMessage, error) {
		return c.Invoke(ctx, req)
	})
}

// WaitSettled waits until no plugin is starting or restarting, or ctx ends.
func (m *Manager) WaitSettled(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		settled := true
		for _, st := range m.Statuses() {
			if st.State == StateStarting || st.State == StateRestarting {
				settled = false
			}
		}
		if settled {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for plugins to settle: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// callerLevel is the level caller is granted on target's actions.
func (m *Manager) callerLevel(caller, target string) sdk.Level {
	switch {
	case caller == "host":
		return sdk.LevelAdmin
	case m.cfg.CallerLevel == nil:
		return sdk.LevelView
	}
	return max(m.cfg.CallerLevel(caller, target), sdk.LevelView)
}

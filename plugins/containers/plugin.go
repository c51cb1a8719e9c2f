package containers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
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
	fallback string      // host of endpoints configured without one
	retry    retryPolicy // how endpoints reconnect
	run      string      // id of this run, for api.Stamp
	tries    tries       // wrong protected info passwords, per user

	// pubMu orders publishing: events get their Seq and reach the host in
	// the same order.
	pubMu sync.Mutex
	seq   atomic.Uint64 // seq is the Seq of the last event published.
}

// New returns the containers plugin. It has no side effects; it reads
// DOCKER_HOST for the default endpoint.
func New() *Plugin {
	fallback := defaultHost(os.Getenv)
	cfg, _ := parseSettings(nil, fallback)
	return &Plugin{cfg: cfg, eps: map[string]*endpoint{}, log: slog.New(slog.DiscardHandler), fallback: fallback, retry: defaultRetry()}
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

// Info describes the plugin. It does not depend on settings.
func (p *Plugin) Info() sdk.Info {
	return sdk.Info{
		ID: api.PluginID, Name: "Containers", Version: "0.1.0",
		Description:     "Shows and controls Docker containers: status, start, stop, restart, logs and stats.",
		Commands:        commands(),
		ComponentPrefix: api.PluginID,
		Components: []sdk.ComponentKind{
			{Kind: "logs", Level: sdk.LevelView},  // the logs refresh button
			{Kind: "pinfo", Level: sdk.LevelView}, // the protected info button
			{Kind: "pwd", Level: sdk.LevelView},   // its password form
		},
		Provides:       api.Actions(),
		SettingsSchema: spec().Schema(),
		Capabilities:   []string{"docker"},
	}
}

// SetHost keeps the host and logs through it.
func (p *Plugin) SetHost(host sdk.Host) {
	p.host, p.log = host, host.Logger()
}

// Configure checks and applies settings. While running, changed endpoints
// are reconnected, the rest applies at once, and a SettingsEvent tells
// subscribers to list again.
func (p *Plugin) Configure(ctx context.Context, settings json.RawMessage) error {
	cfg, err := parseSettings(settings, p.fallback)
	if err != nil {
		return err
	}
	// Holding pubMu, no event is made between the change and the
	// SettingsEvent that announces it.
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	p.mu.Lock()
	started := p.started
	if started {
		if err := p.reconcileLocked(ctx, cfg); err != nil {
			p.mu.Unlock()
			return err
		}
	}
	p.cfg = cfg
	p.mu.Unlock()
	if started {
		p.settingsChangedLocked(ctx)
	}
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
	p.run = strconv.FormatInt(time.Now().UnixNano(), 36)
	p.seq.Store(0)
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

// CheckHealth returns an error naming every unreachable endpoint: since
// when, how often it was tried, when it is tried next, and why it failed.
func (p *Plugin) CheckHealth(context.Context) error {
	p.mu.Lock()
	started := p.started
	eps := p.endpointsLocked()
	p.mu.Unlock()
	if !started {
		return errors.New("containers plugin not started")
	}
	var bad []string
	now := time.Now()
	for _, e := range eps {
		if st := e.status(); !st.reachable {
			bad = append(bad, e.describe(st, now))
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
		e, err := newEndpoint(spec, cfg.maxActions, p.retry, p.log, p)
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

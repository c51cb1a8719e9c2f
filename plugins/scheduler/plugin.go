package scheduler

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
	"github.com/ddc-go/ddc/sdk/settings"
)

// The plugin's texts, one file per language in locales/.
//
//go:embed locales
var locales embed.FS

// The settings' schema and the catalog are built on first use: the
// scheduler is compiled into the ddc executable, whose every process
// would otherwise build them at start.
var (
	settingsSpec = sync.OnceValue(func() *settings.Spec[Settings] { return settings.MustNew(defaultSettings()) })
	catalog      = sync.OnceValue(func() *i18n.Catalog { return i18n.MustLoad(locales, "locales") })
)

// Catalog returns the plugin's texts, for tests.
func Catalog() *i18n.Catalog { return catalog() }

// Config configures New. The zero value is the production plugin.
type Config struct {
	// Clock is the time source; nil means the real clock.
	Clock Clock
}

// Plugin is the scheduler plugin. New returns it ready to configure; it
// reads its tasks in Start. Its methods are safe for concurrent use.
type Plugin struct {
	// host and log are set by SetHost, before any other call, and never
	// change: they need no lock.
	host  sdk.Host
	log   *slog.Logger
	clock Clock
	envTZ string // the TZ environment variable at New
	zones zones

	mu       sync.Mutex
	set      Settings
	tz       string // default time zone of new tasks
	lang     string // the host's default language
	tasks    map[string]*entry
	bad      []badRecord // stored values that are not records
	loadErr  error       // why the last attempt to read the tasks failed
	loaded   chan struct{}
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	started  bool
	stopping bool
	queue    []job // runs waiting for a worker
	workers  int   // running workers
	wg       sync.WaitGroup
	// changes counts the changes the loop must look at (every poke);
	// waitGen is the count the loop had seen when it last went to sleep.
	// They are equal when the loop's sleep accounts for every change (see
	// Settled).
	changes, waitGen int

	// saveMu orders the read-modify-write of task records and the
	// in-memory change that follows each one.
	saveMu sync.Mutex
}

// entry is a task in memory: its record (without history, which stays in
// the KV), its compiled schedule and what the engine computed.
type entry struct {
	rec     api.Record
	sched   *schedule // nil when broken
	broken  string    // why the task cannot be scheduled
	next    time.Time // next run; zero when paused, done or broken
	last    *api.Run  // newest history entry
	running bool      // a run is queued or running
}

// New returns the scheduler plugin. It has no side effects; it reads the
// TZ environment variable for the default time zone.
func New(cfg Config) *Plugin {
	clock := cfg.Clock
	if clock == nil {
		clock = wallClock{}
	}
	return &Plugin{
		clock: clock, envTZ: strings.TrimPrefix(os.Getenv("TZ"), ":"), log: slog.New(slog.DiscardHandler),
		set: defaultSettings(), tz: "UTC", lang: i18n.English,
		tasks: map[string]*entry{}, loaded: make(chan struct{}), wake: make(chan struct{}, 1), waitGen: -1,
	}
}

var (
	_ sdk.Plugin              = (*Plugin)(nil)
	_ sdk.HostSetter          = (*Plugin)(nil)
	_ sdk.Configurer          = (*Plugin)(nil)
	_ sdk.Starter             = (*Plugin)(nil)
	_ sdk.Stopper             = (*Plugin)(nil)
	_ sdk.CommandHandler      = (*Plugin)(nil)
	_ sdk.AutocompleteHandler = (*Plugin)(nil)
	_ sdk.ActionHandler       = (*Plugin)(nil)
	_ sdk.HealthChecker       = (*Plugin)(nil)
	_ sdk.HTTPHandler         = (*Plugin)(nil)
)

// Info describes the plugin. It does not depend on settings.
func (p *Plugin) Info() sdk.Info {
	return sdk.Info{
		ID: api.PluginID, Name: "Scheduler", Version: "0.1.0",
		Description:     "Starts, stops and restarts containers on a schedule: once, daily, weekly, monthly, yearly or cron, in any time zone.",
		Commands:        commands(),
		ComponentPrefix: api.PluginID,
		Provides:        api.Actions(),
		Calls:           []string{capi.ActionList, capi.ActionStart, capi.ActionStop, capi.ActionRestart},
		SettingsSchema:  settingsSpec().Schema(),
		Pages:           []sdk.Page{{Path: "", Title: "Scheduled tasks"}},
	}
}

// SetHost keeps the host and logs through it.
func (p *Plugin) SetHost(host sdk.Host) { p.host, p.log = host, host.Logger() }

// Configure checks and applies the settings; a running scheduler uses
// them from its next step on. The default time zone must exist.
func (p *Plugin) Configure(ctx context.Context, raw json.RawMessage) error {
	s, err := settingsSpec().Decode(raw)
	if err != nil {
		return fmt.Errorf("scheduler settings: %w", err)
	}
	tz := s.Timezone
	if tz == "" {
		tz = "UTC"
		if _, name, err := p.zones.load(p.envTZ); err == nil {
			tz = name
		}
	}
	_, tz, err = p.zones.load(tz)
	if err != nil {
		return fmt.Errorf("scheduler settings: settings.timezone: %w: %w", err, sdk.ErrInvalid)
	}
	p.mu.Lock()
	p.set, p.tz = s, tz
	if lang := sdk.DefaultLocale(ctx); lang != "" {
		p.lang = lang
	}
	p.mu.Unlock()
	p.poke()
	return nil
}

// Start reads the tasks and begins running them, in the background: it
// returns at once. Handlers wait for the tasks to be read.
func (p *Plugin) Start(context.Context, sdk.Host) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return nil
	}
	p.started = true
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.run(p.stop, p.done)
	return nil
}

// Stop ends the schedule loop and waits (until ctx ends) for running
// runs; runs still waiting for their turn are recorded as skipped.
func (p *Plugin) Stop(ctx context.Context) error {
	p.mu.Lock()
	if !p.started || p.stopping {
		p.mu.Unlock()
		return nil
	}
	p.stopping = true
	close(p.stop)
	done := p.done
	dropped := p.queue
	p.queue = nil
	p.mu.Unlock()
	for _, j := range dropped {
		p.finish(ctx, j, api.Run{Due: j.due, Result: api.ResultSkipped, Error: "DDC stopped before it ran"})
	}
	waited := make(chan struct{})
	go func() {
		<-done
		p.wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop scheduler: runs still going: %w", ctx.Err())
	}
}

// CheckHealth reports the plugin degraded while its tasks cannot be read,
// and names stored tasks it cannot schedule.
func (p *Plugin) CheckHealth(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.loadErr != nil {
		return fmt.Errorf("cannot read the tasks: %w", p.loadErr)
	}
	var broken []string
	for id, e := range p.tasks {
		if e.broken != "" {
			broken = append(broken, id+": "+e.broken)
		}
	}
	for _, b := range p.bad {
		broken = append(broken, b.key+": "+b.err.Error())
	}
	if len(broken) > 0 {
		return fmt.Errorf("%d stored tasks cannot be scheduled: %s", len(broken), strings.Join(broken, "; "))
	}
	return nil
}

// Settled reports whether the schedule loop sleeps with every change to
// the tasks taken into account and no run is waiting or going. Tests that
// drive a fake Clock wait for it before they move the clock on.
func (p *Plugin) Settled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitGen == p.changes && p.workers == 0 && len(p.queue) == 0
}

// Load reports how many runs are going and how many wait for their turn.
func (p *Plugin) Load() (running, waiting int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.workers, len(p.queue)
}

// settings returns the current settings, default zone and language.
func (p *Plugin) settings() (Settings, string, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.set, p.tz, p.lang
}

// poke wakes the schedule loop to look at the tasks again.
func (p *Plugin) poke() {
	p.mu.Lock()
	p.changes++
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// waitLoaded waits until the tasks have been read.
func (p *Plugin) waitLoaded(ctx context.Context) error {
	select {
	case <-p.loaded:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		err := p.loadErr
		p.mu.Unlock()
		if err != nil {
			return fmt.Errorf("the scheduler cannot read its tasks (%v): %w", err, sdk.ErrUnavailable)
		}
		return fmt.Errorf("the scheduler is still reading its tasks: %w", errors.Join(ctx.Err(), sdk.ErrUnavailable))
	}
}

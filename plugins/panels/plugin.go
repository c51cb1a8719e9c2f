package panels

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
	"github.com/ddc-go/ddc/sdk/settings"
)

// PluginID is the plugin's id and component prefix.
const PluginID = "panels"

// The plugin's texts, one file per language in locales/.
//
//go:embed locales
var locales embed.FS

// The settings' schema and the catalog are built on first use: the plugin
// is compiled into the ddc executable, whose every process would otherwise
// build them at start.
var (
	settingsSpec = sync.OnceValue(func() *settings.Spec[Settings] { return settings.MustNew(defaultSettings()) })
	catalog      = sync.OnceValue(func() *i18n.Catalog { return i18n.MustLoad(locales, "locales") })
)

// Catalog returns the plugin's texts, for tests.
func Catalog() *i18n.Catalog { return catalog() }

// Plugin is the panels plugin. Its methods are safe for concurrent use.
type Plugin struct {
	// host and log are set by SetHost, before any other call.
	host sdk.Host
	log  *slog.Logger

	listKick  chan struct{} // buffered 1: list the containers again
	statsKick chan struct{} // buffered 1: sample stats now

	mu        sync.Mutex
	set       Settings
	lang      string
	tracker   api.Tracker
	listed    bool                       // the tracker was reset at least once
	stats     map[string]api.StatsResult // by container reference
	overviews map[string]*overview       // by channel id
	bulks     map[string]*progress       // running Restart All / Stop All, by tag
	started   bool
	quit      chan struct{}
	wg        sync.WaitGroup
}

// New returns the panels plugin, ready to configure.
func New() *Plugin {
	return &Plugin{
		log: slog.New(slog.DiscardHandler), set: defaultSettings(), lang: i18n.English,
		listKick: make(chan struct{}, 1), statsKick: make(chan struct{}, 1),
		stats: map[string]api.StatsResult{}, overviews: map[string]*overview{}, bulks: map[string]*progress{},
	}
}

var (
	_ sdk.Plugin           = (*Plugin)(nil)
	_ sdk.HostSetter       = (*Plugin)(nil)
	_ sdk.Configurer       = (*Plugin)(nil)
	_ sdk.Starter          = (*Plugin)(nil)
	_ sdk.Stopper          = (*Plugin)(nil)
	_ sdk.CommandHandler   = (*Plugin)(nil)
	_ sdk.ComponentHandler = (*Plugin)(nil)
	_ sdk.ModalHandler     = (*Plugin)(nil)
	_ sdk.EventHandler     = (*Plugin)(nil)
)

// Info describes the plugin. It does not depend on settings.
func (p *Plugin) Info() sdk.Info {
	return sdk.Info{
		ID: PluginID, Name: "Status panels", Version: "0.1.0",
		Description:     "Live server and admin overviews of the containers in Discord, with control panels, Restart All and logs.",
		Commands:        commands(),
		ComponentPrefix: PluginID,
		Components:      componentKinds(),
		Subscribes:      []string{api.TopicAll, sdk.TopicDiscordMessage},
		Intents:         sdk.IntentGuildMessages, // for recreate_after: who wrote below an overview, never what
		Calls:           api.Actions(),
		SettingsSchema:  settingsSpec().Schema(),
	}
}

// componentKinds declares every custom id kind the plugin uses, with the
// level a user needs for it. The host refuses the others.
func componentKinds() []sdk.ComponentKind {
	return []sdk.ComponentKind{
		{Kind: "toggle", Level: sdk.LevelView},     // collapse or expand a server overview
		{Kind: "info", Level: sdk.LevelView},       // the info select of a server overview
		{Kind: "infob", Level: sdk.LevelView},      // the info button of a control panel
		{Kind: "pinfo", Level: sdk.LevelView},      // the protected info button of the info view
		{Kind: "pwd", Level: sdk.LevelView},        // its password form (the password is the gate)
		{Kind: "pick", Level: sdk.LevelControl},    // the container picker of the admin overview
		{Kind: "do", Level: sdk.LevelControl},      // start, stop, restart in a control panel
		{Kind: "logs", Level: sdk.LevelControl},    // logs and their refresh in a control panel
		{Kind: "live", Level: sdk.LevelControl},    // live logs
		{Kind: "all", Level: sdk.LevelControl},     // Restart All, Stop All
		{Kind: "confirm", Level: sdk.LevelControl}, // their confirmation
		{Kind: "cancel", Level: sdk.LevelControl},  // and its cancel button
	}
}

// SetHost keeps the host and logs through it.
func (p *Plugin) SetHost(host sdk.Host) { p.host, p.log = host, host.Logger() }

// Configure checks and applies the settings.
func (p *Plugin) Configure(ctx context.Context, raw json.RawMessage) error {
	s, err := settingsSpec().Decode(raw)
	if err != nil {
		return fmt.Errorf("panels settings: %w", err)
	}
	p.mu.Lock()
	p.set = s
	if lang := sdk.DefaultLocale(ctx); lang != "" {
		p.lang = lang
	}
	for _, o := range p.overviews {
		p.armRecreateLocked(o)
		o.wake()
	}
	p.mu.Unlock()
	return nil
}

// Start reads the stored overviews and begins following the containers,
// in the background: it returns at once.
func (p *Plugin) Start(context.Context, sdk.Host) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return nil
	}
	p.started, p.quit = true, make(chan struct{})
	p.wg.Add(2)
	go p.lister(p.quit)
	go p.sampler(p.quit)
	p.wg.Go(p.restore)
	return nil
}

// Stop ends the workers and waits for them (until ctx ends).
func (p *Plugin) Stop(ctx context.Context) error {
	p.mu.Lock()
	if !p.started {
		p.mu.Unlock()
		return nil
	}
	p.started = false
	close(p.quit)
	for _, o := range p.overviews {
		close(o.quit)
		p.armRecreateLocked(o) // stops the timer: not started any more
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop panels: %w", ctx.Err())
	}
}

// restore starts a worker for every stored overview, which edits its
// messages once the containers are listed, and posts the overviews of
// the channels set to post on start.
func (p *Plugin) restore() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	recs, err := p.loadAll(ctx)
	if err != nil {
		p.log.Error("read stored overviews; they will be posted anew", "error", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		return
	}
	for ch, rec := range recs {
		p.startOverviewLocked(ch, rec, false)
	}
	for _, c := range p.set.Channels {
		if !c.PostOnStart {
			continue
		}
		k := kindStatus
		if c.Control {
			k = kindControl
		}
		if o, ok := p.overviews[c.ID]; ok {
			o.rec.Kind = k
			continue
		}
		p.startOverviewLocked(c.ID, record{Kind: k, Collapsed: c.Collapsed}, false)
	}
	p.kickLocked(p.listKick)
}

// startOverviewLocked starts the worker of channel's overview, or makes
// the existing one show rec.Kind; repost posts it anew.
func (p *Plugin) startOverviewLocked(channel string, rec record, repost bool) *overview {
	o, ok := p.overviews[channel]
	if !ok {
		o = newOverview(channel, rec)
		p.overviews[channel] = o
		p.wg.Go(func() { p.work(o) })
	}
	o.rec.Kind = rec.Kind
	o.repost = o.repost || repost
	o.wake()
	return o
}

// kickLocked wakes a worker through its buffered channel.
func (p *Plugin) kickLocked(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// HandleEvent follows the containers (every change wakes the overviews)
// and the messages written below overviews (recreate_after).
func (p *Plugin) HandleEvent(_ context.Context, ev sdk.Event) error {
	if ev.Topic == sdk.TopicDiscordMessage {
		return p.messageEvent(ev)
	}
	if ev.Topic == api.TopicBulk {
		p.bulkEvent(ev.Payload)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	changed, err := p.tracker.Apply(ev.Topic, ev.Payload)
	if errors.Is(err, api.ErrStale) {
		p.kickLocked(p.listKick)
		return nil
	}
	if err != nil {
		return fmt.Errorf("apply %s event: %w", ev.Topic, err)
	}
	if changed {
		p.wakeAllLocked()
	}
	return nil
}

// wakeAllLocked wakes every overview.
func (p *Plugin) wakeAllLocked() {
	for _, o := range p.overviews {
		o.wake()
	}
}

// lister lists the containers whenever asked (at start and when the
// tracker is stale), retrying until it succeeds.
func (p *Plugin) lister(quit <-chan struct{}) {
	defer p.wg.Done()
	backoff := time.Second
	for {
		select {
		case <-quit:
			return
		case <-p.listKick:
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			l, err := api.List(ctx, p.host)
			cancel()
			if err == nil {
				p.mu.Lock()
				p.tracker.Reset(l)
				p.listed = true
				p.wakeAllLocked()
				p.mu.Unlock()
				p.kickLocked(p.statsKick)
				backoff = time.Second
				break
			}
			p.log.Warn("list containers", "error", err, "retry_in", backoff)
			select {
			case <-quit:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
		}
	}
}

// readySnapshot is a snapshot and whether the containers were listed.
type readySnapshot struct {
	snapshot
	ready bool
}

// snapshotLocked copies what the overviews show now.
func (p *Plugin) snapshotLocked() readySnapshot {
	return readySnapshot{
		snapshot: snapshot{
			containers: p.tracker.Containers(), stats: maps.Clone(p.stats),
			endpoints: p.tracker.Endpoints(), now: time.Now(),
		},
		ready: p.listed,
	}
}

// translator speaks the host's default language, for what every user of
// a channel sees. The caller holds p.mu.
func (p *Plugin) translator() i18n.Translator { return catalog().Lang(p.lang) }

// translatorNow is translator for callers that do not hold p.mu.
func (p *Plugin) translatorNow() i18n.Translator {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.translator()
}

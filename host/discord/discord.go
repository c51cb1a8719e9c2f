// Package discord is the host's Discord side: the one gateway session
// (discordgo, redirected per session to the configured API base URL), the
// command registry that keeps Discord's slash commands in line with the
// plugins' manifests, the interaction router with its permission and spam
// checks, and the messenger that carries plugins' messages through the
// rate-limit-aware outbox.
//
// Interactions are answered within Discord's 3 seconds: if the owning
// plugin has not answered after DeferAfter (1.5 s), the host defers and
// edits the original response when the answer comes. A plugin error or
// crash becomes a short ephemeral apology in the user's language.
//
// Components and modals need a permission level too. Their custom id is
// "prefix:kind:...", and each plugin declares its kinds with their levels
// (sdk.Info.Components); a click on an undeclared kind is refused (see
// host/policy, which decides every level). A plugin may post and edit
// only messages whose custom ids are under its own prefix, and every id a
// plugin gives (channel, message, interaction) must be a Discord snowflake
// before any request is made.
//
// A plugin's edit of a message that someone deleted fails with an error
// matching sdk.ErrNotFound (Host.Edit's documented contract), so the
// plugin can post a new one.
//
// It must never import host/pluginhost (it sees plugins through the Plugins
// interface it defines), host/web, gin or plugins/.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// Connection states, as shown in /healthz.
const (
	StateNoToken      = "no_token"      // StateNoToken: no bot token configured.
	StateConnecting   = "connecting"    // StateConnecting: connecting or reconnecting.
	StateConnected    = "connected"     // StateConnected: the gateway session is up.
	StateDisconnected = "disconnected"  // StateDisconnected: not connected (stopped, or a fatal close code).
	StateInvalidToken = "invalid_token" // StateInvalidToken: Discord rejected the token; no retries.
)

// ErrInvalidToken is returned by Run when Discord rejects the bot token.
var ErrInvalidToken = errors.New("discord rejected the bot token")

// Defaults used when the matching Config field is zero.
const (
	DefaultDeferAfter   = 1500 * time.Millisecond
	DefaultMinReconnect = time.Second
	DefaultMaxReconnect = 2 * time.Minute
	DefaultSyncDelay    = 300 * time.Millisecond
)

// restIdleConns is how many idle REST connections are kept to Discord.
const restIdleConns = 16

// Plugins is what the Discord side needs from the plugin host (the host
// package wires in *pluginhost.Manager).
type Plugins interface {
	// Manifests are the running plugins' manifests, by id: what may be
	// routed to now.
	Manifests() map[string]grpcplugin.Manifest
	// ActiveManifests adds the last manifest of plugins that are only
	// restarting: what Discord's command list shows.
	ActiveManifests() map[string]grpcplugin.Manifest
	CommandOwner(name string) (string, bool)
	ComponentOwner(customID string) (string, bool)
	HandleCommand(ctx context.Context, id string, req *sdk.CommandRequest) (*sdk.Response, error)
	HandleAutocomplete(ctx context.Context, id string, req *sdk.CommandRequest) ([]sdk.Choice, error)
	HandleComponent(ctx context.Context, id string, req *sdk.ComponentRequest) (*sdk.Response, error)
	HandleModal(ctx context.Context, id string, req *sdk.ModalRequest) (*sdk.Response, error)
	OnChange(fn func())
	WaitSettled(ctx context.Context) error
}

// Config configures a Bot. Token and Plugins are required.
type Config struct {
	// Token is the bot token, without "Bot ".
	Token string
	// APIURL is the Discord API base URL (default "https://discord.com").
	APIURL string
	// GuildIDs are the guilds whose commands are registered; none means
	// global commands.
	GuildIDs []string
	// Plugins owns commands and components.
	Plugins Plugins
	// Policy decides permission levels; nil allows view only. SetPolicy
	// replaces it.
	Policy *policy.Policy
	// Throttle enforces cooldowns and caps; nil means none. SetThrottle
	// replaces it.
	Throttle *policy.Throttle
	// Language is the configured default language ("en", "de", "fr") for
	// users whose Discord locale has no translation; "" means English.
	// Plugins get it in every interaction. SetLanguage replaces it.
	Language string
	// Logger for the Discord side; nil discards.
	Logger *slog.Logger
	// DeferAfter is how long a plugin may take before the host defers
	// (default 1.5 s).
	DeferAfter time.Duration
	// MinReconnect and MaxReconnect bound the reconnect backoff (1 s, 2 min).
	MinReconnect, MaxReconnect time.Duration
	// SyncDelay gathers plugin changes before commands are synced (300 ms).
	SyncDelay time.Duration
	// Transport carries HTTP requests below the API URL rewrite; nil means
	// a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Outbox tunes the outbox; BaseURL, Token and Client are set by the Bot.
	Outbox outbox.Config
	// Events receives the host's Discord events for plugins
	// (sdk.TopicDiscordMessage); nil drops them. The host wires in the
	// plugin bus.
	Events Publisher
}

// Bot is the host's Discord side. Create it with New, run it with Run. It
// carries plugins' messages (Send, Edit, Delete, Followup). Its methods are safe for concurrent use.
type Bot struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	out    *outbox.Outbox

	state    atomic.Value // string
	policy   atomic.Pointer[policy.Policy]
	throttle atomic.Pointer[policy.Throttle]
	language atomic.Pointer[string]
	appID    atomic.Value // string
	botID    atomic.Value // string: the bot user's id, from READY

	inter   *interactions
	trigger chan struct{}
	// reidentify asks Run for a new session (a fresh Identify) because the
	// plugins' intents are no longer those of the session.
	reidentify     chan struct{}
	sessionIntents atomic.Int64 // -1 while no session is open
	// session is the current discordgo session: events of a replaced one
	// (its late Disconnect) are ignored.
	session atomic.Pointer[discordgo.Session]
}

// New returns a bot for cfg; it connects nothing until Run.
func New(cfg Config) (*Bot, error) {
	if cfg.Token == "" {
		return nil, errors.New("discord: no bot token")
	}
	if cfg.Plugins == nil {
		return nil, errors.New("discord: no plugin manager")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://discord.com"
	}
	if cfg.DeferAfter <= 0 {
		cfg.DeferAfter = DefaultDeferAfter
	}
	if cfg.MinReconnect <= 0 {
		cfg.MinReconnect = DefaultMinReconnect
	}
	if cfg.MaxReconnect <= 0 {
		cfg.MaxReconnect = DefaultMaxReconnect
	}
	if cfg.SyncDelay <= 0 {
		cfg.SyncDelay = DefaultSyncDelay
	}
	next := cfg.Transport
	if next == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Every REST request goes to one host (Discord, or the API URL):
		// keep as many idle connections to it as requests run at once,
		// so that an interaction's answer never waits for a new
		// connection (and, to discord.com, its TLS handshake) because
		// overview edits held the default two.
		t.MaxIdleConnsPerHost = restIdleConns
		next = t
	}
	rt, err := newRewriteTransport(cfg.APIURL, next)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client := &http.Client{Transport: rt, Timeout: 30 * time.Second}
	ocfg := cfg.Outbox
	ocfg.BaseURL, ocfg.Token, ocfg.Client = cfg.APIURL, cfg.Token, client
	if ocfg.Logger == nil {
		ocfg.Logger = log.With("component", "outbox")
	}
	b := &Bot{
		cfg: cfg, log: log, client: client, out: outbox.New(ocfg),
		inter: newInteractions(), trigger: make(chan struct{}, 1),
		reidentify: make(chan struct{}, 1),
	}
	b.sessionIntents.Store(-1)
	b.state.Store(StateConnecting)
	b.appID.Store("")
	b.botID.Store("")
	if cfg.Policy == nil {
		cfg.Policy = policy.New(policy.Config{})
	}
	b.policy.Store(cfg.Policy)
	b.SetLanguage(cfg.Language)
	if cfg.Throttle != nil {
		b.throttle.Store(cfg.Throttle)
	}
	return b, nil
}

// State returns the connection state: connecting, connected, disconnected
// or invalid_token.
func (b *Bot) State() string { return b.state.Load().(string) }

func (b *Bot) setState(s string) { b.state.Store(s) }

// SetPolicy replaces the permission policy (on config changes).
func (b *Bot) SetPolicy(p *policy.Policy) { b.policy.Store(p) }

// SetThrottle replaces the spam protection (nil turns it off).
func (b *Bot) SetThrottle(t *policy.Throttle) { b.throttle.Store(t) }

// SetLanguage replaces the default language ("" means English).
func (b *Bot) SetLanguage(lang string) {
	if lang == "" {
		lang = i18n.English
	}
	b.language.Store(&lang)
}

// Stats returns the outbox's counters.
func (b *Bot) Stats() outbox.Stats { return b.out.Stats() }

// Resync asks for the commands to be compared with the plugins' again.
func (b *Bot) Resync() {
	select {
	case b.trigger <- struct{}{}:
	default:
	}
}

// intents is the union of the plugins' declared gateway intents.
func (b *Bot) intents() discordgo.Intent {
	var in int64
	for _, mf := range b.cfg.Plugins.Manifests() {
		in |= mf.Intents
	}
	return discordgo.Intent(in)
}

// Run connects to Discord and serves interactions until ctx ends. It
// returns ErrInvalidToken (with the state invalid_token) when Discord
// rejects the token, without retrying; other failures are retried with
// backoff. It returns nil when ctx ends.
func (b *Bot) Run(ctx context.Context) error {
	defer b.out.Close()
	b.setState(StateConnecting)
	me, err := b.checkToken(ctx)
	if err != nil {
		if errors.Is(err, ErrInvalidToken) {
			b.setState(StateInvalidToken)
			b.log.Error("discord rejected the bot token; not retrying: set a valid DISCORD_BOT_TOKEN and restart", "error", err)
			return err
		}
		b.setState(StateDisconnected)
		return nil // ctx ended
	}
	b.log.Info("discord token accepted", "bot", me)

	// Wait briefly for the plugins, so the first Identify carries their
	// intents.
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_ = b.cfg.Plugins.WaitSettled(wctx)
	cancel()

	disconnected := make(chan struct{}, 1)
	dg, err := b.newSession(ctx, disconnected)
	if err != nil {
		return err
	}
	b.cfg.Plugins.OnChange(b.Resync)
	go b.syncLoop(ctx)

	backoff := time.Duration(0)
	for {
		select {
		case <-disconnected: // drop a stale signal from a previous connection
		default:
		}
		if backoff > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				b.setState(StateDisconnected)
				return nil
			case <-t.C:
			}
		}
		b.setState(StateConnecting)
		err := dg.Open()
		if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			backoff = 0
			next, done, err := b.whileOpen(ctx, dg, disconnected)
			if done || err != nil {
				return err
			}
			dg = next
			continue
		}
		if err := b.fatalClose(err); err != nil {
			return err
		}
		if ctx.Err() != nil {
			b.setState(StateDisconnected)
			return nil
		}
		backoff = min(max(backoff*2, b.cfg.MinReconnect), b.cfg.MaxReconnect)
		b.log.Warn("discord connect failed; retrying", "error", err, "in", backoff)
	}
}

// whileOpen waits on the open session dg until ctx ends (done), the
// connection drops, or the plugins' intents change; it returns the session
// to open next (dg, or a new one with the new intents).
func (b *Bot) whileOpen(ctx context.Context, dg *discordgo.Session, disconnected chan struct{}) (next *discordgo.Session, done bool, err error) {
	select {
	case <-ctx.Done():
		_ = dg.Close()
		b.setState(StateDisconnected)
		st := b.out.Stats()
		b.log.Info("discord session closed", "requests", st.Requests, "rate_limited", st.Limited,
			"global_429", st.Global429, "coalesced_edits", st.Coalesced, "retries", st.Retries, "rejected", st.Rejected)
		return nil, true, nil
	case <-disconnected:
		return dg, false, nil
	case <-b.reidentify:
		if b.sessionIntents.Load() == int64(b.intents()) {
			return dg, false, nil // a stale request: this session has them
		}
		// Resuming would keep the old intents: close, and identify again
		// on a new session.
		b.log.Info("plugin intents changed; identifying again", "intents", int64(b.intents()))
		next, err := b.newSession(ctx, disconnected)
		_ = dg.Close() // its Disconnect is ignored: next is current
		if err != nil {
			return nil, true, err
		}
		return next, false, nil
	}
}

// fatalClose returns the error that ends Run when Discord closed the
// gateway for good (a rejected token, bad intents or version), else nil.
func (b *Bot) fatalClose(err error) error {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return nil
	}
	switch {
	case ce.Code == 4004:
		b.setState(StateInvalidToken)
		b.log.Error("discord rejected the bot token (close 4004); not retrying: set a valid DISCORD_BOT_TOKEN and restart")
		return fmt.Errorf("%w: gateway close 4004", ErrInvalidToken)
	case ce.Code >= 4010 && ce.Code <= 4014:
		b.setState(StateDisconnected)
		b.log.Error("discord closed the gateway for good; not retrying", "code", ce.Code, "reason", ce.Text)
		return fmt.Errorf("discord gateway closed with %d %s", ce.Code, ce.Text)
	}
	return nil
}

// newSession returns a discordgo session for this bot, not yet open, with
// the plugins' current intents and the bot's handlers. Disconnects are
// signalled on disconnected.
func (b *Bot) newSession(ctx context.Context, disconnected chan<- struct{}) (*discordgo.Session, error) {
	dg, err := discordgo.New("Bot " + b.cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	dg.Client = b.client
	dg.Dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	dg.ShouldReconnectOnError = false // Run reconnects, so a rejected token stops it
	dg.ShouldRetryOnRateLimit = false
	dg.MaxRestRetries = 0
	dg.StateEnabled = false
	dg.LogLevel = -1 // Run logs connection changes itself
	dg.Identify.Intents = b.intents()

	current := func(s *discordgo.Session) bool { return b.session.Load() == s }
	dg.AddHandler(func(s *discordgo.Session, r *discordgo.Ready) {
		if !current(s) {
			return
		}
		if r.User != nil {
			b.botID.Store(r.User.ID)
		}
		if r.Application != nil && r.Application.ID != "" {
			b.appID.Store(r.Application.ID)
		} else if r.User != nil {
			b.appID.Store(r.User.ID)
		}
		b.setState(StateConnected)
		b.log.Info("discord connected", "session", r.SessionID, "guilds", len(r.Guilds), "intents", int64(dg.Identify.Intents))
		b.Resync()
	})
	dg.AddHandler(func(s *discordgo.Session, _ *discordgo.Resumed) {
		if !current(s) {
			return
		}
		b.setState(StateConnected)
		b.log.Info("discord session resumed")
	})
	dg.AddHandler(func(s *discordgo.Session, _ *discordgo.Disconnect) {
		if !current(s) {
			return
		}
		if ctx.Err() == nil {
			b.setState(StateConnecting)
			b.log.Warn("discord gateway connection lost; reconnecting")
		}
		select {
		case disconnected <- struct{}{}:
		default:
		}
	})
	dg.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
		b.handle(ctx, ic.Interaction, time.Now())
	})
	dg.AddHandler(func(s *discordgo.Session, mc *discordgo.MessageCreate) {
		if current(s) {
			b.messageCreated(mc.Message)
		}
	})
	b.sessionIntents.Store(int64(dg.Identify.Intents))
	b.session.Store(dg)
	return dg, nil
}

// checkToken asks Discord who the bot is, retrying network failures; a 401
// is ErrInvalidToken.
func (b *Bot) checkToken(ctx context.Context) (string, error) {
	backoff := b.cfg.MinReconnect
	for {
		body, err := b.out.Do(ctx, outbox.Request{Method: http.MethodGet, Path: "/users/@me"})
		var ae *outbox.APIError
		switch {
		case err == nil:
			return string(jsonField(body, "username")), nil
		case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
			return "", fmt.Errorf("%w: %w", ErrInvalidToken, err)
		}
		b.log.Warn("discord not reachable; retrying", "error", err, "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, b.cfg.MaxReconnect)
	}
}

// syncLoop syncs commands whenever asked, gathering requests for
// SyncDelay first.
func (b *Bot) syncLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.trigger:
		}
		t := time.NewTimer(b.cfg.SyncDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		select { // requests that came during the delay are served by this sync
		case <-b.trigger:
		default:
		}
		if err := b.SyncCommands(ctx); err != nil {
			b.log.Error("sync discord commands", "error", err)
		}
		if cur := b.sessionIntents.Load(); cur >= 0 && cur != int64(b.intents()) {
			select {
			case b.reidentify <- struct{}{}:
			default:
			}
		}
	}
}

// SyncCommands compares the commands of every scope with the plugins' and
// overwrites the scopes that differ, one bulk request each.
func (b *Bot) SyncCommands(ctx context.Context) error {
	appID, _ := b.appID.Load().(string)
	if appID == "" {
		return errors.New("sync commands: application id not known yet (not connected)")
	}
	want := desiredCommands(b.cfg.Plugins.ActiveManifests())
	scopes := b.cfg.GuildIDs
	if len(scopes) == 0 {
		scopes = []string{""}
	}
	r := registry{out: b.out, appID: appID, scopes: scopes}
	n, err := r.sync(ctx, want)
	if n > 0 {
		b.log.Info("discord commands registered", "scopes_written", n, "commands", commandNames(want))
	}
	return err
}

// Package host wires the DDC host together: config, store, plugin manager
// and web server, for `ddc serve`.
package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/discord"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/host/web"
	"github.com/ddc-go/ddc/host/web/auth"
)

// Options configures Serve.
type Options struct {
	// DataDir holds config.yaml, the database and plugins/.
	DataDir string
	// Flags are explicitly set command-line values by config key.
	Flags map[string]any
	// Env is the environment in os.Environ form.
	Env []string
	// Version of the host.
	Version string
	// Bundled plugins compiled into the host.
	Bundled []pluginhost.Bundled
	// Logger for the host; nil logs nothing.
	Logger *slog.Logger
	// Ready, if set, receives the web server's address once it listens.
	Ready func(addr net.Addr)
	// LogLevel, if set, is the level of Logger's handler: Serve sets it to
	// the config's log.level, at start and when the file changes.
	LogLevel *slog.LevelVar
	// Timeouts and Restart tune the plugin manager (zero: defaults).
	Timeouts pluginhost.Timeouts
	Restart  pluginhost.RestartPolicy
}

// Serve runs the host until ctx ends, then shuts down: web server first,
// then plugins, then the store.
func Serve(ctx context.Context, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	logRing := web.NewLogRing(0)
	log = slog.New(logRing.Wrap(log.Handler()))
	if created, err := config.EnsureDefault(opts.DataDir); err != nil {
		return fmt.Errorf("prepare data dir: %w", err)
	} else if created {
		log.Info("wrote the default config", "file", filepath.Join(opts.DataDir, config.FileName))
	}
	cfg, err := loadConfig(ctx, opts)
	if errors.Is(err, context.Canceled) {
		log.Info("stopped while loading the config")
		return nil
	}
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	if opts.LogLevel != nil {
		opts.LogLevel.Set(cfg.Log.SlogLevel())
	}
	for _, w := range cfg.Warnings() {
		log.Warn("config", "warning", w)
	}
	st, err := store.Open(filepath.Join(opts.DataDir, "ddc.db"))
	if err != nil {
		return err
	}
	defer st.Close()

	var cfgMu sync.Mutex
	current := cfg
	settings := func(id string) (bool, json.RawMessage) {
		cfgMu.Lock()
		defer cfgMu.Unlock()
		raw, err := current.PluginSettingsJSON(id)
		if err != nil {
			log.Error("plugin settings", "plugin", id, "error", err)
			raw = []byte("{}")
		}
		return current.PluginEnabled(id), raw
	}
	language := func() string {
		cfgMu.Lock()
		defer cfgMu.Unlock()
		return current.Language
	}
	pluginsDir := filepath.Join(opts.DataDir, "plugins")
	kvQuota := func(id string) store.Quota {
		cfgMu.Lock()
		q := current.PluginKVQuota(id)
		cfgMu.Unlock()
		return store.Quota{MaxKeys: q.MaxKeys, MaxBytes: q.MaxBytes}
	}
	mgr, err := pluginhost.New(pluginhost.Config{
		PluginsDir: pluginsDir, Bundled: opts.Bundled, Store: st, Settings: settings, Language: language,
		KVQuota: kvQuota,
		Logger:  log.With("component", "plugins"), PluginLogLevel: cfg.Log.Level,
		Timeouts: opts.Timeouts, Restart: opts.Restart,
	})
	if err != nil {
		return err
	}

	bots := &discordRunner{mgr: mgr, log: log.With("component", "discord")}
	discordState := bots.state
	cfgFile := filepath.Join(opts.DataDir, config.FileName)
	problems := func() []web.Problem {
		var p []web.Problem
		switch discordState() {
		case discord.StateNoToken:
			p = append(p, web.Problem{
				Public: "No Discord bot token: set discord.token in config.yaml (picked up while running), or DISCORD_BOT_TOKEN / DISCORD_BOT_TOKEN_FILE and restart. The web side runs without it.",
				Detail: "No Discord bot token: set discord.token in " + cfgFile + " (picked up while running), or DISCORD_BOT_TOKEN / DISCORD_BOT_TOKEN_FILE and restart. The web side runs without it.",
			})
		case discord.StateInvalidToken:
			p = append(p, web.Problem{
				Public: "Discord rejected the bot token: set a valid one in discord.token in config.yaml (picked up while running), or DISCORD_BOT_TOKEN / DISCORD_BOT_TOKEN_FILE and restart.",
				Detail: "Discord rejected the bot token: set a valid one in discord.token in " + cfgFile + " (picked up while running), or DISCORD_BOT_TOKEN / DISCORD_BOT_TOKEN_FILE and restart.",
			})
		}
		cfgMu.Lock()
		c := current
		cfgMu.Unlock()
		return append(p, unknownPlugins(c, mgr.Statuses())...)
	}
	webAuth, seeded, err := web.NewAuth(ctx, st, opts.Env, auth.Options{})
	if err != nil {
		return err
	}
	if seeded {
		log.Info("admin password set from " + web.EnvAdminPassword)
	}
	currentConfig := func() *config.Config {
		cfgMu.Lock()
		defer cfgMu.Unlock()
		return current
	}
	handler := web.New(web.Config{Version: opts.Version, Plugins: mgr, Discord: discordState, Problems: problems, UI: &web.UI{
		Auth: webAuth, Host: mgr, Events: mgr.Bus(), Audit: st, ConfigFile: cfgFile, Config: currentConfig,
		Logs: logRing, Logger: log.With("component", "web"),
	}})

	ln, err := net.Listen("tcp", cfg.Web.Listen)
	if err != nil {
		return fmt.Errorf("web: listen on %s: %w", cfg.Web.Listen, err)
	}
	srv := web.NewServer(handler, web.ServerConfig{Logger: log.With("component", "web")})
	webErr := make(chan error, 1)
	go func() { webErr <- srv.Serve(ln) }()
	log.Info("web server listening", "addr", ln.Addr().String())
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}

	mgr.Start(ctx)
	bots.apply(ctx, cfg)
	for _, p := range problems() {
		log.Warn(p.Detail)
	}
	go config.WatchFrom(ctx, cfg, opts.DataDir, opts.Env, opts.Flags, 0, func(c *config.Config) {
		cfgMu.Lock()
		old := current
		current = c
		cfgMu.Unlock()
		var live []string
		for _, k := range config.Changed(old, c) {
			if !config.NeedsRestart(k) {
				live = append(live, k)
			}
		}
		for _, k := range config.Changed(cfg, c) {
			if config.NeedsRestart(k) {
				log.Warn("config changed; restart needed: "+k+" takes effect when ddc restarts", "file", c.File, "key", k)
			}
		}
		if len(live) == 0 {
			return
		}
		log.Info("config changed; applying", "file", c.File, "keys", strings.Join(live, ", "))
		if c.Log.Level != old.Log.Level {
			if opts.LogLevel != nil {
				opts.LogLevel.Set(c.Log.SlogLevel())
			}
			mgr.SetPluginLogLevel(c.Log.Level)
			log.Info("log level changed; plugins use it from their next start", "level", c.Log.Level)
		}
		bots.apply(ctx, c)
		mgr.Reconfigure(ctx)
	}, func(err error) {
		log.Error("config file rejected; keeping the running config", "error", err)
	})

	select {
	case <-ctx.Done():
	case err := <-webErr:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("web server stopped", "error", err)
		}
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	bots.close(shutCtx)
	mgr.Stop(shutCtx)
	return nil
}

// loadConfig loads and validates the config, giving up when ctx ends (a
// signal while a file is being read must not wait for it).
func loadConfig(ctx context.Context, opts Options) (*config.Config, error) {
	type result struct {
		cfg *config.Config
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := config.Load(opts.DataDir, opts.Env, opts.Flags)
		if err == nil {
			err = c.Validate()
		}
		done <- result{c, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-done:
		return r.cfg, r.err
	}
}

// unknownPlugins names the plugins the config has settings for that are
// not installed, most often a typo in the id. The public text names
// neither the file's path nor the id.
func unknownPlugins(c *config.Config, installed []pluginhost.Status) []web.Problem {
	have := map[string]bool{}
	for _, s := range installed {
		have[s.ID] = true
	}
	var out []web.Problem
	for _, id := range slices.Sorted(maps.Keys(c.Plugins)) {
		if !have[id] {
			out = append(out, web.Problem{
				Public: "config.yaml has settings for a plugin that is not installed (a typo in the id?); the log names it.",
				Detail: fmt.Sprintf("%s has settings for plugin %q, but no such plugin is installed (a typo in the id?).", c.File, id),
			})
		}
	}
	return out
}

// policyOf builds the permission policy from the config.
func policyOf(c *config.Config) *policy.Policy {
	d := c.Discord
	return policy.New(policy.Config{
		StatusChannels: d.StatusChannels, ControlChannels: d.ControlChannels,
		AdminUsers: d.AdminUsers, AdminRoles: d.AdminRoles, OperatorRoles: d.OperatorRoles,
	})
}

// throttleOf builds the spam protection from the config.
func throttleOf(c *config.Config) *policy.Throttle {
	d := c.Discord
	return policy.NewThrottle(policy.ThrottleConfig{CommandCooldown: d.CommandCooldown, ButtonCooldown: d.ButtonCooldown, PerMinute: d.PerMinuteCap})
}

// DefaultDataDir is "./data", or $DDC_DATA_DIR when set.
func DefaultDataDir(env func(string) string) string {
	if d := env("DDC_DATA_DIR"); d != "" {
		return d
	}
	return "data"
}

package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/host/web"
	"github.com/ddc-go/ddc/host/web/auth"
)

// shutdownLimit bounds the whole shutdown.
const shutdownLimit = 15 * time.Second

// system is the wired host: one field per room, one method per concern.
type system struct {
	opts    Options
	log     *slog.Logger
	config  *liveConfig
	store   *store.Store
	plugins *pluginhost.Manager
	bots    *discordRunner
	tel     *telemetry
	logs    *web.LogRing // recent log lines, for the web UI
}

// newSystem opens the store and builds the plugin host and the Discord
// side for cfg; it starts nothing.
func newSystem(opts Options, cfg *config.Config) (*system, error) {
	s := &system{opts: opts, log: opts.Logger}
	s.config = &liveConfig{log: s.log, grants: opts.Grants, current: cfg}
	st, err := store.Open(filepath.Join(opts.DataDir, "ddc.db"))
	if err != nil {
		return nil, err
	}
	s.store = st
	s.tel = newTelemetry()
	s.plugins, err = pluginhost.New(pluginhost.Config{
		PluginsDir: filepath.Join(opts.DataDir, "plugins"), Bundled: opts.Bundled, Store: st,
		Settings: s.config.settings, Language: s.config.language, KVQuota: s.config.kvQuota, CallerLevel: s.config.callerLevel,
		Confine: confinement(s.log.With("component", "plugins"), opts.DataDir, s.config.get),
		Logger:  s.log.With("component", "plugins"), PluginLogLevel: cfg.Log.Level,
		Timeouts: opts.Timeouts, Restart: opts.Restart, Observer: s.tel.set,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	s.bots = &discordRunner{mgr: s.plugins, log: s.log.With("component", "discord")}
	s.tel.wire(s.plugins, s.bots)
	return s, nil
}

func (s *system) cfgFile() string { return filepath.Join(s.opts.DataDir, config.FileName) }

// run starts the web server, the plugins and the bot, follows the config
// file, and shuts everything down when ctx ends or the web server fails.
func (s *system) run(ctx context.Context) error {
	cfg := s.config.get()
	// Plugins first: their processes start while the web side is built,
	// and /healthz never sees a host without its plugins registered.
	s.plugins.Start(ctx)
	srv, webErr, err := s.startWeb(ctx, cfg)
	if err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), shutdownLimit)
		defer cancel()
		s.plugins.Stop(stopCtx)
		return err
	}
	s.bots.apply(ctx, cfg)
	s.tel.startHeartbeat(ctx, cfg, s.log.With("component", "heartbeat"))
	for _, p := range s.problems() {
		s.log.Warn(p.Detail)
	}
	go config.WatchFrom(ctx, cfg, s.opts.DataDir, s.opts.Env, s.opts.Flags, 0, func(c *config.Config) {
		s.reconfigure(ctx, cfg, c)
	}, func(err error) {
		s.log.Error("config file rejected; keeping the running config", "error", err)
	})

	select {
	case <-ctx.Done():
	case err := <-webErr:
		if !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("web server stopped", "error", err)
		}
	}
	s.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownLimit)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	s.bots.close(shutCtx)
	s.plugins.Stop(shutCtx)
	return nil
}

// startWeb listens on web.listen and serves the web side in the
// background; its end is sent on the channel.
func (s *system) startWeb(ctx context.Context, cfg *config.Config) (*web.Server, <-chan error, error) {
	webAuth, seeded, err := web.NewAuth(ctx, s.store, s.opts.Env, auth.Options{})
	if err != nil {
		return nil, nil, err
	}
	if seeded {
		s.log.Info("admin password set from " + web.EnvAdminPassword)
	}
	handler := web.New(web.Config{Version: s.opts.Version, Plugins: s.plugins, Discord: s.bots.state, Problems: s.problems,
		Metrics: s.tel.handler(s.config.get), UI: &web.UI{
			Auth: webAuth, Host: s.plugins, Events: s.plugins.Bus(), Audit: s.store, ConfigFile: s.cfgFile(), Config: s.config.get,
			Installer: newInstaller(s.opts.DataDir, s.opts.Bundled), Logs: s.logs, Logger: s.log.With("component", "web"),
		}})
	ln, err := net.Listen("tcp", cfg.Web.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("web: listen on %s: %w", cfg.Web.Listen, err)
	}
	srv := web.NewServer(handler, web.ServerConfig{Logger: s.log.With("component", "web")})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	s.log.Info("web server listening", "addr", ln.Addr().String())
	if s.opts.Ready != nil {
		s.opts.Ready(ln.Addr())
	}
	return srv, done, nil
}

// reconfigure applies a changed config file: what can change while
// running applies at once; what needs a restart (compared with started,
// the config at start) is logged as such.
func (s *system) reconfigure(ctx context.Context, started, c *config.Config) {
	old := s.config.swap(c)
	var live []string
	for _, k := range config.Changed(old, c) {
		if !config.NeedsRestart(k) {
			live = append(live, k)
		}
	}
	for _, k := range config.Changed(started, c) {
		if config.NeedsRestart(k) {
			s.log.Warn("config changed; restart needed: "+k+" takes effect when ddc restarts", "file", c.File, "key", k)
		}
	}
	if len(live) == 0 {
		return
	}
	s.log.Info("config changed; applying", "file", c.File, "keys", strings.Join(live, ", "))
	if c.Log.Level != old.Log.Level {
		if s.opts.LogLevel != nil {
			s.opts.LogLevel.Set(c.Log.SlogLevel())
		}
		s.plugins.SetPluginLogLevel(c.Log.Level)
		s.log.Info("log level changed; plugins use it from their next start", "level", c.Log.Level)
	}
	s.bots.apply(ctx, c)
	s.tel.startHeartbeat(ctx, c, s.log.With("component", "heartbeat"))
	s.plugins.Reconfigure(ctx)
}

// Package host wires the DDC host together for `ddc serve`: config, store,
// plugin host, Discord side and web server, each a room of its own that
// knows the others only through the small interfaces it defines; the
// wiring (the system type) is the one place where they meet.
//
// It is the top of the host: nothing in the repository imports it but
// cmd/ddc and whole-system tests.
//
// It must never import plugins/ (cmd/ddc hands it the bundled plugins) or
// the test kit (internal/testkit).
package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/web"
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
	// Bundled plugins compiled into the host, in start order.
	Bundled []pluginhost.Bundled
	// Grants are bundled plugins' own grants on other plugins' actions,
	// by plugin id, e.g. {"scheduler": {"containers.control"}}; an admin's
	// plugins.<id>.grants add to them.
	Grants map[string][]string
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
// then the Discord side, then plugins, then the store.
func Serve(ctx context.Context, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	logs := web.NewLogRing(0) // recent log lines for the web UI's logs page
	opts.Logger = slog.New(logs.Wrap(opts.Logger.Handler()))
	cfg, err := prepare(ctx, opts)
	if errors.Is(err, context.Canceled) {
		opts.Logger.Info("stopped while loading the config")
		return nil
	}
	if err != nil {
		return err
	}
	sys, err := newSystem(opts, cfg)
	if err != nil {
		return err
	}
	sys.logs = logs
	defer sys.store.Close()
	return sys.run(ctx)
}

// prepare writes the default config if there is none, loads and checks
// the config and applies its log level.
func prepare(ctx context.Context, opts Options) (*config.Config, error) {
	log := opts.Logger
	if created, err := config.EnsureDefault(opts.DataDir); err != nil {
		return nil, fmt.Errorf("prepare data dir: %w", err)
	} else if created {
		log.Info("wrote the default config", "file", filepath.Join(opts.DataDir, config.FileName))
	}
	cfg, err := loadConfig(ctx, opts)
	if errors.Is(err, context.Canceled) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	if opts.LogLevel != nil {
		opts.LogLevel.Set(cfg.Log.SlogLevel())
	}
	for _, w := range cfg.Warnings() {
		log.Warn("config", "warning", w)
	}
	return cfg, nil
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

// DefaultDataDir is "./data", or $DDC_DATA_DIR when set.
func DefaultDataDir(env func(string) string) string {
	if d := env("DDC_DATA_DIR"); d != "" {
		return d
	}
	return "data"
}

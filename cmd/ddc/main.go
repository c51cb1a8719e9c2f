// Command ddc is DDC: control a server's Docker containers from Discord.
//
//	ddc serve [--data-dir DIR] [--listen ADDR]   run the host
//	ddc plugin NAME                              run a bundled plugin (the host does this)
//	ddc plugins describe PATH [ARGS...]          print a plugin binary's manifest as JSON
//	ddc version                                  print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/memtrim"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/examples/echo"
	"github.com/ddc-go/ddc/plugins/panels"
	"github.com/ddc-go/ddc/plugins/scheduler"
	"github.com/ddc-go/ddc/sdk"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ddc:", err)
		os.Exit(1)
	}
}

// bundled lists the plugins compiled into this binary, by name.
func bundled() map[string]func() sdk.Plugin {
	return map[string]func() sdk.Plugin{
		"containers": func() sdk.Plugin { return containers.New() },
		"echo":       func() sdk.Plugin { return echo.New() },
		"panels":     func() sdk.Plugin { return panels.New() },
		"scheduler":  func() sdk.Plugin { return scheduler.New(scheduler.Config{}) },
	}
}

// bundledOrder is the order the host starts bundled plugins in.
var bundledOrder = []string{"containers", "scheduler", "panels", "echo"}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "plugin":
		if len(args) != 2 {
			return errors.New("usage: ddc plugin NAME")
		}
		newPlugin, ok := bundled()[args[1]]
		if !ok {
			return fmt.Errorf("no bundled plugin %q", args[1])
		}
		if trimEnabled() {
			go memtrim.Run(ctx, slog.Default())
		}
		return sdk.Serve(newPlugin())
	case "plugins":
		if len(args) >= 3 && args[1] == "describe" {
			return describe(ctx, args[2], args[3:], stdout)
		}
		return errors.New("usage: ddc plugins describe PATH [ARGS...]")
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "ddc", fullVersion())
		return nil
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

// trimEnabled reports whether the process should trim its resident
// memory after start-up (see internal/memtrim); DDC_MEMORY_TRIM=off turns
// it off, e.g. to measure its effect.
func trimEnabled() bool { return os.Getenv("DDC_MEMORY_TRIM") != "off" }

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  ddc serve [--data-dir DIR] [--listen ADDR]   run the host (web UI on :9374 by default)
  ddc plugin NAME                              run a bundled plugin (started by the host)
  ddc plugins describe PATH [ARGS...]          print a plugin binary's manifest as JSON
  ddc version                                  print the version
`)
}

func fullVersion() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	return v
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", host.DefaultDataDir(os.Getenv), "data directory (config.yaml, database, plugins/); env DDC_DATA_DIR")
	listen := fs.String("listen", "", "web listen address host:port (default :9374; env DDC_WEB_PORT / DDC_WEB_LISTEN)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	flags := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "listen" {
			flags["web.listen"] = *listen
		}
	})
	// The config's log.level (file or DDC_LOG_LEVEL) takes over once it is
	// loaded; until then DDC_LOG_LEVEL or info.
	level := new(slog.LevelVar)
	if err := level.UnmarshalText([]byte(os.Getenv("DDC_LOG_LEVEL"))); err != nil {
		level.Set(slog.LevelInfo)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable for bundled plugins: %w", err)
	}
	var bundles []pluginhost.Bundled
	for _, name := range bundledOrder {
		info := bundled()[name]().Info()
		bundles = append(bundles, pluginhost.Bundled{ID: info.ID, Name: info.Name, Version: info.Version, Path: exe, Args: []string{"plugin", name}})
	}
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if trimEnabled() {
		go memtrim.Run(ctx, log)
	}
	log.Info("starting ddc", "version", fullVersion(), "data_dir", *dataDir)
	return host.Serve(ctx, host.Options{
		DataDir: *dataDir, Flags: flags, Env: os.Environ(), Version: version, Bundled: bundles, Logger: log, LogLevel: level,
	})
}

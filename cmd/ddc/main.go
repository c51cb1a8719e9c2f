// Command ddc is DDC: control a server's Docker containers from Discord.
//
//	ddc serve [--data-dir DIR] [--listen ADDR]   run the host
//	ddc plugin NAME                              run a bundled plugin (the host does this)
//	ddc plugins describe PATH [ARGS...]          print a plugin binary's manifest as JSON
//	ddc plugins install [--upgrade] PATH         install a plugin binary into <data>/plugins
//	ddc plugins list                             list the installed plugins
//	ddc plugins remove ID                        remove an installed plugin
//	ddc import-ddc DIR [--data-dir D] [--dry-run] import a DockerDiscordControl config
//	ddc healthcheck [--url URL]                  exit 0 when the running host's /healthz answers 200
//	ddc version                                  print the version
//
// Started as root with PUID and PGID set (a container), serve first gives
// the data directory to PUID:PGID and continues as them, keeping only the
// Docker socket's group (internal/privdrop). TZ names the time zone; the
// zone database is compiled in (time/tzdata), so it works on a scratch
// image.
//
// It must never import the test kit (internal/testkit/...); it is the only
// package that lists the bundled plugins.
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
	"runtime"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // TZ on a scratch image, which has no /usr/share/zoneinfo

	"github.com/ddc-go/ddc/host"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/sandbox"
	"github.com/ddc-go/ddc/internal/memtrim"
	"github.com/ddc-go/ddc/internal/privdrop"
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

// bundledPlugin is a plugin compiled into this binary, run as
// `ddc plugin <name>`.
//
// Its id (name), display name (title) and version are written here, as
// its Info says them (a test compares them): the host needs only these,
// and calling Info in the host would build every plugin's whole manifest
// (commands in every language, settings schema) — milliseconds of the
// host's start that would delay the plugins' own — and keep it in the
// host's heap for good.
type bundledPlugin struct {
	name    string // name is the plugin's id.
	title   string
	version string
	new     func() sdk.Plugin
	grants  []string // its own grants on other plugins' actions (see config plugins.<id>.grants)
}

// bundled lists the plugins compiled into this binary, in the order the
// host starts them.
func bundled() []bundledPlugin {
	return []bundledPlugin{
		{name: "containers", title: "Containers", version: "0.1.0", new: func() sdk.Plugin { return containers.New() }},
		// The scheduler starts, stops and restarts containers on its own.
		{name: "scheduler", title: "Scheduler", version: "0.1.0", new: func() sdk.Plugin { return scheduler.New(scheduler.Config{}) }, grants: []string{"containers.control"}},
		// Status overviews and control panels in Discord.
		{name: "panels", title: "Status panels", version: "0.1.0", new: func() sdk.Plugin { return panels.New() }},
		{name: "echo", title: "Echo", version: "1.0.0", new: func() sdk.Plugin { return echo.New() }},
	}
}

// bundledIDs returns the ids of the bundled plugins, which no installed
// plugin may take.
func bundledIDs() []string {
	var ids []string
	for _, b := range bundled() {
		ids = append(ids, b.name)
	}
	return ids
}

// bundledNamed returns the bundled plugin called name.
func bundledNamed(name string) (bundledPlugin, bool) {
	for _, b := range bundled() {
		if b.name == name {
			return b, true
		}
	}
	return bundledPlugin{}, false
}

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
		b, ok := bundledNamed(args[1])
		if !ok {
			return fmt.Errorf("no bundled plugin %q", args[1])
		}
		tunePluginRuntime(os.Getenv)
		if trimEnabled() {
			go memtrim.Run(ctx, slog.Default())
		}
		p := b.new()
		// Build the manifest (catalogs, settings schema) while go-plugin
		// sets up and the host connects: its first call asks for it.
		go p.Info()
		return sdk.Serve(p)
	case "plugins":
		return pluginsCmd(ctx, args[1:], stdout, stderr)
	case "import-ddc":
		return importDDC(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[1:], stdout, stderr)
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

// tunePluginRuntime sets a bundled plugin process's Go runtime up for a
// small footprint, each knob only when the environment does not set it:
// one P (a plugin mostly waits for the host and Docker; each P keeps its
// own cached spans of every size class and its own GC worker) and GOGC 50
// (the heap grows to 1.5 times the live data before a collection instead
// of twice, with a 2 MB floor instead of 4 MB).
func tunePluginRuntime(getenv func(string) string) {
	if getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
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
  ddc plugins install [--upgrade] PATH         install a plugin binary into <data>/plugins
                                               (a running ddc starts it within seconds)
  ddc plugins list                             list the installed plugins
  ddc plugins remove ID                        remove an installed plugin
  (plugins commands take --data-dir DIR; env DDC_DATA_DIR)
  ddc import-ddc DIR [--data-dir D] [--dry-run] import a DockerDiscordControl config directory
  ddc healthcheck [--url URL]                  exit 0 when the running host's /healthz answers 200
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
	// Before anything else runs: the data dir, the plugins and every file
	// the host opens belong to the user it continues as.
	if err := dropPrivileges(*dataDir, log); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable for bundled plugins: %w", err)
	}
	var bundles []pluginhost.Bundled
	grants := map[string][]string{}
	for _, b := range bundled() {
		bundles = append(bundles, pluginhost.Bundled{ID: b.name, Name: b.title, Version: b.version, Path: exe, Args: []string{"plugin", b.name}})
		if len(b.grants) > 0 {
			grants[b.name] = b.grants
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if trimEnabled() {
		go memtrim.Run(ctx, log)
	}
	log.Info("starting ddc", "version", fullVersion(), "data_dir", *dataDir)
	return host.Serve(ctx, host.Options{
		DataDir: *dataDir, Flags: flags, Env: os.Environ(), Version: version, Bundled: bundles, Grants: grants, Logger: log, LogLevel: level,
	})
}

// pluginCaps are the capabilities a host dropping root keeps to run
// third-party plugins as users of their own (see host/sandbox).
func pluginCaps() []privdrop.Cap {
	var out []privdrop.Cap
	for _, c := range sandbox.SwitchCapabilities() {
		out = append(out, privdrop.Cap{Bit: c.Bit, Name: c.Name})
	}
	return out
}

// dropPrivileges switches to PUID:PGID when they are set (see
// internal/privdrop), and warns when ddc would otherwise run as root.
func dropPrivileges(dataDir string, log *slog.Logger) error {
	target, ok, err := privdrop.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	socket := privdrop.SocketPath(os.Getenv)
	switch {
	case ok:
		res, err := privdrop.Drop(privdrop.Options{Target: target, DataDir: dataDir, Socket: socket, Keep: pluginCaps()})
		for _, w := range res.Warnings {
			log.Warn(w)
		}
		if err != nil {
			return fmt.Errorf("switch to PUID/PGID: %w", err)
		}
		if res.Dropped {
			log.Info("switched to PUID/PGID", "uid", target.UID, "gid", target.GID, "groups", res.Groups, "data_dir_entries_given", res.Chowned,
				"capabilities_kept", res.Kept, "data_dir_searchable_by_plugin_users", res.Searchable)
		}
	case os.Geteuid() == 0:
		log.Warn("ddc runs as root: set PUID and PGID to run as an unprivileged user (Unraid: 99 and 100)")
	}
	if os.Geteuid() != 0 {
		if w := privdrop.SocketWarning(socket); w != "" {
			log.Warn(w)
		}
	}
	return nil
}

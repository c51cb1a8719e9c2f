package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ddc-go/ddc/sdk/internal/inprocess"
	"github.com/ddc-go/ddc/sdk/internal/wire"
)

// ErrNotLaunchedByHost is returned by Serve when the program was run by hand
// instead of by the DDC host.
var ErrNotLaunchedByHost = errors.New("this program is a DDC plugin: it is started by `ddc serve` (to see its manifest: ddc plugins describe PATH)")

// Serve runs p as a plugin until the host stops it. Call it from main and
// print any error it returns to stderr:
//
//	func main() {
//		if err := sdk.Serve(myplugin.New()); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//	}
//
// Before serving, Serve hands a HostSetter its Host. It points file
// descriptor 1 at stderr while it runs, so a stray write to stdout cannot
// corrupt the go-plugin handshake; go-plugin's own handshake line still
// reaches the host. When the host process dies, Serve calls the plugin's
// Stop (if any) and ends the process: the one place the SDK exits, as
// nothing is left to return to.
func Serve(p Plugin) error {
	if r, ok := p.(inprocess.Requester); ok {
		return serveInProcess(r.InProcess())
	}
	hs := wire.Handshake()
	if os.Getenv(hs.MagicCookieKey) != hs.MagicCookieValue {
		return ErrNotLaunchedByHost
	}
	if p == nil {
		return errors.New("serve plugin: plugin is nil")
	}
	stderr := os.Stderr
	handshakeOut, err := guardStdout()
	if err != nil {
		return fmt.Errorf("serve plugin %s: %w", p.Info().ID, err)
	}
	os.Stdout = handshakeOut

	level := hclog.LevelFromString(os.Getenv("DDC_PLUGIN_LOG_LEVEL"))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	hlog := hclog.New(&hclog.LoggerOptions{Output: stderr, JSONFormat: true, Level: level})
	log := slog.New(newHCLogHandler(stderr, slogLevel(level)))

	go watchParent(p, log)

	goplugin.Serve(serveConfig(p, log, hlog))
	return nil
}

// serveConfig is go-plugin's configuration for serving p; it hands p its
// Host first.
func serveConfig(p Plugin, log *slog.Logger, hlog hclog.Logger) *goplugin.ServeConfig {
	host := newHostClient(log)
	if hs, ok := p.(HostSetter); ok {
		hs.SetHost(host)
	}
	return &goplugin.ServeConfig{
		HandshakeConfig:  wire.Handshake(),
		VersionedPlugins: map[int]goplugin.PluginSet{ProtocolVersion: {wire.PluginKey: &pluginGRPC{impl: p, host: host}}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, wire.ServerOptions()...)...)
		},
		Logger: hlog,
	}
}

// serveInProcess serves a plugin for sdktest in go-plugin's test mode: no
// handshake on stdout, no stdout guard and no parent watch, as the plugin
// shares the test's process.
func serveInProcess(cfg inprocess.Config) error {
	p, ok := cfg.Plugin.(Plugin)
	if !ok || p == nil {
		return fmt.Errorf("serve plugin in-process: %T is not a plugin", cfg.Plugin)
	}
	sc := serveConfig(p, cfg.Logger, cfg.GoPluginLogger)
	sc.Test = cfg.Test
	goplugin.Serve(sc)
	return nil
}

// watchParent ends the process when its parent changes (the host died and
// the plugin was re-parented), after giving the plugin a chance to stop.
func watchParent(p Plugin, log *slog.Logger) {
	parent := os.Getppid()
	for range time.Tick(500 * time.Millisecond) {
		if os.Getppid() == parent {
			continue
		}
		log.Warn("host process is gone; stopping plugin", "old_parent", parent)
		if s, ok := p.(Stopper); ok {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = s.Stop(ctx)
			cancel()
		}
		os.Exit(3)
	}
}

func slogLevel(l hclog.Level) slog.Level {
	switch l {
	case hclog.Trace, hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// newHCLogHandler returns a slog handler that writes hclog's JSON line format
// ("@level", "@message", "@timestamp"), which the go-plugin host parses from
// a plugin's stderr and re-logs with the right level.
func newHCLogHandler(w io.Writer, level slog.Level) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				// JSON would carry nanoseconds, which the host shows as
				// "4e+08"; "400ms" reads right in the host's log.
				a.Value = slog.StringValue(a.Value.Duration().String())
			}
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				a.Key = "@timestamp"
				if t, ok := a.Value.Any().(time.Time); ok {
					a.Value = slog.StringValue(t.Format("2006-01-02T15:04:05.000000Z07:00"))
				}
			case slog.LevelKey:
				a.Key = "@level"
				a.Value = slog.StringValue(strings.ToLower(a.Value.String()))
			case slog.MessageKey:
				a.Key = "@message"
			}
			return a
		},
	})
}

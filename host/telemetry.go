package host

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/host/heartbeat"
	"github.com/ddc-go/ddc/host/metrics"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/web"
)

// telemetry is what the host tells the outside about itself besides
// /healthz: the metrics of /metrics and the heartbeat. It is made before
// the plugin manager (which reports to it) and learns the manager and the
// Discord runner once they exist.
type telemetry struct {
	set  *metrics.Set
	mgr  atomic.Pointer[pluginhost.Manager]
	bots atomic.Pointer[discordRunner]

	beatMu   sync.Mutex
	stopBeat context.CancelFunc // ends the running heartbeat; nil when none
	beat     config.Heartbeat   // what it runs with
}

func newTelemetry() *telemetry {
	t := &telemetry{}
	t.set = metrics.New(metrics.Config{Plugins: t.plugins, Discord: t.discord})
	return t
}

// wire hands t the manager and the Discord runner.
func (t *telemetry) wire(mgr *pluginhost.Manager, bots *discordRunner) {
	t.mgr.Store(mgr)
	t.bots.Store(bots)
}

func (t *telemetry) plugins() []pluginhost.Status {
	if m := t.mgr.Load(); m != nil {
		return m.Statuses()
	}
	return nil
}

func (t *telemetry) discord() (outbox.Stats, bool) {
	if r := t.bots.Load(); r != nil {
		if bot := r.bot.Load(); bot != nil {
			return bot.Stats(), true
		}
	}
	return outbox.Stats{}, false
}

// healthy is what /healthz answers 200 for: every enabled plugin running.
func (t *telemetry) healthy() bool {
	m := t.mgr.Load()
	return m != nil && web.CheckHealth(web.Config{Plugins: m}).Status == "ok"
}

// handler serves /metrics as the current config's web.metrics and
// web.metrics_token say.
func (t *telemetry) handler(current func() *config.Config) http.Handler {
	return metrics.Handler(t.set, func() metrics.Access {
		c := current()
		return metrics.Access{Enabled: c.Web.Metrics, Token: c.Web.MetricsToken}
	})
}

// startHeartbeat pings c's heartbeat.url every heartbeat.interval while
// the host is healthy, until ctx ends; nothing without a URL. Called again
// with a changed heartbeat (the web UI's settings page saved one), it
// stops the running one and starts the new: the change applies live.
func (t *telemetry) startHeartbeat(ctx context.Context, c *config.Config, log *slog.Logger) {
	t.beatMu.Lock()
	defer t.beatMu.Unlock()
	if t.stopBeat != nil {
		if c.Heartbeat == t.beat {
			return
		}
		t.stopBeat()
		t.stopBeat = nil
		log.Info("heartbeat: settings changed; stopped the old one")
	}
	t.beat = c.Heartbeat
	if c.Heartbeat.URL == "" {
		return
	}
	log.Info("heartbeat: pinging the monitor while healthy", "interval", c.Heartbeat.Interval)
	ctx, cancel := context.WithCancel(ctx)
	t.stopBeat = cancel
	hb := heartbeat.Config{URL: c.Heartbeat.URL, Interval: c.Heartbeat.Interval, Healthy: t.healthy, Logger: log}
	go func() {
		if err := heartbeat.Run(ctx, hb); err != nil {
			log.Error("heartbeat", "error", err)
		}
	}()
}

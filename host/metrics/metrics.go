// Package metrics is the host's /metrics: DDC's figures in the Prometheus
// text format, built on github.com/VictoriaMetrics/metrics (a few hundred
// kilobytes of binary where client_golang costs megabytes).
//
// A Set belongs to one running host; nothing is global. It counts what the
// plugin manager reports through pluginhost.Observer (host→plugin call
// latency, events and audit entries: Docker actions, Docker event lag,
// scheduler runs), and reads the rest when scraped: plugin states,
// restarts and memory (RSS and PSS from /proc), and the Discord outbox's
// counters.
//
// Label values come only from fixed sets or from installed plugins' ids
// (validated by the plugin manager), never from what a plugin or a user
// sends, so no input can grow the number of series.
//
// This package must never import package host (the wiring), host/web or
// any plugin package (plugins/).
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/sdk"
)

// latencyBuckets are the upper bounds, in seconds, of the latency
// histograms: 1 ms to 10 s.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// pluginMethods are the host→plugin calls of the plugin protocol; anything
// else is counted as "other".
var pluginMethods = []string{"GetInfo", "Configure", "Start", "Stop", "HandleCommand", "HandleAutocomplete",
	"HandleComponent", "HandleModal", "HandleEvent", "Invoke", "HandleHTTP", "CheckHealth", "ConnectHost"}

// dockerActions are the containers plugin's audited actions
// ("container.<op>"; restart_all and stop_all are audited per container as
// restart and stop); others are counted as "other".
var dockerActions = []string{"start", "stop", "restart"}

// actionResults are the results the containers plugin audits; others are
// counted as "other".
var actionResults = []string{"ok", "unchanged", "failed", "refused"}

// runResults are the scheduler's run results (api.Result values); others
// are counted as "other".
var runResults = []string{"ok", "failed", "missed", "skipped"}

// pluginStates are every pluginhost.State, one ddc_plugin_state series each.
var pluginStates = []pluginhost.State{pluginhost.StateStarting, pluginhost.StateRunning, pluginhost.StateDegraded,
	pluginhost.StateRestarting, pluginhost.StateFailed, pluginhost.StateStopped, pluginhost.StateDisabled}

// Plugin ids whose events and audit entries mean Docker actions and
// scheduler runs: the bundled plugins'.
const (
	containersPlugin = "containers"
	schedulerPlugin  = "scheduler"
	stateTopic       = "container.state"
)

// Config says where a Set reads what it does not count itself. Nil fields
// leave their metrics out.
type Config struct {
	// Plugins lists the plugins with their state, restarts and PID.
	Plugins func() []pluginhost.Status
	// Discord returns the running Discord session's outbox counters; ok is
	// false without a session. The counters start again with each session
	// (Prometheus treats that as a counter reset).
	Discord func() (st outbox.Stats, ok bool)
	// Now is the clock (nil: time.Now), for the event lag.
	Now func() time.Time
}

// Set is one host's metrics. Its methods are safe for concurrent use.
type Set struct {
	cfg Config
	set *vm.Set
}

// New returns an empty Set reading from cfg.
func New(cfg Config) *Set {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Set{cfg: cfg, set: vm.NewSet()}
	s.set.RegisterMetricsWriter(s.writeLive)
	return s
}

// WritePrometheus writes every metric in the Prometheus text format.
func (s *Set) WritePrometheus(w io.Writer) { s.set.WritePrometheus(w) }

// PluginCall counts one host→plugin call in ddc_plugin_call_duration_seconds
// and, when it failed, ddc_plugin_call_errors_total (pluginhost.Observer).
func (s *Set) PluginCall(plugin, method string, took time.Duration, err error) {
	if !slices.Contains(pluginMethods, method) {
		method = "other"
	}
	labels := fmt.Sprintf(`{plugin=%s,method=%q}`, quote(plugin), method)
	s.set.GetOrCreatePrometheusHistogramExt("ddc_plugin_call_duration_seconds"+labels, latencyBuckets).Update(took.Seconds())
	if err != nil {
		s.set.GetOrCreateCounter("ddc_plugin_call_errors_total" + labels).Inc()
	}
}

// Published observes the containers plugin's state events caused by a
// Docker event: the time from Docker's event to the host's bus goes to
// ddc_docker_event_lag_seconds, and each one counts in
// ddc_docker_events_total (pluginhost.Observer).
func (s *Set) Published(plugin string, ev sdk.Event) {
	if plugin != containersPlugin || ev.Topic != stateTopic {
		return
	}
	var st struct {
		At    time.Time `json:"at"`
		Cause string    `json:"cause"`
	}
	// "sync" and "unreachable" changes carry the time the plugin noticed,
	// not a Docker event's.
	if json.Unmarshal(ev.Payload, &st) != nil || st.At.IsZero() || st.Cause == "sync" || st.Cause == "unreachable" {
		return
	}
	s.set.GetOrCreateCounter("ddc_docker_events_total").Inc()
	lag := max(s.cfg.Now().Sub(st.At), 0) // a clock step backwards is no negative lag
	s.set.GetOrCreatePrometheusHistogramExt("ddc_docker_event_lag_seconds", latencyBuckets).Update(lag.Seconds())
}

// Audited counts the containers plugin's actions in
// ddc_docker_actions_total{action,result} and the scheduler's runs in
// ddc_scheduler_runs_total{result} (pluginhost.Observer).
func (s *Set) Audited(plugin string, e sdk.AuditEntry) {
	switch {
	case plugin == containersPlugin && strings.HasPrefix(e.Action, "container."):
		action := strings.TrimPrefix(e.Action, "container.")
		if !slices.Contains(dockerActions, action) {
			action = "other"
		}
		result := e.Result
		if !slices.Contains(actionResults, result) {
			result = "other"
		}
		s.set.GetOrCreateCounter(fmt.Sprintf(`ddc_docker_actions_total{action=%q,result=%q}`, action, result)).Inc()
	case plugin == schedulerPlugin && e.Action == "scheduler.run":
		result := e.Result
		if !slices.Contains(runResults, result) {
			result = "other"
		}
		s.set.GetOrCreateCounter(fmt.Sprintf(`ddc_scheduler_runs_total{result=%q}`, result)).Inc()
	}
}

// writeLive writes the metrics read at scrape time: the host's and each
// plugin's memory, plugin states and restarts, the outbox's counters.
func (s *Set) writeLive(w io.Writer) {
	if u, err := procmem.Read(os.Getpid()); err == nil {
		gauge(w, "ddc_host_rss_bytes", "Resident memory of the host process.", "", u.RSS*1024)
		gauge(w, "ddc_host_pss_bytes", "Proportional set size of the host process (shared pages divided among their users).", "", u.PSS*1024)
	}
	if s.cfg.Plugins != nil {
		s.writePlugins(w, s.cfg.Plugins())
	}
	if s.cfg.Discord != nil {
		if st, ok := s.cfg.Discord(); ok {
			writeDiscord(w, st)
		}
	}
}

// writePlugins writes each plugin's state, restarts and memory.
func (s *Set) writePlugins(w io.Writer, plugins []pluginhost.Status) {
	header(w, "ddc_plugin_state", "gauge", "1 for the plugin's current state (starting, running, degraded, restarting, failed, stopped, disabled).")
	for _, p := range plugins {
		for _, st := range pluginStates {
			v := 0
			if p.State == st {
				v = 1
			}
			fmt.Fprintf(w, "ddc_plugin_state{plugin=%s,state=%q} %d\n", quote(p.ID), st, v)
		}
	}
	header(w, "ddc_plugin_restarts_total", "counter", "Restarts of the plugin after a crash since the host started.")
	for _, p := range plugins {
		fmt.Fprintf(w, "ddc_plugin_restarts_total{plugin=%s} %d\n", quote(p.ID), p.Restarts)
	}
	var rss, pss []string
	for _, p := range plugins {
		if p.PID <= 0 || !running(p.State) {
			continue
		}
		u, err := procmem.Read(p.PID)
		if err != nil {
			continue // it just exited; its state says so at the next scrape
		}
		rss = append(rss, fmt.Sprintf("ddc_plugin_rss_bytes{plugin=%s} %d\n", quote(p.ID), u.RSS*1024))
		pss = append(pss, fmt.Sprintf("ddc_plugin_pss_bytes{plugin=%s} %d\n", quote(p.ID), u.PSS*1024))
	}
	header(w, "ddc_plugin_rss_bytes", "gauge", "Resident memory of the plugin's process.")
	io.WriteString(w, strings.Join(rss, ""))
	header(w, "ddc_plugin_pss_bytes", "gauge", "Proportional set size of the plugin's process (shared pages divided among their users).")
	io.WriteString(w, strings.Join(pss, ""))
}

// running reports whether a plugin in state st has a live process.
func running(st pluginhost.State) bool {
	return st == pluginhost.StateRunning || st == pluginhost.StateDegraded || st == pluginhost.StateStarting
}

// writeDiscord writes the outbox's counters.
func writeDiscord(w io.Writer, st outbox.Stats) {
	counter(w, "ddc_discord_requests_total", "REST requests sent to Discord (this session).", st.Requests)
	counter(w, "ddc_discord_rate_limited_total", "429 answers from Discord (this session).", st.Limited)
	counter(w, "ddc_discord_global_rate_limited_total", "429 answers that were global (this session).", st.Global429)
	counter(w, "ddc_discord_coalesced_edits_total", "Message edits replaced by a later edit of the same message before being sent (this session).", st.Coalesced)
	counter(w, "ddc_discord_retries_total", "Requests retried after a 429 or a 5xx (this session).", st.Retries)
	counter(w, "ddc_discord_rejected_total", "Requests refused because the outbox queue was full (this session).", st.Rejected)
	gauge(w, "ddc_discord_waiting_requests", "Requests waiting in the outbox now.", "", st.Waiting)
}

func header(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func gauge(w io.Writer, name, help, labels string, v int64) {
	header(w, name, "gauge", help)
	fmt.Fprintf(w, "%s%s %d\n", name, labels, v)
}

func counter(w io.Writer, name, help string, v int64) {
	header(w, name, "counter", help)
	fmt.Fprintf(w, "%s %d\n", name, v)
}

// quote writes a label value in the exposition format's quoting:
// backslash, double quote and newline escaped.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

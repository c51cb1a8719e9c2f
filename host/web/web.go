// Package web is the host's HTTP side: /healthz, the web UI (first-run
// setup, login, dashboard with live container state, plugin manager and
// settings forms, audit log, settings and API tokens), the REST API under
// /api/v1 and plugin pages under /p/<id>/. Without Config.UI it serves the
// public start page only. It must never import discordgo or a plugin's
// internals: it reaches plugins through Host (Invoke, HandleHTTP) and their
// contract (api) packages only.
//
// Everything goes through the pieces here: NewServer (timeouts, a cap on
// connections), Engine (recovery, SecurityHeaders, 405 with Allow),
// HeadAsGet around the engine, and NoStore on every route that shows
// state. Public routes (no login) show only states and generic reasons;
// the details (plugin errors, file paths, digests) go to the log and to
// logged-in pages, which read them from Plugins.Statuses (LastError) and
// Problem.Detail.
//
// It must never import host/discord or discordgo (the Discord state comes in
// as a function), nor plugins/.
package web

import (
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/webui"
)

// Plugins is what the web side needs from the plugin manager.
type Plugins interface {
	Statuses() []pluginhost.Status
}

// Problem is a setup problem: Public is safe to show anyone (no paths,
// ids from files, file content or errors); Detail is the full text for
// the log and logged-in pages.
type Problem struct {
	// Public is the text for the public start page.
	Public string
	// Detail is the full text, with paths and names, for the log and for
	// logged-in pages.
	Detail string
}

// Config configures the web handler.
type Config struct {
	// Version of the host, shown in /healthz.
	Version string
	// Plugins reports plugin states.
	Plugins Plugins
	// Discord reports the Discord connection: connected, connecting,
	// invalid_token, no_token or disconnected.
	Discord func() string
	// Problems lists setup problems (e.g. no Discord token); the start
	// page shows their Public text.
	Problems func() []Problem
	// Metrics, if set, serves GET /metrics; it does its own access
	// checks (see host/metrics.Handler).
	Metrics http.Handler
	// UI, when set, adds the logged-in web UI and the REST API: "/" is
	// then the dashboard, and the problems show on the login page.
	UI *UI
}

// PluginHealth is one plugin's entry in /healthz: public, so it has a
// generic Reason, never the plugin's error.
type PluginHealth struct {
	ID       string           `json:"id"`
	Version  string           `json:"version"`
	State    pluginhost.State `json:"state"`
	Restarts int              `json:"restarts"`
	Reason   string           `json:"reason,omitempty"`
	// RSS and PSS are the plugin's memory in bytes (0 when not running or
	// unknown); MemoryLimit is its limit.
	RSS         int64 `json:"rss,omitempty"`
	PSS         int64 `json:"pss,omitempty"`
	MemoryLimit int64 `json:"memory_limit,omitempty"`
}

// Health is the /healthz body.
type Health struct {
	Status  string         `json:"status"`
	Version string         `json:"version"`
	Discord string         `json:"discord"`
	Plugins []PluginHealth `json:"plugins"`
}

// Reason is the public, generic explanation of a plugin state ("" for
// running and disabled). The plugin's actual error is in its Status's
// LastError and in the log.
func Reason(st pluginhost.State) string {
	switch st {
	case pluginhost.StateStarting:
		return "starting"
	case pluginhost.StateDegraded:
		return "its health check reports a problem; see the log"
	case pluginhost.StateRestarting:
		return "it stopped unexpectedly and is being restarted; see the log"
	case pluginhost.StateFailed:
		return "it cannot run until an admin acts; see the log"
	case pluginhost.StateStopped:
		return "stopped"
	}
	return ""
}

// PluginReason is Reason for st's state, except that a plugin stopped for
// going over its memory limit says so: the limit is the admin's setting,
// not the plugin's secret.
func PluginReason(st pluginhost.Status) string {
	if st.OverMemoryLimit && (st.State == pluginhost.StateRestarting || st.State == pluginhost.StateFailed) {
		return fmt.Sprintf("over its memory limit of %d MiB; see the log", st.MemoryLimit>>20)
	}
	return Reason(st.State)
}

// CheckHealth builds the /healthz body: status "ok" when every enabled
// plugin is running, "degraded" otherwise. It is public: states and
// generic reasons only.
func CheckHealth(cfg Config) Health {
	h := Health{Status: "ok", Version: cfg.Version, Discord: "no_token", Plugins: []PluginHealth{}}
	if cfg.Discord != nil {
		h.Discord = cfg.Discord()
	}
	for _, st := range cfg.Plugins.Statuses() {
		h.Plugins = append(h.Plugins, PluginHealth{
			ID: st.ID, Version: st.Version, State: st.State, Restarts: st.Restarts, Reason: PluginReason(st),
			RSS: st.RSS, PSS: st.PSS, MemoryLimit: st.MemoryLimit,
		})
		if st.State != pluginhost.StateRunning && st.State != pluginhost.StateDisabled {
			h.Status = "degraded"
		}
	}
	return h
}

// New returns the web handler: Engine with the public routes (and, with
// Config.UI, the logged-in UI and REST API), wrapped in HeadAsGet.
func New(cfg Config) http.Handler {
	return HeadAsGet(engine(cfg))
}

// engine builds the routes.
func engine(cfg Config) *gin.Engine {
	r := Engine()
	r.GET("/static/*file", static(webui.Static()))
	public := r.Group("/", NoStore())
	public.GET("/healthz", func(c *gin.Context) {
		h := CheckHealth(cfg)
		code := http.StatusOK
		if h.Status != "ok" {
			code = http.StatusServiceUnavailable
		}
		c.JSON(code, h)
	})
	if cfg.Metrics != nil {
		public.GET("/metrics", gin.WrapH(cfg.Metrics))
	}
	if cfg.UI != nil {
		newUI(cfg).mount(r)
		return r
	}
	pages := webui.MustTemplates()
	public.GET("/", func(c *gin.Context) {
		var problems []string
		if cfg.Problems != nil {
			for _, p := range cfg.Problems() {
				problems = append(problems, p.Public)
			}
		}
		c.Header("Content-Type", "text/html; charset=utf-8")
		_ = pages.ExecuteTemplate(c.Writer, "start.html", struct {
			Health   Health
			Problems []string
		}{CheckHealth(cfg), problems})
	})
	return r
}

// static serves the files of fsys (never a directory listing), cacheable
// for an hour.
func static(fsys fs.FS) gin.HandlerFunc {
	return func(c *gin.Context) {
		name := strings.TrimPrefix(path.Clean("/"+c.Param("file")), "/")
		fi, err := fs.Stat(fsys, name)
		if err != nil || !fi.Mode().IsRegular() {
			c.Status(http.StatusNotFound)
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		c.FileFromFS(name, http.FS(fsys))
	}
}

// Package web is the host's HTTP side: /healthz now, and the web UI, REST
// API and plugin pages as they land.
package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/webui"
)

// Plugins is what the web side needs from the plugin manager.
type Plugins interface {
	Statuses() []pluginhost.Status
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
	// Problems lists setup problems to show on the start page (e.g. no
	// Discord token).
	Problems func() []string
}

// PluginHealth is one plugin's entry in /healthz.
type PluginHealth struct {
	ID       string           `json:"id"`
	Version  string           `json:"version"`
	State    pluginhost.State `json:"state"`
	Restarts int              `json:"restarts"`
	Error    string           `json:"error,omitempty"`
}

// Health is the /healthz body.
type Health struct {
	Status  string         `json:"status"`
	Version string         `json:"version"`
	Discord string         `json:"discord"`
	Plugins []PluginHealth `json:"plugins"`
}

// CheckHealth builds the /healthz body: status "ok" when every enabled
// plugin is running, "degraded" otherwise.
func CheckHealth(cfg Config) Health {
	h := Health{Status: "ok", Version: cfg.Version, Discord: "no_token", Plugins: []PluginHealth{}}
	if cfg.Discord != nil {
		h.Discord = cfg.Discord()
	}
	for _, st := range cfg.Plugins.Statuses() {
		h.Plugins = append(h.Plugins, PluginHealth{ID: st.ID, Version: st.Version, State: st.State, Restarts: st.Restarts, Error: st.LastError})
		if st.State != pluginhost.StateRunning && st.State != pluginhost.StateDisabled {
			h.Status = "degraded"
		}
	}
	return h
}

// New returns the web handler.
func New(cfg Config) http.Handler {
	pages := webui.MustTemplates()
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/healthz", func(c *gin.Context) {
		h := CheckHealth(cfg)
		code := http.StatusOK
		if h.Status != "ok" {
			code = http.StatusServiceUnavailable
		}
		c.JSON(code, h)
	})
	r.GET("/", func(c *gin.Context) {
		var problems []string
		if cfg.Problems != nil {
			problems = cfg.Problems()
		}
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Header("X-Content-Type-Options", "nosniff")
		_ = pages.ExecuteTemplate(c.Writer, "start.html", struct {
			Health   Health
			Problems []string
		}{CheckHealth(cfg), problems})
	})
	return r
}

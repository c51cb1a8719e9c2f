// Package web is the host's HTTP side: /healthz now, and the web UI, REST
// API and plugin pages as they land.
package web

import (
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host/pluginhost"
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

var startPage = template.Must(template.New("start").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>DDC</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:.5rem 1rem}
table{border-collapse:collapse}td,th{padding:.2rem .8rem;text-align:left;border-bottom:1px solid #ddd}</style></head>
<body><h1>DDC {{.Health.Version}}</h1>
{{range .Problems}}<p class="warn">{{.}}</p>{{end}}
<p>Discord: <b>{{.Health.Discord}}</b> · status: <b>{{.Health.Status}}</b></p>
<table><tr><th>plugin</th><th>version</th><th>state</th><th>restarts</th><th>last error</th></tr>
{{range .Health.Plugins}}<tr><td>{{.ID}}</td><td>{{.Version}}</td><td>{{.State}}</td><td>{{.Restarts}}</td><td>{{.Error}}</td></tr>{{end}}
</table></body></html>`))

// New returns the web handler.
func New(cfg Config) http.Handler {
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
		_ = startPage.Execute(c.Writer, struct {
			Health   Health
			Problems []string
		}{CheckHealth(cfg), problems})
	})
	return r
}

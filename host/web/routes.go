package web

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/sdk/i18n"
	"github.com/ddc-go/ddc/webui"
)

// openAPI is the REST API's OpenAPI document; a test checks that it lists
// exactly the routes mounted under /api/v1.
//
//go:embed openapi.json
var openAPI []byte

// newUI prepares the logged-in side and subscribes it to the bus.
func newUI(cfg Config) *ui {
	u := &ui{UI: *cfg.UI, cfg: cfg, log: cfg.UI.Logger, hub: newHub(), pages: webui.MustTemplates()}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	u.catalog = i18n.MustLoad(webui.Locales(), ".")
	if u.Events != nil {
		u.Events.Subscribe(busID, []string{"container.*"}, u.hub.deliver)
	}
	return u
}

// mount adds the UI's routes to r. Public: /setup (until a password is
// set), /login; everything else needs a session or an API token, and a
// CSRF token for a session's state-changing request.
func (u *ui) mount(r *gin.Engine) {
	r.Use(u.clientInfo)
	open := r.Group("/", NoStore())
	open.GET("/setup", u.setupPage)
	open.POST("/setup", u.setupSubmit)
	open.GET("/login", u.loginPage)
	open.POST("/login", u.loginSubmit)

	pages := r.Group("/", NoStore(), u.requireLogin(false))
	pages.GET("/", u.dashboard)
	pages.GET("/events", u.events)
	pages.POST("/logout", u.logout)
	pages.GET("/plugins", u.pluginsPage)
	pages.GET("/plugins/install", u.installPage)
	pages.POST("/plugins/install", u.installUpload)
	pages.POST("/plugins/install/confirm", u.installConfirm)
	pages.GET("/plugins/:id", u.pluginPage)
	pages.POST("/plugins/:id/settings", u.settingsSubmit)
	pages.POST("/plugins/:id/:op", u.pluginSubmit)
	pages.GET("/discord", u.discordPage)
	pages.POST("/discord", u.discordSubmit)
	pages.GET("/channels", u.channelsPage)
	pages.POST("/channels", u.channelsSubmit)
	pages.POST("/channels/panels", u.channelPanelsSubmit)
	pages.GET("/logs", u.logsPage)
	pages.GET("/logs/stream", u.logStream)
	pages.GET("/audit", u.auditPage)
	pages.GET("/audit.csv", u.auditCSV)
	pages.GET("/settings", u.settingsPage)
	pages.POST("/settings/language", u.languageSubmit)
	pages.POST("/settings/general", u.generalSubmit)
	pages.POST("/settings/password", u.passwordSubmit)
	pages.POST("/tokens", u.tokenCreate)
	pages.POST("/tokens/:id/revoke", u.tokenRevoke)
	pages.Any("/p/:id", func(c *gin.Context) {
		c.Redirect(http.StatusMovedPermanently, reqOf(c).Base+"/p/"+c.Param("id")+"/")
	})
	pages.Any("/p/:id/*path", u.pluginProxy)

	api := r.Group("/api/v1", NoStore(), u.requireLogin(true))
	api.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", openAPI) })
	api.GET("/containers", u.apiContainers)
	api.POST("/containers/action", u.apiContainerAction)
	api.GET("/containers/stats", u.apiContainerStats)
	api.GET("/plugins", u.apiPlugins)
	api.POST("/plugins/:id/:op", u.apiPluginOp)
	api.GET("/tasks", u.apiTasks)
	api.POST("/tasks", u.apiTaskCreate)
	api.GET("/tasks/:id", u.apiTask)
	api.DELETE("/tasks/:id", u.apiTaskDelete)
	api.POST("/tasks/:id/:op", u.apiTaskOp)
	api.GET("/audit", u.apiAudit)
	r.NoRoute(func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			u.apiNotFound(c)
		}
	})
}

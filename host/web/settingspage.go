package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/web/auth"
)

// option is a choice in a select.
type option struct {
	Value, Label string
	Selected     bool
}

// settingsData is the settings page's content.
type settingsData struct {
	Languages []option
	Defaults  []option // the host's default language (config: language)
	Tokens    []auth.Token
	NewToken  string
	// Timezone is the scheduler's default time zone
	// (plugins.scheduler.settings.timezone); "" means TZ, else UTC.
	Timezone string
	// HeartbeatSet tells whether heartbeat.url is set; the URL itself may
	// hold a secret and is never shown back.
	HeartbeatSet bool
	// Overridden names the settings an environment variable or a flag
	// sets ("language": "env DDC_LANGUAGE"): those win over config.yaml,
	// so what is saved here does not apply while they are set.
	Overridden map[string]string
}

// timezoneKey is where config.yaml holds the time zone the scheduler
// uses for new tasks: the scheduler plugin's setting.
var timezoneKey = []string{"plugins", "scheduler", "settings", "timezone"} //nolint:gochecknoglobals // constant path

// languageName names a UI language in its own language ("" for none).
func languageName(l string) string {
	switch l {
	case "en":
		return "English"
	case "de":
		return "Deutsch"
	case "fr":
		return "Français"
	}
	return ""
}

func (u *ui) settingsPage(c *gin.Context) {
	u.renderSettings(c, http.StatusOK, "", nil)
}

// renderSettings shows the settings page, with a new token shown once.
func (u *ui) renderSettings(c *gin.Context, status int, newToken string, edit func(*page)) {
	pg := u.page(c, "set.title", "settings")
	chosen := u.Auth.Language(c.Request.Context(), reqOf(c).who.User)
	d := settingsData{NewToken: newToken}
	def := ""
	if u.Config != nil {
		cfg := u.Config()
		def = cfg.Language
		d.Timezone, _ = cfg.Plugins["scheduler"].Settings["timezone"].(string)
		d.HeartbeatSet = cfg.Heartbeat.URL != ""
		d.Overridden = map[string]string{}
		for _, k := range []string{"language", "heartbeat.url"} {
			if src := cfg.Source(k); strings.HasPrefix(src, "env ") || strings.HasPrefix(src, "flag ") {
				d.Overridden[strings.ReplaceAll(k, ".", "_")] = src
			}
		}
	}
	for _, l := range u.catalog.Languages() {
		d.Languages = append(d.Languages, option{Value: l, Label: languageName(l), Selected: l == chosen})
		d.Defaults = append(d.Defaults, option{Value: l, Label: languageName(l), Selected: l == def})
	}
	toks, err := u.Auth.Tokens(c.Request.Context())
	if err != nil {
		u.log.Error("web: list tokens", "error", err)
	}
	d.Tokens = toks
	switch c.Query("done") {
	case "saved":
		pg.Notices = append(pg.Notices, pg.T("set.saved"))
	case "revoked":
		pg.Notices = append(pg.Notices, pg.T("set.revoked"))
	}
	pg.Data = d
	if edit != nil {
		edit(pg)
	}
	u.render(c, status, "settings.html", pg)
}

func (u *ui) languageSubmit(c *gin.Context) {
	lang := c.PostForm("lang")
	if languageName(lang) == "" && lang != "" {
		u.fail(c, false, http.StatusBadRequest, "invalid", "unknown language")
		return
	}
	if err := u.Auth.SetLanguage(c.Request.Context(), reqOf(c).who.User, lang); err != nil {
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not save the language; see the log")
		u.log.Error("web: save language", "error", err)
		return
	}
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/settings?done=saved")
}

func (u *ui) passwordSubmit(c *gin.Context) {
	who := reqOf(c).who
	err := u.Auth.ChangePassword(c.Request.Context(), who.Session.ID, c.PostForm("old"), c.PostForm("password"))
	u.auditResult(c, "web.password", auth.AdminUser, err)
	if err == nil {
		c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/settings?done=saved")
		return
	}
	u.renderSettings(c, http.StatusBadRequest, "", func(pg *page) {
		switch {
		case errors.Is(err, auth.ErrWeakPassword):
			pg.Errors["password"] = pg.T("setup.weak")
		case errors.Is(err, auth.ErrBadCredentials):
			pg.Errors["password"] = pg.T("login.bad")
		default:
			u.log.Error("web: change password", "error", err)
			pg.Errors["password"] = pg.T("err.failed", "Error", "see the log")
		}
	})
}

func (u *ui) tokenCreate(c *gin.Context) {
	plain, tok, err := u.Auth.CreateToken(c.Request.Context(), c.PostForm("name"))
	if err != nil {
		u.renderSettings(c, http.StatusBadRequest, "", func(pg *page) {
			pg.Warnings = append(pg.Warnings, pg.T("err.failed", "Error", err.Error()))
		})
		return
	}
	u.audit(c, "web.token.create", tok.Name, "ok", "id "+tok.ID)
	// The token is shown this once, in this answer only (no-store).
	u.renderSettings(c, http.StatusOK, plain, nil)
}

func (u *ui) tokenRevoke(c *gin.Context) {
	tok, err := u.Auth.RevokeToken(c.Request.Context(), c.Param("id"))
	if errors.Is(err, auth.ErrNotFound) {
		u.fail(c, false, http.StatusNotFound, "not_found", "no such token")
		return
	}
	if err != nil {
		u.log.Error("web: revoke token", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not revoke the token; see the log")
		return
	}
	u.audit(c, "web.token.revoke", tok.Name, "ok", "id "+tok.ID)
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/settings?done=revoked")
}

// general is the general settings form as submitted.
type general struct {
	Language     string
	Timezone     string
	HeartbeatURL string // "" keeps the one set
	HeartbeatOff bool
}

// check validates g: the problems by form field, empty when it is good.
func (g general) check(pg *page) map[string]string {
	errs := map[string]string{}
	if languageName(g.Language) == "" {
		errs["language"] = pg.T("set.badlang")
	}
	if g.Timezone != "" {
		if _, err := time.LoadLocation(g.Timezone); err != nil || g.Timezone == "Local" || len(g.Timezone) > 64 {
			errs["timezone"] = pg.T("set.badtz", "Zone", g.Timezone)
		}
	}
	if g.HeartbeatURL != "" && !config.ValidHTTPURL(g.HeartbeatURL) {
		errs["heartbeat_url"] = pg.T("set.badurl")
	}
	return errs
}

// changes are the config edits that save g; the time zone only when it
// differs from tz, the one set (so no scheduler section appears for
// nothing).
func (g general) changes(tz string) []config.Change {
	out := []config.Change{{Key: []string{"language"}, Value: g.Language}}
	if g.Timezone != tz {
		out = append(out, config.Change{Key: timezoneKey, Value: g.Timezone})
	}
	switch {
	case g.HeartbeatOff:
		out = append(out, config.Change{Key: []string{"heartbeat", "url"}, Value: ""})
	case g.HeartbeatURL != "":
		out = append(out, config.Change{Key: []string{"heartbeat", "url"}, Value: g.HeartbeatURL})
	}
	return out
}

// generalSubmit saves the default language, the time zone and the
// heartbeat URL in one atomic write of config.yaml, after checking all
// three; the host's watcher applies them live (the scheduler gets its
// settings, the heartbeat restarts with the new URL).
func (u *ui) generalSubmit(c *gin.Context) {
	g := general{
		Language: c.PostForm("language"), Timezone: strings.TrimSpace(c.PostForm("timezone")),
		HeartbeatURL: strings.TrimSpace(c.PostForm("heartbeat_url")), HeartbeatOff: c.PostForm("heartbeat_off") == "true",
	}
	pg := u.page(c, "set.title", "settings")
	if errs := g.check(pg); len(errs) > 0 {
		u.renderSettings(c, http.StatusBadRequest, "", func(p *page) {
			p.Errors = errs
			d := p.Data.(settingsData)
			d.Timezone = g.Timezone
			for i := range d.Defaults {
				d.Defaults[i].Selected = d.Defaults[i].Value == g.Language
			}
			p.Data = d
		})
		return
	}
	tz := ""
	if u.Config != nil {
		tz, _ = u.Config().Plugins["scheduler"].Settings["timezone"].(string)
	}
	err := u.updateConfig(g.changes(tz)...)
	detail := "language " + g.Language + ", timezone " + g.Timezone
	if g.HeartbeatOff || g.HeartbeatURL != "" {
		detail += ", heartbeat url"
	}
	u.auditResult(c, "settings.general", detail, err)
	if err != nil {
		u.log.Error("web: save general settings", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not save; see the log")
		return
	}
	// The page after the redirect shows the running config: wait (a
	// little) for the host's watcher to load the new one, so it shows
	// what was saved.
	u.awaitConfig(c.Request.Context(), func(cfg *config.Config) bool {
		tz, _ := cfg.Plugins["scheduler"].Settings["timezone"].(string)
		return cfg.Language == g.Language && tz == g.Timezone
	})
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/settings?done=saved")
}

// configWait bounds awaitConfig: the host's watcher polls config.yaml
// every second or so.
const configWait = 5 * time.Second

// awaitConfig waits until the running config satisfies ok, configWait
// at most.
func (u *ui) awaitConfig(ctx context.Context, ok func(*config.Config) bool) {
	if u.Config == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, configWait)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !ok(u.Config()) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package web

import (
	"errors"
	"net/http"

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
}

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
		def = u.Config().Language
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
	if edit != nil {
		edit(pg)
	}
	pg.Data = d
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

// defaultLanguageSubmit saves the host's default language (config key
// language): what Discord messages and the UI fall back to.
func (u *ui) defaultLanguageSubmit(c *gin.Context) {
	lang := c.PostForm("language")
	if languageName(lang) == "" {
		u.fail(c, false, http.StatusBadRequest, "invalid", "unknown language")
		return
	}
	err := u.updateConfig(config.Change{Key: []string{"language"}, Value: lang})
	u.auditResult(c, "settings.language", lang, err)
	if err != nil {
		u.log.Error("web: save default language", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not save; see the log")
		return
	}
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/settings?done=saved")
}

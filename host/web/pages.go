package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/host/web/auth"
	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// audit records what a web user did, in the host's share of the log.
func (u *ui) audit(c *gin.Context, action, target, result, detail string) {
	e := store.AuditEntry{UserName: reqOf(c).who.auditName(), UserID: "web", Action: action, Target: target, Result: result, Detail: detail}
	if err := u.Audit.AppendAudit(context.WithoutCancel(c.Request.Context()), e); err != nil {
		u.log.Warn("web: audit", "action", action, "error", err)
	}
}

// setupPage shows the first-run form; once a password is set it sends to
// the login page.
func (u *ui) setupPage(c *gin.Context) {
	if need, err := u.Auth.NeedsSetup(c.Request.Context()); err != nil || !need {
		c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/login")
		return
	}
	pg := u.page(c, "setup.title", "")
	pg.CSRF = preToken(c)
	pg.Data = u.publicStatus()
	u.render(c, http.StatusOK, "setup.html", pg)
}

func (u *ui) setupSubmit(c *gin.Context) {
	if !checkPre(c) {
		u.fail(c, false, http.StatusForbidden, "csrf", "missing or wrong CSRF token; reload the page")
		return
	}
	ctx := c.Request.Context()
	pg := u.page(c, "setup.title", "")
	pg.CSRF = preToken(c)
	pg.Data = u.publicStatus()
	pw := c.PostForm("password")
	switch {
	case pw != c.PostForm("repeat"):
		pg.Errors["repeat"] = pg.T("setup.mismatch")
	default:
		err := u.Auth.Setup(ctx, pw)
		switch {
		case errors.Is(err, auth.ErrWeakPassword):
			pg.Errors["password"] = pg.T("setup.weak")
		case errors.Is(err, auth.ErrSetupDone):
			u.fail(c, false, http.StatusForbidden, "setup_done", "the admin password is already set; log in")
			return
		case err != nil:
			u.log.Error("web: setup", "error", err)
			u.fail(c, false, http.StatusInternalServerError, "internal", "could not save the password; see the log")
			return
		default:
			u.log.Info("web: admin password set through the setup page", "client", reqOf(c).IP)
			reqOf(c).who = identity{User: auth.AdminUser}
			u.audit(c, "web.setup", auth.AdminUser, "ok", "")
			u.loginAndGo(c, pw)
			return
		}
	}
	u.render(c, http.StatusBadRequest, "setup.html", pg)
}

// loginAndGo logs in with the password just set and opens the dashboard.
func (u *ui) loginAndGo(c *gin.Context, pw string) {
	s, _, err := u.Auth.Login(c.Request.Context(), reqOf(c).IP, pw)
	if err != nil {
		c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/login")
		return
	}
	startSession(c, s)
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/")
}

func (u *ui) loginPage(c *gin.Context) {
	if need, err := u.Auth.NeedsSetup(c.Request.Context()); err == nil && need {
		c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/setup")
		return
	}
	u.render(c, http.StatusOK, "login.html", u.loginData(c))
}

func (u *ui) loginData(c *gin.Context) *page {
	pg := u.page(c, "login.title", "")
	pg.CSRF = preToken(c)
	pg.Data = u.publicStatus()
	return pg
}

// publicState is what the setup and login pages show anyone: the
// public start page's states, generic reasons and setup problems.
type publicState struct {
	Health   Health
	Problems []string
}

func (u *ui) publicStatus() publicState {
	var problems []string
	if u.cfg.Problems != nil {
		for _, p := range u.cfg.Problems() {
			problems = append(problems, p.Public)
		}
	}
	return publicState{Health: CheckHealth(u.cfg), Problems: problems}
}

func (u *ui) loginSubmit(c *gin.Context) {
	if !checkPre(c) {
		u.fail(c, false, http.StatusForbidden, "csrf", "missing or wrong CSRF token; reload the page")
		return
	}
	r := reqOf(c)
	s, retry, err := u.Auth.Login(c.Request.Context(), r.IP, c.PostForm("password"))
	pg := u.loginData(c)
	switch {
	case errors.Is(err, auth.ErrNotSetUp):
		c.Redirect(http.StatusSeeOther, r.Base+"/setup")
	case errors.Is(err, auth.ErrRateLimited):
		u.log.Warn("web: login refused: too many failures", "client", r.IP)
		c.Header("Retry-After", strconv.Itoa(max(1, int(time.Until(retry).Seconds()+0.999))))
		pg.Errors["password"] = pg.T("login.limited")
		u.render(c, http.StatusTooManyRequests, "login.html", pg)
	case errors.Is(err, auth.ErrBadCredentials):
		u.log.Warn("web: failed login", "client", r.IP)
		pg.Errors["password"] = pg.T("login.bad")
		u.render(c, http.StatusUnauthorized, "login.html", pg)
	case err != nil:
		u.log.Error("web: login", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "login failed; see the log")
	default:
		startSession(c, s)
		r.who = identity{User: s.User, Session: s}
		u.audit(c, "web.login", "", "ok", "from "+r.IP)
		c.Redirect(http.StatusSeeOther, r.Base+"/")
	}
}

func (u *ui) logout(c *gin.Context) {
	if s := reqOf(c).who.Session; s != nil {
		u.Auth.Logout(s.ID)
	}
	setCookie(c, sessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/login")
}

// dashboardData is the dashboard's content.
type dashboardData struct {
	capi.ListResult
	Error string
}

// invoke calls a plugin action for the request's user.
func (u *ui) invoke(c *gin.Context, action string, args, out any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("encode arguments of %s: %w", action, err)
	}
	lang := u.translator(c).Lang()
	def := ""
	if u.Config != nil {
		def = u.Config().Language
	}
	res, err := u.Host.Invoke(c.Request.Context(), webCaller, action, raw, reqOf(c).who.interaction(lang, def))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(res, out); err != nil {
		return fmt.Errorf("decode result of %s: %w", action, err)
	}
	return nil
}

func (u *ui) dashboard(c *gin.Context) {
	pg := u.page(c, "dash.title", "dashboard")
	var d dashboardData
	if err := u.invoke(c, capi.ActionList, capi.Args{}, &d.ListResult); err != nil {
		u.log.Warn("web: list containers", "error", err)
		d.Error = pg.T("dash.noplugin")
	}
	pg.Data = d
	u.render(c, http.StatusOK, "dashboard.html", pg)
}

// pluginRow is a plugin as the plugins page shows it, and as its live
// updates ("plugins" events) send it.
type pluginRow struct {
	pluginhost.Status
	// Memory is the process's memory at the host's last reading (the
	// memory watchdog's, as in /healthz): "12.3 MiB RSS, 8.1 MiB PSS", ""
	// when not running.
	Memory string `json:"memory_text"`
	// Limit is the memory limit, "64 MiB", "" when unknown.
	Limit string `json:"limit_text"`
}

// mib shows bytes in MiB with one decimal.
func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }

// newPluginRow fills the memory texts of st.
func newPluginRow(st pluginhost.Status) pluginRow {
	r := pluginRow{Status: st}
	if st.RSS > 0 && st.State == pluginhost.StateRunning {
		r.Memory = mib(st.RSS) + " RSS"
		if st.PSS > 0 {
			r.Memory += ", " + mib(st.PSS) + " PSS"
		}
	}
	if st.MemoryLimit > 0 {
		r.Limit = strconv.FormatInt(st.MemoryLimit>>20, 10) + " MiB"
	}
	return r
}

func (u *ui) pluginRows() []pluginRow {
	sts := u.Host.Statuses()
	rows := make([]pluginRow, len(sts))
	for i, st := range sts {
		rows[i] = newPluginRow(st)
	}
	return rows
}

func (u *ui) pluginsPage(c *gin.Context) {
	pg := u.page(c, "plug.title", "plugins")
	if op, id := c.Query("done"), c.Query("id"); (validPluginOp(op) || op == "install") && id != "" {
		pg.Notices = append(pg.Notices, pg.T("plug.done", "ID", id, "Op", pg.T("plug."+op)))
	}
	pg.Data = u.pluginRows()
	pg.CanInstall = u.Installer != nil
	u.render(c, http.StatusOK, "plugins.html", pg)
}

func validPluginOp(op string) bool {
	return op == "enable" || op == "disable" || op == "restart" || op == "uninstall"
}

// errPluginNotFound means no such plugin is installed.
var errPluginNotFound = errors.New("no such plugin")

// pluginOp enables, disables or restarts a plugin. Enable and disable are
// saved in the config (plugins.<id>.enabled) first, so they last across
// restarts, then applied at once.
func (u *ui) pluginOp(ctx context.Context, id, op string) error {
	var st pluginhost.Status
	found := false
	for _, s := range u.Host.Statuses() {
		if s.ID == id {
			st, found = s, true
		}
	}
	if !found {
		return fmt.Errorf("%s plugin %q: %w", op, id, errPluginNotFound)
	}
	switch op {
	case "uninstall":
		if u.Installer == nil || st.Bundled {
			return fmt.Errorf("uninstall plugin %s: a bundled plugin cannot be uninstalled (disable it), and this build installs none: %w", id, sdk.ErrInvalid)
		}
		if err := u.Host.Disable(ctx, id); err != nil {
			return err
		}
		return u.Installer.Remove(ctx, id)
	case "enable", "disable":
		if err := u.updateConfig(config.Change{Key: []string{"plugins", id, "enabled"}, Value: op == "enable"}); err != nil {
			return err
		}
		if op == "enable" {
			return u.Host.Enable(ctx, id)
		}
		return u.Host.Disable(ctx, id)
	case "restart":
		return u.Host.Restart(ctx, id)
	}
	return fmt.Errorf("plugin operation %q: %w", op, errPluginNotFound)
}

// updateConfig saves edits into config.yaml, one edit at a time.
func (u *ui) updateConfig(edits ...config.Change) error {
	if u.ConfigFile == "" {
		return errors.New("no config file to save into")
	}
	u.editMu.Lock()
	defer u.editMu.Unlock()
	return config.Update(u.ConfigFile, edits...)
}

func (u *ui) pluginSubmit(c *gin.Context) {
	id, op := c.Param("id"), c.Param("op")
	if !validPluginOp(op) {
		u.fail(c, false, http.StatusNotFound, "not_found", "no such page")
		return
	}
	err := u.pluginOp(c.Request.Context(), id, op)
	u.auditResult(c, "plugin."+op, id, err)
	if errors.Is(err, errPluginNotFound) {
		u.fail(c, false, http.StatusNotFound, "not_found", "no such plugin")
		return
	}
	if err != nil {
		u.log.Error("web: plugin", "op", op, "plugin", id, "error", err)
		pg := u.page(c, "plug.title", "plugins")
		pg.Warnings = append(pg.Warnings, pg.T("err.failed", "Error", err.Error()))
		pg.Data = u.pluginRows()
		pg.CanInstall = u.Installer != nil
		status, _ := apiStatus(err)
		u.render(c, status, "plugins.html", pg)
		return
	}
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/plugins?done="+op+"&id="+id)
}

// auditResult audits an action with its outcome.
func (u *ui) auditResult(c *gin.Context, action, target string, err error) {
	if err != nil {
		u.audit(c, action, target, "error", err.Error())
		return
	}
	u.audit(c, action, target, "ok", "")
}

// userMessage is an error as a user may see it.
func userMessage(err error) string {
	if m, ok := sdk.UserMessage(err); ok {
		return m
	}
	return err.Error()
}

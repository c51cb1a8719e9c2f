package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host/store"
)

// maxAuditShown is the most entries the audit page shows at once.
const maxAuditShown = 500

// auditFilter selects audit entries: user and target are substrings
// (case-insensitive), from and to are dates (YYYY-MM-DD, UTC, inclusive).
type auditFilter struct {
	User, Target, From, To string
}

func filterOf(c *gin.Context) auditFilter {
	clip := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) > 100 {
			s = s[:100]
		}
		return s
	}
	return auditFilter{User: clip(c.Query("user")), Target: clip(c.Query("target")), From: clip(c.Query("from")), To: clip(c.Query("to"))}
}

func (f auditFilter) query() string {
	v := url.Values{}
	for k, s := range map[string]string{"user": f.User, "target": f.Target, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// match reports whether e passes the filter.
func (f auditFilter) match(e store.AuditEntry) bool {
	has := func(field, want string) bool {
		return want == "" || strings.Contains(strings.ToLower(field), strings.ToLower(want))
	}
	if !has(e.UserName+" "+e.UserID, f.User) || !has(e.Target, f.Target) {
		return false
	}
	if d, err := time.Parse("2006-01-02", f.From); err == nil && e.Time.Before(d) {
		return false
	}
	if d, err := time.Parse("2006-01-02", f.To); err == nil && !e.Time.Before(d.AddDate(0, 0, 1)) {
		return false
	}
	return true
}

// auditEntries returns the entries passing f, newest first, at most limit
// (0: all), and whether there were more.
func (u *ui) auditEntries(c *gin.Context, f auditFilter, limit int) ([]store.AuditEntry, bool, error) {
	all, err := u.Audit.Audit(c.Request.Context(), 0)
	if err != nil {
		return nil, false, err
	}
	out := []store.AuditEntry{}
	for _, e := range all {
		if !f.match(e) {
			continue
		}
		if limit > 0 && len(out) >= limit {
			return out, true, nil
		}
		out = append(out, e)
	}
	return out, false, nil
}

// auditPageData is the audit page's content.
type auditPageData struct {
	Filter  auditFilter
	Query   string
	Entries []store.AuditEntry
	More    bool
	Shown   int
}

func (u *ui) auditPage(c *gin.Context) {
	f := filterOf(c)
	entries, more, err := u.auditEntries(c, f, maxAuditShown)
	if err != nil {
		u.log.Error("web: read audit", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not read the audit log; see the log")
		return
	}
	pg := u.page(c, "audit.title", "audit")
	pg.Data = auditPageData{Filter: f, Query: f.query(), Entries: entries, More: more, Shown: len(entries)}
	u.render(c, http.StatusOK, "audit.html", pg)
}

// csvSafe keeps a spreadsheet from taking a cell for a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (u *ui) auditCSV(c *gin.Context) {
	entries, _, err := u.auditEntries(c, filterOf(c), 0)
	if err != nil {
		u.log.Error("web: read audit", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not read the audit log; see the log")
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="ddc-audit.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"time", "user_id", "user_name", "source", "guild_id", "channel_id", "action", "target", "result", "detail"})
	for _, e := range entries {
		src := e.Plugin
		if src == "" {
			src = "host"
		}
		row := []string{e.Time.UTC().Format(time.RFC3339), e.UserID, e.UserName, src, e.GuildID, e.ChannelID, e.Action, e.Target, e.Result, e.Detail}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		_ = w.Write(row)
	}
	w.Flush()
}

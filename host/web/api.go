package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	sapi "github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
)

// maxAPIBody caps a REST request body.
const maxAPIBody = 64 << 10

// apiStatus maps an action's error to an HTTP status and error code.
func apiStatus(err error) (int, string) {
	switch {
	case errors.Is(err, sdk.ErrNotFound), errors.Is(err, errPluginNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, sdk.ErrPermission):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, sdk.ErrInvalid):
		return http.StatusBadRequest, "invalid"
	case errors.Is(err, sdk.ErrBusy):
		return http.StatusConflict, "busy"
	case errors.Is(err, sdk.ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	case errors.Is(err, sdk.ErrTimeout):
		return http.StatusGatewayTimeout, "timeout"
	}
	return http.StatusInternalServerError, "internal"
}

// apiFail answers an action's error as JSON.
func (u *ui) apiFail(c *gin.Context, err error) {
	status, code := apiStatus(err)
	msg := userMessage(err)
	if status == http.StatusInternalServerError {
		u.log.Error("web: api", "path", c.FullPath(), "error", err)
		msg = "internal error; see the log"
	}
	u.fail(c, true, status, code, msg)
}

// bindJSON reads a small JSON body into v; it answers 400 itself.
func (u *ui) bindJSON(c *gin.Context, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		u.fail(c, true, http.StatusBadRequest, "invalid", "the body is not the expected JSON: "+err.Error())
		return false
	}
	return true
}

// proxyAction invokes action with args and answers its JSON result.
func (u *ui) proxyAction(c *gin.Context, action string, args any) {
	var out json.RawMessage
	if err := u.invoke(c, action, args, &out); err != nil {
		u.apiFail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", out)
}

func (u *ui) apiContainers(c *gin.Context) { u.proxyAction(c, capi.ActionList, capi.Args{}) }

// actionRequest is the body of POST /api/v1/containers/action.
type actionRequest struct {
	Container      string `json:"container"`
	Action         string `json:"action"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty"`
}

func (u *ui) apiContainerAction(c *gin.Context) {
	var req actionRequest
	if !u.bindJSON(c, &req) {
		return
	}
	op := capi.Op(req.Action)
	if !op.Changes() {
		u.fail(c, true, http.StatusBadRequest, "invalid", "action must be start, stop or restart, got "+strconv.Quote(req.Action))
		return
	}
	var res capi.ActionResult
	err := u.invoke(c, op.Action(), capi.Args{Container: req.Container, TimeoutSeconds: req.TimeoutSeconds}, &res)
	if err != nil {
		u.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"container": res.Container, "action": res.Action, "ok": res.OK, "changed": res.Changed,
		"state": res.State, "message": res.Detail, "duration_ms": res.DurationMS})
}

func (u *ui) apiContainerStats(c *gin.Context) {
	var res capi.StatsResult
	if err := u.invoke(c, capi.ActionStats, capi.Args{Container: c.Query("container")}, &res); err != nil {
		u.apiFail(c, err)
		return
	}
	summary := "not running"
	if res.Running {
		summary = strconv.FormatFloat(res.CPUPercent, 'f', 1, 64) + "% CPU · " +
			strconv.FormatFloat(float64(res.MemoryBytes)/(1<<20), 'f', 1, 64) + " MiB"
	}
	c.JSON(http.StatusOK, gin.H{"stats": res, "summary": summary})
}

func (u *ui) apiPlugins(c *gin.Context) {
	rows := u.pluginRows()
	out := make([]gin.H, len(rows))
	for i, r := range rows {
		out[i] = gin.H{"id": r.ID, "name": r.Name, "version": r.Version, "state": r.State, "restarts": r.Restarts,
			"last_error": r.LastError, "pid": r.PID, "bundled": r.Bundled, "since": r.Since, "memory": r.Memory,
			"rss": r.RSS, "pss": r.PSS, "memory_limit": r.MemoryLimit}
	}
	c.JSON(http.StatusOK, gin.H{"plugins": out})
}

func (u *ui) apiPluginOp(c *gin.Context) {
	id, op := c.Param("id"), c.Param("op")
	if !validPluginOp(op) {
		u.fail(c, true, http.StatusNotFound, "not_found", "no such operation: use enable, disable or restart")
		return
	}
	err := u.pluginOp(c.Request.Context(), id, op)
	u.auditResult(c, "plugin."+op, id, err)
	if err != nil {
		u.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "op": op, "ok": true})
}

func (u *ui) apiTasks(c *gin.Context) {
	u.proxyAction(c, sapi.ActionList, sapi.ListArgs{Container: c.Query("container")})
}

func (u *ui) apiTask(c *gin.Context) {
	u.proxyAction(c, sapi.ActionGet, sapi.IDArgs{ID: c.Param("id")})
}

func (u *ui) apiTaskCreate(c *gin.Context) {
	var spec json.RawMessage
	if !u.bindJSON(c, &spec) {
		return
	}
	u.proxyAction(c, sapi.ActionCreate, spec)
}

func (u *ui) apiTaskDelete(c *gin.Context) {
	u.proxyAction(c, sapi.ActionDelete, sapi.IDArgs{ID: c.Param("id")})
}

func (u *ui) apiTaskOp(c *gin.Context) {
	action := map[string]string{"pause": sapi.ActionPause, "resume": sapi.ActionResume}[c.Param("op")]
	if action == "" {
		u.fail(c, true, http.StatusNotFound, "not_found", "no such operation: use pause or resume")
		return
	}
	u.proxyAction(c, action, sapi.IDArgs{ID: c.Param("id")})
}

func (u *ui) apiAudit(c *gin.Context) {
	limit := 100
	if n, err := strconv.Atoi(c.Query("limit")); err == nil && n > 0 && n <= 5000 {
		limit = n
	}
	entries, more, err := u.auditEntries(c, filterOf(c), limit)
	if err != nil {
		u.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries, "more": more})
}

func (u *ui) apiNotFound(c *gin.Context) {
	u.fail(c, true, http.StatusNotFound, "not_found", "no such API route; see /api/v1/openapi.json")
}

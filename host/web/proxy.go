package web

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// maxProxyBody caps a request body sent to a plugin's pages.
const maxProxyBody = 1 << 20

// droppedRequestHeaders never reach a plugin: credentials, and whatever a
// client sent in the headers only the host may set.
var droppedRequestHeaders = []string{"Cookie", "Authorization", userHeader, csrfHeader, prefixHeader, "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"} //nolint:gochecknoglobals // constant list

// keptResponseHeader reports whether a plugin's response header is passed
// on: never cookies, and never one that would weaken the host's security
// headers.
func keptResponseHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Set-Cookie", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
		"Cross-Origin-Opener-Policy", "Strict-Transport-Security", "Content-Length", "Connection", "Transfer-Encoding":
		return false
	}
	return !strings.HasPrefix(http.CanonicalHeaderKey(name), "Access-Control-")
}

// pluginProxy serves /p/<id>/... through the plugin's HandleHTTP, behind
// the login and CSRF check (requireLogin). The host sets X-DDC-User (the
// logged-in user), X-CSRF-Token (the session's token, for the plugin's
// forms) and X-Forwarded-Prefix (where the plugin's pages live); the
// client's own values of these are dropped.
func (u *ui) pluginProxy(c *gin.Context) {
	id := c.Param("id")
	mf, ok := u.Host.Manifests()[id]
	if !ok || len(mf.Pages) == 0 {
		u.fail(c, false, http.StatusNotFound, "not_found", "no such plugin page")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxProxyBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		u.fail(c, false, http.StatusRequestEntityTooLarge, "too_large", "the request is too large")
		return
	}
	if err != nil {
		u.fail(c, false, http.StatusBadRequest, "bad_request", "could not read the request")
		return
	}
	r := reqOf(c)
	hdr := c.Request.Header.Clone()
	for _, name := range droppedRequestHeaders {
		hdr.Del(name)
	}
	hdr.Set(userHeader, r.who.User)
	if r.who.Session != nil {
		hdr.Set(csrfHeader, r.who.Session.CSRF)
	}
	hdr.Set(prefixHeader, r.Base+"/p/"+id)
	path := c.Param("path")
	if path == "" {
		path = "/"
	}
	res, err := u.Host.HandleHTTP(c.Request.Context(), id, &grpcplugin.HTTPRequest{
		Method: c.Request.Method, Path: path, RawQuery: c.Request.URL.RawQuery, Header: hdr, Body: body, User: r.who.User,
	})
	if err != nil {
		u.log.Warn("web: plugin page", "plugin", id, "path", path, "error", err)
		u.fail(c, false, http.StatusBadGateway, "plugin_error", "the plugin could not answer; see the log")
		return
	}
	if res.Status < 100 || res.Status > 599 {
		u.fail(c, false, http.StatusBadGateway, "plugin_error", "the plugin gave an invalid answer")
		return
	}
	for name, vs := range res.Header {
		if keptResponseHeader(name) {
			for _, v := range vs {
				c.Writer.Header().Add(name, v)
			}
		}
	}
	if c.Writer.Header().Get("Cache-Control") == "" {
		c.Header("Cache-Control", "no-store")
	}
	c.Status(res.Status)
	_, _ = c.Writer.Write(res.Body)
}

package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// ContentSecurityPolicy is the CSP of every response: the UI's scripts,
// styles, images and requests come only from the host itself (nothing
// inline, no CDN), and no other site may frame it.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every response carries: the CSP,
// X-Frame-Options (for browsers without frame-ancestors),
// X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy.
// Use it on the whole engine.
func SecurityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		c.Next()
	}
}

// NoStore marks responses as not to be kept by browsers or proxies: use it
// on every page and API route that shows state (everything behind a login,
// and the live public status).
func NoStore() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.Next()
	}
}

// Engine returns a gin engine with DDC's middleware in place: panics
// recovered, SecurityHeaders on every response (404 and 405 too), 405 with
// an Allow header for a wrong method. Serve it wrapped in HeadAsGet.
//
// DDC never runs gin in its debug mode (a route list and warnings on
// stderr): Engine switches a process still in it to release mode; test
// mode is left alone.
func Engine() *gin.Engine {
	if gin.Mode() == gin.DebugMode {
		gin.SetMode(gin.ReleaseMode)
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(gin.Recovery(), SecurityHeaders())
	r.NoMethod(allowHead)
	return r
}

// HeadAsGet wraps the engine: HEAD is answered wherever GET is, by the GET
// route with all its middleware; net/http drops the body of a response to
// a HEAD request whatever the handler writes.
func HeadAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			g := r.Clone(r.Context())
			g.Method = http.MethodGet
			r = g
		}
		next.ServeHTTP(w, r)
	})
}

// allowHead runs on a 405: gin has set Allow to the route's methods; HEAD
// goes with GET (see HeadAsGet).
func allowHead(c *gin.Context) {
	h := c.Writer.Header()
	allow := strings.Split(h.Get("Allow"), ", ")
	if slices.Contains(allow, http.MethodGet) && !slices.Contains(allow, http.MethodHead) {
		h.Set("Allow", h.Get("Allow")+", "+http.MethodHead)
	}
}

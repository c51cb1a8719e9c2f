package metrics

import (
	"bytes"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// Access says who may read /metrics; Handler asks for it on every request,
// so a config change applies at once.
type Access struct {
	// Enabled false answers 404, as if there were no /metrics.
	Enabled bool
	// Token, when set, admits any client sending "Authorization: Bearer
	// <Token>". Without it only clients on this machine are admitted: a
	// loopback address and no Forwarded or X-Forwarded-For header (a
	// reverse proxy on this machine forwards others' requests).
	Token string
}

// Handler serves s in the Prometheus text format (GET and HEAD), admitting
// clients as access() says: 404 when disabled, 401 without the right token,
// 403 for a client that is not on this machine when no token is set.
func Handler(s *Set, access func() Access) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := access()
		switch {
		case !a.Enabled:
			http.NotFound(w, r)
			return
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		case a.Token != "":
			if !bearer(r, a.Token) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ddc metrics"`)
				http.Error(w, "/metrics needs the token set in web.metrics_token (Authorization: Bearer <token>)", http.StatusUnauthorized)
				return
			}
		case !local(r):
			http.Error(w, "/metrics is readable from this machine only; set web.metrics_token to read it from elsewhere", http.StatusForbidden)
			return
		}
		var buf bytes.Buffer
		s.WritePrometheus(&buf)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodGet {
			_, _ = w.Write(buf.Bytes())
		}
	})
}

// bearer reports whether r carries token as a bearer token, compared in
// constant time.
func bearer(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

// local reports whether r comes straight from this machine.
func local(r *http.Request) bool {
	if r.Header.Get("Forwarded") != "" || r.Header.Get("X-Forwarded-For") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

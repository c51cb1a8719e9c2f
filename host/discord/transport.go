package discord

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// rewriteTransport sends requests for discord.com to the configured API
// base URL, so one session talks to a Discord-compatible server or REST
// proxy without touching discordgo's package-level endpoints. Requests for
// other hosts pass through unchanged.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

// newRewriteTransport returns a transport redirecting discord.com to
// apiURL ("https://discord.com" leaves requests as they are).
func newRewriteTransport(apiURL string, next http.RoundTripper) (http.RoundTripper, error) {
	u, err := url.Parse(strings.TrimRight(apiURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("discord api url %q: not an absolute http(s) URL", apiURL)
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &rewriteTransport{base: u, next: next}, nil
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "discord.com" || (t.base.Host == "discord.com" && t.base.Scheme == req.URL.Scheme && t.base.Path == "") {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.URL.Path = t.base.Path + req.URL.Path
	if req.URL.RawPath != "" {
		r.URL.RawPath = t.base.Path + req.URL.RawPath
	}
	r.Host = t.base.Host
	return t.next.RoundTrip(r)
}

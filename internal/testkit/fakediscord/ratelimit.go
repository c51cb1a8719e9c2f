package fakediscord

import (
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"time"
)

// RouteLimit is a rate-limit bucket: Limit requests per Window for each
// value of the route's major parameters (channel, guild, webhook or
// interaction).
type RouteLimit struct {
	// Method is the HTTP method; "" matches any.
	Method string
	// Route is a route pattern as in Request.Route without the method, e.g.
	// "/channels/{channel_id}/messages/{message_id}".
	Route  string
	Limit  int
	Window time.Duration
}

// DefaultRouteLimits returns the per-route buckets the fake uses unless
// Config.RouteLimits overrides them: message creates and edits 5 per 5 s
// per channel, deletes 5 per second per channel.
func DefaultRouteLimits() []RouteLimit {
	return []RouteLimit{
		{Method: http.MethodPost, Route: "/channels/{channel_id}/messages", Limit: 5, Window: 5 * time.Second},
		{Method: http.MethodPatch, Route: "/channels/{channel_id}/messages/{message_id}", Limit: 5, Window: 5 * time.Second},
		{Method: http.MethodDelete, Route: "/channels/{channel_id}/messages/{message_id}", Limit: 5, Window: time.Second},
	}
}

type script struct {
	method, route string
	status        int
	retryAfter    time.Duration
	global        bool
	count         int
}

type bucket struct {
	limit        int
	window       time.Duration
	remaining    int
	resetAt      time.Time
	blockedUntil time.Time // a 429 announced retry_after until then
	hash         string
}

type limiter struct {
	off                bool
	routes             []RouteLimit
	def                RouteLimit
	globalLimit        int
	globalWindow       time.Duration
	globalStart        time.Time
	globalCount        int
	globalBlockedUntil time.Time
	buckets            map[string]*bucket
	scripts            []*script
}

func newLimiter(cfg Config) *limiter {
	l := &limiter{
		off:          cfg.NoRateLimits,
		routes:       DefaultRouteLimits(),
		def:          cfg.DefaultRouteLimit,
		globalLimit:  cfg.GlobalLimit,
		globalWindow: cfg.GlobalWindow,
		buckets:      map[string]*bucket{},
	}
	for _, rl := range cfg.RouteLimits {
		replaced := false
		for i, d := range l.routes {
			if d.Method == rl.Method && d.Route == rl.Route {
				l.routes[i] = rl
				replaced = true
			}
		}
		if !replaced {
			l.routes = append(l.routes, rl)
		}
	}
	return l
}

func (l *limiter) routeLimit(method, pattern string) RouteLimit {
	for _, rl := range l.routes {
		if (rl.Method == "" || rl.Method == method) && rl.Route == pattern {
			return rl
		}
	}
	return l.def
}

func (l *limiter) bucketFor(key, method, pattern string) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		rl := l.routeLimit(method, pattern)
		h := fnv.New64a()
		h.Write([]byte(method + " " + pattern))
		b = &bucket{limit: rl.Limit, window: rl.Window, hash: fmt.Sprintf("%016x", h.Sum64())}
		l.buckets[key] = b
	}
	return b
}

// limitResult is what the limiter decided for one request.
type limitResult struct {
	violation bool
	header    http.Header
	reject    *response // non-nil: answer with this instead of the handler
}

// ceilMS rounds a duration up to whole milliseconds, the precision at which
// discordgo parses retry_after and X-RateLimit-Reset-After.
func ceilMS(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return time.Duration(math.Ceil(float64(d)/float64(time.Millisecond))) * time.Millisecond
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func (l *limiter) check(now time.Time, method, pattern, key string, exemptGlobal bool) limitResult {
	res := limitResult{header: http.Header{}}
	b := l.bucketFor(key, method, pattern)
	// Interaction callbacks are not bound by the global limit, so a global
	// 429 does not make them violations.
	res.violation = (!exemptGlobal && now.Before(l.globalBlockedUntil)) || now.Before(b.blockedUntil)

	for _, sc := range l.scripts {
		if sc.count <= 0 || (sc.method != "" && sc.method != method) || (sc.route != "" && sc.route != "*" && sc.route != pattern) {
			continue
		}
		sc.count--
		if sc.status != http.StatusTooManyRequests {
			res.reject = &response{status: sc.status, body: apiErr(0, fmt.Sprintf("%d: %s", sc.status, http.StatusText(sc.status)))}
			return res
		}
		d := ceilMS(sc.retryAfter)
		if sc.global {
			l.globalBlockedUntil = now.Add(d)
			res.reject = l.global429(res.header, d)
		} else {
			b.blockedUntil = now.Add(d)
			res.reject = route429(res.header, b, d, now.Add(d))
		}
		return res
	}
	if l.off {
		return res
	}

	if !exemptGlobal {
		if now.Sub(l.globalStart) >= l.globalWindow {
			l.globalStart, l.globalCount = now, 0
		}
		if l.globalCount >= l.globalLimit {
			d := ceilMS(l.globalStart.Add(l.globalWindow).Sub(now))
			l.globalBlockedUntil = now.Add(d)
			res.reject = l.global429(res.header, d)
			return res
		}
		l.globalCount++
	}

	if !now.Before(b.resetAt) {
		b.remaining, b.resetAt = b.limit, now.Add(b.window)
	}
	if b.remaining <= 0 {
		d := ceilMS(b.resetAt.Sub(now))
		b.blockedUntil = now.Add(d)
		res.reject = route429(res.header, b, d, b.resetAt)
		return res
	}
	b.remaining--
	setBucketHeaders(res.header, b, ceilMS(b.resetAt.Sub(now)), b.resetAt)
	return res
}

func setBucketHeaders(h http.Header, b *bucket, after time.Duration, resetAt time.Time) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(b.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(resetAt.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", secs(after))
	h.Set("X-RateLimit-Bucket", b.hash)
}

func retryAfterHeader(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}

// route429 answers a request that ran out of its bucket.
func route429(h http.Header, b *bucket, d time.Duration, resetAt time.Time) *response {
	saved := b.remaining
	b.remaining = 0
	setBucketHeaders(h, b, d, resetAt)
	b.remaining = saved
	h.Set("Retry-After", retryAfterHeader(d))
	h.Set("X-RateLimit-Scope", "user")
	return &response{status: http.StatusTooManyRequests, body: map[string]any{
		"message": "You are being rate limited.", "retry_after": d.Seconds(), "global": false,
	}}
}

// global429 answers a request that hit the global limit. Like Discord, it
// carries no bucket headers and in particular no X-RateLimit-Reset-After,
// so discordgo does not engage its own global lock.
func (l *limiter) global429(h http.Header, d time.Duration) *response {
	h.Set("Retry-After", retryAfterHeader(d))
	h.Set("X-RateLimit-Global", "true")
	h.Set("X-RateLimit-Scope", "global")
	return &response{status: http.StatusTooManyRequests, body: map[string]any{
		"message": "You are being rate limited.", "retry_after": d.Seconds(), "global": true,
	}}
}

// ScriptStatus makes the next count requests matching method ("" any) and
// route pattern ("" or "*" any, else like "/channels/{channel_id}/messages")
// fail with status and a Discord error body, before any rate limit is
// counted. discordgo retries 502 by itself.
func (s *Server) ScriptStatus(method, route string, status, count int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.scripts = append(s.limits.scripts, &script{method: method, route: route, status: status, count: count})
}

// Script429 makes the next count requests matching method and route (as in
// ScriptStatus) answer 429 with retry_after. A route 429 carries the
// bucket's headers with X-RateLimit-Reset-After; a global one carries
// X-RateLimit-Global and X-RateLimit-Scope: global but no Reset-After, as
// Discord does. Requests sent before the announced retry_after has passed
// are reported by Violations.
func (s *Server) Script429(method, route string, retryAfter time.Duration, global bool, count int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.scripts = append(s.limits.scripts, &script{
		method: method, route: route, status: http.StatusTooManyRequests,
		retryAfter: retryAfter, global: global, count: count,
	})
}

// Violations returns the requests sent while a retry_after announced by an
// earlier 429 had not yet passed: for the same bucket, or for any route
// after a global 429 (interaction callbacks excepted: they are not bound
// by the global limit).
func (s *Server) Violations() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Violation {
			out = append(out, r)
		}
	}
	return out
}

// InvalidRequests returns how many requests were answered 401, 403 or 429,
// the ones Discord counts towards its invalid-request ban.
func (s *Server) InvalidRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invalid
}

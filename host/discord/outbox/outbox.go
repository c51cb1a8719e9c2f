// Package outbox sends the host's REST requests to Discord without ever
// being rate limited twice for the same reason: per-route buckets learnt
// from the X-RateLimit-* headers, the global limit of 50 requests per
// second, 429 answers honoured from retry_after, X-RateLimit-Global and
// X-RateLimit-Scope, bounded retries, bounded queues, and edits of one
// message coalesced so that the latest content wins.
//
// Every request waits, before it is sent, until its bucket and the global
// limit allow it, so no request is sent while an announced retry_after is
// still running: a 429 costs one request, never a storm.
//
// It must never import anything else of DDC (no host/, sdk or plugins/
// package), nor discordgo: it speaks Discord's REST API over plain net/http.
package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when the matching Config field is zero.
const (
	DefaultGlobalLimit = 50
	DefaultQueueLimit  = 1000
	DefaultMaxRetries  = 3
	DefaultTimeout     = 20 * time.Second
)

// ErrQueueFull is returned when too many requests are already waiting.
var ErrQueueFull = errors.New("outbox queue full")

// ErrRateLimited is returned when a request was still rate limited after
// the last retry.
var ErrRateLimited = errors.New("rate limited by discord")

// ErrClosed is returned by requests made after Close.
var ErrClosed = errors.New("outbox closed")

// Config configures an Outbox. BaseURL and Token are required.
type Config struct {
	// BaseURL is the Discord API base URL, e.g. "https://discord.com";
	// requests go to BaseURL + "/api/v9" + path.
	BaseURL string
	// Token is the bot token without the "Bot " prefix.
	Token string
	// Client sends the requests; nil means a client with DefaultTimeout.
	Client *http.Client
	// GlobalLimit is the number of requests per second across all routes,
	// interaction callbacks excepted (default 50).
	GlobalLimit int
	// QueueLimit bounds the requests waiting to be sent, coalesced edits
	// counted once (default 1000).
	QueueLimit int
	// MaxRetries bounds the retries of one request after a 429 or a 502,
	// 503 or 504 (default 3).
	MaxRetries int
	// UserAgent is sent with every request.
	UserAgent string
	// Logger receives rate-limit and retry logs; nil discards them.
	Logger *slog.Logger
}

// Request is one REST call.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is below /api/v9, e.g. "/channels/123/messages".
	Path string
	// Body is sent as JSON when not nil: a []byte or json.RawMessage as
	// is, anything else marshalled.
	Body any
	// Callback marks an interaction callback: exempt from the global limit,
	// as on Discord.
	Callback bool
	// Reason, if set, is sent as X-Audit-Log-Reason.
	Reason string
}

// APIError is a non-2xx answer from Discord.
type APIError struct {
	Method  string // Method of the request.
	Path    string // Path of the request.
	Status  int    // Status is the HTTP status.
	Code    int    // Code is Discord's JSON error code (10008 Unknown Message, ...).
	Message string // Message is Discord's error message.
	Body    []byte // Body is the raw answer.
}

// Error reads like `PATCH /channels/1/messages/2: 404 Unknown Message (code 10008)`.
func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s (code %d)", e.Method, e.Path, e.Status, e.Message, e.Code)
}

// Discord JSON error codes callers look for.
const (
	CodeUnknownMessage     = 10008
	CodeUnknownChannel     = 10003
	CodeUnknownWebhook     = 10015
	CodeUnknownInteraction = 10062
)

// IsUnknownMessage reports whether err says the message is gone (deleted by
// someone, or never existed).
func IsUnknownMessage(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound &&
		(ae.Code == CodeUnknownMessage || ae.Code == CodeUnknownWebhook)
}

// Stats are the outbox's counters since New.
type Stats struct {
	Requests  int64 // Requests sent to Discord.
	Limited   int64 // Limited is the number of 429 answers.
	Global429 int64 // Global429 is the number of those that were global.
	Coalesced int64 // Coalesced edits: replaced by a later edit before being sent.
	Retries   int64 // Retries after a 429 or a 5xx.
	Rejected  int64 // Rejected requests because the queue was full.
	Waiting   int64 // Waiting requests right now.
}

// Outbox sends REST requests to Discord. Its methods are safe for
// concurrent use.
type Outbox struct {
	cfg  Config
	base string
	log  *slog.Logger

	requests, limited, global429, coalesced, retries, rejected, waiting atomic.Int64

	mu          sync.Mutex
	buckets     map[string]*bucket
	globalUntil time.Time   // a global 429 blocks every route until then
	globalSent  []time.Time // send times within the last globalWindow
	edits       map[string]*editSlot
	swept       time.Time // last sweep of idle buckets
	closed      bool
	done        chan struct{}
}

// globalWindow is the global limit's window, with a margin for the time a
// request takes to reach Discord.
const globalWindow = time.Second + 50*time.Millisecond

type bucket struct {
	lock      chan struct{} // one request of a bucket in flight at a time
	remaining int
	resetAt   time.Time
	known     bool
	used      time.Time // last time a request asked for it
}

// bucketIdle is how long an unused bucket whose window has passed is
// kept; interactions and channels come and go, so buckets are swept.
const bucketIdle = 5 * time.Minute

// New returns an outbox for cfg.
func New(cfg Config) *Outbox {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: DefaultTimeout}
	}
	if cfg.GlobalLimit <= 0 {
		cfg.GlobalLimit = DefaultGlobalLimit
	}
	if cfg.QueueLimit <= 0 {
		cfg.QueueLimit = DefaultQueueLimit
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "DiscordBot (https://github.com/ddc-go/ddc, 1)"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{
		cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/") + "/api/v9", log: log,
		buckets: map[string]*bucket{}, edits: map[string]*editSlot{}, done: make(chan struct{}),
	}
}

// Close makes waiting and later requests fail with ErrClosed.
func (o *Outbox) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.closed = true
		close(o.done)
	}
}

// Stats returns the counters.
func (o *Outbox) Stats() Stats {
	return Stats{
		Requests: o.requests.Load(), Limited: o.limited.Load(), Global429: o.global429.Load(),
		Coalesced: o.coalesced.Load(), Retries: o.retries.Load(), Rejected: o.rejected.Load(),
		Waiting: o.waiting.Load(),
	}
}

// Do sends r, waiting first until its bucket and the global limit allow
// it, and returns the answer's body. A non-2xx answer is an *APIError.
func (o *Outbox) Do(ctx context.Context, r Request) ([]byte, error) {
	if err := o.enter(); err != nil {
		return nil, err
	}
	defer o.waiting.Add(-1)
	return o.send(ctx, BucketKey(r.Method, r.Path), r.Callback, func() Request { return r })
}

// enter counts a waiting request, refusing it when the queue is full.
func (o *Outbox) enter() error {
	if n := o.waiting.Add(1); n > int64(o.cfg.QueueLimit) {
		o.waiting.Add(-1)
		o.rejected.Add(1)
		return fmt.Errorf("%w (%d requests waiting)", ErrQueueFull, n-1)
	}
	select {
	case <-o.done:
		o.waiting.Add(-1)
		return ErrClosed
	default:
	}
	return nil
}

// send runs the request loop for one bucket: wait for the bucket and the
// global limit, take the request (prepare is called only then, so an edit
// takes the latest content), send it, learn from the headers, retry a 429
// or 5xx a bounded number of times.
func (o *Outbox) send(ctx context.Context, key string, callback bool, prepare func() Request) ([]byte, error) {
	b := o.bucket(key)
	var last error
	for attempt := 0; attempt <= o.cfg.MaxRetries; attempt++ {
		if attempt > 0 {
			o.retries.Add(1)
		}
		if err := o.acquire(ctx, b); err != nil {
			return nil, err
		}
		if !callback {
			if err := o.waitGlobal(ctx); err != nil {
				o.release(b)
				return nil, err
			}
		}
		r := prepare()
		status, hdr, body, err := o.roundTrip(ctx, r)
		now := time.Now()
		if err != nil {
			o.release(b)
			return nil, err
		}
		o.learn(b, hdr, now)
		switch {
		case status == http.StatusTooManyRequests:
			o.limited.Add(1)
			d, global := retryAfter(hdr, body)
			o.mu.Lock()
			if global {
				o.global429.Add(1)
				if until := now.Add(d); until.After(o.globalUntil) {
					o.globalUntil = until
				}
			} else {
				b.remaining, b.known = 0, true
				if until := now.Add(d); until.After(b.resetAt) {
					b.resetAt = until
				}
			}
			o.mu.Unlock()
			o.log.Warn("discord rate limit", "route", key, "retry_after", d, "global", global, "scope", hdr.Get("X-RateLimit-Scope"))
			o.release(b)
			last = fmt.Errorf("%s %s: %w (retry after %s)", r.Method, redactPath(r.Path), ErrRateLimited, d)
			continue
		case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
			o.release(b)
			last = apiError(r, status, body)
			if err := sleep(ctx, o.done, time.Duration(100<<attempt)*time.Millisecond); err != nil {
				return nil, err
			}
			continue
		}
		o.release(b)
		if status < 200 || status > 299 {
			return body, apiError(r, status, body)
		}
		return body, nil
	}
	return nil, last
}

func (o *Outbox) bucket(key string) *bucket {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	if now.Sub(o.swept) > bucketIdle {
		o.swept = now
		for k, b := range o.buckets {
			if len(b.lock) == 0 && now.Sub(b.used) > bucketIdle && now.After(b.resetAt) {
				delete(o.buckets, k)
			}
		}
	}
	b, ok := o.buckets[key]
	if !ok {
		b = &bucket{lock: make(chan struct{}, 1)}
		o.buckets[key] = b
	}
	b.used = now
	return b
}

// acquire takes the bucket's lock and waits until it has a request left.
func (o *Outbox) acquire(ctx context.Context, b *bucket) error {
	select {
	case b.lock <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wait for rate limit: %w", ctx.Err())
	case <-o.done:
		return ErrClosed
	}
	for {
		o.mu.Lock()
		now := time.Now()
		var wait time.Duration
		if b.known && b.remaining <= 0 && now.Before(b.resetAt) {
			wait = b.resetAt.Sub(now)
		}
		if wait == 0 && b.known && !now.Before(b.resetAt) {
			b.known = false // the window passed; the next answer tells the new state
		}
		if wait == 0 && b.known {
			b.remaining--
		}
		o.mu.Unlock()
		if wait == 0 {
			return nil
		}
		if err := sleep(ctx, o.done, wait); err != nil {
			o.release(b)
			return err
		}
	}
}

func (o *Outbox) release(b *bucket) { <-b.lock }

// waitGlobal waits until no global 429 is running and fewer than
// GlobalLimit requests were sent in the last second, then counts one.
func (o *Outbox) waitGlobal(ctx context.Context) error {
	for {
		o.mu.Lock()
		now := time.Now()
		var wait time.Duration
		if now.Before(o.globalUntil) {
			wait = o.globalUntil.Sub(now)
		} else {
			i := 0
			for i < len(o.globalSent) && now.Sub(o.globalSent[i]) >= globalWindow {
				i++
			}
			o.globalSent = o.globalSent[i:]
			if len(o.globalSent) >= o.cfg.GlobalLimit {
				wait = o.globalSent[0].Add(globalWindow).Sub(now)
			} else {
				o.globalSent = append(o.globalSent, now)
			}
		}
		o.mu.Unlock()
		if wait <= 0 {
			return nil
		}
		if err := sleep(ctx, o.done, wait); err != nil {
			return err
		}
	}
}

// learn updates a bucket from an answer's X-RateLimit-* headers.
func (o *Outbox) learn(b *bucket, h http.Header, now time.Time) {
	rem := h.Get("X-RateLimit-Remaining")
	if rem == "" {
		return
	}
	n, err := strconv.Atoi(rem)
	if err != nil {
		return
	}
	var reset time.Time
	if ra := h.Get("X-RateLimit-Reset-After"); ra != "" {
		if f, err := strconv.ParseFloat(ra, 64); err == nil {
			reset = now.Add(secondsDur(f))
		}
	} else if r := h.Get("X-RateLimit-Reset"); r != "" {
		if f, err := strconv.ParseFloat(r, 64); err == nil {
			reset = time.UnixMilli(int64(f * 1000))
		}
	}
	if reset.IsZero() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if h.Get("X-RateLimit-Scope") != "" && n == 0 && reset.Before(b.resetAt) {
		return // a 429's own headers never shorten a wait
	}
	b.remaining, b.resetAt, b.known = n, reset, true
}

// retryAfter reads how long to wait from a 429: the body's retry_after
// (float seconds), else the Retry-After header; and whether it is global.
func retryAfter(h http.Header, body []byte) (time.Duration, bool) {
	var p struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	_ = json.Unmarshal(body, &p)
	d := secondsDur(p.RetryAfter)
	if d <= 0 {
		if f, err := strconv.ParseFloat(h.Get("Retry-After"), 64); err == nil {
			d = secondsDur(f)
		}
	}
	if d <= 0 {
		d = time.Second
	}
	global := p.Global || strings.EqualFold(h.Get("X-RateLimit-Global"), "true") || h.Get("X-RateLimit-Scope") == "global"
	return d, global
}

// secondsDur converts float seconds to a duration, rounded up to the
// millisecond so a wait is never shorter than announced.
func secondsDur(f float64) time.Duration {
	return time.Duration(math.Ceil(f*1000)) * time.Millisecond
}

func (o *Outbox) roundTrip(ctx context.Context, r Request) (int, http.Header, []byte, error) {
	var body io.Reader
	if r.Body != nil {
		var raw []byte
		switch v := r.Body.(type) {
		case []byte:
			raw = v
		case json.RawMessage:
			raw = v
		default:
			var err error
			if raw, err = json.Marshal(v); err != nil {
				return 0, nil, nil, fmt.Errorf("%s %s: encode body: %w", r.Method, r.Path, err)
			}
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, o.base+r.Path, body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", r.Method, redactPath(r.Path), err)
	}
	req.Header.Set("Authorization", "Bot "+o.cfg.Token)
	req.Header.Set("User-Agent", o.cfg.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Reason != "" {
		req.Header.Set("X-Audit-Log-Reason", r.Reason)
	}
	o.requests.Add(1)
	resp, err := o.cfg.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL may carry an interaction token
		}
		return 0, nil, nil, fmt.Errorf("%s %s: %w", r.Method, redactPath(r.Path), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: read answer: %w", r.Method, r.Path, err)
	}
	return resp.StatusCode, resp.Header, raw, nil
}

func apiError(r Request, status int, body []byte) error {
	e := &APIError{Method: r.Method, Path: redactPath(r.Path), Status: status, Body: body}
	var p struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &p) == nil {
		e.Code, e.Message = p.Code, p.Message
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// redactPath hides interaction tokens in paths shown in errors and logs.
func redactPath(p string) string {
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts); i++ {
		if (parts[i-1] == "interactions" || parts[i-1] == "webhooks") && i+1 < len(parts) {
			parts[i+1] = "{token}"
		}
	}
	return strings.Join(parts, "/")
}

func sleep(ctx context.Context, done <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for rate limit: %w", ctx.Err())
	case <-done:
		return ErrClosed
	}
}

// BucketKey returns the rate-limit bucket of a request: the method and the
// route with its major parameters (channel, guild, webhook and
// interaction) kept and other ids replaced, e.g.
// "PATCH /channels/1/messages/{id}".
func BucketKey(method, path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		if i == 0 || !isID(p) {
			continue
		}
		switch parts[i-1] {
		case "channels", "guilds", "webhooks", "interactions":
			continue
		}
		if i >= 2 && (parts[i-2] == "webhooks" || parts[i-2] == "interactions") {
			continue // the token after a webhook or interaction id
		}
		parts[i] = "{id}"
	}
	return method + " /" + strings.Join(parts, "/")
}

func isID(s string) bool {
	if s == "" || s == "@original" {
		return s == "@original"
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

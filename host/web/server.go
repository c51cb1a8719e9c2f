package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of ServerConfig.
const (
	// DefaultMaxConns caps the open connections. A home server's web UI has
	// a few browser tabs (each with a live-update stream and a handful of
	// parallel requests) and some automations: 256 is ample, and bounds
	// what idle connections cost the host (about 20 KB each).
	DefaultMaxConns = 256
	// DefaultReadHeaderTimeout bounds reading a request's headers,
	// including the wait for the first byte of a new connection.
	DefaultReadHeaderTimeout = 5 * time.Second
	// DefaultReadTimeout bounds reading a whole request. A handler that
	// takes a large upload extends it with
	// http.NewResponseController(w).SetReadDeadline.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds writing a response. A handler that streams
	// (server-sent events) lifts it with
	// http.NewResponseController(w).SetWriteDeadline(time.Time{}).
	DefaultWriteTimeout = 60 * time.Second
	// DefaultIdleTimeout closes a keep-alive connection left idle.
	DefaultIdleTimeout = 30 * time.Second
	// DefaultMaxHeaderBytes caps a request's headers.
	DefaultMaxHeaderBytes = 64 << 10
	// rejectLogEvery is how often refused connections are logged.
	rejectLogEvery = 10 * time.Second
)

// ServerConfig tunes NewServer. The zero value takes the defaults above.
type ServerConfig struct {
	// MaxConns caps the open connections (DefaultMaxConns).
	MaxConns int
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the
	// http.Server's (DefaultReadHeaderTimeout and so on).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's headers (DefaultMaxHeaderBytes).
	MaxHeaderBytes int
	// Logger says when connections are refused; nil logs nothing.
	Logger *slog.Logger
}

func (c ServerConfig) withDefaults() ServerConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&c.ReadTimeout, DefaultReadTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Server is the host's HTTP server: an http.Server with every timeout set
// and a cap on open connections. At the cap, a new connection takes the
// place of the connection that has waited longest without a request in
// progress (idle keep-alive, or opened and silent); when every connection
// is busy, the new one is closed at once. So idle or silent connections
// cannot lock users out, and the host never holds more than MaxConns.
type Server struct {
	srv  *http.Server
	cfg  ServerConfig
	conn *connTracker
}

// NewServer returns a server for h. It listens only when Serve is called.
func NewServer(h http.Handler, cfg ServerConfig) *Server {
	cfg = cfg.withDefaults()
	t := &connTracker{max: cfg.MaxConns, log: cfg.Logger, conns: map[net.Conn]*connInfo{}}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ConnState:         t.setState,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug),
	}
	return &Server{srv: srv, cfg: cfg, conn: t}
}

// Serve accepts connections on ln until Shutdown; it returns
// http.ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.srv.Serve(&limitListener{Listener: ln, t: s.conn})
}

// Shutdown stops accepting, closes idle connections and waits for active
// ones until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Conns returns how many connections are open.
func (s *Server) Conns() int { return s.conn.count() }

// connInfo is what the tracker knows of one connection.
type connInfo struct {
	state http.ConnState
	since time.Time // when it entered state
}

// connTracker counts open connections and picks which to close at the cap.
type connTracker struct {
	max int
	log *slog.Logger

	mu    sync.Mutex
	conns map[net.Conn]*connInfo

	rejected   atomic.Int64
	lastLogged atomic.Int64 // Unix nanoseconds
}

func (t *connTracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

// admit registers c, making room by closing the longest-waiting idle or
// silent connection when at the cap. It reports false when every
// connection is busy.
func (t *connTracker) admit(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.conns) >= t.max {
		var victim net.Conn
		var oldest time.Time
		for vc, info := range t.conns {
			if info.state != http.StateNew && info.state != http.StateIdle {
				continue
			}
			if victim == nil || info.since.Before(oldest) {
				victim, oldest = vc, info.since
			}
		}
		if victim == nil {
			return false
		}
		delete(t.conns, victim)
		// Closing an idle or not yet read connection is safe: its
		// server goroutine sees the error and ends.
		_ = victim.Close()
	}
	t.conns[c] = &connInfo{state: http.StateNew, since: time.Now()}
	return true
}

// setState is the http.Server's ConnState hook.
func (t *connTracker) setState(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(t.conns, c)
	default:
		if info, ok := t.conns[c]; ok {
			info.state, info.since = st, time.Now()
		}
	}
}

// reject closes a connection refused at the cap, logging now and then.
func (t *connTracker) reject(c net.Conn) {
	_ = c.Close()
	n := t.rejected.Add(1)
	now := time.Now().UnixNano()
	last := t.lastLogged.Load()
	if now-last >= int64(rejectLogEvery) && t.lastLogged.CompareAndSwap(last, now) {
		t.log.Warn("web: too many open connections, all busy; refusing new ones", "max_conns", t.max, "refused_so_far", n)
	}
}

// limitListener admits accepted connections through the tracker.
type limitListener struct {
	net.Listener
	t *connTracker
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.t.admit(c) {
			return c, nil
		}
		l.t.reject(c)
	}
}

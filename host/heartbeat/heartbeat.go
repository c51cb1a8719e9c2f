// Package heartbeat pings an uptime monitor (Healthchecks, Uptime Kuma's
// push monitors) while DDC is healthy, so that the monitor alerts when
// pings stop: DDC down, or a plugin failed.
//
// The URL may hold a secret (a check's UUID): it is never logged.
//
// This package must never import package host (the wiring), host/web or
// any plugin package (plugins/).
package heartbeat

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// DefaultTimeout bounds one ping when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config configures Run.
type Config struct {
	// URL is fetched with GET; it must not be empty.
	URL string
	// Interval between pings; it must be positive.
	Interval time.Duration
	// Healthy reports whether DDC is healthy now; a tick while it is not
	// sends no ping.
	Healthy func() bool
	// Client sends the pings (nil: a client with Timeout).
	Client *http.Client
	// Timeout bounds one ping (zero: DefaultTimeout).
	Timeout time.Duration
	// Logger gets one line when pings start failing or DDC turns
	// unhealthy, and one when they work again; nil logs nothing.
	Logger *slog.Logger
}

// Run pings cfg.URL every cfg.Interval while cfg.Healthy says so, until ctx
// ends. The first ping is one interval after the start, when the plugins
// have had time to start.
func Run(ctx context.Context, cfg Config) error {
	if cfg.URL == "" || cfg.Interval <= 0 || cfg.Healthy == nil {
		return fmt.Errorf("heartbeat: need a URL, a positive interval and a health check (interval %s)", cfg.Interval)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	var last string // what the previous tick logged: log changes only
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := tick(ctx, cfg)
		if ctx.Err() != nil {
			return nil // a ping cut short by the end is no failure to report
		}
		if now != last {
			switch now {
			case "":
				cfg.Logger.Info("heartbeat: pinging the monitor again")
			case "unhealthy":
				cfg.Logger.Warn("heartbeat: DDC is not healthy (see /healthz); not pinging the monitor until it is")
			default:
				cfg.Logger.Warn("heartbeat: ping failed; trying again at the next interval", "error", now)
			}
			last = now
		}
	}
}

// tick sends one ping if DDC is healthy and says what went wrong: "" for
// a ping that worked, "unhealthy", or the error.
func tick(ctx context.Context, cfg Config) string {
	if !cfg.Healthy() {
		return "unhealthy"
	}
	if err := ping(ctx, cfg); err != nil {
		return err.Error()
	}
	return ""
}

// ping fetches cfg.URL once. Its errors never contain the URL.
func ping(ctx context.Context, cfg Config) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, nil)
	if err != nil {
		return fmt.Errorf("build the request: the URL is not valid")
	}
	req.Header.Set("User-Agent", "ddc-heartbeat")
	resp, err := cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("request failed: %w", unwrapURL(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the monitor answered %s", resp.Status)
	}
	return nil
}

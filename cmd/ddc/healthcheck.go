package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host"
	"github.com/ddc-go/ddc/internal/privdrop"
)

// healthcheck asks the running host's /healthz and fails unless it answers
// 200: the image's HEALTHCHECK, which has no curl or shell to use. The
// address is the config's web.listen (file, env and defaults, as serve
// reads them) with a wildcard host replaced by loopback.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", host.DefaultDataDir(os.Getenv), "data directory whose config.yaml names web.listen; env DDC_DATA_DIR")
	url := fs.String("url", "", "URL to ask instead (default http://127.0.0.1:<web.listen port>/healthz)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Run as the user serve switched to, so config.yaml (mode 0600, owned
	// by PUID) can be read without CAP_DAC_OVERRIDE.
	if target, ok, err := privdrop.FromEnv(os.Getenv); err == nil && ok {
		if err := privdrop.Become(target); err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
	}
	if *url == "" {
		*url = "http://" + loopbackAddr(listenAddr(*dataDir, os.Environ())) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", *url, err)
	}
	// No proxy: the host is on loopback, and HTTP_PROXY must not divert it.
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", *url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck %s: %s: %s", *url, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(stdout, strings.TrimSpace(string(body)))
	return nil
}

// listenAddr is web.listen as serve would read it; when the config cannot
// be read, the environment's or the default (the health check must still
// ask something).
func listenAddr(dataDir string, env []string) string {
	cfg, err := config.Load(dataDir, env, nil)
	if err == nil && cfg.Web.Listen != "" {
		return cfg.Web.Listen
	}
	get := func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
	if l := get("DDC_WEB_LISTEN"); l != "" {
		return l
	}
	if p := get(config.EnvWebPort); p != "" {
		return ":" + p
	}
	return config.DefaultListen
}

// loopbackAddr turns a listen address into one to dial: an empty or
// wildcard host becomes 127.0.0.1 (or ::1 for [::]).
func loopbackAddr(listen string) string {
	h, p, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch h {
	case "", "0.0.0.0":
		h = "127.0.0.1"
	case "::":
		h = "::1"
	}
	return net.JoinHostPort(h, p)
}

package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListenAddrUnreadableConfig: a config that cannot be read leaves the
// environment's address.
func TestListenAddrUnreadableConfig(t *testing.T) {
	data := t.TempDir()
	if err := os.Mkdir(filepath.Join(data, "config.yaml"), 0o700); err != nil { // read fails: a directory
		t.Fatal(err)
	}
	tests := []struct {
		env  []string
		want string
	}{
		{nil, ":9374"},
		{[]string{"DDC_WEB_PORT=8080"}, ":8080"},
		{[]string{"DDC_WEB_PORT=8080", "DDC_WEB_LISTEN=127.0.0.1:7000"}, "127.0.0.1:7000"},
	}
	for _, tt := range tests {
		if got := listenAddr(data, tt.env); got != tt.want {
			t.Errorf("listenAddr(unreadable, %q) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestLoopbackAddr(t *testing.T) {
	tests := []struct{ listen, want string }{
		{":9374", "127.0.0.1:9374"},
		{"0.0.0.0:8080", "127.0.0.1:8080"},
		{"[::]:9374", "[::1]:9374"},
		{"127.0.0.1:7000", "127.0.0.1:7000"},
		{"192.168.1.5:9374", "192.168.1.5:9374"},
	}
	for _, tt := range tests {
		if got := loopbackAddr(tt.listen); got != tt.want {
			t.Errorf("loopbackAddr(%q) = %q, want %q", tt.listen, got, tt.want)
		}
	}
}

// TestHealthcheck: 200 passes; 503 and no listener fail; the address comes
// from the data dir's config.yaml.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, `{"status":"x"}`)
	}))
	defer srv.Close()
	data := t.TempDir()
	listen := srv.Listener.Addr().String()
	if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte("web:\n  listen: \""+listen+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) error {
		return healthcheck(context.Background(), args, io.Discard, io.Discard)
	}
	if err := run("--data-dir", data); err != nil {
		t.Errorf("healthy host: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := run("--data-dir", data); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("degraded host: %v, want an error naming 503", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	if err := run("--url", "http://"+dead+"/healthz"); err == nil || !strings.Contains(err.Error(), dead) {
		t.Errorf("no host: %v, want an error naming %s", err, dead)
	}
}

package web_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/web"
)

// listen serves h with cfg on a loopback port until the test ends.
func listen(t *testing.T, h http.Handler, cfg web.ServerConfig) (*web.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := web.NewServer(h, cfg)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv, ln.Addr().String()
}

func publicHandler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	return web.New(web.Config{Version: "1.2.3", Plugins: plugins{{ID: "a", State: pluginhost.StateRunning}}})
}

// TestMethodsAndHeaders: HEAD where GET is, 405 with Allow for a wrong
// method, 404 for directories of static files, and the security headers
// on every answer.
func TestMethodsAndHeaders(t *testing.T) {
	_, addr := listen(t, publicHandler(), web.ServerConfig{})
	tests := []struct {
		method, path string
		wantCode     int
		wantAllow    string
		wantCache    string
		wantType     string
	}{
		{"GET", "/", 200, "", "no-store", "text/html; charset=utf-8"},
		{"HEAD", "/", 200, "", "no-store", "text/html; charset=utf-8"},
		{"GET", "/healthz", 200, "", "no-store", "application/json; charset=utf-8"},
		{"HEAD", "/healthz", 200, "", "no-store", "application/json; charset=utf-8"},
		{"POST", "/healthz", 405, "GET, HEAD", "", ""},
		{"DELETE", "/", 405, "GET, HEAD", "", ""},
		{"PUT", "/static/ddc.css", 405, "GET, HEAD", "", ""},
		{"GET", "/static/ddc.css", 200, "", "public, max-age=3600", "text/css; charset=utf-8"},
		{"HEAD", "/static/ddc.css", 200, "", "public, max-age=3600", "text/css; charset=utf-8"},
		{"GET", "/static/", 404, "", "", ""},
		{"GET", "/static/../../go.mod", 404, "", "", ""},
		{"GET", "/nope", 404, "", "", ""},
		{"HEAD", "/nope", 404, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, "http://"+addr+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.wantCode)
			}
			h := resp.Header
			if got := h.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if got := h.Get("Cache-Control"); got != tt.wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.wantCache)
			}
			if tt.wantType != "" && h.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", h.Get("Content-Type"), tt.wantType)
			}
			for name, want := range map[string]string{
				"Content-Security-Policy": web.ContentSecurityPolicy, "X-Frame-Options": "DENY",
				"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
			} {
				if got := h.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("CSP %q lacks frame-ancestors 'none'", h.Get("Content-Security-Policy"))
			}
			if tt.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD answered with a %d-byte body", len(body))
			}
			if tt.method == "GET" && tt.wantCode == 200 && len(body) == 0 {
				t.Error("GET answered with no body")
			}
		})
	}
}

// conn is a raw client connection.
type conn struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{c: c, r: bufio.NewReader(c)}
}

// get sends a keep-alive GET and reads the answer; it fails when the
// server closed the connection.
func (c *conn) get(path string) error {
	if _, err := fmt.Fprintf(c.c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// closedByServer waits until the server closes c (a read returns EOF or a
// reset), at most timeout.
func (c *conn) closedByServer(timeout time.Duration) bool {
	_ = c.c.SetReadDeadline(time.Now().Add(timeout))
	_, err := c.r.ReadByte()
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return err != nil
}

// TestServerTimeouts: a keep-alive connection left idle and a connection
// that never sends a request are both closed by the server.
func TestServerTimeouts(t *testing.T) {
	srv, addr := listen(t, publicHandler(), web.ServerConfig{IdleTimeout: 300 * time.Millisecond, ReadHeaderTimeout: 300 * time.Millisecond})
	idle := dial(t, addr)
	if err := idle.get("/healthz"); err != nil {
		t.Fatal(err)
	}
	silent := dial(t, addr)
	slow := dial(t, addr)
	if _, err := fmt.Fprintf(slow.c, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil { // headers never finished
		t.Fatal(err)
	}
	for name, c := range map[string]*conn{"idle keep-alive": idle, "silent": silent, "unfinished headers": slow} {
		if !c.closedByServer(20 * time.Second) {
			t.Errorf("%s connection still open after 20 s; the server's timeouts do not close it", name)
		}
	}
	waitConns(t, srv, 0)
}

func waitConns(t *testing.T, srv *web.Server, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Conns() != want {
		if time.Now().After(deadline) {
			t.Fatalf("server holds %d connections, want %d", srv.Conns(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConnectionCap: at the cap a new connection replaces the one idle
// longest, so idle connections cannot lock anyone out; when every
// connection is busy the new one is closed at once; the server never holds
// more than the cap.
func TestConnectionCap(t *testing.T) {
	const max = 4
	release := make(chan struct{})
	var started sync.WaitGroup
	gin.SetMode(gin.ReleaseMode)
	r := web.Engine()
	r.GET("/ok", func(c *gin.Context) { c.String(200, "ok") })
	r.GET("/busy", func(c *gin.Context) { started.Done(); <-release; c.String(200, "done") })
	srv, addr := listen(t, web.HeadAsGet(r), web.ServerConfig{MaxConns: max})

	idle := make([]*conn, max)
	for i := range idle {
		idle[i] = dial(t, addr)
		if err := idle[i].get("/ok"); err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
	}
	waitConns(t, srv, max)
	// A new client gets in; an idle connection makes room (which one:
	// TestConnTrackerPicksLongestWaiting).
	fresh := dial(t, addr)
	if err := fresh.get("/ok"); err != nil {
		t.Fatalf("a new client at the cap: %v", err)
	}
	closed := 0
	for _, c := range idle {
		if c.closedByServer(100 * time.Millisecond) {
			closed++
		}
	}
	if closed != 1 {
		t.Errorf("%d idle connections were closed to make room for one, want 1", closed)
	}
	if n := srv.Conns(); n > max {
		t.Errorf("server holds %d connections, cap %d", n, max)
	}

	// Every connection busy: a new one is refused.
	started.Add(max)
	busy := make([]*conn, max)
	errs := make(chan error, max)
	for i := range busy {
		busy[i] = dial(t, addr)
		go func() { errs <- busy[i].get("/busy") }()
	}
	started.Wait()
	refused := dial(t, addr)
	if err := refused.get("/ok"); err == nil {
		t.Error("a request got through with every connection busy")
	}
	close(release)
	for range max {
		if err := <-errs; err != nil {
			t.Errorf("busy request: %v", err)
		}
	}
	if n := srv.Conns(); n > max {
		t.Errorf("server holds %d connections, cap %d", n, max)
	}
}

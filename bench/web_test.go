package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/dockertest"
)

// sseClients is how many live web UI pages webSSE keeps open.
const sseClients = 50

// webPassword is the admin password webSSE sets on the first-run page.
const webPassword = "bench admin password"

var csrfMeta = regexp.MustCompile(`name="ddc-csrf" content="([^"]*)"`)

// webLogin sets the admin password through the first-run page of the
// running `ddc serve` and returns the session cookie ("ddc_session=...").
func (s *serve) webLogin(t *testing.T) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("http://" + s.addr + "/setup")
	if err != nil {
		t.Fatalf("GET /setup: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfMeta.FindSubmatch(body)
	var pre *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ddc_pre" {
			pre = c
		}
	}
	if m == nil || pre == nil {
		t.Fatalf("GET /setup = %d without its CSRF token:\n%s", resp.StatusCode, body)
	}
	form := url.Values{"password": {webPassword}, "repeat": {webPassword}, "csrf_token": {string(m[1])}}
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/setup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(pre)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatalf("POST /setup: %v", err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "ddc_session" && c.Value != "" {
			return "ddc_session=" + c.Value
		}
	}
	t.Fatalf("POST /setup = %d without a session", resp.StatusCode)
	return ""
}

// webSSE measures the host process's memory with sseClients web UI pages
// following the containers live (GET /events, logged in), against the
// same host without them, and checks that every page gets a container's
// state change (c stopped and started from outside DDC).
func webSSE(t *testing.T, s *serve, eng *dockertest.Engine, c dockertest.Container) ([]Row, []string) {
	t.Helper()
	const settle = 6 * time.Second
	pid := s.cmd.Process.Pid
	idle, err := procmem.Read(pid)
	if err != nil {
		t.Fatal(err)
	}
	// First-run setup and login: two argon2id hashes of 19 MiB each.
	// Both readings are taken settle after the work before them, so the
	// host's memory trim (internal/memtrim: 2 s quiet after a burst) has
	// run before each and the difference is the open pages, not a trim.
	cookie := s.webLogin(t)
	time.Sleep(settle)
	before, err := procmem.Read(pid)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ready, states sync.WaitGroup
	var got atomic.Int64
	ready.Add(sseClients)
	states.Add(sseClients)
	for range sseClients {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+"/events", nil)
		req.Header.Set("Cookie", cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("open live stream: %v %v", resp, err)
		}
		go func() {
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			live, seen := false, false
			for sc.Scan() {
				if !live && sc.Text() == ": live" {
					live = true
					ready.Done()
				}
				if !seen && sc.Text() == "event: state" {
					seen = true
					got.Add(1)
					states.Done()
				}
			}
		}()
	}
	ready.Wait()
	time.Sleep(settle)
	open, err := procmem.Read(pid)
	if err != nil {
		t.Fatal(err)
	}
	_, total, err := procmem.ReadTree(pid)
	if err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 60*time.Second)
	defer ccancel()
	start := time.Now()
	if err := eng.Stop(cctx, c, 5*time.Second); err != nil {
		t.Fatalf("stop %s: %v", c.Name, err)
	}
	done := make(chan struct{})
	go func() { states.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("%d of %d live pages got the state change of %s within 30 s", got.Load(), sseClients, c.Name)
	}
	fanOut := time.Since(start)
	if err := eng.Start(cctx, c); err != nil {
		t.Fatalf("start %s: %v", c.Name, err)
	}
	rows := []Row{
		{What: fmt.Sprintf("web UI: `ddc serve` host process RSS with %d logged-in live pages open (GET /events); PSS %s; without them RSS %s, PSS %s", sseClients, MB(open.PSS), MB(before.RSS), MB(before.PSS)),
			Value: MB(open.RSS)},
		{What: fmt.Sprintf("web UI: memory the %d open live pages add to the host process (RSS; PSS %+.1f MB)", sseClients, float64(open.PSS-before.PSS)/1024),
			Value: fmt.Sprintf("%+.1f MB", float64(open.RSS-before.RSS)/1024)},
		{What: fmt.Sprintf("web UI: host process RSS %s after the first-run setup and a login (two argon2id hashes, 19 MiB each), against %s before (PSS %s → %s)", settle, MB(idle.RSS), MB(idle.PSS), MB(before.PSS)),
			Value: MB(before.RSS)},
	}
	details := []string{
		fmt.Sprintf("web SSE: host pid %d PSS %s before the login, %s after it; RSS %s, %s; with %d live pages PSS %s, RSS %s; whole tree then PSS %s, RSS %s; a container stop reached %d of %d pages, all within %s of the engine call",
			pid, MB(idle.PSS), MB(before.PSS), MB(idle.RSS), MB(before.RSS), sseClients, MB(open.PSS), MB(open.RSS), MB(total.PSS), MB(total.RSS), got.Load(), sseClients, Ms(fanOut)),
	}
	return rows, details
}

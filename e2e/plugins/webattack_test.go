package plugins

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// openFDs counts pid's open file descriptors.
func openFDs(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestIdleConnectionFlood opens 5000 keep-alive connections to a real
// `ddc serve` over loopback, each sending one request and then idling.
// The host holds at most its cap of connections (the oldest idle ones make
// room), its memory stays flat, a new client still gets an answer, and
// the idle connections it keeps are closed by its idle timeout. (Before:
// 18 → 120 MB, every connection held after 60 s.)
func TestIdleConnectionFlood(t *testing.T) {
	const n, maxConns = 5000, 256
	data := t.TempDir()
	s := serve(t, data, noDocker)
	s.waitHealthy(t, 30*time.Second, "echo")
	pid := s.cmd.Process.Pid
	before, err := procmem.Read(pid)
	if err != nil {
		t.Fatal(err)
	}
	fdsBefore := openFDs(t, pid)

	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var peak int64
	for i := range n {
		c, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		// One request, answered, then the connection idles. A connection
		// the host closed already (to make room) simply fails here.
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		_ = c.SetDeadline(time.Time{})
		if i%250 == 0 {
			m, err := procmem.Read(pid)
			if err != nil {
				t.Fatal(err)
			}
			peak = max(peak, m.RSS)
		}
	}
	after, err := procmem.Read(pid)
	if err != nil {
		t.Fatal(err)
	}
	peak = max(peak, after.RSS)
	fds := openFDs(t, pid)
	t.Logf("host RSS %.1f MB before, %.1f MB after %d idle connections (peak %.1f MB); open fds %d before, %d after",
		procmem.MB(before.RSS), procmem.MB(after.RSS), n, procmem.MB(peak), fdsBefore, fds)
	if fds-fdsBefore > maxConns+16 {
		t.Errorf("host has %d more open fds after the flood, want at most its %d-connection cap", fds-fdsBefore, maxConns)
	}
	if growth := procmem.MB(peak - before.RSS); growth > 30 {
		t.Errorf("host RSS grew by %.1f MB, want under 30 MB", growth)
	}
	// A new client gets in although the cap is reached.
	if _, code, ok := s.health(); !ok || code != http.StatusOK {
		t.Errorf("/healthz during the flood: code %d ok %v", code, ok)
	}
	// The idle connections the host kept are closed by its idle timeout.
	wait.ForState(t, 120*time.Second, "the host to close the idle connections", func() (bool, string) {
		fds := openFDs(t, pid)
		return fds-fdsBefore <= 8, fmt.Sprintf("%d open fds, %d before", fds, fdsBefore)
	})
}

// hexDigest finds SHA-256 digests.
var hexDigest = regexp.MustCompile(`[0-9a-f]{64}`)

// TestPublicPagesLeakNothing: plugin directories crafted to make the host
// quote what it read — a plugin.yaml that is a symlink to a secret file,
// an executable whose checksum does not match — fail with their details in
// the log, while / and /healthz (no login) show only states and generic
// reasons: no path, digest or file content.
func TestPublicPagesLeakNothing(t *testing.T) {
	data := t.TempDir()
	secretFile := filepath.Join(t.TempDir(), "shadow")
	const secret = "root:$6$S3CRETsalt$S3CREThashS3CRET:19000:0:99999:7:::"
	if err := os.WriteFile(secretFile, []byte(secret+"\ndaemon:*:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(data, "plugins", "evil")
	if err := os.MkdirAll(evil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secretFile, filepath.Join(evil, "plugin.yaml")); err != nil {
		t.Fatal(err)
	}
	// A plugin whose binary changed after install: the host compares
	// digests.
	dir := install(t, data, "tampered", "tampered", bins.fault, []string{"--id=tampered", "--cmd=tampered"})
	exe := filepath.Join(dir, filepath.Base(bins.fault))
	f, err := os.OpenFile(exe, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("tampered"))
	f.Close()
	raw, _ := os.ReadFile(exe)
	sum := sha256.Sum256(raw)

	// Two directories with one id: the one not named for it fails.
	install(t, data, "twin", "twin", bins.fault, []string{"--id=twin", "--cmd=twin"})
	install(t, data, "b-twin", "twin", bins.fault, []string{"--id=twin", "--cmd=twin2"})

	// Settings for a plugin that is not installed: its id and the config's
	// path stay off the public page too.
	s := serve(t, data, noDocker+"  typo-plugin:\n    settings: {}\n")
	wait.ForState(t, 30*time.Second, "the three bad plugins failed", func() (bool, string) {
		h, _, ok := s.health()
		failed := 0
		for _, p := range h.Plugins {
			if p.State == "failed" {
				failed++
			}
		}
		return ok && failed == 3, fmt.Sprintf("%+v", h)
	})
	wait.ForState(t, 10*time.Second, "the details in the log", func() (bool, string) {
		l := s.logs.String()
		return strings.Contains(l, "S3CRET") && strings.Contains(l, "typo-plugin") && strings.Contains(l, hex.EncodeToString(sum[:])[:16]), ""
	})
	for _, route := range []string{"/", "/healthz"} {
		resp, err := http.Get("http://" + s.addr + route)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		for _, leak := range []string{"S3CRET", "daemon:", data, secretFile, "plugin.yaml", "typo-plugin", "config.yaml: ", "sha256", "checksum"} {
			if strings.Contains(page, leak) {
				t.Errorf("%s shows %q:\n%s", route, leak, page)
			}
		}
		if d := hexDigest.FindString(page); d != "" {
			t.Errorf("%s shows a digest %s:\n%s", route, d, page)
		}
		if !strings.Contains(page, "cannot run until an admin acts") {
			t.Errorf("%s does not give the generic reason for the failed plugins:\n%s", route, page)
		}
	}
}

// TestSIGTERMDuringConfigLoad: `ddc serve` on a data dir whose config.yaml
// is a 2 MB file (which took 50 s to parse while SIGTERM was ignored), or
// a file just under the size cap built to be slow, exits promptly on
// SIGTERM, or has already exited with the reason.
func TestSIGTERMDuringConfigLoad(t *testing.T) {
	tests := []struct {
		name    string
		content func() string
		wantLog string // when it exited on its own
	}{
		{"2 MB file", func() string { return bigConfig(2 << 20) }, "over the 262144-byte (256 KiB) limit for a config file"},
		{"file at the cap", func() string { return bigConfig(256<<10 - 1) }, "unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			if err := os.WriteFile(filepath.Join(data, "config.yaml"), []byte(tt.content()), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bins.ddc, "serve", "--data-dir", data, "--listen", freeAddr(t))
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + data}
			logs := &logBuf{}
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			read := make(chan struct{})
			go func() {
				defer close(read)
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					logs.add(sc.Text())
				}
			}()
			// "starting ddc" comes after the signal handler is set and just
			// before the config is read.
			wait.ForState(t, 10*time.Second, "ddc serve to start", func() (bool, string) {
				return strings.Contains(logs.String(), "starting ddc"), logs.String()
			})
			sent := time.Now()
			_ = cmd.Process.Signal(syscall.SIGTERM)
			exited := make(chan error, 1)
			go func() { <-read; exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				t.Logf("ddc serve exited %.1f s after SIGTERM (%v): %s", time.Since(sent).Seconds(), err, lastLine(logs.String()))
				if err != nil && !strings.Contains(logs.String(), tt.wantLog) {
					t.Errorf("ddc serve failed without saying why; stderr:\n%s", logs.String())
				}
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("ddc serve ignored SIGTERM for 15 s while loading a big config; stderr:\n%s", logs.String())
			}
		})
	}
}

// bigConfig is a config file of size bytes of unknown keys, the slowest
// shape to parse.
func bigConfig(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size-24; i++ {
		fmt.Fprintf(&b, "unknown%d: v\n", i)
	}
	return b.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestConfigLogLevelAndRestartNeeded: log.level in the file is honoured at
// start and when changed; an edit of web.listen says a restart is needed
// instead of applying it.
func TestConfigLogLevelAndRestartNeeded(t *testing.T) {
	data := t.TempDir()
	s := startServe(t, data, noDocker+"log:\n  level: debug\n", false)
	s.waitHealthy(t, 30*time.Second, "echo")
	wait.ForState(t, 10*time.Second, "debug lines with log.level: debug in the file", func() (bool, string) {
		return strings.Contains(s.logs.String(), "level=DEBUG"), ""
	})
	newAddr := freeAddr(t)
	write := func(cfg string) {
		t.Helper()
		tmp := filepath.Join(data, "config.yaml.tmp")
		if err := os.WriteFile(tmp, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(data, "config.yaml")); err != nil {
			t.Fatal(err)
		}
	}
	write(noDocker + "log:\n  level: debug\nweb:\n  listen: \"" + newAddr + "\"\n")
	wait.ForState(t, 20*time.Second, "restart needed in the log", func() (bool, string) {
		return strings.Contains(s.logs.String(), "restart needed: web.listen takes effect when ddc restarts"), ""
	})
	if strings.Contains(s.logs.String(), "config changed; applying") {
		t.Error("an edit of web.listen alone was logged as applying")
	}
	// The server stays where it is.
	if _, code, ok := s.health(); !ok || code != http.StatusOK {
		t.Errorf("/healthz after the listen edit: %d %v", code, ok)
	}

	write(noDocker + "log:\n  level: warn\nweb:\n  listen: \"" + newAddr + "\"\n")
	wait.ForState(t, 20*time.Second, "the level change applied", func() (bool, string) {
		return strings.Contains(s.logs.String(), "config changed; applying"), ""
	})
	mark := len(s.logs.String())
	// Info lines stop: a config change at warn level logs no info line.
	write(noDocker + "  echo:\n    settings: {x: 1}\nlog:\n  level: warn\nweb:\n  listen: \"" + newAddr + "\"\n")
	wait.ForState(t, 20*time.Second, "another change seen", func() (bool, string) {
		return strings.Contains(s.logs.String()[mark:], "restart needed"), ""
	})
	if later := s.logs.String()[mark:]; strings.Contains(later, "level=INFO") || strings.Contains(later, "level=DEBUG") {
		t.Errorf("info or debug lines after log.level: warn:\n%s", later)
	}
}

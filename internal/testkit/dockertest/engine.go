// Package dockertest gives tests a real Docker engine to work against: it
// connects to the daemon, builds a tiny FROM scratch test image, creates
// labelled containers from it that are removed again when the test ends,
// and sweeps away containers left behind by test processes that crashed.
//
// It is used only from tests. Every function takes a testing.TB, so tests
// and benchmarks can both use it. When no engine answers, the test is
// skipped, or fails when the environment variable CI is "true", where an
// engine is a requirement (scripts/docker-engine.sh up provides one).
//
// Only containers carrying the label ddc.test=1 are ever removed, and only
// the image ddc-test/testctr is ever built; nothing is pulled.
package dockertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// Labels put on every container this package creates.
const (
	// LabelTest marks a container as created by dockertest; its value is "1".
	LabelTest = "ddc.test"
	// LabelRun names the test process that created the container, so
	// Sweep can tell leftovers of dead processes from live ones.
	LabelRun = "ddc.test.run"
	// LabelHost is the host name of the machine the test process ran on;
	// Sweep leaves alone containers made from other machines.
	LabelHost = "ddc.test.host"
)

// pingTimeout bounds how long Connect waits for the daemon to answer.
const pingTimeout = 10 * time.Second

// Engine is a connection to one Docker daemon for the duration of a test.
// It is safe for concurrent use.
type Engine struct {
	// Client is the Docker API client, negotiated down to the daemon's API
	// version. It is closed when the test that connected ends.
	Client *client.Client
	// Host is the daemon address, such as unix:///var/run/docker.sock.
	Host string
	// RunID is the value of LabelRun on containers this process creates.
	RunID string

	hostname string

	mu    sync.Mutex // guards image
	image string     // tag of the test image once built or found
}

// Connect connects to the daemon named by DOCKER_HOST (and the other
// DOCKER_* variables), or the default socket. It skips the test when no
// daemon answers, or fails it when CI is "true". On connecting it sweeps
// containers left behind by dead test processes.
func Connect(tb testing.TB) *Engine {
	tb.Helper()
	return connect(tb, client.FromEnv)
}

// ConnectHost connects to the daemon at host, such as the address printed
// by scripts/docker-engine.sh second, ignoring DOCKER_* variables. It
// behaves like Connect otherwise.
func ConnectHost(tb testing.TB, host string) *Engine {
	tb.Helper()
	return connect(tb, client.WithHost(host))
}

func connect(tb testing.TB, where client.Opt) *Engine {
	tb.Helper()
	cli, err := client.New(where, client.WithAPIVersionNegotiation())
	if err != nil {
		unavailable(tb, fmt.Sprintf("create docker client: %v", err))
	}
	tb.Cleanup(func() { _ = cli.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		unavailable(tb, fmt.Sprintf("docker engine at %s does not answer: %v", cli.DaemonHost(), err))
	}

	hostname, _ := os.Hostname()
	e := &Engine{Client: cli, Host: cli.DaemonHost(), RunID: runID(), hostname: hostname}
	n, err := sweep(ctx, cli, hostname)
	if err != nil {
		tb.Logf("dockertest: sweep leftovers on %s: %v", e.Host, err)
	}
	if n > 0 {
		tb.Logf("dockertest: removed %d containers left by dead test processes on %s", n, e.Host)
	}
	return e
}

// Second starts, or reuses, the second daemon of scripts/docker-engine.sh
// and connects to it. The daemon is left running when the test ends, for
// other tests to reuse; "scripts/docker-engine.sh stop-second" stops it.
// It skips the test when the daemon cannot be started (it needs root), or
// fails it when CI is "true".
//
// The test holds a shared lock on the second daemon until it ends, so that
// no test that stops or restarts it (SecondExclusive) runs meanwhile — in
// this test binary, in another package's running at the same time, or in
// another test run on the machine.
func Second(tb testing.TB) *Engine {
	tb.Helper()
	return second(tb, syscall.LOCK_SH)
}

// SecondExclusive is Second for a test that stops or restarts the second
// daemon: it first waits until no other test uses the daemon, and keeps
// the others waiting until it ends (a cleanup that restarts the daemon,
// registered after this call, runs before they go on).
func SecondExclusive(tb testing.TB) *Engine {
	tb.Helper()
	return second(tb, syscall.LOCK_EX)
}

// secondLockWait bounds the wait for the second daemon's lock.
const secondLockWait = 5 * time.Minute

func second(tb testing.TB, how int) *Engine {
	tb.Helper()
	path := filepath.Join(os.TempDir(), "ddc-docker2-users.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		tb.Fatalf("dockertest: open the second daemon's lock: %v", err)
	}
	deadline := time.Now().Add(secondLockWait)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			tb.Fatalf("dockertest: lock %s for the second daemon (waited up to %v): %v", path, secondLockWait, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Cleanup(func() { f.Close() }) // closing releases the lock
	host, err := StartSecond(context.Background())
	if err != nil {
		unavailable(tb, err.Error())
	}
	return ConnectHost(tb, host)
}

// StartSecond runs "scripts/docker-engine.sh second", found relative to
// the root of the main module of the working directory, and returns the
// DOCKER_HOST of the second daemon.
func StartSecond(ctx context.Context) (string, error) {
	script, err := Script()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script, "second")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("run %s second: %w: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Fields(stdout.String())
	if len(lines) == 0 {
		return "", fmt.Errorf("run %s second: no DOCKER_HOST printed: %s", script, strings.TrimSpace(stderr.String()))
	}
	return lines[len(lines)-1], nil
}

// Script returns the path of scripts/docker-engine.sh in the main module of
// the working directory, located with "go env GOMOD".
func Script() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find module root with go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("find module root: working directory is not inside a module")
	}
	script := filepath.Join(filepath.Dir(gomod), "scripts", "docker-engine.sh")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("find engine script: %w", err)
	}
	return script, nil
}

// unavailable stops the test because a Docker engine is missing: a failure
// under CI, a skip elsewhere.
func unavailable(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("dockertest: %s (CI=true, so a Docker engine is required; see scripts/docker-engine.sh)", why)
	}
	tb.Skipf("dockertest: %s; skipping (start one with scripts/docker-engine.sh up)", why)
}

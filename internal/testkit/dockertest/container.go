package dockertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Options describe a test container. The zero value makes a container
// that logs a tick every second, is healthy, and runs until stopped.
type Options struct {
	// Name is the container name prefix; a random suffix is added. Empty
	// means "ddc-test-" followed by the test name.
	Name string
	// ExactName, when set, is the whole container name (no suffix): for
	// tests that recreate a container under a name they already used.
	ExactName string
	// Labels are added to the container next to the ddc.test labels,
	// e.g. ddc.name or ddc.actions.
	Labels map[string]string
	// Env holds extra KEY=VALUE variables.
	Env []string
	// LogEvery is how often testctr logs a tick (TESTCTR_LOG_EVERY);
	// zero means one second.
	LogEvery time.Duration
	// ExitAfter makes testctr exit on its own after this long with code
	// ExitCode (TESTCTR_EXIT_AFTER, TESTCTR_EXIT_CODE); zero means never.
	ExitAfter time.Duration
	// ExitCode is the exit code used with ExitAfter.
	ExitCode int
	// StopDelay is how long testctr takes to exit after SIGTERM
	// (TESTCTR_STOP_DELAY).
	StopDelay time.Duration
	// StopTimeout is how long the daemon waits after SIGTERM before it
	// kills the container on stop, in whole seconds; zero keeps the
	// daemon's default of 10 s.
	StopTimeout time.Duration
	// Unhealthy makes the health check fail (TESTCTR_UNHEALTHY=1).
	Unhealthy bool
}

// Container is a test container created by this package.
type Container struct {
	// ID is the full container ID.
	ID string
	// Name is the container name, without the leading slash.
	Name string
}

// removeTimeout bounds the removal of containers at the end of a test.
const removeTimeout = 2 * time.Minute

// Run creates a test container as Create does, starts it and waits until
// its program is ready: it has logged "testctr start", which it does once
// it handles SIGTERM. (A signal that comes earlier finds the program, PID 1
// of its container, without a handler; the kernel ignores it for PID 1, and
// Go's runtime then exits with code 2 instead of stopping cleanly.)
func (e *Engine) Run(tb testing.TB, opts Options) Container {
	tb.Helper()
	c := e.Create(tb, opts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.Start(ctx, c); err != nil {
		tb.Fatalf("dockertest: %v", err)
	}
	e.waitReady(tb, c, 30*time.Second)
	return c
}

// Start starts c, as `docker start` would from outside DDC.
func (e *Engine) Start(ctx context.Context, c Container) error {
	if _, err := e.Client.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("start container %s: %w", c.Name, err)
	}
	return nil
}

// Stop stops c, as `docker stop -t` would from outside DDC, waiting at
// most timeout (rounded up to seconds) before the daemon kills it.
func (e *Engine) Stop(ctx context.Context, c Container, timeout time.Duration) error {
	secs := int((timeout + time.Second - 1) / time.Second)
	if _, err := e.Client.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &secs}); err != nil {
		return fmt.Errorf("stop container %s: %w", c.Name, err)
	}
	return nil
}

// Remove force-removes c, as `docker rm -f` would from outside DDC.
func (e *Engine) Remove(ctx context.Context, c Container) error {
	if _, err := e.Client.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
		return fmt.Errorf("remove container %s: %w", c.Name, err)
	}
	return nil
}

// waitReady waits until c's program logged that it started, or c exited.
func (e *Engine) waitReady(tb testing.TB, c Container, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if strings.Contains(e.Logs(tb, c), "testctr start") {
			return
		}
		info := e.Inspect(tb, c)
		if info.State != nil && !info.State.Running {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("dockertest: container %s did not log its start within %v", c.Name, timeout)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Create creates, without starting, a container of the test image with
// network mode none and the ddc.test labels, and force-removes it when the
// test ends. A test may remove it earlier itself.
func (e *Engine) Create(tb testing.TB, opts Options) Container {
	tb.Helper()
	image := e.Image(tb)
	prefix := opts.Name
	if prefix == "" {
		prefix = "ddc-test-" + sanitize(tb.Name())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := prefix + "-" + randomSuffix()
	if opts.ExactName != "" {
		name = opts.ExactName
	}
	c, err := e.create(ctx, image, name, opts)
	if err != nil {
		tb.Fatalf("dockertest: %v", err)
	}
	tb.Cleanup(func() { e.remove(tb, []Container{c}) })
	return c
}

// CreateMany creates n containers of the test image without starting them,
// named prefix-0 to prefix-(n-1) plus a random suffix shared by the batch,
// a few at a time in parallel, and removes them all when the test ends.
// It is meant for benchmarks that need many containers.
func (e *Engine) CreateMany(tb testing.TB, n int, prefix string) []Container {
	tb.Helper()
	image := e.Image(tb)
	if prefix == "" {
		prefix = "ddc-test-" + sanitize(tb.Name())
	}
	suffix := randomSuffix()
	out := make([]Container, n)

	var (
		mu      sync.Mutex
		created []Container
		errs    []error
		wg      sync.WaitGroup
	)
	tb.Cleanup(func() { e.remove(tb, created) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sem := make(chan struct{}, createParallel)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := e.create(ctx, image, fmt.Sprintf("%s-%d-%s", prefix, i, suffix), Options{})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				cancel()
				return
			}
			created = append(created, c)
			out[i] = c
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		tb.Fatalf("dockertest: create %d containers: %v (and %d more errors)", n, errs[0], len(errs)-1)
	}
	return out
}

// createParallel is how many containers CreateMany and the cleanup create
// or remove at once.
const createParallel = 8

// create makes one container; the caller arranges its removal.
func (e *Engine) create(ctx context.Context, image, name string, opts Options) (Container, error) {
	labels := map[string]string{}
	maps.Copy(labels, opts.Labels)
	labels[LabelTest] = "1"
	labels[LabelRun] = e.RunID
	labels[LabelHost] = e.hostname

	env := []string{}
	if opts.LogEvery > 0 {
		env = append(env, "TESTCTR_LOG_EVERY="+opts.LogEvery.String())
	}
	if opts.ExitAfter > 0 {
		env = append(env, "TESTCTR_EXIT_AFTER="+opts.ExitAfter.String(), "TESTCTR_EXIT_CODE="+strconv.Itoa(opts.ExitCode))
	}
	if opts.StopDelay > 0 {
		env = append(env, "TESTCTR_STOP_DELAY="+opts.StopDelay.String())
	}
	if opts.Unhealthy {
		env = append(env, "TESTCTR_UNHEALTHY=1")
	}
	env = append(env, opts.Env...)

	cfg := &container.Config{Image: image, Env: env, Labels: labels}
	if opts.StopTimeout > 0 {
		secs := int((opts.StopTimeout + time.Second - 1) / time.Second)
		cfg.StopTimeout = &secs
	}
	host := &container.HostConfig{NetworkMode: "none"}
	resp, err := e.Client.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host, Name: name})
	if err != nil {
		return Container{}, fmt.Errorf("create container %s: %w", name, err)
	}
	return Container{ID: resp.ID, Name: name}, nil
}

// remove force-removes cs, ignoring those already gone, reporting other
// failures as test errors.
func (e *Engine) remove(tb testing.TB, cs []Container) {
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	var wg sync.WaitGroup
	sem := make(chan struct{}, createParallel)
	for _, c := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := e.Client.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !cerrdefs.IsNotFound(err) {
				tb.Errorf("dockertest: remove container %s: %v", c.Name, err)
			}
		}()
	}
	wg.Wait()
}

// Inspect returns the daemon's view of c.
func (e *Engine) Inspect(tb testing.TB, c Container) container.InspectResponse {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := e.Client.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
	if err != nil {
		tb.Fatalf("dockertest: inspect container %s: %v", c.Name, err)
	}
	return res.Container
}

// WaitFor polls c until cond holds, and returns the state that satisfied
// it. It fails the test, naming what, after timeout.
func (e *Engine) WaitFor(tb testing.TB, c Container, timeout time.Duration, what string, cond func(container.InspectResponse) bool) container.InspectResponse {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		info := e.Inspect(tb, c)
		if cond(info) {
			return info
		}
		if time.Now().After(deadline) {
			state := "no state"
			if info.State != nil {
				state = fmt.Sprintf("%+v", *info.State)
			}
			tb.Fatalf("dockertest: container %s not %s after %v: %s", c.Name, what, timeout, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Logs returns what c wrote to stdout and stderr so far, interleaved.
func (e *Engine) Logs(tb testing.TB, c Container) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc, err := e.Client.ContainerLogs(ctx, c.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		tb.Fatalf("dockertest: logs of container %s: %v", c.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		tb.Fatalf("dockertest: read logs of container %s: %v", c.Name, err)
	}
	return buf.String()
}

// sanitize turns a test name into a valid container name part.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r - 'A' + 'a')
		default:
			b.WriteByte('-')
		}
	}
	name := b.String()
	if len(name) > 40 {
		name = name[:40]
	}
	return strings.Trim(name, "-.")
}

// randomSuffix returns 8 random hex digits.
func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

package dockertest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
)

func TestImage(t *testing.T) {
	e := dockertest.Connect(t)
	start := time.Now()
	tag := e.Image(t)
	t.Logf("image %s ready in %v", tag, time.Since(start))

	if !strings.HasPrefix(tag, dockertest.ImageRepo+":") {
		t.Errorf("Image() = %q, want prefix %q", tag, dockertest.ImageRepo+":")
	}
	// A fresh connection finds the image instead of building it again.
	again := dockertest.Connect(t)
	start = time.Now()
	if got := again.Image(t); got != tag {
		t.Errorf("Image() on a second connection = %q, want %q", got, tag)
	}
	t.Logf("cached image found in %v", time.Since(start))

	info, err := e.Client.ImageInspect(context.Background(), tag)
	if err != nil {
		t.Fatalf("ImageInspect(%q): %v", tag, err)
	}
	t.Logf("image size %d bytes", info.Size)
	if got := info.Config.Labels[dockertest.LabelTest]; got != "1" {
		t.Errorf("image label %s = %q, want %q", dockertest.LabelTest, got, "1")
	}
	if hc := info.Config.Healthcheck; hc == nil || strings.Join(hc.Test, " ") != "CMD /testctr health" {
		t.Errorf("image health check = %+v, want CMD /testctr health", hc)
	}
	if info.Size > 10<<20 {
		t.Errorf("image size = %d bytes, want under 10 MiB", info.Size)
	}
}

func TestRunAndStop(t *testing.T) {
	t.Parallel()
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{
		LogEvery: 100 * time.Millisecond,
		Labels:   map[string]string{"ddc.name": "web", "ddc.actions": "start,stop"},
	})

	info := e.WaitFor(t, c, 30*time.Second, "running", func(i container.InspectResponse) bool {
		return i.State.Running
	})
	if got := string(info.HostConfig.NetworkMode); got != "none" {
		t.Errorf("network mode = %q, want %q", got, "none")
	}
	wantLabels := map[string]string{
		"ddc.name":           "web",
		"ddc.actions":        "start,stop",
		dockertest.LabelTest: "1",
		dockertest.LabelRun:  e.RunID,
	}
	for k, want := range wantLabels {
		if got := info.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if got := strings.TrimPrefix(info.Name, "/"); got != c.Name {
		t.Errorf("container name = %q, want %q", got, c.Name)
	}

	deadline := time.Now().Add(30 * time.Second)
	for logs := e.Logs(t, c); !strings.Contains(logs, "testctr tick 3"); logs = e.Logs(t, c) {
		if time.Now().After(deadline) {
			t.Fatalf("logs = %q, want them to reach tick 3", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if logs := e.Logs(t, c); !strings.HasPrefix(logs, "testctr start\n") {
		t.Errorf("logs = %q, want them to begin with testctr start", logs)
	}

	if err := e.Stop(context.Background(), c, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	info = e.Inspect(t, c)
	if info.State.Running || info.State.ExitCode != 0 {
		t.Errorf("after stop: running %v, exit code %d; want stopped with 0", info.State.Running, info.State.ExitCode)
	}
	if logs := e.Logs(t, c); !strings.Contains(logs, "testctr stopped") {
		t.Errorf("logs = %q, want testctr stopped", logs)
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		code int
	}{
		{"zero", 0},
		{"three", 3},
		{"max", 255},
	}
	e := dockertest.Connect(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.Run(t, dockertest.Options{ExitAfter: 300 * time.Millisecond, ExitCode: tt.code})
			info := e.WaitFor(t, c, 30*time.Second, "exited", func(i container.InspectResponse) bool {
				return i.State.Status == "exited"
			})
			if info.State.ExitCode != tt.code {
				t.Errorf("exit code = %d, want %d", info.State.ExitCode, tt.code)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		unhealthy bool
		want      string
	}{
		{"healthy", false, "healthy"},
		{"unhealthy", true, "unhealthy"},
	}
	e := dockertest.Connect(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := e.Run(t, dockertest.Options{Unhealthy: tt.unhealthy})
			info := e.WaitFor(t, c, 30*time.Second, tt.want, func(i container.InspectResponse) bool {
				return i.State.Health != nil && i.State.Health.Status != "starting"
			})
			if got := string(info.State.Health.Status); got != tt.want {
				t.Errorf("health = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStopDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		delay    time.Duration
		timeout  time.Duration
		wantCode int
	}{
		{"stops within timeout", 500 * time.Millisecond, 5 * time.Second, 0},
		{"killed after timeout", time.Minute, time.Second, 137},
	}
	e := dockertest.Connect(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := e.Run(t, dockertest.Options{StopDelay: tt.delay, StopTimeout: tt.timeout})
			e.WaitFor(t, c, 30*time.Second, "running", func(i container.InspectResponse) bool { return i.State.Running })
			start := time.Now()
			if _, err := e.Client.ContainerStop(context.Background(), c.ID, client.ContainerStopOptions{}); err != nil {
				t.Fatalf("ContainerStop(%s): %v", c.Name, err)
			}
			took := time.Since(start)
			info := e.Inspect(t, c)
			if info.State.ExitCode != tt.wantCode {
				t.Errorf("exit code = %d, want %d", info.State.ExitCode, tt.wantCode)
			}
			if took < min(tt.delay, tt.timeout) {
				t.Errorf("stop took %v, want at least %v", took, min(tt.delay, tt.timeout))
			}
		})
	}
}

func TestCleanupRemovesContainers(t *testing.T) {
	e := dockertest.Connect(t)
	var made []dockertest.Container
	t.Run("make", func(t *testing.T) {
		made = append(made, e.Run(t, dockertest.Options{}))
		made = append(made, e.Create(t, dockertest.Options{Name: "ddc-test-created"}))
		many := e.CreateMany(t, 20, "ddc-test-many")
		if len(many) != 20 {
			t.Fatalf("CreateMany(20) returned %d containers", len(many))
		}
		for _, c := range many {
			if c.ID == "" {
				t.Fatalf("CreateMany returned a container without ID: %+v", c)
			}
		}
		made = append(made, many...)
		// A container the test removed itself is no problem for cleanup.
		if err := e.Remove(context.Background(), many[0]); err != nil {
			t.Fatalf("ContainerRemove(%s): %v", many[0].Name, err)
		}
	})
	if len(made) != 22 {
		t.Fatalf("made %d containers, want 22", len(made))
	}
	for _, c := range made {
		_, err := e.Client.ContainerInspect(context.Background(), c.ID, client.ContainerInspectOptions{})
		if !cerrdefs.IsNotFound(err) {
			t.Errorf("ContainerInspect(%s) after cleanup: err = %v, want not found", c.Name, err)
		}
	}
}

func TestSweep(t *testing.T) {
	e := dockertest.Connect(t)
	image := e.Image(t)
	hostname, _ := os.Hostname()
	pid, _, _ := strings.Cut(e.RunID, ".")
	tests := []struct {
		name   string
		labels map[string]string
		swept  bool
	}{
		{"dead process", map[string]string{dockertest.LabelTest: "1", dockertest.LabelRun: pid + ".1", dockertest.LabelHost: hostname}, true},
		{"live process", map[string]string{dockertest.LabelTest: "1", dockertest.LabelRun: e.RunID, dockertest.LabelHost: hostname}, false},
		{"other machine", map[string]string{dockertest.LabelTest: "1", dockertest.LabelRun: pid + ".1", dockertest.LabelHost: hostname + "-elsewhere"}, false},
		// The image carries ddc.test=1, so only an explicit container label
		// can override it.
		{"not a test container", map[string]string{dockertest.LabelTest: "", dockertest.LabelRun: pid + ".1", dockertest.LabelHost: hostname}, false},
	}
	ctx := context.Background()
	ids := map[string]string{}
	for _, tt := range tests {
		resp, err := e.Client.ContainerCreate(ctx, client.ContainerCreateOptions{
			Config: &container.Config{Image: image, Labels: tt.labels}, HostConfig: &container.HostConfig{NetworkMode: "none"}})
		if err != nil {
			t.Fatalf("ContainerCreate(%s): %v", tt.name, err)
		}
		ids[tt.name] = resp.ID
		t.Cleanup(func() {
			_, err := e.Client.ContainerRemove(ctx, resp.ID, client.ContainerRemoveOptions{Force: true})
			if err != nil && !cerrdefs.IsNotFound(err) {
				t.Errorf("remove %s: %v", tt.name, err)
			}
		})
	}

	// Test processes of other packages sweep too when they connect, so the
	// dead run's container may be gone before this Sweep counts it: check
	// what is left, not the count.
	if _, err := dockertest.Sweep(ctx, e.Client); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Client.ContainerInspect(ctx, ids[tt.name], client.ContainerInspectOptions{})
			if gone := cerrdefs.IsNotFound(err); gone != tt.swept {
				t.Errorf("after Sweep, %s gone = %v (err %v), want %v", tt.name, gone, err, tt.swept)
			}
		})
	}
}

func TestSecondEngine(t *testing.T) {
	first := dockertest.Connect(t)
	second := dockertest.Second(t)
	if second.Host == first.Host {
		t.Fatalf("second engine host = %q, same as the first", second.Host)
	}
	c := second.Run(t, dockertest.Options{LogEvery: 100 * time.Millisecond})
	second.WaitFor(t, c, 30*time.Second, "running", func(i container.InspectResponse) bool { return i.State.Running })

	// The containers of one daemon are invisible to the other.
	if _, err := first.Client.ContainerInspect(context.Background(), c.ID, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Errorf("first engine ContainerInspect(%s) err = %v, want not found", c.Name, err)
	}
	list, err := second.Client.ContainerList(context.Background(), client.ContainerListOptions{
		Filters: client.Filters{}.Add("label", dockertest.LabelRun+"="+second.RunID),
	})
	if err != nil {
		t.Fatalf("ContainerList on second engine: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].ID != c.ID {
		t.Errorf("second engine lists %d containers of this run, want only %s", len(list.Items), c.Name)
	}
}

// BenchmarkCreateMany measures creating containers without starting them;
// -benchtime=1000x gives the time to create 1000.
func BenchmarkCreateMany(b *testing.B) {
	e := dockertest.Connect(b)
	e.Image(b)
	// Cleanups run last-registered first: the second one below starts the
	// clock just before CreateMany's cleanup removes the containers.
	var removeStart time.Time
	b.Cleanup(func() { b.Logf("removed %d containers in %v", b.N, time.Since(removeStart)) })
	b.ResetTimer()
	cs := e.CreateMany(b, b.N, "ddc-test-bench")
	b.StopTimer()
	b.Cleanup(func() { removeStart = time.Now() })
	if len(cs) != b.N {
		b.Fatalf("CreateMany(%d) returned %d containers", b.N, len(cs))
	}
}

// TestNoEngine runs TestImage in a child process against a socket where no
// daemon listens: it must be skipped, or fail when CI=true.
func TestNoEngine(t *testing.T) {
	if os.Getenv("DDC_DOCKERTEST_CHILD") == "1" {
		t.Skip("already in the child process")
	}
	host := "unix://" + t.TempDir() + "/none.sock"
	tests := []struct {
		name    string
		ci      string
		wantErr bool
		want    string
	}{
		{"skip outside CI", "", false, "--- SKIP: TestImage"},
		{"fail in CI", "true", true, "--- FAIL: TestImage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestImage$", "-test.v")
			cmd.Env = append(os.Environ(), "DOCKER_HOST="+host, "CI="+tt.ci, "DDC_DOCKERTEST_CHILD=1")
			out, err := cmd.CombinedOutput()
			if (err != nil) != tt.wantErr || !strings.Contains(string(out), tt.want) {
				t.Errorf("TestImage with CI=%q and no engine: err = %v, output %q; want error %v and %q", tt.ci, err, out, tt.wantErr, tt.want)
			}
		})
	}
}

// TestSecondLock: a test using the second daemon holds a lock that keeps a
// test that stops it (SecondExclusive, in any process) waiting until the
// first test ends.
func TestSecondLock(t *testing.T) {
	tryExclusive := func() error {
		f, err := os.OpenFile(filepath.Join(os.TempDir(), "ddc-docker2-users.lock"), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	t.Run("user", func(t *testing.T) {
		dockertest.Second(t)
		if err := tryExclusive(); !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Errorf("exclusive lock while a test uses the second daemon: err = %v, want EWOULDBLOCK", err)
		}
	})
	// Other packages' tests may hold it right now: wait for a moment when
	// none does, as SecondExclusive would.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		err := tryExclusive()
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			t.Fatalf("exclusive lock after the user ended: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

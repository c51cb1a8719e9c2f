package containers_test

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// Log messages of an outage.
const (
	logDown    = "docker endpoint unreachable; retrying"
	logStill   = "docker endpoint still unreachable"
	logBack    = "docker endpoint reachable again"
	logReached = "docker endpoint reachable"
)

// attemptsRe reads the attempt count out of the health message.
var attemptsRe = regexp.MustCompile(`\((\d+) attempts?, next in `)

// TestDownAtStart starts the plugin on an endpoint whose socket has nothing
// listening (a daemon that died and left its socket), with the retry
// policy scaled down: a second stands for the 5 minutes between reminders.
// While it is down the log gets one line when the outage starts and one
// per reminder, never one per attempt, and the health names the endpoint,
// how long it has been down, the attempts and the error. Then a real
// engine answers on that socket (through the test's socket proxy): the
// plugin lists its containers, logs it once and is healthy.
func TestDownAtStart(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{})
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	_ = ln.Close()
	ep := endpoint(e, "local")
	ep.Host = "unix://" + path

	const remind = time.Second
	h, rec := startLogged(t, containers.Settings{Endpoints: []containers.EndpointSettings{ep}}, func(p *containers.Plugin) {
		containers.SetRetry(p, 10*time.Millisecond, 50*time.Millisecond, 300*time.Millisecond, 200*time.Millisecond, remind)
	})
	t.Cleanup(func() {
		if t.Failed() {
			rec.dump()
		}
	})
	t0 := time.Now()
	deadline := t0.Add(30 * time.Second)
	for rec.count(logStill) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("logged %q %d times in 30 s, want 3 (one a second)", logStill, rec.count(logStill))
		}
		time.Sleep(20 * time.Millisecond)
	}
	hl := health(t, h)
	elapsed := time.Since(t0)
	warnings := rec.warnings()
	for _, want := range []string{"local (" + ep.Host + "), down for ", " attempts, next in ", "connection refused"} {
		if !hl.Degraded || !strings.Contains(hl.Message, want) {
			t.Errorf("health = %+v, want degraded with %q", hl, want)
		}
	}
	m := attemptsRe.FindStringSubmatch(hl.Message)
	if m == nil {
		t.Fatalf("health message %q has no attempt count", hl.Message)
	}
	attempts, _ := strconv.Atoi(m[1])
	still := rec.count(logStill)
	if n := rec.count(logDown); n != 1 {
		t.Errorf("logged %q %d times, want once", logDown, n)
	}
	if max := int(elapsed/remind) + 1; still > max {
		t.Errorf("logged %q %d times in %v, want at most %d (one per %v)", logStill, still, elapsed, max, remind)
	}
	if len(warnings) != 1+still {
		t.Errorf("warnings = %q, want only the outage's start and its reminders", warnings)
	}
	if attempts < len(warnings)+5 {
		t.Errorf("%d attempts for %d log lines in %v; want many more attempts than lines", attempts, len(warnings), elapsed)
	}
	t.Logf("down for %v: %d attempts, %d warnings", elapsed, attempts, len(warnings))
	l, err := api.List(t.Context(), invoker{h: h})
	if err != nil || len(l.Endpoints) != 1 || l.Endpoints[0].Reachable || !strings.Contains(l.Endpoints[0].Error, "connection refused") ||
		l.Endpoints[0].Since.IsZero() || !slices.Equal(l.Unreachable, []string{"local"}) {
		t.Errorf("list while down = %+v, %v; want endpoint local unreachable with the error", l, err)
	}

	newProxyAt(t, e.Host, path)
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing the container", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == api.StateRunning && len(l.Unreachable) == 0
	})
	if n := rec.count(logBack); n != 1 {
		t.Errorf("logged %q %d times, want once", logBack, n)
	}
	if n := rec.count(logReached); n != 0 {
		t.Errorf("logged %q %d times, want none after an outage", logReached, n)
	}
	for _, w := range rec.warnings() {
		if w != logDown && w != logStill {
			t.Errorf("warning %q, want only the outage's", w)
		}
	}
}

// TestDaemonRestart stops and restarts the second daemon (never the main
// one). Plugin A was connected: it must show its containers as unknown
// (in the list, in its events and so in an api.Tracker, with the endpoint
// unreachable and why), report the endpoint in CheckHealth, and list them
// right within 5 s of the daemon answering again. Plugin B starts while
// the daemon is down and lists them once it answers. Each logs the outage
// once and its end once, not every attempt.
func TestDaemonRestart(t *testing.T) {
	e2 := dockertest.SecondExclusive(t) // no other test uses the daemon while it is stopped
	c := e2.Run(t, dockertest.Options{})
	settings := containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e2, "second")}}
	h, recA := startLogged(t, settings, nil)
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing it running", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == api.StateRunning
	})
	f := newFollower(t, h)
	script, err := dockertest.Script()
	if err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_, _ = dockertest.StartSecond(context.Background())
		}
	})
	from := len(h.Host.Published())
	if out, err := exec.Command("bash", script, "stop-second").CombinedOutput(); err != nil {
		t.Fatalf("stop-second: %v: %s", err, out)
	}
	waitDegraded(t, h, "second ("+e2.Host+"), down for ")
	l := waitList(t, h, 5*time.Second, "showing it unknown", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == api.StateUnknown && !ci.Reachable
	})
	if !slices.Equal(l.Unreachable, []string{"second"}) {
		t.Errorf("Unreachable = %v, want [second]", l.Unreachable)
	}
	waitEvent(t, h, from, 5*time.Second, "unknown", func(se api.StateEvent) bool {
		return se.ID == c.ID && se.State == api.StateUnknown && !se.Reachable && se.Cause == api.CauseUnreachable
	})
	f.waitFor("showing it unknown on an unreachable endpoint", 5*time.Second, func(tr *api.Tracker) bool {
		ci, _ := named(tr, c.Name)
		eps := tr.Endpoints()
		return ci.State == api.StateUnknown && len(eps) == 1 && !eps[0].Reachable && eps[0].Error != ""
	})
	if _, err := h.Invoke(context.Background(), api.ActionStop, api.Args{Container: c.Name}); !isUser(err, sdk.ErrUnavailable) {
		t.Errorf("stop while down error = %v, want ErrUnavailable", err)
	}

	hB, recB := startLogged(t, settings, nil)
	hl := waitDegraded(t, hB, "second ("+e2.Host+"), down for ")
	t.Logf("B while down: %s", hl.Message)

	if _, err := dockertest.StartSecond(context.Background()); err != nil {
		t.Fatalf("start second daemon again: %v", err)
	}
	restarted = true
	answered := time.Now()
	want := api.State(e2.Inspect(t, c).State.Status) // the daemon stopped it on shutdown
	right := func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.Reachable && ci.State == want && len(l.Unreachable) == 0
	}
	waitList(t, h, 5*time.Second, "right again", right)
	t.Logf("list right %v after the daemon answered (state %s)", time.Since(answered), want)
	waitHealthy(t, h, time.Second)
	waitList(t, hB, 5*time.Second, "right in the plugin started while it was down", right)
	waitHealthy(t, hB, time.Second)
	f.waitFor("right again", 5*time.Second, func(tr *api.Tracker) bool {
		ci, _ := named(tr, c.Name)
		return ci.State == want && tr.Endpoints()[0].Reachable
	})

	for _, tt := range []struct {
		name        string
		rec         *logRecorder
		wantReached int
	}{{"A, connected first", recA, 1}, {"B, started while down", recB, 0}} {
		if n := tt.rec.count(logDown); n != 1 {
			t.Errorf("%s: logged %q %d times, want once", tt.name, logDown, n)
		}
		if n := tt.rec.count(logBack); n != 1 {
			t.Errorf("%s: logged %q %d times, want once", tt.name, logBack, n)
		}
		if n := tt.rec.count(logReached); n != tt.wantReached {
			t.Errorf("%s: logged %q %d times, want %d", tt.name, logReached, n, tt.wantReached)
		}
		if w := tt.rec.warnings(); !slices.Equal(w, []string{logDown}) {
			t.Errorf("%s: warnings = %q, want only %q", tt.name, w, logDown)
		}
		if t.Failed() {
			tt.rec.dump()
		}
	}
}

// waitDegraded waits until the plugin reports itself degraded with a
// message containing want, and returns its health.
func waitDegraded(t testing.TB, h *sdktest.Harness, want string) grpcplugin.Health {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		hl := health(t, h)
		if hl.Degraded && strings.Contains(hl.Message, want) {
			return hl
		}
		if time.Now().After(deadline) {
			t.Fatalf("health = %+v; want degraded with %q", hl, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

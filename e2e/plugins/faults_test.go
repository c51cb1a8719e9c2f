package plugins

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/sdk"
)

// TestThirdPartyEcho installs the example echo plugin as its own binary,
// loads it, calls it, crashes it and sees it restarted.
func TestThirdPartyEcho(t *testing.T) {
	data := t.TempDir()
	install(t, data, "echo", "echo", bins.echo, nil)
	e := start(t, data, nil)
	ctx := context.Background()
	st := waitState(t, e.mgr, "echo", pluginhost.StateRunning, 10*time.Second)

	resp, err := command(ctx, e.mgr, "echo", "echo", sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: "hi"})
	if err != nil || !strings.Contains(resp.Message.Content, "hi (1 echo)") {
		t.Fatalf("HandleCommand(echo hi) = %+v, %v", resp, err)
	}
	out, err := e.mgr.Invoke(ctx, "host", "echo.say", json.RawMessage(`{"text":"x"}`), nil)
	if err != nil || !strings.Contains(string(out), `x"`) {
		t.Fatalf("Invoke(echo.say) = %s, %v", out, err)
	}
	// The count lives in the host's store, in the plugin's namespace.
	if v, ok, err := e.store.KV("plugin/echo").Get(ctx, "count"); err != nil || !ok || string(v) != "1" {
		t.Errorf("store plugin/echo count = %q %v %v, want 1", v, ok, err)
	}

	if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill echo plugin pid %d: %v", st.PID, err)
	}
	wait.ForState(t, 10*time.Second, "echo restarted", func() (bool, string) {
		s, _ := e.mgr.Status("echo")
		return s.State == pluginhost.StateRunning && s.Restarts == 1 && s.PID != st.PID, fmt.Sprintf("%+v", s)
	})
	resp, err = command(ctx, e.mgr, "echo", "echo", sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: "back"})
	if err != nil || !strings.Contains(resp.Message.Content, "back (2 echoes)") {
		t.Fatalf("after restart HandleCommand(echo back) = %+v, %v", resp, err)
	}
}

// TestPanicRestartsOthersCarryOn crashes one plugin with a panic in a
// goroutine; the other keeps answering and the crashed one comes back.
func TestPanicRestartsOthersCarryOn(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	install(t, data, "echo", "echo", bins.echo, nil)
	e := start(t, data, nil)
	ctx := context.Background()
	waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	waitState(t, e.mgr, "echo", pluginhost.StateRunning, 10*time.Second)

	if _, err := command(ctx, e.mgr, "fault", "fault", do("crash")); err == nil {
		t.Fatal("HandleCommand(crash) succeeded, want an error")
	}
	resp, err := command(ctx, e.mgr, "echo", "echo", sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: "still here"})
	if err != nil || !strings.Contains(resp.Message.Content, "still here") {
		t.Fatalf("echo after fault crashed = %+v, %v", resp, err)
	}
	var st pluginhost.Status
	wait.ForState(t, 10*time.Second, "fault restarted", func() (bool, string) {
		st, _ = e.mgr.Status("fault")
		return st.State == pluginhost.StateRunning && st.Restarts == 1, fmt.Sprintf("%+v", st)
	})
	if !strings.Contains(st.PreviousError, "panic: fault plugin: crash requested") || st.LastError != "" {
		t.Errorf("fault status = %+v, want 1 restart, no current error and the panic as previous error", st)
	}
	if resp, err := command(ctx, e.mgr, "fault", "fault"); err != nil || resp.Message.Content != "ok from fault" {
		t.Errorf("fault after restart = %+v, %v", resp, err)
	}
}

// TestHandlerPanicIsAnError: a panic inside a handler is recovered by the SDK
// and returned as an error; the process stays up.
func TestHandlerPanicIsAnError(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, nil)
	before := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	_, err := command(context.Background(), e.mgr, "fault", "fault", do("panic"))
	if err == nil || !strings.Contains(err.Error(), "plugin panic: fault plugin: handler panic requested") {
		t.Fatalf("HandleCommand(panic) error = %v, want the recovered panic", err)
	}
	time.Sleep(300 * time.Millisecond)
	if st, _ := e.mgr.Status("fault"); st.PID != before.PID || st.State != pluginhost.StateRunning {
		t.Errorf("after handler panic status = %+v, want same pid %d running", st, before.PID)
	}
}

// TestHangDeadlineAndWatchdog: a plugin stuck inside a call gets its caller
// an error at the deadline and is restarted by the watchdog.
func TestHangDeadlineAndWatchdog(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, func(c *pluginhost.Config) { c.Timeouts.Health = time.Hour }) // only the watchdog may act
	before := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	began := time.Now()
	_, err := command(context.Background(), e.mgr, "fault", "fault", do("hang"))
	took := time.Since(began)
	if !errors.Is(err, sdk.ErrTimeout) {
		t.Fatalf("HandleCommand(hang) error = %v, want ErrTimeout", err)
	}
	if took > 3*time.Second {
		t.Errorf("HandleCommand(hang) returned after %s, want about the 2 s deadline", took)
	}
	wait.ForState(t, 10*time.Second, "watchdog restart", func() (bool, string) {
		s, _ := e.mgr.Status("fault")
		return s.State == pluginhost.StateRunning && s.PID != before.PID, fmt.Sprintf("%+v", s)
	})
	st, _ := e.mgr.Status("fault")
	if want := regexp.MustCompile(`^watchdog: call HandleCommand /fault stuck for [0-9]+s past its 2s deadline$`); !want.MatchString(st.PreviousError) {
		t.Errorf("previous error = %q, want the watchdog naming the call (%s)", st.PreviousError, want)
	}
	if alive(before.PID) {
		t.Errorf("old plugin process %d still alive after the watchdog restart", before.PID)
	}
}

// TestWellBehavedSlowCallIsNotKilled: a call that runs past its deadline but
// returns on cancellation is not a stuck plugin.
func TestWellBehavedSlowCallIsNotKilled(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, nil)
	before := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	if _, err := command(context.Background(), e.mgr, "fault", "fault", do("sleep")); !errors.Is(err, sdk.ErrTimeout) {
		t.Fatalf("HandleCommand(sleep) error = %v, want ErrTimeout", err)
	}
	time.Sleep(4 * time.Second)
	if st, _ := e.mgr.Status("fault"); st.PID != before.PID || st.Restarts != 0 {
		t.Errorf("status = %+v, want the same process, no restarts", st)
	}
}

func TestStartFailures(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		extra     []string
		tamper    bool
		wantState pluginhost.State
		wantErr   []string
		// start is the start deadline: 1s where the case is about it, else
		// long enough for a loaded machine to exec and handshake.
		start time.Duration
	}{
		{name: "stdout before handshake", args: []string{"--mode=stdout"}, wantState: pluginhost.StateFailed,
			wantErr: []string{"plugin fault wrote to stdout before the handshake", `"hello from a careless plugin"`}},
		{name: "slow start", args: []string{"--mode=slow-start"}, wantState: pluginhost.StateFailed,
			wantErr: []string{"plugin fault did not finish starting within 1s"}, start: time.Second},
		{name: "checksum mismatch", tamper: true, wantState: pluginhost.StateFailed,
			wantErr: []string{"plugin.yaml records", "refusing to run a changed binary"}},
		{name: "invalid manifest", args: []string{"--mode=bad-manifest"}, wantState: pluginhost.StateFailed,
			wantErr: []string{"invalid manifest", `name "Bad Name!" must be 1-32 lowercase`, "description must be 1-100 characters"}},
		{name: "manifest id differs", args: []string{"--mode=wrong-id"}, wantState: pluginhost.StateFailed,
			wantErr: []string{`manifest id "someone-else" does not match the plugin's descriptor id "fault"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			dir := install(t, data, "fault", "fault", bins.fault, tt.args, tt.extra...)
			if tt.tamper {
				f, err := os.OpenFile(dir+"/faultplugin", os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.Write([]byte("tampered"))
				f.Close()
			}
			install(t, data, "echo", "echo", bins.echo, nil)
			e := start(t, data, func(c *pluginhost.Config) {
				c.Timeouts.Start = cmp.Or(tt.start, 15*time.Second)
				c.Restart.MaxCrashes = 2
			})
			st := waitState(t, e.mgr, "fault", tt.wantState, 20*time.Second)
			for _, w := range tt.wantErr {
				if !strings.Contains(st.LastError, w) {
					t.Errorf("last error = %q, want it to contain %q", st.LastError, w)
				}
			}
			if strings.Contains(st.LastError, "permanent") {
				t.Errorf("last error = %q shows the host's internal permanent marker", st.LastError)
			}
			waitState(t, e.mgr, "echo", pluginhost.StateRunning, 10*time.Second)
		})
	}
}

// TestCrashLoopEndsFailed: a plugin that dies at every start is retried with
// growing backoff, then left failed: no busy loop.
func TestCrashLoopEndsFailed(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, []string{"--mode=exit-at-start"})
	began := time.Now()
	e := start(t, data, func(c *pluginhost.Config) {
		c.Restart = pluginhost.RestartPolicy{Backoff: 200 * time.Millisecond, MaxBackoff: time.Second, MaxCrashes: 4, Window: time.Minute}
	})
	st := waitState(t, e.mgr, "fault", pluginhost.StateFailed, 20*time.Second)
	took := time.Since(began)
	// Backoffs 200 + 400 + 800 ms between four attempts.
	if took < 1400*time.Millisecond {
		t.Errorf("failed after %s, want at least the 1.4 s of backoff", took)
	}
	if st.Restarts != 3 {
		t.Errorf("restarts = %d, want 3 (4 attempts)", st.Restarts)
	}
	for _, w := range []string{"crashed 4 times within 1m0s", "not restarting until an admin acts", "fatal: cannot start, exiting"} {
		if !strings.Contains(st.LastError, w) {
			t.Errorf("last error = %q, want it to contain %q", st.LastError, w)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if again, _ := e.mgr.Status("fault"); again.Restarts != st.Restarts || again.State != pluginhost.StateFailed {
		t.Errorf("after failing, status changed to %+v", again)
	}
}

// TestBadInstallsLeaveOthersRunning: malformed descriptors, unknown protocol
// versions, an id taken by a bundled plugin, a directory not named for its
// id and duplicate command names each give a clear error and do not stop
// the good plugins.
func TestBadInstallsLeaveOthersRunning(t *testing.T) {
	data := t.TempDir()
	install(t, data, "echo", "echo", bins.echo, nil)
	install(t, data, "b-echo-again", "echo", bins.echo, nil)
	install(t, data, "proto", "proto", bins.fault, []string{"--id=proto", "--cmd=proto"}, "protocol_version: 7")
	install(t, data, "x-clash", "x-clash", bins.fault, []string{"--id=x-clash", "--cmd=echo"})
	bad := data + "/plugins/e-broken"
	os.MkdirAll(bad, 0o755)
	os.WriteFile(bad+"/plugin.yaml", []byte("id: Broken Id\nversion: one\nexecutable: ../../escape\nsha256: xyz\nbogus: 1\n"), 0o644)
	os.MkdirAll(data+"/plugins/f-fields", 0o755)
	os.WriteFile(data+"/plugins/f-fields/plugin.yaml", []byte("id: fields\nversion: 1.0.0\nexecutable: ../../escape\nsha256: xyz\nprotocol_version: 1\n"), 0o644)
	install(t, data, "good", "good", bins.fault, []string{"--id=good", "--cmd=good"})

	e := start(t, data, func(c *pluginhost.Config) {
		c.Bundled = []pluginhost.Bundled{{ID: "echo", Name: "Echo", Version: "1.0.0", Path: bins.echo}}
	})
	waitState(t, e.mgr, "echo", pluginhost.StateRunning, 10*time.Second)
	waitState(t, e.mgr, "good", pluginhost.StateRunning, 10*time.Second)
	if err := e.mgr.WaitSettled(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	byID := map[string]pluginhost.Status{}
	for _, s := range e.mgr.Statuses() {
		byID[s.ID] = s
	}
	tests := []struct {
		id      string
		wantErr []string
	}{
		{"duplicate:echo:echo", []string{`duplicate plugin id "echo" (in ` + data + "/plugins/echo): already used by bundled plugin echo"}},
		{"invalid:b-echo-again", []string{`id: "echo" differs from the plugin directory's name "b-echo-again"`}},
		{"proto", []string{"plugin speaks protocol version 7; this host speaks 1"}},
		{"x-clash", []string{"command /echo is already registered by plugin echo"}},
		{"invalid:e-broken", []string{"field bogus not found"}},
		{"invalid:f-fields", []string{"f-fields/plugin.yaml: executable:", "sha256:"}},
	}
	for _, tt := range tests {
		st, ok := byID[tt.id]
		if !ok {
			t.Errorf("no status for %s; have %v", tt.id, byID)
			continue
		}
		if st.State != pluginhost.StateFailed {
			t.Errorf("%s state = %s, want failed", tt.id, st.State)
		}
		for _, w := range tt.wantErr {
			if !strings.Contains(st.LastError, w) {
				t.Errorf("%s last error = %q, want it to contain %q", tt.id, st.LastError, w)
			}
		}
	}
	if resp, err := command(context.Background(), e.mgr, "good", "good"); err != nil || resp.Message.Content != "ok from good" {
		t.Errorf("good plugin = %+v, %v", resp, err)
	}
}

// TestInvokeAndEvents: cross-plugin calls are routed and allowed only when
// the caller's manifest lists them; events reach subscribers.
func TestInvokeAndEvents(t *testing.T) {
	data := t.TempDir()
	install(t, data, "echo", "echo", bins.echo, nil)
	install(t, data, "caller", "caller", bins.fault, []string{"--id=caller", "--cmd=caller", "--calls=echo.say", "--subscribe=echo.*"})
	install(t, data, "rogue", "rogue", bins.fault, []string{"--id=rogue", "--cmd=rogue"})
	e := start(t, data, nil)
	ctx := context.Background()
	for _, id := range []string{"echo", "caller", "rogue"} {
		waitState(t, e.mgr, id, pluginhost.StateRunning, 10*time.Second)
	}
	resp, err := command(ctx, e.mgr, "caller", "caller", do("invoke"), sdk.OptionValue{Name: "action", Type: sdk.OptionString, Value: "echo.say"})
	if err != nil || !strings.Contains(resp.Message.Content, "via caller") {
		t.Fatalf("caller invoking echo.say = %+v, %v", resp, err)
	}
	_, err = command(ctx, e.mgr, "rogue", "rogue", do("invoke"), sdk.OptionValue{Name: "action", Type: sdk.OptionString, Value: "echo.say"})
	if !errors.Is(err, sdk.ErrPermission) || !strings.Contains(err.Error(), "plugin rogue may not call echo.say") {
		t.Fatalf("rogue invoking echo.say error = %v, want a permission error naming both", err)
	}
	// echo publishes echo.said on each /echo; caller subscribes to echo.*.
	for i := 0; i < 3; i++ {
		if _, err := command(ctx, e.mgr, "echo", "echo", sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: "e" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	wait.ForState(t, 5*time.Second, "caller to receive 3 events", func() (bool, string) {
		v, _, _ := e.store.KV("plugin/caller").Get(ctx, "events")
		return string(v) == "3", string(v)
	})
}

// TestStopKillsProcessGroup: stopping a plugin also ends processes it
// started itself.
func TestStopKillsProcessGroup(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, []string{"--mode=grandchild"})
	e := start(t, data, nil)
	ctx := context.Background()
	st := waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	raw, ok, err := e.store.KV("plugin/fault").Get(ctx, "grandchild")
	if err != nil || !ok {
		t.Fatalf("grandchild pid not recorded: %v", err)
	}
	child, _ := strconv.Atoi(string(raw))
	if !alive(child) {
		t.Fatalf("grandchild %d not running", child)
	}
	if err := e.mgr.Disable(ctx, "fault"); err != nil {
		t.Fatal(err)
	}
	wait.ForState(t, 5*time.Second, "plugin and grandchild gone", func() (bool, string) {
		return !alive(st.PID) && !alive(child), fmt.Sprintf("plugin alive=%v child alive=%v", alive(st.PID), alive(child))
	})
	if s, _ := e.mgr.Status("fault"); s.State != pluginhost.StateDisabled {
		t.Errorf("state after Disable = %s, want disabled", s.State)
	}
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestPluginEnvironmentHasNoSecrets: a plugin process sees none of the
// host's environment (the bot token above all), only the documented
// variables.
func TestPluginEnvironmentHasNoSecrets(t *testing.T) {
	t.Setenv("DISCORD_BOT_TOKEN", "secret-token-value")
	t.Setenv("DDC_ADMIN_PASSWORD", "secret-password")
	t.Setenv("DOCKER_HOST", "unix:///run/example/docker.sock")
	t.Setenv("TZ", "Europe/Berlin")
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, nil)
	waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	resp, err := command(context.Background(), e.mgr, "fault", "fault", do("env"))
	if err != nil {
		t.Fatal(err)
	}
	env := resp.Message.Content
	for _, secret := range []string{"secret-token-value", "secret-password", "DISCORD_BOT_TOKEN", "DDC_ADMIN_PASSWORD"} {
		if strings.Contains(env, secret) {
			t.Errorf("plugin environment contains %q:\n%s", secret, env)
		}
	}
	for _, want := range []string{"DOCKER_HOST=unix:///run/example/docker.sock", "TZ=Europe/Berlin", "DDC_PLUGIN_ID=fault"} {
		if !strings.Contains(env, want) {
			t.Errorf("plugin environment lacks %q:\n%s", want, env)
		}
	}
}

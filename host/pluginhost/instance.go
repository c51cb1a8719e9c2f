package pluginhost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ddc-go/ddc/host/sandbox"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// permanentError marks a start failure that a restart cannot fix (bad
// manifest, checksum mismatch, conflicts, an executable the kernel refuses
// to run): the plugin goes to failed at once. Its text is its cause's, so
// the mark never shows in what admins read.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// permanent marks err as a failure a restart cannot fix.
func permanent(err error) error { return permanentError{err} }

// isPermanent reports whether err (or an error it wraps) is permanent.
func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// errNoAnswer marks a setup step that ran into its deadline.
var errNoAnswer = errors.New("no answer")

// instance is one plugin and its supervisor.
type instance struct {
	m    *Manager
	id   string
	desc Descriptor
	log  *slog.Logger

	mu         sync.Mutex
	st         State
	since      time.Time
	lastErr    error // the current error: cleared when the plugin runs again
	prevErr    error // the error it last recovered from
	health     string
	restarts   int
	crashes    []time.Time
	pid        int
	rpc        *grpcplugin.Client
	manifest   *grpcplugin.Manifest // claimed: routable
	settings   json.RawMessage
	language   string         // the default language handed over with settings
	running    bool           // supervisor goroutine alive
	stopReq    chan State     // asks the supervisor to stop, with the final state
	kick       chan struct{}  // asks for an immediate health check
	done       chan struct{}  // closed when the supervisor ends
	stderrTail *tailWriter    // last lines of the process's stderr
	mem        sandbox.Sample // the memory watchdog's last reading
	memLimit   int64          // the running process's memory limit, bytes
	memErr     error          // set when the memory watchdog stopped the plugin

	// tried is closed when the first start attempt has claimed its manifest
	// or ended: later plugins wait for it so that of two conflicting
	// plugins the earlier one (in discovery order) always wins.
	tried     chan struct{}
	triedOnce sync.Once
}

func (m *Manager) newInstance(d Descriptor) *instance {
	return &instance{
		m: m, id: d.ID, desc: d, log: m.log.With("plugin", d.ID),
		st: StateStopped, since: time.Now(), tried: make(chan struct{}),
	}
}

func (i *instance) markTried() { i.triedOnce.Do(func() { close(i.tried) }) }

// newFailedInstance returns an instance that is failed from the start
// (invalid install, duplicate id), without a state-change notification:
// it is not registered yet, and Start notifies once for all plugins.
func (m *Manager) newFailedInstance(d Descriptor, err error) *instance {
	inst := m.newInstance(d)
	inst.st, inst.lastErr = StateFailed, err
	return inst
}

func (i *instance) where() string {
	if i.desc.Bundled {
		return "bundled plugin " + i.id
	}
	return "plugin " + i.id + " in " + i.desc.Dir
}

func (i *instance) state() State {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.st
}

func (i *instance) lastError() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.lastErr == nil {
		if i.prevErr != nil {
			return i.prevErr
		}
		return errors.New("no executable")
	}
	return i.lastErr
}

func (i *instance) setState(st State, err error) {
	i.mu.Lock()
	changed := i.st != st
	i.st, i.since = st, time.Now()
	if err != nil {
		i.lastErr = err
	}
	switch st {
	case StateRunning, StateDegraded, StateStopped, StateDisabled:
		// The error is over: keep it only as the previous one, so that a
		// recovered plugin does not show a stale error as its current one.
		if i.lastErr != nil {
			i.prevErr, i.lastErr = i.lastErr, nil
		}
	}
	if st != StateDegraded {
		i.health = ""
	}
	i.mu.Unlock()
	if changed {
		i.log.Info("plugin state", "state", st)
		i.m.changed()
	}
}

func (i *instance) setFailed(err error) { i.setState(StateFailed, err) }

func (i *instance) status() Status {
	i.mu.Lock()
	defer i.mu.Unlock()
	s := Status{
		ID: i.id, Name: i.desc.Name, Version: i.desc.Version, State: i.st, Restarts: i.restarts,
		Health: i.health, PID: i.pid, Bundled: i.desc.Bundled, Since: i.since,
		RSS: i.mem.RSS, PSS: i.mem.PSS, MemoryLimit: i.memLimit, OverMemoryLimit: i.memErr != nil,
	}
	if i.manifest != nil {
		s.Name, s.Version = i.manifest.Name, i.manifest.Version
	}
	if i.lastErr != nil {
		s.LastError = i.lastErr.Error()
	}
	if i.prevErr != nil {
		s.PreviousError = i.prevErr.Error()
	}
	return s
}

func (i *instance) rpcClient() *grpcplugin.Client {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.st != StateRunning && i.st != StateDegraded {
		return nil
	}
	return i.rpc
}

func (i *instance) claimedManifest() (grpcplugin.Manifest, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.manifest == nil {
		return grpcplugin.Manifest{}, false
	}
	return *i.manifest, true
}

func (i *instance) activeManifest() (grpcplugin.Manifest, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.manifest == nil || (i.st != StateRunning && i.st != StateDegraded) {
		return grpcplugin.Manifest{}, false
	}
	return *i.manifest, true
}

func (i *instance) setClaim(mf *grpcplugin.Manifest) {
	i.mu.Lock()
	i.manifest = mf
	i.mu.Unlock()
}

func (i *instance) resetCrashes() {
	i.mu.Lock()
	i.crashes = nil
	i.mu.Unlock()
}

func (i *instance) settingsChanged(s json.RawMessage) bool {
	lang := i.m.cfg.Language()
	i.mu.Lock()
	defer i.mu.Unlock()
	return !bytes.Equal(i.settings, s) || i.language != lang
}

// suspect asks the supervisor for an immediate health check, after a call
// ran into its deadline.
func (i *instance) suspect() {
	i.mu.Lock()
	k := i.kick
	i.mu.Unlock()
	if k != nil {
		select {
		case k <- struct{}{}:
		default:
		}
	}
}

// launch starts the supervisor unless it is already running.
func (i *instance) launch() {
	i.mu.Lock()
	if i.running {
		i.mu.Unlock()
		return
	}
	i.running = true
	i.stopReq = make(chan State, 1)
	i.kick = make(chan struct{}, 1)
	i.done = make(chan struct{})
	stopReq, done := i.stopReq, i.done
	i.mu.Unlock()
	i.setState(StateStarting, nil)
	go i.supervise(stopReq, done)
}

// stop ends the supervisor (and the plugin), leaving the plugin in final.
func (i *instance) stop(ctx context.Context, final State) {
	i.mu.Lock()
	running, stopReq, done := i.running, i.stopReq, i.done
	i.mu.Unlock()
	if !running {
		if st := i.state(); st != StateFailed || final == StateDisabled {
			i.setState(final, nil)
		}
		return
	}
	select {
	case stopReq <- final:
	default:
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// supervise runs the plugin until asked to stop, restarting it after
// crashes with exponential backoff until it crashes too often.
//
// The goroutine stays locked to its OS thread while the plugin runs: the
// plugin's parent-death signal fires when the thread that forked it exits,
// and a locked thread cannot be reused or retired under it.
func (i *instance) supervise(stopReq chan State, done chan struct{}) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(done)
	defer func() {
		i.mu.Lock()
		i.running = false
		i.mu.Unlock()
	}()
	defer i.markTried()
	pol := i.m.cfg.Restart
	for restart := false; ; restart = true {
		final, err := i.runOnce(stopReq, restart)
		i.markTried()
		if final != "" {
			i.setState(final, nil)
			return
		}
		if isPermanent(err) {
			i.log.Error("plugin cannot start", "error", err)
			i.setFailed(err)
			return
		}
		now := time.Now()
		i.mu.Lock()
		kept := i.crashes[:0]
		for _, t := range i.crashes {
			if now.Sub(t) < pol.Window {
				kept = append(kept, t)
			}
		}
		i.crashes = append(kept, now)
		n := len(i.crashes)
		i.mu.Unlock()
		if n >= pol.MaxCrashes {
			err = fmt.Errorf("crashed %d times within %s, not restarting until an admin acts; last error: %w", n, pol.Window, err)
			i.log.Error("plugin failed", "error", err)
			i.setFailed(err)
			return
		}
		backoff := pol.Backoff << (n - 1)
		if backoff > pol.MaxBackoff || backoff <= 0 {
			backoff = pol.MaxBackoff
		}
		i.log.Warn("plugin crashed; restarting", "error", err, "backoff", backoff, "crashes", n)
		i.setState(StateRestarting, err)
		select {
		case final := <-stopReq:
			i.setState(final, nil)
			return
		case <-time.After(backoff):
		}
		i.setState(StateStarting, nil)
	}
}

// runOnce starts the plugin process, brings it up and watches it until it
// dies, fails a health check, or is asked to stop. It returns the final
// state when asked to stop, else the reason it ended.
//
// A restart counts in the plugin's restarts once its process was executed:
// a start refused before that (checksum, exec error) is not a restart.
func (i *instance) runOnce(stopReq chan State, restart bool) (State, error) {
	client, rpc, pid, conf, err := i.spawn(restart)
	defer func() {
		i.m.bus.Unsubscribe(i.id)
		i.mu.Lock()
		i.rpc, i.manifest, i.pid = nil, nil, 0
		i.mu.Unlock()
		i.m.changed()
	}()
	if err != nil {
		return "", err
	}
	kill := func() {
		// go-plugin's Kill first asks the plugin to shut down and waits
		// for its exit without a deadline: a plugin that never answers
		// (stopped, or hostile) would hold it forever. Past the stop
		// timeout, its group and user are killed, which ends the wait.
		exited := make(chan struct{})
		go func() {
			defer close(exited)
			client.Kill()
		}()
		select {
		case <-exited:
		case <-time.After(i.m.cfg.Timeouts.Stop):
			i.log.Warn("plugin did not exit when asked; killing it", "after", i.m.cfg.Timeouts.Stop)
		}
		killGroup(pid)
		conf.killUser()
		<-exited
	}
	stopMem := i.watchMemory(pid, conf, func() { killGroup(pid); conf.killUser() })
	defer stopMem()

	mf, err := i.bringUp(rpc)
	if err != nil {
		kill()
		return "", err
	}
	i.serveEvents(rpc, mf)
	i.mu.Lock()
	i.rpc = rpc
	i.mu.Unlock()
	i.setState(StateRunning, nil)

	reason := i.watch(client, rpc, stopReq)
	if err := i.memoryError(); err != nil {
		reason = err // whatever noticed it first, the process died of its limit
	}
	if final, ok := reason.(stopRequest); ok {
		ctx, cancel := context.WithTimeout(context.Background(), i.m.cfg.Timeouts.Stop)
		if err := rpc.Stop(ctx); err != nil {
			i.log.Warn("plugin did not stop cleanly", "error", err)
		}
		cancel()
		i.setState(StateStopped, nil)
		kill()
		return final.state, nil
	}
	kill()
	return "", reason
}

// setup runs one step of bringing a plugin up within the setup deadline,
// naming the step in its error.
func (i *instance) setup(step string, fn func(context.Context) error) error {
	limit := i.m.cfg.Timeouts.Setup
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := fn(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s: %w within %s", step, errNoAnswer, limit)
		}
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}

// bringUp takes a started plugin process from the handshake to running:
// manifest read and checked, its claims granted, the Host API served,
// Configure and Start. The caller kills the process on an error.
func (i *instance) bringUp(rpc *grpcplugin.Client) (grpcplugin.Manifest, error) {
	var mf grpcplugin.Manifest
	err := i.setup("get manifest", func(ctx context.Context) error {
		var err error
		mf, err = rpc.Manifest(ctx)
		return err
	})
	if err == nil {
		err = i.checkManifest(mf)
	}
	if err == nil {
		i.m.conf.checkAsks(i, mf)
		i.m.waitEarlier(i)
		err = i.m.claim(i, mf)
		i.markTried()
		if err != nil {
			err = permanent(err)
		}
	}
	if err != nil {
		return mf, err
	}
	if err := rpc.ServeHost(&hostAPI{m: i.m, id: i.id, log: i.log}); err != nil {
		return mf, err
	}
	_, settings := i.m.cfg.Settings(i.id)
	lang := i.m.cfg.Language()
	if err := i.setup("configure", func(ctx context.Context) error {
		return rpc.Configure(sdk.WithDefaultLocale(ctx, lang), settings)
	}); err != nil {
		return mf, configureError(err)
	}
	i.mu.Lock()
	i.settings, i.language = settings, lang
	i.mu.Unlock()
	return mf, i.setup("start", rpc.Start)
}

// serveEvents subscribes a running plugin to the topics it declared.
func (i *instance) serveEvents(rpc *grpcplugin.Client, mf grpcplugin.Manifest) {
	if len(mf.Subscribes) == 0 || !mf.Has("event") {
		return
	}
	i.m.bus.Subscribe(i.id, mf.Subscribes, func(ctx context.Context, ev sdk.Event) error {
		err := rpc.HandleEvent(ctx, ev)
		if errors.Is(err, context.DeadlineExceeded) {
			i.suspect()
		}
		return err
	})
}

type stopRequest struct{ state State }

func (s stopRequest) Error() string { return "stop requested" }

// watch returns when the plugin process exits, fails its health check, has
// calls stuck past their deadline, or a stop is requested.
func (i *instance) watch(client *goplugin.Client, rpc *grpcplugin.Client, stopReq chan State) error {
	t := i.m.cfg.Timeouts
	health := time.NewTicker(t.Health)
	defer health.Stop()
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	i.mu.Lock()
	kick := i.kick
	i.mu.Unlock()
	for {
		select {
		case final := <-stopReq:
			return stopRequest{final}
		case <-poll.C:
			if client.Exited() {
				return i.exitError()
			}
			continue
		case <-health.C:
		case <-kick:
			// A call hit its deadline: give the plugin's own deadline
			// handling a moment, then check whether it is stuck.
			select {
			case final := <-stopReq:
				return stopRequest{final}
			case <-time.After(2500 * time.Millisecond):
			}
		}
		if err := i.checkHealth(client, rpc); err != nil {
			if client.Exited() {
				return i.exitError()
			}
			return err
		}
	}
}

func (i *instance) exitError() error {
	if err := i.memoryError(); err != nil {
		return err
	}
	i.mu.Lock()
	tail := i.stderrTail
	i.mu.Unlock()
	if line := tail.panicLine(); line != "" {
		return fmt.Errorf("process exited unexpectedly: %s", line)
	}
	return errors.New("process exited unexpectedly")
}

func (i *instance) checkHealth(client *goplugin.Client, rpc *grpcplugin.Client) error {
	t := i.m.cfg.Timeouts
	proto, err := client.Client()
	if err != nil {
		return fmt.Errorf("health: no connection: %w", err)
	}
	pingDone := make(chan error, 1)
	go func() { pingDone <- proto.Ping() }()
	select {
	case err := <-pingDone:
		if err != nil {
			return fmt.Errorf("health: ping failed: %w", err)
		}
	case <-time.After(t.HealthCheck):
		return fmt.Errorf("watchdog: no ping answer within %s", t.HealthCheck)
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.HealthCheck)
	defer cancel()
	h, err := rpc.CheckHealth(ctx)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("watchdog: no health answer within %s", t.HealthCheck)
		}
		return fmt.Errorf("health check: %w", err)
	}
	if len(h.Stuck) > 0 {
		calls := make([]string, len(h.Stuck))
		for n, c := range h.Stuck {
			calls[n] = "call " + c.String()
		}
		return fmt.Errorf("watchdog: %s", strings.Join(calls, "; "))
	}
	if h.StuckCalls > 0 {
		return fmt.Errorf("watchdog: %d call(s) stuck past their deadline", h.StuckCalls)
	}
	if h.HostRenewed {
		i.log.Info("plugin had lost its host api connection; gave it a new one")
	}
	if h.Degraded {
		i.mu.Lock()
		i.health = h.Message
		i.mu.Unlock()
		if i.state() != StateDegraded {
			i.log.Warn("plugin degraded", "reason", h.Message)
			i.setState(StateDegraded, nil)
		}
	} else if i.state() == StateDegraded {
		i.setState(StateRunning, nil)
	}
	return nil
}

// configure pushes new settings to the running plugin.
func (i *instance) configure(ctx context.Context, settings json.RawMessage) error {
	c := i.rpcClient()
	if c == nil {
		return fmt.Errorf("configure plugin %s: not running", i.id)
	}
	ctx, cancel := context.WithTimeout(ctx, i.m.cfg.Timeouts.Setup)
	defer cancel()
	lang := i.m.cfg.Language()
	if err := c.Configure(sdk.WithDefaultLocale(ctx, lang), settings); err != nil {
		return fmt.Errorf("configure plugin %s: %w", i.id, err)
	}
	i.mu.Lock()
	i.settings, i.language = settings, lang
	i.mu.Unlock()
	i.log.Info("plugin reconfigured")
	return nil
}

// configureError explains a failed first Configure: the plugin's refusal
// of its settings is permanent until they change, but a Configure that ran
// out of time or lost its process is a crash, retried like one.
func configureError(err error) error {
	if errors.Is(err, errNoAnswer) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, sdk.ErrUnavailable) || errors.Is(err, context.Canceled) {
		return err
	}
	return permanent(fmt.Errorf("settings rejected (fix them in the config): %w", err))
}

// checkManifest compares the manifest with the descriptor and validates it.
func (i *instance) checkManifest(mf grpcplugin.Manifest) error {
	if mf.ID != i.desc.ID {
		return permanent(fmt.Errorf("manifest id %q does not match the plugin's descriptor id %q", mf.ID, i.desc.ID))
	}
	if !i.desc.Bundled && mf.Version != i.desc.Version {
		return permanent(fmt.Errorf("manifest version %s does not match plugin.yaml version %s", mf.Version, i.desc.Version))
	}
	if err := ValidateManifest(mf); err != nil {
		return permanent(fmt.Errorf("invalid manifest: %w", err))
	}
	return nil
}

// spawn verifies the executable, starts the process and completes the
// go-plugin handshake.
func (i *instance) spawn(restart bool) (*goplugin.Client, *grpcplugin.Client, int, spawnConfig, error) {
	d := i.desc
	if d.ProtocolVersion != sdk.ProtocolVersion {
		return nil, nil, 0, spawnConfig{}, permanent(fmt.Errorf("plugin speaks protocol version %d; this host speaks %d", d.ProtocolVersion, sdk.ProtocolVersion))
	}
	var secure *goplugin.SecureConfig
	if !d.Bundled {
		sum, err := hex.DecodeString(d.SHA256)
		if err != nil {
			return nil, nil, 0, spawnConfig{}, permanent(fmt.Errorf("sha256 in plugin.yaml: %w", err))
		}
		if got, err := fileSHA256(d.Path); err != nil {
			return nil, nil, 0, spawnConfig{}, fmt.Errorf("checksum executable: %w", err)
		} else if !bytes.Equal(got, sum) {
			return nil, nil, 0, spawnConfig{}, permanent(fmt.Errorf("executable %s has SHA-256 %x, but plugin.yaml records %s; refusing to run a changed binary (reinstall the plugin)", d.Path, got, d.SHA256))
		}
		secure = &goplugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	cmd := exec.Command(d.Path, d.Args...)
	cmd.Dir = d.Dir
	cmd.Env = pluginEnv(i.id, i.m.pluginLogLevel())
	prepareCmd(cmd)
	conf, err := i.m.conf.prepare(d, i.log, cmd)
	if err != nil {
		return nil, nil, 0, spawnConfig{}, err
	}
	tail := &tailWriter{max: 50}
	i.mu.Lock()
	i.stderrTail = tail
	i.mu.Unlock()
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  grpcplugin.Handshake(),
		VersionedPlugins: grpcplugin.VersionedPlugins(),
		RunnerFunc:       runnerFunc(cmd, secure),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         useTLS(d, conf),
		SkipHostEnv:      true,
		StartTimeout:     i.m.cfg.Timeouts.Start,
		Logger:           hclogToSlog(i.log),
		Stderr:           tail,
		SyncStdout:       stdoutLogger{i.log},
		SyncStderr:       io.Discard,
		UnixSocketConfig: conf.sockets,
		GRPCDialOptions:  i.m.dialOptions(i.id),
	})
	proto, err := client.Client()
	pid := 0
	if cmd.Process != nil {
		pid = cmd.Process.Pid
		if restart {
			i.mu.Lock()
			i.restarts++
			i.mu.Unlock()
		}
	}
	if err != nil {
		client.Kill()
		killGroup(pid)
		return nil, nil, 0, spawnConfig{}, i.startError(err)
	}
	rpc, err := grpcplugin.Dispense(proto)
	if err != nil {
		client.Kill()
		killGroup(pid)
		return nil, nil, 0, spawnConfig{}, err
	}
	i.mu.Lock()
	i.pid = pid
	i.mu.Unlock()
	return client, rpc, pid, conf, nil
}

// startError explains a failed start in terms an admin can act on.
func (i *instance) startError(err error) error {
	msg := err.Error()
	for _, errno := range []syscall.Errno{syscall.E2BIG, syscall.ENOEXEC, syscall.ENOENT, syscall.EACCES, syscall.EPERM} {
		if errors.Is(err, errno) {
			// The kernel refused to run it; the same start fails the same
			// way until the install or its descriptor changes.
			return permanent(fmt.Errorf("plugin %s cannot be executed: %w", i.id, err))
		}
	}
	switch {
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		line, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		if line == "" && strings.Contains(msg, "Failed to read any lines") {
			// Stdout closed without a line: the process exited.
			return i.exitedDuringStart()
		}
		return fmt.Errorf("plugin %s wrote to stdout before the handshake (plugins must log to stderr): it printed %q", i.id, line)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("plugin %s did not finish starting within %s", i.id, i.m.cfg.Timeouts.Start)
	case errors.Is(err, goplugin.ErrChecksumsDoNotMatch):
		return permanent(fmt.Errorf("plugin %s: executable changed right before start (checksum mismatch)", i.id))
	case strings.Contains(msg, "Incompatible API version") || strings.Contains(msg, "Incompatible core API version"):
		return permanent(fmt.Errorf("plugin %s: %s", i.id, msg))
	case strings.Contains(msg, "plugin exited before we could connect"):
		return i.exitedDuringStart()
	}
	return fmt.Errorf("start plugin %s: %w", i.id, err)
}

// exitedDuringStart reports a plugin that exited before its handshake, with
// the last line it wrote to stderr. Stderr is copied by another goroutine,
// so it waits briefly for that line to arrive.
func (i *instance) exitedDuringStart() error {
	for deadline := time.Now().Add(300 * time.Millisecond); ; time.Sleep(10 * time.Millisecond) {
		if line := i.stderrTailLine(); line != "" {
			return fmt.Errorf("plugin %s exited during start: %s", i.id, line)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("plugin %s exited during start without writing to stderr", i.id)
		}
	}
}

func (i *instance) stderrTailLine() string {
	i.mu.Lock()
	tail := i.stderrTail
	i.mu.Unlock()
	if tail == nil {
		return ""
	}
	if l := tail.panicLine(); l != "" {
		return l
	}
	tail.mu.Lock()
	defer tail.mu.Unlock()
	if n := len(tail.lines); n > 0 {
		return tail.lines[n-1]
	}
	return ""
}

// pluginEnv is the whole environment of a plugin process: the host's own
// environment (with the bot token and other secrets) never reaches it.
//
// It passes only what is not secret: the time zone, paths, the Docker
// client's standard variables (so the containers plugin's default endpoint
// follows DOCKER_HOST like every Docker tool) and DDC's memory-trim switch.
func pluginEnv(id, level string) []string {
	env := []string{"DDC_PLUGIN_ID=" + id, "DDC_PLUGIN_LOG_LEVEL=" + level}
	for _, k := range []string{"TZ", "PATH", "HOME", "TMPDIR", "DDC_MEMORY_TRIM",
		"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return h.Sum(nil), nil
}

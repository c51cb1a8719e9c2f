package containers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/ddc-go/ddc/sdk"
)

// Limits of the logs action.
const (
	DefaultLogLines = 50  // DefaultLogLines is the tail length when none is asked for.
	MaxLogLines     = 500 // MaxLogLines is the longest tail returned.
)

// bulkGap is the pause between two containers of restart_all and stop_all,
// as in DockerDiscordControl.
const bulkGap = 500 * time.Millisecond

// Args are the JSON arguments of the plugin's actions.
type Args struct {
	// Container is "name" or "endpoint/name".
	Container string `json:"container,omitempty"`
	// TimeoutSeconds is how long stop and restart let the container stop
	// before Docker kills it; zero keeps the container's own setting.
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
	// Lines is the tail length of logs: 1-500, zero means 50.
	Lines int `json:"lines,omitempty"`
}

// ContainerInfo describes a container in list and inspect results.
type ContainerInfo struct {
	Container     string    `json:"container"`              // Container is the reference to use in actions.
	Endpoint      string    `json:"endpoint"`               // Endpoint name.
	Name          string    `json:"name"`                   // Name is the Docker name.
	DisplayName   string    `json:"display_name"`           // DisplayName from settings or labels.
	ID            string    `json:"id"`                     // ID is the full container id.
	State         string    `json:"state"`                  // State, or "unknown" when unreachable.
	Health        string    `json:"health,omitempty"`       // Health, if the container has a check.
	Image         string    `json:"image"`                  // Image it runs.
	ExitCode      int       `json:"exit_code"`              // ExitCode of the last exit.
	StartedAt     time.Time `json:"started_at,omitzero"`    // StartedAt of the current run.
	UptimeSeconds int64     `json:"uptime_seconds"`         // UptimeSeconds while running.
	Reachable     bool      `json:"reachable"`              // Reachable is false when the endpoint is down.
	Actions       []string  `json:"actions"`                // Actions allowed.
	Protected     bool      `json:"protected"`              // Protected containers cannot be stopped or restarted.
	Order         int       `json:"order"`                  // Order in lists.
	Info          string    `json:"info,omitempty"`         // Info text (inspect only).
	IPPort        string    `json:"ip_port,omitempty"`      // IPPort shown by /info (inspect only).
	RestartCount  int       `json:"restart_count,omitzero"` // RestartCount Docker counted (inspect only).
	Created       time.Time `json:"created,omitzero"`       // Created (inspect only).
}

// ListResult is the result of containers.list.
type ListResult struct {
	Containers []ContainerInfo `json:"containers"`
	// Unreachable names endpoints whose containers are shown as unknown.
	Unreachable []string `json:"unreachable,omitempty"`
	// Missing names containers that have settings but that no reachable
	// endpoint has (removed, or renamed): they are inactive, and their
	// settings are kept for when they come back.
	Missing []string `json:"missing,omitempty"`
}

// ActionResult is the real outcome of start, stop or restart.
type ActionResult struct {
	Container  string `json:"container"`           // Container acted on.
	Action     string `json:"action"`              // Action: start, stop or restart.
	OK         bool   `json:"ok"`                  // OK when the container reached the wanted state and stayed there.
	Changed    bool   `json:"changed"`             // Changed is false when it already was in that state.
	State      string `json:"state"`               // State after the action.
	ExitCode   int    `json:"exit_code"`           // ExitCode when it exited.
	Detail     string `json:"detail"`              // Detail for people: "restarted in 1.2 s".
	DurationMS int64  `json:"duration_ms"`         // DurationMS the action took.
	Skipped    string `json:"skipped,omitempty"`   // Skipped says why a bulk action left it alone.
	Error      string `json:"error,omitempty"`     // Error of a failed container in a bulk action.
	Protected  bool   `json:"protected,omitempty"` // Protected marks containers bulk actions skip.
}

// BulkResult is the result of restart_all and stop_all.
type BulkResult struct {
	Results []ActionResult `json:"results"`
}

// LogsResult is the result of containers.logs.
type LogsResult struct {
	Container string   `json:"container"`
	Lines     []string `json:"lines"` // Lines, oldest first, each with its RFC 3339 timestamp.
}

// StatsResult is the result of containers.stats.
type StatsResult struct {
	Container   string  `json:"container"`
	Running     bool    `json:"running"`
	CPUPercent  float64 `json:"cpu_percent"`  // CPUPercent of one CPU (100 = one full core).
	MemoryBytes uint64  `json:"memory_bytes"` // MemoryBytes used, page cache excluded.
	MemoryLimit uint64  `json:"memory_limit"` // MemoryLimit, or the host's memory.
}

// Invoke runs one of the actions in Info.Provides. When the call carries an
// Interaction, actions that change something need sdk.LevelControl.
func (p *Plugin) Invoke(ctx context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	var args Args
	if len(bytes.TrimSpace(req.Args)) > 0 && string(bytes.TrimSpace(req.Args)) != "null" {
		if err := json.Unmarshal(req.Args, &args); err != nil {
			return nil, sdk.Errorf("arguments of %s are not valid JSON (%v): %w", req.Action, err, sdk.ErrInvalid)
		}
	}
	who := caller{in: req.Interaction, plugin: req.Caller}
	var out any
	var err error
	switch req.Action {
	case ActList:
		out = p.list()
	case ActInspect:
		out, err = p.inspect(ctx, who, args.Container)
	case ActStart, ActStop, ActRestart:
		out, err = p.act(ctx, who, strings.TrimPrefix(req.Action, "containers."), args.Container, args.TimeoutSeconds)
	case ActLogs:
		out, err = p.logs(ctx, who, args.Container, args.Lines)
	case ActStats:
		out, err = p.stats(ctx, who, args.Container)
	case ActRestartAll, ActStopAll:
		out, err = p.bulk(ctx, who, strings.TrimSuffix(strings.TrimPrefix(req.Action, "containers."), "_all"), args.TimeoutSeconds)
	default:
		return nil, fmt.Errorf("containers: unknown action %q: %w", req.Action, sdk.ErrUnsupported)
	}
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode result of %s: %w", req.Action, err)
	}
	return raw, nil
}

// caller is who asked for an action: a Discord user, or a plugin.
type caller struct {
	in     *sdk.Interaction
	plugin string
}

// need refuses callers below level.
func (c caller) need(level sdk.Level, what string) error {
	if c.in != nil && c.in.Level != 0 && !c.in.Level.Allows(level) {
		return sdk.Errorf("you need the %s permission to %s: %w", level, what, sdk.ErrPermission)
	}
	return nil
}

// audit records an action for c.
func (p *Plugin) audit(ctx context.Context, c caller, action, target, result, detail string) {
	var e sdk.AuditEntry
	if c.in != nil {
		e = sdk.AuditFor(*c.in, action, target, result, detail)
	} else {
		e = sdk.AuditEntry{UserName: "plugin:" + c.plugin, Action: action, Target: target, Result: result, Detail: detail}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishLimit)
	defer cancel()
	if err := p.host.Audit(actx, e); err != nil {
		p.log.Warn("audit", "action", action, "target", target, "err", err)
	}
}

// toInfo converts v.
func (v view) toInfo() ContainerInfo {
	ci := ContainerInfo{
		Container: v.ref.String(), Endpoint: v.ep.spec.Name, Name: v.c.Name, DisplayName: v.display, ID: v.c.ID,
		State: v.c.State, Health: v.c.Health, Image: v.c.Image, ExitCode: v.c.ExitCode, Reachable: v.reachable,
		Actions: v.actions, Protected: v.protected, Order: v.order,
	}
	if ci.Actions == nil {
		ci.Actions = []string{}
	}
	if !v.reachable {
		ci.State, ci.Health = StateUnknown, ""
	}
	if ci.State == container.StateRunning && !v.c.StartedAt.IsZero() {
		ci.StartedAt = v.c.StartedAt
		ci.UptimeSeconds = int64(time.Since(v.c.StartedAt).Seconds())
	}
	return ci
}

// list returns the visible containers.
func (p *Plugin) list() ListResult {
	vs := p.views()
	out := ListResult{Containers: make([]ContainerInfo, 0, len(vs))}
	for _, v := range vs {
		out.Containers = append(out.Containers, v.toInfo())
	}
	_, cfg, eps := p.state()
	for _, e := range eps {
		if ok, _ := e.status(); !ok {
			out.Unreachable = append(out.Unreachable, e.spec.Name)
		}
	}
	out.Missing = missing(cfg, eps)
	return out
}

// missing returns the settings keys ("name" or "endpoint/name") that match
// no container on a reachable, synced endpoint. A key whose endpoints are
// all down is not missing: its state is unknown.
func missing(cfg config, eps []*endpoint) []string {
	var out []string
	for key := range cfg.containers {
		epName, name, scoped := strings.Cut(key, "/")
		if !scoped {
			epName, name = "", key
		}
		checked, found := false, false
		for _, e := range eps {
			if scoped && e.spec.Name != epName {
				continue
			}
			cs, ok := e.snapshot()
			if !ok {
				continue
			}
			checked = true
			for _, c := range cs {
				found = found || (c.Name == name && c.State != StateRemoved)
			}
		}
		if checked && !found {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

// lookup validates ref and finds its container; no Docker call is made
// for an invalid ref.
func (p *Plugin) lookup(ref string) (view, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return view{}, err
	}
	return p.find(r)
}

// inspect returns one container with the daemon's current details.
func (p *Plugin) inspect(ctx context.Context, who caller, ref string) (ContainerInfo, error) {
	if err := who.need(sdk.LevelView, "look at containers"); err != nil {
		return ContainerInfo{}, err
	}
	v, err := p.lookup(ref)
	if err != nil {
		return ContainerInfo{}, err
	}
	_, cfg, _ := p.state()
	ictx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	info, err := v.ep.cli.ContainerInspect(ictx, v.c.ID)
	if err != nil {
		return ContainerInfo{}, dockerError("inspect "+v.label(), v.ep.spec.Name, err, cfg.timeout)
	}
	fillFromInspect(&v.c, info)
	ci := v.toInfo()
	ci.Info, ci.IPPort, ci.RestartCount = v.info, v.ipPort, info.RestartCount
	ci.Created = parseTime(info.Created)
	return ci, nil
}

// act runs start, stop or restart on ref after the permission checks, and
// audits it.
func (p *Plugin) act(ctx context.Context, who caller, action, ref string, stopSecs int) (ActionResult, error) {
	if err := who.need(sdk.LevelControl, action+" containers"); err != nil {
		return ActionResult{}, err
	}
	if stopSecs < 0 || stopSecs > 3600 {
		return ActionResult{}, sdk.Errorf("timeout_seconds %d is out of range (0-3600): %w", stopSecs, sdk.ErrInvalid)
	}
	v, err := p.lookup(ref)
	if err != nil {
		return ActionResult{}, err
	}
	if err := p.allowed(v, action); err != nil {
		p.audit(ctx, who, "container."+action, v.ref.String(), "refused", userMsg(err))
		return ActionResult{}, err
	}
	_, cfg, _ := p.state()
	res, err := v.ep.do(ctx, action, v, cfg, stopSecs)
	if err != nil {
		p.audit(ctx, who, "container."+action, v.ref.String(), "failed", userMsg(err))
		return res, err
	}
	result := "ok"
	if !res.Changed {
		result = "unchanged"
	}
	p.audit(ctx, who, "container."+action, v.ref.String(), result, res.Detail)
	return res, nil
}

// allowed checks the container's allowed actions and protection.
func (p *Plugin) allowed(v view, action string) error {
	if !v.can(action) {
		return sdk.Errorf("%s is not allowed for %s: %w", action, v.label(), sdk.ErrPermission)
	}
	if v.protected && (action == ActionStop || action == ActionRestart) {
		return sdk.Errorf("%s is protected and cannot be stopped or restarted from Discord: %w", v.label(), sdk.ErrPermission)
	}
	return nil
}

// bulk restarts or stops every visible, active container that allows it,
// in configured order, 0.5 s apart, skipping protected ones.
func (p *Plugin) bulk(ctx context.Context, who caller, action string, stopSecs int) (BulkResult, error) {
	if err := who.need(sdk.LevelControl, action+" containers"); err != nil {
		return BulkResult{}, err
	}
	if stopSecs < 0 || stopSecs > 3600 {
		return BulkResult{}, sdk.Errorf("timeout_seconds %d is out of range (0-3600): %w", stopSecs, sdk.ErrInvalid)
	}
	_, cfg, _ := p.state()
	vs := p.views()
	results := make([]ActionResult, len(vs))
	var wg sync.WaitGroup
	first := true
	for i, v := range vs {
		results[i] = ActionResult{Container: v.ref.String(), Action: action, State: v.c.State, Protected: v.protected}
		switch {
		case !v.reachable:
			results[i].Skipped, results[i].State = "endpoint unreachable", StateUnknown
			continue
		case v.protected:
			results[i].Skipped = "protected"
			continue
		case !v.can(action):
			results[i].Skipped = action + " not allowed"
			continue
		case action == ActionStop && !isUp(v.c.State):
			results[i].Skipped, results[i].OK = "not running", true
			continue
		}
		if !first {
			select {
			case <-ctx.Done():
				results[i].Error = "cancelled"
				continue
			case <-time.After(bulkGap):
			}
		}
		first = false
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := v.ep.do(ctx, action, v, cfg, stopSecs)
			res.Container, res.Action, res.Protected = v.ref.String(), action, v.protected
			detail := res.Detail
			if err != nil {
				res.OK, res.Error = false, userMsg(err)
				detail = res.Error
			}
			results[i] = res
			p.audit(ctx, who, "container."+action, v.ref.String(), map[bool]string{true: "ok", false: "failed"}[err == nil], detail+" (via "+action+"_all)")
		}()
	}
	wg.Wait()
	return BulkResult{Results: results}, nil
}

// isUp reports whether state counts as running for stop.
func isUp(state string) bool {
	return state == container.StateRunning || state == container.StatePaused || state == container.StateRestarting
}

// do runs one action on v against Docker and waits for its real outcome on
// the events stream.
func (e *endpoint) do(ctx context.Context, action string, v view, cfg config, stopSecs int) (ActionResult, error) {
	label := v.label()
	res := ActionResult{Container: v.ref.String(), Action: action, State: v.c.State}
	e.mu.Lock()
	if busy := e.busy[v.c.ID]; busy != "" {
		e.mu.Unlock()
		return res, sdk.Errorf("%s is busy: a %s is still in progress; try again when it is done: %w", label, busy, sdk.ErrBusy)
	}
	e.busy[v.c.ID] = action
	sem := e.sem
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.busy, v.c.ID)
		e.mu.Unlock()
	}()

	timeout := cfg.timeout
	if d := time.Duration(stopSecs)*time.Second + 5*time.Second; stopSecs > 0 && d > timeout {
		timeout = d
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case sem <- struct{}{}:
		defer func() { <-sem }()
	case <-actx.Done():
		return res, sdk.Errorf("%s %s: timed out after %s waiting for other actions on endpoint %s: %w", action, label, seconds(timeout), e.spec.Name, sdk.ErrTimeout)
	}

	cur, ok := e.get(v.c.ID)
	if !ok {
		return res, sdk.Errorf("%s %s: no such container: %w", action, label, sdk.ErrNotFound)
	}
	var opts container.StopOptions
	if stopSecs > 0 {
		opts.Timeout = &stopSecs
	}
	w := e.watch(v.c.ID)
	defer e.unwatch(w)
	t0 := time.Now()
	wait := func(what string, pred func(update) bool) (update, error) {
		return e.waitFor(actx, w, fmt.Sprintf("%s %s", action, label), what, timeout, pred)
	}
	switch action {
	case ActionStart:
		if isUp(cur.State) {
			res.OK, res.State, res.Detail = true, cur.State, label+" is already running"
			return res, nil
		}
		if err := e.cli.ContainerStart(actx, v.c.ID, container.StartOptions{}); err != nil {
			return res, dockerError("start "+label, e.spec.Name, err, timeout)
		}
		u, err := wait("to start", func(u update) bool { return u.action == "start" })
		if err != nil {
			return res, err
		}
		return e.settle(actx, w, res, label, "started", u, t0, cfg.startCheck)
	case ActionStop:
		if !isUp(cur.State) {
			res.OK, res.State, res.ExitCode, res.Detail = true, cur.State, cur.ExitCode, label+" is already stopped"
			return res, nil
		}
		if err := e.cli.ContainerStop(actx, v.c.ID, opts); err != nil {
			return res, dockerError("stop "+label, e.spec.Name, err, timeout)
		}
		u, err := wait("to stop", func(u update) bool { return u.action == "die" || u.c.State == container.StateExited })
		if err != nil {
			return res, err
		}
		res.OK, res.Changed, res.State, res.ExitCode = true, true, u.c.State, u.c.ExitCode
		res.DurationMS = time.Since(t0).Milliseconds()
		res.Detail = fmt.Sprintf("%s stopped in %s (exit code %d)", label, seconds(time.Since(t0)), u.c.ExitCode)
		if u.c.ExitCode == 137 {
			res.Detail = fmt.Sprintf("%s did not stop in time and was killed after %s (exit code 137)", label, seconds(time.Since(t0)))
		}
		return res, nil
	case ActionRestart:
		if err := e.cli.ContainerRestart(actx, v.c.ID, opts); err != nil {
			return res, dockerError("restart "+label, e.spec.Name, err, timeout)
		}
		u, err := wait("to run again", func(u update) bool { return u.action == "start" })
		if err != nil {
			return res, err
		}
		return e.settle(actx, w, res, label, "restarted", u, t0, cfg.startCheck)
	}
	return res, fmt.Errorf("containers: unknown action %q: %w", action, sdk.ErrUnsupported)
}

// settle watches a just started container for check, so that one that
// exits at once is reported as failed with its exit code.
func (e *endpoint) settle(ctx context.Context, w *watcher, res ActionResult, label, verb string, started update, t0 time.Time, check time.Duration) (ActionResult, error) {
	res.Changed = true
	if check > 0 {
		t := time.NewTimer(check)
		defer t.Stop()
	loop:
		for {
			select {
			case <-t.C:
				break loop
			case <-ctx.Done():
				break loop
			case u := <-w.ch:
				switch {
				case u.action == "unreachable":
					return res, sdk.Errorf("%s %s, then endpoint %s became unreachable: %w", label, verb, e.spec.Name, sdk.ErrUnavailable)
				case u.action == "die":
					res.State, res.ExitCode = u.c.State, u.c.ExitCode
					res.DurationMS = time.Since(t0).Milliseconds()
					after := seconds(u.at.Sub(started.at))
					if u.c.ExitCode != 0 {
						return res, sdk.Errorf("%s exited again with code %d after %s", label, u.c.ExitCode, after)
					}
					res.OK = true
					res.Detail = fmt.Sprintf("%s %s and exited with code 0 after %s", label, verb, after)
					return res, nil
				}
			}
		}
	}
	cur, _ := e.get(started.c.ID)
	res.OK, res.State = true, container.StateRunning
	res.DurationMS = time.Since(t0).Milliseconds()
	res.Detail = fmt.Sprintf("%s %s in %s", label, verb, seconds(started.at.Sub(t0).Abs()))
	if cur.Health != "" {
		res.Detail += " (health: " + cur.Health + ")"
	}
	return res, nil
}

// waitFor reads w until pred holds, the endpoint goes down, or ctx ends.
func (e *endpoint) waitFor(ctx context.Context, w *watcher, what, goal string, timeout time.Duration, pred func(update) bool) (update, error) {
	for {
		select {
		case u := <-w.ch:
			if u.action == "unreachable" {
				return u, sdk.Errorf("%s: endpoint %s became unreachable: %w", what, e.spec.Name, sdk.ErrUnavailable)
			}
			if u.action == "destroy" {
				return u, sdk.Errorf("%s: the container was removed: %w", what, sdk.ErrNotFound)
			}
			if pred(u) {
				return u, nil
			}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return update{}, sdk.Errorf("%s: timed out after %s waiting for it %s: %w", what, seconds(timeout), goal, sdk.ErrTimeout)
			}
			return update{}, ctx.Err()
		}
	}
}

// logs returns the last lines of a container's output with timestamps.
func (p *Plugin) logs(ctx context.Context, who caller, ref string, lines int) (LogsResult, error) {
	if err := who.need(sdk.LevelView, "read logs"); err != nil {
		return LogsResult{}, err
	}
	if lines < 0 || lines > MaxLogLines {
		return LogsResult{}, sdk.Errorf("lines %d is out of range (1-%d): %w", lines, MaxLogLines, sdk.ErrInvalid)
	}
	if lines == 0 {
		lines = DefaultLogLines
	}
	v, err := p.lookup(ref)
	if err != nil {
		return LogsResult{}, err
	}
	if !v.can(ActionLogs) {
		return LogsResult{}, sdk.Errorf("logs are not allowed for %s: %w", v.label(), sdk.ErrPermission)
	}
	_, cfg, _ := p.state()
	lctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	info, err := v.ep.cli.ContainerInspect(lctx, v.c.ID)
	if err != nil {
		return LogsResult{}, dockerError("logs of "+v.label(), v.ep.spec.Name, err, cfg.timeout)
	}
	rc, err := v.ep.cli.ContainerLogs(lctx, v.c.ID, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Timestamps: true, Tail: fmt.Sprint(lines),
	})
	if err != nil {
		return LogsResult{}, dockerError("logs of "+v.label(), v.ep.spec.Name, err, cfg.timeout)
	}
	defer rc.Close()
	var buf bytes.Buffer
	lim := io.LimitReader(rc, 4<<20)
	if info.Config != nil && info.Config.Tty {
		_, err = io.Copy(&buf, lim)
	} else {
		_, err = stdcopy.StdCopy(&buf, &buf, lim)
	}
	if err != nil {
		return LogsResult{}, dockerError("read logs of "+v.label(), v.ep.spec.Name, err, cfg.timeout)
	}
	out := LogsResult{Container: v.ref.String(), Lines: []string{}}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out.Lines = append(out.Lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if len(out.Lines) > lines {
		out.Lines = out.Lines[len(out.Lines)-lines:]
	}
	return out, nil
}

// stats reads one sample of CPU and memory use.
func (p *Plugin) stats(ctx context.Context, who caller, ref string) (StatsResult, error) {
	if err := who.need(sdk.LevelView, "look at containers"); err != nil {
		return StatsResult{}, err
	}
	v, err := p.lookup(ref)
	if err != nil {
		return StatsResult{}, err
	}
	out := StatsResult{Container: v.ref.String()}
	if !v.showStats {
		return out, sdk.Errorf("stats are hidden for %s: %w", v.label(), sdk.ErrPermission)
	}
	if v.c.State != container.StateRunning {
		return out, nil
	}
	_, cfg, _ := p.state()
	sctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	r, err := v.ep.cli.ContainerStats(sctx, v.c.ID, false)
	if err != nil {
		return out, dockerError("stats of "+v.label(), v.ep.spec.Name, err, cfg.timeout)
	}
	defer r.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		return out, dockerError("read stats of "+v.label(), v.ep.spec.Name, err, cfg.timeout)
	}
	out.Running = true
	cpuDelta := float64(s.CPUStats.CPUUsage.TotalUsage) - float64(s.PreCPUStats.CPUUsage.TotalUsage)
	sysDelta := float64(s.CPUStats.SystemUsage) - float64(s.PreCPUStats.SystemUsage)
	online := float64(s.CPUStats.OnlineCPUs)
	if online == 0 {
		online = float64(len(s.CPUStats.CPUUsage.PercpuUsage))
	}
	if cpuDelta > 0 && sysDelta > 0 {
		out.CPUPercent = cpuDelta / sysDelta * online * 100
	}
	cache := s.MemoryStats.Stats["inactive_file"]
	if c, ok := s.MemoryStats.Stats["total_inactive_file"]; ok {
		cache = c
	}
	if cache < s.MemoryStats.Usage {
		out.MemoryBytes = s.MemoryStats.Usage - cache
	}
	out.MemoryLimit = s.MemoryStats.Limit
	return out, nil
}

// userMsg returns the message a user may see for err.
func userMsg(err error) string {
	if msg, ok := sdk.UserMessage(err); ok {
		return msg
	}
	return err.Error()
}

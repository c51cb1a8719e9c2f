package containers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// bulkGap is the pause between two containers of restart_all and stop_all,
// as in DockerDiscordControl.
const bulkGap = 500 * time.Millisecond

// Invoke runs one of the actions in Info.Provides (see package api).
// Actions that change something need sdk.LevelControl: the user's, when
// the call carries an Interaction (the host passes only one it routed),
// else the level the host grants the calling plugin (CallerLevel, from
// plugins.<caller>.grants). Results are JSON in English (the contract); an error's
// user message is in the language of the interaction that led to the
// call, else in the host's default language.
func (p *Plugin) Invoke(ctx context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	var args api.Args
	if raw := bytes.TrimSpace(req.Args); len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &args); err != nil {
			return nil, localize(refuse(sdk.ErrInvalid, "error.bad_json", "Action", req.Action, "Reason", err.Error()), catalog().Context(ctx))
		}
	}
	who := caller{in: req.Interaction, plugin: req.Caller, level: req.CallerLevel}
	var out any
	var err error
	switch req.Action {
	case api.ActionList:
		out = p.list()
	case api.ActionInspect:
		out, err = p.inspect(ctx, who, args.Container)
	case api.ActionStart, api.ActionStop, api.ActionRestart:
		var o outcome
		o, err = p.act(ctx, who, api.OpOf(req.Action), args.Container, args.TimeoutSeconds)
		out = o.res
	case api.ActionLogs:
		out, err = p.logs(ctx, who, args.Container, args.Lines)
	case api.ActionStats:
		out, err = p.stats(ctx, who, args.Container)
	case api.ActionRestartAll:
		out, err = p.bulk(ctx, who, api.OpRestart, args)
	case api.ActionStopAll:
		out, err = p.bulk(ctx, who, api.OpStop, args)
	case api.ActionProtectedInfo:
		out, err = p.protectedInfo(ctx, who, args.Container, args.Password)
	default:
		return nil, fmt.Errorf("containers: unknown action %q: %w", req.Action, sdk.ErrUnsupported)
	}
	if err != nil {
		return nil, localize(err, catalog().Context(ctx))
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode result of %s: %w", req.Action, err)
	}
	return raw, nil
}

// caller is who asked for an action: a Discord user (through a plugin),
// or a plugin on its own with the level the host granted it.
type caller struct {
	in     *sdk.Interaction
	plugin string
	level  sdk.Level // the plugin's granted level, used without in
}

// need refuses callers below level; what names the refused act, a key of
// need.* in the catalog ("restart"). A level of zero counts as view.
func (c caller) need(level sdk.Level, what string) error {
	if c.in != nil {
		if !max(c.in.Level, sdk.LevelView).Allows(level) {
			return refuse(sdk.ErrPermission, "need.message", "Level", level, "What", text("need."+what))
		}
		return nil
	}
	if !max(c.level, sdk.LevelView).Allows(level) {
		return refuse(sdk.ErrPermission, "need.grant", "Plugin", c.plugin, "Level", level, "What", text("need."+what))
	}
	return nil
}

// audit records an action for c.
func (p *Plugin) audit(ctx context.Context, c caller, op api.Op, target, result, detail string) {
	host, _, _ := p.state()
	if host == nil {
		return
	}
	action := "container." + string(op)
	var e sdk.AuditEntry
	if c.in != nil {
		e = sdk.AuditFor(*c.in, action, target, result, detail)
	} else {
		// No user: the host leaves the entry's user empty; a calling
		// plugin is named in the detail.
		if c.plugin != "" && c.plugin != "host" {
			detail = strings.TrimSpace(detail + " (called by plugin " + c.plugin + ")")
		}
		e = sdk.AuditEntry{Action: action, Target: target, Result: result, Detail: detail}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishLimit)
	defer cancel()
	if err := p.host.Audit(actx, e); err != nil {
		p.log.Warn("audit", "action", action, "target", target, "err", err)
	}
}

// list returns the visible containers and the endpoints' state.
func (p *Plugin) list() api.ListResult {
	_, _, eps := p.state()
	for _, e := range eps {
		e.awaitFirstTry() // right after start: the list, not "unreachable"
	}
	// The stamp is read first: every event numbered up to it changed the
	// state before the snapshot below.
	st := p.stamp()
	vs := p.views()
	out := api.ListResult{Containers: make([]api.ContainerInfo, 0, len(vs)), Endpoints: []api.EndpointStatus{}, Run: st.Run, Seq: st.Seq}
	for _, v := range vs {
		out.Containers = append(out.Containers, v.toInfo())
	}
	_, cfg, eps := p.state()
	for _, e := range eps {
		es := e.status().public(e.spec.Name)
		out.Endpoints = append(out.Endpoints, es)
		if !es.Reachable {
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
				found = found || (c.Name == name && c.State != api.StateRemoved)
			}
		}
		if checked && !found {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

// inspect returns one container with the daemon's current details.
func (p *Plugin) inspect(ctx context.Context, who caller, ref string) (api.ContainerInfo, error) {
	if err := who.need(sdk.LevelView, "inspect"); err != nil {
		return api.ContainerInfo{}, err
	}
	v, err := p.lookup(ref)
	if err != nil {
		return api.ContainerInfo{}, err
	}
	_, cfg, _ := p.state()
	ictx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	d, err := v.ep.d.inspect(ictx, &v.c, v.label(), cfg.timeout)
	if err != nil {
		return api.ContainerInfo{}, err
	}
	ci := v.toInfo()
	ci.Info, ci.IPPort, ci.RestartCount = v.info, v.ipPort, d.restartCount
	ci.Created = d.created
	return ci, nil
}

// checkStopSecs checks Args.TimeoutSeconds.
func checkStopSecs(stopSecs int) error {
	if stopSecs < 0 || stopSecs > api.MaxStopTimeoutSeconds {
		return refuse(sdk.ErrInvalid, "error.stop_timeout_range", "Value", stopSecs, "Max", api.MaxStopTimeoutSeconds)
	}
	return nil
}

// outcome is the result of a start, stop or restart with its description
// as a message, for a reply in the user's language (res.Detail is the same
// in English).
type outcome struct {
	res api.ActionResult
	msg msg
}

// act runs start, stop or restart on ref after the permission checks, and
// audits it.
func (p *Plugin) act(ctx context.Context, who caller, op api.Op, ref string, stopSecs int) (outcome, error) {
	if err := who.need(sdk.LevelControl, string(op)); err != nil {
		return outcome{}, err
	}
	if err := checkStopSecs(stopSecs); err != nil {
		return outcome{}, err
	}
	v, err := p.lookup(ref)
	if err != nil {
		return outcome{}, err
	}
	if err := p.allowed(v, op); err != nil {
		p.audit(ctx, who, op, v.ref.String(), "refused", userMsg(err))
		return outcome{}, err
	}
	_, cfg, _ := p.state()
	out, err := v.ep.do(ctx, op, v, cfg, stopSecs)
	if err != nil {
		p.audit(ctx, who, op, v.ref.String(), "failed", userMsg(err))
		return out, err
	}
	result := "ok"
	if !out.res.Changed {
		result = "unchanged"
	}
	p.audit(ctx, who, op, v.ref.String(), result, out.res.Detail)
	return out, nil
}

// allowed checks the container's allowed actions and protection.
func (p *Plugin) allowed(v view, op api.Op) error {
	if !v.can(op) {
		return refuse(sdk.ErrPermission, "error.not_allowed", "Op", op, "Name", v.label())
	}
	if v.protected && (op == api.OpStop || op == api.OpRestart) {
		return refuse(sdk.ErrPermission, "error.protected", "Name", v.label())
	}
	return nil
}

// skipReason says why restart_all or stop_all leaves v alone, or "".
func skipReason(v view, op api.Op) string {
	switch {
	case !v.reachable:
		return "endpoint unreachable"
	case v.protected:
		return "protected"
	case !v.can(op):
		return string(op) + " not allowed"
	case op == api.OpStop && !v.c.State.Up():
		return "not running"
	}
	return ""
}

// bulk restarts or stops every visible, active container that allows it,
// in configured order, one after the other (each waits until the one
// before has finished, then 0.5 s), skipping protected ones, and
// publishes each result as a BulkEvent.
func (p *Plugin) bulk(ctx context.Context, who caller, op api.Op, args api.Args) (api.BulkResult, error) {
	if err := who.need(sdk.LevelControl, string(op)); err != nil {
		return api.BulkResult{}, err
	}
	if err := checkStopSecs(args.TimeoutSeconds); err != nil {
		return api.BulkResult{}, err
	}
	if len(args.Tag) > api.MaxTagLen {
		return api.BulkResult{}, refuse(sdk.ErrInvalid, "error.tag_length", "Len", len(args.Tag), "Max", api.MaxTagLen)
	}
	_, cfg, _ := p.state()
	vs := p.views()
	b := &bulkRun{p: p, who: who, op: op, tag: args.Tag, results: make([]api.ActionResult, len(vs))}
	var todo []int
	for i, v := range vs {
		b.results[i] = api.ActionResult{Container: v.ref.String(), Action: op, State: v.c.State, Protected: v.protected}
		if why := skipReason(v, op); why != "" {
			b.results[i].Skipped = why
			b.results[i].OK = why == "not running"
			if why == "endpoint unreachable" {
				b.results[i].State = api.StateUnknown
			}
			b.finish(ctx, i, b.results[i])
			continue
		}
		todo = append(todo, i)
	}
	// One after the other: each container's action has finished (its
	// outcome confirmed by Docker) before the next one starts, bulkGap
	// later.
	for n, i := range todo {
		if n > 0 {
			select {
			case <-ctx.Done():
				r := b.results[i]
				r.Error = "cancelled"
				b.finish(ctx, i, r)
				continue
			case <-time.After(bulkGap):
			}
		}
		v := vs[i]
		out, err := v.ep.do(ctx, op, v, cfg, args.TimeoutSeconds)
		res := out.res
		res.Container, res.Action, res.Protected = v.ref.String(), op, v.protected
		detail, result := res.Detail, "ok"
		if err != nil {
			res.OK, res.Error = false, userMsg(err)
			detail, result = res.Error, "failed"
		}
		b.finish(ctx, i, res)
		p.audit(ctx, who, op, v.ref.String(), result, detail+" (via "+string(op)+"_all)")
	}
	return api.BulkResult{Results: b.results}, nil
}

// bulkRun is one restart_all or stop_all: its results so far.
type bulkRun struct {
	p   *Plugin
	who caller
	op  api.Op
	tag string

	mu      sync.Mutex
	results []api.ActionResult
	done    int
}

// finish records the result of container i and publishes the progress.
func (b *bulkRun) finish(ctx context.Context, i int, r api.ActionResult) {
	b.mu.Lock()
	b.results[i] = r
	b.done++
	ev := api.BulkEvent{Tag: b.tag, Op: b.op, Index: i, Done: b.done, Total: len(b.results), Result: r}
	b.mu.Unlock()
	b.p.bulkProgress(ctx, ev)
}

// logs returns the last lines of a container's output with timestamps.
func (p *Plugin) logs(ctx context.Context, who caller, ref string, lines int) (api.LogsResult, error) {
	if err := who.need(sdk.LevelView, "logs"); err != nil {
		return api.LogsResult{}, err
	}
	if lines < 0 || lines > api.MaxLogLines {
		return api.LogsResult{}, refuse(sdk.ErrInvalid, "error.lines_range", "Value", lines, "Max", api.MaxLogLines)
	}
	if lines == 0 {
		lines = api.DefaultLogLines
	}
	v, err := p.lookup(ref)
	if err != nil {
		return api.LogsResult{}, err
	}
	if !v.can(api.OpLogs) {
		return api.LogsResult{}, refuse(sdk.ErrPermission, "logs.not_allowed", "Name", v.label())
	}
	_, cfg, _ := p.state()
	lctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	out, err := v.ep.d.logs(lctx, v.c.ID, v.label(), lines, cfg.timeout)
	if err != nil {
		return api.LogsResult{}, err
	}
	return api.LogsResult{Container: v.ref.String(), Lines: out}, nil
}

// stats reads one sample of CPU and memory use.
func (p *Plugin) stats(ctx context.Context, who caller, ref string) (api.StatsResult, error) {
	if err := who.need(sdk.LevelView, "inspect"); err != nil {
		return api.StatsResult{}, err
	}
	v, err := p.lookup(ref)
	if err != nil {
		return api.StatsResult{}, err
	}
	out := api.StatsResult{Container: v.ref.String()}
	if !v.showStats {
		return out, refuse(sdk.ErrPermission, "stats.hidden", "Name", v.label())
	}
	if v.c.State != api.StateRunning {
		return out, nil
	}
	_, cfg, _ := p.state()
	sctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	err = v.ep.d.stats(sctx, v.c.ID, v.label(), cfg.timeout, &out)
	return out, err
}

// userMsg returns the message a user may see for err, in English: for the
// audit log and the JSON results of restart_all and stop_all.
func userMsg(err error) string {
	if msg, ok := sdk.UserMessage(err); ok {
		return msg
	}
	return err.Error()
}

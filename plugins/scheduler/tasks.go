package scheduler

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// idRE matches a task id: the plugin makes 8 lowercase letters and
// digits; imported tasks may keep ids of up to 64 letters, digits, '-'
// and '_'.
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// gapHorizon and gapRuns bound the runs compared for the warning about
// tasks of one container close together.
const (
	gapHorizon = 366 * 24 * time.Hour
	gapRuns    = 500
)

// actor is who asks for a change: a Discord user (in), or the web UI, the
// host or another plugin (name).
type actor struct {
	in   *sdk.Interaction
	name string
}

// label names the actor in CreatedBy.
func (a actor) label() string {
	if a.in != nil {
		return cmp.Or(a.in.User.Name, a.in.User.ID)
	}
	return a.name
}

// audit records a change made by a.
func (p *Plugin) audit(ctx context.Context, a actor, action, target, detail string) {
	// Without a user the host leaves the entry's user empty (it never
	// takes a plugin's word for it): the actor is named in the detail.
	e := sdk.AuditEntry{Action: action, Target: target, Result: "ok", Detail: strings.TrimSpace(detail + " (by " + a.name + ")")}
	if a.in != nil {
		e = sdk.AuditFor(*a.in, action, target, "ok", detail)
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := p.host.Audit(actx, e); err != nil {
		p.log.Warn("audit", "action", action, "target", target, "err", err)
	}
}

// newID returns an id no task has. The caller holds saveMu.
func (p *Plugin) newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	for {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		id := string(b)
		p.mu.Lock()
		_, taken := p.tasks[id]
		p.mu.Unlock()
		if !taken {
			return id
		}
	}
}

// handledFrom returns the Handled instant of a task created or changed at
// now: now, but just before the run of a once task at the current minute,
// which then runs at once.
func handledFrom(s *schedule, now time.Time) time.Time {
	if s.kind == api.KindOnce {
		if at := s.next(time.Time{}); !at.After(now) {
			return at.Add(-time.Nanosecond)
		}
	}
	return now
}

// lookup returns the entry of task id, or an error for the user.
func (p *Plugin) lookup(tr i18n.Translator, id string) (*entry, error) {
	id = strings.TrimSpace(id)
	if !idRE.MatchString(id) {
		return nil, &sdk.UserError{Msg: "id: " + tr.T("err.bad_id", "ID", id), Err: sdk.ErrInvalid}
	}
	p.mu.Lock()
	e, ok := p.tasks[id]
	p.mu.Unlock()
	if !ok {
		return nil, &sdk.UserError{Msg: tr.T("err.no_task", "ID", id), Err: sdk.ErrNotFound}
	}
	return e, nil
}

// prepare checks spec for a new or changed task: its rules, then the
// container with the containers plugin.
func (p *Plugin) prepare(ctx context.Context, tr i18n.Translator, spec api.Spec, now time.Time) (api.Spec, *schedule, []string, error) {
	_, tz, _ := p.settings()
	spec, s, ps := checkSpec(spec, tz, &p.zones, now)
	if len(ps) > 0 {
		return spec, nil, nil, invalid(tr, ps)
	}
	ref, warning, prob := p.checkContainer(ctx, tr, spec.Container)
	if prob != nil {
		return spec, nil, nil, invalid(tr, []problem{*prob})
	}
	spec.Container = ref
	var warnings []string
	if warning != "" {
		warnings = append(warnings, warning)
	}
	return spec, s, warnings, nil
}

// checkContainer asks the containers plugin whether ref names a
// container. It returns the reference as the containers plugin writes it,
// a warning when it could not tell (the containers plugin or the
// container's Docker endpoint down), or a problem when there is no such
// container or the name is ambiguous.
func (p *Plugin) checkContainer(ctx context.Context, tr i18n.Translator, ref string) (string, string, *problem) {
	r, err := capi.ParseRef(ref)
	if err != nil {
		return ref, "", &problem{"container", "err.container", []any{"Reason", err.Error()}}
	}
	l, err := capi.List(ctx, p.host)
	if err != nil {
		return ref, tr.T("warn.unchecked", "Container", ref, "Reason", userText(err)), nil
	}
	var found []capi.ContainerInfo
	for _, c := range l.Containers {
		if c.Name == r.Name && (r.Endpoint == "" || c.Endpoint == r.Endpoint) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0].Container, "", nil
	case 0:
		var down []string
		for _, e := range l.Endpoints {
			if !e.Reachable && (r.Endpoint == "" || e.Endpoint == r.Endpoint) {
				down = append(down, e.Endpoint)
			}
		}
		if len(down) > 0 {
			return ref, tr.T("warn.endpoint_down", "Container", ref, "Endpoints", strings.Join(down, ", ")), nil
		}
		return ref, "", &problem{"container", "err.unknown_container", []any{"Container", ref}}
	}
	var refs []string
	for _, c := range found {
		refs = append(refs, c.Endpoint+"/"+c.Name)
	}
	return ref, "", &problem{"container", "err.ambiguous", []any{"Container", ref, "Choices", strings.Join(refs, ", ")}}
}

// create creates a task.
func (p *Plugin) create(ctx context.Context, tr i18n.Translator, spec api.Spec, who actor) (api.TaskResult, error) {
	if err := p.waitLoaded(ctx); err != nil {
		return api.TaskResult{}, err
	}
	now := p.clock.Now()
	spec, s, warnings, err := p.prepare(ctx, tr, spec, now)
	if err != nil {
		return api.TaskResult{}, err
	}
	set, _, _ := p.settings()
	p.saveMu.Lock()
	p.mu.Lock()
	n := len(p.tasks)
	p.mu.Unlock()
	if n >= set.MaxTasks {
		p.saveMu.Unlock()
		return api.TaskResult{}, &sdk.UserError{Msg: tr.T("err.max_tasks", "Count", set.MaxTasks), Err: sdk.ErrInvalid}
	}
	task := api.Task{ID: p.newID(), Spec: spec, CreatedBy: who.label(), CreatedAt: now, UpdatedAt: now}
	e := &entry{rec: api.Record{Task: task, Handled: handledFrom(s, now)}, sched: s}
	if err := (store{p.host.KV()}).put(ctx, e.rec); err != nil {
		p.saveMu.Unlock()
		return api.TaskResult{}, err
	}
	e.next = p.nextOf(e)
	p.mu.Lock()
	p.tasks[task.ID] = e
	view := p.viewLocked(tr, e)
	p.mu.Unlock()
	p.saveMu.Unlock()
	p.poke()
	warnings = append(warnings, p.gapWarnings(tr, task.ID)...)
	p.audit(ctx, who, "scheduler.create", spec.Container, fmt.Sprintf("task %s: %s, %s (%s)", task.ID, spec.Action, view.Description, spec.Timezone))
	return api.TaskResult{Task: view, Warnings: warnings}, nil
}

// change replaces task id's spec; its history stays and runs it missed
// under the old spec are not made up.
func (p *Plugin) change(ctx context.Context, tr i18n.Translator, id string, spec api.Spec, who actor) (api.TaskResult, error) {
	if err := p.waitLoaded(ctx); err != nil {
		return api.TaskResult{}, err
	}
	if _, err := p.lookup(tr, id); err != nil {
		return api.TaskResult{}, err
	}
	now := p.clock.Now()
	spec, s, warnings, err := p.prepare(ctx, tr, spec, now)
	if err != nil {
		return api.TaskResult{}, err
	}
	view, err := p.alter(ctx, tr, id, func(rec *api.Record) {
		rec.Task.Spec, rec.Task.UpdatedAt, rec.Handled = spec, now, handledFrom(s, now)
	}, func(e *entry) { e.sched, e.broken = s, "" })
	if err != nil {
		return api.TaskResult{}, err
	}
	p.poke()
	warnings = append(warnings, p.gapWarnings(tr, id)...)
	p.audit(ctx, who, "scheduler.update", spec.Container, fmt.Sprintf("task %s: %s, %s (%s)", id, spec.Action, view.Description, spec.Timezone))
	return api.TaskResult{Task: view, Warnings: warnings}, nil
}

// alter changes task id's record with fn, in the KV and then in memory,
// lets mem update what memory derives from it, and returns the task as it
// is now.
func (p *Plugin) alter(ctx context.Context, tr i18n.Translator, id string, fn func(*api.Record), mem func(*entry)) (api.Task, error) {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	if err := p.update(ctx, id, fn); err != nil {
		return api.Task{}, p.missing(tr, id, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.tasks[id]
	if !ok {
		return api.Task{}, p.missing(tr, id, sdk.ErrNotFound)
	}
	fn(&e.rec)
	if mem != nil {
		mem(e)
	}
	e.next = p.nextOf(e)
	return p.viewLocked(tr, e), nil
}

// missing turns a store error for task id into one for the user.
func (p *Plugin) missing(tr i18n.Translator, id string, err error) error {
	if errors.Is(err, sdk.ErrNotFound) {
		return &sdk.UserError{Msg: tr.T("err.no_task", "ID", id), Err: sdk.ErrNotFound}
	}
	return err
}

// remove deletes task id and its history.
func (p *Plugin) remove(ctx context.Context, tr i18n.Translator, id string, who actor) (api.TaskResult, error) {
	if err := p.waitLoaded(ctx); err != nil {
		return api.TaskResult{}, err
	}
	e, err := p.lookup(tr, id)
	if err != nil {
		return api.TaskResult{}, err
	}
	p.saveMu.Lock()
	if err := (store{p.host.KV()}).delete(ctx, e.rec.Task.ID); err != nil {
		p.saveMu.Unlock()
		return api.TaskResult{}, err
	}
	p.mu.Lock()
	view := p.viewLocked(tr, e)
	view.Next = time.Time{}
	delete(p.tasks, e.rec.Task.ID)
	p.mu.Unlock()
	p.saveMu.Unlock()
	p.poke()
	p.audit(ctx, who, "scheduler.delete", view.Container, fmt.Sprintf("task %s: %s, %s", view.ID, view.Action, view.Description))
	return api.TaskResult{Task: view}, nil
}

// setPaused pauses or resumes task id. A resumed task goes on from now:
// runs it missed while paused are not made up.
func (p *Plugin) setPaused(ctx context.Context, tr i18n.Translator, id string, paused bool, who actor) (api.TaskResult, error) {
	if err := p.waitLoaded(ctx); err != nil {
		return api.TaskResult{}, err
	}
	if _, err := p.lookup(tr, id); err != nil {
		return api.TaskResult{}, err
	}
	now := p.clock.Now()
	view, err := p.alter(ctx, tr, id, func(rec *api.Record) {
		if rec.Task.Paused != paused {
			rec.Task.Paused, rec.Task.UpdatedAt, rec.Handled = paused, now, now
		}
	}, nil)
	if err != nil {
		return api.TaskResult{}, err
	}
	p.poke()
	action := "scheduler.resume"
	if paused {
		action = "scheduler.pause"
	}
	p.audit(ctx, who, action, view.Container, "task "+view.ID)
	return api.TaskResult{Task: view}, nil
}

// viewLocked returns the task as callers see it, with its computed
// fields. The caller holds mu.
func (p *Plugin) viewLocked(tr i18n.Translator, e *entry) api.Task {
	t := e.rec.Task
	t.Next, t.LastRun, t.Error = e.next, e.last, e.broken
	t.Description = describe(tr, t.Schedule, e.sched)
	return t
}

// list returns the tasks, all or those of container, soonest first.
func (p *Plugin) list(ctx context.Context, tr i18n.Translator, container string) (api.ListResult, error) {
	if err := p.waitLoaded(ctx); err != nil {
		return api.ListResult{}, err
	}
	container = strings.TrimSpace(container)
	p.mu.Lock()
	out := api.ListResult{Tasks: make([]api.Task, 0, len(p.tasks)), Timezone: p.tz}
	for _, e := range p.tasks {
		if container == "" || sameContainer(e.rec.Task.Container, container) {
			out.Tasks = append(out.Tasks, p.viewLocked(tr, e))
		}
	}
	p.mu.Unlock()
	slices.SortFunc(out.Tasks, compareTasks)
	return out, nil
}

// sameContainer reports whether two references name the same container:
// equal, or one is the other's name without the endpoint.
func sameContainer(a, b string) bool {
	if a == b {
		return true
	}
	ra, errA := capi.ParseRef(a)
	rb, errB := capi.ParseRef(b)
	return errA == nil && errB == nil && ra.Name == rb.Name && (ra.Endpoint == "" || rb.Endpoint == "" || ra.Endpoint == rb.Endpoint)
}

// compareTasks orders tasks by next run, those without one last, then by
// id.
func compareTasks(a, b api.Task) int {
	switch {
	case a.Next.IsZero() != b.Next.IsZero():
		if a.Next.IsZero() {
			return 1
		}
		return -1
	case !a.Next.Equal(b.Next):
		return a.Next.Compare(b.Next)
	}
	return strings.Compare(a.ID, b.ID)
}

// get returns task id with its history.
func (p *Plugin) get(ctx context.Context, tr i18n.Translator, id string) (api.GetResult, error) {
	if err := p.waitLoaded(ctx); err != nil {
		return api.GetResult{}, err
	}
	if _, err := p.lookup(tr, id); err != nil {
		return api.GetResult{}, err
	}
	rec, ok, err := store{p.host.KV()}.get(ctx, id)
	if err != nil {
		return api.GetResult{}, err
	}
	p.mu.Lock()
	e, live := p.tasks[id]
	var view api.Task
	if live {
		view = p.viewLocked(tr, e)
	}
	p.mu.Unlock()
	if !ok || !live {
		return api.GetResult{}, p.missing(tr, id, sdk.ErrNotFound)
	}
	history := rec.History
	if history == nil {
		history = []api.Run{}
	}
	return api.GetResult{Task: view, History: history}, nil
}

// upcoming returns the next n runs of all active tasks, soonest first.
func (p *Plugin) upcoming(ctx context.Context, n int) ([]api.Upcoming, error) {
	if err := p.waitLoaded(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	var out []api.Upcoming
	for _, e := range p.tasks {
		t := e.rec.Task
		for at, i := e.next, 0; !at.IsZero() && i < n; at, i = e.sched.next(at), i+1 {
			out = append(out, api.Upcoming{TaskID: t.ID, Container: t.Container, Action: t.Action, At: at, Timezone: t.Timezone})
		}
	}
	p.mu.Unlock()
	slices.SortFunc(out, func(a, b api.Upcoming) int { return cmp.Or(a.At.Compare(b.At), strings.Compare(a.TaskID, b.TaskID)) })
	return out[:min(n, len(out))], nil
}

// gapWarnings warns about tasks of task id's container whose runs come
// within min_gap of its runs in the coming year.
func (p *Plugin) gapWarnings(tr i18n.Translator, id string) []string {
	set, _, _ := p.settings()
	gap := time.Duration(set.MinGap)
	if gap <= 0 {
		return nil
	}
	now := p.clock.Now()
	until := now.Add(gapHorizon)
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.tasks[id]
	if !ok || e.next.IsZero() {
		return nil
	}
	mine := e.sched.occurrences(now, until, gapRuns)
	var ids []string
	for oid, o := range p.tasks {
		if oid != id && !o.next.IsZero() && sameContainer(o.rec.Task.Container, e.rec.Task.Container) {
			ids = append(ids, oid)
		}
	}
	slices.Sort(ids)
	var out []string
	for _, oid := range ids {
		o := p.tasks[oid]
		theirs := o.sched.occurrences(now, until, gapRuns)
		a, d, found := closest(mine, theirs)
		if found && d < gap {
			out = append(out, tr.T("warn.gap", "Task", oid, "Container", e.rec.Task.Container,
				"When", formatWhen(a, e.sched.loc), "Minutes", int(d.Minutes()), "Gap", int(gap.Minutes())))
		}
	}
	return out
}

// closest finds the pair of times, one from each sorted list, closest
// together, and returns the first list's and their distance.
func closest(xs, ys []time.Time) (time.Time, time.Duration, bool) {
	var bx time.Time
	best, found := time.Duration(0), false
	for i, j := 0, 0; i < len(xs) && j < len(ys); {
		d := xs[i].Sub(ys[j])
		if d < 0 {
			d = -d
		}
		if !found || d < best {
			bx, best, found = xs[i], d, true
		}
		if xs[i].Before(ys[j]) {
			i++
		} else {
			j++
		}
	}
	return bx, best, found
}

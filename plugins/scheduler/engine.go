package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
)

const (
	// clockBack is how far the clock may be set back before the scheduler
	// stops waiting for the runs it already made: up to a day, a run made
	// is never made again; beyond, the clock is taken as corrected and the
	// tasks go on from now.
	clockBack = 24 * time.Hour
	// maxMissedScan bounds the missed runs counted one by one for a task
	// (a task every minute, down for months); the count is then at least
	// this.
	maxMissedScan = 100_000
	// idleWait is how long the loop sleeps with nothing scheduled.
	idleWait = 24 * time.Hour
	// loadRetry is the pause between attempts to read the tasks.
	loadRetry = 5 * time.Second
	// storeTimeout bounds one record's read and write.
	storeTimeout = 30 * time.Second
)

// job is one run waiting for a worker.
type job struct {
	id        string
	container string
	action    api.Op
	due       time.Time
}

// run reads the tasks, then runs the schedule until stop closes.
func (p *Plugin) run(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stop
		cancel()
	}()
	if !p.loadTasks(ctx) {
		return
	}
	for {
		p.mu.Lock()
		gen := p.changes
		p.mu.Unlock()
		now := p.clock.Now()
		p.tick(ctx, now)
		until := p.earliest()
		if until.IsZero() {
			until = now.Add(idleWait)
		}
		woken := p.clock.Wait(until)
		p.mu.Lock()
		p.waitGen = gen
		p.mu.Unlock()
		select {
		case <-woken:
		case <-p.wake:
		case <-stop:
			return
		}
	}
}

// loadTasks reads every record until it succeeds or ctx ends, and
// reports whether it did.
func (p *Plugin) loadTasks(ctx context.Context) bool {
	for {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		recs, bad, err := store{p.host.KV()}.load(lctx)
		cancel()
		if err == nil {
			p.install(recs, bad)
			return true
		}
		p.mu.Lock()
		p.loadErr = err
		p.mu.Unlock()
		p.log.Error("read tasks; trying again", "in", loadRetry, "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(loadRetry):
		}
	}
}

// install makes the records the plugin's tasks.
func (p *Plugin) install(recs []head, bad []badRecord) {
	now := p.clock.Now()
	_, tz, _ := p.settings()
	tasks := make(map[string]*entry, len(recs))
	for _, rec := range recs {
		e := &entry{rec: api.Record{Version: rec.Version, Task: rec.Task, Handled: rec.Handled}}
		if last := rec.History[0]; !last.Due.IsZero() {
			e.last = &last
		}
		p.compile(e, tz, now)
		if e.rec.Handled.IsZero() {
			e.rec.Handled = now
		}
		e.next = p.nextOf(e)
		tasks[rec.Task.ID] = e
	}
	for _, b := range bad {
		p.log.Error("stored value is not a task; kept as it is", "key", b.key, "err", b.err)
	}
	p.mu.Lock()
	p.tasks, p.bad, p.loadErr = tasks, bad, nil
	p.mu.Unlock()
	close(p.loaded)
	p.log.Info("tasks read", "tasks", len(tasks), "bad", len(bad))
}

// compile checks a stored task again and compiles its schedule; a task
// that fails is kept, marked broken. Only the rules are checked, not
// whether its once time has passed.
func (p *Plugin) compile(e *entry, tz string, now time.Time) {
	t := e.rec.Task
	if t.Timezone == "" {
		t.Timezone = tz
	}
	// A once task in the past is checked as of its own time: that it has
	// passed is no fault of the record.
	at := now
	if t.Schedule.Kind == api.KindOnce {
		at = time.Time{}
	}
	_, s, ps := checkSpec(t.Spec, tz, &p.zones, at)
	if len(ps) > 0 {
		e.sched, e.broken = nil, invalid(catalog().Lang(), ps).Error()
		p.log.Error("stored task cannot be scheduled; kept, not run", "task", t.ID, "err", e.broken)
		return
	}
	e.sched, e.broken = s, ""
}

// nextOf returns e's first run after the runs already handled (which
// may be due already), or zero for a paused, broken or finished task.
func (p *Plugin) nextOf(e *entry) time.Time {
	if e.sched == nil || e.rec.Task.Paused {
		return time.Time{}
	}
	return e.sched.next(e.rec.Handled)
}

// earliest returns the soonest next run of all tasks, or zero.
func (p *Plugin) earliest() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var min time.Time
	for _, e := range p.tasks {
		if !e.next.IsZero() && (min.IsZero() || e.next.Before(min)) {
			min = e.next
		}
	}
	return min
}

// tick handles every task whose next run is due at now: it runs it, or
// records it missed, and computes the next run.
func (p *Plugin) tick(ctx context.Context, now time.Time) {
	type due struct {
		id   string
		next time.Time
	}
	var dues []due
	p.mu.Lock()
	for id, e := range p.tasks {
		if e.sched == nil || e.rec.Task.Paused {
			continue
		}
		if e.rec.Handled.After(now.Add(clockBack)) {
			p.log.Warn("the clock was set back by more than a day; the task goes on from now", "task", id,
				"handled_until", e.rec.Handled, "now", now)
			e.rec.Handled = now
			e.next = p.nextOf(e)
		}
		if !e.next.IsZero() && !e.next.After(now) {
			dues = append(dues, due{id, e.next})
		}
	}
	p.mu.Unlock()
	slices.SortFunc(dues, func(a, b due) int { return cmp.Or(a.next.Compare(b.next), strings.Compare(a.id, b.id)) })
	for _, d := range dues {
		p.handleDue(ctx, d.id, now)
	}
}

// handleDue handles one due task: of its runs from its next one up to
// now, the latest within the grace period runs, older ones are recorded
// as one missed entry; the next run is computed after now. The record is
// written before the run starts, so a run is made at most once even if
// DDC dies during it.
func (p *Plugin) handleDue(ctx context.Context, id string, now time.Time) {
	set, _, _ := p.settings()
	cutoff := now.Add(-time.Duration(set.Grace))
	p.saveMu.Lock()
	p.mu.Lock()
	e, ok := p.tasks[id]
	if !ok || e.sched == nil || e.next.IsZero() || e.next.After(now) || e.rec.Task.Paused {
		p.mu.Unlock()
		p.saveMu.Unlock()
		return
	}
	sched, first, task, running := e.sched, e.next, e.rec.Task, e.running
	p.mu.Unlock()

	runAt, missed := dueRuns(sched, first, now, cutoff)
	var added []api.Run // newest first
	if !runAt.IsZero() && running {
		added = append(added, api.Run{Due: runAt, Result: api.ResultSkipped, Error: "the previous run was still going"})
	}
	if missed.Missed > 0 {
		added = append(added, missed)
	}
	next := sched.next(now)
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	err := p.update(sctx, id, func(rec *api.Record) {
		rec.Handled = now
		rec.History = prepend(rec.History, added, set.History)
	})
	cancel()
	if errors.Is(err, sdk.ErrNotFound) {
		// The record is gone (deleted meanwhile, or by another tool): so
		// is the task.
		p.mu.Lock()
		delete(p.tasks, id)
		p.mu.Unlock()
		p.saveMu.Unlock()
		return
	}
	if err != nil {
		// The run goes ahead: a task must not stall because the store
		// failed once. The record catches up with the next write.
		p.log.Error("save task state", "task", id, "err", err)
	}
	startRun := !runAt.IsZero() && !running
	p.mu.Lock()
	if e, ok := p.tasks[id]; ok {
		e.rec.Handled, e.next = now, next
		if len(added) > 0 {
			e.last = &added[0]
		}
		e.running = e.running || startRun
	}
	p.mu.Unlock()
	p.saveMu.Unlock()
	for i := len(added) - 1; i >= 0; i-- {
		p.report(task, added[i])
	}
	if startRun {
		p.enqueue(job{id: id, container: task.Container, action: task.Action, due: runAt})
	}
}

// dueRuns scans the runs of sched from first up to now: runAt is the
// latest at or after cutoff (zero if none), missed counts the older ones
// (Missed is 0 if none).
func dueRuns(sched *schedule, first, now, cutoff time.Time) (runAt time.Time, missed api.Run) {
	for t := first; !t.IsZero() && !t.After(now); t = sched.next(t) {
		if !t.Before(cutoff) {
			runAt = t
			continue
		}
		if missed.Missed == 0 {
			missed = api.Run{Due: t, Result: api.ResultMissed}
		}
		missed.Until = t
		if missed.Missed++; missed.Missed >= maxMissedScan {
			// Too many to count: go on from the first run in the grace
			// period.
			x := sched.next(cutoff.Add(-time.Nanosecond))
			if x.IsZero() || x.After(now) {
				break
			}
			t = x.Add(-time.Nanosecond)
		}
	}
	return runAt, missed
}

// prepend returns runs followed by history, at most n entries.
func prepend(history, runs []api.Run, n int) []api.Run {
	out := append(slices.Clone(runs), history...)
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// update reads task id's record, changes it with fn and writes it back.
// It returns an error matching sdk.ErrNotFound when there is no record.
// The caller holds saveMu.
func (p *Plugin) update(ctx context.Context, id string, fn func(*api.Record)) error {
	st := store{p.host.KV()}
	rec, ok, err := st.get(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("task %s: %w", id, sdk.ErrNotFound)
	}
	fn(&rec)
	return st.put(ctx, rec)
}

// enqueue queues a run and starts a worker when fewer than max_concurrent
// are running.
func (p *Plugin) enqueue(j job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return
	}
	p.queue = append(p.queue, j)
	if p.workers < p.set.MaxConcurrent {
		p.workers++
		p.wg.Add(1)
		go p.worker()
	}
}

// worker runs queued runs until the queue is empty.
func (p *Plugin) worker() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		if len(p.queue) == 0 || p.stopping || p.workers > p.set.MaxConcurrent {
			p.workers--
			p.mu.Unlock()
			return
		}
		j := p.queue[0]
		p.queue = p.queue[1:]
		p.mu.Unlock()
		p.execute(j)
	}
}

// execute runs one job through the containers plugin and records the
// outcome.
func (p *Plugin) execute(j job) {
	set, _, _ := p.settings()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(set.RunTimeout))
	defer cancel()
	run := api.Run{Due: j.due, Started: p.clock.Now(), Result: api.ResultOK}
	began := time.Now()
	res, err := capi.Do(ctx, p.host, capi.Op(j.action), j.container)
	run.DurationMS = time.Since(began).Milliseconds()
	switch {
	case err != nil:
		run.Result, run.Error = api.ResultFailed, userText(err)
	case !res.OK:
		run.Result, run.Error = api.ResultFailed, cmp.Or(res.Detail, res.Error, "the container did not reach the wanted state")
	}
	fctx, fcancel := context.WithTimeout(context.Background(), storeTimeout)
	defer fcancel()
	p.finish(fctx, j, run)
}

// userText is the text of err a person should read.
func userText(err error) string {
	if msg, ok := sdk.UserMessage(err); ok {
		return msg
	}
	return err.Error()
}

// finish records a run's outcome in the history, audits and reports it.
func (p *Plugin) finish(ctx context.Context, j job, run api.Run) {
	set, _, _ := p.settings()
	p.saveMu.Lock()
	err := p.update(ctx, j.id, func(rec *api.Record) { rec.History = prepend(rec.History, []api.Run{run}, set.History) })
	var task api.Task
	p.mu.Lock()
	if e, ok := p.tasks[j.id]; ok {
		e.last, e.running, task = &run, false, e.rec.Task
	}
	p.mu.Unlock()
	p.saveMu.Unlock()
	if err != nil && !errors.Is(err, sdk.ErrNotFound) {
		p.log.Error("save run", "task", j.id, "err", err)
	}
	if task.ID == "" {
		task = api.Task{ID: j.id, Spec: api.Spec{Container: j.container, Action: j.action}}
	}
	p.log.Info("task ran", "task", j.id, "container", j.container, "action", j.action, "due", j.due, "result", run.Result, "err", run.Error)
	p.report(task, run)
}

// report audits a run and posts a failed or missed one to the failure
// channel, in the host's default language, in the background: Discord's
// rate limits must not hold up the schedule.
func (p *Plugin) report(task api.Task, run api.Run) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		p.reportNow(ctx, task, run)
	}()
}

func (p *Plugin) reportNow(ctx context.Context, task api.Task, run api.Run) {
	set, _, lang := p.settings()
	detail := fmt.Sprintf("task %s: %s %s, due %s", task.ID, task.Action, task.Container, run.Due.UTC().Format(time.RFC3339))
	if run.Missed > 1 {
		detail += fmt.Sprintf(" (and %d more until %s)", run.Missed-1, run.Until.UTC().Format(time.RFC3339))
	}
	if run.Error != "" {
		detail += ": " + run.Error
	}
	if err := p.host.Audit(ctx, sdk.AuditEntry{Action: "scheduler.run", Target: task.Container, Result: string(run.Result), Detail: detail}); err != nil {
		p.log.Warn("audit run", "task", task.ID, "err", err)
	}
	if set.FailureChannel == "" || (run.Result != api.ResultFailed && run.Result != api.ResultMissed) {
		return
	}
	tr := catalog().Lang(lang)
	loc, _, _ := p.zones.load(task.Timezone)
	title := tr.T("notify.failed", "Action", tr.T("op."+string(task.Action)), "Container", task.Container)
	body := tr.T("notify.due", "When", formatWhen(run.Due, loc), "Task", task.ID)
	if run.Result == api.ResultMissed {
		title = tr.T("notify.missed", "Count", run.Missed, "Action", tr.T("op."+string(task.Action)), "Container", task.Container)
		body = tr.T("notify.missed_range", "From", formatWhen(run.Due, loc), "To", formatWhen(run.Until, loc), "Task", task.ID)
	}
	if run.Error != "" {
		body += "\n" + run.Error
	}
	msg := sdk.Message{Embeds: []sdk.Embed{{Title: title, Description: body, Color: 0xd83c3e, Timestamp: run.Due}}}
	if _, err := p.host.Send(ctx, set.FailureChannel, msg); err != nil {
		p.log.Warn("report run to the failure channel", "task", task.ID, "channel", set.FailureChannel, "err", err)
	}
}

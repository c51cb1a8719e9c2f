package containers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// actionRun is one start, stop or restart on an endpoint: the container,
// the deadline, and the watcher that sees Docker's events about it.
type actionRun struct {
	e        *endpoint
	op       api.Op
	id       string
	label    string
	stopSecs int
	check    time.Duration // check is how long a started container is watched
	timeout  time.Duration
	w        *watcher
	t0       time.Time
	res      api.ActionResult
	msg      msg // msg describes the outcome; res.Detail is it in English
}

// do runs one op on v against Docker and waits for its real outcome on
// the events stream. At most cfg.maxActions run at once on the endpoint,
// and one per container. The result is filled in as far as it is known
// when an error ends the action.
func (e *endpoint) do(ctx context.Context, op api.Op, v view, cfg config, stopSecs int) (outcome, error) {
	r, err := e.perform(ctx, op, v, cfg, stopSecs)
	return outcome{res: r.res, msg: r.msg}, err
}

// perform runs the action for do; the run it returns holds the outcome
// so far (res and msg), also when an error ended it.
func (e *endpoint) perform(ctx context.Context, op api.Op, v view, cfg config, stopSecs int) (*actionRun, error) {
	r := &actionRun{
		e: e, op: op, id: v.c.ID, label: v.label(), stopSecs: stopSecs, check: cfg.startCheck, timeout: cfg.timeout,
		res: api.ActionResult{Container: v.ref.String(), Action: op, State: v.c.State},
	}
	if err := e.claim(r.id, op, r.label); err != nil {
		return r, err
	}
	defer e.release(r.id)
	if d := time.Duration(stopSecs)*time.Second + 5*time.Second; stopSecs > 0 && d > r.timeout {
		r.timeout = d
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	release, err := e.slot(ctx, r)
	if err != nil {
		return r, err
	}
	defer release()

	cur, ok := e.get(r.id)
	if !ok {
		return r, refuse(sdk.ErrNotFound, "error.no_container", "What", text("doing."+string(op), "Name", r.label))
	}
	r.w = e.watch(r.id)
	defer e.unwatch(r.w)
	r.t0 = time.Now()
	switch op {
	case api.OpStart:
		return r, r.start(ctx, cur)
	case api.OpStop:
		return r, r.stop(ctx, cur)
	case api.OpRestart:
		return r, r.restart(ctx)
	}
	return r, fmt.Errorf("containers: unknown action %q: %w", op, sdk.ErrUnsupported)
}

// claim marks container id busy with op, or refuses when another action
// on it is running.
func (e *endpoint) claim(id string, op api.Op, label string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if busy := e.busy[id]; busy != "" {
		return refuse(sdk.ErrBusy, "error.busy", "Name", label, "Op", busy)
	}
	e.busy[id] = op
	return nil
}

// release ends claim.
func (e *endpoint) release(id string) {
	e.mu.Lock()
	delete(e.busy, id)
	e.mu.Unlock()
}

// slot waits for one of the endpoint's action slots; call the returned
// function to give it back.
func (e *endpoint) slot(ctx context.Context, r *actionRun) (func(), error) {
	e.mu.Lock()
	sem := e.sem
	e.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, refuse(sdk.ErrTimeout, "error.no_slot", "What", r.doing(), "Time", r.timeout, "Endpoint", e.spec.Name)
	}
}

// describe sets the outcome's description: msg, and res.Detail in English.
func (r *actionRun) describe(m msg) {
	r.msg = m
	r.res.Detail = m.in(english())
}

// doing is what the action does, for errors: "restart web".
func (r *actionRun) doing() msg { return text("doing."+string(r.op), "Name", r.label) }

// start starts a container that is not up and waits until it runs and
// stays up for the start check.
func (r *actionRun) start(ctx context.Context, cur ctr) error {
	if cur.State.Up() {
		r.res.OK, r.res.State = true, cur.State
		r.describe(text("done.already_running", "Name", r.label))
		return nil
	}
	if err := r.e.d.start(ctx, r.id, r.label, r.timeout); err != nil {
		return err
	}
	u, err := r.wait(ctx, func(u update) bool { return u.action == "start" })
	if err != nil {
		return err
	}
	return r.settle(ctx, u)
}

// stop stops a container that is up and waits until it exited.
func (r *actionRun) stop(ctx context.Context, cur ctr) error {
	if !cur.State.Up() {
		r.res.OK, r.res.State, r.res.ExitCode = true, cur.State, cur.ExitCode
		r.describe(text("done.already_stopped", "Name", r.label))
		return nil
	}
	if err := r.e.d.stop(ctx, r.id, r.label, r.stopSecs, r.timeout); err != nil {
		return err
	}
	u, err := r.wait(ctx, func(u update) bool { return u.action == "die" || u.c.State == api.StateExited })
	if err != nil {
		return err
	}
	took := time.Since(r.t0)
	r.res.OK, r.res.Changed, r.res.State, r.res.ExitCode = true, true, u.c.State, u.c.ExitCode
	r.res.DurationMS = took.Milliseconds()
	if u.c.ExitCode == 137 {
		r.describe(text("done.killed", "Name", r.label, "Time", took))
	} else {
		r.describe(text("done.stopped", "Name", r.label, "Time", took, "Code", u.c.ExitCode))
	}
	return nil
}

// restart restarts a container and waits until it runs again and stays up
// for the start check.
func (r *actionRun) restart(ctx context.Context) error {
	if err := r.e.d.restart(ctx, r.id, r.label, r.stopSecs, r.timeout); err != nil {
		return err
	}
	u, err := r.wait(ctx, func(u update) bool { return u.action == "start" })
	if err != nil {
		return err
	}
	return r.settle(ctx, u)
}

// wait reads the watcher until pred holds, the endpoint goes down, the
// container is removed, or ctx ends.
func (r *actionRun) wait(ctx context.Context, pred func(update) bool) (update, error) {
	for {
		select {
		case u := <-r.w.ch:
			if u.action == api.CauseUnreachable {
				return u, refuse(sdk.ErrUnavailable, "error.became_unreachable", "What", r.doing(), "Endpoint", r.e.spec.Name)
			}
			if u.action == "destroy" {
				return u, refuse(sdk.ErrNotFound, "error.removed", "What", r.doing())
			}
			if pred(u) {
				return u, nil
			}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return update{}, refuse(sdk.ErrTimeout, "error.wait_"+string(r.op), "What", r.doing(), "Time", r.timeout)
			}
			return update{}, ctx.Err()
		}
	}
}

// settle watches a just started (or restarted) container for the start
// check, so that one that exits at once is reported as failed with its
// exit code.
func (r *actionRun) settle(ctx context.Context, started update) error {
	r.res.Changed = true
	if r.check > 0 {
		if done, err := r.watchStart(ctx, started); done {
			return err
		}
	}
	cur, _ := r.e.get(r.id)
	r.res.OK, r.res.State = true, api.StateRunning
	r.res.DurationMS = time.Since(r.t0).Milliseconds()
	id := "done.started"
	if r.op == api.OpRestart {
		id = "done.restarted"
	}
	m := text(id, "Name", r.label, "Time", started.at.Sub(r.t0).Abs())
	if cur.Health != api.HealthNone {
		m = text("done.with_health", "Text", m, "Health", cur.Health)
	}
	r.describe(m)
	return nil
}

// watchStart waits for the start check to pass; done is true when the
// container exited or its endpoint went down first, with the outcome in
// r.res or err.
func (r *actionRun) watchStart(ctx context.Context, started update) (done bool, err error) {
	t := time.NewTimer(r.check)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return false, nil
		case <-ctx.Done():
			return false, nil
		case u := <-r.w.ch:
			switch u.action {
			case api.CauseUnreachable:
				return true, refuse(sdk.ErrUnavailable, "error."+string(r.op)+"_then_unreachable", "Name", r.label, "Endpoint", r.e.spec.Name)
			case "die":
				r.res.State, r.res.ExitCode = u.c.State, u.c.ExitCode
				r.res.DurationMS = time.Since(r.t0).Milliseconds()
				after := u.at.Sub(started.at)
				if u.c.ExitCode != 0 {
					return true, refuse(nil, "error.exited_again", "Name", r.label, "Code", u.c.ExitCode, "Time", after)
				}
				r.res.OK = true
				r.describe(text("done."+string(r.op)+"_exited", "Name", r.label, "Time", after))
				return true, nil
			}
		}
	}
}

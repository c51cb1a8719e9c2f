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
}

// do runs one op on v against Docker and waits for its real outcome on
// the events stream. At most cfg.maxActions run at once on the endpoint,
// and one per container.
func (e *endpoint) do(ctx context.Context, op api.Op, v view, cfg config, stopSecs int) (api.ActionResult, error) {
	r := &actionRun{
		e: e, op: op, id: v.c.ID, label: v.label(), stopSecs: stopSecs, check: cfg.startCheck, timeout: cfg.timeout,
		res: api.ActionResult{Container: v.ref.String(), Action: op, State: v.c.State},
	}
	if err := e.claim(r.id, op, r.label); err != nil {
		return r.res, err
	}
	defer e.release(r.id)
	if d := time.Duration(stopSecs)*time.Second + 5*time.Second; stopSecs > 0 && d > r.timeout {
		r.timeout = d
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	release, err := e.slot(ctx, r)
	if err != nil {
		return r.res, err
	}
	defer release()

	cur, ok := e.get(r.id)
	if !ok {
		return r.res, sdk.Errorf("%s %s: no such container: %w", op, r.label, sdk.ErrNotFound)
	}
	r.w = e.watch(r.id)
	defer e.unwatch(r.w)
	r.t0 = time.Now()
	switch op {
	case api.OpStart:
		return r.start(ctx, cur)
	case api.OpStop:
		return r.stop(ctx, cur)
	case api.OpRestart:
		return r.restart(ctx)
	}
	return r.res, fmt.Errorf("containers: unknown action %q: %w", op, sdk.ErrUnsupported)
}

// claim marks container id busy with op, or refuses when another action
// on it is running.
func (e *endpoint) claim(id string, op api.Op, label string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if busy := e.busy[id]; busy != "" {
		return sdk.Errorf("%s is busy: a %s is still in progress; try again when it is done: %w", label, busy, sdk.ErrBusy)
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
		return nil, sdk.Errorf("%s %s: timed out after %s waiting for other actions on endpoint %s: %w", r.op, r.label, seconds(r.timeout), e.spec.Name, sdk.ErrTimeout)
	}
}

// start starts a container that is not up and waits until it runs and
// stays up for the start check.
func (r *actionRun) start(ctx context.Context, cur ctr) (api.ActionResult, error) {
	if cur.State.Up() {
		r.res.OK, r.res.State, r.res.Detail = true, cur.State, r.label+" is already running"
		return r.res, nil
	}
	if err := r.e.d.start(ctx, r.id, r.label, r.timeout); err != nil {
		return r.res, err
	}
	u, err := r.wait(ctx, "to start", func(u update) bool { return u.action == "start" })
	if err != nil {
		return r.res, err
	}
	return r.settle(ctx, "started", u)
}

// stop stops a container that is up and waits until it exited.
func (r *actionRun) stop(ctx context.Context, cur ctr) (api.ActionResult, error) {
	if !cur.State.Up() {
		r.res.OK, r.res.State, r.res.ExitCode, r.res.Detail = true, cur.State, cur.ExitCode, r.label+" is already stopped"
		return r.res, nil
	}
	if err := r.e.d.stop(ctx, r.id, r.label, r.stopSecs, r.timeout); err != nil {
		return r.res, err
	}
	u, err := r.wait(ctx, "to stop", func(u update) bool { return u.action == "die" || u.c.State == api.StateExited })
	if err != nil {
		return r.res, err
	}
	took := time.Since(r.t0)
	r.res.OK, r.res.Changed, r.res.State, r.res.ExitCode = true, true, u.c.State, u.c.ExitCode
	r.res.DurationMS = took.Milliseconds()
	r.res.Detail = fmt.Sprintf("%s stopped in %s (exit code %d)", r.label, seconds(took), u.c.ExitCode)
	if u.c.ExitCode == 137 {
		r.res.Detail = fmt.Sprintf("%s did not stop in time and was killed after %s (exit code 137)", r.label, seconds(took))
	}
	return r.res, nil
}

// restart restarts a container and waits until it runs again and stays up
// for the start check.
func (r *actionRun) restart(ctx context.Context) (api.ActionResult, error) {
	if err := r.e.d.restart(ctx, r.id, r.label, r.stopSecs, r.timeout); err != nil {
		return r.res, err
	}
	u, err := r.wait(ctx, "to run again", func(u update) bool { return u.action == "start" })
	if err != nil {
		return r.res, err
	}
	return r.settle(ctx, "restarted", u)
}

// wait reads the watcher until pred holds, the endpoint goes down, the
// container is removed, or ctx ends.
func (r *actionRun) wait(ctx context.Context, goal string, pred func(update) bool) (update, error) {
	what := fmt.Sprintf("%s %s", r.op, r.label)
	for {
		select {
		case u := <-r.w.ch:
			if u.action == api.CauseUnreachable {
				return u, sdk.Errorf("%s: endpoint %s became unreachable: %w", what, r.e.spec.Name, sdk.ErrUnavailable)
			}
			if u.action == "destroy" {
				return u, sdk.Errorf("%s: the container was removed: %w", what, sdk.ErrNotFound)
			}
			if pred(u) {
				return u, nil
			}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return update{}, sdk.Errorf("%s: timed out after %s waiting for it %s: %w", what, seconds(r.timeout), goal, sdk.ErrTimeout)
			}
			return update{}, ctx.Err()
		}
	}
}

// settle watches a just started container for the start check, so that
// one that exits at once is reported as failed with its exit code.
func (r *actionRun) settle(ctx context.Context, verb string, started update) (api.ActionResult, error) {
	r.res.Changed = true
	if r.check > 0 {
		if res, done, err := r.watchStart(ctx, verb, started); done {
			return res, err
		}
	}
	cur, _ := r.e.get(r.id)
	r.res.OK, r.res.State = true, api.StateRunning
	r.res.DurationMS = time.Since(r.t0).Milliseconds()
	r.res.Detail = fmt.Sprintf("%s %s in %s", r.label, verb, seconds(started.at.Sub(r.t0).Abs()))
	if cur.Health != api.HealthNone {
		r.res.Detail += " (health: " + string(cur.Health) + ")"
	}
	return r.res, nil
}

// watchStart waits for the start check to pass; done is true when the
// container exited or its endpoint went down first, with the outcome.
func (r *actionRun) watchStart(ctx context.Context, verb string, started update) (res api.ActionResult, done bool, err error) {
	t := time.NewTimer(r.check)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return r.res, false, nil
		case <-ctx.Done():
			return r.res, false, nil
		case u := <-r.w.ch:
			switch u.action {
			case api.CauseUnreachable:
				return r.res, true, sdk.Errorf("%s %s, then endpoint %s became unreachable: %w", r.label, verb, r.e.spec.Name, sdk.ErrUnavailable)
			case "die":
				r.res.State, r.res.ExitCode = u.c.State, u.c.ExitCode
				r.res.DurationMS = time.Since(r.t0).Milliseconds()
				after := seconds(u.at.Sub(started.at))
				if u.c.ExitCode != 0 {
					return r.res, true, sdk.Errorf("%s exited again with code %d after %s", r.label, u.c.ExitCode, after)
				}
				r.res.OK = true
				r.res.Detail = fmt.Sprintf("%s %s and exited with code 0 after %s", r.label, verb, after)
				return r.res, true, nil
			}
		}
	}
}

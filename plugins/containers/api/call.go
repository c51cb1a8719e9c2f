package api

import (
	"context"
	"fmt"
	"time"
)

// Invoker calls another plugin's action, passing args as JSON and decoding
// the JSON result into result. sdk.Host is an Invoker; when ctx carries a
// Discord interaction (as handler contexts do), the containers plugin
// checks that user's level.
type Invoker interface {
	Invoke(ctx context.Context, action string, args, result any) error
}

// Option tweaks the Args of one call.
type Option func(*Args)

// StopTimeout lets a container stop gracefully for d (rounded up to whole
// seconds, at most MaxStopTimeoutSeconds; 0 or less keeps the container's
// own timeout) before Docker kills it; for Stop, Restart, Do, StopAll and
// RestartAll.
func StopTimeout(d time.Duration) Option {
	return func(a *Args) {
		a.TimeoutSeconds = int(min(max(d+time.Second-1, 0)/time.Second, MaxStopTimeoutSeconds))
	}
}

// WithTag sets Args.Tag, which restart_all and stop_all copy into their
// BulkEvents.
func WithTag(tag string) Option { return func(a *Args) { a.Tag = tag } }

// List calls ActionList.
func List(ctx context.Context, h Invoker) (ListResult, error) {
	return call[ListResult](ctx, h, ActionList, Args{})
}

// Inspect calls ActionInspect for container ("name" or "endpoint/name").
func Inspect(ctx context.Context, h Invoker, container string) (ContainerInfo, error) {
	return call[ContainerInfo](ctx, h, ActionInspect, Args{Container: container})
}

// Start calls ActionStart for container.
func Start(ctx context.Context, h Invoker, container string) (ActionResult, error) {
	return call[ActionResult](ctx, h, ActionStart, Args{Container: container})
}

// Stop calls ActionStop for container.
func Stop(ctx context.Context, h Invoker, container string, opts ...Option) (ActionResult, error) {
	return call[ActionResult](ctx, h, ActionStop, withOpts(Args{Container: container}, opts))
}

// Restart calls ActionRestart for container.
func Restart(ctx context.Context, h Invoker, container string, opts ...Option) (ActionResult, error) {
	return call[ActionResult](ctx, h, ActionRestart, withOpts(Args{Container: container}, opts))
}

// Do runs op (start, stop or restart) on container, for callers that hold
// the op as data, such as a scheduled task.
func Do(ctx context.Context, h Invoker, op Op, container string, opts ...Option) (ActionResult, error) {
	if !op.Changes() {
		return ActionResult{}, fmt.Errorf("do %q on %s: not start, stop or restart", op, container)
	}
	return call[ActionResult](ctx, h, op.Action(), withOpts(Args{Container: container}, opts))
}

// Logs calls ActionLogs for the last lines lines of container (0 means
// DefaultLogLines).
func Logs(ctx context.Context, h Invoker, container string, lines int) (LogsResult, error) {
	return call[LogsResult](ctx, h, ActionLogs, Args{Container: container, Lines: lines})
}

// Stats calls ActionStats for container.
func Stats(ctx context.Context, h Invoker, container string) (StatsResult, error) {
	return call[StatsResult](ctx, h, ActionStats, Args{Container: container})
}

// RestartAll calls ActionRestartAll.
func RestartAll(ctx context.Context, h Invoker, opts ...Option) (BulkResult, error) {
	return call[BulkResult](ctx, h, ActionRestartAll, withOpts(Args{}, opts))
}

// StopAll calls ActionStopAll.
func StopAll(ctx context.Context, h Invoker, opts ...Option) (BulkResult, error) {
	return call[BulkResult](ctx, h, ActionStopAll, withOpts(Args{}, opts))
}

// ProtectedInfo calls ActionProtectedInfo for container with password.
func ProtectedInfo(ctx context.Context, h Invoker, container, password string) (ProtectedInfoResult, error) {
	return call[ProtectedInfoResult](ctx, h, ActionProtectedInfo, Args{Container: container, Password: password})
}

func withOpts(a Args, opts []Option) Args {
	for _, o := range opts {
		o(&a)
	}
	return a
}

// call invokes action and returns its decoded result. The error is the
// Invoker's: it names the action, and the containers plugin's message
// names the container.
func call[T any](ctx context.Context, h Invoker, action string, args Args) (T, error) {
	var out T
	err := h.Invoke(ctx, action, args, &out)
	return out, err
}

package api

import "context"

// Invoker calls an action of another plugin; sdk.Host is one.
type Invoker interface {
	Invoke(ctx context.Context, action string, args, result any) error
}

// List lists the tasks, all of them or those of container.
func List(ctx context.Context, h Invoker, container string) (ListResult, error) {
	return call[ListResult](ctx, h, ActionList, ListArgs{Container: container})
}

// Get returns a task with its history.
func Get(ctx context.Context, h Invoker, id string) (GetResult, error) {
	return call[GetResult](ctx, h, ActionGet, IDArgs{ID: id})
}

// Create creates a task.
func Create(ctx context.Context, h Invoker, spec Spec) (TaskResult, error) {
	return call[TaskResult](ctx, h, ActionCreate, spec)
}

// Update replaces the Spec of task id.
func Update(ctx context.Context, h Invoker, id string, spec Spec) (TaskResult, error) {
	return call[TaskResult](ctx, h, ActionUpdate, UpdateArgs{ID: id, Spec: spec})
}

// Delete deletes task id and its history.
func Delete(ctx context.Context, h Invoker, id string) (TaskResult, error) {
	return call[TaskResult](ctx, h, ActionDelete, IDArgs{ID: id})
}

// Pause pauses task id.
func Pause(ctx context.Context, h Invoker, id string) (TaskResult, error) {
	return call[TaskResult](ctx, h, ActionPause, IDArgs{ID: id})
}

// Resume resumes task id.
func Resume(ctx context.Context, h Invoker, id string) (TaskResult, error) {
	return call[TaskResult](ctx, h, ActionResume, IDArgs{ID: id})
}

// Next returns the next count runs of all active tasks (0: DefaultNext).
func Next(ctx context.Context, h Invoker, count int) (NextResult, error) {
	return call[NextResult](ctx, h, ActionNext, NextArgs{Count: count})
}

func call[T any](ctx context.Context, h Invoker, action string, args any) (T, error) {
	var out T
	err := h.Invoke(ctx, action, args, &out)
	return out, err
}

package api

import "time"

// Schedule says when a task runs. Kind picks which other fields apply; a
// field another kind uses must be empty.
type Schedule struct {
	// Kind of schedule.
	Kind Kind `json:"kind"`
	// Time of day, "HH:MM" on the 24-hour clock, in the task's time zone:
	// every kind but cron.
	Time string `json:"time,omitempty"`
	// Date, "YYYY-MM-DD": once only. It may not lie before the current
	// minute; a task at the current minute runs at once.
	Date string `json:"date,omitempty"`
	// Weekdays, canonical names from Weekdays(), Monday first: weekly
	// only. Input may use ranges ("mon-fri"), full names and German or
	// French names; the plugin stores the canonical form.
	Weekdays []string `json:"weekdays,omitempty"`
	// Day of the month, 1-31, or LastDay: monthly and yearly. A month
	// without that day uses its last day.
	Day int `json:"day,omitempty"`
	// Month, 1-12: yearly only.
	Month int `json:"month,omitempty"`
	// Cron is a five-field cron expression (minute hour day-of-month month
	// day-of-week, as in crontab(5): names, ranges, steps and lists) or
	// one of @yearly, @annually, @monthly, @weekly, @daily, @midnight and
	// @hourly: cron only.
	Cron string `json:"cron,omitempty"`
}

// Spec is what a user sets on a task.
type Spec struct {
	// Container is the container reference, "name" or "endpoint/name", as
	// the containers plugin takes it.
	Container string `json:"container"`
	// Action is what the task does to the container.
	Action Op `json:"action"`
	// Schedule says when.
	Schedule Schedule `json:"schedule"`
	// Timezone is an IANA time zone name ("Europe/Berlin"); empty on input
	// means the plugin's configured default. Tasks store the name.
	Timezone string `json:"timezone,omitempty"`
	// Paused tasks do not run.
	Paused bool `json:"paused,omitempty"`
	// Note is free text for people, at most MaxNoteLen characters.
	Note string `json:"note,omitempty"`
}

// MaxNoteLen is the longest Spec.Note, in characters.
const MaxNoteLen = 500

// Task is a scheduled task: its Spec, who made it, and what the plugin
// computes from it.
type Task struct {
	// ID identifies the task: 8 lowercase letters and digits for tasks
	// the plugin creates; 1-64 letters, digits, '-' and '_' for tasks
	// written by other tools (a DockerDiscordControl UUID fits).
	ID string `json:"id"`
	Spec
	// CreatedBy names who created it: a Discord user, "web", or the
	// calling plugin as "plugin:<id>".
	CreatedBy string `json:"created_by,omitempty"`
	// CreatedAt is when it was created.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// UpdatedAt is when its Spec last changed.
	UpdatedAt time.Time `json:"updated_at,omitzero"`

	// The fields below are computed by the plugin and ignored on input.

	// Next is the next run; zero when paused, done (once) or broken.
	Next time.Time `json:"next,omitzero"`
	// Description says the schedule in words, in the host's language
	// ("daily at 04:00").
	Description string `json:"description,omitempty"`
	// LastRun is the newest entry of the task's history, if any.
	LastRun *Run `json:"last_run,omitempty"`
	// Error says why a stored task cannot be scheduled (a time zone the
	// embedded database no longer has, a record written by another tool
	// that breaks the rules); such a task is kept, shown and not run.
	Error string `json:"error,omitempty"`
}

// Result is the outcome of one run.
type Result string

// Results of runs.
const (
	// ResultOK: the containers plugin did the action.
	ResultOK Result = "ok"
	// ResultFailed: the action failed; Run.Error says why.
	ResultFailed Result = "failed"
	// ResultMissed: the run was due while DDC was down or the clock jumped,
	// longer ago than the grace period; it was not run.
	ResultMissed Result = "missed"
	// ResultSkipped: the run was due while the task's previous run was
	// still running.
	ResultSkipped Result = "skipped"
)

// Run is one entry of a task's history.
type Run struct {
	// Due is when the run was scheduled.
	Due time.Time `json:"due"`
	// Started is when it began; zero for missed and skipped runs.
	Started time.Time `json:"started,omitzero"`
	// DurationMS is how long the action took.
	DurationMS int64 `json:"duration_ms,omitempty"`
	// Result of the run.
	Result Result `json:"result"`
	// Error explains a failed run.
	Error string `json:"error,omitempty"`
	// Missed counts the runs one missed entry stands for (Due is the first,
	// Until the last); at least 1 for missed entries.
	Missed int `json:"missed,omitempty"`
	// Until is the last missed run of a missed entry.
	Until time.Time `json:"until,omitzero"`
}

// ListArgs are the arguments of ActionList.
type ListArgs struct {
	// Container, if set, lists only the tasks of this container.
	Container string `json:"container,omitempty"`
}

// ListResult is the result of ActionList.
type ListResult struct {
	// Tasks sorted by next run (paused, done and broken tasks last), then
	// by id.
	Tasks []Task `json:"tasks"`
	// Timezone is the default time zone for new tasks.
	Timezone string `json:"timezone"`
}

// IDArgs names one task.
type IDArgs struct {
	// ID of the task.
	ID string `json:"id"`
}

// UpdateArgs are the arguments of ActionUpdate: the task's id and its new
// Spec, which replaces the old one whole.
type UpdateArgs struct {
	// ID of the task.
	ID string `json:"id"`
	Spec
}

// TaskResult is the result of the actions that change a task.
type TaskResult struct {
	// Task as it is now (as it was, for ActionDelete).
	Task Task `json:"task"`
	// Warnings about the change that did not stop it.
	Warnings []string `json:"warnings,omitempty"`
}

// GetResult is the result of ActionGet.
type GetResult struct {
	// Task asked for.
	Task Task `json:"task"`
	// History of its runs, newest first, at most the configured length.
	History []Run `json:"history"`
}

// DefaultNext and MaxNext bound NextArgs.Count.
const (
	DefaultNext = 5
	MaxNext     = 50
)

// NextArgs are the arguments of ActionNext.
type NextArgs struct {
	// Count of runs, 1 to MaxNext; 0 means DefaultNext.
	Count int `json:"count,omitempty"`
}

// Upcoming is one future run.
type Upcoming struct {
	// TaskID of the task that runs.
	TaskID string `json:"task_id"`
	// Container it acts on.
	Container string `json:"container"`
	// Action it does.
	Action Op `json:"action"`
	// At is when.
	At time.Time `json:"at"`
	// Timezone of the task.
	Timezone string `json:"timezone"`
}

// NextResult is the result of ActionNext.
type NextResult struct {
	// Runs soonest first; one task may appear more than once.
	Runs []Upcoming `json:"runs"`
}

// KeyPrefix starts the KV key of every task record: the record of task id
// is stored under KeyPrefix + id, one key per task, written whole in one
// Put. The KV's own key listing is the index: there is no second key that
// could disagree with the records.
const KeyPrefix = "task/"

// RecordVersion is the version of Record this package describes.
const RecordVersion = 1

// Record is what the scheduler stores per task. A tool that creates tasks
// without the plugin (ddc import-ddc) writes one Record per task under
// KeyPrefix + Task.ID, with Version RecordVersion, Task.ID, Spec (with a
// Timezone), CreatedBy and CreatedAt set, and Handled zero; the plugin
// checks each record when it starts, schedules the good ones and keeps a
// bad one unscheduled with Task.Error set, never deleting it.
type Record struct {
	// Version of the record format.
	Version int `json:"v"`
	// Task without its computed fields.
	Task Task `json:"task"`
	// Handled is the instant up to which the task's runs are done (run,
	// missed, or before the task was created, edited or resumed); zero
	// means "from when the plugin first reads the record".
	Handled time.Time `json:"handled,omitzero"`
	// History of runs, newest first.
	History []Run `json:"history,omitempty"`
}

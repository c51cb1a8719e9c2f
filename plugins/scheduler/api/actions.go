package api

import "strings"

// PluginID is the scheduler plugin's id.
const PluginID = "scheduler"

// The scheduler's actions. Each takes the named Args type as JSON and
// returns the named result.
const (
	// ActionList lists tasks (ListArgs → ListResult).
	ActionList = "scheduler.list"
	// ActionGet returns one task with its run history (IDArgs → GetResult).
	ActionGet = "scheduler.get"
	// ActionCreate creates a task (Spec → TaskResult).
	ActionCreate = "scheduler.create"
	// ActionUpdate replaces a task's Spec (UpdateArgs → TaskResult); its
	// history stays.
	ActionUpdate = "scheduler.update"
	// ActionDelete deletes a task and its history (IDArgs → TaskResult with
	// the deleted task).
	ActionDelete = "scheduler.delete"
	// ActionPause pauses a task (IDArgs → TaskResult).
	ActionPause = "scheduler.pause"
	// ActionResume resumes a paused task from now on; runs it missed while
	// paused are not made up (IDArgs → TaskResult).
	ActionResume = "scheduler.resume"
	// ActionNext returns the next runs of all active tasks, soonest first
	// (NextArgs → NextResult).
	ActionNext = "scheduler.next"
)

// Actions returns every action the scheduler provides.
func Actions() []string {
	return []string{ActionList, ActionGet, ActionCreate, ActionUpdate, ActionDelete, ActionPause, ActionResume, ActionNext}
}

// Changes reports whether action changes tasks (and so needs the control
// level when a Discord user asks).
func Changes(action string) bool {
	switch action {
	case ActionCreate, ActionUpdate, ActionDelete, ActionPause, ActionResume:
		return true
	}
	return false
}

// Op is what a task does to its container.
type Op string

// The operations a task can run; each is the containers plugin's action of
// the same name (containers.start, .stop, .restart).
const (
	OpStart   Op = "start"
	OpStop    Op = "stop"
	OpRestart Op = "restart"
)

// Ops returns the operations a task can run.
func Ops() []Op { return []Op{OpStart, OpStop, OpRestart} }

// Valid reports whether o is start, stop or restart.
func (o Op) Valid() bool { return o == OpStart || o == OpStop || o == OpRestart }

// Kind is the kind of a schedule.
type Kind string

// The kinds of schedule.
const (
	// KindOnce runs once, at Schedule.Date and Schedule.Time.
	KindOnce Kind = "once"
	// KindDaily runs every day at Schedule.Time.
	KindDaily Kind = "daily"
	// KindWeekly runs on Schedule.Weekdays at Schedule.Time.
	KindWeekly Kind = "weekly"
	// KindMonthly runs on Schedule.Day of every month at Schedule.Time.
	KindMonthly Kind = "monthly"
	// KindYearly runs on Schedule.Day of Schedule.Month every year at
	// Schedule.Time.
	KindYearly Kind = "yearly"
	// KindCron runs at the times of the cron expression Schedule.Cron.
	KindCron Kind = "cron"
)

// Kinds returns every kind of schedule.
func Kinds() []Kind {
	return []Kind{KindOnce, KindDaily, KindWeekly, KindMonthly, KindYearly, KindCron}
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds() {
		if k == v {
			return true
		}
	}
	return false
}

// LastDay in Schedule.Day means the last day of the month.
const LastDay = -1

// weekdays are the canonical weekday names, Monday first.
var weekdays = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Weekdays returns the canonical weekday names Schedule.Weekdays holds,
// Monday first: "mon", "tue", "wed", "thu", "fri", "sat", "sun".
func Weekdays() []string { return weekdays[:] }

// WeekdayIndex returns 0 for "mon" to 6 for "sun" (case-insensitive), or
// -1 for anything else.
func WeekdayIndex(name string) int {
	for i, w := range weekdays {
		if strings.EqualFold(name, w) {
			return i
		}
	}
	return -1
}

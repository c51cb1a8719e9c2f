// Package scheduler is DDC's bundled plugin that starts, stops and
// restarts containers on a schedule. Tasks are made with /task add in
// Discord, on the plugin's web page (/p/scheduler/), or through its
// actions (REST API, other plugins); their contract is the package api.
// The plugin is built on the public sdk only and acts on containers
// through the containers plugin's actions (containers.start, .stop and
// .restart), never Docker itself.
//
// # Schedules
//
// A task runs once (a date and time), daily, weekly (on chosen weekdays),
// monthly (on a day of the month, or its last day) or yearly (a month and
// day), at HH:MM; or at the times of a five-field cron expression, parsed
// by github.com/robfig/cron/v3 (names, ranges, steps, lists, and the @
// descriptors but @every). The schedule is described back in words in the
// reader's language: the cron description is built from the parsed
// fields, as no maintained description library is served.
//
// Every task has an IANA time zone (the setting timezone, else the TZ
// environment variable, else UTC, for new tasks) and its times are wall-
// clock times there. The zone database is embedded (time/tzdata, about
// 450 kB of the executable) so this works on a FROM-scratch image; a
// system database, where there is one, is preferred. Instants are
// computed from the task's zone alone, never from the host's: a change of
// the host's time zone (TZ, /etc/localtime) changes no run.
//
// # Rules for awkward times
//
//   - A time the clock skips when summer time starts (02:30 in
//     Europe/Berlin on the last Sunday of March) runs once, when the clock
//     jumps: at 03:00 summer time. Several times in the skipped hour (a
//     cron expression) run once, together.
//   - A time the clock shows twice when summer time ends (02:30 in
//     Europe/Berlin, 01:30 in America/New_York) runs once, the first time
//     (still summer time). Cron times in the repeated hour run once each.
//   - Monthly on day 29, 30 or 31 runs on the month's last day in shorter
//     months (on the 31st: January 31, February 28 or 29, March 31, April
//     30, ...); "last day" always runs on the month's last day.
//   - Yearly on February 29 runs on February 28 in other years. Other days
//     past a month's end (April 31) are refused.
//   - A cron expression with both day of month and day of week restricted
//     runs on either, as in crontab(5).
//
// # Missed runs and clock jumps
//
// For each task the plugin keeps the instant up to which its runs are
// handled. When it starts, and whenever it wakes (at the next run, and at
// least once a minute, so a wall clock that is set or jumps is noticed
// within a minute), it looks at every task whose next run has come:
//
//   - of the runs due since, the latest that is no older than the grace
//     period (setting grace, default 5 minutes) runs, once;
//   - older ones are recorded in the history as one "missed" entry (with
//     how many and until when), audited, and reported to the failure
//     channel; they are not run;
//   - the next run is computed from now, so a task never stalls.
//
// A clock set back by up to a day repeats no run already made: the task
// waits for its next run after the last handled one. A clock set back by
// more than a day is taken as corrected (logged), and tasks go on from now.
// The handled instant is saved before a run starts, so a run is made at
// most once even when DDC dies during it. A paused task, when resumed, and
// an edited task go on from then; runs in between are not made up. A once
// task may be created for the current minute (it runs at once) but not
// earlier.
//
// # Runs
//
// At most max_concurrent runs (default 3) go at once; the rest wait in
// order. A run whose previous run of the same task still goes is recorded
// as skipped. Each run calls containers.start, .stop or .restart through
// Host.Invoke, bounded by run_timeout (default 5 minutes), and is
// recorded in the task's history (the last history runs, default 20:
// due, started, duration, result, error), audited (action scheduler.run),
// and, when it failed or was missed, posted to failure_channel in the
// host's default language.
//
// # Storage
//
// Tasks live in the host's KV, one key per task (api.KeyPrefix + id) whose
// value is an api.Record: the task, the handled instant and the history.
// Every change writes one record whole with one Put, so a task is never
// half saved; the KV's key listing is the index. A thousand tasks are a
// thousand keys of a few kB each, read once at start; in memory the
// plugin keeps each task without its history. A stored record that does
// not decode, or no longer passes the checks (a zone the database lost),
// is kept as it is, shown with its error, reported by CheckHealth, and
// not run.
//
// # Changes
//
// /task add, the web form and scheduler.create/update check everything
// before saving anything: the container (it must exist in
// containers.list; when its Docker endpoint is down, or the containers
// plugin does not answer, the task is saved with a warning), the action,
// the schedule's fields for its kind (a field the kind does not use is
// refused), the time zone, a once date in the past, a cron expression
// that does not parse or never fires. Every problem is reported with its
// field ("schedule.cron: ..."). Tasks of one container whose runs come
// closer than min_gap (default 10 minutes) in the coming year are saved
// with a warning. Changes are audited with who made them.
//
// # Web page
//
// ServeHTTP serves the task list (with next and last runs), a form to
// create and edit, pause, resume, delete, and each task's history:
// server-rendered HTML, no inline script or style (the host's CSP), its
// CSS and JavaScript under static/ (the pages work without the script).
// All links are relative to the page root, so the pages work under any
// prefix; a host that sends PrefixHeader gets a <base> for it. Forms carry
// the CSRF token the host sends in CSRFHeader as the field CSRFField; the
// host checks it.
//
// # Importing DockerDiscordControl's tasks.json
//
// DockerDiscordControl stores a list of tasks; `ddc import-ddc` maps each
// onto an api.Record:
//
//	id                          Task.ID (its UUID is a valid id)
//	container                   Spec.Container
//	action                      Spec.Action (start, stop, restart)
//	cycle                       Schedule.Kind (once, daily, weekly, monthly, yearly, cron)
//	schedule_details.time       Schedule.Time ("HH:MM")
//	schedule_details.day        once/yearly/monthly: Schedule.Day (yearly and
//	                            once with month and year); weekly: a weekday
//	                            name or 0-6 (Monday = 0) → Schedule.Weekdays
//	schedule_details.month      Schedule.Month (yearly); with day and year → Schedule.Date (once)
//	schedule_details.year       once: part of Schedule.Date; yearly: not kept
//	                            (DockerDiscordControl stores the creation year)
//	schedule_details.cron_string Schedule.Cron
//	weekday (top level, 0-6)    Schedule.Weekdays when day is missing
//	is_active                   Spec.Paused = !is_active
//	_timezone_str / timezone_str Spec.Timezone (its default was Europe/Berlin)
//	_description / description  Spec.Note
//	_created_by / created_by    Task.CreatedBy
//	created_at                  Task.CreatedAt
//	_last_run_ts, last_run_success, last_run_error
//	                            one Record.History entry (Due and Started = the
//	                            last run, Result ok or failed, Error)
//	_next_run_ts, status        not kept: recomputed (Record.Handled zero)
//	target_is_group             not mappable: DDC has no container groups
//	schedule_details.options    not mappable (player-count gate)
//
// A once task whose time has passed imports as done (it does not run).
//
// Like every plugin it must never import host/, config, internal/, gin or
// discordgo, nor another plugin beyond its api package (it drives containers
// through plugins/containers/api).
package scheduler

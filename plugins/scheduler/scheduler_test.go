package scheduler_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ddc-go/ddc/internal/testkit/wait"
	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
)

// TestRunsOnTheClock drives tasks through days that test the rules, on a
// fake clock: summer time starting and ending in Europe/Berlin and
// America/New_York, January 31 into February, February 29. Every run is
// a real call of the containers action, at the time it was due.
func TestRunsOnTheClock(t *testing.T) {
	tests := []struct {
		name     string
		spec     api.Spec
		from, to string // UTC
		want     []string
	}{
		{"Berlin spring forward: 02:30 runs once at 03:00 CEST", daily("web", "02:30", "Europe/Berlin"),
			"2024-03-30 12:00", "2024-04-01 12:00", []string{"2024-03-31 01:00", "2024-04-01 00:30"}},
		{"Berlin fall back: 02:30 runs once", daily("web", "02:30", "Europe/Berlin"),
			"2024-10-26 12:00", "2024-10-28 12:00", []string{"2024-10-27 00:30", "2024-10-28 01:30"}},
		{"New York spring forward: 02:30 runs once at 03:00 EDT", daily("web", "02:30", "America/New_York"),
			"2024-03-09 12:00", "2024-03-11 12:00", []string{"2024-03-10 07:00", "2024-03-11 06:30"}},
		{"New York fall back: 01:30 runs once", daily("web", "01:30", "America/New_York"),
			"2024-11-02 12:00", "2024-11-04 12:00", []string{"2024-11-03 05:30", "2024-11-04 06:30"}},
		{"Berlin fall back, cron every 30 minutes through the repeated hour",
			api.Spec{Container: "web", Action: api.OpStop, Timezone: "Europe/Berlin", Schedule: api.Schedule{Kind: api.KindCron, Cron: "*/30 1-3 * * *"}},
			"2024-10-26 22:00", "2024-10-27 03:00", []string{"2024-10-26 23:00", "2024-10-26 23:30", "2024-10-27 00:00", "2024-10-27 00:30", "2024-10-27 02:00", "2024-10-27 02:30"}},
		{"monthly on the 31st: January 31, then February 29",
			api.Spec{Container: "web", Action: api.OpStart, Timezone: "Europe/Berlin", Schedule: api.Schedule{Kind: api.KindMonthly, Day: 31, Time: "04:00"}},
			"2024-01-30 12:00", "2024-04-01 00:00", []string{"2024-01-31 03:00", "2024-02-29 03:00", "2024-03-31 02:00"}},
		{"yearly on February 29: February 28 in other years",
			api.Spec{Container: "web", Action: api.OpRestart, Timezone: "UTC", Schedule: api.Schedule{Kind: api.KindYearly, Month: 2, Day: 29, Time: "10:00"}},
			"2023-12-01 00:00", "2028-03-01 00:00", []string{"2024-02-29 10:00", "2025-02-28 10:00", "2026-02-28 10:00", "2027-02-28 10:00", "2028-02-29 10:00"}},
		{"once", api.Spec{Container: "db", Action: api.OpStop, Timezone: "Europe/Berlin", Schedule: api.Schedule{Kind: api.KindOnce, Date: "2024-07-01", Time: "12:00"}},
			"2024-06-30 00:00", "2024-07-10 00:00", []string{"2024-07-01 10:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := start(t, newClock(at(tt.from)), options{})
			res := e.mustCreate(tt.spec)
			e.step(at(tt.to))
			got := times(e.ctrs.Calls())
			if !slices.Equal(got, tt.want) {
				t.Errorf("runs = %v, want %v", got, tt.want)
			}
			for _, c := range e.ctrs.Calls() {
				if c.Container != tt.spec.Container || c.Action != "containers."+string(tt.spec.Action) {
					t.Errorf("call %+v, want containers.%s of %s", c, tt.spec.Action, tt.spec.Container)
				}
			}
			g := e.get(res.Task.ID)
			if len(g.History) != len(tt.want) {
				t.Fatalf("history has %d runs, want %d: %+v", len(g.History), len(tt.want), g.History)
			}
			for i, r := range g.History {
				if r.Result != api.ResultOK || !r.Due.Equal(r.Started) {
					t.Errorf("history[%d] = %+v, want ok, started when due", i, r)
				}
			}
		})
	}
}

// TestHostStop: DDC stopped for 30 minutes across a run. A run due
// within the grace period of the restart runs once, late; an older one is
// recorded as missed, and the task goes on with its next run either way.
func TestHostStop(t *testing.T) {
	tests := []struct {
		name       string
		stop, back string
		grace      string
		wantRun    bool
		wantDue    string
	}{
		{"back within the grace period", "2024-05-10 09:31", "2024-05-10 10:01", "", true, "2024-05-10 10:00"},
		{"back after the grace period", "2024-05-10 09:58", "2024-05-10 10:28", "", false, "2024-05-10 10:00"},
		{"back within a longer grace period", "2024-05-10 09:58", "2024-05-10 10:28", "30m", true, "2024-05-10 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newClock(at("2024-05-10 08:00"))
			settings := map[string]any{"timezone": "Europe/Berlin"}
			if tt.grace != "" {
				settings["grace"] = tt.grace
			}
			var kv map[string][]byte
			var id string
			t.Run("before the stop", func(t *testing.T) {
				e := start(t, clock, options{settings: settings})
				id = e.mustCreate(daily("web", "12:00", "")).Task.ID // 10:00 UTC
				e.step(at(tt.stop))
				if n := len(e.ctrs.Calls()); n != 0 {
					t.Fatalf("%d runs before the stop", n)
				}
				kv = e.dump()
			})
			clock.Set(at(tt.back))
			e := start(t, clock, options{settings: settings, kv: kv})
			g := e.get(id)
			if len(g.History) != 1 {
				t.Fatalf("history %+v, want one entry", g.History)
			}
			h := g.History[0]
			calls := e.ctrs.Calls()
			if tt.wantRun {
				if len(calls) != 1 || !calls[0].At.Equal(at(tt.back)) || h.Result != api.ResultOK || !h.Due.Equal(at(tt.wantDue)) || !h.Started.Equal(at(tt.back)) {
					t.Errorf("calls %v, history %+v; want one run at %s for the run due %s", times(calls), h, tt.back, tt.wantDue)
				}
			} else {
				if len(calls) != 0 || h.Result != api.ResultMissed || !h.Due.Equal(at(tt.wantDue)) || h.Missed != 1 {
					t.Errorf("calls %v, history %+v; want no run and the run due %s missed", times(calls), h, tt.wantDue)
				}
			}
			if want := at("2024-05-11 10:00"); !g.Task.Next.Equal(want) {
				t.Errorf("next run %s, want %s", g.Task.Next, want)
			}
			// It goes on.
			e.step(at("2024-05-11 12:00"))
			if n := len(e.ctrs.Calls()); n != len(calls)+1 {
				t.Errorf("%d runs after the next day, want %d", n, len(calls)+1)
			}
		})
	}
}

// TestDownForDays: a task every 15 minutes, DDC down for three days: one
// missed entry counts them all; the run in the grace period runs.
func TestDownForDays(t *testing.T) {
	clock := newClock(at("2024-05-10 08:00"))
	var kv map[string][]byte
	var id string
	t.Run("before", func(t *testing.T) {
		e := start(t, clock, options{})
		id = e.mustCreate(api.Spec{Container: "web", Action: api.OpRestart, Timezone: "UTC", Schedule: api.Schedule{Kind: api.KindCron, Cron: "*/15 * * * *"}}).Task.ID
		kv = e.dump()
	})
	clock.Set(at("2024-05-13 08:02"))
	e := start(t, clock, options{kv: kv})
	g := e.get(id)
	if len(g.History) != 2 {
		t.Fatalf("history %+v, want a run and a missed entry", g.History)
	}
	ran, missed := g.History[0], g.History[1]
	// 08:15 on the 10th up to 07:45 on the 13th: 3*96 - 1 runs.
	if ran.Result != api.ResultOK || !ran.Due.Equal(at("2024-05-13 08:00")) ||
		missed.Result != api.ResultMissed || missed.Missed != 3*96-1 || !missed.Due.Equal(at("2024-05-10 08:15")) || !missed.Until.Equal(at("2024-05-13 07:45")) {
		t.Errorf("history %+v, want the 08:00 run and 287 missed from 08:15 on the 10th to 07:45 on the 13th", g.History)
	}
	if !g.Task.Next.Equal(at("2024-05-13 08:15")) {
		t.Errorf("next %s, want 08:15", g.Task.Next)
	}
}

// TestClockJumps: the wall clock jumps while DDC runs. Forward past a run
// by more than the grace period: missed; within it: run late. Back by an
// hour: a run made is not made again. Back by days: the task goes on from
// the new now instead of waiting for days.
func TestClockJumps(t *testing.T) {
	clock := newClock(at("2024-05-10 09:00"))
	e := start(t, clock, options{})
	id := e.mustCreate(daily("web", "10:00", "UTC")).Task.ID

	e.set(at("2024-05-10 11:00")) // an hour past the run
	g := e.get(id)
	if len(e.ctrs.Calls()) != 0 || len(g.History) != 1 || g.History[0].Result != api.ResultMissed || !g.Task.Next.Equal(at("2024-05-11 10:00")) {
		t.Fatalf("after a jump past the run: calls %v, history %+v, next %s; want it missed and next tomorrow", times(e.ctrs.Calls()), g.History, g.Task.Next)
	}

	e.set(at("2024-05-11 09:59"))
	e.set(at("2024-05-11 10:03")) // a small jump over the run
	if got := times(e.ctrs.Calls()); !slices.Equal(got, []string{"2024-05-11 10:03"}) {
		t.Fatalf("after a jump within the grace period: runs %v, want one at 10:03", got)
	}

	e.set(at("2024-05-11 09:30")) // set back by half an hour
	e.step(at("2024-05-11 10:30"))
	if n := len(e.ctrs.Calls()); n != 1 {
		t.Fatalf("the clock set back half an hour: %d runs, want the one already made only", n)
	}

	e.set(at("2024-05-08 10:30")) // set back by three days
	e.step(at("2024-05-09 10:30"))
	if got := times(e.ctrs.Calls()); !slices.Equal(got, []string{"2024-05-11 10:03", "2024-05-09 10:00"}) {
		t.Errorf("the clock set back three days: runs %v, want the task to go on from the new now", got)
	}
}

// TestPersistence: tasks of every kind, paused or not, with history,
// survive a restart of the plugin unchanged.
func TestPersistence(t *testing.T) {
	clock := newClock(at("2024-05-10 09:00"))
	specs := []api.Spec{
		daily("web", "10:00", "Europe/Berlin"),
		{Container: "db", Action: api.OpStop, Timezone: "America/New_York", Note: "before backups", Schedule: api.Schedule{Kind: api.KindWeekly, Weekdays: []string{"mon-fri"}, Time: "23:30"}},
		{Container: "cache", Action: api.OpStart, Timezone: "UTC", Paused: true, Schedule: api.Schedule{Kind: api.KindMonthly, Day: api.LastDay, Time: "01:00"}},
		{Container: "app1", Action: api.OpRestart, Timezone: "Asia/Tokyo", Schedule: api.Schedule{Kind: api.KindYearly, Month: 12, Day: 24, Time: "18:00"}},
		{Container: "app2", Action: api.OpRestart, Timezone: "UTC", Schedule: api.Schedule{Kind: api.KindCron, Cron: "0 */6 * * *"}},
		{Container: "app3", Action: api.OpStart, Timezone: "UTC", Schedule: api.Schedule{Kind: api.KindOnce, Date: "2024-12-31", Time: "23:59"}},
	}
	var before api.ListResult
	var history api.GetResult
	var kv map[string][]byte
	t.Run("before", func(t *testing.T) {
		e := start(t, clock, options{})
		for _, s := range specs {
			e.mustCreate(s)
		}
		e.step(at("2024-05-10 12:30")) // web and app2 run
		var err error
		if before, err = invoke[api.ListResult](e, api.ActionList, api.ListArgs{}); err != nil {
			t.Fatal(err)
		}
		history = e.get(before.Tasks[0].ID)
		kv = e.dump()
	})
	e := start(t, clock, options{kv: kv})
	after, err := invoke[api.ListResult](e, api.ActionList, api.ListArgs{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Tasks) != len(specs) {
		t.Fatalf("%d tasks after the restart, want %d", len(after.Tasks), len(specs))
	}
	for i := range after.Tasks {
		a, b := after.Tasks[i], before.Tasks[i]
		a.LastRun, b.LastRun = nil, nil
		if !equalJSON(t, a, b) {
			t.Errorf("task after the restart %+v, before %+v", a, b)
		}
	}
	if h := e.get(history.Task.ID); !equalJSON(t, h.History, history.History) || len(h.History) == 0 {
		t.Errorf("history after the restart %+v, before %+v", h.History, history.History)
	}
}

// TestConcurrency: at most max_concurrent runs at once; the rest wait
// their turn and all run.
func TestConcurrency(t *testing.T) {
	clock := newClock(at("2024-05-10 09:00"))
	e := start(t, clock, options{settings: map[string]any{"max_concurrent": 2, "min_gap": "0s"}})
	for _, c := range []string{"web", "db", "cache", "app1", "app2"} {
		e.mustCreate(daily(c, "10:00", "UTC"))
	}
	gate := make(chan struct{})
	e.ctrs.mu.Lock()
	e.ctrs.gate = gate
	e.ctrs.mu.Unlock()
	clock.Set(at("2024-05-10 10:00"))
	wait.For(t, settle, "two runs going and three waiting", func() bool {
		running, waiting := e.p.Load()
		e.ctrs.mu.Lock()
		defer e.ctrs.mu.Unlock()
		return running == 2 && waiting == 3 && e.ctrs.inflight == 2
	})
	close(gate)
	e.settle()
	if n := len(e.ctrs.Calls()); n != 5 {
		t.Errorf("%d runs, want 5", n)
	}
	if e.ctrs.maxInflight != 2 {
		t.Errorf("%d runs went at once, want at most 2", e.ctrs.maxInflight)
	}
}

// TestFailureReported: a failed run is in the history with its error,
// audited, and posted to the failure channel in the host's language; so
// is a missed one.
func TestFailureReported(t *testing.T) {
	const channel = "300000000000000077"
	clock := newClock(at("2024-05-10 09:00"))
	e := start(t, clock, options{locale: "de", settings: map[string]any{"failure_channel": channel}})
	e.ctrs.fail["db"] = sdk.Errorf("db is protected: %w", sdk.ErrPermission)
	id := e.mustCreate(daily("db", "10:00", "UTC")).Task.ID
	e.step(at("2024-05-10 10:00"))
	g := e.get(id)
	if len(g.History) != 1 || g.History[0].Result != api.ResultFailed || !strings.HasPrefix(g.History[0].Error, "db is protected") {
		t.Fatalf("history %+v, want one failed run with the containers plugin's message", g.History)
	}
	wait.For(t, settle, "the failure posted", func() bool { return len(e.h.Host.Sent()) == 1 })
	m := e.h.Host.Sent()[0]
	if m.ChannelID != channel || len(m.Message.Embeds) != 1 || !strings.Contains(m.Message.Embeds[0].Title, "fehlgeschlagen") ||
		!strings.Contains(m.Message.Embeds[0].Title, "db") || !strings.Contains(m.Message.Embeds[0].Description, "db is protected") {
		t.Errorf("posted %+v, want a German failure report for db in %s", m, channel)
	}
	e.set(at("2024-05-11 11:00")) // the next run, missed
	wait.For(t, settle, "the missed run posted", func() bool { return len(e.h.Host.Sent()) == 2 })
	if m := e.h.Host.Sent()[1]; !strings.Contains(m.Message.Embeds[0].Title, "verpasst") {
		t.Errorf("posted %+v, want a German report of the missed run", m)
	}
	wait.For(t, settle, "the runs audited", func() bool {
		var results []string
		for _, a := range e.h.Host.Audits() {
			if a.Action == "scheduler.run" && a.Target == "db" {
				results = append(results, a.Result)
			}
		}
		return slices.Equal(results, []string{"failed", "missed"})
	})
}

// TestBadInput: bad input is refused with the field named and nothing is
// saved.
func TestBadInput(t *testing.T) {
	clock := newClock(at("2024-05-10 09:00"))
	e := start(t, clock, options{})
	tests := []struct {
		name string
		spec api.Spec
		want string
	}{
		{"invalid cron", api.Spec{Container: "web", Action: api.OpRestart, Schedule: api.Schedule{Kind: api.KindCron, Cron: "0 25 * * *"}}, "schedule.cron: not a cron expression"},
		{"unknown time zone", api.Spec{Container: "web", Action: api.OpRestart, Timezone: "Europe/Atlantis", Schedule: api.Schedule{Kind: api.KindDaily, Time: "04:00"}}, `timezone: unknown time zone Europe/Atlantis`},
		{"past date for once", api.Spec{Container: "web", Action: api.OpRestart, Timezone: "UTC", Schedule: api.Schedule{Kind: api.KindOnce, Date: "2024-05-09", Time: "04:00"}}, "schedule.date: 2024-05-09 04:00 is in the past"},
		{"unknown container", api.Spec{Container: "ghost", Action: api.OpRestart, Schedule: api.Schedule{Kind: api.KindDaily, Time: "04:00"}}, "container: there is no container ghost"},
		{"two problems", api.Spec{Container: "web", Action: "reboot", Schedule: api.Schedule{Kind: api.KindWeekly, Time: "4pm", Weekdays: []string{"mon"}}}, "action: must be start, stop or restart, got reboot; schedule.time: must be a time of day"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := invoke[api.TaskResult](e, api.ActionCreate, tt.spec)
			if err == nil || !errors.Is(err, sdk.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("create %+v: %v, want an invalid-input error with %q", tt.spec, err, tt.want)
			}
		})
	}
	if _, err := e.h.Invoke(context.Background(), api.ActionCreate, map[string]any{"container": "web", "colour": "red"}); err == nil || !strings.Contains(err.Error(), `unknown field "colour"`) {
		t.Errorf("create with an unknown field: %v, want it named", err)
	}
	if kv := e.dump(); len(kv) != 0 {
		t.Errorf("KV holds %d keys after refused input, want none", len(kv))
	}
	// Updates are checked the same way and change nothing.
	id := e.mustCreate(daily("web", "04:00", "UTC")).Task.ID
	before := e.dump()
	_, err := invoke[api.TaskResult](e, api.ActionUpdate, api.UpdateArgs{ID: id, Spec: daily("web", "25:00", "UTC")})
	if err == nil || !strings.Contains(err.Error(), "schedule.time") {
		t.Errorf("update with a bad time: %v", err)
	}
	if !equalJSON(t, e.dump(), before) {
		t.Error("a refused update changed the KV")
	}
	if _, err := invoke[api.TaskResult](e, api.ActionDelete, api.IDArgs{ID: "nosuchid"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("delete of an unknown task: %v, want not found", err)
	}
}

// TestContainerChecks: a container on an unreachable endpoint, or a
// containers plugin that does not answer, saves the task with a warning;
// tasks of one container close together get a warning.
func TestContainerChecks(t *testing.T) {
	clock := newClock(at("2024-05-10 09:00"))
	ctrs := newContainers(clock, "web")
	ctrs.endpoints = append(ctrs.endpoints, capi.EndpointStatus{Endpoint: "nas", Reachable: false, Error: "connection refused"})
	e := start(t, clock, options{ctrs: ctrs})

	res := e.mustCreate(daily("nas/plex", "04:00", "UTC"))
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "nas is unreachable") {
		t.Errorf("task on an unreachable endpoint: warnings %v", res.Warnings)
	}
	first := e.mustCreate(daily("web", "04:00", "Europe/Berlin"))
	if len(first.Warnings) != 0 {
		t.Errorf("first task of web: warnings %v, want none", first.Warnings)
	}
	res = e.mustCreate(daily("web", "02:05", "UTC")) // 04:05 in Berlin in May
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], first.Task.ID) || !strings.Contains(res.Warnings[0], "5 min") {
		t.Errorf("a task 5 minutes from another: warnings %v, want one naming %s", res.Warnings, first.Task.ID)
	}
	res = e.mustCreate(daily("web", "02:30", "UTC"))
	if len(res.Warnings) != 0 {
		t.Errorf("a task 25 minutes from the others: warnings %v, want none", res.Warnings)
	}
}

// TestPermission: a Discord user below the control level may list but not
// change tasks through the actions.
func TestPermission(t *testing.T) {
	e := start(t, newClock(at("2024-05-10 09:00")), options{})
	in := interaction(sdk.LevelView, "en-US")
	raw := []byte(`{"container":"web","action":"restart","schedule":{"kind":"daily","time":"04:00"}}`)
	_, err := e.h.Client.Invoke(context.Background(), &sdk.InvokeRequest{Action: api.ActionCreate, Args: raw, Caller: "host", Interaction: &in})
	if !errors.Is(err, sdk.ErrPermission) {
		t.Errorf("create by a viewer: %v, want permission denied", err)
	}
	if _, err := e.h.Client.Invoke(context.Background(), &sdk.InvokeRequest{Action: api.ActionList, Caller: "host", Interaction: &in}); err != nil {
		t.Errorf("list by a viewer: %v", err)
	}
}

// TestNextRuns: scheduler.next lists the soonest runs of all tasks.
func TestNextRuns(t *testing.T) {
	e := start(t, newClock(at("2024-05-10 09:00")), options{settings: map[string]any{"min_gap": "0s"}})
	a := e.mustCreate(daily("web", "10:00", "UTC")).Task.ID
	b := e.mustCreate(api.Spec{Container: "db", Action: api.OpStop, Timezone: "UTC", Schedule: api.Schedule{Kind: api.KindCron, Cron: "30 9-11 * * *"}}).Task.ID
	e.mustCreate(api.Spec{Container: "cache", Action: api.OpStop, Timezone: "UTC", Paused: true, Schedule: api.Schedule{Kind: api.KindCron, Cron: "* * * * *"}})
	res, err := invoke[api.NextResult](e, api.ActionNext, api.NextArgs{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Runs {
		got = append(got, r.TaskID+" "+r.At.UTC().Format("15:04"))
	}
	want := []string{b + " 09:30", a + " 10:00", b + " 10:30", b + " 11:30", b + " 09:30"}
	want[4] = a + " 10:00"
	if len(got) != 5 || got[0] != b+" 09:30" || got[1] != a+" 10:00" || got[2] != b+" 10:30" || got[3] != b+" 11:30" {
		t.Errorf("next runs %v, want %v (then tomorrow's first)", got, want[:4])
	}
}

// TestBrokenRecords: stored values the plugin cannot use are kept as they
// are, shown and reported; the good tasks run.
func TestBrokenRecords(t *testing.T) {
	clock := newClock(at("2024-05-10 09:00"))
	good := api.Record{Version: 1, Task: api.Task{ID: "good0001", Spec: daily("web", "10:00", "UTC")}}
	lost := api.Record{Version: 1, Task: api.Task{ID: "lostzone", Spec: daily("db", "10:00", "Mars/Olympus")}}
	kv := map[string][]byte{
		api.KeyPrefix + "good0001": mustJSON(t, good),
		api.KeyPrefix + "lostzone": mustJSON(t, lost),
		api.KeyPrefix + "garbage1": []byte("not json"),
		api.KeyPrefix + "wrongkey": mustJSON(t, good),
		api.KeyPrefix + "bad id!":  mustJSON(t, good),
	}
	e := start(t, clock, options{kv: kv})
	l, err := invoke[api.ListResult](e, api.ActionList, api.ListArgs{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Tasks) != 2 || l.Tasks[0].ID != "good0001" || l.Tasks[1].ID != "lostzone" || !strings.Contains(l.Tasks[1].Error, "Mars/Olympus") {
		t.Fatalf("tasks %+v, want the good one and the broken one with its error", l.Tasks)
	}
	err = e.p.CheckHealth(context.Background())
	if err == nil || !strings.Contains(err.Error(), "lostzone") || !strings.Contains(err.Error(), "garbage1") || !strings.Contains(err.Error(), "wrongkey") || !strings.Contains(err.Error(), "bad id!") {
		t.Errorf("health %v, want the three bad records named", err)
	}
	e.step(at("2024-05-10 11:00"))
	if got := e.ctrs.Calls(); len(got) != 1 || got[0].Container != "web" {
		t.Errorf("runs %+v, want only the good task's", got)
	}
	after := e.dump()
	for _, k := range []string{"garbage1", "wrongkey", "lostzone", "bad id!"} {
		if string(after[api.KeyPrefix+k]) != string(kv[api.KeyPrefix+k]) {
			t.Errorf("stored value %s changed to %s", k, after[api.KeyPrefix+k])
		}
	}
}

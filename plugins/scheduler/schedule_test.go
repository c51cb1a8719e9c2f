package scheduler

import (
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/plugins/scheduler/api"
)

// compileT checks and compiles a schedule in zone, failing the test on a
// problem.
func compileT(t testing.TB, sc api.Schedule, zone string, now time.Time) *schedule {
	t.Helper()
	var z zones
	_, s, ps := checkSpec(api.Spec{Container: "web", Action: api.OpRestart, Schedule: sc, Timezone: zone}, "UTC", &z, now)
	if len(ps) > 0 {
		t.Fatalf("checkSpec(%+v in %s) = %v", sc, zone, invalid(catalog().Lang(), ps))
	}
	return s
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestNext walks schedules through the days the rules are about: summer
// time starting and ending in Europe/Berlin and America/New_York, month
// ends, leap days. Times are UTC: Berlin is UTC+1 in winter, +2 in summer;
// New York UTC-5 in winter, -4 in summer.
func TestNext(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		sc    api.Schedule
		after string // UTC
		want  []string
	}{
		{"Berlin spring forward: 02:30 runs once, at 03:00 CEST", "Europe/Berlin", api.Schedule{Kind: api.KindDaily, Time: "02:30"},
			"2024-03-30 12:00", []string{"2024-03-31 01:00", "2024-04-01 00:30"}},
		{"Berlin fall back: 02:30 runs once, in summer time", "Europe/Berlin", api.Schedule{Kind: api.KindDaily, Time: "02:30"},
			"2024-10-26 12:00", []string{"2024-10-27 00:30", "2024-10-28 01:30"}},
		{"Berlin 03:00 on the spring day exists", "Europe/Berlin", api.Schedule{Kind: api.KindDaily, Time: "03:00"},
			"2024-03-30 12:00", []string{"2024-03-31 01:00", "2024-04-01 01:00"}},
		{"New York spring forward: 02:30 runs at 03:00 EDT", "America/New_York", api.Schedule{Kind: api.KindDaily, Time: "02:30"},
			"2024-03-09 12:00", []string{"2024-03-10 07:00", "2024-03-11 06:30"}},
		{"New York fall back: 01:30 runs once, in summer time", "America/New_York", api.Schedule{Kind: api.KindDaily, Time: "01:30"},
			"2024-11-02 12:00", []string{"2024-11-03 05:30", "2024-11-04 06:30"}},
		{"cron every 15 minutes in the skipped hour runs once at 03:00", "Europe/Berlin", api.Schedule{Kind: api.KindCron, Cron: "*/15 2 * * *"},
			"2024-03-30 12:00", []string{"2024-03-31 01:00", "2024-04-01 00:00", "2024-04-01 00:15"}},
		{"cron in the repeated hour runs each time once", "Europe/Berlin", api.Schedule{Kind: api.KindCron, Cron: "0,30 1-3 27 10 *"},
			"2024-10-26 12:00", []string{"2024-10-26 23:00", "2024-10-26 23:30", "2024-10-27 00:00", "2024-10-27 00:30", "2024-10-27 02:00", "2024-10-27 02:30"}},
		{"New York cron in the repeated hour", "America/New_York", api.Schedule{Kind: api.KindCron, Cron: "30 * 3 11 *"},
			"2024-11-03 03:00", []string{"2024-11-03 04:30", "2024-11-03 05:30", "2024-11-03 07:30"}},
		{"monthly on the 31st: January 31, then February's last day", "UTC", api.Schedule{Kind: api.KindMonthly, Day: 31, Time: "04:00"},
			"2024-01-30 00:00", []string{"2024-01-31 04:00", "2024-02-29 04:00", "2024-03-31 04:00", "2024-04-30 04:00"}},
		{"monthly on the 30th in a common year", "UTC", api.Schedule{Kind: api.KindMonthly, Day: 30, Time: "04:00"},
			"2023-01-31 00:00", []string{"2023-02-28 04:00", "2023-03-30 04:00"}},
		{"monthly on the last day", "Europe/Berlin", api.Schedule{Kind: api.KindMonthly, Day: api.LastDay, Time: "23:59"},
			"2023-01-31 23:00", []string{"2023-02-28 22:59", "2023-03-31 21:59", "2023-04-30 21:59"}},
		{"yearly on February 29: February 28 in other years", "UTC", api.Schedule{Kind: api.KindYearly, Month: 2, Day: 29, Time: "10:00"},
			"2024-01-01 00:00", []string{"2024-02-29 10:00", "2025-02-28 10:00", "2026-02-28 10:00", "2027-02-28 10:00", "2028-02-29 10:00"}},
		{"yearly on the last day of February", "UTC", api.Schedule{Kind: api.KindYearly, Month: 2, Day: api.LastDay, Time: "10:00"},
			"2023-03-01 00:00", []string{"2024-02-29 10:00", "2025-02-28 10:00"}},
		{"weekly on Monday and Friday", "UTC", api.Schedule{Kind: api.KindWeekly, Weekdays: []string{"mon", "fri"}, Time: "06:00"},
			"2024-05-01 00:00", []string{"2024-05-03 06:00", "2024-05-06 06:00", "2024-05-10 06:00"}},
		{"weekly across the spring day", "Europe/Berlin", api.Schedule{Kind: api.KindWeekly, Weekdays: []string{"sun"}, Time: "02:15"},
			"2024-03-25 00:00", []string{"2024-03-31 01:00", "2024-04-07 00:15"}},
		{"once", "Europe/Berlin", api.Schedule{Kind: api.KindOnce, Date: "2024-07-01", Time: "12:00"},
			"2024-06-01 00:00", []string{"2024-07-01 10:00"}},
		{"cron day of month or weekday (crontab's rule)", "UTC", api.Schedule{Kind: api.KindCron, Cron: "0 12 13 * fri"},
			"2024-09-01 00:00", []string{"2024-09-06 12:00", "2024-09-13 12:00", "2024-09-20 12:00"}},
		{"cron @monthly", "UTC", api.Schedule{Kind: api.KindCron, Cron: "@monthly"},
			"2024-01-15 00:00", []string{"2024-02-01 00:00", "2024-03-01 00:00"}},
		{"cron on February 29 only", "UTC", api.Schedule{Kind: api.KindCron, Cron: "0 0 29 2 *"},
			"2024-03-01 00:00", []string{"2028-02-29 00:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := utc(tt.after)
			s := compileT(t, tt.sc, tt.zone, after)
			got := s.occurrences(after, after.AddDate(5, 0, 0), len(tt.want))
			var gs []string
			for _, g := range got {
				gs = append(gs, g.UTC().Format("2006-01-02 15:04"))
			}
			if strings.Join(gs, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("runs of %+v in %s after %s = %v, want %v", tt.sc, tt.zone, tt.after, gs, tt.want)
			}
			// The same instant seen from other zones (the host's zone)
			// gives the same runs.
			for _, z := range []string{"Asia/Tokyo", "America/Los_Angeles", "UTC"} {
				loc, _ := time.LoadLocation(z)
				if n := s.next(after.In(loc)); !n.Equal(got[0]) {
					t.Errorf("next after %s seen in %s = %s, want %s", tt.after, z, n.UTC(), got[0].UTC())
				}
			}
		})
	}
}

// TestResolve checks the instant of a wall-clock time around zone changes.
func TestResolve(t *testing.T) {
	tests := []struct {
		zone       string
		day        date
		hh, mm     int
		want       string // UTC
		wantOffset int    // hours
	}{
		{"Europe/Berlin", date{2024, 3, 31}, 2, 0, "2024-03-31 01:00", 2},
		{"Europe/Berlin", date{2024, 3, 31}, 2, 59, "2024-03-31 01:00", 2},
		{"Europe/Berlin", date{2024, 3, 31}, 1, 59, "2024-03-31 00:59", 1},
		{"Europe/Berlin", date{2024, 10, 27}, 2, 0, "2024-10-27 00:00", 2},
		{"Europe/Berlin", date{2024, 10, 27}, 2, 59, "2024-10-27 00:59", 2},
		{"Europe/Berlin", date{2024, 10, 27}, 3, 0, "2024-10-27 02:00", 1},
		{"America/New_York", date{2024, 3, 10}, 2, 30, "2024-03-10 07:00", -4},
		{"America/New_York", date{2024, 11, 3}, 1, 0, "2024-11-03 05:00", -4},
		{"America/New_York", date{2024, 11, 3}, 2, 0, "2024-11-03 07:00", -5},
		{"Australia/Lord_Howe", date{2024, 4, 7}, 1, 45, "2024-04-06 14:45", 11}, // a half-hour change
		{"UTC", date{2024, 2, 29}, 0, 0, "2024-02-29 00:00", 0},
	}
	for _, tt := range tests {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Fatal(err)
		}
		got := resolve(tt.day, tt.hh, tt.mm, loc)
		_, off := got.Zone()
		if got.UTC().Format("2006-01-02 15:04") != tt.want || off != tt.wantOffset*3600 {
			t.Errorf("resolve(%v %02d:%02d, %s) = %s (offset %d s), want %s UTC (offset %d h)", tt.day, tt.hh, tt.mm, tt.zone, got.UTC(), off, tt.want, tt.wantOffset)
		}
	}
}

// TestCheckSpec: bad input is refused with the field named; good input is
// stored in canonical form.
func TestCheckSpec(t *testing.T) {
	now := utc("2024-06-15 10:00")
	base := func(sc api.Schedule) api.Spec {
		return api.Spec{Container: "web", Action: api.OpRestart, Schedule: sc, Timezone: "Europe/Berlin"}
	}
	tests := []struct {
		name  string
		in    api.Spec
		field string // "" when valid
		text  string // in the problem's English text
	}{
		{"valid daily", base(api.Schedule{Kind: api.KindDaily, Time: "4:05"}), "", ""},
		{"invalid cron", base(api.Schedule{Kind: api.KindCron, Cron: "61 * * * *"}), "schedule.cron", "not a cron expression"},
		{"cron with too few fields", base(api.Schedule{Kind: api.KindCron, Cron: "* *"}), "schedule.cron", "five fields"},
		{"cron @every", base(api.Schedule{Kind: api.KindCron, Cron: "@every 5m"}), "schedule.cron", "@every"},
		{"cron with its own zone", base(api.Schedule{Kind: api.KindCron, Cron: "CRON_TZ=UTC 0 4 * * *"}), "schedule.cron", "timezone field"},
		{"cron that never runs", base(api.Schedule{Kind: api.KindCron, Cron: "0 0 30 2 *"}), "schedule.cron", "no time"},
		{"unknown time zone", api.Spec{Container: "web", Action: api.OpStart, Schedule: api.Schedule{Kind: api.KindDaily, Time: "04:00"}, Timezone: "Mars/Olympus"}, "timezone", "Mars/Olympus"},
		{"Local is not a zone", api.Spec{Container: "web", Action: api.OpStart, Schedule: api.Schedule{Kind: api.KindDaily, Time: "04:00"}, Timezone: "Local"}, "timezone", "unknown time zone"},
		{"once in the past", base(api.Schedule{Kind: api.KindOnce, Date: "2024-06-14", Time: "12:00"}), "schedule.date", "in the past"},
		{"once earlier today", base(api.Schedule{Kind: api.KindOnce, Date: "2024-06-15", Time: "11:59"}), "schedule.time", "in the past"},
		{"once at the current minute", base(api.Schedule{Kind: api.KindOnce, Date: "2024-06-15", Time: "12:00"}), "", ""},
		{"once on a day that does not exist", base(api.Schedule{Kind: api.KindOnce, Date: "2025-02-29", Time: "12:00"}), "schedule.date", "YYYY-MM-DD"},
		{"bad time", base(api.Schedule{Kind: api.KindDaily, Time: "24:00"}), "schedule.time", "HH:MM"},
		{"time missing", base(api.Schedule{Kind: api.KindDaily}), "schedule.time", "needs it"},
		{"a field the kind does not use", base(api.Schedule{Kind: api.KindDaily, Time: "04:00", Weekdays: []string{"mon"}}), "schedule.weekdays", "does not use"},
		{"bad weekday", base(api.Schedule{Kind: api.KindWeekly, Time: "04:00", Weekdays: []string{"mon,funday"}}), "schedule.weekdays", "funday"},
		{"day 32", base(api.Schedule{Kind: api.KindMonthly, Time: "04:00", Day: 32}), "schedule.day", "1 to 31"},
		{"April 31", base(api.Schedule{Kind: api.KindYearly, Time: "04:00", Month: 4, Day: 31}), "schedule.day", "at most 30"},
		{"unknown kind", base(api.Schedule{Kind: "hourly"}), "schedule.kind", "hourly"},
		{"bad action", api.Spec{Container: "web", Action: "kill", Schedule: api.Schedule{Kind: api.KindDaily, Time: "04:00"}}, "action", "kill"},
		{"bad container name", api.Spec{Container: "web;rm", Action: api.OpStop, Schedule: api.Schedule{Kind: api.KindDaily, Time: "04:00"}}, "container", "not allowed"},
		{"note too long", api.Spec{Container: "web", Action: api.OpStop, Schedule: api.Schedule{Kind: api.KindDaily, Time: "04:00"}, Note: strings.Repeat("x", 501)}, "note", "at most 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var z zones
			_, _, ps := checkSpec(tt.in, "UTC", &z, now)
			if tt.field == "" {
				if len(ps) > 0 {
					t.Fatalf("checkSpec(%+v) = %v, want no problem", tt.in, invalid(catalog().Lang(), ps))
				}
				return
			}
			if len(ps) == 0 {
				t.Fatalf("checkSpec(%+v) found no problem, want one with %s", tt.in, tt.field)
			}
			text := invalid(catalog().Lang(), ps).Error()
			if ps[0].field != tt.field || !strings.Contains(text, tt.text) {
				t.Errorf("checkSpec(%+v) = %q (field %s), want field %s and %q", tt.in, text, ps[0].field, tt.field, tt.text)
			}
		})
	}
}

// TestCanonical: input is stored in one form.
func TestCanonical(t *testing.T) {
	var z zones
	in := api.Spec{Container: " local/web ", Action: "Restart", Timezone: "europe/berlin",
		Schedule: api.Schedule{Kind: "WEEKLY", Time: "4:05", Weekdays: []string{"fri-mon", "Mittwoch"}}}
	got, _, ps := checkSpec(in, "UTC", &z, utc("2024-01-01 00:00"))
	if len(ps) > 0 {
		t.Fatal(invalid(catalog().Lang(), ps))
	}
	want := "local/web restart Europe/Berlin weekly 04:05 [mon wed fri sat sun]"
	if s := strings.Join([]string{got.Container, string(got.Action), got.Timezone, string(got.Schedule.Kind), got.Schedule.Time}, " ") + " " + strings.Join([]string{"[" + strings.Join(got.Schedule.Weekdays, " ") + "]"}, ""); s != want {
		t.Errorf("checkSpec(%+v) = %q, want %q", in, s, want)
	}
}

// TestDescribe says schedules in words.
func TestDescribe(t *testing.T) {
	tests := []struct {
		lang string
		sc   api.Schedule
		want string
	}{
		{"en", api.Schedule{Kind: api.KindDaily, Time: "04:00"}, "daily at 04:00"},
		{"de", api.Schedule{Kind: api.KindDaily, Time: "04:00"}, "täglich um 04:00"},
		{"en", api.Schedule{Kind: api.KindWeekly, Time: "06:30", Weekdays: []string{"mon-fri"}}, "every Monday to Friday at 06:30"},
		{"fr", api.Schedule{Kind: api.KindWeekly, Time: "06:30", Weekdays: []string{"sat", "sun"}}, "chaque samedi et dimanche à 06:30"},
		{"en", api.Schedule{Kind: api.KindMonthly, Time: "04:00", Day: 31}, "on day 31 of every month (the last day in shorter months) at 04:00"},
		{"en", api.Schedule{Kind: api.KindMonthly, Time: "04:00", Day: api.LastDay}, "on the last day of every month at 04:00"},
		{"de", api.Schedule{Kind: api.KindYearly, Time: "10:00", Month: 2, Day: 29}, "jedes Jahr am 29. Februar (in anderen Jahren am 28. Februar) um 10:00"},
		{"en", api.Schedule{Kind: api.KindOnce, Date: "2030-12-24", Time: "18:00"}, "once on 2030-12-24 at 18:00"},
		{"de", api.Schedule{Kind: api.KindOnce, Date: "2030-12-24", Time: "18:00"}, "einmalig am 24.12.2030 um 18:00"},
		{"en", api.Schedule{Kind: api.KindCron, Cron: "*/15 8-17 * * 1-5"}, "every 15 minutes, from 08:00 to 17:59, on Monday to Friday"},
		{"en", api.Schedule{Kind: api.KindCron, Cron: "30 4 * * *"}, "every day at 04:30"},
		{"en", api.Schedule{Kind: api.KindCron, Cron: "0 4,16 1 * *"}, "at 04:00 and 16:00, on day 1 of the month"},
		{"en", api.Schedule{Kind: api.KindCron, Cron: "0 0 1 jan,jul sun"}, "at 00:00, on day 1 of the month or on Sunday, in January and July"},
		{"en", api.Schedule{Kind: api.KindCron, Cron: "* * * * *"}, "every minute"},
		{"fr", api.Schedule{Kind: api.KindCron, Cron: "5,35 */2 * 3-5 *"}, "à la minute 5 et 35 de chaque heure, toutes les 2 heures, en mars à mai"},
	}
	for _, tt := range tests {
		s := compileT(t, tt.sc, "UTC", utc("2024-01-01 00:00"))
		var z zones
		spec, _, _ := checkSpec(api.Spec{Container: "web", Action: api.OpStart, Schedule: tt.sc, Timezone: "UTC"}, "UTC", &z, utc("2024-01-01 00:00"))
		if got := describe(catalog().Lang(tt.lang), spec.Schedule, s); got != tt.want {
			t.Errorf("describe(%s, %+v) = %q, want %q", tt.lang, tt.sc, got, tt.want)
		}
	}
}

// TestCatalog: every language has every message.
func TestCatalog(t *testing.T) {
	if err := catalog().Check(); err != nil {
		t.Fatal(err)
	}
}

// TestZones: the generated zone list matches the embedded database, and
// zone names are found whatever their case.
func TestZones(t *testing.T) {
	names := zoneNames()
	if len(names) < 400 {
		t.Fatalf("zones.txt has %d names; run go generate", len(names))
	}
	for _, n := range names {
		if _, err := time.LoadLocation(n); err != nil {
			t.Errorf("zones.txt names %s, which does not load: %v", n, err)
		}
	}
	var z zones
	if _, name, err := z.load("AMERICA/new_york"); err != nil || name != "America/New_York" {
		t.Errorf(`load("AMERICA/new_york") = %q, %v`, name, err)
	}
	if got := matchZones("berl", 5); len(got) == 0 || got[0] != "Europe/Berlin" {
		t.Errorf(`matchZones("berl") = %v, want Europe/Berlin first`, got)
	}
}

// BenchmarkNext10000 computes the next run of 10,000 tasks of every kind
// in several zones, as the scheduler does when it starts.
func BenchmarkNext10000(b *testing.B) {
	zonesIn := []string{"Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo", "Australia/Sydney"}
	kinds := []api.Schedule{
		{Kind: api.KindDaily, Time: "04:00"},
		{Kind: api.KindWeekly, Time: "02:30", Weekdays: []string{"mon", "thu"}},
		{Kind: api.KindMonthly, Time: "23:15", Day: 31},
		{Kind: api.KindYearly, Time: "10:00", Month: 2, Day: 29},
		{Kind: api.KindCron, Cron: "*/15 8-17 * * 1-5"},
		{Kind: api.KindCron, Cron: "0 3 1 */3 *"},
		{Kind: api.KindOnce, Date: "2030-06-01", Time: "12:00"},
	}
	now := utc("2024-03-30 23:59")
	var scheds []*schedule
	for i := range 10_000 {
		scheds = append(scheds, compileT(b, kinds[i%len(kinds)], zonesIn[i%len(zonesIn)], now))
	}
	b.ResetTimer()
	for b.Loop() {
		for _, s := range scheds {
			if s.next(now).IsZero() {
				b.Fatal("no next run")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10_000, "ns/task")
}

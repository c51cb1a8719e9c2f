package scheduler

import (
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ddc-go/ddc/plugins/scheduler/api"
)

// date is a calendar date without a time zone.
type date struct {
	y int
	m time.Month
	d int
}

// dateOf returns t's calendar date in t's location.
func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

// add returns the date n days later.
func (d date) add(n int) date { return dateOf(time.Date(d.y, d.m, d.d+n, 0, 0, 0, 0, time.UTC)) }

// weekday returns the date's day of the week.
func (d date) weekday() time.Weekday { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Weekday() }

// daysIn returns the number of days of month m in year y.
func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// wallOf returns t's wall-clock time in its location, as seconds since
// 1970-01-01 00:00 on that wall clock.
func wallOf(t time.Time) int64 {
	_, off := t.Zone()
	return t.Unix() + int64(off)
}

// nearTransition is how close a zone change must be for a wall-clock time
// to be checked for being repeated; no zone repeats more than a day.
const nearTransition = 48 * time.Hour

// resolve returns the instant when loc's wall clock shows d at hh:mm:
//
//   - a time that exists once is that instant;
//   - a time the clock shows twice (the hour repeated when summer time
//     ends) is its first instant, so a task runs once, in summer time;
//   - a time the clock skips (the hour lost when summer time starts) is
//     the instant the clock jumps, the first valid time after it (02:30 in
//     Europe/Berlin on the spring-forward day is 03:00 summer time).
//
// Consecutive wall-clock times resolve to instants in the same order (or
// to the same instant, in a skipped hour).
func resolve(d date, hh, mm int, loc *time.Location) time.Time {
	wall := time.Date(d.y, d.m, d.d, hh, mm, 0, 0, time.UTC).Unix()
	guess := time.Date(d.y, d.m, d.d, hh, mm, 0, 0, loc)
	start, end := guess.ZoneBounds()
	exists := wallOf(guess) == wall
	if exists && (start.IsZero() || guess.Sub(start) > nearTransition) && (end.IsZero() || end.Sub(guess) > nearTransition) {
		return guess
	}
	best := time.Time{}
	if exists {
		best = guess
	}
	try := func(off int) {
		u := time.Unix(wall-int64(off), 0).In(loc)
		if wallOf(u) == wall && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if !start.IsZero() {
		_, off := start.Add(-time.Second).In(loc).Zone()
		try(off)
	}
	if !end.IsZero() {
		_, off := end.In(loc).Zone()
		try(off)
	}
	if !best.IsZero() {
		return best
	}
	// A skipped time: the zone change it falls in is the start or the end
	// of the zone period time.Date picked.
	for _, s := range []time.Time{start, end} {
		if !s.IsZero() && wallOf(s.In(loc)) > wall && wallOf(s.Add(-time.Second).In(loc)) < wall {
			return s.In(loc)
		}
	}
	return guess
}

// cronDays is how far ahead a cron schedule is searched: a schedule with
// no run in five years (the 30th of February) has none.
const cronDays = 5*366 + 1

// schedule is a compiled api.Schedule in a time zone. Its zero value is
// not useful; compile makes one.
type schedule struct {
	kind   api.Kind
	loc    *time.Location
	hh, mm int
	once   date               // once
	days   uint8              // weekly: bit i set for time.Weekday(i)
	day    int                // monthly, yearly: 1-31 or api.LastDay
	month  time.Month         // yearly
	cron   *cron.SpecSchedule // cron
}

// dayIn returns the day s runs on in month m of year y: its day, or the
// month's last day when the month is shorter or s runs on the last day.
func (s *schedule) dayIn(y int, m time.Month) int {
	n := daysIn(y, m)
	if s.day == api.LastDay || s.day > n {
		return n
	}
	return s.day
}

// next returns the first run of s strictly after after, or the zero time
// when there is none (a once task whose time has passed, a cron
// expression with no run in five years). The result does not depend on
// after's location, nor on the host's time zone.
func (s *schedule) next(after time.Time) time.Time {
	local := after.In(s.loc)
	today := dateOf(local)
	switch s.kind {
	case api.KindOnce:
		if r := resolve(s.once, s.hh, s.mm, s.loc); r.After(after) {
			return r
		}
	case api.KindDaily:
		for i := range 3 {
			if r := resolve(today.add(i), s.hh, s.mm, s.loc); r.After(after) {
				return r
			}
		}
	case api.KindWeekly:
		for i := range 9 {
			d := today.add(i)
			if s.days&(1<<d.weekday()) == 0 {
				continue
			}
			if r := resolve(d, s.hh, s.mm, s.loc); r.After(after) {
				return r
			}
		}
	case api.KindMonthly:
		for i := range 3 {
			ym := time.Date(today.y, today.m+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
			d := date{ym.Year(), ym.Month(), s.dayIn(ym.Year(), ym.Month())}
			if r := resolve(d, s.hh, s.mm, s.loc); r.After(after) {
				return r
			}
		}
	case api.KindYearly:
		for i := range 3 {
			y := today.y + i
			if r := resolve(date{y, s.month, s.dayIn(y, s.month)}, s.hh, s.mm, s.loc); r.After(after) {
				return r
			}
		}
	case api.KindCron:
		return s.nextCron(after, local, today)
	}
	return time.Time{}
}

// starBit is set in a cron field given as '*' or '?' (robfig/cron's
// convention); it decides how day of month and day of week combine.
const starBit = 1 << 63

// nextCron walks the days from today, and on each day that matches the
// hours and minutes that match, in wall-clock order, returning the first
// that resolves to an instant after after.
func (s *schedule) nextCron(after, local time.Time, today date) time.Time {
	c := s.cron
	startMin := local.Hour()*60 + local.Minute()
	for i := range cronDays {
		d := today.add(i)
		if c.Month&(1<<uint(d.m)) == 0 || !s.cronDay(d) {
			continue
		}
		h0, m0 := 0, 0
		if i == 0 {
			h0, m0 = startMin/60, startMin%60
		}
		for h := h0; h < 24; h++ {
			if c.Hour&(1<<uint(h)) == 0 {
				continue
			}
			from := 0
			if h == h0 {
				from = m0
			}
			for m := from; m < 60; m++ {
				if c.Minute&(1<<uint(m)) == 0 {
					continue
				}
				if r := resolve(d, h, m, s.loc); r.After(after) {
					return r
				}
			}
		}
	}
	return time.Time{}
}

// cronDay reports whether d matches the expression's day of month and day
// of week: both when either is '*', else either (crontab(5)'s rule).
func (s *schedule) cronDay(d date) bool {
	c := s.cron
	dom := c.Dom&(1<<uint(d.d)) != 0
	dow := c.Dow&(1<<uint(d.weekday())) != 0
	if c.Dom&starBit != 0 || c.Dow&starBit != 0 {
		return dom && dow
	}
	return dom || dow
}

// occurrences returns up to limit runs of s in (after, until], soonest
// first.
func (s *schedule) occurrences(after, until time.Time, limit int) []time.Time {
	var out []time.Time
	for t := s.next(after); !t.IsZero() && !t.After(until) && len(out) < limit; t = s.next(t) {
		out = append(out, t)
	}
	return out
}

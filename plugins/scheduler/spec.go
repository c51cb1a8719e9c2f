package scheduler

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// problem is one thing wrong with a task's input: the field, by its JSON
// path ("schedule.cron"), and a catalog message with its values.
type problem struct {
	field string
	id    string
	args  []any
}

// text says the problem in tr's language, field first.
func (p problem) text(tr i18n.Translator) string { return p.field + ": " + tr.T(p.id, p.args...) }

// invalidError is bad task input: every problem found. It matches
// sdk.ErrInvalid.
type invalidError struct {
	problems []problem
	text     string
}

func (e *invalidError) Error() string { return e.text }
func (e *invalidError) Unwrap() error { return sdk.ErrInvalid }

// invalid returns the error for problems: a UserError whose message names
// every field, wrapping an *invalidError (for the web form, which shows
// each problem at its field).
func invalid(tr i18n.Translator, problems []problem) error {
	texts := make([]string, len(problems))
	for i, p := range problems {
		texts[i] = p.text(tr)
	}
	msg := strings.Join(texts, "; ")
	return &sdk.UserError{Msg: msg, Err: &invalidError{problems: problems, text: msg}}
}

// problemsOf returns the problems err carries, if it is bad input.
func problemsOf(err error) []problem {
	var ie *invalidError
	if errors.As(err, &ie) {
		return ie.problems
	}
	return nil
}

// MaxCronLen is the longest cron expression accepted.
const maxCronLen = 200

var timeRE = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})$`)

// parseHHMM parses "HH:MM" (or "H:MM") on the 24-hour clock.
func parseHHMM(s string) (hh, mm int, ok bool) {
	m := timeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, false
	}
	hh, _ = strconv.Atoi(m[1])
	mm, _ = strconv.Atoi(m[2])
	return hh, mm, hh < 24 && mm < 60
}

// weekdayNames maps the weekday names and abbreviations accepted in
// English, German and French (and ISO numbers, 1 = Monday) to 0 = Monday
// ... 6 = Sunday.
var weekdayNames = map[string]int{
	"mon": 0, "monday": 0, "mo": 0, "montag": 0, "lun": 0, "lundi": 0, "1": 0,
	"tue": 1, "tues": 1, "tuesday": 1, "di": 1, "dienstag": 1, "mar": 1, "mardi": 1, "2": 1,
	"wed": 2, "wednesday": 2, "mi": 2, "mittwoch": 2, "mer": 2, "mercredi": 2, "3": 2,
	"thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "do": 3, "donnerstag": 3, "jeu": 3, "jeudi": 3, "4": 3,
	"fri": 4, "friday": 4, "fr": 4, "freitag": 4, "ven": 4, "vendredi": 4, "5": 4,
	"sat": 5, "saturday": 5, "sa": 5, "samstag": 5, "sonnabend": 5, "sam": 5, "samedi": 5, "6": 5,
	"sun": 6, "sunday": 6, "so": 6, "sonntag": 6, "dim": 6, "dimanche": 6, "7": 6,
}

// parseWeekdays reads weekday names, lists and ranges ("mon-fri",
// "sat, sun", "Montag bis Freitag" is not one) into a set, bit i for day
// i (0 = Monday). bad is the first word it could not read.
func parseWeekdays(words []string) (set uint8, bad string) {
	for _, w := range words {
		for _, tok := range strings.FieldsFunc(strings.ToLower(w), func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
			tok = strings.TrimSuffix(tok, ".")
			from, to, isRange := strings.Cut(tok, "-")
			a, okA := weekdayNames[from]
			if !isRange {
				if !okA {
					return 0, tok
				}
				set |= 1 << a
				continue
			}
			b, okB := weekdayNames[strings.TrimSuffix(to, ".")]
			if !okA || !okB {
				return 0, tok
			}
			for i := a; ; i = (i + 1) % 7 {
				set |= 1 << i
				if i == b {
					break
				}
			}
		}
	}
	return set, ""
}

// weekdayList returns the canonical names of set, Monday first.
func weekdayList(set uint8) []string {
	var out []string
	for i, n := range api.Weekdays() {
		if set&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// goWeekdays turns a set with bit 0 = Monday into one with bit
// time.Weekday (0 = Sunday).
func goWeekdays(set uint8) uint8 {
	var out uint8
	for i := range 7 {
		if set&(1<<i) != 0 {
			out |= 1 << ((i + 1) % 7)
		}
	}
	return out
}

// cronParser reads five-field expressions and the @ descriptors.
func cronParser() cron.Parser {
	return cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
}

// uses says which schedule fields each kind uses.
var uses = map[string][]api.Kind{
	"time":     {api.KindOnce, api.KindDaily, api.KindWeekly, api.KindMonthly, api.KindYearly},
	"date":     {api.KindOnce},
	"weekdays": {api.KindWeekly},
	"day":      {api.KindMonthly, api.KindYearly},
	"month":    {api.KindYearly},
	"cron":     {api.KindCron},
}

// checkSpec checks a task's input and returns it in canonical form (the
// container reference, action and kind as stored, weekdays by canonical
// name, the time zone spelt as in the database) with its compiled
// schedule. now decides whether a once task lies in the past; defaultTZ
// is used when the input has no time zone. It does not ask the
// containers plugin whether the container exists (see checkContainer).
func checkSpec(in api.Spec, defaultTZ string, z *zones, now time.Time) (api.Spec, *schedule, []problem) {
	c := &specCheck{out: api.Spec{Paused: in.Paused, Note: strings.TrimSpace(in.Note)}}
	c.target(in)
	loc := c.zone(in.Timezone, defaultTZ, z)

	sc := in.Schedule
	kind := api.Kind(strings.ToLower(strings.TrimSpace(string(sc.Kind))))
	c.s = &schedule{kind: kind, loc: loc}
	c.out.Schedule.Kind = kind
	if !kind.Valid() {
		c.add("schedule.kind", "err.kind", "Value", string(sc.Kind))
		return c.out, nil, c.ps
	}
	given := c.fields(sc, kind)
	c.timeOfDay(sc, kind, given)
	c.days(sc, kind, given)
	c.cronExpr(sc, kind, given)
	if len(c.ps) == 0 {
		c.neverRuns(kind, now, loc)
	}
	if len(c.ps) > 0 {
		return c.out, nil, c.ps
	}
	return c.out, c.s, nil
}

// specCheck is one run of checkSpec: the problems found so far, the spec
// in canonical form and the schedule being compiled.
type specCheck struct {
	ps  []problem
	out api.Spec
	s   *schedule
}

// add records a problem with field.
func (c *specCheck) add(field, id string, args ...any) {
	c.ps = append(c.ps, problem{field, id, args})
}

// target checks the container reference, the action and the note.
func (c *specCheck) target(in api.Spec) {
	if r, err := capi.ParseRef(strings.TrimSpace(in.Container)); err != nil {
		c.add("container", "err.container", "Reason", err.Error())
	} else {
		c.out.Container = r.String()
	}
	c.out.Action = api.Op(strings.ToLower(strings.TrimSpace(string(in.Action))))
	if !c.out.Action.Valid() {
		c.add("action", "err.action", "Value", string(in.Action))
	}
	if n := utf8.RuneCountInString(c.out.Note); n > api.MaxNoteLen {
		c.add("note", "err.note", "Count", api.MaxNoteLen, "Length", n)
	}
}

// zone loads the task's time zone (defaultTZ when it names none).
func (c *specCheck) zone(tz, defaultTZ string, z *zones) *time.Location {
	tz = strings.TrimSpace(tz)
	if tz == "" {
		tz = defaultTZ
	}
	loc, canonical, err := z.load(tz)
	if err != nil {
		c.add("timezone", "err.timezone", "Value", tz)
	}
	c.out.Timezone = canonical
	return loc
}

// fields reports which schedule fields the input gives, and records a
// problem for each that kind does not use or needs but lacks.
func (c *specCheck) fields(sc api.Schedule, kind api.Kind) map[string]bool {
	given := map[string]bool{
		"time": strings.TrimSpace(sc.Time) != "", "date": strings.TrimSpace(sc.Date) != "",
		"weekdays": len(sc.Weekdays) > 0, "day": sc.Day != 0, "month": sc.Month != 0, "cron": strings.TrimSpace(sc.Cron) != "",
	}
	for _, f := range []string{"time", "date", "weekdays", "day", "month", "cron"} {
		if given[f] && !slices.Contains(uses[f], kind) {
			c.add("schedule."+f, "err.unused", "Kind", string(kind))
		}
		if !given[f] && slices.Contains(uses[f], kind) {
			c.add("schedule."+f, "err.required", "Kind", string(kind))
		}
	}
	return given
}

// timeOfDay checks the time and, for a once task, the date.
func (c *specCheck) timeOfDay(sc api.Schedule, kind api.Kind, given map[string]bool) {
	if given["time"] && slices.Contains(uses["time"], kind) {
		hh, mm, ok := parseHHMM(sc.Time)
		if !ok {
			c.add("schedule.time", "err.time", "Value", sc.Time)
		}
		c.s.hh, c.s.mm = hh, mm
		c.out.Schedule.Time = twoDigits(hh) + ":" + twoDigits(mm)
	}
	if given["date"] && kind == api.KindOnce {
		d, err := time.Parse("2006-01-02", strings.TrimSpace(sc.Date))
		if err != nil {
			c.add("schedule.date", "err.date", "Value", sc.Date)
		} else {
			c.s.once = dateOf(d)
			c.out.Schedule.Date = d.Format("2006-01-02")
		}
	}
}

// days checks the weekdays, the day of the month and the month.
func (c *specCheck) days(sc api.Schedule, kind api.Kind, given map[string]bool) {
	if given["weekdays"] && kind == api.KindWeekly {
		set, bad := parseWeekdays(sc.Weekdays)
		switch {
		case bad != "":
			c.add("schedule.weekdays", "err.weekday", "Value", bad)
		case set == 0:
			c.add("schedule.weekdays", "err.required", "Kind", string(kind))
		default:
			c.s.days = goWeekdays(set)
			c.out.Schedule.Weekdays = weekdayList(set)
		}
	}
	if given["day"] && slices.Contains(uses["day"], kind) {
		if sc.Day != api.LastDay && (sc.Day < 1 || sc.Day > 31) {
			c.add("schedule.day", "err.day", "Value", sc.Day)
		}
		c.s.day, c.out.Schedule.Day = sc.Day, sc.Day
	}
	if given["month"] && kind == api.KindYearly {
		if sc.Month < 1 || sc.Month > 12 {
			c.add("schedule.month", "err.month", "Value", sc.Month)
			return
		}
		c.s.month, c.out.Schedule.Month = time.Month(sc.Month), sc.Month
		// Every day but the 29th of February exists every year; days
		// past a month's end are mistakes, not "the last day".
		if sc.Day > daysIn(2024, c.s.month) {
			c.add("schedule.day", "err.day_in_month", "Day", sc.Day, "Month", sc.Month, "Max", daysIn(2024, c.s.month))
		}
	}
}

// cronExpr checks and compiles a cron task's expression.
func (c *specCheck) cronExpr(sc api.Schedule, kind api.Kind, given map[string]bool) {
	if !given["cron"] || kind != api.KindCron {
		return
	}
	expr := strings.Join(strings.Fields(sc.Cron), " ")
	c.out.Schedule.Cron = expr
	upper := strings.ToUpper(expr)
	switch {
	case len(expr) > maxCronLen:
		c.add("schedule.cron", "err.cron_long", "Count", maxCronLen)
	case strings.HasPrefix(upper, "TZ=") || strings.HasPrefix(upper, "CRON_TZ="):
		c.add("schedule.cron", "err.cron_tz")
	default:
		parsed, err := cronParser().Parse(expr)
		if err != nil {
			c.add("schedule.cron", "err.cron", "Reason", err.Error())
			return
		}
		spec, ok := parsed.(*cron.SpecSchedule)
		if !ok {
			c.add("schedule.cron", "err.cron_every")
			return
		}
		c.s.cron = spec
	}
}

// neverRuns refuses a valid schedule that would never run: a once task in
// the past, a cron expression no date matches.
func (c *specCheck) neverRuns(kind api.Kind, now time.Time, loc *time.Location) {
	switch kind {
	case api.KindOnce:
		r := resolve(c.s.once, c.s.hh, c.s.mm, loc)
		if r.Before(now.Truncate(time.Minute)) {
			field := "schedule.date"
			if c.s.once == dateOf(now.In(loc)) {
				field = "schedule.time"
			}
			c.add(field, "err.past", "When", c.out.Schedule.Date+" "+c.out.Schedule.Time, "Now", now.In(loc).Format("2006-01-02 15:04"), "Zone", c.out.Timezone)
		}
	case api.KindCron:
		if c.s.next(now).IsZero() {
			c.add("schedule.cron", "err.cron_never")
		}
	}
}

// twoDigits formats n (0-99) with a leading zero.
func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

package ddcimport

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	sapi "github.com/ddc-go/ddc/plugins/scheduler/api"
)

var (
	taskIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	clockRE  = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)
)

// weekdayNames map DockerDiscordControl's weekdays (full names, three or
// more letters, 0-6 from Monday, 7 for Sunday) to the scheduler's.
func weekday(v string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	if n, err := strconv.Atoi(v); err == nil {
		if n == 7 {
			n = 6
		}
		if n >= 0 && n <= 6 {
			return sapi.Weekdays()[n], true
		}
		return "", false
	}
	full := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	for i, f := range full {
		if len(v) >= 3 && strings.HasPrefix(f, v) {
			return sapi.Weekdays()[i], true
		}
	}
	return "", false
}

// planTasks maps tasks.json onto scheduler records.
func (s *Source) planTasks(p *Plan, now time.Time) error {
	seen := map[string]bool{}
	for _, t := range s.Tasks {
		rec, why := taskRecord(t, p.Timezone, now)
		if why != "" {
			p.note("%s (task %s: %s %s): %s; not imported", t.Where, t.ID, t.Action, t.Container, why)
			continue
		}
		if seen[rec.Task.ID] {
			p.note("%s (task %s): id %s used twice; the copy was not imported", t.Where, t.ID, rec.Task.ID)
			continue
		}
		seen[rec.Task.ID] = true
		if t.Timezone == "" {
			p.note("%s (task %s): no time zone; imported in %s", t.Where, t.ID, rec.Task.Timezone)
		}
		p.Tasks = append(p.Tasks, rec)
	}
	return nil
}

// taskRecord maps one task, or says why it cannot be.
func taskRecord(t Task, defaultTZ string, now time.Time) (sapi.Record, string) {
	switch {
	case strings.HasPrefix(t.ID, "SYSTEM_"):
		return sapi.Record{}, "DockerDiscordControl's own system task"
	case t.Group:
		return sapi.Record{}, "it acts on a container group, which DDC has not"
	case !sapi.Op(t.Action).Valid():
		return sapi.Record{}, fmt.Sprintf("action %q is not start, stop or restart", t.Action)
	}
	if _, err := capi.ParseRef(t.Container); err != nil {
		return sapi.Record{}, fmt.Sprintf("container %q: %v", t.Container, err)
	}
	tz := t.Timezone
	if tz == "" {
		tz = defaultTZ
	}
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return sapi.Record{}, fmt.Sprintf("time zone %q is unknown", tz)
	}
	sched, why := schedule(t, loc, now)
	if why != "" {
		return sapi.Record{}, why
	}
	id := t.ID
	if !taskIDRE.MatchString(id) {
		sum := sha256.Sum256([]byte(t.Where + "\x00" + t.ID))
		id = "ddcimport-" + hex.EncodeToString(sum[:6])
	}
	note := t.Description
	if r := []rune(note); len(r) > sapi.MaxNoteLen {
		note = string(r[:sapi.MaxNoteLen])
	}
	created := now.UTC()
	if c, err := time.Parse(time.RFC3339, t.CreatedAt); err == nil {
		created = c.UTC()
	} else if c, err := time.ParseInLocation("2006-01-02T15:04:05", t.CreatedAt, loc); err == nil {
		created = c.UTC()
	}
	return sapi.Record{Version: sapi.RecordVersion, Task: sapi.Task{
		ID: id,
		Spec: sapi.Spec{Container: t.Container, Action: sapi.Op(t.Action), Schedule: sched, Timezone: tz,
			Paused: !t.Active, Note: note},
		CreatedBy: "import-ddc", CreatedAt: created,
	}}, ""
}

// schedule maps a task's cycle and details, or says why it cannot.
func schedule(t Task, loc *time.Location, now time.Time) (sapi.Schedule, string) {
	if t.Cycle == "cron" {
		if strings.TrimSpace(t.Cron) == "" {
			return sapi.Schedule{}, "a cron task without cron_string"
		}
		return sapi.Schedule{Kind: sapi.KindCron, Cron: strings.TrimSpace(t.Cron)}, ""
	}
	m := clockRE.FindStringSubmatch(strings.TrimSpace(t.Time))
	if m == nil {
		return sapi.Schedule{}, fmt.Sprintf("time %q is not HH:MM", t.Time)
	}
	hh, _ := strconv.Atoi(m[1])
	clock := fmt.Sprintf("%02d:%s", hh, m[2])
	day, dayErr := strconv.Atoi(strings.TrimSpace(t.Day))
	switch t.Cycle {
	case "daily":
		return sapi.Schedule{Kind: sapi.KindDaily, Time: clock}, ""
	case "weekly":
		w, ok := weekday(t.Day)
		if !ok {
			return sapi.Schedule{}, fmt.Sprintf("weekday %q is not a day of the week", t.Day)
		}
		return sapi.Schedule{Kind: sapi.KindWeekly, Time: clock, Weekdays: []string{w}}, ""
	case "monthly":
		if dayErr != nil || day < 1 || day > 31 {
			return sapi.Schedule{}, fmt.Sprintf("day %q is not 1-31", t.Day)
		}
		return sapi.Schedule{Kind: sapi.KindMonthly, Time: clock, Day: day}, ""
	case "yearly":
		if dayErr != nil || day < 1 || day > 31 || t.Month == nil || *t.Month < 1 || *t.Month > 12 {
			return sapi.Schedule{}, "month and day are not a date"
		}
		return sapi.Schedule{Kind: sapi.KindYearly, Time: clock, Day: day, Month: *t.Month}, ""
	case "once":
		if dayErr != nil || t.Month == nil || t.Year == nil {
			return sapi.Schedule{}, "a one-time task without year, month and day"
		}
		at := time.Date(*t.Year, time.Month(*t.Month), day, hh, atoi(m[2]), 0, 0, loc)
		if at.Year() != *t.Year || int(at.Month()) != *t.Month || at.Day() != day {
			return sapi.Schedule{}, fmt.Sprintf("%d-%d-%d is not a date", *t.Year, *t.Month, day)
		}
		if t.Status == "completed" || at.Before(now) {
			return sapi.Schedule{}, "a one-time task whose time has passed"
		}
		return sapi.Schedule{Kind: sapi.KindOnce, Time: clock, Date: at.Format("2006-01-02")}, ""
	}
	return sapi.Schedule{}, fmt.Sprintf("cycle %q is not once, daily, weekly, monthly, yearly or cron", t.Cycle)
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

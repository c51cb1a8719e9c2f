package scheduler

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// describe says a checked schedule in words, in tr's language: "daily at
// 04:00", "every Monday to Friday at 06:30", and for cron expressions a
// description built from what robfig/cron parsed ("every 15 minutes, from
// 08:00 to 17:59, on Monday to Friday").
func describe(tr i18n.Translator, sc api.Schedule, s *schedule) string {
	at := sc.Time
	switch sc.Kind {
	case api.KindOnce:
		return tr.T("desc.once", "Date", formatDate(tr, s.once), "Time", at)
	case api.KindDaily:
		return tr.T("desc.daily", "Time", at)
	case api.KindWeekly:
		if bits.OnesCount8(s.days) == 7 {
			return tr.T("desc.daily", "Time", at)
		}
		var idx []int
		for i := range 7 {
			if s.days&(1<<((i+1)%7)) != 0 {
				idx = append(idx, i)
			}
		}
		return tr.T("desc.weekly", "Days", ranges(tr, idx, func(i int) string { return tr.T("weekday." + strconv.Itoa(i)) }), "Time", at)
	case api.KindMonthly:
		switch {
		case sc.Day == api.LastDay:
			return tr.T("desc.monthly_last", "Time", at)
		case sc.Day > 28:
			return tr.T("desc.monthly_late", "Day", sc.Day, "Time", at)
		}
		return tr.T("desc.monthly", "Day", sc.Day, "Time", at)
	case api.KindYearly:
		month := tr.T("month." + strconv.Itoa(sc.Month))
		switch {
		case sc.Day == api.LastDay:
			return tr.T("desc.yearly_last", "Month", month, "Time", at)
		case sc.Month == 2 && sc.Day == 29:
			return tr.T("desc.yearly_feb29", "Date", tr.T("day_month", "Day", sc.Day, "Month", month), "Time", at)
		}
		return tr.T("desc.yearly", "Date", tr.T("day_month", "Day", sc.Day, "Month", month), "Time", at)
	case api.KindCron:
		if s != nil && s.cron != nil {
			return describeCron(tr, s)
		}
	}
	return sc.Cron
}

// formatDate writes d the way tr's language does.
func formatDate(tr i18n.Translator, d date) string {
	return tr.T("date", "Year", strconv.Itoa(d.y), "Month", twoDigits(int(d.m)), "Day", twoDigits(d.d))
}

// setBits returns the numbers whose bits are set in v, from lo to hi.
func setBits(v uint64, lo, hi int) []int {
	var out []int
	for i := lo; i <= hi; i++ {
		if v&(1<<uint(i)) != 0 {
			out = append(out, i)
		}
	}
	return out
}

// step returns k when vs is exactly 0, k, 2k, ... up to below n (k > 1
// dividing n), else 0.
func step(vs []int, n int) int {
	if len(vs) < 2 || vs[0] != 0 {
		return 0
	}
	k := vs[1]
	if k < 2 || n%k != 0 || len(vs) != n/k {
		return 0
	}
	for i, v := range vs {
		if v != i*k {
			return 0
		}
	}
	return k
}

// contiguous reports whether vs (sorted) has no holes.
func contiguous(vs []int) bool { return len(vs) > 0 && vs[len(vs)-1]-vs[0] == len(vs)-1 }

// join lists words: "a", "a and b", "a, b and c", in tr's language.
func join(tr i18n.Translator, words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return tr.T("list.and", "Rest", strings.Join(words[:len(words)-1], ", "), "Last", words[len(words)-1])
}

// ranges lists the sorted numbers vs with name, runs of three or more
// written as "a to c": "Monday to Friday", "January, March and May".
func ranges(tr i18n.Translator, vs []int, name func(int) string) string {
	var words []string
	for i := 0; i < len(vs); {
		j := i
		for j+1 < len(vs) && vs[j+1] == vs[j]+1 {
			j++
		}
		if j-i >= 2 {
			words = append(words, tr.T("range", "From", name(vs[i]), "To", name(vs[j])))
		} else {
			for k := i; k <= j; k++ {
				words = append(words, name(vs[k]))
			}
		}
		i = j + 1
	}
	return join(tr, words)
}

// describeCron describes a cron schedule part by part: the times, the
// days, the months.
func describeCron(tr i18n.Translator, s *schedule) string {
	c := s.cron
	mins, hours := setBits(c.Minute, 0, 59), setBits(c.Hour, 0, 23)
	var parts []string
	times := "" // the times of day, when there are few
	if len(mins)*len(hours) <= 6 {
		var list []string
		for _, h := range hours {
			for _, m := range mins {
				list = append(list, twoDigits(h)+":"+twoDigits(m))
			}
		}
		times = join(tr, list)
		parts = append(parts, tr.T("cron.at_times", "Times", times))
	} else {
		switch k := step(mins, 60); {
		case len(mins) == 60:
			parts = append(parts, tr.T("cron.every_minute"))
		case k > 0:
			parts = append(parts, tr.T("cron.every_n_minutes", "N", k))
		default:
			parts = append(parts, tr.T("cron.at_minutes", "Minutes", join(tr, itoas(mins))))
		}
		switch k := step(hours, 24); {
		case len(hours) == 24:
		case k > 0:
			parts = append(parts, tr.T("cron.every_n_hours", "N", k))
		case contiguous(hours):
			parts = append(parts, tr.T("cron.hours_range", "From", twoDigits(hours[0])+":00", "To", twoDigits(hours[len(hours)-1])+":59"))
		default:
			parts = append(parts, tr.T("cron.hours_list", "Hours", join(tr, itoas(hours))))
		}
	}
	domStar, dowStar := c.Dom&starBit != 0, c.Dow&starBit != 0
	doms := func() string { return join(tr, itoas(setBits(c.Dom, 1, 31))) }
	dows := func() string {
		// Monday first: cron's 0 is Sunday, our weekday.6.
		var idx []int
		for _, d := range setBits(c.Dow, 0, 6) {
			idx = append(idx, (d+6)%7)
		}
		slices.Sort(idx)
		return ranges(tr, idx, func(i int) string { return tr.T("weekday." + strconv.Itoa(i)) })
	}
	switch {
	case domStar && dowStar:
	case dowStar:
		if len(setBits(c.Dom, 1, 31)) < 31 {
			parts = append(parts, tr.T("cron.on_days", "Days", doms()))
		}
	case domStar:
		if len(setBits(c.Dow, 0, 6)) < 7 {
			parts = append(parts, tr.T("cron.on_weekdays", "Days", dows()))
		}
	default:
		parts = append(parts, tr.T("cron.day_or", "Days", doms(), "Weekdays", dows()))
	}
	if months := setBits(c.Month, 1, 12); len(months) < 12 {
		parts = append(parts, tr.T("cron.in_months", "Months", ranges(tr, months, func(m int) string { return tr.T("month." + strconv.Itoa(m)) })))
	}
	if len(parts) == 1 && times != "" {
		return tr.T("cron.every_day_at", "Times", times)
	}
	return strings.Join(parts, ", ")
}

func itoas(vs []int) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Itoa(v)
	}
	return out
}

// formatWhen writes an instant in loc for people: "2025-03-30 03:00 CEST".
func formatWhen(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t.Format("2006-01-02 15:04 MST")
}

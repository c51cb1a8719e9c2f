package scheduler

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// maxChoices is Discord's limit of autocomplete choices.
const maxChoices = 25

// listed is how many tasks /task list shows; the web page shows all.
const listed = 20

// commonZones are offered first when the time zone is autocompleted with
// nothing typed yet.
var commonZones = []string{
	"UTC", "Europe/Berlin", "Europe/London", "Europe/Paris", "Europe/Vienna", "Europe/Zurich", "Europe/Amsterdam",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
	"Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata", "Australia/Sydney",
}

// commands returns /task with its subcommands. Descriptions come from the
// catalog, in English with localizations.
func commands() []sdk.Command {
	c := catalog()
	en := c.Lang(i18n.English)
	opt := func(name string, typ sdk.OptionType, required, autocomplete bool) sdk.Option {
		return sdk.Option{
			Name: name, Type: typ, Required: required, Autocomplete: autocomplete,
			Description: en.T("opt." + name), DescriptionLocalizations: c.Localizations("opt." + name),
		}
	}
	choices := func(o sdk.Option, values ...string) sdk.Option {
		for _, v := range values {
			o.Choices = append(o.Choices, sdk.Choice{Name: en.T("choice." + v), Value: v, NameLocalizations: c.Localizations("choice." + v)})
		}
		return o
	}
	sub := func(name string, level sdk.Level, opts ...sdk.Option) sdk.Option {
		return sdk.Option{
			Name: name, Type: sdk.OptionSubcommand, Level: level, Options: opts,
			Description: en.T("sub." + name), DescriptionLocalizations: c.Localizations("sub." + name),
		}
	}
	month := opt("month", sdk.OptionInteger, false, false)
	for m := 1; m <= 12; m++ {
		id := "month." + strconv.Itoa(m)
		month.Choices = append(month.Choices, sdk.Choice{Name: en.T(id), Value: strconv.Itoa(m), NameLocalizations: c.Localizations(id)})
	}
	var ops, kinds []string
	for _, o := range api.Ops() {
		ops = append(ops, string(o))
	}
	for _, k := range api.Kinds() {
		kinds = append(kinds, string(k))
	}
	task := func() sdk.Option { return opt("task", sdk.OptionString, true, true) }
	return []sdk.Command{{
		Name: "task", Level: sdk.LevelView,
		Description: en.T("cmd.task"), DescriptionLocalizations: c.Localizations("cmd.task"),
		Options: []sdk.Option{
			sub("add", sdk.LevelControl,
				opt("container", sdk.OptionString, true, true),
				choices(opt("action", sdk.OptionString, true, false), ops...),
				choices(opt("schedule", sdk.OptionString, true, false), kinds...),
				opt("time", sdk.OptionString, false, false),
				opt("date", sdk.OptionString, false, false),
				opt("weekdays", sdk.OptionString, false, false),
				opt("day", sdk.OptionString, false, true),
				month,
				opt("cron", sdk.OptionString, false, false),
				opt("timezone", sdk.OptionString, false, true),
				opt("note", sdk.OptionString, false, false),
			),
			sub("list", sdk.LevelView, opt("container", sdk.OptionString, false, true)),
			sub("delete", sdk.LevelControl, task()),
			sub("pause", sdk.LevelControl, task()),
			sub("resume", sdk.LevelControl, task()),
			sub("next", sdk.LevelView),
		},
	}}
}

// HandleCommand answers /task add|list|delete|pause|resume|next in the
// user's language. The host has checked each subcommand's level.
func (p *Plugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	tr := catalog().For(req.Interaction)
	who := actor{in: &req.Interaction}
	switch req.Sub() {
	case "add":
		spec, err := specFromOptions(tr, req)
		if err != nil {
			return nil, err
		}
		res, err := p.create(ctx, tr, spec, who)
		if err != nil {
			return nil, forDiscord(tr, err)
		}
		return sdk.Reply(p.said(tr, "reply.created", res)), nil
	case "list":
		l, err := p.list(ctx, tr, req.String("container"))
		if err != nil {
			return nil, err
		}
		return sdk.Ephemeral(p.listText(tr, l)), nil
	case "delete":
		res, err := p.remove(ctx, tr, req.String("task"), who)
		if err != nil {
			return nil, err
		}
		return sdk.Reply(p.said(tr, "reply.deleted", res)), nil
	case "pause", "resume":
		res, err := p.setPaused(ctx, tr, req.String("task"), req.Sub() == "pause", who)
		if err != nil {
			return nil, err
		}
		return sdk.Reply(p.said(tr, "reply."+req.Sub()+"d", res)), nil
	case "next":
		runs, err := p.upcoming(ctx, api.DefaultNext)
		if err != nil {
			return nil, err
		}
		return sdk.Ephemeral(p.nextText(tr, runs)), nil
	}
	return nil, &sdk.UserError{Msg: tr.T("err.unknown_command")}
}

// specFromOptions reads /task add's options into a Spec. Problems the
// options alone show (a day that is not a number) are reported with the
// option's name, as the rest are by checkSpec.
func specFromOptions(tr i18n.Translator, req *sdk.CommandRequest) (api.Spec, error) {
	spec := api.Spec{
		Container: req.String("container"), Action: api.Op(req.String("action")),
		Timezone: req.String("timezone"), Note: req.String("note"),
		Schedule: api.Schedule{
			Kind: api.Kind(req.String("schedule")), Time: req.String("time"), Date: req.String("date"),
			Month: int(req.Int("month")), Cron: req.String("cron"),
		},
	}
	if w := strings.TrimSpace(req.String("weekdays")); w != "" {
		spec.Schedule.Weekdays = []string{w}
	}
	if d := strings.TrimSpace(req.String("day")); d != "" {
		n, ok := parseDay(d)
		if !ok {
			return spec, invalid(tr, []problem{{"day", "err.day_text", []any{"Value", d}}})
		}
		spec.Schedule.Day = n
	}
	return spec, nil
}

// optionOf names the /task add option each field comes from.
var optionOf = map[string]string{
	"schedule.kind": "schedule", "schedule.time": "time", "schedule.date": "date", "schedule.weekdays": "weekdays",
	"schedule.day": "day", "schedule.month": "month", "schedule.cron": "cron",
}

// forDiscord names the options, not the fields, in an error about bad
// input from /task add.
func forDiscord(tr i18n.Translator, err error) error {
	ps := slices.Clone(problemsOf(err))
	if ps == nil {
		return err
	}
	for i := range ps {
		if o, ok := optionOf[ps[i].field]; ok {
			ps[i].field = o
		}
	}
	return invalid(tr, ps)
}

// lastWords are the words for "the last day" in the catalog's languages.
var lastWords = []string{"last", "letzter", "letzte", "dernier", "-1"}

// parseDay reads a day of the month, 1-31, or a word for the last day.
func parseDay(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, w := range lastWords {
		if s == w {
			return api.LastDay, true
		}
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "."))
	return n, err == nil && n >= 1 && n <= 31
}

// discordTime writes t for Discord: the date and time in the task's zone,
// and a timestamp Discord shows relative to now in every reader's zone.
func discordTime(t time.Time, loc *time.Location) string {
	return fmt.Sprintf("%s (<t:%d:R>)", formatWhen(t, loc), t.Unix())
}

// said is the reply to a change of one task: what the task is now, its
// next run and the warnings.
func (p *Plugin) said(tr i18n.Translator, id string, res api.TaskResult) string {
	t := res.Task
	loc, _, _ := p.zones.load(t.Timezone)
	var b strings.Builder
	b.WriteString(tr.T(id, "ID", t.ID, "Action", tr.T("op."+string(t.Action)), "Container", t.Container,
		"Schedule", t.Description, "Zone", t.Timezone))
	switch {
	case id == "reply.deleted":
	case t.Paused:
		b.WriteString("\n" + tr.T("reply.is_paused"))
	case !t.Next.IsZero():
		b.WriteString("\n" + tr.T("reply.next", "When", discordTime(t.Next, loc)))
	}
	for _, w := range res.Warnings {
		b.WriteString("\n⚠️ " + w)
	}
	return b.String()
}

// listText is /task list's answer: one line per task, soonest first.
func (p *Plugin) listText(tr i18n.Translator, l api.ListResult) string {
	if len(l.Tasks) == 0 {
		return tr.T("list.empty")
	}
	var b strings.Builder
	b.WriteString(tr.T("list.title", "Count", len(l.Tasks)))
	shown := 0
	for _, t := range l.Tasks {
		line := "\n" + p.taskLine(tr, t)
		if shown == listed || b.Len()+len(line) > 1800 {
			break
		}
		b.WriteString(line)
		shown++
	}
	if rest := len(l.Tasks) - shown; rest > 0 {
		b.WriteString("\n" + tr.T("list.more", "Count", rest))
	}
	return b.String()
}

// taskLine is one task in a list.
func (p *Plugin) taskLine(tr i18n.Translator, t api.Task) string {
	loc, _, _ := p.zones.load(t.Timezone)
	state := "▶️"
	when := ""
	switch {
	case t.Error != "":
		state, when = "⚠️", tr.T("list.broken")
	case t.Paused:
		state, when = "⏸️", tr.T("list.paused")
	case t.Next.IsZero():
		state, when = "✔️", tr.T("list.done")
	default:
		when = tr.T("list.next", "When", discordTime(t.Next, loc))
	}
	line := fmt.Sprintf("%s `%s` %s **%s**, %s (%s) · %s", state, t.ID, tr.T("op."+string(t.Action)), t.Container, t.Description, t.Timezone, when)
	if t.LastRun != nil {
		line += " · " + tr.T("list.last", "Result", tr.T("result."+string(t.LastRun.Result)))
	}
	return line
}

// nextText is /task next's answer.
func (p *Plugin) nextText(tr i18n.Translator, runs []api.Upcoming) string {
	if len(runs) == 0 {
		return tr.T("next.none")
	}
	var b strings.Builder
	b.WriteString(tr.T("next.title", "Count", len(runs)))
	for _, r := range runs {
		loc, _, _ := p.zones.load(r.Timezone)
		fmt.Fprintf(&b, "\n%s · `%s` %s **%s**", discordTime(r.At, loc), r.TaskID, tr.T("op."+string(r.Action)), r.Container)
	}
	return b.String()
}

// HandleAutocomplete offers containers, time zones, days and tasks.
func (p *Plugin) HandleAutocomplete(ctx context.Context, req *sdk.CommandRequest) ([]sdk.Choice, error) {
	focused, ok := req.Focused()
	if !ok {
		return nil, nil
	}
	q := strings.TrimSpace(fmt.Sprint(focused.Value))
	lq := strings.ToLower(q)
	var out []sdk.Choice
	add := func(name, value string) {
		if len(out) < maxChoices {
			out = append(out, sdk.Choice{Name: clip(name, 100), Value: value})
		}
	}
	switch focused.Name {
	case "container":
		l, err := capi.List(ctx, p.host)
		if err != nil {
			return nil, err
		}
		for _, c := range l.Containers {
			if strings.Contains(strings.ToLower(c.Container), lq) || strings.Contains(strings.ToLower(c.DisplayName), lq) {
				name := c.Container
				if c.DisplayName != "" && c.DisplayName != c.Name {
					name = c.DisplayName + " (" + c.Container + ")"
				}
				add(name, c.Container)
			}
		}
	case "timezone":
		if q == "" {
			_, tz, _ := p.settings()
			add(tz, tz)
			for _, z := range commonZones {
				if z != tz {
					add(z, z)
				}
			}
			break
		}
		for _, z := range matchZones(q, maxChoices) {
			add(z, z)
		}
	case "day":
		tr := catalog().For(req.Interaction)
		if q == "" || strings.HasPrefix(tr.T("choice.last_day"), lq) || strings.HasPrefix("last", lq) {
			add(tr.T("choice.last_day"), "last")
		}
		for d := 1; d <= 31; d++ {
			if s := strconv.Itoa(d); strings.HasPrefix(s, q) {
				add(s, s)
			}
		}
	case "task":
		tr := catalog().For(req.Interaction)
		l, err := p.list(ctx, tr, "")
		if err != nil {
			return nil, err
		}
		for _, t := range l.Tasks {
			name := fmt.Sprintf("%s · %s %s · %s", t.ID, tr.T("op."+string(t.Action)), t.Container, t.Description)
			if strings.Contains(strings.ToLower(name), lq) {
				add(name, t.ID)
			}
		}
	}
	return out, nil
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

package containers

import (
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// The plugin's texts, one file per language in locales/.
//
//go:embed locales
var locales embed.FS

// catalog is the plugin's texts, loaded on first use: the ddc executable's
// every process (the host, each bundled plugin) would otherwise load it at
// start.
var catalog = sync.OnceValue(func() *i18n.Catalog { return i18n.MustLoad(locales, "locales") })

// english formats what is part of the contract or for admins: the Detail
// of an ActionResult, audit entries, errors in JSON results and logs.
func english() i18n.Translator { return catalog().Lang(i18n.English) }

// msg is a catalog message with its values, formatted when it is shown:
// in the user's language in a reply, in English in JSON results, the audit
// log and the plugin's log. Values that are messages, durations, states,
// health results, ops and levels are formatted in the same language.
type msg struct {
	id   string
	args []any // name/value pairs, as for i18n.Translator.T
}

// text returns message id with its name/value pairs.
func text(id string, args ...any) msg { return msg{id: id, args: args} }

// in formats m with tr.
func (m msg) in(tr i18n.Translator) string {
	args := make([]any, len(m.args))
	for i, a := range m.args {
		if i%2 == 1 {
			a = value(tr, a)
		}
		args[i] = a
	}
	return tr.T(m.id, args...)
}

// value formats one value of a message with tr; numbers stay numbers, so
// that "Count" still picks the plural form.
func value(tr i18n.Translator, a any) any {
	switch v := a.(type) {
	case msg:
		return v.in(tr)
	case time.Duration:
		return seconds(tr, v)
	case api.State:
		return stateName(tr, v)
	case api.Health:
		return tr.T("health." + string(v))
	case api.Op:
		return tr.T("op." + string(v))
	case sdk.Level:
		return tr.T("level." + v.String())
	case quoted:
		return tr.T("format.quoted", "V", shown(string(v)))
	}
	return a
}

// quoted is a value from Docker or the user that a message shows in quotes
// ("web", „web“, « web »), cut to a readable length, with control
// characters escaped.
type quoted string

// shown makes s safe to show inside a message: at most 40 characters,
// control and invisible characters escaped as Go does.
func shown(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	q := strconv.Quote(s)
	return strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
}

// userError is a refusal or failure to show the user: a catalog message
// and the sdk sentinel it matches (or nil). Its Error text and the message
// sdk.UserMessage finds are English; a reply formats it in the user's
// language with localize.
type userError struct {
	msg msg
	err error
}

// refuse returns a userError: message id with its name/value pairs,
// matching sentinel (an sdk.Err... value, or nil) with errors.Is.
func refuse(sentinel error, id string, args ...any) error {
	return &userError{msg: text(id, args...), err: sentinel}
}

// Error is the English message and the sentinel's text.
func (e *userError) Error() string {
	s := e.msg.in(english())
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

// Unwrap returns the sentinel.
func (e *userError) Unwrap() error { return e.err }

// As lets sdk.UserMessage find the English message (errors.As with an
// **sdk.UserError), for errors that reach the host without localize.
func (e *userError) As(target any) bool {
	t, ok := target.(**sdk.UserError)
	if ok {
		*t = &sdk.UserError{Msg: e.msg.in(english()), Err: e.err}
	}
	return ok
}

// localize returns err for the user of tr: the userError in its chain
// formatted in tr's language (still matching every sentinel of err), or
// err as it is.
func localize(err error, tr i18n.Translator) error {
	var ue *userError
	if err == nil || !errors.As(err, &ue) {
		return err
	}
	return &sdk.UserError{Msg: ue.msg.in(tr), Err: err}
}

// userText returns what the user of tr may see of err: its message in the
// user's language, or an apology when err is not meant for users.
func userText(tr i18n.Translator, err error) string {
	var ue *userError
	if errors.As(err, &ue) {
		return ue.msg.in(tr)
	}
	if msg, ok := sdk.UserMessage(err); ok {
		return msg
	}
	return tr.T("error.generic")
}

// refError is a refused container reference in the user's language.
func refError(err error) error {
	var re *api.RefError
	if !errors.As(err, &re) {
		return sdk.Errorf("%v: %w", err, sdk.ErrInvalid)
	}
	return refuse(sdk.ErrInvalid, "ref."+string(re.Problem),
		"Name", quoted(re.Value), "Char", charName(re.Char), "Len", re.Len, "Max", re.Max)
}

// charName names a refused character: quoted when printable ASCII, else
// by its code point ("the character U+200B").
func charName(r rune) any {
	if r < 0x20 || r == 0x7f || r > 0x7e {
		return text("format.char_code", "Code", fmt.Sprintf("U+%04X", r))
	}
	return quoted(string(r))
}

// decimal writes f with prec decimals and the language's decimal
// separator: "0.5" in English, "0,5" in German and French.
func decimal(tr i18n.Translator, f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if sep := tr.T("format.decimal_separator"); sep != "." {
		s = strings.Replace(s, ".", sep, 1)
	}
	return s
}

// seconds formats d for people: "30 s", "0.2 s" ("0,2 s" in German).
func seconds(tr i18n.Translator, d time.Duration) string {
	s := d.Seconds()
	if s >= 10 || s == float64(int64(s)) {
		return tr.T("format.seconds", "N", strconv.FormatInt(int64(s+0.5), 10))
	}
	return tr.T("format.seconds", "N", decimal(tr, s, 1))
}

// human formats a duration as "3d 4h", "2h 5m", "4m 10s" or "12s" ("3 T.
// 4 Std." in German).
func human(tr i18n.Translator, d time.Duration) string {
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	s := (d - m*time.Minute) / time.Second
	switch {
	case days > 0:
		return tr.T("format.days_hours", "D", int64(days), "H", int64(h))
	case h > 0:
		return tr.T("format.hours_minutes", "H", int64(h), "M", int64(m))
	case m > 0:
		return tr.T("format.minutes_seconds", "M", int64(m), "S", int64(s))
	}
	return tr.T("format.secs", "S", int64(s))
}

// mib formats a byte count in MiB: "12.5 MiB".
func mib(tr i18n.Translator, b uint64) string {
	return tr.T("format.mib", "N", decimal(tr, float64(b)/(1<<20), 1))
}

// stateName is a state's name: "running", "läuft".
func stateName(tr i18n.Translator, s api.State) string {
	return tr.T("state." + string(s))
}

// stateText is "running (healthy)", "exited (1)" or "unreachable".
func stateText(tr i18n.Translator, state api.State, health api.Health, exit int) string {
	switch {
	case state == api.StateUnknown:
		return tr.T("state.unreachable")
	case state == api.StateExited:
		return tr.T("state.exited_code", "Code", exit)
	case health != api.HealthNone:
		return tr.T("state.with_health", "State", stateName(tr, state), "Health", tr.T("health."+string(health)))
	}
	return stateName(tr, state)
}

// joinOps lists ops for people: "start, stop".
func joinOps(tr i18n.Translator, ops []api.Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = tr.T("op." + string(o))
	}
	return strings.Join(s, ", ")
}

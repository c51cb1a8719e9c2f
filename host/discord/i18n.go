package discord

import (
	"embed"
	"math"
	"strings"
	"sync"

	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// The host's own texts for Discord users, one file per language, read with
// the same mechanism plugins use (sdk/i18n). Plugins localize their own
// replies.
//
//go:embed locales
var localeFiles embed.FS

// catalog loads the host's texts on first use: plugin processes run the
// same executable and never need them. Immutable once loaded; a broken
// file fails the package's tests.
var catalog = sync.OnceValue(func() *i18n.Catalog { return i18n.MustLoad(localeFiles, "locales") })

// Prefixes of refusals, the same in every language.
const (
	refusedPrefix  = "⛔ "
	slowDownPrefix = "⏳ "
)

// translator returns the host's texts for a Discord locale ("de", "fr",
// "en-US"), falling back to the configured default language, then English.
func translator(locale, defaultLang string) i18n.Translator {
	return catalog().Lang(locale, defaultLang)
}

// levelName names a permission level in tr's language.
func levelName(tr i18n.Translator, lv sdk.Level) string {
	if lv < sdk.LevelView || lv > sdk.LevelAdmin {
		return lv.String()
	}
	return tr.T("level." + lv.String())
}

// refusalText says, in tr's language, what is missing. English uses the
// policy's own, more detailed reason.
func refusalText(tr i18n.Translator, r *policy.Refusal) string {
	if tr.Lang() == i18n.English {
		return r.Reason
	}
	var b strings.Builder
	b.WriteString(tr.T("refusal.cannot_use", "What", r.What, "Need", levelName(tr, r.Need)))
	switch {
	case r.ChannelProblem && r.Decision.Channel == policy.ChannelStatus:
		b.WriteString(tr.T("refusal.status_channel"))
	case r.ChannelProblem:
		b.WriteString(tr.T("refusal.ceiling", "Level", levelName(tr, r.Decision.Ceiling)))
	default:
		b.WriteString(tr.T("refusal.have", "Level", levelName(tr, r.Decision.Own)))
	}
	if len(r.Channels) > 0 {
		b.WriteString(tr.T("refusal.use_in", "Channels", policy.Mentions("#", r.Channels)))
	}
	if !r.ChannelProblem {
		if len(r.Roles) > 0 {
			b.WriteString(tr.T("refusal.need_role", "Roles", policy.Mentions("@&", r.Roles)))
		} else {
			b.WriteString(tr.T("refusal.ask_admin"))
		}
	}
	return b.String()
}

// limitedText says, in tr's language, how long to wait.
func limitedText(tr i18n.Translator, lim *policy.Limited) string {
	s := int(math.Ceil(lim.RetryIn.Seconds()))
	if lim.Cap {
		return tr.T("limited.cap", "Seconds", s)
	}
	return tr.T("limited.slow", "Seconds", s)
}

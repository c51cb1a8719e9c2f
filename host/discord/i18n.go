package discord

import (
	"fmt"
	"math"
	"strings"

	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/sdk"
)

// Texts the host itself shows Discord users, by language. Plugins localize
// their own replies.
type texts struct {
	apology     string // apology: the plugin failed.
	unavailable string // unavailable: no running plugin owns this.
	refused     string // refused prefixes a permission refusal.
	slowDown    string // slowDown prefixes a throttle refusal.
	tooSlow     string // tooSlow: the plugin answered too late for a modal.
	button      string // button names a clicked button in refusals.
	menu        string // menu names a select menu in refusals.
	form        string // form names a submitted modal in refusals.

	// Refusal sentences, composed by refusalText (English uses the
	// policy's own reason instead).
	cannotUse     string // cannotUse: what, needed level.
	statusChannel string // statusChannel ends it in a status channel.
	ceiling       string // ceiling ends it with the channel's ceiling level.
	have          string // have ends it with the user's own level.
	useIn         string // useIn: control channel mentions.
	needRole      string // needRole: role mentions.
	askAdmin      string // askAdmin when no role would do.
}

var catalog = map[string]texts{
	"en": {
		apology:     "Sorry, something went wrong while handling this. The DDC admin can find the details in the log.",
		unavailable: "Sorry, this is not available right now. Please try again in a moment.",
		refused:     "⛔ ",
		slowDown:    "⏳ ",
		tooSlow:     "Sorry, this took too long to answer. Please try again.",
		button:      "this button", menu: "this menu", form: "this form",
	},
	"de": {
		apology:     "Entschuldigung, dabei ist etwas schiefgegangen. Der DDC-Admin findet die Details im Log.",
		unavailable: "Entschuldigung, das ist gerade nicht verfügbar. Bitte versuche es gleich noch einmal.",
		refused:     "⛔ ",
		slowDown:    "⏳ ",
		tooSlow:     "Entschuldigung, die Antwort hat zu lange gedauert. Bitte versuche es noch einmal.",
		button:      "diesen Knopf", menu: "dieses Menü", form: "dieses Formular",
		cannotUse:     "Du darfst %s hier nicht verwenden: dafür braucht es die Stufe %s",
		statusChannel: ", und dies ist ein Status-Kanal (nur Ansehen).",
		ceiling:       ", und dieser Kanal erlaubt höchstens %s.",
		have:          ", du hast %s.",
		useIn:         " Verwende es in einem Steuer-Kanal: %s.",
		needRole:      " Nötig ist eine dieser Rollen: %s.",
		askAdmin:      " Frag einen DDC-Admin.",
	},
	"fr": {
		apology:     "Désolé, une erreur s'est produite. L'administrateur de DDC trouvera les détails dans le journal.",
		unavailable: "Désolé, ce n'est pas disponible pour le moment. Réessayez dans un instant.",
		refused:     "⛔ ",
		slowDown:    "⏳ ",
		tooSlow:     "Désolé, la réponse a pris trop de temps. Veuillez réessayer.",
		button:      "ce bouton", menu: "ce menu", form: "ce formulaire",
		cannotUse:     "Vous ne pouvez pas utiliser %s ici : il faut le niveau %s",
		statusChannel: ", et ce salon est un salon d'état (lecture seule).",
		ceiling:       ", et ce salon permet au plus %s.",
		have:          ", vous avez %s.",
		useIn:         " Utilisez-le dans un salon de contrôle : %s.",
		needRole:      " Il faut l'un de ces rôles : %s.",
		askAdmin:      " Demandez à un administrateur DDC.",
	},
}

// textsFor returns the texts for a Discord locale ("de", "fr", "en-US"),
// English when there is no translation.
func textsFor(locale string) texts { return catalog[lang(locale)] }

// levelNames are the permission levels by language.
var levelNames = map[string][3]string{
	"en": {"view", "control", "admin"},
	"de": {"Ansehen", "Steuern", "Admin"},
	"fr": {"lecture", "contrôle", "admin"},
}

func lang(locale string) string {
	l, _, _ := strings.Cut(strings.ToLower(locale), "-")
	if _, ok := catalog[l]; ok {
		return l
	}
	return "en"
}

func levelName(l string, lv sdk.Level) string {
	if lv < sdk.LevelView || lv > sdk.LevelAdmin {
		return lv.String()
	}
	return levelNames[l][lv-1]
}

// refusalText says, in the user's language, what is missing.
func refusalText(locale string, r *policy.Refusal) string {
	l := lang(locale)
	if l == "en" {
		return r.Reason
	}
	t := catalog[l]
	var b strings.Builder
	fmt.Fprintf(&b, t.cannotUse, r.What, levelName(l, r.Need))
	switch {
	case r.ChannelProblem && r.Decision.Channel == policy.ChannelStatus:
		b.WriteString(t.statusChannel)
	case r.ChannelProblem:
		fmt.Fprintf(&b, t.ceiling, levelName(l, r.Decision.Ceiling))
	default:
		fmt.Fprintf(&b, t.have, levelName(l, r.Decision.Own))
	}
	if len(r.Channels) > 0 {
		fmt.Fprintf(&b, t.useIn, policy.Mentions("#", r.Channels))
	}
	if !r.ChannelProblem {
		if len(r.Roles) > 0 {
			fmt.Fprintf(&b, t.needRole, policy.Mentions("@&", r.Roles))
		} else {
			b.WriteString(t.askAdmin)
		}
	}
	return b.String()
}

// limitedText says, in the user's language, how long to wait.
func limitedText(locale string, lim *policy.Limited) string {
	s := int(math.Ceil(lim.RetryIn.Seconds()))
	switch lang(locale) {
	case "de":
		if lim.Cap {
			return fmt.Sprintf("Zu viele Anfragen: versuche es in %d s wieder.", s)
		}
		return fmt.Sprintf("Nicht so schnell: versuche es in %d s wieder.", s)
	case "fr":
		if lim.Cap {
			return fmt.Sprintf("Trop de demandes : réessayez dans %d s.", s)
		}
		return fmt.Sprintf("Doucement : réessayez dans %d s.", s)
	}
	return lim.Error()
}

package containers

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// TestCatalog: every language has every message, with the plural forms it
// needs and no value the English text lacks.
func TestCatalog(t *testing.T) {
	if err := catalog().Check(); err != nil {
		t.Fatal(err)
	}
	if got := catalog().Languages(); strings.Join(got, ",") != "de,en,fr" {
		t.Errorf("Languages() = %v, want de, en, fr", got)
	}
}

// messageID finds the message ids written out in the plugin's code.
var messageID = regexp.MustCompile(`"((?:format|command|describe|state|health|op|level|need|info|list|logs|stats|done|doing|error|ref)\.[a-z_]+)"`)

// TestMessagesExist: every message the code asks for is in the catalog,
// those named in the code and those made of a prefix and a value (a state,
// an op, a level, a refusal of api.ParseRef); a missing one would be shown
// as its id.
func TestMessagesExist(t *testing.T) {
	ids := map[string]bool{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range messageID.FindAllStringSubmatch(string(src), -1) {
			if !strings.HasSuffix(m[1], "_") { // a prefix, completed below
				ids[m[1]] = true
			}
		}
	}
	if len(ids) < 60 {
		t.Fatalf("found %d message ids in the code, want more: is the pattern right?", len(ids))
	}
	for _, s := range []api.State{api.StateCreated, api.StateRunning, api.StatePaused, api.StateRestarting, api.StateRemoving,
		api.StateExited, api.StateDead, api.StateUnknown, api.StateRemoved} {
		ids["state."+string(s)] = true
	}
	for _, h := range []api.Health{api.HealthStarting, api.HealthHealthy, api.HealthUnhealthy} {
		ids["health."+string(h)] = true
	}
	for _, l := range []sdk.Level{sdk.LevelView, sdk.LevelControl, sdk.LevelAdmin} {
		ids["level."+l.String()] = true
	}
	for _, op := range api.Ops() {
		ids["op."+string(op)] = true
	}
	for _, op := range []api.Op{api.OpStart, api.OpStop, api.OpRestart} {
		ids["need."+string(op)] = true
		ids["doing."+string(op)] = true
		ids["error.wait_"+string(op)] = true
	}
	for _, op := range []api.Op{api.OpStart, api.OpRestart} {
		ids["error."+string(op)+"_then_unreachable"] = true
		ids["done."+string(op)+"_exited"] = true
	}
	for _, p := range []api.RefProblem{api.RefEmpty, api.RefTooLong, api.RefNotUTF8, api.RefBadChar, api.RefDotDot, api.RefSlashes,
		api.RefBadName, api.EndpointEmpty, api.EndpointBadForm, api.EndpointBadChar} {
		ids["ref."+string(p)] = true
	}
	ids["need.inspect"], ids["need.logs"] = true, true
	for _, lang := range catalog().Languages() {
		tr := catalog().Lang(lang)
		for id := range ids {
			if got := tr.T(id, "Count", 2); got == id {
				t.Errorf("%s: message %q is missing", lang, id)
			}
		}
	}
}

// TestTexts formats the plugin's values and messages in each language.
func TestTexts(t *testing.T) {
	de, fr, en := catalog().Lang("de"), catalog().Lang("fr"), english()
	restarted := text("done.restarted", "Name", "web", "Time", 530*time.Millisecond)
	tests := []struct {
		name string
		tr   i18n.Translator
		got  string
		want string
	}{
		{"seconds en", en, seconds(en, 530*time.Millisecond), "0.5 s"},
		{"seconds de", de, seconds(de, 530*time.Millisecond), "0,5 s"},
		{"whole seconds", fr, seconds(fr, 30*time.Second), "30 s"},
		{"uptime en", en, human(en, 3*24*time.Hour+4*time.Hour+5*time.Minute), "3d 4h"},
		{"uptime de", de, human(de, 2*time.Hour+5*time.Minute), "2 Std. 5 Min."},
		{"uptime fr", fr, human(fr, 4*time.Minute+10*time.Second), "4 min 10 s"},
		{"memory fr", fr, mib(fr, 12<<20+1<<19), "12,5 Mio"},
		{"memory de", de, mib(de, 12<<20+1<<19), "12,5 MiB"},
		{"state with health", de, stateText(de, api.StateRunning, api.HealthHealthy, 0), "läuft (gesund)"},
		{"exited", fr, stateText(fr, api.StateExited, api.HealthNone, 137), "arrêté (137)"},
		{"unreachable", en, stateText(en, api.StateUnknown, api.HealthNone, 0), "unreachable"},
		{"ops", de, joinOps(de, api.Ops()), "Start, Stopp, Neustart, Logs"},
		{"outcome en", en, restarted.in(en), "web restarted in 0.5 s"},
		{"outcome de", de, restarted.in(de), "web in 0,5 s neu gestartet"},
		{"outcome fr", fr, restarted.in(fr), "web redémarré en 0,5 s"},
		{"with health", de, text("done.with_health", "Text", restarted, "Health", api.HealthHealthy).in(de), "web in 0,5 s neu gestartet (Healthcheck: gesund)"},
		{"refusal", fr, text("need.message", "Level", sdk.LevelControl, "What", text("need.restart")).in(fr), "Pour redémarrer des conteneurs, il faut le niveau contrôle"},
		{"quoted de", de, text("error.no_such", "Ref", quoted("we\nb")).in(de), `Es gibt keinen Container „we\nb“`},
		{"plural one", de, de.T("list.more", "Count", 1), "… und 1 weiterer"},
		{"plural other", fr, fr.T("list.more", "Count", 3), "… et 3 autres"},
		{"logs footer", de, de.T("logs.tail", "Count", 12, "Total", 50), "letzte 12 von 50 Zeilen"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s (%s) = %q, want %q", tt.name, tt.tr.Lang(), tt.got, tt.want)
		}
	}
}

// TestUserErrorLanguages: a refusal is English in its Error text and for
// sdk.UserMessage (the audit log, JSON results), and in the user's
// language once localized, matching its sentinel either way.
func TestUserErrorLanguages(t *testing.T) {
	err := refuse(sdk.ErrBusy, "error.busy", "Name", "web", "Op", api.OpStop)
	if msg, ok := sdk.UserMessage(err); !ok || msg != "web is busy: a stop is still in progress; try again when it is done" {
		t.Errorf("UserMessage = %q, %v; want the English message", msg, ok)
	}
	if !errors.Is(err, sdk.ErrBusy) || !strings.HasSuffix(err.Error(), ": "+sdk.ErrBusy.Error()) {
		t.Errorf("Error() = %q, want it to match and name ErrBusy", err)
	}
	tests := []struct {
		lang, want string
	}{
		{"de", "web ist beschäftigt: Es läuft noch ein Stopp; versuche es wieder, wenn er fertig ist"},
		{"fr", "web est occupé : un arrêt est encore en cours ; réessayez quand il sera terminé"},
		{"ja", "web is busy: a stop is still in progress; try again when it is done"},
	}
	for _, tt := range tests {
		loc := localize(err, catalog().Lang(tt.lang))
		if msg, _ := sdk.UserMessage(loc); msg != tt.want || !errors.Is(loc, sdk.ErrBusy) {
			t.Errorf("localize(%s) = %q (ErrBusy %v), want %q", tt.lang, msg, errors.Is(loc, sdk.ErrBusy), tt.want)
		}
	}
	plain := errors.New("disk on fire")
	if got := userText(catalog().Lang("de"), plain); got != "Etwas ist schiefgegangen; die Details stehen im DDC-Log" {
		t.Errorf("userText(plain error) = %q, want the German apology", got)
	}
	if localize(plain, catalog().Lang("de")) != plain {
		t.Error("localize changed an error that is not a userError")
	}
}

// TestRefErrorsTranslated: a refused container name is explained in the
// user's language, its character named.
func TestRefErrorsTranslated(t *testing.T) {
	tests := []struct {
		ref, lang, want string
	}{
		{"web;x", "en", `the container name "web;x" contains ";", which is not allowed; use letters, digits, '_', '.' and '-'`},
		{"web\u200b", "de", "Der Containername „web\\u200b“ enthält das Zeichen U+200B, das ist nicht erlaubt; verwende Buchstaben, Ziffern, „_“, „.“ und „-“"},
		{"a/b/c", "fr", "Le nom du conteneur « a/b/c » contient plus d'un « / » ; écrivez hôte/nom"},
		{"", "de", "Der Containername ist leer"},
	}
	for _, tt := range tests {
		_, err := api.ParseRef(tt.ref)
		got := userText(catalog().Lang(tt.lang), refError(err))
		if got != tt.want {
			t.Errorf("ParseRef(%q) in %s = %q, want %q", tt.ref, tt.lang, got, tt.want)
		}
	}
}

package containers_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// TestRepliesInTheUsersLanguage: commands, buttons and refusals answer in
// the interaction's language, else in the host's default (French here);
// an action's JSON result stays English, its error follows the
// interaction that led to the call, else the default language.
func TestRepliesInTheUsersLanguage(t *testing.T) {
	e := dockertest.Connect(t)
	c := e.Run(t, dockertest.Options{StopTimeout: time.Second, Labels: map[string]string{"ddc.name": "Web Server", "ddc.actions": "start,restart,logs"}})
	h := sdktest.New(t, containers.New(), sdktest.Config{
		Settings:      containers.Settings{Endpoints: []containers.EndpointSettings{endpoint(e, "local")}},
		DefaultLocale: "fr",
	})
	waitHealthy(t, h, 10*time.Second)
	waitList(t, h, 5*time.Second, "showing it running", func(l api.ListResult) bool {
		ci, ok := find(l, c.Name)
		return ok && ci.State == api.StateRunning
	})
	ctx := context.Background()
	name := sdk.OptionValue{Name: "name", Type: sdk.OptionString, Value: c.Name}
	as := func(locale string, level sdk.Level) sdk.Interaction {
		return sdk.Interaction{Locale: locale, Level: level}
	}

	restarts := []struct {
		locale string
		title  *regexp.Regexp
		footer string
	}{
		// The test container has a health check: its result follows.
		{"de", regexp.MustCompile(`^✅ Web Server \(` + c.Name + `\) in \d+(,\d)? s neu gestartet \(Healthcheck: (gesund|wird geprüft)\)$`), c.Name + " · läuft"},
		{"fr", regexp.MustCompile(`^✅ Web Server \(` + c.Name + `\) redémarré en \d+(,\d)? s \(état de santé : (sain|vérification en cours)\)$`), c.Name + " · en marche"},
		{"en-US", regexp.MustCompile(`^✅ Web Server \(` + c.Name + `\) restarted in \d+(\.\d)? s \(health: (healthy|starting)\)$`), c.Name + " · running"},
		{"ja", regexp.MustCompile(`^✅ Web Server \(` + c.Name + `\) redémarré en \d+(,\d)? s \(état de santé : (sain|vérification en cours)\)$`), c.Name + " · en marche"},
	}
	for _, tt := range restarts {
		t.Run("restart "+tt.locale, func(t *testing.T) {
			resp, err := h.Command(ctx, as(tt.locale, sdk.LevelControl), "container restart", name)
			if err != nil || len(resp.Message.Embeds) != 1 {
				t.Fatalf("/container restart as %s = %+v, %v", tt.locale, resp, err)
			}
			if em := resp.Message.Embeds[0]; !tt.title.MatchString(em.Title) || em.Footer != tt.footer {
				t.Errorf("/container restart as %s = %q | %q, want %v | %q", tt.locale, em.Title, em.Footer, tt.title, tt.footer)
			}
		})
	}

	t.Run("info", func(t *testing.T) {
		for _, tt := range []struct{ locale, state, uptime, running string }{
			{"de", "Status", "Laufzeit", "läuft"},
			{"fr", "État", "Actif depuis", "en marche"},
			{"en-GB", "State", "Uptime", "running"},
		} {
			resp, err := h.Command(ctx, as(tt.locale, 0), "info", sdk.OptionValue{Name: "container", Type: sdk.OptionString, Value: c.Name})
			if err != nil || len(resp.Message.Embeds) != 1 || len(resp.Message.Embeds[0].Fields) < 2 {
				t.Fatalf("/info as %s = %+v, %v", tt.locale, resp, err)
			}
			f := resp.Message.Embeds[0].Fields
			if f[0].Name != tt.state || !strings.HasPrefix(f[0].Value, tt.running+" (") || f[1].Name != tt.uptime {
				t.Errorf("/info as %s fields = %+v, want %s: %s and %s", tt.locale, f, tt.state, tt.running, tt.uptime)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, tt := range []struct {
			locale, command string
			opt             sdk.OptionValue
			want            string
		}{
			{"de", "container stop", name, "❌ Stopp ist für Web Server (" + c.Name + ") nicht erlaubt"},
			{"fr", "container stop", name, "❌ Action non autorisée pour Web Server (" + c.Name + ") : arrêt"},
			{"de", "container restart", sdk.OptionValue{Name: "name", Type: sdk.OptionString, Value: "gibt-es-nicht"}, "❌ Es gibt keinen Container „gibt-es-nicht“"},
			{"fr", "container logs", sdk.OptionValue{Name: "name", Type: sdk.OptionString, Value: "a;b"},
				"❌ Le nom du conteneur « a;b » contient « ; », ce qui n'est pas permis ; utilisez des lettres, des chiffres, « _ », « . » et « - »"},
		} {
			resp, err := h.Command(ctx, as(tt.locale, sdk.LevelControl), tt.command, tt.opt)
			if err != nil || !resp.Message.Ephemeral || resp.Message.Content != tt.want {
				t.Errorf("/%s as %s = %+v, %v; want the ephemeral %q", tt.command, tt.locale, resp, err, tt.want)
			}
		}
		resp, err := h.Command(ctx, as("de", sdk.LevelView), "container restart", name)
		if err != nil || resp.Message.Content != "❌ Um Container neu zu starten, brauchst du die Stufe Steuern" {
			t.Errorf("/container restart at view level as de = %+v, %v; want the German refusal", resp, err)
		}
	})

	t.Run("logs and list", func(t *testing.T) {
		resp, err := h.Command(ctx, as("de", 0), "container logs", name, sdk.OptionValue{Name: "lines", Type: sdk.OptionInteger, Value: int64(3)})
		if err != nil || len(resp.Message.Components) != 1 || !regexp.MustCompile(`^\d+ Zeilen?$`).MatchString(resp.Message.Embeds[0].Footer) {
			t.Fatalf("/container logs as de = %+v, %v; want a German footer", resp, err)
		}
		resp, err = h.Command(ctx, as("fr", 0), "container list")
		if err != nil || resp.Message.Embeds[0].Title != "🐳 Conteneurs" || !strings.Contains(resp.Message.Embeds[0].Description, "**Web Server** · en marche") {
			t.Fatalf("/container list as fr = %+v, %v", resp, err)
		}
		choices, err := h.Autocomplete(ctx, as("de", sdk.LevelControl), "container restart",
			sdk.OptionValue{Name: "name", Type: sdk.OptionString, Value: "", Focused: true})
		if err != nil || len(choices) != 1 || !strings.Contains(choices[0].Name, " · läuft (") {
			t.Errorf("autocomplete as de = %+v, %v; want the state in German", choices, err)
		}
	})

	t.Run("actions", func(t *testing.T) {
		raw, err := invokeAs(h, sdk.LevelControl, api.ActionRestart, api.Args{Container: c.Name})
		if err != nil {
			t.Fatalf("Invoke(restart) error = %v", err)
		}
		if res := decode[api.ActionResult](t, raw); !strings.Contains(res.Detail, "restarted in") {
			t.Errorf("restart result detail = %q, want English", res.Detail)
		}
		in := &sdk.Interaction{ID: "1", User: sdk.User{ID: "42", Name: "alice"}, Level: sdk.LevelControl, Locale: "de", DefaultLocale: "fr"}
		_, err = h.Client.Invoke(ctx, &sdk.InvokeRequest{Action: api.ActionStop, Args: mustJSON(t, api.Args{Container: c.Name}), Caller: "panels", Interaction: in})
		if msg, _ := sdk.UserMessage(err); !isUser(err, sdk.ErrPermission) || msg != "Stopp ist für Web Server ("+c.Name+") nicht erlaubt" {
			t.Errorf("stop for a German user = %v, want ErrPermission in German", err)
		}
		_, err = h.Invoke(ctx, api.ActionStop, api.Args{Container: c.Name}) // a plugin's own call: the default language
		if msg, _ := sdk.UserMessage(err); !isUser(err, sdk.ErrPermission) || msg != "Action non autorisée pour Web Server ("+c.Name+") : arrêt" {
			t.Errorf("stop without a user = %v, want ErrPermission in French", err)
		}
		if a := h.Host.Audits(); len(a) == 0 || a[len(a)-1].Detail != "stop is not allowed for Web Server ("+c.Name+")" {
			t.Errorf("last audit = %+v, want the refusal in English", a[len(a)-1])
		}
	})
}

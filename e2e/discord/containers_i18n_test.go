package discord

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/moby/moby/api/types/container"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
)

// TestContainersInTheUsersLanguage: the containers plugin (a real
// subprocess of the ddc binary) restarts a real test container for a German
// and a French operator and answers each in their language; /info and a
// refusal follow too. A user whose Discord language the plugin has no
// translation for gets the host's configured default language, French
// here. The commands reach Discord described in German and French.
func TestContainersInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	eng := dockertest.Connect(t)
	ctr := eng.Run(t, dockertest.Options{StopTimeout: time.Second, Labels: map[string]string{"ddc.actions": "start,restart,logs"}})
	e := startHost(t, options{language: "fr", containers: map[string]any{
		"endpoints": []map[string]any{{"name": "local", "host": eng.Host, "label_filter": dockertest.LabelRun + "=" + eng.RunID}},
	}})
	command := func(user, channel, locale, sub string) fakediscord.Interaction {
		return fakediscord.Interaction{
			Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: channel, UserID: user, Locale: locale,
			Command: "container", Options: []fakediscord.Option{{Name: sub, Options: []fakediscord.Option{{Name: "name", Value: ctr.Name}}}},
		}
	}

	restarts := []struct {
		name, locale string
		want         *regexp.Regexp
	}{
		{"German", "de", regexp.MustCompile(`^ \| ✅ ` + ctr.Name + ` in \d+(,\d)? s neu gestartet( \(Healthcheck: [^)]+\))? \| ` + ctr.Name + ` · läuft$`)},
		{"French", "fr", regexp.MustCompile(`^ \| ✅ ` + ctr.Name + ` redémarré en \d+(,\d)? s( \(état de santé : [^)]+\))? \| ` + ctr.Name + ` · en marche$`)},
		{"Japanese falls back to the default", "ja", regexp.MustCompile(`^ \| ✅ ` + ctr.Name + ` redémarré en \d+(,\d)? s( \(état de santé : [^)]+\))? \| ` + ctr.Name + ` · en marche$`)},
		{"British English", "en-GB", regexp.MustCompile(`^ \| ✅ ` + ctr.Name + ` restarted in \d+(\.\d)? s( \(health: [^)]+\))? \| ` + ctr.Name + ` · running$`)},
	}
	for _, tt := range restarts {
		t.Run("restart in "+tt.name, func(t *testing.T) {
			before := eng.Inspect(t, ctr).State.StartedAt
			text, _, _ := answer(t, e.fire(t, command(operator, controlCh, tt.locale, "restart")), 60*time.Second)
			if !tt.want.MatchString(text) {
				t.Errorf("/container restart as %s = %q, want %v", tt.locale, text, tt.want)
			}
			eng.WaitFor(t, ctr, 20*time.Second, "restarted", func(c container.InspectResponse) bool {
				return c.State.Running && c.State.StartedAt != before
			})
		})
	}

	t.Run("info", func(t *testing.T) {
		for _, tt := range []struct{ locale, state, uptime, running string }{
			{"de", "Status", "Laufzeit", "läuft"},
			{"fr", "État", "Actif depuis", "en marche"},
			{"ja", "État", "Actif depuis", "en marche"},
		} {
			in := fakediscord.Interaction{
				Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: otherCh, UserID: viewer, Locale: tt.locale,
				Command: "info", Options: []fakediscord.Option{{Name: "container", Value: ctr.Name}},
			}
			m := reply(t, e.fire(t, in), 30*time.Second)
			if len(m.Embeds) != 1 || len(m.Embeds[0].Fields) < 2 {
				t.Fatalf("/info as %s = %+v, want one embed with fields", tt.locale, m)
			}
			f := m.Embeds[0].Fields
			if f[0].Name != tt.state || !strings.HasPrefix(f[0].Value, tt.running) || f[1].Name != tt.uptime {
				t.Errorf("/info as %s: fields %s=%s, %s=%s; want %s=%s…, %s", tt.locale, f[0].Name, f[0].Value, f[1].Name, f[1].Value, tt.state, tt.running, tt.uptime)
			}
		}
	})

	t.Run("refusal", func(t *testing.T) {
		for _, tt := range []struct{ locale, want string }{
			{"de", "❌ Stopp ist für " + ctr.Name + " nicht erlaubt"},
			{"fr", "❌ Action non autorisée pour " + ctr.Name + " : arrêt"},
			{"ja", "❌ Action non autorisée pour " + ctr.Name + " : arrêt"},
		} {
			text, eph, _ := answer(t, e.fire(t, command(operator, controlCh, tt.locale, "stop")), 30*time.Second)
			if !eph || text != tt.want {
				t.Errorf("/container stop as %s = %q (ephemeral %v), want %q", tt.locale, text, eph, tt.want)
			}
		}
	})

	t.Run("command descriptions", func(t *testing.T) {
		var found bool
		for _, c := range e.srv.Commands(guildID) {
			if c.Name != "container" {
				continue
			}
			found = true
			if c.NameLocalizations == nil || (*c.NameLocalizations)[discordgo.French] != "conteneur" {
				t.Errorf("/container name localizations = %v, want conteneur in French", c.NameLocalizations)
			}
			if c.DescriptionLocalizations == nil || (*c.DescriptionLocalizations)[discordgo.German] != "Docker-Container anzeigen und steuern" {
				t.Errorf("/container description localizations = %v, want German", c.DescriptionLocalizations)
			}
		}
		if !found {
			t.Error("/container is not registered")
		}
	})
	for _, r := range e.srv.Requests() {
		if r.Status >= 400 && !strings.Contains(r.Route, "/gateway") {
			t.Errorf("%s %s answered %d: %s", r.Method, r.Route, r.Status, r.Body)
		}
	}
}

// reply waits for the interaction's visible answer, as answer does, and
// returns the whole message (embeds with their fields).
func reply(t testing.TB, h *fakediscord.InteractionHandle, within time.Duration) *discordgo.Message {
	t.Helper()
	ctx := ctxT(t, within)
	r, err := h.WaitResponse(ctx)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	if r.Type != fakediscord.CallbackDeferredChannelMessage && r.Type != fakediscord.CallbackDeferredUpdateMessage {
		if r.Message == nil {
			t.Fatalf("response %+v has no message", r)
		}
		return r.Message
	}
	m, err := h.WaitOriginal(ctx, func(m *discordgo.Message) bool { return m.Flags&discordgo.MessageFlagsLoading == 0 })
	if err != nil {
		t.Fatalf("deferred interaction never answered: %v", err)
	}
	return m
}

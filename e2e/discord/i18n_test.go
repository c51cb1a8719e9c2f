package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
)

// TestEchoInTheUsersLanguage: the echo plugin (a real subprocess) answers a
// German user in German and a French user in French; a user whose Discord
// language it has no translation for gets the host's configured default
// language, German here, and so do the host's own texts. The command's
// descriptions reach Discord in every language of echo's catalog.
func TestEchoInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	e := startHost(t, options{echo: map[string]any{"prefix": ">"}, language: "de"})
	echo := func(locale, text string) fakediscord.Interaction {
		return fakediscord.Interaction{
			Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: otherCh, UserID: viewer, Locale: locale,
			Command: "echo", Options: []fakediscord.Option{{Name: "text", Value: text}},
		}
	}
	tests := []struct {
		name, locale, text string
		want, button       string
	}{
		{"German", "de", "hallo", "> hallo (1 Echo)", "Nochmal"},
		{"French", "fr", "salut", "> salut (2 échos)", "Encore"},
		{"Japanese falls back to the default", "ja", "konnichiwa", "> konnichiwa (3 Echos)", "Nochmal"},
		{"British English", "en-GB", "hello", "> hello (4 echoes)", "Again"},
	}
	for _, tt := range tests { // in order: the count goes up
		t.Run(tt.name, func(t *testing.T) {
			h := e.fire(t, echo(tt.locale, tt.text))
			r, err := h.WaitResponse(ctxT(t, 20*time.Second))
			if err != nil || r.Message == nil {
				t.Fatalf("/echo as %s: %v %+v", tt.locale, err, r)
			}
			if r.Message.Content != tt.want {
				t.Errorf("/echo as %s = %q, want %q", tt.locale, r.Message.Content, tt.want)
			}
			if got := firstButton(t, r.Data); got != tt.button {
				t.Errorf("/echo as %s: button %q, want %q", tt.locale, got, tt.button)
			}
		})
	}
	t.Run("refusal in the default language", func(t *testing.T) {
		in := echo("ja", " ")
		text, eph, _ := answer(t, e.fire(t, in), 20*time.Second)
		if !eph || text != "Sag etwas: der Text ist leer." {
			t.Errorf("empty /echo as ja = %q (ephemeral %v), want echo's German refusal", text, eph)
		}
	})
	t.Run("command descriptions", func(t *testing.T) {
		for _, c := range e.srv.Commands(guildID) {
			if c.Name != "echo" {
				continue
			}
			if c.DescriptionLocalizations == nil {
				t.Fatal("/echo has no description localizations")
			}
			loc := *c.DescriptionLocalizations
			if loc[discordgo.German] != "Einen Text wiederholen" || loc[discordgo.French] != "Répéter un texte" {
				t.Errorf("/echo description localizations = %v, want German and French", loc)
			}
			return
		}
		t.Error("/echo is not registered")
	})
	for _, r := range e.srv.Requests() {
		if r.Status >= 400 && !strings.Contains(r.Route, "/gateway") {
			t.Errorf("%s %s answered %d: %s", r.Method, r.Route, r.Status, r.Body)
		}
	}
}

// firstButton returns the label of the first button in an interaction
// callback's data, as the host sent it (the fake's Response.Message does
// not carry components: discordgo does not marshal them).
func firstButton(t *testing.T, data json.RawMessage) string {
	t.Helper()
	var d struct {
		Components []struct {
			Components []struct {
				Type  int    `json:"type"`
				Label string `json:"label"`
			} `json:"components"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("callback data %s: %v", data, err)
	}
	for _, row := range d.Components {
		for _, c := range row.Components {
			if c.Type == 2 {
				return c.Label
			}
		}
	}
	return ""
}

package echo_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ddc-go/ddc/plugins/examples/echo"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
	"github.com/ddc-go/ddc/sdk/settings"
)

func TestEcho(t *testing.T) {
	h := sdktest.New(t, echo.New(), sdktest.Config{Settings: map[string]any{"prefix": "🔊", "max_text": 10}})
	ctx := context.Background()

	tests := []struct {
		name    string
		text    string
		want    string
		wantEph bool
	}{
		{name: "first", text: "hello", want: "🔊 hello (1 echo)"},
		{name: "second counts", text: "again", want: "🔊 again (2 echoes)"},
		{name: "empty is a user error", text: "   ", want: "Say something: the text is empty.", wantEph: true},
		{name: "longer than max_text", text: "eleven char", want: "That is too long: at most 10 characters.", wantEph: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h.Command(ctx, sdk.Interaction{}, "echo", sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: tt.text})
			if err != nil {
				t.Fatalf("Command(echo %q) error = %v", tt.text, err)
			}
			if resp.Message.Content != tt.want || resp.Message.Ephemeral != tt.wantEph {
				t.Errorf("Command(echo %q) = %q ephemeral=%v, want %q ephemeral=%v", tt.text, resp.Message.Content, resp.Message.Ephemeral, tt.want, tt.wantEph)
			}
		})
	}
	if got := h.Host.Published(); len(got) != 2 || got[0].Topic != "echo.said" {
		t.Errorf("Published() = %v, want two echo.said events", got)
	}

	resp, err := h.Click(ctx, sdk.Interaction{}, "echo:edit")
	if err != nil || resp.Modal == nil || resp.Modal.Inputs[0].CustomID != "text" || resp.Modal.Inputs[0].MaxLength != 10 {
		t.Fatalf("Click(echo:edit) = %+v, %v; want a modal with a text input of at most max_text", resp, err)
	}
	resp, err = h.Submit(ctx, sdk.Interaction{}, "echo:modal", map[string]string{"text": "from modal"})
	if err != nil || resp.Message.Content != "🔊 from modal" || !resp.Message.Ephemeral {
		t.Fatalf("Submit(echo:modal) = %+v, %v", resp, err)
	}

	raw, err := h.Invoke(ctx, "echo.say", map[string]string{"text": "hi"})
	if err != nil {
		t.Fatalf("Invoke(echo.say) error = %v", err)
	}
	var out map[string]string
	if err := json.Unmarshal(raw, &out); err != nil || out["text"] != "🔊 hi" {
		t.Errorf("Invoke(echo.say) = %s, want text %q", raw, "🔊 hi")
	}
	_, err = h.Invoke(ctx, "echo.nope", nil)
	if !errors.Is(err, sdk.ErrUnsupported) || !strings.Contains(err.Error(), "echo.nope") {
		t.Errorf("Invoke(echo.nope) error = %v, want ErrUnsupported naming the action", err)
	}
}

func TestEchoSpeaksTheUsersLanguage(t *testing.T) {
	h := sdktest.New(t, echo.New(), sdktest.Config{Settings: map[string]any{"prefix": ">"}, DefaultLocale: "fr"})
	ctx := context.Background()
	tests := []struct {
		locale, want, again string
	}{
		{"de", "> hallo (1 Echo)", "Nochmal"},
		{"fr", "> salut (2 échos)", "Encore"},
		{"en-GB", "> hello (3 echoes)", "Again"},
		{"ja", "> konnichiwa (4 échos)", "Encore"}, // no Japanese: the host's default, French
	}
	for _, tt := range tests {
		text := strings.Fields(tt.want)[1]
		resp, err := h.Command(ctx, sdk.Interaction{Locale: tt.locale}, "echo", sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: text})
		if err != nil {
			t.Fatalf("Command(echo, %s) error = %v", tt.locale, err)
		}
		if resp.Message.Content != tt.want {
			t.Errorf("Command(echo, %s) = %q, want %q", tt.locale, resp.Message.Content, tt.want)
		}
		if got := resp.Message.Components[0].Components[0].Label; got != tt.again {
			t.Errorf("Command(echo, %s) button = %q, want %q", tt.locale, got, tt.again)
		}
	}
	resp, err := h.Command(ctx, sdk.Interaction{Locale: "de"}, "echo", sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: " "})
	if err != nil || resp.Message.Content != "Sag etwas: der Text ist leer." {
		t.Errorf("Command(echo empty, de) = %+v, %v; want the German refusal", resp, err)
	}
}

func TestCatalog(t *testing.T) {
	if err := echo.Catalog().Check(); err != nil {
		t.Errorf("echo's translations have gaps:\n%v", err)
	}
	got := echo.New().Info().Commands[0].DescriptionLocalizations
	if got["de"] != "Einen Text wiederholen" || got["fr"] != "Répéter un texte" {
		t.Errorf("command description localizations = %v, want German and French from the catalog", got)
	}
}

func TestSettings(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal([]byte(echo.New().Info().SettingsSchema), &schema); err != nil {
		t.Fatalf("SettingsSchema is not JSON: %v", err)
	}
	if props, _ := schema["properties"].(map[string]any); props["max_text"] == nil || schema["additionalProperties"] != false {
		t.Errorf("SettingsSchema = %v, want max_text and no unknown fields", schema)
	}
	tests := []struct {
		settings string
		want     []settings.Problem
	}{
		{`{"prefix": ">", "max_text": 50}`, nil},
		{`{"max_text": 5000}`, []settings.Problem{{Path: "max_text", Pointer: "/max_text", Message: "must be <= 1000, got 5000"}}},
		{`{"prefix": "a prefix that is too long"}`, []settings.Problem{{Path: "prefix", Pointer: "/prefix", Message: "must be at most 20 characters long, got 25"}}},
		{`{"prefx": ">"}`, []settings.Problem{{Path: "prefx", Pointer: "/prefx", Message: "is not a known setting (known: max_text, prefix)"}}},
	}
	for _, tt := range tests {
		err := echo.New().Configure(context.Background(), json.RawMessage(tt.settings))
		got := settings.Problems(err)
		if len(got) != len(tt.want) || (err == nil) != (tt.want == nil) {
			t.Errorf("Configure(%s) = %v, want problems %v", tt.settings, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Configure(%s) problem %d = %+v, want %+v", tt.settings, i, got[i], tt.want[i])
			}
		}
		if err != nil && !errors.Is(err, sdk.ErrInvalid) {
			t.Errorf("Configure(%s) error %v does not match sdk.ErrInvalid", tt.settings, err)
		}
	}
	// The host sees the same refusal, with the field named, through the
	// plugin protocol.
	h := sdktest.New(t, echo.New(), sdktest.Config{SkipStart: true})
	err := h.Client.Configure(context.Background(), json.RawMessage(`{"max_text": 0}`))
	if err == nil || !strings.Contains(err.Error(), "settings.max_text: must be >= 1, got 0") || !errors.Is(err, sdk.ErrInvalid) {
		t.Errorf("Client.Configure(max_text 0) = %v, want the field and rule named, as invalid input", err)
	}
}

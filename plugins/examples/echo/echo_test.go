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
)

func TestEcho(t *testing.T) {
	h := sdktest.New(t, echo.New(), sdktest.Config{Settings: map[string]any{"prefix": "🔊"}})
	ctx := context.Background()

	tests := []struct {
		name    string
		text    string
		want    string
		wantEph bool
	}{
		{name: "first", text: "hello", want: "🔊 hello (#1)"},
		{name: "second counts", text: "again", want: "🔊 again (#2)"},
		{name: "empty is a user error", text: "   ", want: "say something: the text is empty", wantEph: true},
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
	if err != nil || resp.Modal == nil || resp.Modal.Inputs[0].CustomID != "text" {
		t.Fatalf("Click(echo:edit) = %+v, %v; want a modal with a text input", resp, err)
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

package sdk_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// localePlugin records the default language each call's context carries.
type localePlugin struct {
	mu   sync.Mutex
	seen map[string]string // call → sdk.DefaultLocale(ctx)
	in   sdk.Interaction
}

func (p *localePlugin) Info() sdk.Info {
	return sdk.Info{ID: "loc", Name: "Loc", Version: "1.0.0", Subscribes: []string{"loc.*"},
		Commands: []sdk.Command{{Name: "loc", Description: "Locale"}}}
}

func (p *localePlugin) record(call string, ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[call] = sdk.DefaultLocale(ctx)
}

func (p *localePlugin) Configure(ctx context.Context, _ json.RawMessage) error {
	p.record("configure", ctx)
	return nil
}

func (p *localePlugin) HandleEvent(ctx context.Context, _ sdk.Event) error {
	p.record("event", ctx)
	return nil
}

func (p *localePlugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	p.record("command", ctx)
	p.mu.Lock()
	p.in = req.Interaction
	p.mu.Unlock()
	return sdk.Reply("ok"), nil
}

func TestDefaultLocaleReachesThePlugin(t *testing.T) {
	tests := []struct {
		name, configured, want string
	}{
		{"german host", "de", "de"},
		{"no setting means English", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &localePlugin{seen: map[string]string{}}
			h := sdktest.New(t, p, sdktest.Config{DefaultLocale: tt.configured})
			ctx := context.Background()
			if err := h.Event(ctx, "host", "loc.x", nil); err != nil {
				t.Fatalf("Event() error = %v", err)
			}
			if _, err := h.Command(ctx, sdk.Interaction{Locale: "pt-BR"}, "loc"); err != nil {
				t.Fatalf("Command() error = %v", err)
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			for _, call := range []string{"configure", "event", "command"} {
				if got := p.seen[call]; got != tt.want {
					t.Errorf("sdk.DefaultLocale(ctx) in %s = %q, want %q", call, got, tt.want)
				}
			}
			if p.in.Locale != "pt-BR" || p.in.DefaultLocale != tt.want {
				t.Errorf("Interaction locale = %q, default %q; want pt-BR, %q", p.in.Locale, p.in.DefaultLocale, tt.want)
			}
		})
	}
	if got := sdk.DefaultLocale(context.Background()); got != "" {
		t.Errorf("DefaultLocale(empty context) = %q, want \"\"", got)
	}
}

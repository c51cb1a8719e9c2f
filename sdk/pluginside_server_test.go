package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// panicky panics in the handler named by its boom field, once per call
// while boom is set.
type panicky struct {
	boom atomic.Value // string: the handler to panic in
}

func (p *panicky) panicIn(name string) {
	if v, _ := p.boom.Load().(string); v == name {
		panic("kaboom in " + name)
	}
}

func (p *panicky) Info() sdk.Info {
	return sdk.Info{
		ID: "panicky", Name: "Panicky", Version: "1.0.0", Description: "Panics on purpose.",
		Commands:   []sdk.Command{{Name: "boom", Description: "Boom"}},
		Components: []sdk.ComponentKind{{Kind: "b", Level: sdk.LevelView}, {Kind: "m", Level: sdk.LevelView}},
		Subscribes: []string{"a.*"},
	}
}

func (p *panicky) HandleCommand(context.Context, *sdk.CommandRequest) (*sdk.Response, error) {
	p.panicIn("HandleCommand")
	return sdk.Reply("ok"), nil
}

func (p *panicky) HandleComponent(context.Context, *sdk.ComponentRequest) (*sdk.Response, error) {
	p.panicIn("HandleComponent")
	return sdk.Reply("ok"), nil
}

func (p *panicky) HandleModal(context.Context, *sdk.ModalRequest) (*sdk.Response, error) {
	p.panicIn("HandleModal")
	return sdk.Reply("ok"), nil
}

func (p *panicky) HandleEvent(context.Context, sdk.Event) error {
	p.panicIn("HandleEvent")
	return nil
}

func (p *panicky) Invoke(context.Context, *sdk.InvokeRequest) (json.RawMessage, error) {
	p.panicIn("Invoke")
	return json.RawMessage(`"ok"`), nil
}

func (p *panicky) CheckHealth(context.Context) error {
	p.panicIn("CheckHealth")
	return nil
}

func (p *panicky) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	p.panicIn("HandleHTTP")
	_, _ = w.Write([]byte("ok"))
}

// TestHandlerPanicBecomesError checks that a panicking handler gives its
// caller an error and that the plugin keeps serving afterwards.
func TestHandlerPanicBecomesError(t *testing.T) {
	ctx := context.Background()
	p := &panicky{}
	p.boom.Store("")
	h := sdktest.New(t, p, sdktest.Config{})
	calls := []struct {
		name string
		call func() error
	}{
		{"HandleCommand", func() error { _, err := h.Command(ctx, sdk.Interaction{}, "boom"); return err }},
		{"HandleComponent", func() error { _, err := h.Click(ctx, sdk.Interaction{}, "panicky:b"); return err }},
		{"HandleModal", func() error { _, err := h.Submit(ctx, sdk.Interaction{}, "panicky:m", nil); return err }},
		{"HandleEvent", func() error { return h.Event(ctx, "host", "a.b", nil) }},
		{"Invoke", func() error { _, err := h.Invoke(ctx, "panicky.do", nil); return err }},
		{"HandleHTTP", func() error {
			_, err := h.Client.HandleHTTP(ctx, &grpcplugin.HTTPRequest{Method: "GET", Path: "/"})
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			p.boom.Store(c.name)
			err := c.call()
			p.boom.Store("")
			if err == nil || !strings.Contains(err.Error(), "panic") || !strings.Contains(err.Error(), "kaboom in "+c.name) {
				t.Fatalf("%s that panics: error = %v, want an error naming the panic", c.name, err)
			}
			if _, ok := sdk.UserMessage(err); ok {
				t.Errorf("%s that panics: error %v carries a user message; a panic is not for users", c.name, err)
			}
			// The server is still there and answers normally.
			for _, again := range calls {
				if err := again.call(); err != nil {
					t.Errorf("after a panic in %s, %s error = %v, want nil", c.name, again.name, err)
				}
			}
		})
	}

	t.Run("CheckHealth", func(t *testing.T) {
		p.boom.Store("CheckHealth")
		health, err := h.Client.CheckHealth(ctx)
		p.boom.Store("")
		if err != nil || !health.Degraded || !strings.Contains(health.Message, "kaboom") {
			t.Errorf("CheckHealth that panics = %+v, %v; want degraded naming the panic", health, err)
		}
		if health, err := h.Client.CheckHealth(ctx); err != nil || health.Degraded {
			t.Errorf("CheckHealth after a panic = %+v, %v; want healthy", health, err)
		}
	})
}

type (
	cmdOnly struct {
		sdk.CommandHandlerFunc
	}
	cmdHealth struct {
		sdk.CommandHandlerFunc
		sdk.HealthCheckerFunc
	}
	eventsAndActions struct {
		sdk.ConfigurerFunc
		sdk.EventHandlerFunc
		sdk.ActionHandlerFunc
	}
	interactive struct {
		sdk.StarterFunc
		sdk.StopperFunc
		sdk.CommandHandlerFunc
		sdk.AutocompleteHandlerFunc
		sdk.ComponentHandlerFunc
		sdk.ModalHandlerFunc
		http.HandlerFunc
	}
	infoOnly struct{}
)

func capsInfo() sdk.Info {
	return sdk.Info{ID: "caps", Name: "Caps", Version: "1.0.0", Description: "Capabilities."}
}

func (cmdOnly) Info() sdk.Info          { return capsInfo() }
func (cmdHealth) Info() sdk.Info        { return capsInfo() }
func (eventsAndActions) Info() sdk.Info { return capsInfo() }
func (interactive) Info() sdk.Info      { return capsInfo() }
func (infoOnly) Info() sdk.Info         { return capsInfo() }

// TestHandlersInManifest checks that the manifest lists exactly the handler
// interfaces a plugin implements and that the others answer ErrUnsupported.
func TestHandlersInManifest(t *testing.T) {
	ctx := context.Background()
	reply := sdk.CommandHandlerFunc(func(context.Context, *sdk.CommandRequest) (*sdk.Response, error) {
		return sdk.Reply("ok"), nil
	})
	tests := []struct {
		name   string
		plugin sdk.Plugin
		want   []string
	}{
		{name: "info only", plugin: infoOnly{}, want: nil},
		{name: "command", plugin: cmdOnly{reply}, want: []string{"command"}},
		{name: "command and health", plugin: cmdHealth{reply, func(context.Context) error { return nil }}, want: []string{"command", "health"}},
		{
			name: "events and actions",
			plugin: eventsAndActions{
				func(context.Context, json.RawMessage) error { return nil },
				func(context.Context, sdk.Event) error { return nil },
				func(context.Context, *sdk.InvokeRequest) (json.RawMessage, error) { return json.RawMessage(`1`), nil },
			},
			want: []string{"configure", "event", "invoke"},
		},
		{
			name: "interactive",
			plugin: interactive{
				func(context.Context, sdk.Host) error { return nil },
				func(context.Context) error { return nil },
				reply,
				func(context.Context, *sdk.CommandRequest) ([]sdk.Choice, error) { return nil, nil },
				func(context.Context, *sdk.ComponentRequest) (*sdk.Response, error) { return sdk.Reply("ok"), nil },
				func(context.Context, *sdk.ModalRequest) (*sdk.Response, error) { return sdk.Reply("ok"), nil },
				func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
			},
			want: []string{"start", "stop", "command", "autocomplete", "component", "modal", "http"},
		},
	}
	// calls maps a handler name in the manifest to a call that uses it.
	calls := map[string]func(h *sdktest.Harness) error{
		"command": func(h *sdktest.Harness) error { _, err := h.Command(ctx, sdk.Interaction{}, "x"); return err },
		"autocomplete": func(h *sdktest.Harness) error {
			_, err := h.Autocomplete(ctx, sdk.Interaction{}, "x")
			return err
		},
		"component": func(h *sdktest.Harness) error { _, err := h.Click(ctx, sdk.Interaction{}, "caps:b"); return err },
		"modal":     func(h *sdktest.Harness) error { _, err := h.Submit(ctx, sdk.Interaction{}, "caps:m", nil); return err },
		// The plugin's own answer, whether or not the host would deliver.
		"event": func(h *sdktest.Harness) error {
			return h.Client.HandleEvent(ctx, sdk.Event{Topic: "a.b", Source: "host"})
		},
		"invoke": func(h *sdktest.Harness) error { _, err := h.Invoke(ctx, "caps.do", nil); return err },
		"http": func(h *sdktest.Harness) error {
			_, err := h.Client.HandleHTTP(ctx, &grpcplugin.HTTPRequest{Method: "GET", Path: "/"})
			return err
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sdktest.New(t, tt.plugin, sdktest.Config{})
			if diff := cmp.Diff(tt.want, h.Manifest.Handlers, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Manifest.Handlers mismatch (-want +got):\n%s", diff)
			}
			for name, call := range calls {
				err := call(h)
				if h.Manifest.Has(name) {
					if err != nil {
						t.Errorf("%s (implemented): error = %v, want nil", name, err)
					}
					continue
				}
				if !errors.Is(err, sdk.ErrUnsupported) {
					t.Errorf("%s (not implemented): error = %v, want ErrUnsupported", name, err)
				}
			}
			// Lifecycle calls and health work whether implemented or not.
			if err := h.Client.Configure(ctx, json.RawMessage(`{"a":1}`)); err != nil {
				t.Errorf("Configure() = %v, want nil", err)
			}
			if health, err := h.Client.CheckHealth(ctx); err != nil || health.Degraded {
				t.Errorf("CheckHealth() = %+v, %v; want healthy", health, err)
			}
			if err := h.Client.Stop(ctx); err != nil {
				t.Errorf("Stop() = %v, want nil", err)
			}
		})
	}
}

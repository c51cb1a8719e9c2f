package sdk_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// The plugin side (package sdk) and the host side (package grpcplugin)
// each convert what they send to protobuf and what they receive back. This
// file proves the two are exact inverses: values with every field set cross
// the wire in both directions and arrive equal. unsetFields makes sure the
// values really set every field, so a field added to a type but not to a
// conversion fails here.

// unsetFields returns "Type.Field" for every exported field of every struct
// type reachable from vs that is zero in all the values given. time.Time,
// maps, interfaces and []byte count as values.
func unsetFields(vs ...any) []string {
	all := map[string]bool{}
	set := map[string]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return
			}
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if !f.IsExported() {
					continue
				}
				key := v.Type().String() + "." + f.Name
				all[key] = true
				if !v.Field(i).IsZero() && !(v.Field(i).Kind() == reflect.Slice && v.Field(i).Len() == 0) {
					set[key] = true
				}
				walk(v.Field(i))
			}
		}
	}
	for _, v := range vs {
		walk(reflect.ValueOf(v))
	}
	var out []string
	for k := range all {
		if !set[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// wire records every request it gets and answers with what the test set.
type wire struct {
	info sdk.Info

	mu          sync.Mutex
	host        sdk.Host
	command     *sdk.CommandRequest
	auto        *sdk.CommandRequest
	component   *sdk.ComponentRequest
	modal       *sdk.ModalRequest
	event       sdk.Event
	invoke      *sdk.InvokeRequest
	invokeIn    sdk.Interaction
	http        *http.Request
	httpBody    []byte
	resp        *sdk.Response
	choices     []sdk.Choice
	httpHeaders http.Header
}

func (w *wire) Info() sdk.Info     { return w.info }
func (w *wire) SetHost(h sdk.Host) { w.host = h }
func (w *wire) HandleEvent(_ context.Context, ev sdk.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.event = ev
	return nil
}

func (w *wire) HandleCommand(_ context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.command = req
	return w.resp, nil
}

func (w *wire) HandleAutocomplete(_ context.Context, req *sdk.CommandRequest) ([]sdk.Choice, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.auto = req
	return w.choices, nil
}

func (w *wire) HandleComponent(_ context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.component = req
	return w.resp, nil
}

func (w *wire) HandleModal(_ context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.modal = req
	return w.resp, nil
}

func (w *wire) Invoke(ctx context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.invoke = req
	w.invokeIn, _ = sdk.InteractionFrom(ctx)
	return json.RawMessage(`{"done":[1,"two",{"three":3}]}`), nil
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	w.http, w.httpBody = r, body
	for k, vs := range w.httpHeaders {
		rw.Header()[k] = vs
	}
	w.mu.Unlock()
	rw.WriteHeader(http.StatusTeapot)
	_, _ = rw.Write([]byte("short and stout"))
}

func fullInfo() sdk.Info {
	return sdk.Info{
		ID: "wire", Name: "Wire", Version: "2.0.0-rc.1+b7", Description: "Crosses the wire.",
		Commands: []sdk.Command{{
			Name: "ctl", Description: "Control", Level: sdk.LevelControl,
			NameLocalizations: map[string]string{"de": "steuern"}, DescriptionLocalizations: map[string]string{"fr": "Contrôler"},
			Options: []sdk.Option{{
				Name: "restart", Description: "Restart one", Type: sdk.OptionSubcommand, Level: sdk.LevelAdmin,
				NameLocalizations: map[string]string{"de": "neustart"}, DescriptionLocalizations: map[string]string{"de": "Neu starten"},
				Options: []sdk.Option{
					{Name: "name", Description: "Container", Type: sdk.OptionString, Required: true, Autocomplete: true},
					{Name: "mode", Description: "How", Type: sdk.OptionString, Choices: []sdk.Choice{
						{Name: "Soft", Value: "soft", NameLocalizations: map[string]string{"de": "Sanft"}},
					}},
				},
			}},
		}},
		ComponentPrefix: "w",
		Components:      []sdk.ComponentKind{{Kind: "restart", Level: sdk.LevelControl}, {Kind: "look", Level: sdk.LevelView}},
		Subscribes:      []string{"container.*"},
		Provides:        []string{"wire.do"},
		Calls:           []string{"other.*"},
		SettingsSchema:  `{"type":"object"}`,
		Pages:           []sdk.Page{{Path: "status", Title: "Status"}},
		Capabilities:    []string{"docker"},
		Intents:         1<<9 | 1<<15,
	}
}

func fullInteraction() sdk.Interaction {
	return sdk.Interaction{
		ID: "900000000000000001", GuildID: "100000000000000002", ChannelID: "300000000000000003",
		User: sdk.User{ID: "200000000000000004", Name: "ana"}, RoleIDs: []string{"r1", "r2"},
		Locale: "fr", Level: sdk.LevelAdmin, DefaultLocale: "de",
	}
}

// fullResponse sets every field of a response, a modal included (the wire
// carries both; the host uses the modal).
func fullResponse() *sdk.Response {
	msg := richMessage()
	msg.Embeds[0].Footer = "local"
	return &sdk.Response{
		Message: msg,
		Modal: &sdk.Modal{CustomID: "w:modal", Title: "Rename", Inputs: []sdk.Component{{
			Type: sdk.ComponentTextInput, CustomID: "name", Label: "New name", Placeholder: "plex-2",
			Paragraph: true, Required: true, Value: "plex", MaxLength: 64,
		}}},
		Update: true,
	}
}

// TestEveryFieldCrossesTheWire sends every field of every type each way.
func TestEveryFieldCrossesTheWire(t *testing.T) {
	ctx := context.Background()
	p := &wire{info: fullInfo(), resp: fullResponse(), httpHeaders: http.Header{"X-A": {"1", "2"}, "Content-Type": {"text/plain"}}}
	p.choices = []sdk.Choice{{Name: "plex", Value: "local/plex", NameLocalizations: map[string]string{"de": "Plex"}}}
	h := sdktest.New(t, p, sdktest.Config{})
	in := fullInteraction()
	opts := []sdk.OptionValue{
		{Name: "name", Type: sdk.OptionString, Value: "plex", Focused: true},
		{Name: "count", Type: sdk.OptionInteger, Value: int64(3)},
		{Name: "ratio", Type: sdk.OptionNumber, Value: 0.5},
		{Name: "force", Type: sdk.OptionBoolean, Value: true},
	}
	cmdReq := &sdk.CommandRequest{Interaction: in, Command: "ctl", Subcommand: []string{"restart"}, Options: opts}
	compReq := &sdk.ComponentRequest{Interaction: in, CustomID: "w:pick", Type: sdk.ComponentSelect, Values: []string{"a", "b"}, MessageID: "500000000000000001"}
	modalReq := &sdk.ModalRequest{Interaction: in, CustomID: "w:modal", Fields: map[string]string{"name": "plex-2"}}
	ev := sdk.Event{Topic: "container.state", Payload: []byte(`{"state":"running"}`), Source: "containers"}
	invReq := &sdk.InvokeRequest{Action: "wire.do", Args: json.RawMessage(`{"x":[1,2]}`), Caller: "other", Interaction: &in, CallerLevel: sdk.LevelControl}
	audit := sdk.AuditEntry{UserID: "u", UserName: "ana", GuildID: "g", ChannelID: "c", Action: "container.restart", Target: "local/plex", Result: "ok", Detail: "in 2s"}
	manifest := grpcplugin.Manifest{Info: fullInfo(), ProtocolVersion: sdk.ProtocolVersion, Handlers: []string{"x"}}
	if missing := unsetFields(manifest, cmdReq, compReq, modalReq, ev, invReq, audit, p.resp, p.choices); len(missing) > 0 {
		t.Fatalf("the test values leave fields unset, so they are not tested: %v", missing)
	}

	t.Run("manifest", func(t *testing.T) {
		if diff := cmp.Diff(fullInfo(), h.Manifest.Info); diff != "" {
			t.Errorf("manifest mismatch (-sent +received):\n%s", diff)
		}
		want := []string{"command", "autocomplete", "component", "modal", "event", "invoke", "http"}
		if h.Manifest.ProtocolVersion != sdk.ProtocolVersion || !cmp.Equal(want, h.Manifest.Handlers) {
			t.Errorf("protocol %d handlers %v, want %d %v", h.Manifest.ProtocolVersion, h.Manifest.Handlers, sdk.ProtocolVersion, want)
		}
	})
	t.Run("host to plugin and back", func(t *testing.T) {
		resp, err := h.Client.HandleCommand(ctx, cmdReq)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "command response", p.resp, resp)
		choices, err := h.Client.HandleAutocomplete(ctx, cmdReq)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "choices", p.choices, choices)
		if resp, err = h.Client.HandleComponent(ctx, compReq); err != nil {
			t.Fatal(err)
		}
		check(t, "component response", p.resp, resp)
		if resp, err = h.Client.HandleModal(ctx, modalReq); err != nil {
			t.Fatal(err)
		}
		check(t, "modal response", p.resp, resp)
		if err := h.Client.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		result, err := h.Client.Invoke(ctx, invReq)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "invoke result", json.RawMessage(`{"done":[1,"two",{"three":3}]}`), result)

		p.mu.Lock()
		defer p.mu.Unlock()
		check(t, "command request", cmdReq, p.command)
		check(t, "autocomplete request", cmdReq, p.auto)
		check(t, "component request", compReq, p.component)
		check(t, "modal request", modalReq, p.modal)
		check(t, "event", ev, p.event)
		check(t, "invoke request", invReq, p.invoke)
		check(t, "invoke context interaction", in, p.invokeIn)
	})
	t.Run("http", func(t *testing.T) {
		req := &grpcplugin.HTTPRequest{
			Method: "POST", Path: "/status/x", RawQuery: "a=1&b=2",
			Header: http.Header{"X-Token": {"t1", "t2"}}, Body: []byte("hello"), User: "admin",
		}
		resp, err := h.Client.HandleHTTP(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want := &grpcplugin.HTTPResponse{Status: http.StatusTeapot, Header: p.httpHeaders, Body: []byte("short and stout")}
		check(t, "http response", want, resp)
		p.mu.Lock()
		defer p.mu.Unlock()
		got := struct {
			Method, Path, RawQuery string
			Header                 http.Header
			Body                   []byte
		}{p.http.Method, p.http.URL.Path, p.http.URL.RawQuery, p.http.Header, p.httpBody}
		check(t, "http request", struct {
			Method, Path, RawQuery string
			Header                 http.Header
			Body                   []byte
		}{req.Method, req.Path, req.RawQuery, req.Header, req.Body}, got)
	})
	t.Run("plugin to host", func(t *testing.T) {
		msg := fullResponse().Message
		if _, err := p.host.Send(ctx, "300000000000000009", msg); err != nil {
			t.Fatal(err)
		}
		check(t, "sent message", msg, h.Host.Sent()[0].Message)
		if err := p.host.Audit(ctx, audit); err != nil {
			t.Fatal(err)
		}
		check(t, "audit entry", audit, h.Host.Audits()[0])
		var seen sdk.Interaction
		h.Host.HandleAction("other.do", func(ctx context.Context, args json.RawMessage) (any, error) {
			seen, _ = sdk.InteractionFrom(ctx)
			return map[string]any{"args": args}, nil
		})
		var out map[string]json.RawMessage
		if err := p.host.Invoke(grpcplugin.WithInteraction(ctx, in), "other.do", map[string]int{"n": 1}, &out); err != nil {
			t.Fatal(err)
		}
		check(t, "invoked action's args", json.RawMessage(`{"n":1}`), out["args"])
		check(t, "interaction forwarded by Host.Invoke", in, seen)
	})
}

func check(t *testing.T, what string, sent, received any) {
	t.Helper()
	if diff := cmp.Diff(sent, received, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s mismatch (-sent +received):\n%s", what, diff)
	}
}

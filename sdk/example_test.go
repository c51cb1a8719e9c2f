package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/ddc-go/ddc/sdk"
)

// A plugin is any value with an Info method; it gains a capability by
// implementing the matching handler interface, or by embedding a Func
// adapter as these examples do. Handlers are called with a context that
// carries the caller's deadline; the examples call them directly, as a
// unit test would (package sdktest runs a whole plugin over the wire).

// Serve runs a plugin from main.
func ExampleServe() {
	if err := sdk.Serve(myPlugin{}); err != nil {
		// Run by hand instead of by `ddc serve`, Serve says so.
		fmt.Println(errors.Is(err, sdk.ErrNotLaunchedByHost))
	}
	// Output: true
}

type myPlugin struct{}

func (myPlugin) Info() sdk.Info {
	return sdk.Info{ID: "hello", Name: "Hello", Version: "1.0.0", Description: "Says hello."}
}

func ExampleCommandHandlerFunc() {
	ping := sdk.CommandHandlerFunc(func(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
		if req.Sub() == "loud" {
			return sdk.Reply(strings.ToUpper("pong, " + req.User.Name)), nil
		}
		return sdk.Ephemeral("pong, " + req.User.Name), nil
	})
	resp, _ := ping.HandleCommand(context.Background(), &sdk.CommandRequest{
		Interaction: sdk.Interaction{User: sdk.User{Name: "ana"}}, Command: "ping", Subcommand: []string{"loud"},
	})
	fmt.Println(resp.Message.Content, resp.Message.Ephemeral)
	// Output: PONG, ANA false
}

func ExampleAutocompleteHandlerFunc() {
	names := []string{"nginx", "plex", "postgres"}
	complete := sdk.AutocompleteHandlerFunc(func(ctx context.Context, req *sdk.CommandRequest) ([]sdk.Choice, error) {
		typed, _ := req.Focused()
		var out []sdk.Choice
		for _, n := range names {
			if strings.HasPrefix(n, fmt.Sprint(typed.Value)) {
				out = append(out, sdk.Choice{Name: n, Value: n})
			}
		}
		return out, nil
	})
	choices, _ := complete.HandleAutocomplete(context.Background(), &sdk.CommandRequest{
		Command: "container", Options: []sdk.OptionValue{{Name: "name", Type: sdk.OptionString, Value: "p", Focused: true}},
	})
	fmt.Println(choices)
	// Output: [{plex plex map[]} {postgres postgres map[]}]
}

func ExampleComponentHandlerFunc() {
	// Custom ids are "<prefix>:<kind>:<data>"; declare each kind with its
	// level in Info.Components.
	click := sdk.ComponentHandlerFunc(func(ctx context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
		kind, data, _ := strings.Cut(strings.TrimPrefix(req.CustomID, "demo:"), ":")
		switch kind {
		case "restart":
			return &sdk.Response{Update: true, Message: sdk.Message{Content: "restarting " + data}}, nil
		}
		return nil, sdk.Errorf("unknown button %q: %w", req.CustomID, sdk.ErrUnsupported)
	})
	resp, _ := click.HandleComponent(context.Background(), &sdk.ComponentRequest{CustomID: "demo:restart:plex", Type: sdk.ComponentButton})
	fmt.Println(resp.Message.Content, resp.Update)
	_, err := click.HandleComponent(context.Background(), &sdk.ComponentRequest{CustomID: "demo:nope"})
	msg, _ := sdk.UserMessage(err)
	fmt.Println(msg)
	// Output:
	// restarting plex true
	// unknown button "demo:nope": not supported
}

func ExampleModalHandlerFunc() {
	submit := sdk.ModalHandlerFunc(func(ctx context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
		name := strings.TrimSpace(req.Fields["name"])
		if name == "" {
			return nil, sdk.Errorf("the name is empty: %w", sdk.ErrInvalid)
		}
		return sdk.Ephemeral("renamed to " + name), nil
	})
	resp, _ := submit.HandleModal(context.Background(), &sdk.ModalRequest{CustomID: "demo:rename", Fields: map[string]string{"name": " plex-2 "}})
	fmt.Println(resp.Message.Content)
	// Output: renamed to plex-2
}

func ExampleEventHandlerFunc() {
	// Events arrive on the topics in Info.Subscribes ("container.*").
	onEvent := sdk.EventHandlerFunc(func(ctx context.Context, ev sdk.Event) error {
		var st struct{ Container, State string }
		if err := ev.Decode(&st); err != nil {
			return err
		}
		fmt.Printf("%s from %s: %s is %s\n", ev.Topic, ev.Source, st.Container, st.State)
		return nil
	})
	_ = onEvent.HandleEvent(context.Background(), sdk.Event{
		Topic: "container.state", Source: "containers", Payload: []byte(`{"container":"plex","state":"running"}`),
	})
	// Output: container.state from containers: plex is running
}

func ExampleActionHandlerFunc() {
	// Other plugins call the actions in Info.Provides with Host.Invoke.
	act := sdk.ActionHandlerFunc(func(ctx context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
		var args struct{ A, B int }
		if err := json.Unmarshal(req.Args, &args); err != nil {
			return nil, fmt.Errorf("%s args: %v: %w", req.Action, err, sdk.ErrInvalid)
		}
		return json.Marshal(map[string]int{"sum": args.A + args.B})
	})
	out, _ := act.Invoke(context.Background(), &sdk.InvokeRequest{Action: "calc.add", Args: json.RawMessage(`{"a":2,"b":3}`), Caller: "panels"})
	fmt.Println(string(out))
	_, err := act.Invoke(context.Background(), &sdk.InvokeRequest{Action: "calc.add", Args: json.RawMessage(`[`)})
	fmt.Println(errors.Is(err, sdk.ErrInvalid))
	// Output:
	// {"sum":5}
	// true
}

func ExampleHealthCheckerFunc() {
	reachable := false
	check := sdk.HealthCheckerFunc(func(ctx context.Context) error {
		if !reachable {
			return fmt.Errorf("docker endpoint local unreachable: %w", sdk.ErrUnavailable)
		}
		return nil
	})
	fmt.Println(check.CheckHealth(context.Background()))
	reachable = true
	fmt.Println(check.CheckHealth(context.Background()))
	// Output:
	// docker endpoint local unreachable: unavailable
	// <nil>
}

func ExampleConfigurerFunc() {
	var prefix string
	configure := sdk.ConfigurerFunc(func(ctx context.Context, settings json.RawMessage) error {
		var s struct {
			Prefix string `json:"prefix"`
		}
		if err := json.Unmarshal(settings, &s); err != nil {
			return fmt.Errorf("settings: %v: %w", err, sdk.ErrInvalid)
		}
		prefix = s.Prefix
		return nil
	})
	_ = configure.Configure(context.Background(), json.RawMessage(`{"prefix":"🔊"}`))
	fmt.Println(prefix)
	// Output: 🔊
}

// counter keeps its Host in a plain field: SetHost runs before Configure,
// Start and every handler, so no lock and no nil check are needed.
type counter struct{ host sdk.Host }

func (c *counter) Info() sdk.Info {
	return sdk.Info{ID: "counter", Name: "Counter", Version: "1.0.0", Description: "Counts."}
}

func (c *counter) SetHost(h sdk.Host) { c.host = h }

func (c *counter) Configure(ctx context.Context, _ json.RawMessage) error {
	// The Host is connected before the first Configure.
	return c.host.KV().Put(ctx, "configured", []byte("yes"))
}

func ExampleHostSetter() {
	if err := sdk.Serve(&counter{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

func ExampleStarterFunc() {
	// Start begins background work and returns at once; Stop ends it.
	stop := make(chan struct{})
	done := make(chan struct{})
	start := sdk.StarterFunc(func(ctx context.Context, host sdk.Host) error {
		go func() {
			defer close(done)
			<-stop
		}()
		return nil
	})
	stopper := sdk.StopperFunc(func(ctx context.Context) error {
		close(stop)
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	fmt.Println(start.Start(context.Background(), nil), stopper.Stop(context.Background()))
	// Output: <nil> <nil>
}

func ExampleHTTPHandler() {
	// A plugin that is an http.Handler serves Info.Pages under /p/<id>/.
	var page sdk.HTTPHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "status page %s", r.URL.Path)
	})
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 status page /status
}

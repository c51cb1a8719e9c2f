package sdktest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// listener records the events it receives.
type listener struct {
	subscribes []string
	mu         sync.Mutex
	got        []sdk.Event
}

func (l *listener) Info() sdk.Info {
	return sdk.Info{ID: "listener", Name: "Listener", Version: "1.0.0", Subscribes: l.subscribes}
}

func (l *listener) HandleEvent(_ context.Context, ev sdk.Event) error {
	l.mu.Lock()
	l.got = append(l.got, ev)
	l.mu.Unlock()
	return nil
}

// deaf subscribes but has no event handler.
type deaf struct{}

func (deaf) Info() sdk.Info {
	return sdk.Info{ID: "deaf", Name: "Deaf", Version: "1.0.0", Subscribes: []string{"container.*"}}
}

// TestEventDelivery checks that Event delivers what the host's bus would
// deliver, with its source, and refuses the rest.
func TestEventDelivery(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		subscribes []string
		source     string
		topic      string
		delivered  bool
	}{
		{name: "exact topic", subscribes: []string{"container.state"}, source: "containers", topic: "container.state", delivered: true},
		{name: "family", subscribes: []string{"container.*"}, source: "host", topic: "container.stats", delivered: true},
		{name: "deeper in the family", subscribes: []string{"container.*"}, source: "containers", topic: "container.state.changed", delivered: true},
		{name: "second pattern", subscribes: []string{"a.b", "schedule.*"}, source: "scheduler", topic: "schedule.run", delivered: true},
		{name: "other topic", subscribes: []string{"container.state"}, source: "containers", topic: "container.stats"},
		{name: "family is not a prefix of words", subscribes: []string{"container.*"}, source: "containers", topic: "containers.state"},
		{name: "family does not hold its own name", subscribes: []string{"container.*"}, source: "containers", topic: "container"},
		{name: "no subscriptions", source: "host", topic: "container.state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &listener{subscribes: tt.subscribes}
			h := sdktest.New(t, l, sdktest.Config{})
			err := h.Event(ctx, tt.source, tt.topic, []byte(`{"n":1}`))
			var want []sdk.Event
			if tt.delivered {
				if err != nil {
					t.Fatalf("Event(%s, %s) = %v, want delivered", tt.source, tt.topic, err)
				}
				want = []sdk.Event{{Topic: tt.topic, Payload: []byte(`{"n":1}`), Source: tt.source}}
			} else if !errors.Is(err, sdktest.ErrNotDelivered) || !strings.Contains(err.Error(), tt.topic) {
				t.Fatalf("Event(%s, %s) = %v, want ErrNotDelivered naming the topic", tt.source, tt.topic, err)
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			if diff := cmp.Diff(want, l.got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events received mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no event handler", func(t *testing.T) {
		h := sdktest.New(t, deaf{}, sdktest.Config{})
		if err := h.Event(ctx, "host", "container.state", nil); !errors.Is(err, sdktest.ErrNotDelivered) {
			t.Errorf("Event to a plugin without an event handler = %v, want ErrNotDelivered", err)
		}
	})
}

// quietChildEnv makes the test binary run one harness for
// TestNoGoPluginDebugLines.
const quietChildEnv = "DDC_SDKTEST_QUIET_CHILD"

// TestNoGoPluginDebugLines runs a harness in a child test process with -v
// and checks that none of go-plugin's debug lines ("[DEBUG] stdio: received
// EOF, ...") reach the output, while the plugin's own log lines do.
func TestNoGoPluginDebugLines(t *testing.T) {
	if os.Getenv(quietChildEnv) == "1" {
		l := &listener{subscribes: []string{"a.*"}}
		h := sdktest.New(t, l, sdktest.Config{})
		if err := h.Event(context.Background(), "host", "a.b", nil); err != nil {
			t.Fatal(err)
		}
		h.Host.Logger().Info("plugin log line reaches the test log")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoGoPluginDebugLines$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), quietChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "plugin log line reaches the test log") {
		t.Errorf("child output lacks the plugin's log line:\n%s", out)
	}
	for _, noise := range []string{"[DEBUG]", "[TRACE]", "stdio"} {
		if strings.Contains(string(out), noise) {
			t.Errorf("child output has go-plugin's %q lines:\n%s", noise, out)
		}
	}
}

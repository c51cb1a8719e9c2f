package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// keeper keeps the Host it is started with, so a test can call the Host
// API from the plugin's side of the wire.
type keeper struct {
	mu   sync.Mutex
	host sdk.Host
}

func (k *keeper) Info() sdk.Info {
	return sdk.Info{
		ID: "keeper", Name: "Keeper", Version: "1.0.0", Description: "Keeps things.",
		Calls: []string{"containers.restart", "containers.list", "busy.*"},
	}
}

func (k *keeper) Start(_ context.Context, h sdk.Host) error {
	k.mu.Lock()
	k.host = h
	k.mu.Unlock()
	return nil
}

func (k *keeper) Host() sdk.Host {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.host
}

// TestHostAPIThroughHarness calls every Host method from the plugin side
// over the broker and checks what the recording host saw and answered.
func TestHostAPIThroughHarness(t *testing.T) {
	ctx := context.Background()
	k := &keeper{}
	h := sdktest.New(t, k, sdktest.Config{})
	host := k.Host()
	if host == nil {
		t.Fatal("Start did not receive a Host")
	}
	if host.Logger() == nil {
		t.Error("Host.Logger() = nil, want a logger")
	}
	kv := host.KV()

	t.Run("kv", func(t *testing.T) {
		steps := []struct {
			name string
			do   func() (any, error)
			want any
			err  error
		}{
			{"get missing", func() (any, error) { v, ok, err := kv.Get(ctx, "a/1"); return fmt.Sprintf("%s %v", v, ok), err }, " false", nil},
			{"put", func() (any, error) { return nil, kv.Put(ctx, "a/1", []byte("one")) }, nil, nil},
			{"put second", func() (any, error) { return nil, kv.Put(ctx, "a/2", []byte{0, 1, 2, 0xff}) }, nil, nil},
			{"put other prefix", func() (any, error) { return nil, kv.Put(ctx, "b/1", []byte("x")) }, nil, nil},
			{"get", func() (any, error) { v, ok, err := kv.Get(ctx, "a/1"); return fmt.Sprintf("%s %v", v, ok), err }, "one true", nil},
			{"get binary", func() (any, error) { v, _, err := kv.Get(ctx, "a/2"); return v, err }, []byte{0, 1, 2, 0xff}, nil},
			{"overwrite", func() (any, error) { return nil, kv.Put(ctx, "a/1", []byte("uno")) }, nil, nil},
			{"get overwritten", func() (any, error) { v, ok, err := kv.Get(ctx, "a/1"); return fmt.Sprintf("%s %v", v, ok), err }, "uno true", nil},
			{"list prefix", func() (any, error) { return kv.List(ctx, "a/") }, []string{"a/1", "a/2"}, nil},
			{"list all", func() (any, error) { return kv.List(ctx, "") }, []string{"a/1", "a/2", "b/1"}, nil},
			{"list none", func() (any, error) { return kv.List(ctx, "zzz") }, []string(nil), nil},
			{"delete", func() (any, error) { return nil, kv.Delete(ctx, "a/1") }, nil, nil},
			{"delete missing", func() (any, error) { return nil, kv.Delete(ctx, "a/1") }, nil, nil},
			{"get deleted", func() (any, error) { v, ok, err := kv.Get(ctx, "a/1"); return fmt.Sprintf("%s %v", v, ok), err }, " false", nil},
			{"list after delete", func() (any, error) { return kv.List(ctx, "a/") }, []string{"a/2"}, nil},
			{"put empty key", func() (any, error) { return nil, kv.Put(ctx, "", []byte("x")) }, nil, sdk.ErrInvalid},
		}
		for _, s := range steps {
			got, err := s.do()
			if s.err != nil {
				if !errors.Is(err, s.err) {
					t.Errorf("%s: error = %v, want %v", s.name, err, s.err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: error = %v", s.name, err)
				continue
			}
			if diff := cmp.Diff(s.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: mismatch (-want +got):\n%s", s.name, diff)
			}
		}
	})

	t.Run("publish", func(t *testing.T) {
		events := []sdk.Event{
			{Topic: "keeper.saved", Payload: []byte(`{"n":1}`), Source: "keeper"},
			{Topic: "keeper.saved", Payload: []byte(`{"n":2}`), Source: "keeper"},
			{Topic: "keeper.other", Payload: nil, Source: "keeper"},
		}
		for _, ev := range events {
			if err := host.Publish(ctx, ev.Topic, ev.Payload); err != nil {
				t.Fatalf("Publish(%s) error = %v", ev.Topic, err)
			}
		}
		if diff := cmp.Diff(events, h.Host.Published(), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Published() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("audit", func(t *testing.T) {
		in := sdk.Interaction{GuildID: "g1", ChannelID: "c1", User: sdk.User{ID: "u1", Name: "ana"}}
		entries := []sdk.AuditEntry{
			sdk.AuditFor(in, "container.restart", "local/plex", "ok", "restarted in 2s"),
			{Action: "schedule.run", Target: "nightly", Result: "failed", Detail: "docker unreachable"},
		}
		for _, e := range entries {
			if err := host.Audit(ctx, e); err != nil {
				t.Fatalf("Audit(%s) error = %v", e.Action, err)
			}
		}
		if diff := cmp.Diff(entries, h.Host.Audits()); diff != "" {
			t.Errorf("Audits() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("messages", func(t *testing.T) {
		id, err := host.Send(ctx, "c1", sdk.Message{Content: "hello"})
		if err != nil || id == "" {
			t.Fatalf("Send() = %q, %v; want an id", id, err)
		}
		if err := host.Edit(ctx, "c1", id, sdk.Message{Content: "hello again"}); err != nil {
			t.Errorf("Edit(%s) error = %v", id, err)
		}
		h.Host.DeleteByUser(id)
		if err := host.Edit(ctx, "c1", id, sdk.Message{Content: "gone"}); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("Edit of a message deleted by a user: error = %v, want ErrNotFound", err)
		}
		if err := host.Delete(ctx, "c1", id); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("Delete of a deleted message: error = %v, want ErrNotFound", err)
		}
		if _, err := host.Followup(ctx, "123", sdk.Message{Content: "late"}); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("Followup to an unknown interaction: error = %v, want ErrNotFound", err)
		}
		if got := h.Host.Edits(); len(got) != 1 || got[0].Message.Content != "hello again" {
			t.Errorf("Edits() = %+v, want one edit", got)
		}
	})

	t.Run("invoke", func(t *testing.T) {
		var seen sdk.Interaction
		var seenOK bool
		h.Host.HandleAction("containers.restart", func(ctx context.Context, args json.RawMessage) (any, error) {
			seen, seenOK = sdk.InteractionFrom(ctx)
			var a struct{ Name string }
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, err
			}
			return map[string]string{"restarted": a.Name}, nil
		})
		h.Host.HandleAction("busy.now", func(context.Context, json.RawMessage) (any, error) {
			return nil, fmt.Errorf("restart in progress: %w", sdk.ErrBusy)
		})
		h.Host.HandleAction("busy.user", func(context.Context, json.RawMessage) (any, error) {
			return nil, sdk.Errorf("plex is restarting, try again in a minute: %w", sdk.ErrBusy)
		})
		h.Host.HandleAction("containers.stop", func(context.Context, json.RawMessage) (any, error) { return "stopped", nil })

		in := sdk.Interaction{ID: "i1", User: sdk.User{ID: "u1", Name: "ana"}, Level: sdk.LevelControl}
		tests := []struct {
			name    string
			ctx     context.Context
			action  string
			want    map[string]string
			err     error
			userMsg string
		}{
			{name: "allowed", ctx: ctx, action: "containers.restart", want: map[string]string{"restarted": "plex"}},
			{name: "with interaction", ctx: grpcplugin.WithInteraction(ctx, in), action: "containers.restart", want: map[string]string{"restarted": "plex"}},
			{name: "not in calls", ctx: ctx, action: "containers.stop", err: sdk.ErrPermission},
			{name: "nobody provides it", ctx: ctx, action: "containers.list", err: sdk.ErrNotFound},
			{name: "provider busy", ctx: ctx, action: "busy.now", err: sdk.ErrBusy},
			{name: "provider user error", ctx: ctx, action: "busy.user", err: sdk.ErrBusy, userMsg: "plex is restarting, try again in a minute: busy"},
		}
		for _, tt := range tests {
			seen, seenOK = sdk.Interaction{}, false
			var got map[string]string
			err := host.Invoke(tt.ctx, tt.action, map[string]string{"name": "plex"}, &got)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("%s: Invoke(%s) error = %v, want %v", tt.name, tt.action, err, tt.err)
				}
				if msg, _ := sdk.UserMessage(err); msg != tt.userMsg {
					t.Errorf("%s: Invoke(%s) user message = %q, want %q", tt.name, tt.action, msg, tt.userMsg)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: Invoke(%s) error = %v", tt.name, tt.action, err)
				continue
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: Invoke(%s) result mismatch (-want +got):\n%s", tt.name, tt.action, diff)
			}
			wantIn, wantOK := sdk.InteractionFrom(tt.ctx)
			if seenOK != wantOK || !cmp.Equal(seen, wantIn, cmpopts.EquateEmpty()) {
				t.Errorf("%s: provider saw interaction %+v (%v), want %+v (%v)", tt.name, seen, seenOK, wantIn, wantOK)
			}
		}
	})
}

// TestHostAPIFirstCallLate makes the plugin's first Host call 30 s after it
// started. go-plugin forgets a broker id's connection info about 5 s after
// the host offers it; the SDK connects as soon as it gets the id.
func TestHostAPIFirstCallLate(t *testing.T) {
	t.Parallel()
	k := &keeper{}
	h := sdktest.New(t, k, sdktest.Config{})
	// The point of the test is the time that passes, not a condition.
	time.Sleep(30 * time.Second)
	ctx := context.Background()
	if err := k.Host().KV().Put(ctx, "late", []byte("yes")); err != nil {
		t.Fatalf("first Host call 30 s after start: %v", err)
	}
	if v, ok, _ := h.Host.KV().Get(ctx, "late"); !ok || string(v) != "yes" {
		t.Errorf("host KV late = %q, %v; want yes", v, ok)
	}
}

// TestRenewHost gives the plugin a new Host connection, as the host does
// when the plugin reports its connection lost, and closes the old one: the
// plugin's calls go on working.
func TestRenewHost(t *testing.T) {
	ctx := context.Background()
	k := &keeper{}
	h := sdktest.New(t, k, sdktest.Config{})
	for i := range 3 {
		key := fmt.Sprintf("k%d", i)
		if err := k.Host().KV().Put(ctx, key, []byte("v")); err != nil {
			t.Fatalf("Put(%s) before renewal %d: %v", key, i, err)
		}
		if err := h.Client.RenewHost(ctx); err != nil {
			t.Fatalf("RenewHost() #%d = %v", i, err)
		}
		if _, ok, err := k.Host().KV().Get(ctx, key); err != nil || !ok {
			t.Fatalf("Get(%s) after renewal %d = %v, %v; want the value", key, i, ok, err)
		}
	}
	if health, err := h.Client.CheckHealth(ctx); err != nil || health.HostRenewed {
		t.Errorf("CheckHealth() = %+v, %v; want healthy without a renewal", health, err)
	}
}

// configuresFromHost uses its Host in its first Configure: SetHost came
// first, and the Host is connected by then.
type configuresFromHost struct {
	host   sdk.Host
	order  []string
	visits int
}

func (c *configuresFromHost) Info() sdk.Info {
	return sdk.Info{ID: "early", Name: "Early", Version: "1.0.0", Description: "Uses the host early."}
}

func (c *configuresFromHost) SetHost(h sdk.Host) {
	c.host = h
	c.order = append(c.order, "SetHost")
}

func (c *configuresFromHost) Configure(ctx context.Context, _ json.RawMessage) error {
	c.order = append(c.order, "Configure")
	raw, _, err := c.host.KV().Get(ctx, "visits")
	if err != nil {
		return fmt.Errorf("read visits: %w", err)
	}
	c.visits = len(raw) + 1
	return c.host.KV().Put(ctx, "visits", bytes.Repeat([]byte("x"), c.visits))
}

func (c *configuresFromHost) Start(_ context.Context, h sdk.Host) error {
	c.order = append(c.order, "Start")
	if h != c.host {
		return errors.New("Start got another Host than SetHost")
	}
	return nil
}

// TestHostInFirstConfigure checks the HostSetter contract: SetHost before
// everything else, the Host usable in the first Configure, the same Host in
// Start, and no lock needed (the race detector watches the plain fields).
func TestHostInFirstConfigure(t *testing.T) {
	p := &configuresFromHost{}
	h := sdktest.New(t, p, sdktest.Config{})
	if diff := cmp.Diff([]string{"SetHost", "Configure", "Start"}, p.order); diff != "" {
		t.Errorf("call order mismatch (-want +got):\n%s", diff)
	}
	if p.visits != 1 {
		t.Errorf("visits counted in the first Configure = %d, want 1", p.visits)
	}
	if err := h.Client.Configure(context.Background(), json.RawMessage(`{}`)); err != nil {
		t.Fatalf("second Configure: %v", err)
	}
	if v, _, _ := h.Host.KV().Get(context.Background(), "visits"); len(v) != 2 {
		t.Errorf("visits after two Configures = %d, want 2", len(v))
	}
}

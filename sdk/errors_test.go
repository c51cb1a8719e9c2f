package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

var sentinels = []struct {
	name string
	err  error
	code codes.Code
}{
	{"not found", sdk.ErrNotFound, codes.NotFound},
	{"permission", sdk.ErrPermission, codes.PermissionDenied},
	{"invalid", sdk.ErrInvalid, codes.InvalidArgument},
	{"busy", sdk.ErrBusy, codes.FailedPrecondition},
	{"unavailable", sdk.ErrUnavailable, codes.Unavailable},
	{"unsupported", sdk.ErrUnsupported, codes.Unimplemented},
	{"timeout", sdk.ErrTimeout, codes.DeadlineExceeded},
}

// TestStatusErrorRoundTrip checks the one mapping between errors and gRPC
// status codes in both directions, without a connection.
func TestStatusErrorRoundTrip(t *testing.T) {
	for _, tt := range sentinels {
		t.Run(tt.name, func(t *testing.T) {
			in := fmt.Errorf("restart plex: %w", tt.err)
			wire := sdk.ToStatus(in)
			if got := status.Code(wire); got != tt.code {
				t.Errorf("status.Code(ToStatus(%v)) = %v, want %v", in, got, tt.code)
			}
			out := sdk.FromStatus(wire)
			if !errors.Is(out, tt.err) {
				t.Errorf("FromStatus(ToStatus(%v)) = %v, want errors.Is %v", in, out, tt.err)
			}
			if out.Error() != in.Error() {
				t.Errorf("FromStatus(ToStatus(%v)).Error() = %q, want %q", in, out.Error(), in.Error())
			}
			for _, other := range sentinels {
				if other.err != tt.err && errors.Is(out, other.err) {
					t.Errorf("FromStatus(ToStatus(%v)) also matches %v", in, other.err)
				}
			}
			if _, ok := sdk.UserMessage(out); ok {
				t.Errorf("FromStatus(ToStatus(%v)) carries a user message, want none", in)
			}
		})
	}

	t.Run("nil", func(t *testing.T) {
		if err := sdk.ToStatus(nil); err != nil {
			t.Errorf("ToStatus(nil) = %v, want nil", err)
		}
		if err := sdk.FromStatus(nil); err != nil {
			t.Errorf("FromStatus(nil) = %v, want nil", err)
		}
	})
	t.Run("context errors", func(t *testing.T) {
		if out := sdk.FromStatus(sdk.ToStatus(context.DeadlineExceeded)); !errors.Is(out, context.DeadlineExceeded) || !errors.Is(out, sdk.ErrTimeout) {
			t.Errorf("FromStatus(ToStatus(DeadlineExceeded)) = %v, want it to match context.DeadlineExceeded and ErrTimeout", out)
		}
		if out := sdk.FromStatus(sdk.ToStatus(context.Canceled)); !errors.Is(out, context.Canceled) {
			t.Errorf("FromStatus(ToStatus(Canceled)) = %v, want it to match context.Canceled", out)
		}
	})
	t.Run("plain error", func(t *testing.T) {
		in := errors.New("disk on fire")
		wire := sdk.ToStatus(in)
		if got := status.Code(wire); got != codes.Unknown {
			t.Errorf("status.Code(ToStatus(%v)) = %v, want Unknown", in, got)
		}
		out := sdk.FromStatus(wire)
		if out.Error() != in.Error() {
			t.Errorf("FromStatus(ToStatus(%v)) = %q, want %q", in, out, in)
		}
		for _, s := range sentinels {
			if errors.Is(out, s.err) {
				t.Errorf("FromStatus(ToStatus(%v)) matches %v, want no sentinel", in, s.err)
			}
		}
	})
	t.Run("user error with sentinel", func(t *testing.T) {
		in := sdk.Errorf("container %s is busy: %w", "plex", sdk.ErrBusy)
		out := sdk.FromStatus(sdk.ToStatus(in))
		if msg, ok := sdk.UserMessage(out); !ok || msg != "container plex is busy: busy" {
			t.Errorf("UserMessage(FromStatus(ToStatus(%v))) = %q, %v; want the user message", in, msg, ok)
		}
		if !errors.Is(out, sdk.ErrBusy) {
			t.Errorf("FromStatus(ToStatus(%v)) = %v, want errors.Is ErrBusy", in, out)
		}
	})
	t.Run("non-status error passes", func(t *testing.T) {
		in := errors.New("not from grpc")
		if out := sdk.FromStatus(in); out != in {
			t.Errorf("FromStatus(%v) = %v, want it unchanged", in, out)
		}
	})
}

// failing is a plugin whose every handler returns err.
type failing struct {
	err error
}

func (p *failing) Info() sdk.Info {
	return sdk.Info{
		ID: "failing", Name: "Failing", Version: "1.0.0", Description: "Fails on purpose.",
		Commands:   []sdk.Command{{Name: "fail", Description: "Fail"}},
		Components: []sdk.ComponentKind{{Kind: "x", Level: sdk.LevelView}, {Kind: "m", Level: sdk.LevelView}},
		Subscribes: []string{"x.*"},
	}
}

func (p *failing) HandleCommand(context.Context, *sdk.CommandRequest) (*sdk.Response, error) {
	return sdk.Reply("unreachable"), p.err
}

func (p *failing) HandleAutocomplete(context.Context, *sdk.CommandRequest) ([]sdk.Choice, error) {
	return nil, p.err
}

func (p *failing) HandleComponent(context.Context, *sdk.ComponentRequest) (*sdk.Response, error) {
	return sdk.Reply("unreachable"), p.err
}

func (p *failing) HandleModal(context.Context, *sdk.ModalRequest) (*sdk.Response, error) {
	return sdk.Reply("unreachable"), p.err
}

func (p *failing) HandleEvent(context.Context, sdk.Event) error { return p.err }

func (p *failing) Invoke(context.Context, *sdk.InvokeRequest) (json.RawMessage, error) {
	return nil, p.err
}

// interactionCalls are the calls that answer with a Response.
var interactionCalls = []struct {
	name string
	call func(ctx context.Context, h *sdktest.Harness) (*sdk.Response, error)
}{
	{"HandleCommand", func(ctx context.Context, h *sdktest.Harness) (*sdk.Response, error) {
		return h.Command(ctx, sdk.Interaction{}, "fail")
	}},
	{"HandleComponent", func(ctx context.Context, h *sdktest.Harness) (*sdk.Response, error) {
		return h.Click(ctx, sdk.Interaction{}, "failing:x")
	}},
	{"HandleModal", func(ctx context.Context, h *sdktest.Harness) (*sdk.Response, error) {
		return h.Submit(ctx, sdk.Interaction{}, "failing:m", map[string]string{"a": "b"})
	}},
}

// otherCalls are the calls that answer only with an error.
var otherCalls = []struct {
	name string
	call func(ctx context.Context, h *sdktest.Harness) error
}{
	{"HandleAutocomplete", func(ctx context.Context, h *sdktest.Harness) error {
		_, err := h.Autocomplete(ctx, sdk.Interaction{}, "fail", sdk.OptionValue{Name: "x", Type: sdk.OptionString, Value: "a", Focused: true})
		return err
	}},
	{"HandleEvent", func(ctx context.Context, h *sdktest.Harness) error {
		return h.Event(ctx, "host", "x.y", []byte(`{}`))
	}},
	{"Invoke", func(ctx context.Context, h *sdktest.Harness) error {
		_, err := h.Invoke(ctx, "failing.do", nil)
		return err
	}},
}

// TestErrorsCrossTheWire runs a plugin whose handlers fail and checks what
// the host sees for each handler: sentinels match with errors.Is, a
// UserError becomes an ephemeral reply (or an error carrying its message),
// and a plain error reaches the caller as an error.
func TestErrorsCrossTheWire(t *testing.T) {
	ctx := context.Background()
	type want struct {
		sentinel error  // sentinel the host's error must match
		userMsg  string // user message: an ephemeral reply, or carried by the error
		text     string // text the host's error must contain
	}
	tests := []struct {
		name string
		err  error
		want want
	}{
		{name: "plain error", err: errors.New("disk on fire"), want: want{text: "disk on fire"}},
		{name: "user error", err: sdk.Errorf("plex is not running"), want: want{userMsg: "plex is not running"}},
		{
			name: "user error wrapping a sentinel",
			err:  sdk.Errorf("no container %q: %w", "plex", sdk.ErrNotFound),
			want: want{sentinel: sdk.ErrNotFound, userMsg: `no container "plex": not found`},
		},
		{
			name: "user error with hidden cause",
			err:  &sdk.UserError{Msg: "Docker is not reachable.", Err: fmt.Errorf("dial /var/run/docker.sock: %w", sdk.ErrUnavailable)},
			want: want{sentinel: sdk.ErrUnavailable, userMsg: "Docker is not reachable."},
		},
	}
	for _, s := range sentinels {
		tests = append(tests, struct {
			name string
			err  error
			want want
		}{name: "sentinel " + s.name, err: fmt.Errorf("restart plex: %w", s.err), want: want{sentinel: s.err, text: "restart plex"}})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sdktest.New(t, &failing{err: tt.err}, sdktest.Config{})
			for _, c := range interactionCalls {
				resp, err := c.call(ctx, h)
				if tt.want.userMsg != "" {
					// A UserError is the plugin's answer, not a failure.
					if err != nil {
						t.Errorf("%s returning %v: error = %v, want an ephemeral reply", c.name, tt.err, err)
						continue
					}
					if resp == nil || resp.Message.Content != tt.want.userMsg || !resp.Message.Ephemeral {
						t.Errorf("%s returning %v = %+v, want ephemeral reply %q", c.name, tt.err, resp, tt.want.userMsg)
					}
					continue
				}
				if err == nil {
					t.Errorf("%s returning %v = %+v, nil; want an error", c.name, tt.err, resp)
					continue
				}
				checkErr(t, c.name, tt.err, err, tt.want.sentinel, "", tt.want.text)
			}
			for _, c := range otherCalls {
				err := c.call(ctx, h)
				if err == nil {
					t.Errorf("%s returning %v: error = nil, want an error", c.name, tt.err)
					continue
				}
				checkErr(t, c.name, tt.err, err, tt.want.sentinel, tt.want.userMsg, tt.want.text)
			}
		})
	}
}

func checkErr(t *testing.T, call string, sent, got, sentinel error, userMsg, text string) {
	t.Helper()
	for _, s := range sentinels {
		if want := s.err == sentinel; errors.Is(got, s.err) != want {
			t.Errorf("%s returning %v: errors.Is(%v, %v) = %v, want %v", call, sent, got, s.err, !want, want)
		}
	}
	msg, ok := sdk.UserMessage(got)
	if ok != (userMsg != "") || msg != userMsg {
		t.Errorf("%s returning %v: UserMessage(%v) = %q, %v; want %q", call, sent, got, msg, ok, userMsg)
	}
	if !strings.Contains(got.Error(), text) {
		t.Errorf("%s returning %v: error %q does not contain %q", call, sent, got, text)
	}
}

func TestErrorf(t *testing.T) {
	other := errors.New("socket closed")
	tests := []struct {
		name    string
		err     error
		msg     string
		text    string  // Error()
		matches []error // errors.Is
	}{
		{name: "no cause", err: sdk.Errorf("plex is %s", "stopped"), msg: "plex is stopped", text: "plex is stopped"},
		{
			name: "one cause", err: sdk.Errorf("no container %q: %w", "plex", sdk.ErrNotFound),
			msg: `no container "plex": not found`, text: `no container "plex": not found`, matches: []error{sdk.ErrNotFound},
		},
		{
			name: "two causes", err: sdk.Errorf("%w, %w", sdk.ErrBusy, other),
			msg: "busy, socket closed", text: "busy, socket closed", matches: []error{sdk.ErrBusy, other},
		},
		{
			name: "literal with hidden cause", err: &sdk.UserError{Msg: "Docker is not reachable.", Err: other},
			msg: "Docker is not reachable.", text: "Docker is not reachable.: socket closed", matches: []error{other},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg, ok := sdk.UserMessage(tt.err); !ok || msg != tt.msg {
				t.Errorf("UserMessage(%v) = %q, %v; want %q", tt.err, msg, ok, tt.msg)
			}
			if got := tt.err.Error(); got != tt.text {
				t.Errorf("Error() = %q, want %q", got, tt.text)
			}
			for _, m := range tt.matches {
				if !errors.Is(tt.err, m) {
					t.Errorf("errors.Is(%v, %v) = false, want true", tt.err, m)
				}
			}
			// Across the wire, the same message, text and sentinels.
			remote := sdk.FromStatus(sdk.ToStatus(tt.err))
			if msg, _ := sdk.UserMessage(remote); msg != tt.msg {
				t.Errorf("remote UserMessage = %q, want %q", msg, tt.msg)
			}
			if got := remote.Error(); got != tt.text {
				t.Errorf("remote Error() = %q, want %q", got, tt.text)
			}
			for _, m := range tt.matches {
				for _, s := range sentinels {
					if m == s.err && !errors.Is(remote, m) {
						t.Errorf("errors.Is(remote %v, %v) = false, want true", remote, m)
					}
				}
			}
		})
	}
}

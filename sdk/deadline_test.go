package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

// sleeper's action "wait" honours its context; "ignore" blocks until
// released, whatever its context says.
type sleeper struct {
	release chan struct{}

	mu          sync.Mutex
	hadDeadline bool
	ended       error
}

func (s *sleeper) Info() sdk.Info {
	return sdk.Info{ID: "sleeper", Name: "Sleeper", Version: "1.0.0", Description: "Sleeps.", Provides: []string{"sleeper.wait", "sleeper.ignore"}}
}

func (s *sleeper) Invoke(ctx context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	_, ok := ctx.Deadline()
	s.mu.Lock()
	s.hadDeadline = ok
	s.mu.Unlock()
	if req.Action == "sleeper.ignore" {
		<-s.release
		return nil, nil
	}
	<-ctx.Done()
	s.mu.Lock()
	s.ended = ctx.Err()
	s.mu.Unlock()
	return nil, ctx.Err()
}

// TestDeadlineCrossesTheWire checks that the caller's deadline reaches the
// handler's context, that the caller gets an error matching ErrTimeout and
// context.DeadlineExceeded, and that a handler that ignores its deadline
// shows up in CheckHealth as a stuck call until it returns.
func TestDeadlineCrossesTheWire(t *testing.T) {
	s := &sleeper{release: make(chan struct{})}
	h := sdktest.New(t, s, sdktest.Config{})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := h.Invoke(ctx, "sleeper.wait", nil)
	if !errors.Is(err, sdk.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Invoke past its deadline: error = %v, want ErrTimeout and context.DeadlineExceeded", err)
	}
	wait.For(t, 10*time.Second, "condition", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.ended != nil })
	s.mu.Lock()
	// The handler's context ends at the deadline, or a hair earlier when
	// the client's cancellation arrives first.
	if !s.hadDeadline || (!errors.Is(s.ended, context.DeadlineExceeded) && !errors.Is(s.ended, context.Canceled)) {
		t.Errorf("handler context: deadline %v, ended with %v; want a deadline that ends it", s.hadDeadline, s.ended)
	}
	s.mu.Unlock()

	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	ignored := make(chan error, 1)
	go func() {
		_, err := h.Invoke(ctx2, "sleeper.ignore", nil)
		ignored <- err
	}()
	if err := <-ignored; !errors.Is(err, sdk.ErrTimeout) {
		t.Errorf("Invoke of a handler ignoring its deadline: error = %v, want ErrTimeout", err)
	}
	// The handler still runs; past the deadline plus a grace period it
	// counts as stuck.
	var health grpcplugin.Health
	wait.For(t, 10*time.Second, "condition", func() bool {
		var err error
		health, err = h.Client.CheckHealth(context.Background())
		return err == nil && health.StuckCalls == 1
	})
	// The report names the call and says how long it has run.
	if len(health.Stuck) != 1 {
		t.Fatalf("CheckHealth().Stuck = %+v, want one call", health.Stuck)
	}
	stuck := health.Stuck[0]
	if stuck.Kind != "invoke" || stuck.Name != "sleeper.ignore" ||
		stuck.Deadline <= 0 || stuck.Deadline > 100*time.Millisecond || stuck.Running < stuck.Deadline+2*time.Second {
		t.Errorf("stuck call = %+v, want invoke sleeper.ignore, deadline up to 100ms, running 2s past it", stuck)
	}
	if want := regexp.MustCompile(`^Invoke sleeper\.ignore stuck for [0-9]+s past its [0-9]+ms deadline$`); !want.MatchString(stuck.String()) {
		t.Errorf("stuck call String() = %q, want %s", stuck.String(), want)
	}
	close(s.release)
	wait.For(t, 10*time.Second, "condition", func() bool {
		health, err := h.Client.CheckHealth(context.Background())
		return err == nil && health.StuckCalls == 0
	})
}

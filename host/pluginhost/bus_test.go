package pluginhost

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ddc-go/ddc/sdk"
)

// recorder collects the events delivered to one subscriber.
type recorder struct {
	mu  sync.Mutex
	got []string // topic + " " + payload
	n   chan struct{}
}

func newRecorder() *recorder { return &recorder{n: make(chan struct{}, 1024)} }

func (r *recorder) deliver(_ context.Context, ev sdk.Event) error {
	r.mu.Lock()
	r.got = append(r.got, ev.Topic+" "+string(ev.Payload))
	r.mu.Unlock()
	r.n <- struct{}{}
	return nil
}

// wait waits for n deliveries in all.
func (r *recorder) wait(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for range n {
		select {
		case <-r.n:
		case <-timeout:
			t.Fatalf("timed out waiting for %d deliveries; got %v", n, r.events())
		}
	}
}

func (r *recorder) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func TestBusFanOut(t *testing.T) {
	b := NewBus(nil, 0, time.Second)
	subs := []struct {
		id     string
		topics []string
		want   []string
	}{
		{id: "all-containers", topics: []string{"container.*"}, want: []string{"container.state 1", "container.created 2", "container.state 4"}},
		{id: "state-only", topics: []string{"container.state"}, want: []string{"container.state 1", "container.state 4"}},
		{id: "two-topics", topics: []string{"schedule.run", "container.created"}, want: []string{"container.created 2", "schedule.run 3"}},
		{id: "nothing", topics: []string{"never.*"}, want: nil},
		{id: "no-topics", topics: nil, want: nil},
	}
	recs := map[string]*recorder{}
	for _, s := range subs {
		r := newRecorder()
		recs[s.id] = r
		b.Subscribe(s.id, s.topics, r.deliver)
	}
	t.Cleanup(func() {
		for _, s := range subs {
			b.Unsubscribe(s.id)
		}
	})
	publish := []struct {
		topic string
		want  int
	}{
		{"container.state", 2},
		{"container.created", 2},
		{"schedule.run", 1},
		{"container.state", 2},
		{"unheard.of", 0},
	}
	for i, p := range publish {
		if n, _ := b.Publish(sdk.Event{Topic: p.topic, Payload: []byte(strconv.Itoa(i + 1)), Source: "test"}); n != p.want {
			t.Errorf("Publish(%s) = %d, want %d subscribers", p.topic, n, p.want)
		}
	}
	for _, s := range subs {
		t.Run(s.id, func(t *testing.T) {
			r := recs[s.id]
			r.wait(t, len(s.want))
			if diff := cmp.Diff(s.want, r.events(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events delivered to %s mismatch (-want +got):\n%s", s.id, diff)
			}
		})
	}
	st := b.Stats()
	if st.Published != int64(len(publish)) || st.Dropped != 0 {
		t.Errorf("Stats() = %+v, want %d published and none dropped", st, len(publish))
	}
}

// TestBusSlowSubscriber checks that a subscriber that does not keep up
// neither stalls the publisher nor the other subscribers, and that its
// drops are counted.
func TestBusSlowSubscriber(t *testing.T) {
	const queue, total = 4, 50
	b := NewBus(nil, queue, 10*time.Second)
	release := make(chan struct{})
	started := make(chan struct{}, total)
	slow := newRecorder()
	b.Subscribe("slow", []string{"tick"}, func(ctx context.Context, ev sdk.Event) error {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return slow.deliver(ctx, ev)
	})
	fast := newRecorder()
	b.Subscribe("fast", []string{"tick"}, fast.deliver)
	t.Cleanup(func() { b.Unsubscribe("slow"); b.Unsubscribe("fast") })

	b.Publish(sdk.Event{Topic: "tick", Payload: []byte("0")})
	select {
	case <-started: // the slow subscriber now holds event 0 and blocks
	case <-time.After(5 * time.Second):
		t.Fatal("slow subscriber never got its first event")
	}
	fast.wait(t, 1)
	// The fast subscriber gets every event while the slow one is stuck.
	for i := 1; i < total; i++ {
		begin := time.Now()
		if n, _ := b.Publish(sdk.Event{Topic: "tick", Payload: []byte(strconv.Itoa(i))}); n != 1 && n != 2 {
			t.Errorf("Publish(tick %d) = %d, want 1 or 2", i, n)
		}
		if d := time.Since(begin); d > 100*time.Millisecond {
			t.Errorf("Publish(tick %d) took %v with a stuck subscriber; it must not block", i, d)
		}
		fast.wait(t, 1)
	}
	if got := len(fast.events()); got != total {
		t.Errorf("fast subscriber got %d events, want %d", got, total)
	}

	wantDropped := int64(total - 1 - queue)
	st := b.Stats()
	want := BusStats{Published: total, Dropped: wantDropped, DroppedBy: map[string]int64{"slow": wantDropped, "fast": 0}}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}

	// Once released, the slow subscriber gets what was queued, in order.
	close(release)
	slow.wait(t, queue+1)
	ticks := []string{"tick 0", "tick 1", "tick 2", "tick 3", "tick 4"}
	if diff := cmp.Diff(ticks, slow.events()); diff != "" {
		t.Errorf("slow subscriber's events mismatch (-want +got):\n%s", diff)
	}

	// A restarted plugin unsubscribes and subscribes again: its drops are
	// not forgotten.
	b.Unsubscribe("slow")
	if got := b.Stats().DroppedBy["slow"]; got != wantDropped {
		t.Errorf("after Unsubscribe, DroppedBy[slow] = %d, want %d", got, wantDropped)
	}
	b.Subscribe("slow", []string{"tick"}, func(context.Context, sdk.Event) error { return nil })
	if got := b.Stats().DroppedBy["slow"]; got != wantDropped {
		t.Errorf("after subscribing again, DroppedBy[slow] = %d, want %d", got, wantDropped)
	}
}

// TestBusDeliveryTimeout checks that one delivery is cut off at the bus's
// timeout and the next event still arrives.
func TestBusDeliveryTimeout(t *testing.T) {
	b := NewBus(nil, 0, 50*time.Millisecond)
	results := make(chan error, 2)
	b.Subscribe("stuck", []string{"a"}, func(ctx context.Context, ev sdk.Event) error {
		if string(ev.Payload) == "hang" {
			<-ctx.Done()
			results <- ctx.Err()
			return ctx.Err()
		}
		results <- nil
		return nil
	})
	t.Cleanup(func() { b.Unsubscribe("stuck") })
	b.Publish(sdk.Event{Topic: "a", Payload: []byte("hang")})
	b.Publish(sdk.Event{Topic: "a", Payload: []byte("ok")})
	for _, want := range []error{context.DeadlineExceeded, nil} {
		select {
		case err := <-results:
			if !errors.Is(err, want) {
				t.Errorf("delivery ended with %v, want %v", err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("delivery did not end; the bus's timeout did not apply")
		}
	}
}

func TestBusUnsubscribe(t *testing.T) {
	b := NewBus(nil, 8, 10*time.Second)
	blocked := make(chan struct{})
	var ctxErr error
	done := make(chan struct{})
	var calls atomic.Int32
	b.Subscribe("gone", []string{"a.*"}, func(ctx context.Context, _ sdk.Event) error {
		if calls.Add(1) > 1 {
			return nil // delivered after Unsubscribe; checked below
		}
		close(blocked)
		<-ctx.Done()
		ctxErr = ctx.Err()
		close(done)
		return ctx.Err()
	})
	stay := newRecorder()
	b.Subscribe("stay", []string{"a.*"}, stay.deliver)
	t.Cleanup(func() { b.Unsubscribe("stay") })

	if n, _ := b.Publish(sdk.Event{Topic: "a.b"}); n != 2 {
		t.Errorf("Publish(a.b) = %d, want 2", n)
	}
	<-blocked
	b.Publish(sdk.Event{Topic: "a.b"}) // queued for "gone", dropped with it

	// Unsubscribe cancels the delivery in progress and waits for it.
	unsubscribed := make(chan struct{})
	go func() {
		b.Unsubscribe("gone")
		close(unsubscribed)
	}()
	select {
	case <-unsubscribed:
	case <-time.After(5 * time.Second):
		t.Fatal("Unsubscribe did not return while a delivery was in progress")
	}
	select {
	case <-done:
	default:
		t.Fatal("Unsubscribe returned before the delivery in progress ended")
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("subscriber got %d deliveries, want 1: queued events must be dropped by Unsubscribe", n)
	}
	if !errors.Is(ctxErr, context.Canceled) {
		t.Errorf("in-progress delivery's ctx.Err() = %v, want context.Canceled", ctxErr)
	}

	if n, _ := b.Publish(sdk.Event{Topic: "a.c"}); n != 1 {
		t.Errorf("Publish(a.c) after Unsubscribe(gone) = %d, want 1", n)
	}
	stay.wait(t, 3)
	if _, ok := b.Stats().DroppedBy["gone"]; ok {
		t.Errorf("Stats().DroppedBy still lists an unsubscribed subscriber")
	}
	b.Unsubscribe("gone") // twice is harmless
	b.Unsubscribe("never-subscribed")
}

func TestBusResubscribeReplaces(t *testing.T) {
	b := NewBus(nil, 0, time.Second)
	first, second := newRecorder(), newRecorder()
	b.Subscribe("p", []string{"old"}, first.deliver)
	b.Subscribe("p", []string{"new"}, second.deliver)
	t.Cleanup(func() { b.Unsubscribe("p") })
	if n, _ := b.Publish(sdk.Event{Topic: "old"}); n != 0 {
		t.Errorf("Publish(old) after resubscribing to new = %d, want 0", n)
	}
	if n, _ := b.Publish(sdk.Event{Topic: "new", Payload: []byte("x")}); n != 1 {
		t.Errorf("Publish(new) = %d, want 1", n)
	}
	second.wait(t, 1)
	if got := first.events(); len(got) != 0 {
		t.Errorf("replaced subscription still got %v", got)
	}
}

// TestBusLimits: an event over MaxEventSize is refused with sdk.ErrInvalid
// and reaches nobody; a stuck subscriber's queue is capped in bytes as well
// as in events, the rest dropped and counted.
func TestBusLimits(t *testing.T) {
	tests := []struct {
		name        string
		queue       int
		queueBytes  int64
		payload     int
		publish     int
		wantErr     bool
		wantQueued  int // events queued for the stuck subscriber (after the one it holds)
		wantDropped int64
	}{
		{name: "over the size limit", queue: 8, queueBytes: DefaultQueueBytes, payload: MaxEventSize, publish: 3, wantErr: true},
		{name: "at the size limit", queue: 8, queueBytes: DefaultQueueBytes, payload: MaxEventSize - len("big") - len("test"), publish: 1},
		{name: "bytes fill before the count", queue: 100, queueBytes: 10 << 10, payload: 1 << 10, publish: 30, wantQueued: 9, wantDropped: 30 - 1 - 9},
		{name: "count fills before the bytes", queue: 4, queueBytes: DefaultQueueBytes, payload: 10, publish: 30, wantQueued: 4, wantDropped: 30 - 1 - 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBus(nil, tt.queue, 10*time.Second)
			b.queueBytes = tt.queueBytes
			release := make(chan struct{})
			got := make(chan struct{}, 1000)
			b.Subscribe("stuck", []string{"big"}, func(ctx context.Context, ev sdk.Event) error {
				got <- struct{}{}
				select {
				case <-release:
				case <-ctx.Done():
				}
				return nil
			})
			t.Cleanup(func() { close(release); b.Unsubscribe("stuck") })
			payload := make([]byte, tt.payload)
			for i := range tt.publish {
				n, err := b.Publish(sdk.Event{Topic: "big", Source: "test", Payload: payload})
				if tt.wantErr {
					if !errors.Is(err, sdk.ErrInvalid) || !strings.Contains(err.Error(), "over the bus's 262144-byte (256 KiB) limit") || n != 0 {
						t.Fatalf("Publish(%d bytes) = %d, %v; want sdk.ErrInvalid naming the limit", tt.payload, n, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("Publish %d: %v", i, err)
				}
				if i == 0 {
					<-got // the subscriber holds the first event from now on
				}
			}
			st := b.Stats()
			if tt.wantErr {
				if st.Published != 0 || len(got) != 0 {
					t.Errorf("refused events: Stats = %+v, %d delivered; want none published or delivered", st, len(got))
				}
				return
			}
			b.mu.RLock()
			s := b.subs["stuck"]
			queued, bytes := len(s.queue), s.queued.Load()
			b.mu.RUnlock()
			if queued != tt.wantQueued || st.Dropped != tt.wantDropped || st.DroppedBy["stuck"] != tt.wantDropped {
				t.Errorf("queued %d events (%d bytes), Stats %+v; want %d queued, %d dropped", queued, bytes, st, tt.wantQueued, tt.wantDropped)
			}
			if bytes > tt.queueBytes {
				t.Errorf("queue holds %d bytes, over its %d-byte cap", bytes, tt.queueBytes)
			}
		})
	}
}

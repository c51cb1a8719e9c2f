package pluginhost

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/topic"
)

// Limits of the bus.
const (
	// DefaultQueueSize is the number of events a subscriber may have
	// waiting.
	DefaultQueueSize = 256
	// MaxEventSize is the largest event (topic, source and payload
	// together) the bus accepts: 256 KiB. Events are notifications; bulk
	// data belongs in the KV store or behind an action.
	MaxEventSize = 256 << 10
	// DefaultQueueBytes caps the bytes of the events a subscriber may have
	// waiting (4 MiB), whatever their number.
	DefaultQueueBytes = 4 << 20
	// dropLogEvery is how often a subscriber that keeps dropping events is
	// logged.
	dropLogEvery = 10 * time.Second
)

// Deliverer hands one event to a subscriber; the bus calls it from the
// subscriber's own goroutine, one event at a time.
type Deliverer func(ctx context.Context, ev sdk.Event) error

// Bus is the host's event bus. Each subscriber has a bounded queue (at
// most queueSize events and queueBytes bytes) and its own delivery
// goroutine, so a slow subscriber cannot stall publishers or other
// subscribers, nor make the host hold more than its queue; when its queue
// is full, new events for it are dropped and counted. It is safe for
// concurrent use.
type Bus struct {
	log        *slog.Logger
	queueSize  int
	queueBytes int64
	timeout    time.Duration

	mu   sync.RWMutex
	subs map[string]*subscriber
	// retired holds the drops of ended subscriptions by id, so that a
	// plugin's count survives its restarts.
	retired map[string]int64

	published atomic.Int64
	dropped   atomic.Int64
}

type subscriber struct {
	id      string
	topics  []string
	queue   chan sdk.Event
	cancel  context.CancelFunc
	done    chan struct{}
	dropped atomic.Int64
	// queued is the bytes of the events in queue.
	queued atomic.Int64
	// dropLogged is when drops were last logged (Unix nanoseconds).
	dropLogged atomic.Int64
}

// eventSize is what an event costs in a queue.
func eventSize(ev sdk.Event) int64 {
	return int64(len(ev.Topic) + len(ev.Source) + len(ev.Payload))
}

// NewBus returns a bus. queueSize ≤ 0 means DefaultQueueSize; timeout is the
// deadline for one delivery (≤ 0 means 5 s).
func NewBus(log *slog.Logger, queueSize int, timeout time.Duration) *Bus {
	if queueSize <= 0 {
		queueSize = DefaultQueueSize
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Bus{log: log, queueSize: queueSize, queueBytes: DefaultQueueBytes, timeout: timeout, subs: map[string]*subscriber{}, retired: map[string]int64{}}
}

// Subscribe registers id for topics (exact names or "prefix.*") and starts
// delivering to deliver. A previous subscription of id is replaced.
func (b *Bus) Subscribe(id string, topics []string, deliver Deliverer) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscriber{id: id, topics: topics, queue: make(chan sdk.Event, b.queueSize), cancel: cancel, done: make(chan struct{})}
	b.mu.Lock()
	old := b.subs[id]
	b.subs[id] = s
	b.mu.Unlock()
	if old != nil {
		old.stop()
		b.retire(old)
	}
	go func() {
		defer close(s.done)
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-s.queue:
				s.queued.Add(-eventSize(ev))
				if ctx.Err() != nil {
					// select picks at random when both are ready: do not
					// deliver after Unsubscribe.
					return
				}
				dctx, dcancel := context.WithTimeout(ctx, b.timeout)
				if err := deliver(dctx, ev); err != nil && ctx.Err() == nil {
					b.log.Warn("event delivery failed", "subscriber", id, "topic", ev.Topic, "error", err)
				}
				dcancel()
			}
		}
	}()
}

func (s *subscriber) stop() {
	s.cancel()
	<-s.done
}

// Unsubscribe stops delivering to id and drops its queued events.
func (b *Bus) Unsubscribe(id string) {
	b.mu.Lock()
	s := b.subs[id]
	delete(b.subs, id)
	b.mu.Unlock()
	if s != nil {
		s.stop()
		b.retire(s)
	}
}

// retire keeps the drop count of a stopped subscription.
func (b *Bus) retire(s *subscriber) {
	if n := s.dropped.Load(); n > 0 {
		b.mu.Lock()
		b.retired[s.id] += n
		b.mu.Unlock()
	}
}

// Publish queues ev for every subscriber of its topic and returns how many
// queued it. It never blocks. An event over MaxEventSize is refused with an
// error wrapping sdk.ErrInvalid; a subscriber whose queue is full (in
// events or bytes) misses the event, which is counted as dropped.
func (b *Bus) Publish(ev sdk.Event) (int, error) {
	size := eventSize(ev)
	if size > MaxEventSize {
		return 0, fmt.Errorf("event on %s is %d bytes, over the bus's %d-byte (%d KiB) limit; put bulk data in the KV store and publish its key: %w",
			shortTopic(ev.Topic), size, MaxEventSize, MaxEventSize>>10, sdk.ErrInvalid)
	}
	b.published.Add(1)
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, s := range b.subs {
		if !s.wants(ev.Topic) {
			continue
		}
		if s.queued.Add(size) > b.queueBytes {
			s.queued.Add(-size)
			b.drop(s, ev)
			continue
		}
		select {
		case s.queue <- ev:
			n++
		default:
			s.queued.Add(-size)
			b.drop(s, ev)
		}
	}
	return n, nil
}

// drop counts an event s misses, and says so in the log when s starts
// dropping (then at most every dropLogEvery).
func (b *Bus) drop(s *subscriber, ev sdk.Event) {
	total := s.dropped.Add(1)
	b.dropped.Add(1)
	now := time.Now().UnixNano()
	last := s.dropLogged.Load()
	if now-last < int64(dropLogEvery) || !s.dropLogged.CompareAndSwap(last, now) {
		return
	}
	b.log.Warn("subscriber does not keep up with its events; dropping them", "subscriber", s.id, "topic", shortTopic(ev.Topic),
		"queued_events", len(s.queue), "queued_bytes", s.queued.Load(), "dropped", total)
}

// shortTopic keeps an over-long topic out of messages.
func shortTopic(t string) string {
	if len(t) > 80 {
		return t[:80] + "..."
	}
	return t
}

func (s *subscriber) wants(name string) bool { return topic.MatchAny(s.topics, name) }

// BusStats are the bus's counters.
type BusStats struct {
	Published int64            // Published events.
	Dropped   int64            // Dropped deliveries, all subscribers.
	DroppedBy map[string]int64 // DroppedBy subscriber id, over all its subscriptions.
}

// Stats returns the bus's counters.
func (b *Bus) Stats() BusStats {
	st := BusStats{Published: b.published.Load(), Dropped: b.dropped.Load(), DroppedBy: map[string]int64{}}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for id, n := range b.retired {
		st.DroppedBy[id] = n
	}
	for id, s := range b.subs {
		st.DroppedBy[id] += s.dropped.Load()
	}
	return st
}

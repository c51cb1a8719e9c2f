package pluginhost

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/topic"
)

// DefaultQueueSize is the number of events a subscriber may have waiting.
const DefaultQueueSize = 256

// Deliverer hands one event to a subscriber; the bus calls it from the
// subscriber's own goroutine, one event at a time.
type Deliverer func(ctx context.Context, ev sdk.Event) error

// Bus is the host's event bus. Each subscriber has a bounded queue and its
// own delivery goroutine, so a slow subscriber cannot stall publishers or
// other subscribers; when its queue is full, new events for it are dropped
// and counted. It is safe for concurrent use.
type Bus struct {
	log       *slog.Logger
	queueSize int
	timeout   time.Duration

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
	return &Bus{log: log, queueSize: queueSize, timeout: timeout, subs: map[string]*subscriber{}, retired: map[string]int64{}}
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
// queued it. It never blocks.
func (b *Bus) Publish(ev sdk.Event) int {
	b.published.Add(1)
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, s := range b.subs {
		if !s.wants(ev.Topic) {
			continue
		}
		select {
		case s.queue <- ev:
			n++
		default:
			s.dropped.Add(1)
			b.dropped.Add(1)
		}
	}
	return n
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

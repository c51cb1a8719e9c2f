package outbox

import (
	"context"
	"time"
)

// editSlot is the queue of one message's edits: at most one waiting edit,
// replaced by later ones, and one in flight.
type editSlot struct {
	next    *pendingEdit
	last    Request // last is the request in flight, resent on a retry
	running bool
}

type pendingEdit struct {
	req     Request
	waiters []chan editResult
}

type editResult struct {
	body []byte
	err  error
}

// editTimeout bounds one coalesced edit, waits for rate limits included.
const editTimeout = 2 * time.Minute

// Edit sends an edit of the message identified by key (for example
// "channel/message"), coalesced with other edits of the same key: when an
// edit is still waiting for its bucket, a later one replaces it and both
// callers get the result of the request that carried the later content.
// Edits of one key are sent in order, one at a time. Edit returns when the
// request carrying r (or a later edit) was answered, or when ctx ends; in
// that case the edit is still sent.
func (o *Outbox) Edit(ctx context.Context, key string, r Request) ([]byte, error) {
	ch := make(chan editResult, 1)
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil, ErrClosed
	}
	slot := o.edits[key]
	if slot == nil {
		slot = &editSlot{}
		o.edits[key] = slot
	}
	if slot.next != nil {
		slot.next.req = r
		slot.next.waiters = append(slot.next.waiters, ch)
		o.coalesced.Add(1)
	} else {
		if err := o.enter(); err != nil {
			if !slot.running {
				delete(o.edits, key)
			}
			o.mu.Unlock()
			return nil, err
		}
		slot.next = &pendingEdit{req: r, waiters: []chan editResult{ch}}
		if !slot.running {
			slot.running = true
			go o.runEdits(key, slot)
		}
	}
	o.mu.Unlock()
	select {
	case res := <-ch:
		return res.body, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// runEdits sends a key's edits until none is waiting.
func (o *Outbox) runEdits(key string, slot *editSlot) {
	for {
		o.mu.Lock()
		if slot.next == nil {
			slot.running = false
			delete(o.edits, key)
			o.mu.Unlock()
			return
		}
		bucketKey := BucketKey(slot.next.req.Method, slot.next.req.Path)
		o.mu.Unlock()

		var taken []chan editResult
		ctx, cancel := context.WithTimeout(context.Background(), editTimeout)
		body, err := o.send(ctx, bucketKey, false, func() Request {
			o.mu.Lock()
			defer o.mu.Unlock()
			p := slot.next
			if p == nil { // a retry with nothing newer: send the same again
				return slot.last
			}
			slot.next = nil
			o.waiting.Add(-1)
			taken = append(taken, p.waiters...)
			slot.last = p.req
			return p.req
		})
		cancel()
		if taken == nil { // never got to send: fail the waiting edit
			o.mu.Lock()
			if p := slot.next; p != nil {
				slot.next = nil
				o.waiting.Add(-1)
				taken = p.waiters
			}
			o.mu.Unlock()
		}
		for _, w := range taken {
			w <- editResult{body: body, err: err}
		}
	}
}

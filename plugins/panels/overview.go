package panels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/ddc-go/ddc/sdk"
)

// kvPrefix is the KV prefix of stored overviews: "overview/<channel id>".
const kvPrefix = "overview/"

// drawTimeout bounds one drawing of an overview, rate-limit waits
// included.
const drawTimeout = 2 * time.Minute

// Pacing of an overview's drawings. A burst of events (50 containers
// stopping at once) reaches the plugin over a second or more. The worker
// waits settle after being woken, so that what arrives together is drawn
// once, and spends one token per message it posts or edits: it holds
// burstSends tokens at most and gets one back every sendGap. Discord
// allows a channel 5 posts or edits per 5 s; at this pace its bucket never
// runs dry, so the newest state is never held back behind a rate-limit
// wait and a burst costs about an edit a second, while a lone change after
// a quiet second is drawn at once.
const (
	settle     = 100 * time.Millisecond
	sendGap    = time.Second
	burstSends = 2
)

// pacer spaces an overview's drawings (see settle). The zero value is
// full.
type pacer struct {
	spentTokens float64   // tokens missing from burstSends
	at          time.Time // when spentTokens was last brought up to date
}

// refill gives back the tokens earned since the last call.
func (pc *pacer) refill(now time.Time) {
	if !pc.at.IsZero() {
		pc.spentTokens = max(0, pc.spentTokens-float64(now.Sub(pc.at))/float64(sendGap))
	}
	pc.at = now
}

// wait is how long to wait at now before drawing.
func (pc *pacer) wait(now time.Time) time.Duration {
	pc.refill(now)
	short := pc.spentTokens - (burstSends - 1) // tokens missing for one send
	if short <= 0 {
		return settle
	}
	return max(settle, time.Duration(short*float64(sendGap)))
}

// spend takes n tokens at now.
func (pc *pacer) spend(n int, now time.Time) {
	pc.refill(now)
	pc.spentTokens += float64(n)
}

// record is an overview as stored in the KV.
type record struct {
	Kind      kind     `json:"kind"`
	IDs       []string `json:"ids"`
	Collapsed bool     `json:"collapsed,omitempty"`
	// Posted is when the overview was (re)posted; used by recreate.
	Posted time.Time `json:"posted,omitzero"`
}

// overview is one channel's overview. Its worker goroutine owns ids and
// sent; the plugin's mutex guards rec's other fields.
type overview struct {
	channel string
	kick    chan struct{} // buffered 1: a new state to draw
	quit    chan struct{} // closed to end the worker
	done    chan struct{} // closed when the worker ended

	// Guarded by Plugin.mu.
	rec      record
	repost   bool      // post anew (delete the old messages first)
	lastDraw time.Time // when stats were last drawn
	// belowID is the newest message someone else wrote below the
	// overview ("" when none since it was posted), belowAt when it came;
	// recreate fires recreate_after later.
	belowID  string
	belowAt  time.Time
	recreate *time.Timer

	// Owned by the worker.
	sent  []uint64 // hash of what each message shows, 0 when unknown
	sends int      // messages posted or edited so far, for pacing
}

func newOverview(channel string, rec record) *overview {
	return &overview{channel: channel, rec: rec, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// wake asks the worker to draw the newest state; it never blocks.
func (o *overview) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// work draws o whenever it is woken, until quit. A failed drawing is
// tried again after a pause.
func (p *Plugin) work(o *overview) {
	defer close(o.done)
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	var pace pacer
	for {
		select {
		case <-o.quit:
			return
		case <-o.kick:
		case <-retry.C:
		}
		pause := time.NewTimer(pace.wait(time.Now()))
		select {
		case <-o.quit:
			pause.Stop()
			return
		case <-pause.C:
		}
		select {
		case <-o.kick: // woken again meanwhile: this drawing shows it
		default:
		}
		sends := o.sends
		ctx, cancel := context.WithTimeout(context.Background(), drawTimeout)
		err := p.draw(ctx, o)
		cancel()
		pace.spend(o.sends-sends, time.Now())
		if err != nil {
			p.log.Warn("draw overview", "channel", o.channel, "error", err)
			retry.Reset(10 * time.Second)
		}
	}
}

// draw brings o's messages to the newest state: it edits the messages
// whose content changed, posts missing ones, deletes extra ones, and
// reposts the whole overview when one was deleted.
func (p *Plugin) draw(ctx context.Context, o *overview) error {
	p.mu.Lock()
	rec, repost := o.rec, o.repost
	o.repost = false
	tr := p.translator()
	snap := p.snapshotLocked()
	p.mu.Unlock()
	if !snap.ready {
		return nil // drawn once the containers are listed
	}
	msgs := render(tr, rec.Kind, rec.Collapsed, snap.snapshot)
	ids := slices.Clone(rec.IDs)
	if repost {
		p.deleteAll(ctx, o.channel, ids)
		ids, o.sent = nil, nil
	}
	changed := repost
	for i, m := range msgs {
		h := hashMessage(m)
		if i < len(ids) {
			if i < len(o.sent) && o.sent[i] == h {
				continue
			}
			err := p.host.Edit(ctx, o.channel, ids[i], m)
			if errors.Is(err, sdk.ErrNotFound) {
				// Someone deleted it: post the whole overview again, in
				// order, below whatever was written since.
				p.log.Info("overview message gone; posting the overview again", "channel", o.channel, "message", ids[i])
				p.deleteAll(ctx, o.channel, slices.Delete(slices.Clone(ids), i, i+1))
				o.sent = nil
				return p.finishDraw(ctx, o, nil, msgs, true)
			}
			o.sends++
			if err != nil {
				return fmt.Errorf("edit overview message %s: %w", ids[i], err)
			}
			o.setSent(i, h)
			continue
		}
		break
	}
	return p.finishDraw(ctx, o, ids, msgs, changed)
}

// finishDraw posts the messages beyond ids, deletes ids beyond msgs and
// stores the ids when they changed.
func (p *Plugin) finishDraw(ctx context.Context, o *overview, ids []string, msgs []sdk.Message, changed bool) error {
	var err error
	for i := len(ids); i < len(msgs); i++ {
		var id string
		id, err = p.host.Send(ctx, o.channel, msgs[i])
		o.sends++
		if err != nil {
			err = fmt.Errorf("post overview message %d of %d: %w", i+1, len(msgs), err)
			break
		}
		ids = append(ids, id)
		o.setSent(i, hashMessage(msgs[i]))
		changed = true
	}
	if err == nil && len(ids) > len(msgs) {
		p.deleteAll(ctx, o.channel, ids[len(msgs):])
		ids, changed = ids[:len(msgs)], true
		o.sent = o.sent[:min(len(o.sent), len(ids))]
	}
	if !changed {
		return err
	}
	p.mu.Lock()
	if len(o.rec.IDs) == 0 || len(ids) == 0 || o.rec.IDs[0] != ids[0] {
		o.rec.Posted = time.Now().UTC()
	}
	o.rec.IDs = ids
	o.posted(ids)
	stored := o.rec
	p.mu.Unlock()
	if serr := p.store(ctx, o.channel, stored); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// setSent records the hash of message i as sent.
func (o *overview) setSent(i int, h uint64) {
	for len(o.sent) <= i {
		o.sent = append(o.sent, 0)
	}
	o.sent[i] = h
}

// deleteAll deletes messages, ignoring those already gone.
func (p *Plugin) deleteAll(ctx context.Context, channel string, ids []string) {
	for _, id := range ids {
		if err := p.host.Delete(ctx, channel, id); err != nil && !errors.Is(err, sdk.ErrNotFound) {
			p.log.Warn("delete old overview message", "channel", channel, "message", id, "error", err)
		}
	}
}

// store saves an overview's record.
func (p *Plugin) store(ctx context.Context, channel string, rec record) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode overview of channel %s: %w", channel, err)
	}
	if err := p.host.KV().Put(ctx, kvPrefix+channel, raw); err != nil {
		return fmt.Errorf("save overview of channel %s: %w", channel, err)
	}
	return nil
}

// loadAll reads the stored overviews. A value that is not a record is
// logged and skipped.
func (p *Plugin) loadAll(ctx context.Context) (map[string]record, error) {
	keys, err := p.host.KV().List(ctx, kvPrefix)
	if err != nil {
		return nil, fmt.Errorf("list stored overviews: %w", err)
	}
	out := make(map[string]record, len(keys))
	for _, k := range keys {
		raw, ok, err := p.host.KV().Get(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("read stored overview %s: %w", k, err)
		}
		var rec record
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, &rec); err != nil || (rec.Kind != kindStatus && rec.Kind != kindControl) {
			p.log.Warn("stored overview is not readable; ignoring it", "key", k, "error", err)
			continue
		}
		out[strings.TrimPrefix(k, kvPrefix)] = rec
	}
	return out, nil
}

// hashMessage identifies a message's content.
func hashMessage(m sdk.Message) uint64 {
	raw, _ := json.Marshal(m)
	h := fnv.New64a()
	h.Write(raw)
	return h.Sum64() | 1 // never 0, which means unknown
}

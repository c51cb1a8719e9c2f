package panels

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ddc-go/ddc/sdk"
)

// messageEvent notes a message someone else wrote below a channel's
// overview and arms its recreation (the channel's recreate_after). The
// bot's own messages, messages above the overview and events not from
// the host are ignored.
func (p *Plugin) messageEvent(ev sdk.Event) error {
	if ev.Source != "host" {
		return nil
	}
	var m sdk.DiscordMessageEvent
	if err := ev.Decode(&m); err != nil {
		return fmt.Errorf("decode %s event: %w", ev.Topic, err)
	}
	if m.Self {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.overviews[m.ChannelID]
	if !ok || !p.started || !below(m.MessageID, o.rec.IDs) {
		return nil
	}
	o.belowID, o.belowAt = m.MessageID, time.Now()
	p.armRecreateLocked(o)
	return nil
}

// armRecreateLocked (re)starts o's recreate timer for the time left of
// the channel's recreate_after since the last message below it; without a
// message below or with recreate_after 0 it only stops the timer.
func (p *Plugin) armRecreateLocked(o *overview) {
	if o.recreate != nil {
		o.recreate.Stop()
		o.recreate = nil
	}
	after := time.Duration(p.set.channel(o.channel).RecreateAfter)
	if after <= 0 || o.belowID == "" || !p.started {
		return
	}
	o.recreate = time.AfterFunc(max(after-time.Since(o.belowAt), 0), func() { p.recreateDue(o) })
}

// recreateDue reposts o at the bottom when the channel was quiet long
// enough since the last message below it; a message that came meanwhile
// or a changed setting re-arms the timer instead.
func (p *Plugin) recreateDue(o *overview) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started || p.overviews[o.channel] != o || o.belowID == "" {
		return
	}
	after := time.Duration(p.set.channel(o.channel).RecreateAfter)
	if after > 0 && time.Since(o.belowAt) < after {
		p.armRecreateLocked(o)
		return
	}
	if after <= 0 {
		return
	}
	p.log.Info("messages below the overview; posting it again at the bottom", "channel", o.channel, "quiet_for", after)
	o.belowID, o.recreate = "", nil
	o.repost = true
	o.wake()
}

// posted forgets a message below o that the newly posted overview ids
// are below of. The caller holds p.mu.
func (o *overview) posted(ids []string) {
	if o.belowID != "" && !below(o.belowID, ids) {
		o.belowID = ""
		if o.recreate != nil {
			o.recreate.Stop()
			o.recreate = nil
		}
	}
}

// below reports whether message id is newer than every id of ids (Discord
// snowflakes grow with time). With no ids, or ids that are not numbers,
// nothing is below.
func below(id string, ids []string) bool {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || len(ids) == 0 {
		return false
	}
	for _, o := range ids {
		v, err := strconv.ParseUint(o, 10, 64)
		if err != nil || v >= n {
			return false
		}
	}
	return true
}

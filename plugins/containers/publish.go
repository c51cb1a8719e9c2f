package containers

import (
	"context"
	"encoding/json"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

var _ listener = (*Plugin)(nil)

// containerChanged publishes a StateEvent for u, with the container's
// settings applied as they are when it is numbered.
func (p *Plugin) containerChanged(ctx context.Context, e *endpoint, u update, reachable bool) {
	p.emit(ctx, api.TopicState, func(st api.Stamp) any {
		_, cfg, eps := p.state()
		v := p.resolve(cfg, e, len(eps) > 1, u.c, reachable)
		return api.StateEvent{ContainerInfo: v.toInfo(), Visible: v.visible, Cause: u.action, At: u.at.UTC(), Stamp: st}
	})
}

// endpointChanged publishes an EndpointEvent.
func (p *Plugin) endpointChanged(ctx context.Context, _ *endpoint, st api.EndpointStatus) {
	p.emit(ctx, api.TopicEndpoint, func(s api.Stamp) any { return api.EndpointEvent{EndpointStatus: st, Stamp: s} })
}

// settingsChangedLocked publishes a SettingsEvent; p.pubMu is held.
func (p *Plugin) settingsChangedLocked(ctx context.Context) {
	p.emitLocked(ctx, api.TopicSettings, func(s api.Stamp) any { return api.SettingsEvent{Stamp: s} })
}

// bulkProgress publishes a BulkEvent.
func (p *Plugin) bulkProgress(ctx context.Context, ev api.BulkEvent) {
	p.emit(ctx, api.TopicBulk, func(s api.Stamp) any { ev.Stamp = s; return ev })
}

// stamp returns the stamp of the last event published.
func (p *Plugin) stamp() api.Stamp {
	p.mu.Lock()
	run := p.run
	p.mu.Unlock()
	return api.Stamp{Run: run, Seq: p.seq.Load()}
}

// emit numbers and publishes the event payload makes, logging failures.
// Events are made, numbered and published one at a time, so subscribers
// see them in Seq order and an event shows the settings of its time; an
// event the host refuses still uses its number. Lock order: p.pubMu, then
// p.mu.
func (p *Plugin) emit(ctx context.Context, topic string, payload func(api.Stamp) any) {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	p.emitLocked(ctx, topic, payload)
}

// emitLocked is emit with p.pubMu held.
func (p *Plugin) emitLocked(ctx context.Context, topic string, payload func(api.Stamp) any) {
	p.mu.Lock()
	host, log, run := p.host, p.log, p.run
	p.mu.Unlock()
	if host == nil {
		return
	}
	raw, err := json.Marshal(payload(api.Stamp{Run: run, Seq: p.seq.Add(1)}))
	if err != nil {
		log.Error("encode event", "topic", topic, "err", err)
		return
	}
	pctx, cancel := context.WithTimeout(ctx, publishLimit)
	defer cancel()
	if err := host.Publish(pctx, topic, raw); err != nil {
		log.Warn("publish event", "topic", topic, "err", err)
	}
}

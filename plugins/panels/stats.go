package panels

import (
	"context"
	"sync"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

// Stats sampling.
const (
	sampleTick     = 15 * time.Second // how often the sampler looks for due overviews
	sampleParallel = 4                // stats calls at once (each takes 1-2 s)
	sampleTimeout  = 10 * time.Second // bound of one stats call
)

// sampler samples the stats of running containers that show them when an
// overview's refresh interval has passed (or when asked), and wakes the
// overviews due.
func (p *Plugin) sampler(quit <-chan struct{}) {
	defer p.wg.Done()
	t := time.NewTicker(sampleTick)
	defer t.Stop()
	for {
		force := false
		select {
		case <-quit:
			return
		case <-t.C:
		case <-p.statsKick:
			force = true
		}
		due, refs := p.due(force)
		if len(due) == 0 {
			continue
		}
		stats := p.sample(refs)
		p.mu.Lock()
		p.stats = stats
		now := time.Now()
		for _, o := range due {
			o.lastDraw = now
			o.wake()
		}
		p.mu.Unlock()
	}
}

// due returns the overviews whose stats are due and the containers to
// sample for them.
func (p *Plugin) due(force bool) ([]*overview, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.listed {
		return nil, nil
	}
	var due []*overview
	now := time.Now()
	for ch, o := range p.overviews {
		if o.rec.Kind == kindStatus && o.rec.Collapsed {
			continue
		}
		if force || now.Sub(o.lastDraw) >= time.Duration(p.set.channel(ch).Refresh) {
			due = append(due, o)
		}
	}
	if len(due) == 0 {
		return nil, nil
	}
	var refs []string
	for _, c := range p.tracker.Containers() {
		if c.ShowStats && c.Reachable && c.State == api.StateRunning {
			refs = append(refs, c.Container)
		}
	}
	return due, refs
}

// sample reads the stats of refs, a few at a time. A container whose
// stats fail is left out.
func (p *Plugin) sample(refs []string) map[string]api.StatsResult {
	out := make(map[string]api.StatsResult, len(refs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, sampleParallel)
	for _, ref := range refs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), sampleTimeout)
			defer cancel()
			st, err := api.Stats(ctx, p.host, ref)
			if err != nil {
				p.log.Debug("sample stats", "container", ref, "error", err)
				return
			}
			mu.Lock()
			out[ref] = st
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

package panels

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

// Stats sampling.
const (
	sampleTick     = 15 * time.Second // how often the sampler looks for due overviews
	sampleParallel = 4                // stats calls at once (each takes 1-2 s)
	sampleTimeout  = 10 * time.Second // bound of one stats call
	sampleFresh    = 15 * time.Second // a forced sample reuses a container's stats this young
)

// sampler samples the stats of running containers that show them when an
// overview's refresh interval has passed (or when asked), and wakes the
// overviews due. A forced sample (an overview posted or expanded, the
// containers listed again) reuses the stats sampled within sampleFresh,
// so that several overviews posted at once cost the containers plugin
// one round of Docker stats calls, not one each.
func (p *Plugin) sampler(quit <-chan struct{}) {
	defer p.wg.Done()
	t := time.NewTicker(sampleTick)
	defer t.Stop()
	at := map[string]time.Time{} // when each container's stats were sampled
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
		now := time.Now()
		p.mu.Lock()
		old := p.stats
		p.mu.Unlock()
		stats, todo := reuse(refs, old, at, now, force)
		maps.Copy(stats, p.sample(todo))
		for _, ref := range todo {
			at[ref] = now
		}
		maps.DeleteFunc(at, func(ref string, _ time.Time) bool { _, ok := stats[ref]; return !ok })
		p.mu.Lock()
		p.stats = stats
		now = time.Now()
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

// reuse returns the stats of refs still fresh in old (sampled per at within
// sampleFresh of now; only when force: a sample due by the refresh interval
// reads them all) and the references to sample again.
func reuse(refs []string, old map[string]api.StatsResult, at map[string]time.Time, now time.Time, force bool) (map[string]api.StatsResult, []string) {
	stats := make(map[string]api.StatsResult, len(refs))
	var todo []string
	for _, ref := range refs {
		st, ok := old[ref]
		if force && ok && now.Sub(at[ref]) < sampleFresh {
			stats[ref] = st
			continue
		}
		todo = append(todo, ref)
	}
	return stats, todo
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

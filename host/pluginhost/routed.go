package pluginhost

import (
	"slices"
	"sync"
	"time"

	"github.com/ddc-go/ddc/sdk"
)

// InteractionLife is how long the host vouches for an interaction it
// routed: Discord's interaction token lives 15 minutes.
const InteractionLife = 15 * time.Minute

// maxRouted bounds the interactions remembered at once; past it the
// oldest are forgotten first (their plugins' later calls carry only the
// plugin's identity).
const maxRouted = 4096

// routed remembers the interactions the host handed to plugins, so that a
// plugin's Host.Invoke and Host.Audit carry the host's record of the user
// (never the plugin's) and only for plugins the interaction was routed to.
type routed struct {
	mu    sync.Mutex
	now   func() time.Time
	m     map[string]*routedEntry
	order []routedKey // records in the order made, which is their expiry order
}

// routedKey names one record in routed.order.
type routedKey struct {
	id      string
	expires time.Time
}

type routedEntry struct {
	in      sdk.Interaction
	plugins []string // plugins it was routed to: the receiver, then the actions it reached
	expires time.Time
}

// record notes that in was routed to plugin. An interaction id seen
// before keeps its first record (the user and level the host decided at
// that time) and gains the plugin.
func (r *routed) record(plugin string, in sdk.Interaction) {
	if in.ID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock()
	if r.m == nil {
		r.m = map[string]*routedEntry{}
	}
	if e, ok := r.m[in.ID]; ok && now.Before(e.expires) {
		if !slices.Contains(e.plugins, plugin) {
			e.plugins = append(e.plugins, plugin)
		}
		return
	}
	r.pruneLocked(now)
	e := &routedEntry{in: in, plugins: []string{plugin}, expires: now.Add(InteractionLife)}
	r.m[in.ID] = e
	r.order = append(r.order, routedKey{id: in.ID, expires: e.expires})
}

// lookup returns the host's record of interaction id if it was routed to
// plugin and has not expired.
func (r *routed) lookup(plugin, id string) (sdk.Interaction, bool) {
	if id == "" {
		return sdk.Interaction{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.m[id]
	if !ok || !r.clock().Before(e.expires) || !slices.Contains(e.plugins, plugin) {
		return sdk.Interaction{}, false
	}
	return e.in, true
}

// bind extends the record of interaction id to plugin, when an action call
// carries it there.
func (r *routed) bind(id, plugin string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.m[id]; ok && !slices.Contains(e.plugins, plugin) {
		e.plugins = append(e.plugins, plugin)
	}
}

func (r *routed) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

// pruneLocked drops expired records and, past maxRouted, the oldest: all
// from the front of order, so each record costs O(1) over its life.
func (r *routed) pruneLocked(now time.Time) {
	for len(r.order) > 0 {
		k := r.order[0]
		if now.Before(k.expires) && len(r.m) < maxRouted {
			break
		}
		r.order = r.order[1:]
		if e, ok := r.m[k.id]; ok && e.expires.Equal(k.expires) {
			delete(r.m, k.id)
		}
	}
	if len(r.order) == 0 {
		r.order = nil // let the backing array go
	}
}

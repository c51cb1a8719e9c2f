package pluginhost

import (
	"sync"

	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// lastManifests keeps the last manifest of every plugin that ran, so a
// plugin that is only restarting keeps its commands registered.
type lastManifests struct {
	mu sync.Mutex
	m  map[string]grpcplugin.Manifest
}

// ActiveManifests returns the manifests of the running plugins plus, for
// plugins that are starting again or restarting after having run, their
// last manifest: what Discord's command list should show, so that a crash
// does not remove and re-add a plugin's commands. A stopped, disabled or
// failed plugin has none.
func (m *Manager) ActiveManifests() map[string]grpcplugin.Manifest {
	running := m.Manifests()
	statuses := m.Statuses()
	c := &m.last
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]grpcplugin.Manifest{}
	}
	out := make(map[string]grpcplugin.Manifest, len(running))
	for id, mf := range running {
		out[id] = mf
		c.m[id] = mf
	}
	for _, st := range statuses {
		if _, ok := out[st.ID]; ok {
			continue
		}
		switch st.State {
		case StateStarting, StateRestarting:
			if mf, ok := c.m[st.ID]; ok {
				out[st.ID] = mf
			}
		default:
			delete(c.m, st.ID)
		}
	}
	return out
}

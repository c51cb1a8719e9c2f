package pluginhost

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"
)

// defaultWatchInterval is how often the manager looks at PluginsDir.
const defaultWatchInterval = time.Second

// Rescan reads PluginsDir again and applies what changed since the last
// look: a new plugin is started (when enabled in the config), one whose
// plugin.yaml changed (a new checksum, version or arguments) is stopped
// and started from the new install, a removed one is stopped and
// forgotten, and unusable directories show as failed with their reason.
// Bundled plugins are left alone. The manager calls it itself when it sees
// the directory change; Restart calls it too.
func (m *Manager) Rescan(ctx context.Context) {
	if m.cfg.PluginsDir == "" {
		return
	}
	m.rescanMu.Lock()
	defer m.rescanMu.Unlock()
	descs, bad := Discover(m.cfg.PluginsDir)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	want := m.wanted(descs, bad)
	var stop, launch []*instance
	changed := false
	for key, old := range m.instances {
		if old.desc.Bundled {
			continue
		}
		if _, keep := want[key]; !keep {
			stop = append(stop, old)
			m.forget(key)
			changed = true
		}
	}
	keys := make([]string, 0, len(want))
	for key := range want {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		inst := want[key]
		old, ok := m.instances[key]
		switch {
		case !ok:
			m.order = append(m.order, key)
		case sameInstall(old, inst):
			continue
		default:
			stop = append(stop, old)
		}
		m.instances[key] = inst
		changed = true
		if inst.state() != StateFailed {
			launch = append(launch, inst)
		}
	}
	m.mu.Unlock()
	for _, inst := range stop {
		inst.log.Info("plugin install changed or removed; stopping it")
		inst.stop(ctx, StateStopped)
	}
	for _, inst := range launch {
		if enabled, _ := m.cfg.Settings(inst.id); !enabled {
			inst.setState(StateDisabled, nil)
			continue
		}
		inst.log.Info("plugin installed or replaced; starting it", "dir", inst.desc.Dir, "version", inst.desc.Version)
		inst.launch()
	}
	if changed {
		m.changed()
	}
}

// wanted returns the external instances PluginsDir calls for now, by key,
// as new (not yet running) instances. m.mu is held.
func (m *Manager) wanted(descs []Descriptor, bad map[string]error) map[string]*instance {
	want := map[string]*instance{}
	for dir, err := range bad {
		want["invalid:"+dir] = m.newFailedInstance(Descriptor{ID: "invalid:" + dir, Name: dir}, err)
	}
	for _, d := range descs {
		if prev, dup := m.instances[d.ID]; dup && prev.desc.Bundled {
			key := "duplicate:" + d.ID + ":" + filepath.Base(d.Dir)
			inst := m.newFailedInstance(d, fmt.Errorf("duplicate plugin id %q (in %s): already used by %s", d.ID, d.Dir, prev.where()))
			inst.id = key
			want[key] = inst
			continue
		}
		want[d.ID] = m.newInstance(d)
	}
	return want
}

// forget drops key from the instances and the start order. m.mu is held.
func (m *Manager) forget(key string) {
	delete(m.instances, key)
	for n, k := range m.order {
		if k == key {
			m.order = append(m.order[:n], m.order[n+1:]...)
			break
		}
	}
}

// sameInstall reports whether a running instance and a freshly discovered
// one stand for the same install: same descriptor, and for unusable
// directories the same reason.
func sameInstall(old, fresh *instance) bool {
	if !reflect.DeepEqual(old.desc, fresh.desc) {
		return false
	}
	if fresh.state() != StateFailed {
		return true
	}
	return old.state() == StateFailed && old.lastError().Error() == fresh.lastError().Error()
}

// watchDir calls Rescan whenever PluginsDir changed and then stayed the
// same for one more interval (an install in progress is not picked up
// half-done), until stop is closed.
func (m *Manager) watchDir(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	last := dirFingerprint(m.cfg.PluginsDir)
	pending := false
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		fp := dirFingerprint(m.cfg.PluginsDir)
		if fp != last {
			last, pending = fp, true
			continue
		}
		if pending {
			pending = false
			m.log.Info("plugins directory changed; looking for new, replaced and removed plugins", "dir", m.cfg.PluginsDir)
			m.Rescan(context.Background())
		}
	}
}

// dirFingerprint sums up what Discover reads: each plugin directory's and
// plugin.yaml's name, mode, owner, size and modification time. Hidden
// directories (installs at work) do not count.
func dirFingerprint(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		for _, path := range []string{filepath.Join(dir, e.Name()), filepath.Join(dir, e.Name(), DescriptorFile)} {
			fi, err := os.Stat(path)
			if err != nil {
				fmt.Fprintf(&b, "%s: -\n", path)
				continue
			}
			fmt.Fprintf(&b, "%s: %v %s %d %d\n", path, fi.Mode(), ownerOf(fi), fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return b.String()
}

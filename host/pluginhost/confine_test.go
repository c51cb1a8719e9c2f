package pluginhost

import (
	"fmt"
	"runtime"
	"testing"
)

// TestPluginUIDs: every plugin gets a uid of its own from the range, the
// same one each time it is asked, and colliding ids probe to the next free
// uid, wrapping at the end of the range.
func TestPluginUIDs(t *testing.T) {
	c := newConfiner(Confinement{FirstUID: 70000, UIDs: 3})
	seen := map[uint32]string{}
	for _, id := range []string{"a", "b", "c"} {
		u := c.uid(id)
		if u < 70000 || u >= 70003 {
			t.Errorf("uid(%s) = %d, outside 70000-70002", id, u)
		}
		if other, dup := seen[u]; dup {
			t.Errorf("uid(%s) = %d, already %s's", id, u, other)
		}
		seen[u] = id
		if again := c.uid(id); again != u {
			t.Errorf("uid(%s) = %d, then %d", id, u, again)
		}
	}

	def := newConfiner(Confinement{})
	if u := def.uid("containers"); u < 61184 || u >= 62184 {
		t.Errorf("default range: uid(containers) = %d, want 61184-62183", u)
	}
	many := map[uint32]bool{}
	for n := range 40 {
		many[def.uid(fmt.Sprintf("plugin-%d", n))] = true
	}
	if len(many) != 40 {
		t.Errorf("40 plugins got %d distinct uids", len(many))
	}
}

// TestMemoryLimits: configured limits win; unset ones take the defaults of
// bundled and third-party plugins.
func TestMemoryLimits(t *testing.T) {
	c := newConfiner(Confinement{MemoryLimit: func(id string) int64 {
		if id == "big" {
			return 512 << 20
		}
		return 0
	}})
	tests := []struct {
		d    Descriptor
		want int64
	}{
		{Descriptor{ID: "big"}, 512 << 20},
		{Descriptor{ID: "big", Bundled: true}, 512 << 20},
		{Descriptor{ID: "ext"}, DefaultMemoryLimit},
		{Descriptor{ID: "containers", Bundled: true}, DefaultBundledMemoryLimit},
	}
	for _, tt := range tests {
		if got := c.memoryLimit(tt.d); got != tt.want {
			t.Errorf("memoryLimit(%+v) = %d, want %d", tt.d, got, tt.want)
		}
	}
	if got := newConfiner(Confinement{}).memoryLimit(Descriptor{ID: "x"}); got != DefaultMemoryLimit {
		t.Errorf("no MemoryLimit func: %d, want the default", got)
	}
}

// TestTwoHostsNeverShareAUID: two hosts on one machine (here two confiners
// in one process, each with its own lock files) asking for the same plugin
// id at once get different uids, so that one never kills the other's
// plugin by uid.
func TestTwoHostsNeverShareAUID(t *testing.T) {
	a := newConfiner(Confinement{FirstUID: 70100, UIDs: 4})
	b := newConfiner(Confinement{FirstUID: 70100, UIDs: 4})
	ua, ub := a.uid("testplugin"), b.uid("testplugin")
	if ua == ub {
		t.Errorf("both hosts gave testplugin uid %d", ua)
	}
	runtime.KeepAlive(a) // a host keeps its claims (open lock files) while it runs
}

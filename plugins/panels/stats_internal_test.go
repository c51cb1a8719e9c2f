package panels

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

// TestReuse: a forced sample reuses the stats sampled within sampleFresh
// and samples the rest; a sample due by the interval samples all.
func TestReuse(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	old := map[string]api.StatsResult{
		"fresh": {Running: true, CPUPercent: 1},
		"stale": {Running: true, CPUPercent: 2},
		"gone":  {Running: true, CPUPercent: 3},
	}
	at := map[string]time.Time{"fresh": now.Add(-sampleFresh / 2), "stale": now.Add(-sampleFresh), "gone": now}
	refs := []string{"fresh", "stale", "new"}
	tests := []struct {
		name     string
		force    bool
		wantKept []string
		wantTodo []string
	}{
		{"forced reuses the fresh", true, []string{"fresh"}, []string{"stale", "new"}},
		{"due samples all", false, nil, []string{"fresh", "stale", "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, todo := reuse(refs, old, at, now, tt.force)
			if got := slices.Sorted(maps.Keys(kept)); !slices.Equal(got, tt.wantKept) {
				t.Errorf("kept %v, want %v", got, tt.wantKept)
			}
			if !slices.Equal(todo, tt.wantTodo) {
				t.Errorf("todo %v, want %v", todo, tt.wantTodo)
			}
			if st, ok := kept["fresh"]; ok && st != old["fresh"] {
				t.Errorf("kept fresh = %+v, want %+v", st, old["fresh"])
			}
		})
	}
}

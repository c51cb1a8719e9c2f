package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

func TestOps(t *testing.T) {
	tests := []struct {
		op      api.Op
		valid   bool
		changes bool
		action  string
	}{
		{op: api.OpStart, valid: true, changes: true, action: api.ActionStart},
		{op: api.OpStop, valid: true, changes: true, action: api.ActionStop},
		{op: api.OpRestart, valid: true, changes: true, action: api.ActionRestart},
		{op: api.OpLogs, valid: true, action: api.ActionLogs},
		{op: "delete"},
		{op: ""},
		{op: "Start"},
	}
	for _, tt := range tests {
		t.Run(string(tt.op), func(t *testing.T) {
			if got := tt.op.Valid(); got != tt.valid {
				t.Errorf("Op(%q).Valid() = %v, want %v", tt.op, got, tt.valid)
			}
			if got := tt.op.Changes(); got != tt.changes {
				t.Errorf("Op(%q).Changes() = %v, want %v", tt.op, got, tt.changes)
			}
			if got := tt.op.Action(); got != tt.action {
				t.Errorf("Op(%q).Action() = %q, want %q", tt.op, got, tt.action)
			}
			if tt.valid {
				if got := api.OpOf(tt.action); got != tt.op {
					t.Errorf("OpOf(%q) = %q, want %q", tt.action, got, tt.op)
				}
			}
		})
	}
	for _, a := range []string{api.ActionList, api.ActionStats, api.ActionRestartAll, "other.start", "start"} {
		if got := api.OpOf(a); got != "" {
			t.Errorf("OpOf(%q) = %q, want none", a, got)
		}
	}
	if !slices.Equal(api.Ops(), []api.Op{api.OpStart, api.OpStop, api.OpRestart, api.OpLogs}) {
		t.Errorf("Ops() = %v", api.Ops())
	}
}

func TestActionsAreDistinctAndPrefixed(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range api.Actions() {
		if !strings.HasPrefix(a, api.PluginID+".") || seen[a] {
			t.Errorf("action %q is repeated or lacks the %q prefix", a, api.PluginID+".")
		}
		seen[a] = true
	}
	if len(seen) != 10 {
		t.Errorf("Actions() has %d actions, want 10", len(seen))
	}
}

func TestStateUp(t *testing.T) {
	up := map[api.State]bool{api.StateRunning: true, api.StatePaused: true, api.StateRestarting: true}
	for _, s := range []api.State{api.StateCreated, api.StateRunning, api.StatePaused, api.StateRestarting,
		api.StateRemoving, api.StateExited, api.StateDead, api.StateUnknown, api.StateRemoved} {
		if got := s.Up(); got != up[s] {
			t.Errorf("State(%q).Up() = %v, want %v", s, got, up[s])
		}
	}
}

func TestAllows(t *testing.T) {
	all := api.ContainerInfo{Actions: api.Ops(), Reachable: true}
	tests := []struct {
		name string
		c    api.ContainerInfo
		op   api.Op
		want bool
	}{
		{name: "allowed", c: all, op: api.OpRestart, want: true},
		{name: "not in actions", c: api.ContainerInfo{Actions: []api.Op{api.OpLogs}, Reachable: true}, op: api.OpStop},
		{name: "protected stop", c: api.ContainerInfo{Actions: api.Ops(), Reachable: true, Protected: true}, op: api.OpStop},
		{name: "protected restart", c: api.ContainerInfo{Actions: api.Ops(), Reachable: true, Protected: true}, op: api.OpRestart},
		{name: "protected start", c: api.ContainerInfo{Actions: api.Ops(), Reachable: true, Protected: true}, op: api.OpStart, want: true},
		{name: "unreachable", c: api.ContainerInfo{Actions: api.Ops()}, op: api.OpStart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Allows(tt.op); got != tt.want {
				t.Errorf("Allows(%s) = %v, want %v (Can = %v)", tt.op, got, tt.want, tt.c.Can(tt.op))
			}
		})
	}
}

func TestCompare(t *testing.T) {
	cs := []api.ContainerInfo{
		{Container: "local/z", DisplayName: "zeta", Order: 1000},
		{Container: "b", DisplayName: "Alpha", Order: 1000},
		{Container: "a", DisplayName: "alpha", Order: 1000},
		{Container: "first", DisplayName: "Zulu", Order: 1},
		{Container: "neg", DisplayName: "m", Order: -5},
		{Container: "beta", DisplayName: "Beta", Order: 1000},
	}
	slices.SortFunc(cs, api.Compare)
	var got []string
	for _, c := range cs {
		got = append(got, c.Container)
	}
	if want := []string{"neg", "first", "a", "b", "beta", "local/z"}; !slices.Equal(got, want) {
		t.Errorf("sorted = %v, want %v", got, want)
	}
}

func TestStopTimeout(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{0, 0}, {-time.Second, 0}, {time.Millisecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2},
		{30 * time.Second, 30}, {2 * time.Hour, api.MaxStopTimeoutSeconds},
	}
	for _, tt := range tests {
		var a api.Args
		api.StopTimeout(tt.d)(&a)
		if a.TimeoutSeconds != tt.want {
			t.Errorf("StopTimeout(%v) sets %d s, want %d", tt.d, a.TimeoutSeconds, tt.want)
		}
	}
}

// TestStateEventJSON pins the payload's field names: other plugins, in
// other languages too, read them.
func TestStateEventJSON(t *testing.T) {
	started := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	ev := api.StateEvent{
		ContainerInfo: api.ContainerInfo{
			Container: "local/web", Endpoint: "local", Name: "web", DisplayName: "Web", ID: "abc", Image: "nginx",
			State: api.StateRunning, Health: api.HealthHealthy, StartedAt: started, Reachable: true,
			Actions: []api.Op{api.OpStart}, ShowStats: true, Order: 3, HasInfo: true,
		},
		Visible: true, Cause: "start", At: started, Stamp: api.Stamp{Run: "r1", Seq: 7},
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"container": "local/web", "endpoint": "local", "name": "web", "display_name": "Web", "id": "abc",
		"state": "running", "health": "healthy", "started_at": "2025-01-02T03:04:05Z", "reachable": true,
		"show_stats": true, "order": float64(3), "has_info": true, "visible": true, "cause": "start",
		"run": "r1", "seq": float64(7),
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v in %s", k, m[k], want, raw)
		}
	}
	back, err := api.DecodeState(raw)
	if err != nil || back.Seq != 7 || back.DisplayName != "Web" || !back.StartedAt.Equal(started) {
		t.Errorf("DecodeState(%s) = %+v, %v", raw, back, err)
	}
	if _, err := api.DecodeState([]byte(`{"seq":"x"}`)); err == nil || !strings.Contains(err.Error(), api.TopicState) {
		t.Errorf("DecodeState(bad) error = %v, want one naming %s", err, api.TopicState)
	}
}

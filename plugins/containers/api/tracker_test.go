package api_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

// event encodes v as the payload of an event on topic.
type event struct {
	topic   string
	payload []byte
}

func ev(t *testing.T, topic string, v any) event {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return event{topic, raw}
}

func state(run string, seq uint64, ref, display string, s api.State, visible bool) api.StateEvent {
	return api.StateEvent{
		ContainerInfo: api.ContainerInfo{Container: ref, Endpoint: "local", Name: ref, ID: "id-" + ref, DisplayName: display, State: s, Order: 1000, Reachable: s != api.StateUnknown},
		Visible:       visible, Stamp: api.Stamp{Run: run, Seq: seq},
	}
}

func names(cs []api.ContainerInfo) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Container+"="+string(c.State))
	}
	return out
}

func TestTracker(t *testing.T) {
	list := api.ListResult{
		Containers: []api.ContainerInfo{
			{Container: "db", Endpoint: "local", Name: "db", ID: "id-db", DisplayName: "db", State: api.StateRunning, Order: 1000, Reachable: true},
			{Container: "web", Endpoint: "local", Name: "web", ID: "id-web", DisplayName: "web", State: api.StateRunning, Order: 1000, Reachable: true},
		},
		Endpoints: []api.EndpointStatus{{Endpoint: "local", Reachable: true}},
		Run:       "r1", Seq: 10,
	}
	tests := []struct {
		name        string
		events      []event
		wantChanged []bool // per event
		wantStale   bool   // the last event makes it stale
		want        []string
		wantDown    bool // endpoint local unreachable at the end
	}{
		{
			name:        "events the list holds are ignored",
			events:      []event{ev(t, api.TopicState, state("r1", 9, "web", "web", api.StateExited, true)), ev(t, api.TopicState, state("r1", 10, "web", "web", api.StateExited, true))},
			wantChanged: []bool{false, false},
			want:        []string{"db=running", "web=running"},
		},
		{
			name:        "a change and a new container",
			events:      []event{ev(t, api.TopicState, state("r1", 11, "web", "web", api.StateExited, true)), ev(t, api.TopicState, state("r1", 12, "app", "app", api.StateCreated, true))},
			wantChanged: []bool{true, true},
			want:        []string{"app=created", "db=running", "web=exited"},
		},
		{
			name:        "removed and hidden containers are dropped",
			events:      []event{ev(t, api.TopicState, state("r1", 11, "web", "web", api.StateRemoved, true)), ev(t, api.TopicState, state("r1", 12, "db", "db", api.StateRunning, false)), ev(t, api.TopicState, state("r1", 13, "gone", "gone", api.StateRemoved, true))},
			wantChanged: []bool{true, true, false},
			want:        nil,
		},
		{
			name: "endpoint unreachable shows",
			events: []event{
				ev(t, api.TopicEndpoint, api.EndpointEvent{EndpointStatus: api.EndpointStatus{Endpoint: "local", Error: "ping: connection refused"}, Stamp: api.Stamp{Run: "r1", Seq: 11}}),
				ev(t, api.TopicState, state("r1", 12, "web", "web", api.StateUnknown, true)),
				ev(t, api.TopicState, state("r1", 13, "db", "db", api.StateUnknown, true)),
			},
			wantChanged: []bool{true, true, true},
			want:        []string{"db=unknown", "web=unknown"},
			wantDown:    true,
		},
		{
			name:        "bulk progress and other topics change nothing",
			events:      []event{ev(t, api.TopicBulk, api.BulkEvent{Op: api.OpRestart, Stamp: api.Stamp{Run: "r1", Seq: 11}}), {topic: "other.topic", payload: []byte("not json")}, ev(t, api.TopicState, state("r1", 12, "web", "web", api.StateExited, true))},
			wantChanged: []bool{false, false, true},
			want:        []string{"db=running", "web=exited"},
		},
		{
			name:        "a gap is stale",
			events:      []event{ev(t, api.TopicState, state("r1", 12, "web", "web", api.StateExited, true))},
			wantChanged: []bool{false},
			wantStale:   true,
		},
		{
			name:        "another run is stale",
			events:      []event{ev(t, api.TopicState, state("r2", 1, "web", "web", api.StateExited, true))},
			wantChanged: []bool{false},
			wantStale:   true,
		},
		{
			name:        "a settings change is stale",
			events:      []event{ev(t, api.TopicSettings, api.SettingsEvent{Stamp: api.Stamp{Run: "r1", Seq: 11}})},
			wantChanged: []bool{false},
			wantStale:   true,
		},
		{
			name:        "a payload that is not JSON is stale",
			events:      []event{{topic: api.TopicState, payload: []byte("{")}},
			wantChanged: []bool{false},
			wantStale:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr api.Tracker
			tr.Reset(list)
			for i, e := range tt.events {
				changed, err := tr.Apply(e.topic, e.payload)
				last := i == len(tt.events)-1
				if stale := errors.Is(err, api.ErrStale); stale != (last && tt.wantStale) || (err != nil && !stale) {
					t.Fatalf("Apply(%s, %s) error = %v, want stale %v", e.topic, e.payload, err, last && tt.wantStale)
				}
				if changed != tt.wantChanged[i] {
					t.Errorf("Apply(%s, %s) changed = %v, want %v", e.topic, e.payload, changed, tt.wantChanged[i])
				}
			}
			if tt.wantStale {
				if tr.Current() {
					t.Errorf("Current() = true after a stale event")
				}
				if _, err := tr.Apply(api.TopicState, []byte(`{}`)); !errors.Is(err, api.ErrStale) {
					t.Errorf("Apply after stale = %v, want ErrStale until Reset", err)
				}
				return
			}
			if got := names(tr.Containers()); !slices.Equal(got, tt.want) {
				t.Errorf("Containers() = %v, want %v", got, tt.want)
			}
			if eps := tr.Endpoints(); len(eps) != 1 || eps[0].Reachable == tt.wantDown {
				t.Errorf("Endpoints() = %+v, want local reachable %v", eps, !tt.wantDown)
			}
		})
	}
}

func TestTrackerZeroIsStale(t *testing.T) {
	var tr api.Tracker
	if _, err := tr.Apply(api.TopicState, []byte(`{"run":"r","seq":1}`)); !errors.Is(err, api.ErrStale) {
		t.Errorf("Apply on a zero Tracker = %v, want ErrStale", err)
	}
	tr.Reset(api.ListResult{Run: "r", Seq: 0, Containers: []api.ContainerInfo{{Container: "web", ID: "1", Endpoint: "e"}}})
	if c, ok := tr.Find("web"); !ok || c.ID != "1" {
		t.Errorf("Find(web) = %+v, %v", c, ok)
	}
	if _, ok := tr.Find("nope"); ok {
		t.Errorf("Find(nope) found something")
	}
	if st := tr.Stamp(); st.Run != "r" || st.Seq != 0 {
		t.Errorf("Stamp() = %+v", st)
	}
}

package api_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

// A status panel lists once, then applies every event of api.TopicAll; it
// lists again when the tracker says it is stale.
func ExampleTracker() {
	var tr api.Tracker
	tr.Reset(api.ListResult{ // what api.List returned
		Containers: []api.ContainerInfo{{Container: "web", Endpoint: "local", ID: "1", DisplayName: "Web", State: api.StateRunning, Reachable: true}},
		Endpoints:  []api.EndpointStatus{{Endpoint: "local", Reachable: true}},
		Run:        "r1", Seq: 4,
	})
	show := func() {
		for _, c := range tr.Containers() {
			fmt.Printf("%s: %s\n", c.DisplayName, c.State)
		}
	}
	// In HandleEvent: the endpoint went down, so its container is unknown.
	down, _ := json.Marshal(api.EndpointEvent{EndpointStatus: api.EndpointStatus{Endpoint: "local", Error: "connection refused"}, Stamp: api.Stamp{Run: "r1", Seq: 5}})
	unknown, _ := json.Marshal(api.StateEvent{
		ContainerInfo: api.ContainerInfo{Container: "web", Endpoint: "local", ID: "1", DisplayName: "Web", State: api.StateUnknown},
		Visible:       true, Cause: api.CauseUnreachable, Stamp: api.Stamp{Run: "r1", Seq: 6},
	})
	for _, ev := range []struct {
		topic   string
		payload []byte
	}{{api.TopicEndpoint, down}, {api.TopicState, unknown}} {
		if _, err := tr.Apply(ev.topic, ev.payload); errors.Is(err, api.ErrStale) {
			fmt.Println("list again")
		}
	}
	show()
	fmt.Println("local reachable:", tr.Endpoints()[0].Reachable)
	// An event was lost (seq 7 never came): list again.
	_, err := tr.Apply(api.TopicState, []byte(`{"run":"r1","seq":8}`))
	fmt.Println(errors.Is(err, api.ErrStale))
	// Output:
	// Web: unknown
	// local reachable: false
	// true
}

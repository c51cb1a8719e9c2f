package api

import (
	"encoding/json"
	"fmt"
	"time"
)

// Topics the containers plugin publishes on the host's event bus. Put
// TopicAll in Info.Subscribes to get all of them: Seq counts the events of
// all four, so a subscriber of fewer topics sees gaps that are not losses.
const (
	// TopicAll matches every topic below.
	TopicAll = "container.*"
	// TopicState carries a StateEvent whenever what ActionList shows of a
	// container changes: state, health, name, image, reachability.
	TopicState = "container.state"
	// TopicEndpoint carries an EndpointEvent when an endpoint becomes
	// reachable or unreachable, and when the reason it is unreachable
	// changes (for an endpoint never reached: at its first failure).
	TopicEndpoint = "container.endpoint"
	// TopicBulk carries a BulkEvent for each container restart_all or
	// stop_all has finished with (progress).
	TopicBulk = "container.bulk"
	// TopicSettings carries a SettingsEvent after the plugin's settings
	// changed while it runs: display names, order, visibility, allowed
	// actions and endpoints may all differ, so list again.
	TopicSettings = "container.settings"
)

// Stamp orders the events of one run of the containers plugin. Every event
// carries one; ListResult carries the stamp of the last event before it.
type Stamp struct {
	// Run identifies the plugin's run; it changes when the plugin (or the
	// host) restarts, and Seq starts again from 1.
	Run string `json:"run"`
	// Seq numbers the run's events on TopicAll 1, 2, 3... in the order they
	// were published. A gap means an event was lost (the host drops events
	// for a subscriber whose queue is full): list again.
	Seq uint64 `json:"seq"`
}

// Causes of a StateEvent besides Docker's event actions (create, start,
// die, stop, restart, pause, unpause, destroy, "health_status: healthy",
// ...).
const (
	// CauseSync: the plugin read the endpoint's full list after a
	// (re)connect and the container differs from what it knew.
	CauseSync = "sync"
	// CauseUnreachable: the container's endpoint became unreachable.
	CauseUnreachable = "unreachable"
)

// StateEvent is the payload of TopicState: the container as ActionList
// would show it now (inspect-only fields empty), and why it changed.
type StateEvent struct {
	ContainerInfo
	// Visible is false for a container hidden by its settings or its
	// ddc.enable label: it is not in ActionList, so drop it from views.
	Visible bool `json:"visible"`
	// Cause is the Docker event action that caused the change (start, die,
	// ...), CauseSync or CauseUnreachable.
	Cause string `json:"cause"`
	// At is when the change happened (UTC): Docker's event time, or when
	// the plugin noticed.
	At time.Time `json:"at"`
	Stamp
}

// EndpointEvent is the payload of TopicEndpoint. The endpoint's containers
// get StateEvents of their own (StateUnknown when it became unreachable).
type EndpointEvent struct {
	EndpointStatus
	Stamp
}

// BulkEvent is the payload of TopicBulk: one container of a restart_all or
// stop_all is done. Skipped containers are reported first, at once.
type BulkEvent struct {
	// Tag is the Args.Tag of the call.
	Tag string `json:"tag,omitempty"`
	// Op is restart or stop.
	Op Op `json:"op"`
	// Index is Result's position in BulkResult.Results.
	Index int `json:"index"`
	// Done counts the containers finished so far, skipped ones and this
	// one included.
	Done int `json:"done"`
	// Total is the number of containers in the run, skipped ones included
	// (len(BulkResult.Results)).
	Total int `json:"total"`
	// Result is this container's outcome.
	Result ActionResult `json:"result"`
	Stamp
}

// SettingsEvent is the payload of TopicSettings: the settings changed, so
// every container may look different; list again.
type SettingsEvent struct {
	Stamp
}

// DecodeState decodes the payload of a TopicState event.
func DecodeState(payload []byte) (StateEvent, error) { return decode[StateEvent](TopicState, payload) }

// DecodeEndpoint decodes the payload of a TopicEndpoint event.
func DecodeEndpoint(payload []byte) (EndpointEvent, error) {
	return decode[EndpointEvent](TopicEndpoint, payload)
}

// DecodeBulk decodes the payload of a TopicBulk event.
func DecodeBulk(payload []byte) (BulkEvent, error) { return decode[BulkEvent](TopicBulk, payload) }

// DecodeSettings decodes the payload of a TopicSettings event.
func DecodeSettings(payload []byte) (SettingsEvent, error) {
	return decode[SettingsEvent](TopicSettings, payload)
}

// decode decodes the payload of an event on topic.
func decode[T any](topic string, payload []byte) (T, error) {
	var v T
	if err := json.Unmarshal(payload, &v); err != nil {
		return v, fmt.Errorf("decode %s event %.80q: %w", topic, payload, err)
	}
	return v, nil
}

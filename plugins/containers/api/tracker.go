package api

import (
	"errors"
	"fmt"
	"slices"
)

// ErrStale is returned by Tracker.Apply when the tracker's copy cannot be
// kept current from events alone: an event was lost, the containers plugin
// restarted, its settings changed, or the tracker was never Reset. Call
// ActionList and Reset.
var ErrStale = errors.New("container list is stale; list again")

// Tracker keeps a copy of the container list current from events, for a
// plugin that shows containers live (a status panel). Reset it with a
// ListResult, then Apply every event of TopicAll as it arrives; when Apply
// returns ErrStale, list again and Reset. Events that the list already
// holds are ignored, so events that arrived while List was running may be
// applied afterwards. The zero value is an empty, stale tracker. It is not
// safe for concurrent use.
type Tracker struct {
	stamp     Stamp
	current   bool
	byKey     map[string]ContainerInfo // by endpoint "/" id
	endpoints []EndpointStatus
}

// Reset replaces the tracker's copy with l.
func (t *Tracker) Reset(l ListResult) {
	t.stamp, t.current = Stamp{Run: l.Run, Seq: l.Seq}, true
	t.byKey = make(map[string]ContainerInfo, len(l.Containers))
	for _, c := range l.Containers {
		t.byKey[key(c)] = c
	}
	t.endpoints = slices.Clone(l.Endpoints)
}

// Apply applies one event on topic. It reports whether the copy changed;
// events on other topics, TopicBulk events and events the list already
// held change nothing. It returns an error matching ErrStale when the copy
// is no longer current.
func (t *Tracker) Apply(topic string, payload []byte) (changed bool, err error) {
	switch topic {
	case TopicState, TopicEndpoint, TopicBulk, TopicSettings:
	default:
		return false, nil
	}
	if !t.current {
		return false, ErrStale
	}
	st, err := decode[Stamp](topic, payload)
	if err != nil {
		t.current = false
		return false, fmt.Errorf("%w: %w", ErrStale, err)
	}
	switch {
	case st.Run != t.stamp.Run:
		t.current = false
		return false, fmt.Errorf("%w: the containers plugin restarted (run %s, was %s)", ErrStale, st.Run, t.stamp.Run)
	case st.Seq <= t.stamp.Seq:
		return false, nil
	case st.Seq != t.stamp.Seq+1:
		t.current = false
		return false, fmt.Errorf("%w: missed events %d-%d", ErrStale, t.stamp.Seq+1, st.Seq-1)
	}
	t.stamp.Seq = st.Seq
	switch topic {
	case TopicState:
		return t.applyState(payload)
	case TopicEndpoint:
		return t.applyEndpoint(payload)
	case TopicSettings:
		t.current = false
		return false, fmt.Errorf("%w: the settings changed", ErrStale)
	}
	return false, nil
}

// applyState stores or drops the container of a TopicState payload.
func (t *Tracker) applyState(payload []byte) (bool, error) {
	ev, err := DecodeState(payload)
	if err != nil {
		t.current = false
		return false, fmt.Errorf("%w: %w", ErrStale, err)
	}
	k := key(ev.ContainerInfo)
	if ev.State == StateRemoved || !ev.Visible {
		_, had := t.byKey[k]
		delete(t.byKey, k)
		return had, nil
	}
	t.byKey[k] = ev.ContainerInfo
	return true, nil
}

// applyEndpoint updates the endpoint of a TopicEndpoint payload.
func (t *Tracker) applyEndpoint(payload []byte) (bool, error) {
	ev, err := DecodeEndpoint(payload)
	if err != nil {
		t.current = false
		return false, fmt.Errorf("%w: %w", ErrStale, err)
	}
	for i, e := range t.endpoints {
		if e.Endpoint == ev.Endpoint {
			t.endpoints[i] = ev.EndpointStatus
			return true, nil
		}
	}
	t.endpoints = append(t.endpoints, ev.EndpointStatus)
	return true, nil
}

// Current reports whether the copy is current: Reset was called and no
// Apply has returned ErrStale since.
func (t *Tracker) Current() bool { return t.current }

// Stamp returns the stamp of the last event applied (or of the list).
func (t *Tracker) Stamp() Stamp { return t.stamp }

// Containers returns the visible containers, sorted as ActionList sorts
// them.
func (t *Tracker) Containers() []ContainerInfo {
	out := make([]ContainerInfo, 0, len(t.byKey))
	for _, c := range t.byKey {
		out = append(out, c)
	}
	slices.SortFunc(out, Compare)
	return out
}

// Endpoints returns every endpoint's status, in configured order.
func (t *Tracker) Endpoints() []EndpointStatus { return slices.Clone(t.endpoints) }

// Find returns the container whose Container reference is ref.
func (t *Tracker) Find(ref string) (ContainerInfo, bool) {
	for _, c := range t.byKey {
		if c.Container == ref {
			return c, true
		}
	}
	return ContainerInfo{}, false
}

// key identifies a container across endpoints.
func key(c ContainerInfo) string { return c.Endpoint + "/" + c.ID }

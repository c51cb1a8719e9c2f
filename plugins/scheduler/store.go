package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
)

// store keeps task records in the plugin's KV namespace: one key per task
// (api.KeyPrefix + id), each record written whole by one Put, so a task
// is never half saved. The KV's key listing is the index.
type store struct{ kv sdk.KV }

// badRecord is a stored value that is not a record: it is kept as it is
// and reported, never overwritten or deleted by the plugin.
type badRecord struct {
	key string
	err error
}

// head is a record without its history but the newest run: what the
// plugin keeps in memory. Decoding the history into a one-element array
// skips the rest without allocating it.
type head struct {
	Version int        `json:"v"`
	Task    api.Task   `json:"task"`
	Handled time.Time  `json:"handled,omitzero"`
	History [1]api.Run `json:"history"`
}

// load reads every record's head. Values that do not decode are returned
// as bad records; a KV failure is an error.
func (s store) load(ctx context.Context) ([]head, []badRecord, error) {
	keys, err := s.kv.List(ctx, api.KeyPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("list task records: %w", err)
	}
	recs := make([]head, 0, len(keys))
	var bad []badRecord
	for _, key := range keys {
		raw, ok, err := s.kv.Get(ctx, key)
		if err != nil {
			return nil, nil, fmt.Errorf("read task record %s: %w", key, err)
		}
		if !ok {
			continue // deleted since the listing
		}
		var rec head
		if err := json.Unmarshal(raw, &rec); err != nil {
			bad = append(bad, badRecord{key, fmt.Errorf("not a task record: %w", err)})
			continue
		}
		if id := strings.TrimPrefix(key, api.KeyPrefix); !idRE.MatchString(id) {
			bad = append(bad, badRecord{key, fmt.Errorf("%q is not a task id: 1-64 letters, digits, '-' and '_'", id)})
			continue
		}
		if id := strings.TrimPrefix(key, api.KeyPrefix); rec.Task.ID != id {
			bad = append(bad, badRecord{key, fmt.Errorf("the record's id %q is not its key's %q", rec.Task.ID, id)})
			continue
		}
		if rec.Version > api.RecordVersion {
			bad = append(bad, badRecord{key, fmt.Errorf("record version %d is newer than this plugin's %d", rec.Version, api.RecordVersion)})
			continue
		}
		recs = append(recs, rec)
	}
	return recs, bad, nil
}

// get reads the record of task id; found is false when there is none.
func (s store) get(ctx context.Context, id string) (api.Record, bool, error) {
	raw, ok, err := s.kv.Get(ctx, api.KeyPrefix+id)
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("read task %s: %w", id, err)
		}
		return api.Record{}, false, err
	}
	var rec api.Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return api.Record{}, false, fmt.Errorf("read task %s: not a task record: %w", id, err)
	}
	return rec, true, nil
}

// put writes rec whole, without the task's computed fields.
func (s store) put(ctx context.Context, rec api.Record) error {
	rec.Version = api.RecordVersion
	rec.Task.Next, rec.Task.Description, rec.Task.LastRun, rec.Task.Error = time.Time{}, "", nil, ""
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode task %s: %w", rec.Task.ID, err)
	}
	if err := s.kv.Put(ctx, api.KeyPrefix+rec.Task.ID, raw); err != nil {
		return fmt.Errorf("save task %s: %w", rec.Task.ID, err)
	}
	return nil
}

// delete removes the record of task id.
func (s store) delete(ctx context.Context, id string) error {
	if err := s.kv.Delete(ctx, api.KeyPrefix+id); err != nil {
		return fmt.Errorf("delete task %s: %w", id, err)
	}
	return nil
}

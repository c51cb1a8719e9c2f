package ddcimport

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// readTasks reads tasks.json: a list of tasks, an object with a "tasks"
// list, or an object of tasks by id.
func (s *Source) readTasks(dir string) error {
	raw, found, err := readFile(dir, "tasks.json")
	if err != nil || !found {
		return err
	}
	type entry struct {
		where string
		raw   json.RawMessage
	}
	var entries []entry
	var list []json.RawMessage
	var byKey map[string]json.RawMessage
	switch {
	case json.Unmarshal(raw, &list) == nil:
		for i, r := range list {
			entries = append(entries, entry{fmt.Sprintf("[%d].", i), r})
		}
	case json.Unmarshal(raw, &byKey) == nil:
		if inner, ok := byKey["tasks"]; ok {
			if err := json.Unmarshal(inner, &list); err != nil {
				return fmt.Errorf("tasks.json: tasks: want a list, got %s", kind(inner))
			}
			for i, r := range list {
				entries = append(entries, entry{fmt.Sprintf("tasks[%d].", i), r})
			}
			break
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			entries = append(entries, entry{k + ".", byKey[k]})
		}
	default:
		return fmt.Errorf("tasks.json: want a list of tasks or an object, got %s", kind(raw))
	}
	var errs []error
	for _, e := range entries {
		o, err := newObject("tasks.json", e.where, e.raw)
		if err == nil {
			var t Task
			t, err = readTask(o)
			s.Tasks = append(s.Tasks, t)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func readTask(o *object) (Task, error) {
	t := Task{Where: "tasks.json: " + o.path[:len(o.path)-1]}
	var errs []error
	first := func(keys ...string) string {
		for _, k := range keys {
			v, err := o.str(k)
			errs = append(errs, err)
			if v != "" {
				return v
			}
		}
		return ""
	}
	t.ID = first("id", "task_id")
	t.Container = first("container", "container_name")
	t.Action, t.Cycle, t.Status = first("action"), first("cycle"), first("status")
	t.Timezone = first("timezone_str", "_timezone_str")
	t.Description = first("description", "_description")
	t.CreatedBy = first("created_by", "_created_by")
	if raw, ok := o.get("created_at"); ok {
		_ = json.Unmarshal(raw, &t.CreatedAt) // a timestamp number instead: the import's time is used
	}
	var err error
	t.Active, err = o.boolean("is_active", true)
	errs = append(errs, err)
	t.Group, err = o.boolean("target_is_group", false)
	errs = append(errs, err)
	d, err := o.child("schedule_details")
	errs = append(errs, err)
	if d == nil {
		d = o // very old tasks kept the details at the top
	}
	dfirst := func(keys ...string) string {
		for _, k := range keys {
			raw, ok := d.get(k)
			if !ok {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				return s
			}
			var n json.Number
			if json.Unmarshal(raw, &n) == nil {
				return n.String()
			}
			errs = append(errs, d.fieldError(k, "a string or a number", raw))
		}
		return ""
	}
	t.Time, t.Day, t.Cron = dfirst("time"), dfirst("day"), dfirst("cron_string")
	t.Month, err = d.integer("month")
	errs = append(errs, err)
	t.Year, err = d.integer("year")
	errs = append(errs, err)
	return t, errors.Join(errs...)
}

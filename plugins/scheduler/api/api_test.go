package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/plugins/scheduler/api"
)

func TestActions(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range api.Actions() {
		if !strings.HasPrefix(a, api.PluginID+".") || seen[a] {
			t.Errorf("action %q is repeated or lacks the %s. prefix", a, api.PluginID)
		}
		seen[a] = true
	}
	changes := map[string]bool{api.ActionCreate: true, api.ActionUpdate: true, api.ActionDelete: true, api.ActionPause: true, api.ActionResume: true}
	for _, a := range api.Actions() {
		if got := api.Changes(a); got != changes[a] {
			t.Errorf("Changes(%q) = %v, want %v", a, got, changes[a])
		}
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		name  string
		valid bool
	}{
		{"once", true}, {"cron", true}, {"hourly", false}, {"Daily", false}, {"", false},
	}
	for _, tt := range tests {
		if got := api.Kind(tt.name).Valid(); got != tt.valid {
			t.Errorf("Kind(%q).Valid() = %v, want %v", tt.name, got, tt.valid)
		}
	}
	for _, o := range []api.Op{"start", "stop", "restart"} {
		if !o.Valid() {
			t.Errorf("Op(%q).Valid() = false", o)
		}
	}
	if api.Op("kill").Valid() {
		t.Error(`Op("kill").Valid() = true`)
	}
	for i, w := range api.Weekdays() {
		if got := api.WeekdayIndex(strings.ToUpper(w)); got != i {
			t.Errorf("WeekdayIndex(%q) = %d, want %d", w, got, i)
		}
	}
	if got := api.WeekdayIndex("funday"); got != -1 {
		t.Errorf(`WeekdayIndex("funday") = %d, want -1`, got)
	}
}

// TestRecordJSON pins the JSON a tool writing records produces.
func TestRecordJSON(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := api.Record{Version: api.RecordVersion, Task: api.Task{
		ID: "abcd1234", CreatedBy: "olga", CreatedAt: created,
		Spec: api.Spec{Container: "web", Action: api.OpRestart, Timezone: "Europe/Berlin", Paused: true, Note: "n",
			Schedule: api.Schedule{Kind: api.KindMonthly, Time: "04:00", Day: api.LastDay}},
	}, History: []api.Run{{Due: created, Result: api.ResultMissed, Missed: 3, Until: created}}}
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"task":{"id":"abcd1234","container":"web","action":"restart","schedule":{"kind":"monthly","time":"04:00","day":-1},` +
		`"timezone":"Europe/Berlin","paused":true,"note":"n","created_by":"olga","created_at":"2025-01-02T03:04:05Z"},` +
		`"history":[{"due":"2025-01-02T03:04:05Z","result":"missed","missed":3,"until":"2025-01-02T03:04:05Z"}]}`
	if string(raw) != want {
		t.Errorf("Record JSON\n got %s\nwant %s", raw, want)
	}
	var back api.Record
	if err := json.Unmarshal(raw, &back); err != nil || back.Task.Schedule.Day != api.LastDay || !back.Task.Paused || back.History[0].Missed != 3 {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}

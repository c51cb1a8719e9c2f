package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
)

// BenchmarkIdleMemory1000Tasks runs the scheduler as the real bundled
// subprocess (`ddc plugin scheduler`, started by the plugin manager) over
// 1,000 stored tasks of every kind, each with a full history, and reports
// the plugin process's PSS and RSS once it has read them and sat idle.
// Alone, the plugin shares no pages with a host process, so its PSS is
// close to its RSS; under `ddc serve` the executable's pages are shared.
func BenchmarkIdleMemory1000Tasks(b *testing.B) {
	const n = 1000
	data := b.TempDir()
	st, err := store.Open(filepath.Join(data, "ddc.db"))
	if err != nil {
		b.Fatal(err)
	}
	kv := st.KV("plugin/" + api.PluginID)
	zones := []string{"Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo", "Australia/Sydney"}
	kinds := []api.Schedule{
		{Kind: api.KindDaily, Time: "04:00"},
		{Kind: api.KindWeekly, Time: "02:30", Weekdays: []string{"mon", "thu"}},
		{Kind: api.KindMonthly, Time: "23:15", Day: 31},
		{Kind: api.KindYearly, Time: "10:00", Month: 2, Day: 29},
		{Kind: api.KindCron, Cron: "*/15 8-17 * * 1-5"},
		{Kind: api.KindOnce, Date: "2099-06-01", Time: "12:00"},
	}
	created := time.Now().Add(-time.Hour)
	for i := range n {
		rec := api.Record{Version: api.RecordVersion, Task: api.Task{
			ID: fmt.Sprintf("bench%04d", i), CreatedBy: "bench", CreatedAt: created,
			Spec: api.Spec{Container: fmt.Sprintf("app%04d", i), Action: api.OpRestart, Timezone: zones[i%len(zones)], Schedule: kinds[i%len(kinds)], Note: "nightly restart"},
		}, Handled: created}
		for j := range 20 {
			rec.History = append(rec.History, api.Run{Due: created.Add(-time.Duration(j) * 24 * time.Hour), Started: created, DurationMS: 1200, Result: api.ResultOK})
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			b.Fatal(err)
		}
		if err := kv.Put(context.Background(), api.KeyPrefix+rec.Task.ID, raw); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()

	mgr, _ := manager(b, data, io.Discard)
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, _ := mgr.Status(api.PluginID)
		if s.State == pluginhost.StateRunning {
			// The newest task read: the others were read before it.
			raw, err := mgr.Invoke(ctx, "host", api.ActionGet, json.RawMessage(fmt.Sprintf(`{"id":"bench%04d"}`, n-1)), nil)
			var g api.GetResult
			if err == nil && json.Unmarshal(raw, &g) == nil && len(g.History) == 20 {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("scheduler did not read %d tasks within 60 s: state %s", n, s.State)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Idle past the first memory trim (5 s after start) and the first
	// health check (10 s): the steady state.
	time.Sleep(12 * time.Second)
	s, _ := mgr.Status(api.PluginID)
	var u procmem.Usage
	for b.Loop() {
		if u, err = procmem.Read(s.PID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(procmem.MB(u.PSS), "plugin-pss-MB")
	b.ReportMetric(procmem.MB(u.RSS), "plugin-rss-MB")
	b.ReportMetric(procmem.MB(u.Anon), "plugin-anon-MB")
}

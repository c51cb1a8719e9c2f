package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// report is what a fault plugin's flood mode writes (see floodReport in
// testdata/faultplugin).
type report struct {
	OK        int64  `json:"ok"`
	Failed    int64  `json:"failed"`
	Invalid   int64  `json:"invalid"`
	FirstErr  string `json:"first_err"`
	Finished  bool   `json:"finished"`
	BytesSent int64  `json:"bytes_sent"`
}

// attack is a hostile plugin installed under a `ddc serve`: it attacks
// for its flood time once start is called.
type attack struct {
	startFile, reportFile string
}

// hostile installs the fault plugin id in a flood mode.
func hostile(t *testing.T, data, id, mode string, size int, floodFor time.Duration, extra ...string) attack {
	t.Helper()
	dir := t.TempDir()
	sharedDir(t, dir, 0o777)
	a := attack{startFile: filepath.Join(dir, "go"), reportFile: filepath.Join(dir, "report.json")}
	args := append([]string{"--id=" + id, "--cmd=" + id, "--mode=" + mode, fmt.Sprintf("--size=%d", size),
		"--flood-for=" + floodFor.String(), "--start-file=" + a.startFile, "--report-file=" + a.reportFile}, extra...)
	install(t, data, id, id, bins.fault, args)
	return a
}

func (a attack) start(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(a.startFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (a attack) report() report {
	var r report
	raw, _ := os.ReadFile(a.reportFile)
	_ = json.Unmarshal(raw, &r)
	return r
}

// rssLimit stops an attack that got through before it hurts the machine.
const rssLimit = 1 << 20 // kB: 1 GiB

// peakRSS samples pid's RSS (kB) every 50 ms until done reports true and
// returns the highest sample. Past rssLimit the test fails at once.
func peakRSS(t *testing.T, pid int, done func() bool) int64 {
	t.Helper()
	var peak int64
	for !done() {
		m, err := procmem.Read(pid)
		if err != nil {
			t.Fatalf("read the host's memory: %v", err)
		}
		peak = max(peak, m.RSS)
		if peak > rssLimit {
			t.Fatalf("host RSS reached %.0f MB; stopping the attack", procmem.MB(peak))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return peak
}

// TestEventFloodToSlowSubscriber: a hostile plugin publishes big events as
// fast as it can to a real subscriber plugin that handles one event in
// 200 ms. Events over the bus's size limit are refused with sdk.ErrInvalid;
// events under it fill the subscriber's queue up to its byte cap and the
// rest are dropped and logged; either way the host's RSS stays bounded.
// (Before the caps, 3 MiB events took the host to 1.6 GB in 10 s.)
func TestEventFloodToSlowSubscriber(t *testing.T) {
	tests := []struct {
		name        string
		size        int
		wantRefused bool
	}{
		{"3 MiB events", 3 << 20, true},
		{"200 KiB events", 200 << 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			flood := hostile(t, data, "flood", "flood-events", tt.size, 10*time.Second)
			install(t, data, "slow", "slow", bins.fault, []string{"--id=slow", "--cmd=slow", "--mode=slow-events", "--subscribe=flood.*"})
			s := serve(t, data, noDocker)
			s.waitHealthy(t, 30*time.Second, "flood", "slow")
			pid := s.cmd.Process.Pid
			before, err := procmem.Read(pid)
			if err != nil {
				t.Fatal(err)
			}
			flood.start(t)
			deadline := time.Now().Add(60 * time.Second)
			peak := peakRSS(t, pid, func() bool { return flood.report().Finished || time.Now().After(deadline) })
			r := flood.report()
			t.Logf("host RSS %.1f MB before, peak %.1f MB during the flood; publisher: %d published, %d refused (%d invalid), %.0f MB sent; first error: %s",
				procmem.MB(before.RSS), procmem.MB(peak), r.OK, r.Failed, r.Invalid, float64(r.BytesSent)/(1<<20), r.FirstErr)
			if !r.Finished {
				t.Fatalf("the flood did not finish in 60 s: %+v", r)
			}
			// The host holds at most the subscriber's 4 MiB queue and the
			// messages in flight; 64 MB over the idle RSS is ample.
			if growth := procmem.MB(peak - before.RSS); growth > 64 {
				t.Errorf("host RSS grew by %.1f MB during the flood (%.1f → %.1f MB), want under 64 MB", growth, procmem.MB(before.RSS), procmem.MB(peak))
			}
			if tt.wantRefused {
				if r.OK != 0 || r.Invalid == 0 || r.Invalid != r.Failed || !strings.Contains(r.FirstErr, "over the bus's 262144-byte (256 KiB) limit") {
					t.Errorf("publisher report %+v; want every publish refused as invalid, naming the limit", r)
				}
			} else {
				if r.OK == 0 || r.Failed != 0 {
					t.Errorf("publisher report %+v; want its publishes accepted", r)
				}
				wait.ForState(t, 10*time.Second, "the drops in the log", func() (bool, string) {
					return strings.Contains(s.logs.String(), "subscriber does not keep up with its events; dropping them"), ""
				})
			}
			// The host and the victim still work.
			s.waitHealthy(t, 30*time.Second, "flood", "slow")
		})
	}
}

// TestKVFlood: a hostile plugin writes keys as fast as it can. Its quota
// (plugins.<id>.kv_quota, or the default) stops it with sdk.ErrInvalid
// naming the quota; what was stored before, its own and other plugins',
// is untouched. (Before quotas, one plugin wrote 337 MB in 20 s.)
func TestKVFlood(t *testing.T) {
	tests := []struct {
		name    string
		quota   string // plugins.flood.kv_quota in config.yaml
		size    int
		wantErr string
		want    store.Quota // the quota in force
	}{
		{"bytes quota from config", "{max_bytes: 8MiB}", 64 << 10, "over the namespace's quota of 8388608 bytes", store.Quota{MaxBytes: 8 << 20}},
		{"key quota from config", "{max_keys: 300}", 16, "over the namespace's quota of 300 keys", store.Quota{MaxKeys: 300}},
		{"default quota", "", 1 << 20, "over the namespace's quota of 67108864 bytes", store.Quota{MaxBytes: pluginhost.DefaultKVMaxBytes}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			data := t.TempDir()
			db := filepath.Join(data, "ddc.db")
			// Data stored before the attack: the attacker's own and a victim's.
			st, err := store.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			for _, ns := range []string{"plugin/flood", "plugin/victim"} {
				if err := st.KV(ns).Put(ctx, "keep", []byte("precious")); err != nil {
					t.Fatal(err)
				}
			}
			st.Close()

			flood := hostile(t, data, "flood", "flood-kv", tt.size, 60*time.Second)
			cfg := noDocker
			if tt.quota != "" {
				cfg += "  flood:\n    kv_quota: " + tt.quota + "\n"
			}
			s := serve(t, data, cfg)
			s.waitHealthy(t, 30*time.Second, "flood")
			flood.start(t)
			wait.ForState(t, 60*time.Second, "the flood to hit its quota", func() (bool, string) {
				r := flood.report()
				return r.Failed > 0, fmt.Sprintf("%+v", r)
			})
			r := flood.report()
			s.stop(t)
			fi, err := os.Stat(db)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("attacker stored %d values (%.1f MB) before its first refusal: %s; database file %.1f MB", r.OK, float64(r.BytesSent)/(1<<20), r.FirstErr, float64(fi.Size())/(1<<20))
			if r.Invalid != r.Failed || !strings.Contains(r.FirstErr, tt.wantErr) || !strings.Contains(r.FirstErr, "plugins.flood.kv_quota") {
				t.Errorf("attacker's report %+v; want its refusals to be sdk.ErrInvalid containing %q and naming plugins.flood.kv_quota", r, tt.wantErr)
			}

			st, err = store.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			u, err := st.KV("plugin/flood").Usage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if (tt.want.MaxBytes > 0 && u.Bytes > tt.want.MaxBytes) || (tt.want.MaxKeys > 0 && u.Keys > tt.want.MaxKeys) {
				t.Errorf("attacker's namespace holds %+v, over its quota %+v", u, tt.want)
			}
			for _, ns := range []string{"plugin/flood", "plugin/victim"} {
				if v, ok, err := st.KV(ns).Get(ctx, "keep"); err != nil || !ok || string(v) != "precious" {
					t.Errorf("%s keep = %q, %v, %v after the flood; want the stored value", ns, v, ok, err)
				}
			}
			if limit := 3*u.Bytes + 32<<20; fi.Size() > limit {
				t.Errorf("database file is %d bytes, want under %d for %d bytes of data", fi.Size(), limit, u.Bytes)
			}
		})
	}
}

// TestAuditFlood: a hostile plugin appends audit entries with 64 KiB
// details as fast as it can while another plugin records 50 real ones.
// The flood only pushes out its own entries (each source keeps its share)
// and its details are cut.
func TestAuditFlood(t *testing.T) {
	const retention, real = 100, 50
	data := t.TempDir()
	// The flood is counted, not timed: three times the retention, however
	// slow the machine.
	const flooded = 3 * retention
	flood := hostile(t, data, "flood", "flood-audit", 64<<10, time.Minute, fmt.Sprintf("--count=%d", flooded))
	victim := hostile(t, data, "victim", "flood-audit", 10, time.Minute, fmt.Sprintf("--count=%d", real))
	e := startWith(t, data, store.Options{AuditRetention: retention}, nil)
	waitState(t, e.mgr, "flood", pluginhost.StateRunning, 10*time.Second)
	waitState(t, e.mgr, "victim", pluginhost.StateRunning, 10*time.Second)
	flood.start(t)
	victim.start(t)
	wait.ForState(t, 60*time.Second, "both to finish", func() (bool, string) {
		return flood.report().Finished && victim.report().Finished, fmt.Sprintf("flood %+v victim %+v", flood.report(), victim.report())
	})
	fr, vr := flood.report(), victim.report()
	if fr.OK != flooded || vr.OK != real {
		t.Fatalf("flood appended %d (want %d), victim %d (want %d): %+v %+v", fr.OK, flooded, vr.OK, real, fr, vr)
	}
	entries, err := e.store.Audit(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for _, en := range entries {
		by[en.Plugin]++
		if len(en.Detail) > store.MaxAuditDetailLen {
			t.Errorf("entry of %s has a %d-byte detail, want at most %d", en.Plugin, len(en.Detail), store.MaxAuditDetailLen)
		}
	}
	t.Logf("flood appended %d entries, victim %d; retained: %v", fr.OK, vr.OK, by)
	if by["victim"] != real || by["flood"] != retention {
		t.Errorf("retained entries by source = %v, want victim %d (all) and flood %d (its share)", by, real, retention)
	}
}

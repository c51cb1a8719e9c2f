package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// countBySource counts the retained audit entries per source.
func countBySource(t *testing.T, s *Store) map[string]int {
	t.Helper()
	entries, err := s.Audit(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range entries {
		n[e.Plugin]++
	}
	return n
}

// TestAuditFloodKeepsOthers: a plugin appending far more than its share
// only drops its own oldest entries; the host's and other plugins' stay.
func TestAuditFloodKeepsOthers(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{AuditRetention: 20})
	for i := range 5 {
		for _, src := range []string{"", "containers"} {
			if err := s.AppendAudit(ctx, AuditEntry{Plugin: src, Action: "real", Target: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 500 {
		if err := s.AppendAudit(ctx, AuditEntry{Plugin: "flood", Action: "junk", Target: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got := countBySource(t, s)
	want := map[string]int{"": 5, "containers": 5, "flood": 20}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("entries by source = %v, want %v", got, want)
	}
	newest, _ := s.Audit(ctx, 1)
	if newest[0].Target != "499" {
		t.Errorf("newest entry = %+v, want the flood's last", newest[0])
	}
	// The flood kept its newest 20.
	entries, _ := s.Audit(ctx, 0)
	for _, e := range entries {
		if e.Plugin == "flood" && e.Target < "480" && len(e.Target) == 3 {
			t.Errorf("flood entry %s kept, want only its newest 20", e.Target)
		}
	}
	if err := s.Check(ctx); err != nil {
		t.Error(err)
	}
}

// TestAuditIndexMigration: a log written before the per-source index gets
// one at Open, with the retention applied per source.
func TestAuditIndexMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ddc.db")
	s, err := OpenWithOptions(path, Options{AuditRetention: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		src := "a"
		if i%3 == 0 {
			src = ""
		}
		if err := s.AppendAudit(ctx, AuditEntry{Plugin: src, Action: "x", Target: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(auditIndexBucket)) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenWithOptions(path, Options{AuditRetention: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := countBySource(t, s); got[""] != 4 || got["a"] != 4 || len(got) != 2 {
		t.Errorf("after migration entries by source = %v, want 4 each", got)
	}
	if err := s.AppendAudit(ctx, AuditEntry{Plugin: "a", Action: "y"}); err != nil {
		t.Fatal(err)
	}
	if got := countBySource(t, s); got["a"] != 4 {
		t.Errorf("after one more append source a has %d entries, want 4", got["a"])
	}
}

func TestAuditFieldsAreCut(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	long := strings.Repeat("é", 5000) // 2 bytes each
	if err := s.AppendAudit(ctx, AuditEntry{Plugin: "p", Action: long, Detail: long, UserName: "bob"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Audit(ctx, 1)
	e := got[0]
	for name, tt := range map[string]struct {
		v   string
		max int
	}{"Action": {e.Action, MaxAuditFieldLen}, "Detail": {e.Detail, MaxAuditDetailLen}} {
		if len(tt.v) > tt.max || !utf8.ValidString(tt.v) || !strings.HasSuffix(tt.v, "…") || len(tt.v) < tt.max-4 {
			t.Errorf("%s is %d bytes (valid UTF-8 %v), want cut to at most %d with a mark", name, len(tt.v), utf8.ValidString(tt.v), tt.max)
		}
	}
	if e.UserName != "bob" {
		t.Errorf("UserName = %q, want it untouched", e.UserName)
	}
}

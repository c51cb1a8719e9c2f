package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func openTemp(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := OpenWithOptions(filepath.Join(t.TempDir(), "ddc.db"), opts)
	if err != nil {
		t.Fatalf("OpenWithOptions: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestKVRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	kv := s.KV("containers")

	if v, found, err := kv.Get(ctx, "missing"); err != nil || found || v != nil {
		t.Fatalf("Get(missing) on new namespace = %q, %v, %v; want nil, false, nil", v, found, err)
	}
	tests := []struct {
		key   string
		value []byte
	}{
		{"a", []byte("1")},
		{"panel/123", []byte(`{"message":"456"}`)},
		{"empty", []byte{}},
		{"nil", nil},
		{"binary", []byte{0, 1, 2, 255}},
		{"big", bytes.Repeat([]byte("x"), MaxValueLen)},
		{strings.Repeat("k", MaxKeyLen), []byte("longest key")},
	}
	for _, tt := range tests {
		t.Run(shorten(tt.key), func(t *testing.T) {
			if err := kv.Put(ctx, tt.key, tt.value); err != nil {
				t.Fatalf("Put(%q): %v", shorten(tt.key), err)
			}
			got, found, err := kv.Get(ctx, tt.key)
			if err != nil || !found {
				t.Fatalf("Get(%q) = found %v, err %v; want found", shorten(tt.key), found, err)
			}
			if !bytes.Equal(got, tt.value) || got == nil {
				t.Fatalf("Get(%q) = %d bytes, want %d bytes (non-nil)", shorten(tt.key), len(got), len(tt.value))
			}
		})
	}

	// Overwrite, then delete.
	if err := kv.Put(ctx, "a", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := kv.Get(ctx, "a"); string(got) != "2" {
		t.Fatalf(`Get("a") after overwrite = %q, want "2"`, got)
	}
	if err := kv.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := kv.Get(ctx, "a"); found {
		t.Fatal(`Get("a") after Delete found it`)
	}
	if err := kv.Delete(ctx, "a"); err != nil {
		t.Fatalf("Delete of missing key = %v, want nil", err)
	}
	if err := s.KV("never-written").Delete(ctx, "x"); err != nil {
		t.Fatalf("Delete in missing namespace = %v, want nil", err)
	}

	// The returned slice is the caller's: changing it changes nothing stored.
	got, _, _ := kv.Get(ctx, "binary")
	got[0] = 9
	again, _, _ := kv.Get(ctx, "binary")
	if again[0] != 0 {
		t.Fatal("modifying a returned value changed the stored value")
	}
}

func TestKVNamespacesAreSeparate(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	a, b := s.KV("a"), s.KV("b")
	if err := a.Put(ctx, "k", []byte("from a")); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.Get(ctx, "k"); found {
		t.Fatal(`namespace "b" sees a key put in namespace "a"`)
	}
	// A namespace that looks like a prefix of another must not leak either.
	if err := s.KV("a/x").Put(ctx, "k", []byte("from a/x")); err != nil {
		t.Fatal(err)
	}
	got, _, _ := a.Get(ctx, "k")
	if string(got) != "from a" {
		t.Fatalf(`a.Get("k") = %q, want "from a"`, got)
	}
}

func TestKVList(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	kv := s.KV("p")
	for _, k := range []string{"b/2", "a/1", "b/1", "b/10", "c", "b"} {
		if err := kv.Put(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		prefix string
		limit  int
		want   []string
	}{
		{"all", "", 0, []string{"a/1", "b", "b/1", "b/10", "b/2", "c"}},
		{"prefix", "b/", 0, []string{"b/1", "b/10", "b/2"}},
		{"prefix with limit", "b/", 2, []string{"b/1", "b/10"}},
		{"negative limit is no limit", "b", -1, []string{"b", "b/1", "b/10", "b/2"}},
		{"no match", "zz", 0, []string{}},
		{"limit larger than result", "a", 10, []string{"a/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kv.List(ctx, tt.prefix, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("List(%q, %d) mismatch (-want +got):\n%s", tt.prefix, tt.limit, diff)
			}
		})
	}
	got, err := s.KV("empty").List(ctx, "", 0)
	if err != nil || len(got) != 0 {
		t.Fatalf("List on missing namespace = %v, %v; want empty, nil", got, err)
	}
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	longKey := strings.Repeat("k", MaxKeyLen+1)
	tests := []struct {
		name    string
		ns      string
		op      func(kv *KV) error
		wantErr error
		wantMsg string
	}{
		{"empty namespace", "", func(kv *KV) error { return kv.Put(ctx, "k", nil) }, ErrInvalidNamespace,
			"kv put: namespace is empty: invalid namespace"},
		{"namespace too long", strings.Repeat("n", MaxNamespaceLen+1), func(kv *KV) error { _, _, err := kv.Get(ctx, "k"); return err }, ErrInvalidNamespace,
			`kv get: namespace "` + strings.Repeat("n", 64) + `..." is 129 bytes, over the 128-byte limit: invalid namespace`},
		{"namespace with NUL", "a\x00b", func(kv *KV) error { _, err := kv.List(ctx, "", 0); return err }, ErrInvalidNamespace,
			`kv list: namespace "a\x00b" contains a NUL byte: invalid namespace`},
		{"longest namespace ok", strings.Repeat("n", MaxNamespaceLen), func(kv *KV) error { return kv.Put(ctx, "k", nil) }, nil, ""},
		{"empty key put", "p", func(kv *KV) error { return kv.Put(ctx, "", []byte("v")) }, ErrInvalidKey,
			"kv put p: key is empty: invalid key"},
		{"empty key get", "p", func(kv *KV) error { _, _, err := kv.Get(ctx, ""); return err }, ErrInvalidKey,
			"kv get p: key is empty: invalid key"},
		{"empty key delete", "p", func(kv *KV) error { return kv.Delete(ctx, "") }, ErrInvalidKey,
			"kv delete p: key is empty: invalid key"},
		{"key too long", "p", func(kv *KV) error { return kv.Put(ctx, longKey, []byte("v")) }, ErrInvalidKey,
			`kv put p: key "` + strings.Repeat("k", 64) + `..." is 513 bytes, over the 512-byte limit: invalid key`},
		{"value too large", "p", func(kv *KV) error { return kv.Put(ctx, "big", make([]byte, MaxValueLen+1)) }, ErrValueTooLarge,
			`kv put p: value for key "big" is 1048577 bytes, over the 1048576-byte limit: value too large`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op(s.KV(tt.ns))
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("error = %v, want errors.Is %v", err, tt.wantErr)
			}
			if err != nil && err.Error() != tt.wantMsg {
				t.Errorf("error = %q, want %q", err.Error(), tt.wantMsg)
			}
		})
	}
	if _, found, _ := s.KV("p").Get(ctx, "big"); found {
		t.Error("a rejected value was stored")
	}
}

func TestCanceledContext(t *testing.T) {
	s := openTemp(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	kv := s.KV("p")
	if err := kv.Put(ctx, "k", []byte("v")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with canceled ctx = %v, want context.Canceled", err)
	}
	if err := s.AppendAudit(ctx, AuditEntry{Action: "x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("AppendAudit with canceled ctx = %v, want context.Canceled", err)
	}
	if _, found, _ := kv.Get(context.Background(), "k"); found {
		t.Error("Put with canceled ctx stored the value")
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "ddc.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.KV("p").Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx, AuditEntry{Action: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.KV("p").Put(ctx, "k", []byte("v")); err == nil {
		t.Error("Put on a closed store succeeded")
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, found, err := s.KV("p").Get(ctx, "k"); err != nil || !found || string(v) != "v" {
		t.Fatalf(`Get("k") after reopen = %q, %v, %v; want "v", true, nil`, v, found, err)
	}
	if got, _ := s.Audit(ctx, 0); len(got) != 1 || got[0].Action != "a" {
		t.Fatalf("Audit after reopen = %+v, want one entry with action a", got)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ddc.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	s2, err := OpenWithOptions(path, Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		s2.Close()
		t.Fatal("second Open of the same file succeeded, want ErrLocked")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file %s", err, path)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("second Open gave up after %s, want about 200ms", d)
	}
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{AuditRetention: 5})
	if got, err := s.Audit(ctx, 0); err != nil || len(got) != 0 {
		t.Fatalf("Audit on empty log = %v, %v; want empty", got, err)
	}
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	for i := range 8 {
		e := AuditEntry{
			Time: base.Add(time.Duration(i) * time.Minute), Plugin: "containers",
			GuildID: "100000000000000001", ChannelID: "100000000000000002",
			UserID: "100000000000000003", UserName: "alice",
			Action: "container.restart", Target: fmt.Sprintf("local/c%d", i), Result: "ok", Detail: "done",
		}
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		limit       int
		wantTargets []string
	}{
		{0, []string{"local/c7", "local/c6", "local/c5", "local/c4", "local/c3"}},
		{2, []string{"local/c7", "local/c6"}},
		{-1, []string{"local/c7", "local/c6", "local/c5", "local/c4", "local/c3"}},
		{100, []string{"local/c7", "local/c6", "local/c5", "local/c4", "local/c3"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("limit ", tt.limit), func(t *testing.T) {
			got, err := s.Audit(ctx, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var targets []string
			for _, e := range got {
				targets = append(targets, e.Target)
			}
			if diff := cmp.Diff(tt.wantTargets, targets); diff != "" {
				t.Errorf("Audit(%d) targets mismatch (-want +got):\n%s", tt.limit, diff)
			}
		})
	}
	got, _ := s.Audit(ctx, 1)
	want := AuditEntry{
		Time: base.Add(7 * time.Minute).UTC(), Plugin: "containers",
		GuildID: "100000000000000001", ChannelID: "100000000000000002",
		UserID: "100000000000000003", UserName: "alice",
		Action: "container.restart", Target: "local/c7", Result: "ok", Detail: "done",
	}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("newest entry mismatch (-want +got):\n%s", diff)
	}

	// A zero time is filled in.
	before := time.Now()
	if err := s.AppendAudit(ctx, AuditEntry{Action: "now"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Audit(ctx, 1)
	if got[0].Time.Before(before.Add(-time.Second)) || got[0].Time.After(time.Now().Add(time.Second)) {
		t.Errorf("zero Time filled with %v, want about %v", got[0].Time, before)
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{AuditRetention: 1000})
	const workers, perWorker = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := s.KV(fmt.Sprintf("plugin-%d", w))
			shared := s.KV("shared")
			for i := range perWorker {
				key := fmt.Sprintf("k%03d", i)
				val := []byte(fmt.Sprintf("%d-%d", w, i))
				if err := own.Put(ctx, key, val); err != nil {
					errs <- err
					return
				}
				if err := shared.Put(ctx, fmt.Sprintf("w%d/%s", w, key), val); err != nil {
					errs <- err
					return
				}
				got, found, err := own.Get(ctx, key)
				if err != nil || !found || !bytes.Equal(got, val) {
					errs <- fmt.Errorf("worker %d Get(%q) = %q, %v, %v; want %q", w, key, got, found, err, val)
					return
				}
				if _, err := shared.List(ctx, fmt.Sprintf("w%d/", w), 0); err != nil {
					errs <- err
					return
				}
				if err := s.AppendAudit(ctx, AuditEntry{Plugin: own.Namespace(), Action: "put", Target: key}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range workers {
		keys, err := s.KV(fmt.Sprintf("plugin-%d", w)).List(ctx, "", 0)
		if err != nil || len(keys) != perWorker {
			t.Errorf("plugin-%d has %d keys (err %v), want %d", w, len(keys), err, perWorker)
		}
	}
	keys, _ := s.KV("shared").List(ctx, "", 0)
	if len(keys) != workers*perWorker {
		t.Errorf("shared has %d keys, want %d", len(keys), workers*perWorker)
	}
	entries, _ := s.Audit(ctx, 0)
	if len(entries) != workers*perWorker {
		t.Errorf("audit has %d entries, want %d", len(entries), workers*perWorker)
	}
	if err := s.Check(ctx); err != nil {
		t.Error(err)
	}
}

func BenchmarkKVPut(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b, Options{})
	kv := s.KV("bench")
	val := bytes.Repeat([]byte("v"), 256)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := kv.Put(ctx, fmt.Sprintf("key-%08d", i), val); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKVGet(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b, Options{})
	kv := s.KV("bench")
	val := bytes.Repeat([]byte("v"), 256)
	const n = 1000
	for i := range n {
		if err := kv.Put(ctx, fmt.Sprintf("key-%08d", i), val); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if _, found, err := kv.Get(ctx, fmt.Sprintf("key-%08d", i%n)); err != nil || !found {
			b.Fatalf("Get: found %v, err %v", found, err)
		}
	}
}

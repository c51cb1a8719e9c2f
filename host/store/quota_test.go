package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestKVQuota(t *testing.T) {
	ctx := context.Background()
	type op struct {
		del     bool
		key     string
		size    int
		wantErr string // substring; "" means success
	}
	tests := []struct {
		name  string
		quota Quota
		ops   []op
		want  Usage
	}{
		{"keys cap", Quota{MaxKeys: 2}, []op{
			{key: "a", size: 1}, {key: "b", size: 1},
			{key: "c", size: 1, wantErr: `kv put plugin/x "c": a new key would make 3 keys, over the namespace's quota of 2 keys`},
			{key: "a", size: 5}, // replacing is not a new key
			{del: true, key: "b"}, {key: "c", size: 1},
		}, Usage{Keys: 2, Bytes: 1 + 5 + 1 + 1}},
		{"bytes cap counts keys and values", Quota{MaxBytes: 100}, []op{
			{key: "k1", size: 48}, {key: "k2", size: 48},
			{key: "k3", size: 1, wantErr: `kv put plugin/x "k3": the value would make 103 bytes, over the namespace's quota of 100 bytes`},
			{key: "k1", size: 49, wantErr: "would make 101 bytes"},
			{key: "k1", size: 10}, // shrinking is fine
			{key: "k3", size: 30},
		}, Usage{Keys: 3, Bytes: 2 + 10 + 2 + 48 + 2 + 30}},
		{"no quota", Quota{}, []op{{key: "a", size: 1000}, {key: "b", size: 1000}}, Usage{Keys: 2, Bytes: 2002}},
		{"empty values count their keys", Quota{MaxKeys: 1}, []op{
			{key: "e", size: 0}, {key: "e", size: 0}, {key: "f", size: 0, wantErr: "quota of 1 keys"},
		}, Usage{Keys: 1, Bytes: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			kv := s.KV("plugin/x").WithQuota(tt.quota)
			for i, o := range tt.ops {
				before, _ := kv.List(ctx, "", 0)
				var err error
				if o.del {
					err = kv.Delete(ctx, o.key)
				} else {
					err = kv.Put(ctx, o.key, bytes.Repeat([]byte("v"), o.size))
				}
				switch {
				case o.wantErr == "" && err != nil:
					t.Fatalf("op %d (%+v) = %v, want success", i, o, err)
				case o.wantErr != "":
					if !errors.Is(err, ErrQuotaExceeded) || !strings.Contains(err.Error(), o.wantErr) || !strings.Contains(err.Error(), "kv put plugin/x") {
						t.Fatalf("op %d (%+v) = %v, want ErrQuotaExceeded with %q", i, o, err, o.wantErr)
					}
					after, _ := kv.List(ctx, "", 0)
					if fmt.Sprint(before) != fmt.Sprint(after) {
						t.Errorf("a refused write changed the keys from %v to %v", before, after)
					}
				}
			}
			got, err := kv.Usage(ctx)
			if err != nil || got != tt.want {
				t.Errorf("Usage = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestKVQuotaKeepsData: a refused write leaves every stored value as it
// was, and a namespace over a lowered quota can still shrink.
func TestKVQuotaKeepsData(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	free := s.KV("plugin/x")
	for i := range 10 {
		if err := free.Put(ctx, fmt.Sprintf("k%d", i), []byte("value")); err != nil {
			t.Fatal(err)
		}
	}
	capped := free.WithQuota(Quota{MaxKeys: 5, MaxBytes: 20})
	if err := capped.Put(ctx, "k0", []byte("a much longer value")); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("growing a value over the quota = %v, want ErrQuotaExceeded", err)
	}
	if v, _, _ := capped.Get(ctx, "k0"); string(v) != "value" {
		t.Errorf("k0 = %q after a refused write, want the old value", v)
	}
	if err := capped.Put(ctx, "k1", []byte("v")); err != nil {
		t.Errorf("shrinking a value over a lowered quota = %v, want success", err)
	}
	if err := capped.Delete(ctx, "k2"); err != nil {
		t.Errorf("Delete over quota = %v", err)
	}
	if u, _ := capped.Usage(ctx); u.Keys != 9 || u.Bytes != 2*9+5*8+1 {
		t.Errorf("Usage = %+v, want 9 keys, %d bytes", u, 2*9+5*8+1)
	}
}

// TestKVUsageOfOldData: a namespace written before usage was recorded is
// counted once, then kept in step; the count survives a reopen.
func TestKVUsageOfOldData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ddc.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	kv := s.KV("old")
	for i := range 4 {
		if err := kv.Put(ctx, fmt.Sprintf("k%d", i), []byte("1234")); err != nil {
			t.Fatal(err)
		}
	}
	// Forget the record, as in a file from before quotas.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(usageBucket)) }); err != nil {
		t.Fatal(err)
	}
	if u, _ := kv.Usage(ctx); u != (Usage{Keys: 4, Bytes: 24}) {
		t.Errorf("Usage of unrecorded data = %+v, want 4 keys, 24 bytes", u)
	}
	if err := kv.WithQuota(Quota{MaxKeys: 4}).Put(ctx, "k4", nil); !errors.Is(err, ErrQuotaExceeded) {
		t.Errorf("fifth key under a 4-key quota over unrecorded data = %v, want ErrQuotaExceeded", err)
	}
	if err := kv.Delete(ctx, "k0"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if u, _ := s.KV("old").Usage(ctx); u != (Usage{Keys: 3, Bytes: 18}) {
		t.Errorf("Usage after reopen = %+v, want 3 keys, 18 bytes", u)
	}
}

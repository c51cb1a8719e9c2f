// Package store is the host's single embedded database file: per-plugin
// key/value namespaces (with quotas) and the audit log (with a share per
// source).
//
// The file is a bbolt database. Every write is one fsynced transaction, so a
// write that returned nil survives the process being killed, and a write that
// was interrupted leaves no trace.
//
// It must never import another host/ package, sdk, config or plugins/: it
// stores bytes for whoever wires it.
package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Limits on what the store accepts.
const (
	// MaxNamespaceLen is the longest namespace name, in bytes.
	MaxNamespaceLen = 128
	// MaxKeyLen is the longest key, in bytes.
	MaxKeyLen = 512
	// MaxValueLen is the largest value, in bytes (1 MiB).
	MaxValueLen = 1 << 20
	// DefaultAuditRetention is how many audit entries each source (the
	// host, each plugin) keeps when Options.AuditRetention is zero.
	DefaultAuditRetention = 5000
	// DefaultLockTimeout is how long Open waits for the file lock when
	// Options.LockTimeout is zero.
	DefaultLockTimeout = 2 * time.Second
)

// Errors returned by the store, checked with errors.Is.
var (
	// ErrLocked means another process (usually another host on the same
	// data dir) holds the database file.
	ErrLocked = errors.New("database is locked by another process")
	// ErrInvalidNamespace means a namespace name broke a rule.
	ErrInvalidNamespace = errors.New("invalid namespace")
	// ErrInvalidKey means a key was empty or longer than MaxKeyLen.
	ErrInvalidKey = errors.New("invalid key")
	// ErrValueTooLarge means a value was longer than MaxValueLen.
	ErrValueTooLarge = errors.New("value too large")
	// ErrQuotaExceeded means a write would take a namespace over its
	// Quota; nothing was written.
	ErrQuotaExceeded = errors.New("quota exceeded")
)

const (
	kvBucketPrefix = "kv/"
	// usageBucket holds each namespace's key count and bytes, by namespace,
	// kept in step with every write so that quotas cost no scan.
	usageBucket = "kv-usage"
	auditBucket = "audit"
)

// Options tune Open. The zero value is what Open uses.
type Options struct {
	// AuditRetention is how many audit entries each source (the host, each
	// plugin) keeps; a source's older entries are dropped as it appends new
	// ones. Zero means DefaultAuditRetention.
	AuditRetention int
	// LockTimeout is how long to wait for another process to release the
	// file. Zero means DefaultLockTimeout.
	LockTimeout time.Duration
}

// Store is an open database file. It is safe for concurrent use.
type Store struct {
	db        *bolt.DB
	path      string
	retention uint64
}

// Open opens (creating if needed, mode 0600) the database file at path with
// the default Options. If another process holds the file, Open fails after
// DefaultLockTimeout with an error wrapping ErrLocked.
func Open(path string) (*Store, error) {
	return OpenWithOptions(path, Options{})
}

// OpenWithOptions is Open with explicit Options.
func OpenWithOptions(path string, opts Options) (*Store, error) {
	if opts.AuditRetention < 0 {
		return nil, fmt.Errorf("open store %s: audit retention %d is negative", path, opts.AuditRetention)
	}
	if opts.AuditRetention == 0 {
		opts.AuditRetention = DefaultAuditRetention
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w (waited %s; is another ddc host using this data dir?)", path, ErrLocked, opts.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, retention: uint64(opts.AuditRetention)}
	if err := s.migrateAudit(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: index the audit log by source: %w", path, err)
	}
	return s, nil
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close releases the file. Calls on a closed store return errors.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Check walks the whole file and reports every inconsistency bbolt finds,
// joined, or nil when the file is sound.
func (s *Store) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check store %s: %w", s.path, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("check store %s: %w", s.path, errors.Join(errs...))
	}
	return nil
}

// KV is one namespace of keys, kept apart from every other namespace. It is
// safe for concurrent use.
type KV struct {
	s      *Store
	ns     string
	bucket []byte
	quota  Quota
	err    error // set when ns is invalid; returned by every method
}

// Quota caps what one namespace may hold. A zero field means no cap.
type Quota struct {
	// MaxKeys is the most keys the namespace may hold.
	MaxKeys int
	// MaxBytes caps the namespace's size: the sum of its keys' and values'
	// lengths.
	MaxBytes int64
}

// Usage is what a namespace holds.
type Usage struct {
	Keys  int   // Keys stored.
	Bytes int64 // Bytes of keys and values together.
}

// WithQuota returns kv with Put limited by q: a write that would take the
// namespace over a cap fails with an error wrapping ErrQuotaExceeded and
// leaves the stored data as it was. Writes that do not grow the namespace
// (replacing a value by one no longer, deleting) always work, so a
// namespace already over a lowered quota can shrink.
func (kv *KV) WithQuota(q Quota) *KV {
	c := *kv
	c.quota = q
	return &c
}

// KV returns the namespace ns (usually a plugin id). The name must be
// non-empty, at most MaxNamespaceLen bytes and free of NUL bytes; otherwise
// every method of the returned KV fails with an error wrapping
// ErrInvalidNamespace.
func (s *Store) KV(namespace string) *KV {
	kv := &KV{s: s, ns: namespace, bucket: []byte(kvBucketPrefix + namespace)}
	kv.err = ValidateNamespace(namespace)
	return kv
}

// Namespace returns the namespace name.
func (kv *KV) Namespace() string { return kv.ns }

// ValidateNamespace reports whether ns can name a KV namespace, returning an
// error wrapping ErrInvalidNamespace when it cannot.
func ValidateNamespace(ns string) error {
	switch {
	case ns == "":
		return fmt.Errorf("namespace is empty: %w", ErrInvalidNamespace)
	case len(ns) > MaxNamespaceLen:
		return fmt.Errorf("namespace %q is %d bytes, over the %d-byte limit: %w", shorten(ns), len(ns), MaxNamespaceLen, ErrInvalidNamespace)
	case containsNUL(ns):
		return fmt.Errorf("namespace %q contains a NUL byte: %w", ns, ErrInvalidNamespace)
	}
	return nil
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

// shorten keeps error messages readable when a key is huge.
func shorten(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

func (kv *KV) checkKey(op, key string) error {
	if kv.err != nil {
		return fmt.Errorf("kv %s: %w", op, kv.err)
	}
	switch {
	case key == "":
		return fmt.Errorf("kv %s %s: key is empty: %w", op, kv.ns, ErrInvalidKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("kv %s %s: key %q is %d bytes, over the %d-byte limit: %w", op, kv.ns, shorten(key), len(key), MaxKeyLen, ErrInvalidKey)
	}
	return nil
}

// Get returns the value stored under key and whether it was found. The
// returned slice belongs to the caller.
func (kv *KV) Get(ctx context.Context, key string) (value []byte, found bool, err error) {
	if err := kv.checkKey("get", key); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("kv get %s %q: %w", kv.ns, key, err)
	}
	err = kv.s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(kv.bucket)
		if b == nil {
			return nil
		}
		v, ok := lookup(b, key)
		if !ok {
			return nil
		}
		value = make([]byte, len(v))
		copy(value, v)
		found = true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("kv get %s %q: %w", kv.ns, key, err)
	}
	return value, found, nil
}

// Put stores value under key, replacing any previous value. When Put
// returns nil the value is on disk.
func (kv *KV) Put(ctx context.Context, key string, value []byte) error {
	if err := kv.checkKey("put", key); err != nil {
		return err
	}
	if len(value) > MaxValueLen {
		return fmt.Errorf("kv put %s: value for key %q is %d bytes, over the %d-byte limit: %w", kv.ns, shorten(key), len(value), MaxValueLen, ErrValueTooLarge)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kv put %s %q: %w", kv.ns, key, err)
	}
	if value == nil {
		value = []byte{}
	}
	err := kv.s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(kv.bucket)
		if err != nil {
			return err
		}
		u, err := kv.usage(tx, b)
		if err != nil {
			return err
		}
		next := u
		if old, ok := lookup(b, key); ok {
			next.Bytes += int64(len(value) - len(old))
		} else {
			next.Keys++
			next.Bytes += int64(len(key) + len(value))
		}
		if err := kv.checkQuota(u, next); err != nil {
			return err
		}
		if err := b.Put([]byte(key), value); err != nil {
			return err
		}
		return kv.setUsage(tx, next)
	})
	if err != nil {
		return fmt.Errorf("kv put %s %q: %w", kv.ns, shorten(key), err)
	}
	return nil
}

// lookup returns the value stored under key in b, telling an empty value
// from a missing key.
func lookup(b *bolt.Bucket, key string) ([]byte, bool) {
	k, v := b.Cursor().Seek([]byte(key))
	if string(k) != key || v == nil {
		return nil, false
	}
	return v, true
}

// checkQuota refuses a write that takes the namespace from u to next when
// next is over the quota and bigger than u.
func (kv *KV) checkQuota(u, next Usage) error {
	q := kv.quota
	if q.MaxKeys > 0 && next.Keys > q.MaxKeys && next.Keys > u.Keys {
		return fmt.Errorf("a new key would make %d keys, over the namespace's quota of %d keys: %w", next.Keys, q.MaxKeys, ErrQuotaExceeded)
	}
	if q.MaxBytes > 0 && next.Bytes > q.MaxBytes && next.Bytes > u.Bytes {
		return fmt.Errorf("the value would make %d bytes, over the namespace's quota of %d bytes: %w", next.Bytes, q.MaxBytes, ErrQuotaExceeded)
	}
	return nil
}

// usage returns the namespace's usage record, counting the bucket b (nil
// when it does not exist) when there is none yet (data written before
// usage was recorded).
func (kv *KV) usage(tx *bolt.Tx, b *bolt.Bucket) (Usage, error) {
	if ub := tx.Bucket([]byte(usageBucket)); ub != nil {
		if v := ub.Get([]byte(kv.ns)); len(v) == 16 {
			return Usage{Keys: int(binary.BigEndian.Uint64(v[:8])), Bytes: int64(binary.BigEndian.Uint64(v[8:]))}, nil
		}
	}
	var u Usage
	if b == nil {
		return u, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		if v != nil {
			u.Keys++
			u.Bytes += int64(len(k) + len(v))
		}
		return nil
	})
	return u, err
}

func (kv *KV) setUsage(tx *bolt.Tx, u Usage) error {
	ub, err := tx.CreateBucketIfNotExists([]byte(usageBucket))
	if err != nil {
		return err
	}
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v[:8], uint64(u.Keys))
	binary.BigEndian.PutUint64(v[8:], uint64(u.Bytes))
	return ub.Put([]byte(kv.ns), v)
}

// Usage returns how many keys and bytes the namespace holds.
func (kv *KV) Usage(ctx context.Context) (Usage, error) {
	if kv.err != nil {
		return Usage{}, fmt.Errorf("kv usage: %w", kv.err)
	}
	if err := ctx.Err(); err != nil {
		return Usage{}, fmt.Errorf("kv usage %s: %w", kv.ns, err)
	}
	var u Usage
	err := kv.s.db.View(func(tx *bolt.Tx) error {
		var err error
		u, err = kv.usage(tx, tx.Bucket(kv.bucket))
		return err
	})
	if err != nil {
		return Usage{}, fmt.Errorf("kv usage %s: %w", kv.ns, err)
	}
	return u, nil
}

// Delete removes key. Deleting a key that is not there is not an error.
func (kv *KV) Delete(ctx context.Context, key string) error {
	if err := kv.checkKey("delete", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kv delete %s %q: %w", kv.ns, key, err)
	}
	err := kv.s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(kv.bucket)
		if b == nil {
			return nil
		}
		old, ok := lookup(b, key)
		if !ok {
			return nil
		}
		u, err := kv.usage(tx, b)
		if err != nil {
			return err
		}
		if err := b.Delete([]byte(key)); err != nil {
			return err
		}
		u.Keys--
		u.Bytes -= int64(len(key) + len(old))
		return kv.setUsage(tx, u)
	})
	if err != nil {
		return fmt.Errorf("kv delete %s %q: %w", kv.ns, key, err)
	}
	return nil
}

// List returns the keys starting with prefix, sorted bytewise ascending, at
// most limit of them; limit <= 0 means no limit.
func (kv *KV) List(ctx context.Context, prefix string, limit int) ([]string, error) {
	if kv.err != nil {
		return nil, fmt.Errorf("kv list: %w", kv.err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kv list %s %q: %w", kv.ns, prefix, err)
	}
	keys := []string{}
	err := kv.s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(kv.bucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		p := []byte(prefix)
		for k, _ := c.Seek(p); k != nil && hasPrefix(k, p); k, _ = c.Next() {
			if limit > 0 && len(keys) >= limit {
				break
			}
			if len(keys)%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			keys = append(keys, string(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kv list %s %q: %w", kv.ns, prefix, err)
	}
	return keys, nil
}

func hasPrefix(b, p []byte) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == string(p)
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

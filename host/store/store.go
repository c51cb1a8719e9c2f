// Package store is the host's single embedded database file: per-plugin
// key/value namespaces and the audit log.
//
// The file is a bbolt database. Every write is one fsynced transaction, so a
// write that returned nil survives the process being killed, and a write that
// was interrupted leaves no trace.
package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
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
	// DefaultAuditRetention is how many audit entries are kept when
	// Options.AuditRetention is zero.
	DefaultAuditRetention = 10000
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
)

const (
	kvBucketPrefix = "kv/"
	auditBucket    = "audit"
)

// Options tune Open. The zero value is what Open uses.
type Options struct {
	// AuditRetention is how many audit entries are kept; older ones are
	// dropped as new ones are appended. Zero means DefaultAuditRetention.
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
	return &Store{db: db, path: path, retention: uint64(opts.AuditRetention)}, nil
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
	err    error // set when ns is invalid; returned by every method
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
		k, v := b.Cursor().Seek([]byte(key))
		if string(k) != key || v == nil {
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
		return b.Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("kv put %s %q: %w", kv.ns, key, err)
	}
	return nil
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
		return b.Delete([]byte(key))
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

// AuditEntry is one line of the audit log: who did what, where, and how it
// went.
type AuditEntry struct {
	// Time is when it happened; AppendAudit fills in the current time when
	// it is zero.
	Time time.Time `json:"time"`
	// Plugin is the id of the plugin that acted, or "" for the host.
	Plugin string `json:"plugin,omitempty"`
	// GuildID, ChannelID are where the action was asked for.
	GuildID   string `json:"guild_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	// UserID, UserName are who asked.
	UserID   string `json:"user_id,omitempty"`
	UserName string `json:"user_name,omitempty"`
	// Action is what was done, e.g. "container.restart".
	Action string `json:"action,omitempty"`
	// Target is what it was done to, e.g. "local/nginx".
	Target string `json:"target,omitempty"`
	// Result is how it went, e.g. "ok", "denied", "error".
	Result string `json:"result,omitempty"`
	// Detail is free text, e.g. the error message.
	Detail string `json:"detail,omitempty"`
}

// AppendAudit adds e to the audit log and drops the oldest entries beyond
// the retention limit.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(auditBucket))
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(seqKey(seq), data); err != nil {
			return err
		}
		if seq <= s.retention {
			return nil
		}
		// Keys are sequence numbers in order, so everything at or below
		// seq-retention is expired; normally that is exactly one entry.
		cutoff := seq - s.retention
		c := b.Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= cutoff; k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return nil
}

// Audit returns up to limit audit entries, newest first; limit <= 0 returns
// every retained entry.
func (s *Store) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	entries := []AuditEntry{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(auditBucket))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if limit > 0 && len(entries) >= limit {
				break
			}
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	return entries, nil
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Limits on one audit entry's fields: longer values are cut (on a UTF-8
// boundary, marked with "…"), so that one entry stays small whoever wrote
// it.
const (
	// MaxAuditDetailLen is the longest Detail kept, in bytes.
	MaxAuditDetailLen = 2048
	// MaxAuditFieldLen is the longest value of the other text fields, in
	// bytes.
	MaxAuditFieldLen = 256
)

// auditIndexBucket holds one nested bucket per source (the host, each
// plugin): per-source sequence → the entry's key in auditBucket. Keys are
// contiguous (only the oldest is ever removed), so the first and last key
// give a source's count.
const auditIndexBucket = "audit-by-source"

// AuditEntry is one line of the audit log: who did what, where, and how it
// went.
type AuditEntry struct {
	// Time is when it happened; AppendAudit fills in the current time when
	// it is zero.
	Time time.Time `json:"time"`
	// Plugin is the id of the plugin that acted, or "" for the host. It is
	// the entry's source: each source keeps its own share of the log.
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

// sourceKey names e's source in auditIndexBucket: "h" for the host, "p:"
// and the id for a plugin.
func sourceKey(plugin string) []byte {
	if plugin == "" {
		return []byte("h")
	}
	return []byte("p:" + plugin)
}

// clip cuts s to at most max bytes on a rune boundary, marking the cut.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const mark = "…"
	cut := max - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// AppendAudit adds e to the audit log. Each source (the host, each plugin)
// keeps its newest Options.AuditRetention entries: appending drops the
// source's own oldest entry beyond that, never another source's, so one
// plugin's flood cannot push the others' entries out. Fields over
// MaxAuditFieldLen (Detail: MaxAuditDetailLen) are cut.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("append audit %s: %w", clip(e.Action, MaxAuditFieldLen), err)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	for _, f := range []*string{&e.Plugin, &e.GuildID, &e.ChannelID, &e.UserID, &e.UserName, &e.Action, &e.Target, &e.Result} {
		*f = clip(*f, MaxAuditFieldLen)
	}
	e.Detail = clip(e.Detail, MaxAuditDetailLen)
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(auditBucket))
		if err != nil {
			return err
		}
		idx, err := tx.CreateBucketIfNotExists([]byte(auditIndexBucket))
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
		return s.indexAudit(b, idx, e.Plugin, seq)
	})
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return nil
}

// indexAudit records entry seq under its source and drops the source's
// oldest entries beyond the retention.
func (s *Store) indexAudit(b, idx *bolt.Bucket, plugin string, seq uint64) error {
	src, err := idx.CreateBucketIfNotExists(sourceKey(plugin))
	if err != nil {
		return err
	}
	n, err := src.NextSequence()
	if err != nil {
		return err
	}
	if err := src.Put(seqKey(n), seqKey(seq)); err != nil {
		return err
	}
	c := src.Cursor()
	for k, v := c.First(); k != nil && n-binary.BigEndian.Uint64(k)+1 > s.retention; k, v = c.First() {
		if err := b.Delete(v); err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// migrateAudit builds the per-source index for a log written before it
// existed, applying the retention per source. It runs once, at Open.
func (s *Store) migrateAudit() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(auditBucket))
		if b == nil || tx.Bucket([]byte(auditIndexBucket)) != nil {
			return nil
		}
		idx, err := tx.CreateBucket([]byte(auditIndexBucket))
		if err != nil {
			return err
		}
		type item struct {
			plugin string
			seq    uint64
		}
		var items []item
		err = b.ForEach(func(k, v []byte) error {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			items = append(items, item{e.Plugin, binary.BigEndian.Uint64(k)})
			return nil
		})
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := s.indexAudit(b, idx, it.plugin, it.seq); err != nil {
				return err
			}
		}
		return nil
	})
}

// Audit returns up to limit audit entries of every source, newest first;
// limit <= 0 returns every retained entry.
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

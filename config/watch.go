package config

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"time"
)

// DefaultWatchInterval is how often Watch polls when interval is 0.
const DefaultWatchInterval = 2 * time.Second

// Watch polls <dataDir>/config.yaml every interval (DefaultWatchInterval
// when 0) until ctx ends. It polls rather than using inotify so it works on
// NAS bind mounts, and compares a hash of the content, because size and
// mtime miss same-size edits on file systems with coarse timestamps (the
// file is small, so reading it each poll costs nothing).
//
// The content seen when Watch starts is the baseline. Each time the content
// changes, Watch loads all layers again (with the same env and flags) and
// validates them: a good config goes to onChange; a bad one, a deleted file
// or a read error goes to onError, and the caller keeps its old config.
// Each problem is reported once, not on every poll. Watch blocks; run it in
// its own goroutine. The callbacks run on Watch's goroutine.
func Watch(ctx context.Context, dataDir string, env []string, flags map[string]any, interval time.Duration, onChange func(*Config), onError func(error)) {
	WatchFrom(ctx, nil, dataDir, env, flags, interval, onChange, onError)
}

// WatchFrom is Watch with the file's content when base was loaded as the
// baseline (the content when Watch starts if base is nil), so that an edit
// made between Load and the start of watching is not missed.
func WatchFrom(ctx context.Context, base *Config, dataDir string, env []string, flags map[string]any, interval time.Duration, onChange func(*Config), onError func(error)) {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	path := filepath.Join(dataDir, FileName)
	last, _, _ := readState(path)
	if base != nil {
		last = base.read
	}
	lastReadErr := ""
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur, data, err := readState(path)
		if err != nil {
			// Possibly transient (a NAS hiccup): report once, retry next tick.
			if err.Error() != lastReadErr {
				lastReadErr = err.Error()
				onError(fmt.Errorf("watch config %s: %w; keeping the current config", path, err))
			}
			continue
		}
		lastReadErr = ""
		if cur == last {
			continue
		}
		last = cur
		if !cur.exists {
			onError(fmt.Errorf("config %s: file removed; keeping the current config", path))
			continue
		}
		c, err := load(path, data, env, flags)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			onError(err)
			continue
		}
		onChange(c)
	}
}

// fileState is what Watch compares between polls.
type fileState struct {
	exists bool
	sum    [sha256.Size]byte
}

// readState reads the file (at most MaxFileSize); a missing file is a
// state, not an error.
func readState(path string) (fileState, []byte, error) {
	data, err := readFile(path)
	if isNotExist(err) {
		return fileState{}, nil, nil
	}
	if err != nil {
		return fileState{}, nil, err
	}
	return fileState{exists: true, sum: sha256.Sum256(data)}, data, nil
}

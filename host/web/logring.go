package web

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// DefaultLogLines is how many log lines a LogRing keeps.
const DefaultLogLines = 2000

// LogLine is one kept log line.
type LogLine struct {
	Seq    uint64
	Time   time.Time
	Level  string
	Source string // "host", or the plugin's id
	Text   string
}

// LogRing keeps the host's most recent log lines (the plugins' lines go
// through the host's log, tagged with their id) for the logs page, and
// tells live pages about new ones. It is safe for concurrent use.
type LogRing struct {
	mu    sync.Mutex
	lines []LogLine // circular, len ≤ max
	next  int
	max   int
	seq   uint64
	subs  map[chan LogLine]struct{}
}

// NewLogRing keeps the last max lines (DefaultLogLines when max ≤ 0).
func NewLogRing(max int) *LogRing {
	if max <= 0 {
		max = DefaultLogLines
	}
	return &LogRing{max: max, subs: map[chan LogLine]struct{}{}}
}

// Wrap returns a handler that keeps every record next handles, then
// passes it on.
func (r *LogRing) Wrap(next slog.Handler) slog.Handler { return &ringHandler{ring: r, next: next} }

func (r *LogRing) add(l LogLine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	l.Seq = r.seq
	if len(r.lines) < r.max {
		r.lines = append(r.lines, l)
	} else {
		r.lines[r.next] = l
		r.next = (r.next + 1) % r.max
	}
	for ch := range r.subs {
		select {
		case ch <- l:
		default: // a slow page misses lines; it can reload
		}
	}
}

// Lines returns up to n of the newest lines of source ("" for all),
// oldest first.
func (r *LogRing) Lines(source string, n int) []LogLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := append(append([]LogLine{}, r.lines[r.next:]...), r.lines[:r.next]...)
	var out []LogLine
	for i := len(all) - 1; i >= 0 && len(out) < n; i-- {
		if source == "" || all[i].Source == source {
			out = append(out, all[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// subscribe returns a channel of new lines until unsubscribe.
func (r *LogRing) subscribe() chan LogLine {
	ch := make(chan LogLine, 256)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	return ch
}

func (r *LogRing) unsubscribe(ch chan LogLine) {
	r.mu.Lock()
	delete(r.subs, ch)
	r.mu.Unlock()
}

// ringHandler tees records into the ring.
type ringHandler struct {
	ring   *LogRing
	next   slog.Handler
	attrs  []slog.Attr
	groups string
}

func (h *ringHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *ringHandler) Handle(ctx context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	source := "host"
	write := func(a slog.Attr) bool {
		if a.Key == "plugin" && h.groups == "" {
			source = a.Value.String()
		}
		fmt.Fprintf(&b, " %s%s=%v", h.groups, a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	rec.Attrs(write)
	h.ring.add(LogLine{Time: rec.Time, Level: rec.Level.String(), Source: source, Text: b.String()})
	return h.next.Handle(ctx, rec)
}

func (h *ringHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	c.attrs = append(append([]slog.Attr{}, h.attrs...), attrs...)
	return &c
}

func (h *ringHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	c.groups = h.groups + name + "."
	return &c
}

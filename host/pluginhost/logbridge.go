package pluginhost

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// hclogToSlog returns an hclog logger for go-plugin whose output is re-logged
// through log, so plugin logs (which go-plugin parses from the plugin's
// stderr and re-logs via hclog) end up in the host's slog with their levels.
func hclogToSlog(log *slog.Logger) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Output: &slogWriter{log: log}, JSONFormat: true, Level: hclog.Debug,
	})
}

// slogWriter parses hclog JSON lines and logs them with slog.
type slogWriter struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

func (w *slogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *slogWriter) emit(line []byte) {
	var rec map[string]any
	if err := json.Unmarshal(line, &rec); err != nil {
		w.log.Info(string(line))
		return
	}
	msg, _ := rec["@message"].(string)
	lvl, _ := rec["@level"].(string)
	attrs := make([]any, 0, 2*len(rec))
	if mod, ok := rec["@module"].(string); ok && mod != "" {
		attrs = append(attrs, "module", mod)
	}
	for k, v := range rec {
		if strings.HasPrefix(k, "@") || k == "timestamp" {
			continue
		}
		if k == "plugin" {
			// go-plugin's own lines name the executable "plugin"; the
			// logger already carries plugin=<id>.
			k = "executable"
		}
		attrs = append(attrs, k, v)
	}
	w.log.Log(context.Background(), levelOf(lvl), msg, attrs...)
}

func levelOf(l string) slog.Level {
	switch strings.ToLower(l) {
	case "trace", "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// tailWriter keeps the last lines written to it, for crash reports.
type tailWriter struct {
	mu    sync.Mutex
	lines []string
	max   int
	part  []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part = append(t.part, p...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(t.part[:i])); line != "" {
			t.lines = append(t.lines, line)
			if len(t.lines) > t.max {
				t.lines = t.lines[len(t.lines)-t.max:]
			}
		}
		t.part = t.part[i+1:]
	}
	return len(p), nil
}

// panicLine returns the first "panic:" or "fatal error:" line kept, or the
// last line.
func (t *tailWriter) panicLine() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range t.lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return l
		}
	}
	return ""
}

// stdoutLogger logs what a plugin writes to stdout after the handshake.
type stdoutLogger struct{ log *slog.Logger }

func (s stdoutLogger) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		s.log.Info("plugin wrote to stdout", "line", line)
	}
	return len(p), nil
}

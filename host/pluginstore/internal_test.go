package pluginstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStageRefusesOversizedBinary(t *testing.T) {
	data := t.TempDir()
	_, err := stage(context.Background(), data, strings.NewReader(strings.Repeat("x", 3<<20)), 2<<20)
	if err == nil || !strings.Contains(err.Error(), "larger than 2 MiB") {
		t.Fatalf("stage(3 MiB, limit 2 MiB) = %v, want a size refusal", err)
	}
	entries, _ := os.ReadDir(PluginsDir(data))
	if len(entries) != 0 {
		t.Errorf("a refused stage left %v", entries)
	}
}

func TestStageRemovesStaleStagingDirs(t *testing.T) {
	data := t.TempDir()
	pdir := PluginsDir(data)
	old, fresh := filepath.Join(pdir, stagingPrefix+"install-old"), filepath.Join(pdir, stagingPrefix+"install-fresh")
	for _, d := range []string{old, fresh} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * staleAfter)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	_, _ = stage(context.Background(), data, strings.NewReader(""), 1<<20) // empty: refused, but cleans first
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("stale staging dir kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh staging dir (an install at work) was removed: %v", err)
	}
}

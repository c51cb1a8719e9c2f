package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bigFile returns a config file of about size bytes in one of the shapes
// that were slow to parse: a huge settings mapping, a flood of unknown
// keys, many plugins.
func bigFile(shape string, size int) string {
	var b strings.Builder
	switch shape {
	case "settings":
		b.WriteString("plugins:\n  x:\n    settings:\n")
		for i := 0; b.Len() < size-40; i++ {
			fmt.Fprintf(&b, "      k%d: v%d\n", i, i)
		}
	case "unknown":
		for i := 0; b.Len() < size-40; i++ {
			fmt.Fprintf(&b, "unknown%d: v\n", i)
		}
	case "plugins":
		b.WriteString("plugins:\n")
		for i := 0; b.Len() < size-40; i++ {
			fmt.Fprintf(&b, "  p%d:\n    enabled: true\n", i)
		}
	}
	return b.String()
}

func TestFileSizeCap(t *testing.T) {
	tests := []struct {
		name    string
		content string
		wantErr string // "" means Load succeeds
	}{
		{"2 MB file", bigFile("settings", 2<<20), "over the 262144-byte (256 KiB) limit for a config file"},
		{"just over", "web: {}\n" + strings.Repeat("#", MaxFileSize-8+1), "is 262145 bytes, over the 262144-byte"},
		{"just under", "web: {}\n" + strings.Repeat("#", MaxFileSize-8), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, tt.content)
			_, err := Load(dir, nil, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Load = %v, want no error", err)
				}
				return
			}
			want := "read config " + filepath.Join(dir, FileName) + ": file is"
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Load = %v, want an error starting %q containing %q", err, want, tt.wantErr)
			}
		})
	}
}

// TestWatchRefusesHugeFile: Watch reports a file over the cap once and
// keeps the running config.
func TestWatchRefusesHugeFile(t *testing.T) {
	dir := writeConfig(t, "log:\n  level: info\n")
	base, err := Load(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 10)
	changes := make(chan *Config, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go WatchFrom(ctx, base, dir, nil, nil, 10*time.Millisecond, func(c *Config) { changes <- c }, func(err error) { errs <- err })
	if err := WriteFile(filepath.Join(dir, FileName), []byte(bigFile("settings", 2<<20))); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "over the 262144-byte (256 KiB) limit") {
			t.Errorf("Watch error = %v, want the size limit", err)
		}
	case c := <-changes:
		t.Fatalf("Watch applied a 2 MB file: %v", c)
	case <-time.After(20 * time.Second):
		t.Fatal("Watch did not report the huge file")
	}
}

// TestBigFilesAreRefusedOrParsed: the shapes that took minutes are either
// over the cap or parse (this checks results; BenchmarkLoadBigFile checks
// the time).
func TestBigFilesAreRefusedOrParsed(t *testing.T) {
	for _, shape := range []string{"settings", "unknown", "plugins"} {
		t.Run(shape, func(t *testing.T) {
			dir := writeConfig(t, bigFile(shape, MaxFileSize))
			c, err := Load(dir, nil, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			err = c.Validate()
			if shape == "unknown" {
				var fe *FieldError
				if !errors.As(err, &fe) || strings.Count(err.Error(), "\n") > maxUnknownReported {
					t.Errorf("Validate = %.300s..., want at most %d lines of field errors", err, maxUnknownReported+1)
				}
			} else if err != nil && shape == "settings" {
				t.Errorf("Validate = %.300v", err)
			}
		})
	}
}

// BenchmarkLoadBigFile loads a config file at the size cap in the shapes
// that used to be quadratic (a 2 MB file took 50 s to 7 min).
func BenchmarkLoadBigFile(b *testing.B) {
	for _, shape := range []string{"settings", "unknown", "plugins"} {
		b.Run(shape, func(b *testing.B) {
			dir := b.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(bigFile(shape, MaxFileSize)), 0o600); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				c, err := Load(dir, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				_ = c.Validate()
			}
		})
	}
}

package sdk_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmePluginBuilds keeps the complete plugin in README.md true: it
// must build against this SDK and stay under 60 lines.
func TestReadmePluginBuilds(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "```go\n")
	if !ok {
		t.Fatal("README.md has no ```go block")
	}
	code, _, ok := strings.Cut(rest, "```\n")
	if !ok {
		t.Fatal("README.md: the first ```go block is not closed")
	}
	if n := strings.Count(code, "\n"); n >= 60 {
		t.Errorf("the README plugin has %d lines, want under 60", n)
	}
	// A directory starting with "_" inside the module is ignored by ./...
	// but can be built by path.
	dir, err := os.MkdirTemp(".", "_readme")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "uptime"), "./"+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README plugin does not build: %v\n%s", err, out)
	}
}

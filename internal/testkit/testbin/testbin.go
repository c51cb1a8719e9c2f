// Package testbin builds the programs that process-level tests run: the
// ddc binary, plugin binaries, test plugins. Builds use the project's build
// tag (nomsgpack), as the shipped binary does.
//
// It is test infrastructure: production code never imports it, and it must
// never import host/ or plugins/.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles the package pkg (an import path, or a directory relative
// to the calling test's package) into dir/name and returns its path. The
// go command's errors go to stderr.
func Build(dir, name, pkg string) (string, error) {
	path := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-tags", "nomsgpack", "-o", path, pkg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	return path, nil
}

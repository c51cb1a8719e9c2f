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

// DDCModule is the import path of the ddc command.
const DDCModule = "github.com/ddc-go/ddc/cmd/ddc"

// RunWithDDC is the body of a whole-system test package's TestMain: it
// builds the ddc binary once into a temporary directory named after
// prefix, stores its path in *bin, runs the tests and removes the
// directory. It returns the exit code for os.Exit.
func RunWithDDC(m interface{ Run() int }, prefix string, bin *string) int {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *bin, err = Build(dir, "ddc", DDCModule); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

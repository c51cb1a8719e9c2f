// Package plugins_test holds checks that apply to every plugin in this
// tree and to the SDK they are written against.
package plugins_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// forbidden are import path prefixes that neither the SDK nor a plugin may
// depend on, even indirectly: plugins see the host only through the SDK's
// gRPC protocol, never its code, Discord library or web framework.
var forbidden = []string{
	"github.com/ddc-go/ddc/host",
	"github.com/gin-gonic/gin",
	"github.com/bwmarrin/discordgo",
}

func isForbidden(path string) bool {
	for _, f := range forbidden {
		if path == f || strings.HasPrefix(path, f+"/") {
			return true
		}
	}
	return false
}

// TestImportBoundary lists the dependencies of the SDK and of every plugin
// with `go list -deps` and fails on a forbidden one, showing the chain of
// imports that brings it in.
func TestImportBoundary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the import-boundary check needs the go command: %v", err)
	}
	patterns := []string{"./sdk/...", "./plugins/..."}
	args := append([]string{"list", "-deps", "-test=false", "-f", "{{.ImportPath}}|{{.DepOnly}}|{{join .Imports \" \"}}"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = ".." // the module root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}

	imports := map[string][]string{}
	var roots []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			t.Fatalf("go list printed %q, want path|deponly|imports", sc.Text())
		}
		path := parts[0]
		imports[path] = strings.Fields(parts[2])
		if parts[1] == "false" {
			roots = append(roots, path)
		}
	}
	if len(roots) == 0 {
		t.Fatalf("go list matched no packages for %v", patterns)
	}
	for _, want := range []string{"github.com/ddc-go/ddc/sdk", "github.com/ddc-go/ddc/plugins/examples/echo"} {
		if _, ok := imports[want]; !ok {
			t.Errorf("go list did not list %s; the check would be vacuous", want)
		}
	}

	for _, root := range roots {
		if chain := findForbidden(root, imports); chain != nil {
			t.Errorf("%s must not depend on %s; import chain:\n\t%s",
				root, chain[len(chain)-1], strings.Join(chain, "\n\t-> "))
		}
	}
}

// findForbidden returns the shortest import chain from root to a forbidden
// package, or nil.
func findForbidden(root string, imports map[string][]string) []string {
	prev := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if isForbidden(p) {
			var chain []string
			for q := p; q != ""; q = prev[q] {
				chain = append([]string{q}, chain...)
			}
			return chain
		}
		for _, imp := range imports[p] {
			if _, seen := prev[imp]; !seen {
				prev[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return nil
}

func TestFindForbidden(t *testing.T) {
	imports := map[string][]string{
		"github.com/ddc-go/ddc/plugins/a":    {"fmt", "github.com/ddc-go/ddc/sdk", "example.com/lib"},
		"github.com/ddc-go/ddc/sdk":          {"context"},
		"example.com/lib":                    {"github.com/ddc-go/ddc/host/store"},
		"github.com/ddc-go/ddc/host/store":   {},
		"github.com/ddc-go/ddc/plugins/b":    {"github.com/gin-gonic/gin/render"},
		"github.com/ddc-go/ddc/plugins/c":    {"github.com/ddc-go/ddc/hosting"},
		"github.com/ddc-go/ddc/hosting":      {},
		"github.com/gin-gonic/gin/render":    {},
		"github.com/ddc-go/ddc/plugins/good": {"github.com/ddc-go/ddc/sdk"},
	}
	tests := []struct {
		root string
		want []string
	}{
		{"github.com/ddc-go/ddc/plugins/a", []string{"github.com/ddc-go/ddc/plugins/a", "example.com/lib", "github.com/ddc-go/ddc/host/store"}},
		{"github.com/ddc-go/ddc/plugins/b", []string{"github.com/ddc-go/ddc/plugins/b", "github.com/gin-gonic/gin/render"}},
		{"github.com/ddc-go/ddc/plugins/c", nil},
		{"github.com/ddc-go/ddc/plugins/good", nil},
	}
	for _, tt := range tests {
		got := findForbidden(tt.root, imports)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("findForbidden(%s) = %v, want %v", tt.root, got, tt.want)
		}
	}
}

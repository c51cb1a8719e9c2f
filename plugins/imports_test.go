// Package plugins_test holds checks that apply to every plugin in this
// tree and to the SDK they are written against.
//
// It must never import host/ or anything else of DDC: it reads the import
// graph, it does not run the code.
package plugins_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// module is this repository's module path.
const module = "github.com/ddc-go/ddc"

// forbidden are import path prefixes that neither the SDK nor a plugin may
// depend on, even indirectly: plugins see the host only through the SDK's
// gRPC protocol, never its code, Discord library or web framework.
var forbidden = []string{
	module + "/host",
	"github.com/gin-gonic/gin",
	"github.com/bwmarrin/discordgo",
}

// docker are import path prefixes of the Docker client and its modules,
// which a plugin's contract (api) package must not depend on.
var docker = []string{
	"github.com/docker/",
	"github.com/moby/",
	"github.com/containerd/",
}

func isForbidden(path string) bool {
	for _, f := range forbidden {
		if path == f || strings.HasPrefix(path, f+"/") {
			return true
		}
	}
	return false
}

func isDocker(path string) bool {
	for _, d := range docker {
		if strings.HasPrefix(path, d) {
			return true
		}
	}
	return false
}

// owner returns the plugin a package belongs to: "containers" for
// plugins/containers/..., "examples/echo" for plugins/examples/echo/...,
// and "" for packages outside plugins/.
func owner(path string) string {
	rest, ok := strings.CutPrefix(path, module+"/plugins/")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	if parts[0] == "examples" && len(parts) > 1 {
		return "examples/" + parts[1]
	}
	return parts[0]
}

// apiOf returns the contract package of plugin p, the only package of p
// that other plugins may import.
func apiOf(p string) string { return module + "/plugins/" + p + "/api" }

// isAPI reports whether path is a plugin's contract package.
func isAPI(path string) bool { o := owner(path); return o != "" && path == apiOf(o) }

// deps is the import graph `go list -deps` printed.
type deps struct {
	imports map[string][]string // direct imports by package
	std     map[string]bool     // standard library packages
	roots   []string            // packages the patterns matched
}

// listDeps runs `go list -deps` on patterns from the module root.
func listDeps(t *testing.T, patterns ...string) deps {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the import-boundary check needs the go command: %v", err)
	}
	args := append([]string{"list", "-deps", "-test=false", "-f", "{{.ImportPath}}|{{.DepOnly}}|{{.Standard}}|{{join .Imports \" \"}}"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = ".." // the module root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	d := deps{imports: map[string][]string{}, std: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 4)
		if len(parts) != 4 {
			t.Fatalf("go list printed %q, want path|deponly|standard|imports", sc.Text())
		}
		path := parts[0]
		d.imports[path] = strings.Fields(parts[3])
		d.std[path] = parts[2] == "true"
		if parts[1] == "false" {
			d.roots = append(d.roots, path)
		}
	}
	if len(d.roots) == 0 {
		t.Fatalf("go list matched no packages for %v", patterns)
	}
	return d
}

// TestImportBoundary lists the dependencies of the SDK and of every plugin
// with `go list -deps` and fails on a forbidden one, on a plugin reaching
// into another plugin beyond its api package, and on an api package that
// imports more than the standard library and the sdk, showing the chain of
// imports that brings it in.
func TestImportBoundary(t *testing.T) {
	d := listDeps(t, "./sdk/...", "./plugins/...")
	for _, want := range []string{module + "/sdk", module + "/plugins/examples/echo", module + "/plugins/containers", apiOf("containers")} {
		if _, ok := d.imports[want]; !ok {
			t.Errorf("go list did not list %s; the check would be vacuous", want)
		}
	}
	for _, root := range d.roots {
		if chain := findChain(root, d.imports, isForbidden); chain != nil {
			t.Errorf("%s must not depend on %s; import chain:\n\t%s",
				root, chain[len(chain)-1], strings.Join(chain, "\n\t-> "))
		}
		for _, msg := range pluginViolations(root, d) {
			t.Error(msg)
		}
	}
}

// pluginViolations returns what is wrong with root's dependencies on other
// plugins: a plugin may import another plugin's api package and nothing
// else of it, and an api package imports only the standard library and
// the sdk, and nothing of Docker even indirectly.
func pluginViolations(root string, d deps) []string {
	own := owner(root)
	if own == "" {
		return nil
	}
	var out []string
	other := func(p string) bool { o := owner(p); return o != "" && o != own && !isAPI(p) }
	if chain := findChain(root, d.imports, other); chain != nil {
		out = append(out, "plugin "+own+" may import only the api package of another plugin, not "+
			chain[len(chain)-1]+"; import chain:\n\t"+strings.Join(chain, "\n\t-> "))
	}
	if !isAPI(root) {
		return out
	}
	for _, imp := range d.imports[root] {
		if !d.std[imp] && imp != module+"/sdk" {
			out = append(out, root+" is a contract package: it may import only the standard library and "+module+"/sdk, not "+imp)
		}
	}
	if chain := findChain(root, d.imports, isDocker); chain != nil {
		out = append(out, root+" must not depend on Docker; import chain:\n\t"+strings.Join(chain, "\n\t-> "))
	}
	return out
}

// findChain returns the shortest import chain from root to a package for
// which bad is true, or nil.
func findChain(root string, imports map[string][]string, bad func(string) bool) []string {
	prev := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if bad(p) {
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
		got := findChain(tt.root, imports, isForbidden)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("findChain(%s, isForbidden) = %v, want %v", tt.root, got, tt.want)
		}
	}
}

// TestPluginViolations runs the cross-plugin rules on a made-up import
// graph: each case that breaks a rule must be reported, and only those.
func TestPluginViolations(t *testing.T) {
	const p = module + "/plugins/"
	d := deps{
		imports: map[string][]string{
			p + "panels":                      {p + "containers/api", p + "panels/render", "fmt"},
			p + "panels/render":               {p + "panels/internal"},
			p + "panels/internal":             {},
			p + "containers":                  {p + "containers/api", "github.com/docker/docker/client"},
			p + "containers/api":              {"context", "encoding/json"},
			p + "containers/api/extra":        {},
			p + "scheduler":                   {p + "containers"},
			p + "thief":                       {p + "containers/api/extra"},
			p + "sneaky":                      {"example.com/lib"},
			"example.com/lib":                 {p + "containers"},
			p + "dockerapi/api":               {"github.com/docker/docker/client"},
			p + "fatapi/api":                  {"example.com/util", "fmt"},
			p + "deepapi/api":                 {module + "/sdk"},
			module + "/sdk":                   {"github.com/moby/term"},
			p + "examples/echo":               {p + "examples/other/api", p + "examples/echo/cmd"},
			p + "examples/echo/cmd":           {p + "examples/echo"},
			p + "examples/other/api":          {},
			p + "examples/bad":                {p + "examples/other"},
			p + "examples/other":              {},
			"github.com/docker/docker/client": {},
			"github.com/moby/term":            {},
			"example.com/util":                {},
		},
		std: map[string]bool{"fmt": true, "context": true, "encoding/json": true},
	}
	tests := []struct {
		root string
		want []string // substrings of the violations, in order; none for a package that keeps the rules
	}{
		{root: p + "panels"},
		{root: p + "panels/render"},
		{root: p + "containers"},
		{root: p + "containers/api"},
		{root: p + "examples/echo"},
		{root: p + "scheduler", want: []string{"plugin scheduler may import only the api package of another plugin, not " + p + "containers"}},
		{root: p + "thief", want: []string{"not " + p + "containers/api/extra"}},
		{root: p + "sneaky", want: []string{"example.com/lib\n\t-> " + p + "containers"}},
		{root: p + "examples/bad", want: []string{"plugin examples/bad may import only the api package of another plugin, not " + p + "examples/other"}},
		{root: p + "dockerapi/api", want: []string{"not github.com/docker/docker/client", "must not depend on Docker"}},
		{root: p + "fatapi/api", want: []string{"not example.com/util"}},
		{root: p + "deepapi/api", want: []string{"must not depend on Docker; import chain:\n\t" + p + "deepapi/api\n\t-> " + module + "/sdk\n\t-> github.com/moby/term"}},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.root, p), func(t *testing.T) {
			got := pluginViolations(tt.root, d)
			if len(got) != len(tt.want) {
				t.Fatalf("pluginViolations(%s) = %q, want %d matching %q", tt.root, got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("pluginViolations(%s)[%d] = %q, want it to contain %q", tt.root, i, got[i], w)
				}
			}
		})
	}
}

// Package ddc_test checks the house rules ARCHITECTURE.md states: every
// package says in its doc comment what it must never import, the rules
// that can be checked mechanically hold, and no production function grows
// past the length STYLE allows without a stated reason. It must never
// import anything of DDC: it reads the code, it does not run it.
package ddc_test

import (
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// module is this repository's module path.
const module = "github.com/ddc-go/ddc"

// pkg is what `go list -json` says about one package.
type pkg struct {
	ImportPath   string
	Dir          string
	Doc          string
	Standard     bool
	DepOnly      bool
	Imports      []string
	GoFiles      []string
	TestGoFiles  []string
	XTestGoFiles []string
	TestImports  []string
	XTestImports []string
}

// graph is the module's packages and the non-test import graph under them.
type graph struct {
	pkgs  map[string]*pkg // every package go list printed, by import path
	roots []*pkg          // the module's own packages
}

// load runs `go list -deps` over the whole module.
func load(t *testing.T) graph {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the architecture checks need the go command: %v", err)
	}
	args := []string{"list", "-tags", "nomsgpack", "-deps", "-test=false",
		"-json=ImportPath,Dir,Doc,Standard,DepOnly,Imports,GoFiles,TestGoFiles,XTestGoFiles,TestImports,XTestImports", "./..."}
	cmd := exec.Command("go", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	g := graph{pkgs: map[string]*pkg{}}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		p := new(pkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		g.pkgs[p.ImportPath] = p
		if !p.DepOnly {
			g.roots = append(g.roots, p)
		}
	}
	if len(g.roots) < 10 {
		t.Fatalf("go list listed %d packages of the module; the checks would be vacuous", len(g.roots))
	}
	return g
}

// rel returns path relative to the module ("host/discord"), or "." for
// the module root.
func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

// packageDoc returns p's package comment. A package with only test files
// (go list gives no Doc for it) has its comment in one of them.
func packageDoc(t *testing.T, p *pkg) string {
	if p.Doc != "" || len(p.GoFiles) > 0 {
		return docOf(t, p.Dir, p.GoFiles)
	}
	return docOf(t, p.Dir, append(append([]string{}, p.TestGoFiles...), p.XTestGoFiles...))
}

// docOf returns the package comments of files in dir, joined.
func docOf(t *testing.T, dir string, files []string) string {
	t.Helper()
	var docs []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		if f.Doc != nil {
			docs = append(docs, f.Doc.Text())
		}
	}
	return strings.Join(docs, "\n")
}

// neverRule finds the sentence that states what a package must never
// import.
var neverRule = regexp.MustCompile(`(?i)\b(must never (import|be imported)|never imports)\b`)

// TestPackageDocs fails on a package of the module without a doc comment
// or whose comment does not say what it must never import.
func TestPackageDocs(t *testing.T) {
	g := load(t)
	for _, p := range g.roots {
		doc := packageDoc(t, p)
		switch {
		case strings.TrimSpace(doc) == "":
			t.Errorf("%s has no package doc comment (say what the package is and what it must never import)", rel(p.ImportPath))
		case !neverRule.MatchString(doc):
			t.Errorf("%s: the package doc does not say what the package must never import (a sentence with \"must never import\" or \"Never imports\"):\n%s", rel(p.ImportPath), doc)
		}
	}
}

// rule says which packages the packages matching pkgs must never depend on,
// directly or through others.
type rule struct {
	pkgs string // relative import path; "x/..." is x and everything under it
	// never are import path prefixes, relative to the module for DDC's own
	// packages ("host/web") or absolute for others; nonStd and ownModule
	// are special.
	never []string
	// says are the words the package doc must use for what never holds,
	// so the doc and the rule cannot drift apart.
	says []string
	// pending names the change that makes a rule hold that main still
	// breaks. Such a rule is reported but does not fail, and it fails once
	// it holds, so that the mark is removed and the rule enforced.
	pending string
}

const (
	// nonStd stands for every package outside the standard library.
	nonStd = "<non-standard>"
	// ownModule stands for every other package of DDC.
	ownModule = "<ddc>"
	// pluginCode stands for every package under plugins/ but the plugins'
	// Docker-free contracts (plugins/<id>/api): the host's web UI shows
	// containers and tasks through those, as any plugin may.
	pluginCode = "<plugin code>"

	gin       = "github.com/gin-gonic/gin"
	discordgo = "github.com/bwmarrin/discordgo"
	docker    = "github.com/docker"
	moby      = "github.com/moby"
	testkit   = "internal/testkit"
)

// rules are the import rules the package docs state that a graph can check.
var rules = []rule{
	{pkgs: "cmd/ddc", never: []string{testkit}, says: []string{"internal/testkit"}},
	{pkgs: "host/...", never: []string{testkit, pluginCode}, says: []string{"plugins/"}},
	{pkgs: "host/discord", never: []string{"host/web", gin}, says: []string{"host/web", "gin"}},
	{pkgs: "host/discord", never: []string{"host/pluginhost"}, says: []string{"host/pluginhost"}},
	{pkgs: "host/discord/outbox", never: []string{ownModule, discordgo}, says: []string{"DDC", "discordgo"}},
	{pkgs: "host/policy", never: []string{"host", discordgo, gin}, says: []string{"host/", "discordgo"}},
	{pkgs: "host/pluginhost", never: []string{"host/discord", "host/web", discordgo, gin}, says: []string{"host/discord", "host/web"}},
	{pkgs: "host/store", never: []string{"host", "sdk", "config"}, says: []string{"host/", "sdk"}},
	{pkgs: "host/web", never: []string{"host/discord", discordgo}, says: []string{"host/discord"}},
	{pkgs: "config", never: []string{"host", "sdk", "plugins"}, says: []string{"host/", "sdk", "plugins"}},
	{pkgs: "webui", never: []string{ownModule}, says: []string{"DDC"}},
	{pkgs: "sdk/...", never: []string{"host", "config", "plugins", "internal", gin, discordgo, docker, moby}, says: []string{"host/"}},
	{pkgs: "sdk/proto/ddc/plugin/v1", never: []string{ownModule}, says: []string{"DDC"}},
	{pkgs: "sdk/topic", never: []string{nonStd}, says: []string{"standard library"}},
	{pkgs: "plugins/...", never: []string{"host", "config", "internal", gin, discordgo}, says: []string{"host/"}},
	{pkgs: "plugins/containers/api", never: []string{docker, moby}, says: []string{"Docker"}},
	{pkgs: "plugins/scheduler/api", never: []string{docker, moby}, says: []string{"Docker"}},
	{pkgs: "plugins/scheduler/internal/zonelist", never: []string{nonStd}, says: []string{"standard library"}},
	{pkgs: "internal/memtrim", never: []string{ownModule}, says: []string{"DDC"}},
	{pkgs: "internal/procmem", never: []string{nonStd}, says: []string{"standard library"}},
	{pkgs: "internal/testkit/...", never: []string{"host", "plugins"}, says: []string{"host/", "plugins/"}},
	{pkgs: "internal/testkit/latency", never: []string{nonStd}, says: []string{"standard library"}},
	{pkgs: "internal/testkit/wait", never: []string{nonStd}, says: []string{"standard library"}},
	{pkgs: "scripts/...", never: []string{ownModule}, says: []string{"DDC"}},
	{pkgs: "bench", never: []string{"host", "plugins"}, says: []string{"host/", "plugins/"}},
}

// matches reports whether the relative path r falls under pattern.
func matches(pattern, r string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return r == base || strings.HasPrefix(r, base+"/")
	}
	return r == pattern
}

// badFor returns whether a dependency of root breaks the rule never.
func (g graph) badFor(root, never string) func(string) bool {
	return func(path string) bool {
		if path == root {
			return false
		}
		switch never {
		case nonStd:
			p := g.pkgs[path]
			return p == nil || !p.Standard
		case ownModule:
			return path == module || strings.HasPrefix(path, module+"/")
		case pluginCode:
			rest, ok := strings.CutPrefix(path, module+"/plugins/")
			return ok && !strings.HasSuffix(rest, "/api") && !strings.Contains(rest, "/api/")
		}
		prefix := never
		if !strings.Contains(strings.SplitN(prefix, "/", 2)[0], ".") {
			prefix = module + "/" + prefix // one of DDC's own packages
			if strings.HasPrefix(root, prefix+"/") || root == prefix {
				// host/policy never imports host/...: that means the
				// other packages under host, not itself.
				return path != root && !strings.HasPrefix(path, root+"/") && (path == prefix || strings.HasPrefix(path, prefix+"/"))
			}
		}
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
}

// chain returns the shortest import chain from root to a package for which
// bad is true, or nil.
func (g graph) chain(root string, bad func(string) bool) []string {
	prev := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if bad(p) {
			var c []string
			for q := p; q != ""; q = prev[q] {
				c = append([]string{q}, c...)
			}
			return c
		}
		if pk := g.pkgs[p]; pk != nil {
			for _, imp := range pk.Imports {
				if _, seen := prev[imp]; !seen {
					prev[imp] = p
					queue = append(queue, imp)
				}
			}
		}
	}
	return nil
}

// TestImportRules checks every rule against the import graph and checks
// that the package docs name what the rules forbid.
func TestImportRules(t *testing.T) {
	g := load(t)
	for _, r := range rules {
		matched := 0
		for _, p := range g.roots {
			if !matches(r.pkgs, rel(p.ImportPath)) {
				continue
			}
			matched++
			doc := packageDoc(t, p)
			for _, w := range r.says {
				if !strings.Contains(strings.ToLower(doc), strings.ToLower(w)) {
					t.Errorf("%s: the package doc does not name %q, which rule %s says it must never import", rel(p.ImportPath), w, r.pkgs)
				}
			}
			var broken []string
			for _, never := range r.never {
				if c := g.chain(p.ImportPath, g.badFor(p.ImportPath, never)); c != nil {
					broken = append(broken, rel(p.ImportPath)+" must never import "+never+"; import chain:\n\t"+strings.Join(c, "\n\t-> "))
				}
			}
			switch {
			case r.pending == "":
				for _, b := range broken {
					t.Error(b)
				}
			case len(broken) > 0:
				t.Logf("KNOWN VIOLATION, pending %s:\n%s", r.pending, strings.Join(broken, "\n"))
			default:
				t.Errorf("%s: the rule pending %q now holds: remove its pending mark in architecture_test.go so it is enforced", rel(p.ImportPath), r.pending)
			}
		}
		if matched == 0 {
			t.Errorf("rule %s matches no package; it would be vacuous", r.pkgs)
		}
	}
}

// TestTestKitStaysInTests fails when a production package depends on the
// test kit, and when a test-only package under e2e imports another.
func TestTestKitStaysInTests(t *testing.T) {
	g := load(t)
	kit := module + "/internal/testkit"
	for _, p := range g.roots {
		if matches("internal/testkit/...", rel(p.ImportPath)) {
			continue
		}
		if c := g.chain(p.ImportPath, func(path string) bool { return path == kit || strings.HasPrefix(path, kit+"/") }); c != nil {
			t.Errorf("production package %s depends on the test kit:\n\t%s", rel(p.ImportPath), strings.Join(c, "\n\t-> "))
		}
		if !matches("e2e/...", rel(p.ImportPath)) {
			continue
		}
		for _, imp := range append(append([]string{}, p.TestImports...), p.XTestImports...) {
			if imp != p.ImportPath && matches("e2e/...", rel(imp)) {
				t.Errorf("%s imports %s: whole-system tests never import one another", rel(p.ImportPath), rel(imp))
			}
		}
	}
}

// TestBadFor pins how a rule's path is read on a made-up graph.
func TestBadFor(t *testing.T) {
	g := graph{pkgs: map[string]*pkg{
		"fmt":                         {ImportPath: "fmt", Standard: true},
		"example.com/x":               {ImportPath: "example.com/x"},
		module + "/host/policy":       {ImportPath: module + "/host/policy"},
		module + "/host/policy/inner": {ImportPath: module + "/host/policy/inner"},
		module + "/host/store":        {ImportPath: module + "/host/store"},
		module + "/host":              {ImportPath: module + "/host"},
		module + "/hosting":           {ImportPath: module + "/hosting"},
	}}
	tests := []struct {
		root, path, never string
		want              bool
	}{
		{module + "/host/policy", module + "/host/store", "host", true},
		{module + "/host/policy", module + "/host", "host", true},
		{module + "/host/policy", module + "/host/policy/inner", "host", false},
		{module + "/host/policy", module + "/host/policy", "host", false},
		{module + "/sdk", module + "/hosting", "host", false},
		{module + "/sdk", module + "/host/store", "host", true},
		{module + "/sdk", "github.com/gin-gonic/gin/render", gin, true},
		{module + "/sdk", "github.com/gin-gonic/ginx", gin, false},
		{module + "/internal/procmem", "fmt", nonStd, false},
		{module + "/internal/procmem", "example.com/x", nonStd, true},
		{module + "/webui", module + "/host", ownModule, true},
		{module + "/webui", "example.com/x", ownModule, false},
	}
	for _, tt := range tests {
		if got := g.badFor(tt.root, tt.never)(tt.path); got != tt.want {
			t.Errorf("badFor(%s, %s)(%s) = %v, want %v", rel(tt.root), tt.never, rel(tt.path), got, tt.want)
		}
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mkdirWrite writes src to path, creating its directory.
func mkdirWrite(path, src string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(src), 0o644)
}

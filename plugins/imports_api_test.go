package plugins_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// glue are the packages whose types must never appear in the exported API
// of the author-facing package sdk: go-plugin, gRPC and protobuf, the
// generated protocol code and the SDK's internals. Hosts find the go-plugin
// glue in sdk/grpcplugin; authors never need it.
var glue = []string{
	"github.com/hashicorp/go-plugin",
	"github.com/hashicorp/go-hclog",
	"google.golang.org/grpc",
	"google.golang.org/protobuf",
	"google.golang.org/genproto",
	"github.com/ddc-go/ddc/sdk/proto",
	"github.com/ddc-go/ddc/sdk/internal",
	"github.com/ddc-go/ddc/sdk/grpcplugin",
}

// TestSDKAPIHasNoGlue loads package sdk's export data, the API the compiler
// sees, and fails when an exported name of it (a function's signature, a
// type's exported fields and methods, promoted ones included, a variable's
// type) mentions a type from a glue package.
func TestSDKAPIHasNoGlue(t *testing.T) {
	const sdkPath = "github.com/ddc-go/ddc/sdk"
	exports := exportData(t, sdkPath)
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
	pkg, err := imp.Import(sdkPath)
	if err != nil {
		t.Fatalf("import %s from its export data: %v", sdkPath, err)
	}
	if pkg.Scope().Lookup("Serve") == nil || pkg.Scope().Lookup("Info") == nil {
		t.Fatalf("%s has no Serve or Info; the check would be vacuous", sdkPath)
	}
	for _, leak := range apiLeaks(pkg, glue) {
		t.Errorf("sdk's exported API shows plugin glue: %s", leak)
	}
}

// exportData runs `go list -export -deps` for pkg and returns the export
// data file of every package it depends on.
func exportData(t *testing.T, pkg string) map[string]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", pkg)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export %s: %v\n%s", pkg, err, stderr.String())
	}
	files := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if path, file, ok := strings.Cut(sc.Text(), "="); ok && file != "" {
			files[path] = file
		}
	}
	return files
}

// apiLeaks returns "name: type" for each exported name of pkg whose API
// mentions a type from a package under one of the forbidden prefixes. It
// follows pkg's own named types (their fields, methods and embedded types,
// exported or not, since embedding promotes), not other packages' APIs.
func apiLeaks(pkg *types.Package, forbidden []string) []string {
	isForbidden := func(p *types.Package) bool {
		if p == nil {
			return false
		}
		for _, f := range forbidden {
			if p.Path() == f || strings.HasPrefix(p.Path(), f+"/") {
				return true
			}
		}
		return false
	}
	leaks := map[string]bool{}
	var walk func(where string, t types.Type, seen map[*types.TypeName]bool)
	walkMethods := func(where string, t types.Type, seen map[*types.TypeName]bool) {
		for _, tt := range []types.Type{t, types.NewPointer(t)} {
			ms := types.NewMethodSet(tt)
			for i := range ms.Len() {
				if m := ms.At(i).Obj(); m.Exported() {
					walk(where+"."+m.Name(), m.Type(), seen)
				}
			}
		}
	}
	walk = func(where string, t types.Type, seen map[*types.TypeName]bool) {
		switch t := types.Unalias(t).(type) {
		case *types.Named:
			obj := t.Obj()
			if isForbidden(obj.Pkg()) {
				leaks[fmt.Sprintf("%s: %s", where, t)] = true
				return
			}
			if args := t.TypeArgs(); args != nil {
				for i := range args.Len() {
					walk(where, args.At(i), seen)
				}
			}
			if obj.Pkg() != pkg || seen[obj] {
				return
			}
			seen[obj] = true
			walk(where, t.Underlying(), seen)
			walkMethods(where, t, seen)
		case *types.Pointer:
			walk(where, t.Elem(), seen)
		case *types.Slice:
			walk(where, t.Elem(), seen)
		case *types.Array:
			walk(where, t.Elem(), seen)
		case *types.Chan:
			walk(where, t.Elem(), seen)
		case *types.Map:
			walk(where, t.Key(), seen)
			walk(where, t.Elem(), seen)
		case *types.Signature:
			for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
				for i := range tup.Len() {
					walk(where, tup.At(i).Type(), seen)
				}
			}
		case *types.Struct:
			for i := range t.NumFields() {
				if f := t.Field(i); f.Exported() || f.Embedded() {
					walk(where+"."+f.Name(), f.Type(), seen)
				}
			}
		case *types.Interface:
			for i := range t.NumMethods() {
				walk(where+"."+t.Method(i).Name(), t.Method(i).Type(), seen)
			}
		}
	}
	for _, name := range pkg.Scope().Names() {
		obj := pkg.Scope().Lookup(name)
		if !obj.Exported() {
			continue
		}
		walk(name, obj.Type(), map[*types.TypeName]bool{})
	}
	out := make([]string, 0, len(leaks))
	for l := range leaks {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// TestAPILeaks checks the walker on a package that shows net/url in its API
// in every way a type can, and hides it in every way that is not API.
func TestAPILeaks(t *testing.T) {
	const src = `package p

import "net/url"

type Clean struct{ A int; b *url.URL }
func (Clean) hidden(*url.URL) {}
func (c Clean) Fine() int { return c.A }

type Field struct{ U url.URL }
type PtrSlice struct{ Us []*url.URL }
type MapValue map[string]url.Values
func Func(s string) (*url.URL, error) { return url.Parse(s) }
type Method struct{}
func (*Method) Parse(u *url.URL) {}
type inner struct{ Exposed *url.Userinfo }
type Promoted struct{ inner }
type innerM struct{}
func (innerM) Escape(url.Values) {}
type PromotedMethod struct{ innerM }
type Iface interface{ Get() url.Values }
var Var *url.Error
type Alias = url.URL
type Generic[T any] struct{ V T }
var Instance Generic[url.URL]
type unexported struct{ U url.URL }
func internal() *url.URL { return nil }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	exports := exportData(t, "net/url")
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		return os.Open(exports[path])
	})}
	pkg, err := conf.Check("example.com/p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := apiLeaks(pkg, []string{"net/url"})
	want := []string{
		"Alias: net/url.URL",
		"Field.U: net/url.URL",
		"Func: net/url.URL",
		"Iface.Get: net/url.Values",
		"Instance.V: net/url.URL",
		"Instance: net/url.URL",
		"MapValue: net/url.Values",
		"Method.Parse: net/url.URL",
		"Promoted.inner.Exposed: net/url.Userinfo",
		"PromotedMethod.Escape: net/url.Values",
		"PromotedMethod.innerM.Escape: net/url.Values",
		"PtrSlice.Us: net/url.URL",
		"Var: net/url.Error",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("apiLeaks() =\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	OutputType  string // "frame", "error", "error-continue" or empty
	ImportPath  string // build-output and build-fail
	FailedBuild string // on a package's fail: the package whose build failed
}

// line is one line of output and what kind it is.
type line struct {
	text string
	typ  string
}

// test is one test (or subtest) of a package.
type test struct {
	name     string
	out      []line
	done     bool
	children bool // a subtest of it failed: listed without its own errors, it is left out of the summary
}

// pkg is one package under test.
type pkg struct {
	name  string
	out   []line // output outside any test
	tests map[string]*test
	order []string // test names in the order they started
	done  bool
}

// failure is one entry of the summary.
type failure struct {
	pkg     string
	test    string // empty for a failure outside any test
	kind    string // why: "failed", "panicked", "did not finish", "build failed", ...
	elapsed float64
	detail  []string
	errors  bool // the test reported errors of its own (t.Error, t.Fatal, a panic)
}

// report reads go test -json events, prints the log a person reads and
// collects the failures for the summary.
type report struct {
	w        io.Writer
	maxLines int
	goroot   string // stack frames under it are left out of the summary
	pkgs     map[string]*pkg
	builds   map[string][]string // build output by import path
	failures []failure
	passed   int
	skipped  []string
	took     string // how long the command ran, for the summary
}

func newReport(w io.Writer, maxLines int, goroot string) *report {
	return &report{w: w, maxLines: maxLines, goroot: goroot, pkgs: map[string]*pkg{}, builds: map[string][]string{}}
}

func (r *report) pkg(name string) *pkg {
	p := r.pkgs[name]
	if p == nil {
		p = &pkg{name: name, tests: map[string]*test{}}
		r.pkgs[name] = p
	}
	return p
}

func (p *pkg) test(name string) *test {
	t := p.tests[name]
	if t == nil {
		t = &test{name: name}
		p.tests[name] = t
		p.order = append(p.order, name)
	}
	return t
}

// read consumes a go test -json stream. Lines that are not JSON events
// (the go command's own messages) are printed as they are.
func (r *report) read(in io.Reader) error {
	return scanLines(in, func(b []byte) {
		var e event
		if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil || e.Action == "" {
			fmt.Fprintln(r.w, strings.TrimRight(string(b), "\n"))
			return
		}
		r.handle(e)
	})
}

func (r *report) handle(e event) {
	switch e.Action {
	case "build-output":
		r.builds[e.ImportPath] = append(r.builds[e.ImportPath], strings.TrimRight(e.Output, "\n"))
		fmt.Fprint(r.w, e.Output)
		return
	case "build-fail":
		return
	}
	if e.Package == "" {
		return
	}
	p := r.pkg(e.Package)
	if e.Test == "" {
		r.handlePackage(p, e)
		return
	}
	t := p.test(e.Test)
	switch e.Action {
	case "output":
		t.out = append(t.out, line{strings.TrimRight(e.Output, "\n"), e.OutputType})
	case "pass":
		t.done = true
		t.out = nil
		r.passed++
	case "skip":
		t.done = true
		r.skipped = append(r.skipped, fmt.Sprintf("%s %s%s", p.name, t.name, skipReason(t.out)))
		t.out = nil
	case "fail":
		t.done = true
		r.printLines(t.out)
		if i := strings.LastIndex(t.name, "/"); i > 0 {
			p.test(t.name[:i]).children = true
		}
		kind := "failed"
		if anchor(t.out, "panic: ") >= 0 {
			kind = "panicked"
		}
		ownErrors := kind == "panicked" || anchor(t.out, "WARNING: DATA RACE") >= 0
		for _, l := range t.out {
			ownErrors = ownErrors || l.typ == "error"
		}
		r.failures = append(r.failures, failure{pkg: p.name, test: t.name, kind: kind, elapsed: e.Elapsed, detail: r.excerpt(t), errors: ownErrors})
	}
}

func (r *report) handlePackage(p *pkg, e event) {
	switch e.Action {
	case "output":
		p.out = append(p.out, line{strings.TrimRight(e.Output, "\n"), e.OutputType})
	case "pass", "skip":
		p.done = true
		r.printResult(p)
	case "fail":
		p.done = true
		r.packageFailed(p, e)
	}
}

// packageFailed records what a failed package's tests do not explain: a
// build failure, tests that never finished (a timeout or a crash) and
// failures outside any test (TestMain, init, a test binary that exited).
func (r *report) packageFailed(p *pkg, e event) {
	if e.FailedBuild != "" {
		detail := r.builds[e.FailedBuild]
		if len(detail) == 0 {
			detail = plain(p.out)
		}
		r.addFailure(failure{pkg: p.name, kind: "build failed", detail: detail})
		r.printResult(p)
		return
	}
	explained := false
	for _, name := range p.order {
		t := p.tests[name]
		if t.done {
			explained = explained || r.hasFailure(p.name, name)
			continue
		}
		if p.hasRunningChild(name) {
			continue // named by the deepest running subtest
		}
		r.printLines(t.out)
		r.failures = append(r.failures, failure{pkg: p.name, test: name, kind: "did not finish (the test binary timed out, crashed or exited)", elapsed: e.Elapsed, detail: r.excerpt(t)})
		explained = true
	}
	if !explained {
		r.printLines(p.out[:max(0, len(p.out)-1)]) // the result line follows
		r.addFailure(failure{pkg: p.name, kind: "failed outside any test (TestMain, init or the test binary exited)", elapsed: e.Elapsed, detail: r.excerptLines(p.out)})
	}
	r.printResult(p)
}

func (p *pkg) hasRunningChild(name string) bool {
	for other, t := range p.tests {
		if !t.done && strings.HasPrefix(other, name+"/") {
			return true
		}
	}
	return false
}

func (r *report) hasFailure(pkg, test string) bool {
	for _, f := range r.failures {
		if f.pkg == pkg && (f.test == test || strings.HasPrefix(f.test, test+"/")) {
			return true
		}
	}
	return false
}

func (r *report) addFailure(f failure) { r.failures = append(r.failures, f) }

func (r *report) failed() bool { return len(r.failures) > 0 }

func (r *report) exitCode() int {
	if r.failed() {
		return 1
	}
	return 0
}

// printResult prints a package's result line ("ok", "FAIL", "?") as go test
// does without -v.
func (r *report) printResult(p *pkg) {
	for i := len(p.out) - 1; i >= 0; i-- {
		s := p.out[i].text
		if strings.HasPrefix(s, "ok  \t") || strings.HasPrefix(s, "FAIL\t") || strings.HasPrefix(s, "?   \t") {
			fmt.Fprintln(r.w, s)
			return
		}
	}
}

func (r *report) printLines(ls []line) {
	for _, l := range ls {
		fmt.Fprintln(r.w, l.text)
	}
}

// excerpt is what the summary shows of a failed test: its error lines
// (t.Error, t.Fatal) when it has any, preceded by the report of a data race
// when there is one; else the report of a panic, fatal error or timeout;
// else its first lines. Stack frames inside the Go toolchain are left out.
func (r *report) excerpt(t *test) []string {
	return r.excerptLines(t.out)
}

func (r *report) excerptLines(ls []line) []string {
	var errs []string
	for _, l := range ls {
		if l.typ == "error" || l.typ == "error-continue" {
			errs = append(errs, strings.TrimSpace(l.text))
		}
	}
	var picked []string
	switch {
	case len(errs) > 0:
		picked = errs
		if i := anchor(ls, "WARNING: DATA RACE"); i >= 0 {
			race := plain(ls[i:])
			for j, s := range race {
				if strings.HasPrefix(s, "=====") {
					race = race[:j]
					break
				}
			}
			picked = append(r.frames(race), errs...)
		}
	case anchor(ls, "panic: ") >= 0:
		picked = r.frames(plain(ls[anchor(ls, "panic: "):]))
	case anchor(ls, "fatal error: ") >= 0:
		picked = r.frames(plain(ls[anchor(ls, "fatal error: "):]))
	default:
		picked = plain(ls)
	}
	return r.cut(picked)
}

// frames drops the stack frames (a function line and its file line) whose
// file is inside the Go toolchain, and goroutine headers left with no
// frames, so that a panic or race report shows the project's own code.
func (r *report) frames(ls []string) []string {
	if r.goroot == "" {
		return ls
	}
	toolchain := func(s string) bool {
		s = strings.TrimSpace(s)
		return strings.HasPrefix(s, r.goroot+"/src/") || strings.HasPrefix(s, "_testmain.go:")
	}
	var kept []string
	for i := 0; i < len(ls); i++ {
		if i+1 < len(ls) && toolchain(ls[i+1]) {
			i++ // the function line and its file line
			continue
		}
		kept = append(kept, ls[i])
	}
	var out []string
	for i, s := range kept {
		if strings.HasPrefix(s, "goroutine ") && (i+1 == len(kept) || strings.HasPrefix(kept[i+1], "goroutine ")) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func (r *report) cut(ls []string) []string {
	if len(ls) <= r.maxLines {
		return ls
	}
	return append(ls[:r.maxLines:r.maxLines], fmt.Sprintf("… %d more lines in the log above", len(ls)-r.maxLines))
}

// anchor returns the index of the first line that starts with prefix
// (ignoring indentation), or -1.
func anchor(ls []line, prefix string) int {
	for i, l := range ls {
		if strings.HasPrefix(strings.TrimSpace(l.text), prefix) {
			return i
		}
	}
	return -1
}

// plain returns the lines that are not go test's own framing ("=== RUN",
// "--- FAIL", the package's "FAIL" line).
func plain(ls []line) []string {
	var out []string
	for _, l := range ls {
		if l.typ == "frame" || strings.TrimSpace(l.text) == "" {
			continue
		}
		out = append(out, l.text)
	}
	return out
}

func skipReason(ls []line) string {
	for _, l := range plain(ls) {
		return ": " + strings.TrimSpace(l)
	}
	return ""
}

// summarize prints the summary: every failure, the skipped tests and the
// closing count line.
func (r *report) summarize() {
	// Packages still open at the end: the stream was cut (go test killed).
	var open []string
	for name, p := range r.pkgs {
		if !p.done && len(p.order) > 0 {
			open = append(open, name)
		}
	}
	sort.Strings(open)
	for _, name := range open {
		p := r.pkgs[name]
		for _, tn := range p.order {
			t := p.tests[tn]
			if !t.done && !p.hasRunningChild(tn) {
				r.failures = append(r.failures, failure{pkg: name, test: tn, kind: "did not finish (go test was stopped)", detail: r.excerpt(t)})
			}
		}
	}

	var shown []failure
	for _, f := range r.failures {
		if f.test != "" && !f.errors && r.pkgs[f.pkg] != nil {
			if t := r.pkgs[f.pkg].tests[f.test]; t != nil && t.children {
				continue // its failed subtests are listed
			}
		}
		shown = append(shown, f)
	}

	fmt.Fprintln(r.w)
	if r.took != "" {
		fmt.Fprintf(r.w, "== %s\n", r.took)
	}
	if len(r.skipped) > 0 {
		fmt.Fprintf(r.w, "== skipped tests (%d)\n", len(r.skipped))
		for _, s := range r.skipped {
			fmt.Fprintf(r.w, "SKIP %s\n", s)
		}
	}
	if len(shown) > 0 {
		fmt.Fprintf(r.w, "== failures (%d)\n", len(shown))
		for _, f := range shown {
			name := f.pkg
			if f.test != "" {
				name = f.test + " in " + f.pkg
			}
			if name == "" {
				name = "command"
			}
			elapsed := ""
			if f.elapsed > 0 {
				elapsed = fmt.Sprintf(" (%.2fs)", f.elapsed)
			}
			fmt.Fprintf(r.w, "FAIL %s: %s%s\n", name, f.kind, elapsed)
			for _, d := range f.detail {
				fmt.Fprintf(r.w, "    %s\n", d)
			}
		}
	}
	fmt.Fprintf(r.w, "tests: %d passed, %d failed, %d skipped\n", r.passed, len(shown), len(r.skipped))
}

// Command vulncheck runs govulncheck against a vulnerability database taken
// from the Go module proxy (the golang.org/x/vulndb module, whose data/osv
// folder govulncheck reads as a local database) and fails when the code
// reaches a known vulnerability — in a module or in the standard library of
// the Go release that builds it.
//
//	vulncheck -vulndb VERSION [-accept FILE] [-govulncheck PATH] -- [govulncheck flags] [packages]
//
// A reachable vulnerability can be accepted only while no fixed version
// exists, by a line in the accept file:
//
//	GO-2026-4887 github.com/docker/docker  why DDC is not affected
//
// Once a fix is published the line stops applying and the check fails until
// the module is upgraded; a line that matches nothing fails the check too,
// so the file never keeps stale entries. It exits 1 when the check fails,
// 2 on a usage error.
//
// It must never import anything of DDC: it is a tool for CI.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vulncheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vulndb := fs.String("vulndb", "", "`VERSION` of the golang.org/x/vulndb module to take the database from")
	db := fs.String("db", "", "use the OSV `DIR` instead of the vulndb module (tests)")
	acceptFile := fs.String("accept", "", "`FILE` of accepted vulnerabilities (ID, module, reason per line)")
	govulncheck := fs.String("govulncheck", "govulncheck", "the govulncheck `PATH`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*vulndb == "") == (*db == "") {
		fmt.Fprintln(stderr, "vulncheck: give exactly one of -vulndb VERSION and -db DIR")
		return 2
	}

	var accepted []acceptance
	if *acceptFile != "" {
		var err error
		if accepted, err = readAccepted(*acceptFile); err != nil {
			fmt.Fprintf(stderr, "vulncheck: %v\n", err)
			return 1
		}
	}
	dir := *db
	if *vulndb != "" {
		var err error
		if dir, err = downloadVulnDB(ctx, *vulndb); err != nil {
			fmt.Fprintf(stderr, "vulncheck: %v\n", err)
			return 1
		}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		fmt.Fprintf(stderr, "vulncheck: %v\n", err)
		return 1
	}

	cmdArgs := append([]string{"-format", "json", "-db", "file://" + filepath.ToSlash(dir)}, fs.Args()...)
	cmd := exec.CommandContext(ctx, *govulncheck, cmdArgs...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(stderr, "vulncheck: %s %s: %v\n", *govulncheck, strings.Join(cmdArgs, " "), err)
		return 1
	}
	res, err := parse(&out)
	if err != nil {
		fmt.Fprintf(stderr, "vulncheck: %v\n", err)
		return 1
	}
	if *vulndb != "" {
		res.dbName = "golang.org/x/vulndb@" + *vulndb
	}
	wd, _ := os.Getwd()
	if !res.report(stdout, accepted, wd) {
		return 1
	}
	return 0
}

// downloadVulnDB fetches golang.org/x/vulndb@version through the module
// proxy (or finds it in the module cache) and returns its folder of OSV
// entries.
func downloadVulnDB(ctx context.Context, version string) (string, error) {
	mod := "golang.org/x/vulndb@" + version
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	cmd.Dir = os.TempDir() // outside any module: nothing is added to go.mod
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct {
		Dir   string
		Error string
	}
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("download %s: %s", mod, info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("download %s: %w: %s", mod, err, strings.TrimSpace(stderr.String()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("download %s: go mod download gave no folder", mod)
	}
	dir := filepath.Join(info.Dir, "data", "osv")
	if _, err := os.Stat(filepath.Join(dir, "GO-2022-0969.json")); err != nil {
		return "", fmt.Errorf("%s holds no OSV entries in data/osv: %w", mod, err)
	}
	return dir, nil
}

// acceptance is one line of the accept file.
type acceptance struct {
	id, module, reason string
	where              string // file:line
}

func readAccepted(path string) ([]acceptance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read accepted vulnerabilities: %w", err)
	}
	defer f.Close()
	var out []acceptance
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		where := fmt.Sprintf("%s:%d", path, n)
		if len(fields) < 3 || !strings.HasPrefix(fields[0], "GO-") {
			return nil, fmt.Errorf("%s: want \"GO-YYYY-NNNN module reason\", got %q", where, text)
		}
		reason := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(text, fields[0])), fields[1]))
		out = append(out, acceptance{id: fields[0], module: fields[1], reason: reason, where: where})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// message is one message of govulncheck's JSON stream (protocol v1.0.0).
type message struct {
	Config *struct {
		ScannerVersion string `json:"scanner_version"`
		DB             string `json:"db"`
		GoVersion      string `json:"go_version"`
		ScanLevel      string `json:"scan_level"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *finding `json:"finding"`
}

type finding struct {
	OSV          string   `json:"osv"`
	FixedVersion string   `json:"fixed_version"`
	Trace        []*frame `json:"trace"`
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
	} `json:"position"`
}

// result is what one govulncheck run found.
type result struct {
	scanner, dbName, goVersion string
	entries                    int               // OSV entries that apply to the modules in use
	summaries                  map[string]string // by OSV id
	reachable                  map[string][]*finding
	order                      []string // reachable ids in the order found
	notCalled                  map[string]bool
}

func parse(r io.Reader) (*result, error) {
	res := &result{summaries: map[string]string{}, reachable: map[string][]*finding{}, notCalled: map[string]bool{}}
	dec := json.NewDecoder(r)
	sawConfig := false
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read govulncheck output: %w", err)
		}
		switch {
		case m.Config != nil:
			sawConfig = true
			res.scanner, res.dbName, res.goVersion = "govulncheck "+m.Config.ScannerVersion, m.Config.DB, m.Config.GoVersion
			if m.Config.ScanLevel != "symbol" {
				return nil, fmt.Errorf("govulncheck scanned at %q level; the check needs symbol level", m.Config.ScanLevel)
			}
		case m.OSV != nil:
			res.entries++
			res.summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			f := m.Finding
			if f.Trace[0].Function == "" { // imported or required, not called
				res.notCalled[f.OSV] = true
				continue
			}
			if _, seen := res.reachable[f.OSV]; !seen {
				res.order = append(res.order, f.OSV)
			}
			res.reachable[f.OSV] = append(res.reachable[f.OSV], f)
		}
	}
	if !sawConfig {
		return nil, errors.New("govulncheck printed no config message: is it the JSON protocol v1.0.0?")
	}
	if res.entries == 0 {
		// Every Go program uses the standard library, which has entries in
		// any real database: none means the database is empty or unread.
		return nil, fmt.Errorf("the database %s gave no entries, not even for the standard library", res.dbName)
	}
	return res, nil
}

// report prints the findings and says whether the check passed.
func (res *result) report(w io.Writer, accepted []acceptance, wd string) bool {
	fmt.Fprintf(w, "vulncheck: %s, database %s (%d entries apply), %s\n", res.scanner, res.dbName, res.entries, res.goVersion)
	used := make([]bool, len(accepted))
	failed, nAccepted := 0, 0
	for _, id := range res.order {
		f := res.reachable[id][0]
		vuln := f.Trace[0]
		acc := -1
		for i, a := range accepted {
			if a.id == id && a.module == vuln.Module {
				used[i] = true
				if f.FixedVersion == "" {
					acc = i
				}
			}
		}
		fixed := "no fixed version"
		if f.FixedVersion != "" {
			fixed = "fixed in " + f.FixedVersion
		}
		if acc >= 0 {
			nAccepted++
			fmt.Fprintf(w, "ACCEPTED %s %s@%s (%s): %s\n    accepted at %s: %s\n", id, vuln.Module, vuln.Version, fixed, res.summaries[id], accepted[acc].where, accepted[acc].reason)
			continue
		}
		failed++
		fmt.Fprintf(w, "REACHABLE %s %s@%s (%s): %s\n", id, vuln.Module, vuln.Version, fixed, res.summaries[id])
		for i, f := range res.reachable[id] {
			if i == 3 {
				fmt.Fprintf(w, "    … %d more call paths\n", len(res.reachable[id])-3)
				break
			}
			fmt.Fprintf(w, "    %s\n", trace(f, wd))
		}
	}
	for i, a := range accepted {
		if !used[i] {
			failed++
			fmt.Fprintf(w, "STALE %s: %s %s is no longer reachable: remove the line\n", a.where, a.id, a.module)
		}
	}
	if len(res.notCalled) > 0 {
		ids := make([]string, 0, len(res.notCalled))
		for id := range res.notCalled {
			if _, reached := res.reachable[id]; !reached {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			fmt.Fprintf(w, "in modules in use but not called (not a failure): %s\n", strings.Join(sorted(ids), " "))
		}
	}
	fmt.Fprintf(w, "vulnerabilities: %d reachable, %d accepted\n", len(res.order)-nAccepted, nAccepted)
	return failed == 0
}

// trace says how the code reaches the vulnerable symbol: the project's
// call site first, then the vulnerable function.
func trace(f *finding, wd string) string {
	vuln, entry := f.Trace[0], f.Trace[len(f.Trace)-1]
	where := ""
	if p := entry.Position; p != nil {
		name := p.Filename
		if rel, err := filepath.Rel(wd, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		where = fmt.Sprintf("%s:%d:%d: ", name, p.Line, p.Column)
	}
	return fmt.Sprintf("%s%s calls %s", where, funcName(entry), funcName(vuln))
}

func funcName(fr *frame) string {
	name := fr.Package + "." + fr.Function
	if fr.Receiver != "" {
		name = fr.Package + "." + strings.TrimPrefix(fr.Receiver, "*") + "." + fr.Function
	}
	return name
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}

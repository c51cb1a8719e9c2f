package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// govulncheckPath finds the pinned govulncheck that scripts/setup.sh
// installs.
func govulncheckPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("govulncheck"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "govulncheck")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("govulncheck is not installed: run scripts/setup.sh")
	return ""
}

// TestRealGovulncheck runs the real govulncheck on small programs against
// testdata/db, a database of made-up standard-library entries: ToUpper
// (fixed in a later release), ToLower (no fix) and Repeat (never called).
func TestRealGovulncheck(t *testing.T) {
	gv := govulncheckPath(t)
	tests := []struct {
		name     string
		app      string
		accept   string // accept file content; none when empty
		want     []string
		wantNot  []string
		wantExit int
	}{
		{
			name:     "a reachable vulnerability fails the check",
			app:      "calls",
			want:     []string{"REACHABLE GO-9999-0002 stdlib@", "REACHABLE GO-9999-0001 stdlib@", "(fixed in v99.0.0)", "main.go:11:39: example.com/calls.main calls strings.ToUpper", "vulnerabilities: 2 reachable, 0 accepted"},
			wantExit: 1,
		},
		{
			name:     "an accepted one without a fix passes, a fixable one still fails",
			app:      "calls",
			accept:   "# why\nGO-9999-0002 stdlib  only lower-cases our own constant strings\nGO-9999-0001 stdlib  a fix exists, so this line must not apply\n",
			want:     []string{"ACCEPTED GO-9999-0002 stdlib@", "only lower-cases our own constant strings", "REACHABLE GO-9999-0001", "vulnerabilities: 1 reachable, 1 accepted"},
			wantExit: 1,
		},
		{
			name:     "only accepted ones: the check passes",
			app:      "safe",
			accept:   "GO-9999-0002 stdlib  only lower-cases our own constant strings\n",
			want:     []string{"ACCEPTED GO-9999-0002", "in modules in use but not called (not a failure): GO-9999-0001 GO-9999-0003", "vulnerabilities: 0 reachable, 1 accepted"},
			wantNot:  []string{"REACHABLE"},
			wantExit: 0,
		},
		{
			name:     "an accept line that matches nothing fails the check",
			app:      "safe",
			accept:   "GO-9999-0002 stdlib  reason\nGO-9999-0003 stdlib  never called, so stale\n",
			want:     []string{"STALE ", "GO-9999-0003 stdlib is no longer reachable: remove the line"},
			wantExit: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"-db", "testdata/db", "-govulncheck", gv}
			if tt.accept != "" {
				f := filepath.Join(t.TempDir(), "accepted.txt")
				if err := os.WriteFile(f, []byte(tt.accept), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "-accept", f)
			}
			args = append(args, "--", "-C", filepath.Join("testdata", tt.app), "./...")
			var out, errOut bytes.Buffer
			code := run(context.Background(), args, &out, &errOut)
			got := out.String()
			if code != tt.wantExit {
				t.Errorf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantExit, got, errOut.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q; output:\n%s", w, got)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("output has %q; output:\n%s", w, got)
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		accept  string
		wantErr string
		exit    int
	}{
		{name: "no database", args: nil, wantErr: "give exactly one of -vulndb VERSION and -db DIR", exit: 2},
		{name: "two databases", args: []string{"-db", "x", "-vulndb", "v1"}, wantErr: "give exactly one", exit: 2},
		{name: "malformed accept line", args: []string{"-db", "testdata/db"}, accept: "GO-9999-0002 stdlib\n", wantErr: `want "GO-YYYY-NNNN module reason", got "GO-9999-0002 stdlib"`, exit: 1},
		{name: "empty database", args: []string{"-db", "testdata/calls", "-govulncheck", "true"}, wantErr: "govulncheck printed no config message", exit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.accept != "" {
				f := filepath.Join(t.TempDir(), "accepted.txt")
				if err := os.WriteFile(f, []byte(tt.accept), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "-accept", f)
			}
			var out, errOut bytes.Buffer
			if code := run(context.Background(), args, &out, &errOut); code != tt.exit {
				t.Errorf("exit = %d, want %d", code, tt.exit)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", errOut.String(), tt.wantErr)
			}
		})
	}
}

func TestParseNeedsEntries(t *testing.T) {
	in := `{"config":{"protocol_version":"v1.0.0","scanner_version":"v1.9.0","db":"file:///empty","go_version":"go1.27.3","scan_level":"symbol"}}`
	_, err := parse(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "gave no entries, not even for the standard library") {
		t.Errorf("parse(config only) error = %v, want the no-entries error", err)
	}
}

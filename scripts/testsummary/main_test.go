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

// ev builds one go test -json line.
func ev(action, pkg, test, output, typ string) string {
	var b strings.Builder
	b.WriteString(`{"Action":"` + action + `","Package":"` + pkg + `"`)
	if test != "" {
		b.WriteString(`,"Test":"` + test + `"`)
	}
	if output != "" {
		b.WriteString(`,"Output":` + quote(output))
	}
	if typ != "" {
		b.WriteString(`,"OutputType":"` + typ + `"`)
	}
	b.WriteString("}\n")
	return b.String()
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

func TestSummary(t *testing.T) {
	const p = "example.com/m/p"
	tests := []struct {
		name     string
		in       string
		want     []string // lines the output must contain, in this order
		wantNot  []string
		wantExit int
	}{
		{
			name: "all pass",
			in: ev("run", p, "TestA", "", "") +
				ev("output", p, "TestA", "=== RUN   TestA\n", "frame") +
				ev("output", p, "TestA", "    a_test.go:3: noise\n", "") +
				ev("pass", p, "TestA", "", "") +
				ev("output", p, "", "ok  \texample.com/m/p\t0.01s\n", "frame") +
				ev("pass", p, "", "", ""),
			want:     []string{"ok  \texample.com/m/p\t0.01s", "tests: 1 passed, 0 failed, 0 skipped"},
			wantNot:  []string{"noise", "== failures"},
			wantExit: 0,
		},
		{
			name: "a failing subtest is named with its error, its parent is not listed",
			in: ev("run", p, "TestT", "", "") +
				ev("run", p, "TestT/b", "", "") +
				ev("output", p, "TestT/b", "    t_test.go:9: Parse(\"x\") = 1, want 2\n", "error") +
				ev("output", p, "TestT/b", "        more detail\n", "error-continue") +
				ev("fail", p, "TestT/b", "", "") +
				ev("output", p, "TestT", "    t_test.go:3: a log line of the parent\n", "") +
				ev("output", p, "TestT", "--- FAIL: TestT (0.00s)\n", "frame") +
				ev("fail", p, "TestT", "", "") +
				ev("output", p, "", "FAIL\texample.com/m/p\t0.02s\n", "frame") +
				ev("fail", p, "", "", ""),
			want: []string{
				"== failures (1)",
				"FAIL TestT/b in example.com/m/p: failed",
				`    t_test.go:9: Parse("x") = 1, want 2`,
				"    more detail",
				"tests: 0 passed, 1 failed, 0 skipped",
			},
			wantNot:  []string{"FAIL TestT in"},
			wantExit: 1,
		},
		{
			name: "a test still running when the binary timed out is named",
			in: ev("run", p, "TestHang", "", "") +
				ev("output", p, "TestHang", "panic: test timed out after 20m0s\n", "") +
				ev("output", p, "TestHang", "\trunning tests:\n", "") +
				ev("output", p, "TestHang", "\t\tTestHang (20m0s)\n", "") +
				ev("output", p, "", "FAIL\texample.com/m/p\t1200.1s\n", "frame") +
				ev("fail", p, "", "", ""),
			want: []string{
				"FAIL TestHang in example.com/m/p: did not finish (the test binary timed out, crashed or exited)",
				"    panic: test timed out after 20m0s",
				"tests: 0 passed, 1 failed, 0 skipped",
			},
			wantExit: 1,
		},
		{
			name: "a package failing outside its tests is named with its output",
			in: ev("output", p, "", "setup: no docker engine\n", "") +
				ev("output", p, "", "FAIL\texample.com/m/p\t0.01s\n", "frame") +
				ev("fail", p, "", "", ""),
			want: []string{
				"FAIL example.com/m/p: failed outside any test",
				"    setup: no docker engine",
			},
			wantExit: 1,
		},
		{
			name: "a build failure is named with the compiler's lines",
			in: `{"ImportPath":"example.com/m/p [example.com/m/p.test]","Action":"build-output","Output":"p.go:3:1: syntax error\n"}` + "\n" +
				`{"ImportPath":"example.com/m/p [example.com/m/p.test]","Action":"build-fail"}` + "\n" +
				`{"Action":"fail","Package":"example.com/m/p","FailedBuild":"example.com/m/p [example.com/m/p.test]"}` + "\n",
			want:     []string{"FAIL example.com/m/p: build failed", "    p.go:3:1: syntax error"},
			wantExit: 1,
		},
		{
			name: "skips are listed with their reason",
			in: ev("run", p, "TestS", "", "") +
				ev("output", p, "TestS", "    s_test.go:4: no docker\n", "") +
				ev("skip", p, "TestS", "", "") +
				ev("pass", p, "", "", ""),
			want:     []string{"SKIP example.com/m/p TestS: s_test.go:4: no docker", "tests: 0 passed, 0 failed, 1 skipped"},
			wantExit: 0,
		},
		{
			name: "a stream cut in the middle names the tests that were running",
			in: ev("run", p, "TestLong", "", "") +
				ev("output", p, "TestLong", "    l_test.go:5: step 1\n", ""),
			want:     []string{"FAIL TestLong in example.com/m/p: did not finish (go test was stopped)", "    l_test.go:5: step 1"},
			wantExit: 1,
		},
		{
			name:     "lines that are not JSON pass through",
			in:       "go: downloading example.com/dep v1.0.0\n" + ev("pass", p, "", "", ""),
			want:     []string{"go: downloading example.com/dep v1.0.0", "tests: 0 passed, 0 failed, 0 skipped"},
			wantExit: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), nil, strings.NewReader(tt.in), &out, &errOut)
			got := out.String()
			if code != tt.wantExit {
				t.Errorf("exit = %d, want %d; output:\n%s", code, tt.wantExit, got)
			}
			assertInOrder(t, got, tt.want)
			for _, s := range tt.wantNot {
				if strings.Contains(got, s) {
					t.Errorf("output contains %q, want it absent; output:\n%s", s, got)
				}
			}
		})
	}
}

func assertInOrder(t *testing.T, got string, want []string) {
	t.Helper()
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("output lacks %q (after the lines before it); output:\n%s", w, got)
			return
		}
		rest = rest[i+len(w):]
	}
}

// TestRealGoTest runs the real go test on testdata/failing, a module whose
// packages fail in every way a CI run can (a failed assertion, a failed
// subtest, a panic, a data race, a timeout, os.Exit, TestMain, a build
// error), and checks that the summary names each one and ends with the
// count line.
func TestRealGoTest(t *testing.T) {
	dir, err := filepath.Abs("testdata/failing")
	if err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	jsonOut := filepath.Join(t.TempDir(), "test.json")
	var out, errOut bytes.Buffer
	// -timeout ends the package whose test hangs; the others take
	// milliseconds once built.
	code := run(context.Background(), []string{"-json", jsonOut, "--", goBin, "-C", dir, "test", "-json", "-race", "-count=1", "-timeout", "15s", "./..."}, nil, &out, &errOut)
	got := out.String()
	if code != 1 {
		t.Errorf("exit = %d, want 1", code)
	}
	for _, want := range []string{
		"FAIL t2j/build: build failed",
		"declared and not used: x",
		"FAIL TestExits in t2j/exit: did not finish",
		"FAIL TestBad in t2j/fail: failed",
		"f_test.go:5: got 1, want 2",
		"FAIL TestTable/b in t2j/fail: failed",
		"f_test.go:10: case b broke",
		"FAIL TestMulti in t2j/fail: failed",
		"    second line",
		"FAIL TestBoom in t2j/panic: panicked",
		"panic: assignment to entry in nil map",
		"p_test.go:6",
		"FAIL t2j/mainfail: failed outside any test",
		"setup: docker engine missing",
		"FAIL TestRace in t2j/race: failed",
		"WARNING: DATA RACE",
		"race detected during execution of test",
		"FAIL TestHang in t2j/timeout: did not finish",
		"panic: test timed out after 15s",
		"t_test.go:8",
		"SKIP t2j/skip TestSkipped: s_test.go:5: no docker",
		"ok  \tt2j/pass",
		"== failures (9)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if last := lines[len(lines)-1]; last != "tests: 4 passed, 9 failed, 1 skipped" {
		t.Errorf("last line = %q, want %q", last, "tests: 4 passed, 9 failed, 1 skipped")
	}
	if t.Failed() {
		t.Logf("output:\n%s\nstderr:\n%s", got, errOut.String())
	}
	if raw, err := os.ReadFile(jsonOut); err != nil || !bytes.Contains(raw, []byte(`"Action":"build-fail"`)) {
		t.Errorf("-json %s does not hold the raw stream (err %v)", jsonOut, err)
	}
}

func TestCommandFailureWithoutTestFailure(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--", "sh", "-c", "echo 'go: go.mod requires go >= 9.9' >&2; exit 1"}, nil, &out, &errOut)
	if code != 1 {
		t.Errorf("exit = %d, want 1", code)
	}
	assertInOrder(t, out.String(), []string{
		"FAIL command: sh exited with status 1 and no test failed",
		"go: go.mod requires go >= 9.9",
		"tests: 0 passed, 1 failed, 0 skipped",
	})
}

package bench

import (
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		value, budget float64
		want          string
	}{
		{30, 40, "within budget (75% of it)"},
		{40, 40, "within budget (100% of it)"},
		{50, 40, "**missed by 10 MB** (25% over)"},
		{40.25, 40, "**missed by 0.2 MB** (1% over)"},
		{1, 0, ""},
	}
	for _, tt := range tests {
		if got := Check(tt.value, tt.budget, "MB"); got != tt.want {
			t.Errorf("Check(%v, %v) = %q, want %q", tt.value, tt.budget, got, tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	r := Report{
		When: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), Machine: "linux/amd64",
		Setup: []string{"setup line"},
		Rows: []Row{
			{What: "idle PSS", Value: "20 MB", Budget: "≤ 40 MB", Verdict: Check(20, 40, "MB"), DDCv1: "150–180 MB"},
			{What: "p99 | pipe", Value: "60 ms", Budget: "≤ 50 ms", Verdict: Check(60, 50, "ms"), Close: "Make it faster."},
			{What: "peak", NotMeasured: "needs panels"},
		},
		Details: []string{"pid 1 ddc"},
	}
	got := string(Render(r))
	for _, want := range []string{
		"Measured 2026-12-02 10:00 UTC on linux/amd64.",
		"- setup line",
		"| idle PSS | 20 MB | ≤ 40 MB | within budget (50% of it) | 150–180 MB |",
		`| p99 \| pipe | 60 ms | ≤ 50 ms | **missed by 10 ms** (20% over) | – |`,
		"| peak | not measured yet: needs panels | – | – | – |",
		"1 measured figure(s) miss their budget:\n\n- p99 | pipe: missed by 10 ms (20% over). Make it faster.\n",
		"```\npid 1 ddc\n```",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Render output lacks %q:\n%s", want, got)
		}
	}
}

func TestParseInitTrace(t *testing.T) {
	out := "init runtime @12 ms, 0.18 ms clock, 0 bytes, 0 allocs\n" +
		"ddc version dev\n" +
		"init github.com/distribution/reference @40 ms, 33 ms clock, 414616 bytes, 3601 allocs\n" +
		"init os @1 ms, 1.5 ms clock, 432 bytes, 9 allocs\n" +
		"init broken @1 ms, x ms clock, 0 bytes, 0 allocs\n"
	pkgs, total := ParseInitTrace(out)
	want := []PkgInit{{"github.com/distribution/reference", 33 * time.Millisecond}, {"os", 1500 * time.Microsecond}, {"runtime", 180 * time.Microsecond}}
	if len(pkgs) != len(want) {
		t.Fatalf("ParseInitTrace = %v, want %v", pkgs, want)
	}
	for i := range want {
		if pkgs[i] != want[i] {
			t.Errorf("ParseInitTrace[%d] = %v, want %v", i, pkgs[i], want[i])
		}
	}
	if total != 34680*time.Microsecond {
		t.Errorf("total = %v, want 34.68ms", total)
	}
}

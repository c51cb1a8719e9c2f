package memtrim

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReadOnlyMapping(t *testing.T) {
	const exe = "/opt/ddc/ddc"
	tests := []struct {
		line   string
		wantOK bool
		lo, hi uintptr
	}{
		{"00400000-009d7000 r-xp 00000000 fd:01 123 /opt/ddc/ddc", true, 0x400000, 0x9d7000},
		{"009d7000-010d7000 r--p 005d7000 fd:01 123 /opt/ddc/ddc", true, 0x9d7000, 0x10d7000},
		{"010d7000-01100000 rw-p 00cd7000 fd:01 123 /opt/ddc/ddc", false, 0, 0}, // writable: never
		{"00400000-009d7000 r-xs 00000000 fd:01 123 /opt/ddc/ddc", false, 0, 0}, // shared
		{"00400000-009d7000 r-xp 00000000 fd:01 123 /usr/lib/libc.so", false, 0, 0},
		{"7ff0-7ff1 rw-p 00000000 00:00 0", false, 0, 0},
		{"garbage", false, 0, 0},
		{"zz-009d7000 r-xp 00000000 fd:01 123 /opt/ddc/ddc", false, 0, 0},
		{"009d7000-00400000 r-xp 00000000 fd:01 123 /opt/ddc/ddc", false, 0, 0},
	}
	for _, tt := range tests {
		lo, hi, ok := readOnlyMapping(tt.line, exe)
		if ok != tt.wantOK || lo != tt.lo || hi != tt.hi {
			t.Errorf("readOnlyMapping(%q) = %x, %x, %v; want %x, %x, %v", tt.line, lo, hi, ok, tt.lo, tt.hi, tt.wantOK)
		}
	}
}

// fileRSS returns the process's file-backed resident kB (Rss - Anonymous).
func fileRSS(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]int{}
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			vals[f[0]], _ = strconv.Atoi(f[1])
		}
	}
	return vals["Rss:"] - vals["Anonymous:"]
}

// TestTrimKeepsTheProcessWorking trims this test binary's own pages: the
// process keeps running (code and read-only data fault back in) and its
// file-backed resident set does not grow.
func TestTrimKeepsTheProcessWorking(t *testing.T) {
	before := fileRSS(t)
	advised, err := Trim()
	if err != nil {
		t.Fatal(err)
	}
	if advised == 0 {
		t.Fatal("Trim advised nothing: no read-only mapping of the executable found")
	}
	// Use code and read-only data again.
	if got := strings.Repeat(strconv.Itoa(42), 3); got != "424242" {
		t.Fatalf("after Trim, computing gave %q", got)
	}
	after := fileRSS(t)
	t.Logf("file-backed RSS %d kB before, %d kB after Trim (advised %d kB)", before, after, advised>>10)
	if after > before {
		t.Errorf("file-backed RSS grew from %d to %d kB", before, after)
	}
}

// TestTriggerLook: a trim follows the end of a burst of allocation or of
// page faults and the period, never a quiet process or a burst still
// going on.
func TestTriggerLook(t *testing.T) {
	const mb = 1 << 20
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	type step struct {
		after time.Duration // since t0
		total uint64        // allocated bytes so far
		fault uint64        // page faults so far
		want  bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"idle process never trims", []step{{5 * time.Second, 0, 0, false}, {10 * time.Minute, 0, 0, false}}},
		{"slow trickle waits for the period", []step{
			{2 * time.Second, 50 << 10, 10, false}, {4 * time.Second, 100 << 10, 20, false}, {5*time.Minute + time.Second, 150 << 10, 30, true},
		}},
		{"burst trims once it is quiet", []step{
			{2 * time.Second, mb / 2, 0, false},          // busy, under a burst
			{4 * time.Second, 6 * mb, 0, false},          // a burst, still going on
			{6 * time.Second, 6*mb + 50<<10, 0, true},    // quiet: trim
			{8 * time.Second, 6*mb + 100<<10, 0, false},  // quiet again, nothing to trim
			{10 * time.Second, 11 * mb, 0, false},        // the next burst
			{12 * time.Second, 11*mb + 70<<10, 0, false}, // not quiet yet
			{14 * time.Second, 11*mb + 80<<10, 0, true},
		}},
		{"burst of page faults trims once it is quiet", []step{
			{2 * time.Second, 200 << 10, 100, false},  // faulting, under a burst
			{4 * time.Second, 400 << 10, 1100, false}, // a burst of faults, still going on
			{6 * time.Second, 410 << 10, 1180, false}, // allocation quiet, faults not yet
			{8 * time.Second, 420 << 10, 1190, true},  // quiet: trim
			{10 * time.Second, 430 << 10, 1230, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := trigger{lastTrim: t0}
			for _, s := range tt.steps {
				if got := tr.look(t0.Add(s.after), s.total, s.fault); got != s.want {
					t.Errorf("look(%s, %d, %d) = %t, want %t", s.after, s.total, s.fault, got, s.want)
				}
			}
		})
	}
}

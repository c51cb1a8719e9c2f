package memtrim

import (
	"os"
	"strconv"
	"strings"
	"testing"
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

package dockertest

import (
	"os"
	"strconv"
	"testing"
)

func TestProcessAlive(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Fatalf("sweeping needs /proc to tell live test processes from dead ones: %v", err)
	}
	pid := strconv.Itoa(os.Getpid())
	tests := []struct {
		name string
		run  string
		want bool
	}{
		{"this process", runID(), true},
		{"reused pid", pid + ".1", false},
		{"no such pid", "999999999.5", false},
		{"no start time", pid + ".?", true},
		{"malformed", "garbage", true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := processAlive(tt.run); got != tt.want {
				t.Errorf("processAlive(%q) = %v, want %v", tt.run, got, tt.want)
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"TestRun/sub_test", "testrun-sub-test"},
		{"plain", "plain"},
		{"/lead", "lead"},
		{"a.b-c", "a.b-c"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := sanitize(tt.in); got != tt.want {
				t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

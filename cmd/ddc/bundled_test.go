package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// TestBundledTable: the id, name and version the host is told about each
// bundled plugin are the ones its Info reports.
func TestBundledTable(t *testing.T) {
	for _, b := range bundled() {
		t.Run(b.name, func(t *testing.T) {
			info := b.new().Info()
			if info.ID != b.name || info.Name != b.title || info.Version != b.version {
				t.Errorf("bundled table says %q %q %q, Info says %q %q %q", b.name, b.title, b.version, info.ID, info.Name, info.Version)
			}
		})
	}
}

// TestTunePluginRuntime: a bundled plugin runs with one P and GOGC 50
// unless its environment sets GOMAXPROCS or GOGC.
func TestTunePluginRuntime(t *testing.T) {
	procs, gogc := runtime.GOMAXPROCS(0), debug.SetGCPercent(100)
	t.Cleanup(func() { runtime.GOMAXPROCS(procs); debug.SetGCPercent(gogc) })
	tests := []struct {
		name                string
		env                 map[string]string
		wantProcs, wantGOGC int
	}{
		{"defaults", nil, 1, 50},
		{"GOMAXPROCS set", map[string]string{"GOMAXPROCS": "3"}, 3, 50},
		{"GOGC set", map[string]string{"GOGC": "100"}, 1, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GOMAXPROCS(3)
			debug.SetGCPercent(100)
			tunePluginRuntime(func(k string) string { return tt.env[k] })
			if got := runtime.GOMAXPROCS(0); got != tt.wantProcs {
				t.Errorf("GOMAXPROCS = %d, want %d", got, tt.wantProcs)
			}
			if got := debug.SetGCPercent(100); got != tt.wantGOGC {
				t.Errorf("GOGC = %d, want %d", got, tt.wantGOGC)
			}
		})
	}
}

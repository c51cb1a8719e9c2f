package main

import "testing"

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

package main

import "testing"

// TestBundledMatchesInfo: the id, title and version the host shows for a
// bundled plugin before it runs are its manifest's.
func TestBundledMatchesInfo(t *testing.T) {
	for _, b := range bundled() {
		t.Run(b.name, func(t *testing.T) {
			info := b.new().Info()
			if info.ID != b.name || info.Name != b.title || info.Version != b.version {
				t.Errorf("bundled %q lists id %q, name %q, version %q; its Info says %q, %q, %q",
					b.name, b.name, b.title, b.version, info.ID, info.Name, info.Version)
			}
		})
	}
}

package pluginhost

import (
	"testing"

	"github.com/ddc-go/ddc/host/sandbox"
)

// TestUseTLS: only third-party plugins running as the host's user keep
// go-plugin's AutoMTLS; the others' sockets are private to their users.
func TestUseTLS(t *testing.T) {
	tests := []struct {
		name    string
		bundled bool
		ident   *sandbox.Identity
		want    bool
	}{
		{"bundled", true, nil, false},
		{"third-party as its own user", false, &sandbox.Identity{UID: 61184, GID: 61184}, false},
		{"third-party as the host's user", false, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := useTLS(Descriptor{Bundled: tt.bundled}, spawnConfig{ident: tt.ident}); got != tt.want {
				t.Errorf("useTLS(bundled %t, ident %v) = %t, want %t", tt.bundled, tt.ident, got, tt.want)
			}
		})
	}
}

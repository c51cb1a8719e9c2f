//go:build unix

package sdk

import (
	"strings"
	"testing"
)

func TestForwardHandshake(t *testing.T) {
	hs := "1|1|unix|/tmp/plugin123|grpc|CERT\n"
	tests := []struct {
		name             string
		in               string
		wantOut, wantLog string
	}{
		{"only the handshake", hs, hs, ""},
		{"stray lines around it", "hello\n" + hs + "world\n", hs, "hello\nworld\n"},
		{"a second handshake-looking line is logged", hs + hs, hs, hs},
		{"no newline at the end", "partial", "", "partial"},
		{"not numbers", "a|b|unix|x|grpc\n", "", "a|b|unix|x|grpc\n"},
		{"too few parts", "1|1|unix\n", "", "1|1|unix\n"},
		{"unknown network", "1|1|udp|x|grpc\n", "", "1|1|udp|x|grpc\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, log strings.Builder
			forwardHandshake(strings.NewReader(tt.in), &out, &log)
			if out.String() != tt.wantOut || log.String() != tt.wantLog {
				t.Errorf("out %q log %q; want out %q log %q", out.String(), log.String(), tt.wantOut, tt.wantLog)
			}
		})
	}
}

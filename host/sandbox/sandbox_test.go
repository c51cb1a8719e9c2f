package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoMemLimitEnv(t *testing.T) {
	for _, tt := range []struct {
		limit int64
		want  string
	}{
		{0, ""},
		{-1, ""},
		{100 * MiB, "GOMEMLIMIT=94371840B"},
		{256 * MiB, "GOMEMLIMIT=241591905B"},
	} {
		if got := GoMemLimitEnv(tt.limit); got != tt.want {
			t.Errorf("GoMemLimitEnv(%d) = %q, want %q", tt.limit, got, tt.want)
		}
	}
}

func TestDockerSocket(t *testing.T) {
	for _, tt := range []struct {
		host, want string
		ok         bool
	}{
		{"", "/var/run/docker.sock", true},
		{"unix:///run/user/1000/docker.sock", "/run/user/1000/docker.sock", true},
		{"unix://relative.sock", "", false},
		{"tcp://127.0.0.1:2375", "", false},
		{"ssh://me@box", "", false},
		{"::bad", "", false},
	} {
		got, ok := DockerSocket(tt.host)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("DockerSocket(%q) = %q, %t; want %q, %t", tt.host, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReachable(t *testing.T) {
	dir := t.TempDir() // 0700: others cannot pass
	exe := filepath.Join(dir, "plugin")
	if err := os.WriteFile(exe, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Reachable(exe); err == nil || !strings.Contains(err.Error(), "other users cannot pass through it") {
		t.Errorf("Reachable under a 0700 directory = %v, want it refused naming the directory", err)
	}
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := Reachable(exe); err != nil {
		t.Errorf("Reachable(%s) = %v", exe, err)
	}
	if err := os.Chmod(exe, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := Reachable(exe); err == nil || !strings.Contains(err.Error(), "chmod o+rx") {
		t.Errorf("Reachable of a 0750 executable = %v, want refused", err)
	}
}

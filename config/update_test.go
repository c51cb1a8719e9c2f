package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUpdateKeepsComments(t *testing.T) {
	tests := []struct {
		name  string
		start string
		edits []Change
		want  []string // substrings of the result
	}{
		{"default file", string(DefaultYAML()), []Change{
			{Key: []string{"plugins", "echo", "enabled"}, Value: true},
			{Key: []string{"plugins", "scheduler", "settings"}, Value: map[string]any{"grace": "10m"}},
			{Key: []string{"web", "trusted_proxies"}, Value: []string{"10.0.0.0/8"}},
		}, []string{"# The default language", "echo:\n    enabled: true", "grace: 10m", "trusted_proxies: [10.0.0.0/8]"}},
		{"flow style (JSON)", `{"log": {"level": "debug"}, "plugins": {"echo": {"enabled": false}}}`, []Change{
			{Key: []string{"plugins", "echo", "enabled"}, Value: true},
			{Key: []string{"plugins", "new", "enabled"}, Value: false},
		}, []string{`"echo": {"enabled": true}`, "new: {enabled: false}", `"level": "debug"`}},
		{"null section", "plugins:\n", []Change{{Key: []string{"plugins", "a", "enabled"}, Value: false}}, []string{"plugins:\n  a:\n    enabled: false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(tt.start), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := Update(path, tt.edits...); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			for _, w := range tt.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("result lacks %q:\n%s", w, got)
				}
			}
			if _, err := parseFile(got); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
		})
	}
}

func TestUpdateRefusesNonMapping(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	start := "log: debug\n"
	if err := os.WriteFile(path, []byte(start), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Update(path, Change{Key: []string{"log", "level"}, Value: "info"}); err == nil {
		t.Error("setting below a scalar worked")
	}
	if got, _ := os.ReadFile(path); string(got) != start {
		t.Errorf("file changed to %q", got)
	}
}

package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/config"
)

func TestDiscordLimits(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		env      []string
		wantCmd  time.Duration
		wantBtn  time.Duration
		wantCap  int
		wantErrs []string
	}{
		{name: "defaults", wantCmd: 2 * time.Second, wantBtn: time.Second, wantCap: 20},
		{name: "file", file: "discord:\n  command_cooldown: 5s\n  button_cooldown: 0s\n  per_minute_cap: 0\n", wantCmd: 5 * time.Second, wantCap: 0},
		{name: "zero needs no unit", file: "discord:\n  command_cooldown: 0\n  button_cooldown: 0\n", wantCap: 20},
		{name: "env", env: []string{"DDC_DISCORD_COMMAND_COOLDOWN=500ms", "DDC_DISCORD_PER_MINUTE_CAP=7"}, wantCmd: 500 * time.Millisecond, wantBtn: time.Second, wantCap: 7},
		{name: "out of range", file: "discord:\n  command_cooldown: 2h\n  per_minute_cap: -1\n",
			wantErrs: []string{"discord.command_cooldown", "discord.per_minute_cap", "config.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			c, err := config.Load(dir, tt.env, nil)
			if err == nil {
				err = c.Validate()
			}
			if tt.wantErrs != nil {
				var fe *config.FieldError
				if err == nil || !errors.As(err, &fe) {
					t.Fatalf("Load+Validate = %v, want field errors", err)
				}
				for _, s := range tt.wantErrs {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not name %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := c.Discord
			if d.CommandCooldown != tt.wantCmd || d.ButtonCooldown != tt.wantBtn || d.PerMinuteCap != tt.wantCap {
				t.Errorf("limits = %v %v %d, want %v %v %d", d.CommandCooldown, d.ButtonCooldown, d.PerMinuteCap, tt.wantCmd, tt.wantBtn, tt.wantCap)
			}
		})
	}
}

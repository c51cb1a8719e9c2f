package config

import (
	"strings"
	"testing"
)

func TestEdit(t *testing.T) {
	out, err := Edit(DefaultYAML(), []Setting{
		{"discord.guild_ids", []string{"123456789012345678"}},
		{"discord.token", "tok"},
		{"heartbeat.url", "https://hc-ping.com/x"},
		{"plugins.containers.settings", map[string]any{"containers": map[string]any{"plex": map[string]any{"display_name": "Plex"}}}},
		{"plugins.scheduler.settings.timezone", "Europe/Berlin"},
		{"brand.new", 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`guild_ids: ["123456789012345678"]`,
		"# Servers (guilds) where DDC registers its slash commands", // comments kept
		"display_name: Plex",
		"timezone: Europe/Berlin",
		"brand:\n  new: 3",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	dir := writeConfig(t, strings.Replace(s, "brand:\n  new: 3\n", "", 1))
	c, err := Load(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Discord.Token != "tok" || c.Heartbeat.URL != "https://hc-ping.com/x" || len(c.Discord.GuildIDs) != 1 {
		t.Errorf("edited config loads as %v", c)
	}
	if _, err := Edit([]byte("- a list\n"), []Setting{{"a", 1}}); err == nil {
		t.Error("Edit of a list document worked")
	}
	if _, err := Edit([]byte("web: 3\n"), []Setting{{"web.listen", ":1"}}); err == nil {
		t.Error("Edit through a scalar worked")
	}
	if out, err := Edit(nil, []Setting{{"log.level", "debug"}}); err != nil || string(out) != "log:\n  level: debug\n" {
		t.Errorf("Edit of nothing = %q, %v", out, err)
	}
}

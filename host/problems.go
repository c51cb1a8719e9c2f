package host

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/discord"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/web"
)

// problems lists what an admin should fix, for the web UI: a missing or
// rejected bot token, settings for plugins that are not installed.
func (s *system) problems() []web.Problem {
	var p []web.Problem
	cfgFile := s.cfgFile()
	switch s.bots.state() {
	case discord.StateNoToken:
		p = append(p, web.Problem{
			Public: "No Discord bot token: set discord.token in config.yaml (picked up while running), or DISCORD_BOT_TOKEN / DISCORD_BOT_TOKEN_FILE and restart. The web side runs without it.",
			Detail: "No Discord bot token: set discord.token in " + cfgFile + " (picked up while running), or DISCORD_BOT_TOKEN / DISCORD_BOT_TOKEN_FILE and restart. The web side runs without it.",
		})
	case discord.StateInvalidToken:
		p = append(p, web.Problem{
			Public: "Discord rejected the bot token: set a valid one in discord.token in config.yaml (picked up while running), or DISCORD_BOT_TOKEN / DISCORD_BOT_TOKEN_FILE and restart.",
			Detail: "Discord rejected the bot token: set a valid one in discord.token in " + cfgFile + " (picked up while running), or DISCORD_BOT_TOKEN / DISCORD_BOT_TOKEN_FILE and restart.",
		})
	}
	return append(p, unknownPlugins(s.config.get(), s.plugins.Statuses())...)
}

// unknownPlugins names the plugins the config has settings for that are
// not installed, most often a typo in the id. The public text names
// neither the file's path nor the id.
func unknownPlugins(c *config.Config, installed []pluginhost.Status) []web.Problem {
	have := map[string]bool{}
	for _, s := range installed {
		have[s.ID] = true
	}
	var out []web.Problem
	for _, id := range slices.Sorted(maps.Keys(c.Plugins)) {
		if !have[id] {
			out = append(out, web.Problem{
				Public: "config.yaml has settings for a plugin that is not installed (a typo in the id?); the log names it.",
				Detail: fmt.Sprintf("%s has settings for plugin %q, but no such plugin is installed (a typo in the id?).", c.File, id),
			})
		}
	}
	return out
}

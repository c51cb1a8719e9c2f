package ddcimport

import (
	"fmt"
	"io"
)

// Report writes what the import did (or would do, for a dry run) and what
// it could not map. It never writes the token.
func Report(w io.Writer, dir string, p *Plan, r Result, dryRun bool) {
	verb := "wrote"
	if dryRun {
		verb = "would write (dry run, nothing written)"
	}
	fmt.Fprintf(w, "read DockerDiscordControl %s config from %s\n", p.Format, dir)
	fmt.Fprintf(w, "%s %s:\n", verb, r.ConfigFile)
	if p.Token != "" {
		fmt.Fprintln(w, "  discord.token: the bot token (not shown)")
	}
	line := func(what string, n int) {
		if n > 0 {
			fmt.Fprintf(w, "  %s: %d\n", what, n)
		}
	}
	line("discord.guild_ids", len(p.GuildIDs))
	line("discord.status_channels", len(p.StatusChannels))
	line("discord.control_channels", len(p.ControlChannels))
	line("discord.admin_users", len(p.AdminUsers))
	line("plugins.containers.settings.containers", len(p.Containers))
	if p.Language != "" {
		fmt.Fprintf(w, "  language: %s\n", p.Language)
	}
	if p.Timezone != "" {
		fmt.Fprintf(w, "  plugins.scheduler.settings.timezone: %s\n", p.Timezone)
	}
	if p.HeartbeatURL != "" {
		fmt.Fprintf(w, "  heartbeat: every %s (URL not shown)\n", p.HeartbeatInterval)
	}
	if dryRun {
		fmt.Fprintf(w, "scheduler tasks: %d would be added (tasks already in the store are kept)\n", r.TasksNew)
	} else {
		fmt.Fprintf(w, "scheduler tasks: %d added, %d already there (kept)\n", r.TasksNew, r.TasksKept)
	}
	if len(p.Notes) > 0 {
		fmt.Fprintf(w, "not mapped (%d):\n", len(p.Notes))
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
}

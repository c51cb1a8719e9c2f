// Package ddcimport moves a DockerDiscordControl installation to DDC: it
// reads a DockerDiscordControl config directory (v2: config.json,
// auth.json, web_ui.json, containers/*.json, channels/*.json, tasks.json,
// admins.json; v1: bot_config.json, docker_config.json,
// channels_config.json, web_config.json), and writes what maps into DDC's
// config.yaml (token, guild, channels, admins, containers plugin settings,
// heartbeat) and the scheduler's task records in DDC's store. What does not
// map is listed, never silently dropped.
//
// It never writes to the source directory, and never prints a secret: the
// bot token (decrypted offline when the directory holds the web UI
// password hash it is encrypted under) goes into config.yaml only.
//
// This package must never import package host (the wiring), host/web or a
// plugin's implementation (its api packages are the contract).
package ddcimport

package ddcimport

import (
	"slices"
	"strings"
)

// ignored are settings with no meaning in DDC, left out of the notes:
// what DDC does differently or not at all (donations, caches, the web UI's
// user name, Python logging).
var ignored = []string{"donation_disable_key", "encryption_enabled", "web_ui_user", "admin_enabled", "session_timeout",
	"scheduler_debug_mode", "ui_language", "system_logs", "docker_socket_path", "docker_api_timeout", "max_log_lines",
	"container_command_cooldown", "heartbeat_channel_id", "server_order", "channels", "server_selection", "default_channel_permissions",
	"web_ui_password_hash", "bot_token", "guild_id", "language", "timezone", "heartbeat", "servers", "channel_permissions",
	"allow_detailed_status", "container_name", "docker_name", "name", "channel_id", "commands", "admin_notes",
	"discord_admin_users", "info", "allowed_actions", "display_name", "order", "active"}

// noteUnread lists the keys nothing read, per file.
func (p *Plan) noteUnread(s *Source) {
	objs := slices.Clone(s.settings)
	if s.admins != nil {
		objs = append(objs, s.admins)
	}
	for _, c := range s.Containers {
		objs = append(objs, c.obj)
	}
	for _, c := range s.Channels {
		objs = append(objs, c.obj)
	}
	byFile := map[string][]string{}
	var files []string
	for _, o := range objs {
		for _, k := range o.unused() {
			if slices.Contains(ignored, k[strings.LastIndexByte(k, '.')+1:]) {
				continue
			}
			if _, ok := byFile[o.file]; !ok {
				files = append(files, o.file)
			}
			byFile[o.file] = append(byFile[o.file], k)
		}
	}
	for _, f := range files {
		p.note("%s: not mapped: %s", f, strings.Join(byFile[f], ", "))
	}
	if len(s.Admins) > 0 && s.admins != nil && s.admins.has("admin_notes") {
		p.note("admins.json: admin_notes not mapped (DDC keeps no notes on admins)")
	}
}

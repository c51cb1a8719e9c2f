package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FieldError is one problem with one key, saying where the value came from.
// Validate returns these joined; find them with errors.As.
type FieldError struct {
	// Source is where the key was set: the config file's path, "env NAME",
	// "flag --key" or "defaults".
	Source string
	// Key is the key, e.g. "web.listen" or "discord.guild_ids[2]".
	Key string
	// Problem says what is wrong.
	Problem string
}

// Error reads like `config /data/config.yaml: web.listen: "abc" is not
// host:port`.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s: %s", where(e.Source), e.Key, e.Problem)
}

// where names a source for messages: "config /data/config.yaml" for the
// file, "config (env DDC_LOG_LEVEL)" for other layers.
func where(source string) string {
	switch {
	case source == "":
		return "config"
	case source == "defaults", strings.HasPrefix(source, "env "), strings.HasPrefix(source, "flag "), source == "environment":
		return "config (" + source + ")"
	}
	return "config " + source
}

var (
	snowflakeRE = regexp.MustCompile(`^[0-9]{17,20}$`)
	pluginIDRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// ValidPluginID reports whether id is an acceptable plugin id.
func ValidPluginID(id string) bool { return pluginIDRE.MatchString(id) }

// ValidSnowflake reports whether id looks like a Discord id (17–20 digits).
func ValidSnowflake(id string) bool { return snowflakeRE.MatchString(id) }

// fieldError builds a FieldError for key, finding its source; list items
// ("x[3]") and keys inside a plugin take the source of their list or
// plugin.
func (c *Config) fieldError(key, problem string) error {
	lookup := key
	if i := strings.IndexByte(lookup, '['); i >= 0 {
		lookup = lookup[:i]
	}
	for c.origin[lookup] == "" && strings.Contains(lookup, ".") {
		lookup = lookup[:strings.LastIndexByte(lookup, '.')]
	}
	return &FieldError{Source: c.origin[lookup], Key: key, Problem: problem}
}

// Validate reports every problem with c, joined with errors.Join, or nil.
// Each problem is a *FieldError naming the key and where it was set.
func (c *Config) Validate() error {
	errs := slices.Clone(c.problems)
	add := func(key, format string, args ...any) {
		errs = append(errs, c.fieldError(key, fmt.Sprintf(format, args...)))
	}

	if p := checkListen(c.Web.Listen); p != "" {
		add("web.listen", "%s", p)
	}
	if c.Heartbeat.URL != "" && !validHTTPURL(c.Heartbeat.URL) {
		add("heartbeat.url", "is not an absolute http(s) URL without user:password (the value is not shown: it may hold a secret)")
	}
	if c.Heartbeat.Interval < 10*time.Second || c.Heartbeat.Interval > 24*time.Hour {
		add("heartbeat.interval", "%s must be between 10s and 24h", c.Heartbeat.Interval)
	}
	for i, p := range c.Web.TrustedProxies {
		if !validProxy(p) {
			add(fmt.Sprintf("web.trusted_proxies[%d]", i), "%q is not an IP address or CIDR range", p)
		}
	}
	if !validHTTPURL(c.Discord.APIURL) {
		add("discord.api_url", "%q is not an absolute http(s) URL", c.Discord.APIURL)
	}
	for _, list := range []struct {
		key string
		ids []string
	}{
		{"discord.guild_ids", c.Discord.GuildIDs},
		{"discord.status_channels", c.Discord.StatusChannels},
		{"discord.control_channels", c.Discord.ControlChannels},
		{"discord.admin_users", c.Discord.AdminUsers},
		{"discord.admin_roles", c.Discord.AdminRoles},
		{"discord.operator_roles", c.Discord.OperatorRoles},
	} {
		for i, id := range list.ids {
			if !ValidSnowflake(id) {
				add(fmt.Sprintf("%s[%d]", list.key, i), "%q is not a Discord id (17-20 digits)", id)
			}
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"discord.command_cooldown", c.Discord.CommandCooldown}, {"discord.button_cooldown", c.Discord.ButtonCooldown}} {
		if d.v < 0 || d.v > time.Hour {
			add(d.key, "%s must be between 0s and 1h", d.v)
		}
	}
	if c.Discord.PerMinuteCap < 0 || c.Discord.PerMinuteCap > 1000 {
		add("discord.per_minute_cap", "%d must be between 0 (off) and 1000", c.Discord.PerMinuteCap)
	}
	if !slices.Contains(Languages, c.Language) {
		add("language", "%q is not one of %s (the languages DDC's own texts are translated to)", c.Language, strings.Join(Languages, ", "))
	}
	if !slices.Contains(logLevels, c.Log.Level) {
		add("log.level", "%q is not one of %s", c.Log.Level, strings.Join(logLevels, ", "))
	}
	c.validatePlugins(add)
	return errors.Join(errs...)
}

// validatePlugins checks every plugins.<id> section, reporting through add.
func (c *Config) validatePlugins(add func(key, format string, args ...any)) {
	for _, id := range sortedKeys(anyMap(c.Plugins)) {
		if !ValidPluginID(id) {
			add("plugins."+id, "plugin id %q must match %s", id, pluginIDRE)
		}
		for i, g := range c.Plugins[id].Grants {
			if !validGrant(g) {
				add(fmt.Sprintf("plugins.%s.grants[%d]", id, i), "%q must be \"<plugin id>.<view|control|admin>\", e.g. \"containers.control\"", g)
			}
		}
		q := c.Plugins[id].KVQuota
		if q.MaxKeys < 0 {
			add("plugins."+id+".kv_quota.max_keys", "%d must be positive (or 0 for the default)", q.MaxKeys)
		}
		if q.MaxBytes < 0 {
			add("plugins."+id+".kv_quota.max_bytes", "%d must be positive (or 0 for the default)", q.MaxBytes)
		}
		if l := c.Plugins[id].MemoryLimit; l != 0 && l < MinMemoryLimit {
			add("plugins."+id+".memory_limit", "%d bytes is below the smallest limit, 32MiB (or 0 for the default)", l)
		}
		for _, capability := range c.Plugins[id].Capabilities {
			if !slices.Contains(Capabilities, capability) {
				add("plugins."+id+".capabilities", "%q is not a capability DDC can grant (%s)", capability, strings.Join(Capabilities, ", "))
			}
		}
	}
}

func anyMap(m map[string]Plugin) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// validProxy reports whether s is an IP address or a CIDR range.
func validProxy(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// checkListen returns what is wrong with a host:port, or "".
func checkListen(s string) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil || strings.ContainsAny(host, " \t") {
		return fmt.Sprintf("%q is not host:port", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Sprintf("%q: port must be a number from 1 to 65535", s)
	}
	return ""
}

// ValidHTTPURL reports whether s is what heartbeat.url accepts: an http
// or https URL with a host and no user info.
func ValidHTTPURL(s string) bool { return validHTTPURL(s) }

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

// Warnings returns things that are allowed but probably not meant, one
// sentence each.
func (c *Config) Warnings() []string {
	var w []string
	if c.Discord.Token == "" {
		w = append(w, "discord: no bot token (set DISCORD_BOT_TOKEN, DISCORD_BOT_TOKEN_FILE, discord.token or enter it in the web UI); running without Discord")
	}
	for _, id := range c.Discord.StatusChannels {
		if slices.Contains(c.Discord.ControlChannels, id) {
			w = append(w, fmt.Sprintf("%s: discord.status_channels: channel %s is also in discord.control_channels; it is treated as a control channel",
				where(c.origin["discord.status_channels"]), id))
		}
	}
	return w
}

// validGrant reports whether g is "<plugin id>.<view|control|admin>".
func validGrant(g string) bool {
	i := strings.LastIndexByte(g, '.')
	if i < 0 {
		return false
	}
	return ValidPluginID(g[:i]) && slices.Contains([]string{"view", "control", "admin"}, g[i+1:])
}

// Package config is the host's configuration: its schema and defaults, and
// loading it in layers (defaults < <data-dir>/config.yaml < DDC_* environment
// < command-line flags), validating it, writing it atomically and watching
// the file for changes.
package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
)

// Defaults applied before the config file is read.
const (
	// FileName is the config file's name inside the data dir.
	FileName = "config.yaml"
	// DefaultListen is web.listen's default: every interface, port 9374.
	DefaultListen = ":9374"
	// DefaultAPIURL is discord.api_url's default.
	DefaultAPIURL = "https://discord.com"
	// DefaultLogLevel is log.level's default.
	DefaultLogLevel = "info"
	// DefaultCommandCooldown is discord.command_cooldown's default.
	DefaultCommandCooldown = 2 * time.Second
	// DefaultButtonCooldown is discord.button_cooldown's default.
	DefaultButtonCooldown = time.Second
	// DefaultPerMinuteCap is discord.per_minute_cap's default.
	DefaultPerMinuteCap = 20
	// DefaultLanguage is language's default.
	DefaultLanguage = "en"
)

// Languages are the accepted values of language: the languages the host's
// own texts are translated to.
var Languages = []string{"en", "de", "fr"}

// redacted replaces a secret wherever a Config is printed or logged.
const redacted = "[redacted]"

// Config is the whole host configuration. Load fills it; the zero value is
// not useful.
type Config struct {
	// Language is the default language ("en", "de", "fr") of what DDC and
	// its plugins say: for users whose Discord language has no translation,
	// and for messages that answer nobody in particular (status panels,
	// scheduler reports). Env DDC_LANGUAGE sets it.
	Language string `koanf:"language"`
	// Web is the web UI and REST API.
	Web Web `koanf:"web"`
	// Discord is the bot's connection and who may do what where.
	Discord Discord `koanf:"discord"`
	// Log is the host's logging.
	Log Log `koanf:"log"`
	// Plugins holds per-plugin settings, by plugin id.
	Plugins map[string]Plugin `koanf:"plugins"`

	// File is the path of the config file that was read ("" when none).
	File string `koanf:"-"`

	// origin maps a key ("web.listen", "plugins.<id>") to the layer that
	// set it last: a file path, "env NAME", "flag --key" or "defaults".
	origin map[string]string
	// problems found while loading (unknown keys, token conflicts),
	// reported by Validate.
	problems []error
	// read is the config file's state when it was read: WatchFrom's
	// baseline.
	read fileState
}

// Web configures the web UI and REST API.
type Web struct {
	// Listen is the host:port the web server listens on (default ":9374").
	// Env DDC_WEB_LISTEN sets it; DDC_WEB_PORT=8080 sets it to ":8080".
	Listen string `koanf:"listen"`
	// TrustedProxies are the addresses (IPs or CIDR ranges) of reverse
	// proxies whose X-Forwarded-For, X-Forwarded-Proto and
	// X-Forwarded-Prefix headers the web side believes; from anyone else
	// they are ignored. Empty: none.
	TrustedProxies []string `koanf:"trusted_proxies"`
}

// Discord configures the bot. Token is a secret: String, GoString and
// LogValue never show it.
type Discord struct {
	// Token is the bot token ("" runs the host without Discord). Env
	// DISCORD_BOT_TOKEN sets it.
	Token string `koanf:"token"`
	// TokenFile, when set, is a file whose trimmed content is the token
	// (e.g. a Docker secret). Env DISCORD_BOT_TOKEN_FILE sets it.
	TokenFile string `koanf:"token_file"`
	// APIURL is the Discord API base URL (default "https://discord.com"), so
	// the bot can run against any Discord-compatible server.
	APIURL string `koanf:"api_url"`
	// GuildIDs are the servers whose slash commands are registered.
	GuildIDs []string `koanf:"guild_ids"`
	// StatusChannels are channels where users can only view.
	StatusChannels []string `koanf:"status_channels"`
	// ControlChannels are channels where users can control containers.
	ControlChannels []string `koanf:"control_channels"`
	// AdminUsers are user ids with admin rights everywhere.
	AdminUsers []string `koanf:"admin_users"`
	// AdminRoles are role ids whose members have admin rights.
	AdminRoles []string `koanf:"admin_roles"`
	// OperatorRoles are role ids whose members may control.
	OperatorRoles []string `koanf:"operator_roles"`
	// CommandCooldown is how long a user waits before running the same
	// command again (default 2s; 0 turns it off).
	CommandCooldown time.Duration `koanf:"command_cooldown"`
	// ButtonCooldown is how long a user waits before using the same button
	// or select again (default 1s; 0 turns it off).
	ButtonCooldown time.Duration `koanf:"button_cooldown"`
	// PerMinuteCap caps a user's interactions per minute (default 20; 0
	// turns it off).
	PerMinuteCap int `koanf:"per_minute_cap"`
}

// Log configures logging.
type Log struct {
	// Level is one of debug, info, warn, error (default info).
	Level string `koanf:"level"`
}

// Plugin is one plugin's entry under plugins.<id>.
type Plugin struct {
	// Enabled turns the plugin off when false; nil means enabled.
	Enabled *bool `koanf:"enabled"`
	// Settings is passed to the plugin as JSON; its shape is the plugin's.
	Settings map[string]any `koanf:"settings"`
	// KVQuota caps what the plugin may keep in the host's store.
	KVQuota KVQuota `koanf:"kv_quota"`
}

// KVQuota caps one plugin's key/value store. Zero fields take the host's
// defaults (10000 keys, 64 MiB).
type KVQuota struct {
	// MaxKeys is the most keys the plugin may store.
	MaxKeys int `koanf:"max_keys"`
	// MaxBytes caps its keys and values together. The file may give it
	// with a unit: "64MiB", "500KB", "1GiB" (a plain number is bytes).
	MaxBytes int64 `koanf:"max_bytes"`
}

// logLevels are the accepted values of log.level, in order.
var logLevels = []string{"debug", "info", "warn", "error"}

// SlogLevel returns Level as a slog.Level (info when Level is not one of
// the accepted values, which Validate reports).
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// PluginEnabled reports whether plugin id is enabled: plugins are enabled
// unless plugins.<id>.enabled is false.
func (c *Config) PluginEnabled(id string) bool {
	p, ok := c.Plugins[id]
	return !ok || p.Enabled == nil || *p.Enabled
}

// PluginKVQuota returns plugins.<id>.kv_quota (zero fields: the host's
// defaults).
func (c *Config) PluginKVQuota(id string) KVQuota { return c.Plugins[id].KVQuota }

// PluginSettingsJSON returns plugins.<id>.settings as a JSON object, "{}"
// when there are none.
func (c *Config) PluginSettingsJSON(id string) ([]byte, error) {
	p := c.Plugins[id]
	if len(p.Settings) == 0 {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(p.Settings)
	if err != nil {
		return nil, fmt.Errorf("plugin %s settings: %w", id, err)
	}
	return b, nil
}

// Source returns where key (e.g. "web.listen", "plugins.<id>") was last set:
// the config file's path, "env NAME", "flag --key", or "defaults"; "" when
// no layer set it.
func (c *Config) Source(key string) string {
	return c.origin[key]
}

func tokenState(token string) string {
	if token == "" {
		return ""
	}
	return redacted
}

// String shows d with the token redacted.
func (d Discord) String() string {
	return fmt.Sprintf("{Token:%s TokenFile:%s APIURL:%s GuildIDs:%v StatusChannels:%v ControlChannels:%v AdminUsers:%v AdminRoles:%v OperatorRoles:%v CommandCooldown:%v ButtonCooldown:%v PerMinuteCap:%d}",
		tokenState(d.Token), d.TokenFile, d.APIURL, d.GuildIDs, d.StatusChannels, d.ControlChannels, d.AdminUsers, d.AdminRoles, d.OperatorRoles,
		d.CommandCooldown, d.ButtonCooldown, d.PerMinuteCap)
}

// GoString is String, so %#v does not show the token either.
func (d Discord) GoString() string { return "config.Discord" + d.String() }

// LogValue logs d with the token redacted.
func (d Discord) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token", tokenState(d.Token)),
		slog.String("token_file", d.TokenFile),
		slog.String("api_url", d.APIURL),
		slog.Any("guild_ids", d.GuildIDs),
		slog.Any("status_channels", d.StatusChannels),
		slog.Any("control_channels", d.ControlChannels),
		slog.Any("admin_users", d.AdminUsers),
		slog.Any("admin_roles", d.AdminRoles),
		slog.Any("operator_roles", d.OperatorRoles),
		slog.Duration("command_cooldown", d.CommandCooldown),
		slog.Duration("button_cooldown", d.ButtonCooldown),
		slog.Int("per_minute_cap", d.PerMinuteCap),
	)
}

// pluginSummary lists plugin ids with their enabled state, sorted; settings
// are left out because they may hold secrets of their own.
func (c *Config) pluginSummary() string {
	ids := make([]string, 0, len(c.Plugins))
	for id := range c.Plugins {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s:%t", id, c.PluginEnabled(id))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// String shows c without secrets or plugin settings.
func (c Config) String() string {
	return fmt.Sprintf("{File:%s Language:%s Web:{Listen:%s} Discord:%s Log:{Level:%s} Plugins:%s}",
		c.File, c.Language, c.Web.Listen, c.Discord, c.Log.Level, c.pluginSummary())
}

// GoString is String, so %#v does not show secrets either.
func (c Config) GoString() string { return "config.Config" + c.String() }

// LogValue logs c without secrets or plugin settings.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("file", c.File),
		slog.String("language", c.Language),
		slog.String("web.listen", c.Web.Listen),
		slog.Any("discord", c.Discord),
		slog.String("log.level", c.Log.Level),
		slog.String("plugins", c.pluginSummary()),
	)
}

// Package config is the host's configuration: its schema and defaults, and
// loading it in layers (defaults < <data-dir>/config.yaml < DDC_* environment
// < command-line flags), validating it, writing it atomically and watching
// the file for changes.
//
// It must never import host/, sdk or plugins/: the host reads the config,
// never the other way round.
package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
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
	// DefaultHeartbeatInterval is heartbeat.interval's default.
	DefaultHeartbeatInterval = 5 * time.Minute
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
	// Heartbeat is the optional ping to an uptime monitor.
	Heartbeat Heartbeat `koanf:"heartbeat"`
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
	// Metrics serves /metrics in the Prometheus text format (default
	// true). Without MetricsToken only clients on this machine may read
	// it; env DDC_WEB_METRICS.
	Metrics bool `koanf:"metrics"`
	// MetricsToken, when set, lets any client that sends it as
	// "Authorization: Bearer <token>" read /metrics. A secret: String and
	// LogValue never show it. Env DDC_WEB_METRICS_TOKEN.
	MetricsToken string `koanf:"metrics_token"`
	// TrustedProxies are the addresses (IPs or CIDR ranges) of reverse
	// proxies whose X-Forwarded-For, X-Forwarded-Proto and
	// X-Forwarded-Prefix headers the web side believes; from anyone else
	// they are ignored. Empty: none.
	TrustedProxies []string `koanf:"trusted_proxies"`
}

// Heartbeat configures the ping to an uptime monitor (Healthchecks,
// Uptime Kuma): a GET of URL every Interval while DDC is healthy. URL may
// hold a secret (a check's UUID): String and LogValue never show it.
type Heartbeat struct {
	// URL to ping; "" turns the heartbeat off. Env DDC_HEARTBEAT_URL.
	URL string `koanf:"url"`
	// Interval between pings, 10s to 24h (default 5m). Env
	// DDC_HEARTBEAT_INTERVAL.
	Interval time.Duration `koanf:"interval"`
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
	// Grants give the plugin a level on another plugin's actions when it
	// calls them on its own (not for a user's interaction), each
	// "<plugin id>.<view|control|admin>", e.g. "containers.control" lets
	// it start, stop and restart containers. Bundled plugins may have
	// grants of their own (the scheduler: containers.control); these add
	// to them.
	Grants []string `koanf:"grants"`
	// MemoryLimit caps the plugin's memory in bytes; 0 takes the host's
	// default (256 MiB; bundled plugins 64 MiB). The file may give it with
	// a unit: "128MiB".
	MemoryLimit int64 `koanf:"memory_limit"`
	// Capabilities an admin grants the plugin when it runs as its own
	// user: "docker" gives it the Docker socket's group.
	Capabilities []string `koanf:"capabilities"`
}

// Capabilities are the capabilities plugins.<id>.capabilities may grant.
var Capabilities = []string{"docker"}

// MinMemoryLimit is the smallest plugins.<id>.memory_limit: an idle Go
// plugin is resident at about 18 MiB.
const MinMemoryLimit = 32 << 20

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

// PluginGrants returns plugins.<id>.grants.
func (c *Config) PluginGrants(id string) []string { return slices.Clone(c.Plugins[id].Grants) }

// PluginMemoryLimit returns plugins.<id>.memory_limit in bytes (0: the
// host's default).
func (c *Config) PluginMemoryLimit(id string) int64 { return c.Plugins[id].MemoryLimit }

// PluginCapabilities returns what plugins.<id>.capabilities grants.
func (c *Config) PluginCapabilities(id string) []string {
	return append([]string(nil), c.Plugins[id].Capabilities...)
}

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

// String shows w with the metrics token redacted.
func (w Web) String() string {
	return fmt.Sprintf("{Listen:%s Metrics:%t MetricsToken:%s}", w.Listen, w.Metrics, tokenState(w.MetricsToken))
}

// GoString is String, so %#v does not show the token either.
func (w Web) GoString() string { return "config.Web" + w.String() }

// String shows h with the URL redacted (it may hold a check's secret id).
func (h Heartbeat) String() string {
	return fmt.Sprintf("{URL:%s Interval:%s}", tokenState(h.URL), h.Interval)
}

// GoString is String, so %#v does not show the URL either.
func (h Heartbeat) GoString() string { return "config.Heartbeat" + h.String() }

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
	return fmt.Sprintf("{File:%s Language:%s Web:%s Discord:%s Log:{Level:%s} Heartbeat:%s Plugins:%s}",
		c.File, c.Language, c.Web, c.Discord, c.Log.Level, c.Heartbeat, c.pluginSummary())
}

// GoString is String, so %#v does not show secrets either.
func (c Config) GoString() string { return "config.Config" + c.String() }

// LogValue logs c without secrets or plugin settings.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("file", c.File),
		slog.String("language", c.Language),
		slog.String("web.listen", c.Web.Listen),
		slog.Bool("web.metrics", c.Web.Metrics),
		slog.String("web.metrics_token", tokenState(c.Web.MetricsToken)),
		slog.String("heartbeat.url", tokenState(c.Heartbeat.URL)),
		slog.Duration("heartbeat.interval", c.Heartbeat.Interval),
		slog.Any("discord", c.Discord),
		slog.String("log.level", c.Log.Level),
		slog.String("plugins", c.pluginSummary()),
	)
}

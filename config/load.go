package config

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
)

// Environment variables read by Load besides the DDC_* ones in envKeys.
const (
	// EnvToken holds the bot token.
	EnvToken = "DISCORD_BOT_TOKEN"
	// EnvTokenFile names a file holding the bot token.
	EnvTokenFile = "DISCORD_BOT_TOKEN_FILE"
	// EnvWebPort sets web.listen to ":<port>" unless DDC_WEB_LISTEN is set.
	EnvWebPort = "DDC_WEB_PORT"
)

// knownKeys are the keys of each section; anything else in the file is an
// unknown key. Plugins are checked separately (their ids are free).
var knownKeys = map[string][]string{
	"web":       {"listen", "metrics", "metrics_token", "trusted_proxies"},
	"heartbeat": {"url", "interval"},
	"discord": {"token", "token_file", "api_url", "guild_ids", "status_channels", "control_channels", "admin_users", "admin_roles", "operator_roles",
		"command_cooldown", "button_cooldown", "per_minute_cap"},
	"log": {"level"},
}

// topKeys are the keys that stand alone at the top, outside a section.
var topKeys = []string{"language"}

// listKeys are keys whose env value is a comma-separated list.
var listKeys = map[string]bool{
	"discord.guild_ids": true, "discord.status_channels": true, "discord.control_channels": true,
	"discord.admin_users": true, "discord.admin_roles": true, "discord.operator_roles": true,
	"web.trusted_proxies": true,
}

// pluginKeys are the keys allowed under plugins.<id>.
var pluginKeys = []string{"enabled", "settings", "kv_quota", "grants", "memory_limit", "capabilities"}

// kvQuotaKeys are the keys allowed under plugins.<id>.kv_quota.
var kvQuotaKeys = []string{"max_keys", "max_bytes"}

// EnvName returns the environment variable that sets key (section.key, e.g.
// "log.level" → "DDC_LOG_LEVEL"), or "" when key has none. The token has
// none: it comes from DISCORD_BOT_TOKEN or DISCORD_BOT_TOKEN_FILE.
func EnvName(key string) string {
	if slices.Contains(topKeys, key) {
		return "DDC_" + strings.ToUpper(key)
	}
	section, name, ok := strings.Cut(key, ".")
	if !ok || !slices.Contains(knownKeys[section], name) || section == "discord" && strings.HasPrefix(name, "token") {
		return ""
	}
	return "DDC_" + strings.ToUpper(section) + "_" + strings.ToUpper(name)
}

// Load reads the configuration layers: built-in defaults, then
// <dataDir>/config.yaml if it exists, then the environment (env is in
// os.Environ form; later entries win), then flags (explicitly set flag
// values by key, e.g. "web.listen"). DISCORD_BOT_TOKEN and
// DISCORD_BOT_TOKEN_FILE set the token; a token file is read here and its
// content trimmed.
//
// Load fails on an unreadable or malformed file (naming the file and line),
// a value of the wrong type, or an unreadable token file. Other problems,
// such as unknown keys, are reported by Validate, which callers should
// always run next.
func Load(dataDir string, env []string, flags map[string]any) (*Config, error) {
	path := filepath.Join(dataDir, FileName)
	data, err := readFile(path)
	switch {
	case isNotExist(err):
		return load("", nil, env, flags)
	case err != nil:
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return load(path, data, env, flags)
}

// layer is one source of settings: a nested map and where it came from.
type layer struct {
	values map[string]any
	// source names the layer for a key (e.g. "env DDC_LOG_LEVEL").
	source func(key string) string
}

// load builds the Config from the file content data read from path ("" when
// there is no file).
func load(path string, data []byte, env []string, flags map[string]any) (*Config, error) {
	c := &Config{File: path, origin: map[string]string{}}
	if path != "" {
		c.read = fileState{exists: true, sum: sha256.Sum256(data)}
	}
	layers := []layer{{
		values: map[string]any{
			"language":  DefaultLanguage,
			"web":       map[string]any{"listen": DefaultListen, "metrics": true},
			"heartbeat": map[string]any{"interval": DefaultHeartbeatInterval.String()},
			"discord": map[string]any{
				"api_url": DefaultAPIURL, "command_cooldown": DefaultCommandCooldown.String(),
				"button_cooldown": DefaultButtonCooldown.String(), "per_minute_cap": DefaultPerMinuteCap,
			},
			"log": map[string]any{"level": DefaultLogLevel},
		},
		source: func(string) string { return "defaults" },
	}}

	if path != "" {
		m, err := parseFile(data)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		fileLayer := layer{values: m, source: func(string) string { return path }}
		// Unknown keys first: "bogus:" with no value is still a typo.
		c.problems = append(c.problems, unknownKeys(fileLayer)...)
		fileLayer.values = pruneNil(m)
		c.problems = append(c.problems, checkTypes(fileLayer)...)
		layers = append(layers, fileLayer)
	}

	envLayer := envLayer(env)
	c.problems = append(c.problems, checkTypes(envLayer)...)
	layers = append(layers, envLayer)

	if len(flags) > 0 {
		fm, err := confmap.Provider(flags, ".").Read()
		if err != nil {
			return nil, fmt.Errorf("config flags: %w", err)
		}
		flagLayer := layer{values: fm, source: func(key string) string { return "flag --" + key }}
		c.problems = append(c.problems, unknownKeys(flagLayer)...)
		flagLayer.values = pruneNil(fm)
		c.problems = append(c.problems, checkTypes(flagLayer)...)
		layers = append(layers, flagLayer)
	}

	k := koanf.New(".")
	for _, l := range layers {
		c.problems = append(c.problems, resolveTokenConflict(l)...)
		recordOrigin(c.origin, l)
		if err := k.Load(confmap.Provider(l.values, ""), nil); err != nil {
			return nil, fmt.Errorf("config %s: %w", l.source(""), err)
		}
	}
	if err := k.Unmarshal("", c); err != nil {
		where := "config"
		if path != "" {
			where += " " + path
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	c.Log.Level = strings.ToLower(strings.TrimSpace(c.Log.Level))
	c.Language = strings.ToLower(strings.TrimSpace(c.Language))
	c.Discord.Token = strings.TrimSpace(c.Discord.Token)

	if c.Discord.TokenFile != "" {
		b, err := os.ReadFile(c.Discord.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("read discord token file %s (set by %s): %w", c.Discord.TokenFile, c.origin["discord.token_file"], err)
		}
		c.Discord.Token = strings.TrimSpace(string(b))
		if c.Discord.Token == "" {
			c.problems = append(c.problems, &FieldError{Source: c.origin["discord.token_file"], Key: "discord.token_file",
				Problem: fmt.Sprintf("token file %s is empty", c.Discord.TokenFile)})
		}
	}
	return c, nil
}

// envLayer turns the DDC_* variables and the token variables into a layer.
func envLayer(env []string) layer {
	vars := map[string]string{}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if ok && value != "" {
			vars[name] = value // later entries win, as in os/exec
		}
	}
	values := map[string]any{}
	names := map[string]string{} // key → variable name, for sources
	set := func(key, name string, v any) {
		section, sub, _ := strings.Cut(key, ".")
		m, _ := values[section].(map[string]any)
		if m == nil {
			m = map[string]any{}
			values[section] = m
		}
		m[sub] = v
		names[key] = name
	}
	if port, ok := vars[EnvWebPort]; ok {
		set("web.listen", EnvWebPort, ":"+strings.TrimSpace(port))
	}
	for _, key := range topKeys {
		if v, ok := vars[EnvName(key)]; ok {
			values[key] = strings.TrimSpace(v)
			names[key] = EnvName(key)
		}
	}
	for section, keys := range knownKeys {
		for _, sub := range keys {
			key := section + "." + sub
			name := EnvName(key)
			v, ok := vars[name]
			if name == "" || !ok {
				continue
			}
			if listKeys[key] {
				set(key, name, splitList(v))
			} else {
				set(key, name, strings.TrimSpace(v))
			}
		}
	}
	if v, ok := vars[EnvToken]; ok {
		set("discord.token", EnvToken, v)
	}
	if v, ok := vars[EnvTokenFile]; ok {
		set("discord.token_file", EnvTokenFile, strings.TrimSpace(v))
	}
	return layer{values: values, source: func(key string) string {
		if n := names[key]; n != "" {
			return "env " + n
		}
		return "environment"
	}}
}

// splitList splits a comma-separated env value, dropping empty items.
func splitList(v string) []string {
	out := []string{}
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// pruneNil drops null values (an empty "web:" section must not wipe the
// defaults) except under plugins, where "plugins: {id: }" names a plugin
// with default settings.
func pruneNil(m map[string]any) map[string]any {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			if k == "plugins" {
				for id, p := range v {
					switch p := p.(type) {
					case nil:
						v[id] = map[string]any{}
					case map[string]any:
						if p["settings"] == nil {
							delete(p, "settings")
						}
						if p["enabled"] == nil {
							delete(p, "enabled")
						}
						for _, k := range []string{"kv_quota", "memory_limit", "capabilities"} {
							if p[k] == nil {
								delete(p, k)
							}
						}
						if p["grants"] == nil {
							delete(p, "grants")
						}
					}
				}
				continue
			}
			pruneNil(v)
		}
	}
	return m
}

// maxUnknownReported caps the unknown keys listed per layer; the rest are
// counted, so a huge file of junk gives a short message.
const maxUnknownReported = 20

// unknownKeys reports keys of l that are not part of the schema, including
// keys with no value, and removes them from l: they are errors already and
// need no further work.
func unknownKeys(l layer) []error {
	type unknown struct {
		key   string
		known []string
	}
	var found []unknown
	tops := append(append(sortedKeys(anyKeys(knownKeys)), topKeys...), "plugins")
	for _, top := range sortedKeys(l.values) {
		v := l.values[top]
		if slices.Contains(topKeys, top) {
			continue
		}
		if top == "plugins" {
			plugins, ok := v.(map[string]any)
			if !ok {
				continue // the decoder reports the wrong type
			}
			for _, id := range sortedKeys(plugins) {
				p, ok := plugins[id].(map[string]any)
				if !ok {
					continue
				}
				for _, sub := range sortedKeys(p) {
					if !slices.Contains(pluginKeys, sub) {
						found = append(found, unknown{"plugins." + id + "." + sub, pluginKeys})
						delete(p, sub)
					}
				}
				if q, ok := p["kv_quota"].(map[string]any); ok {
					for _, sub := range sortedKeys(q) {
						if !slices.Contains(kvQuotaKeys, sub) {
							found = append(found, unknown{"plugins." + id + ".kv_quota." + sub, kvQuotaKeys})
							delete(q, sub)
						}
					}
				}
			}
			continue
		}
		known, ok := knownKeys[top]
		if !ok {
			found = append(found, unknown{top, tops})
			delete(l.values, top)
			continue
		}
		section, ok := v.(map[string]any)
		if !ok {
			continue
		}
		for _, sub := range sortedKeys(section) {
			if !slices.Contains(known, sub) {
				found = append(found, unknown{top + "." + sub, known})
				delete(section, sub)
			}
		}
	}
	var errs []error
	for i, u := range found {
		if i == maxUnknownReported {
			errs = append(errs, &FieldError{Source: l.source(u.key), Key: shorten(u.key),
				Problem: fmt.Sprintf("unknown key, and %d more unknown keys not listed", len(found)-i-1)})
			break
		}
		problem := "unknown key"
		dot := strings.LastIndexByte(u.key, '.')
		if guess := closest(u.key[dot+1:], u.known); guess != "" {
			problem += fmt.Sprintf(" (did you mean %s?)", u.key[:dot+1]+guess)
		}
		errs = append(errs, &FieldError{Source: l.source(u.key), Key: shorten(u.key), Problem: problem})
	}
	return errs
}

// durationKeys are the keys holding a Go duration.
var durationKeys = []string{"discord.command_cooldown", "discord.button_cooldown", "heartbeat.interval"}

// checkTypes checks the values of l that the decoder would take wrongly:
// a duration without a unit ("command_cooldown: 2") would silently become
// nanoseconds. A bad value is reported and removed from l, so the layer
// below keeps its value and every other problem is still found.
func checkTypes(l layer) []error {
	var errs []error
	for _, key := range durationKeys {
		section, sub, _ := strings.Cut(key, ".")
		m, ok := l.values[section].(map[string]any)
		if !ok {
			continue
		}
		v, set := m[sub]
		if !set {
			continue
		}
		problem := ""
		switch v := v.(type) {
		case string:
			if _, err := time.ParseDuration(strings.TrimSpace(v)); err != nil {
				problem = fmt.Sprintf("%q is not a duration: write a number with a unit, like 2s, 500ms or 1m", shorten(v))
				if isNumber(strings.TrimSpace(v)) {
					problem = fmt.Sprintf("%q has no unit: write %ss for seconds or %sms for milliseconds", v, strings.TrimSpace(v), strings.TrimSpace(v))
				}
			}
		case int, int64, uint64, float64:
			if fmt.Sprint(v) == "0" {
				m[sub] = "0s" // 0 is 0 in every unit
				continue
			}
			problem = fmt.Sprintf("%v has no unit: write %vs for seconds or %vms for milliseconds", v, v, v)
		case time.Duration:
			continue // set by a program, already a duration
		default:
			problem = fmt.Sprintf("%v is not a duration: write a number with a unit, like 2s, 500ms or 1m", v)
		}
		if problem != "" {
			errs = append(errs, &FieldError{Source: l.source(key), Key: key, Problem: problem})
			delete(m, sub)
		}
	}
	plugins, _ := l.values["plugins"].(map[string]any)
	for _, id := range sortedKeys(plugins) {
		p, _ := plugins[id].(map[string]any)
		q, _ := p["kv_quota"].(map[string]any)
		errs = append(errs, sizeField(l, q, "max_bytes", "plugins."+id+".kv_quota.max_bytes")...)
		errs = append(errs, sizeField(l, p, "memory_limit", "plugins."+id+".memory_limit")...)
	}
	return errs
}

// sizeField replaces m[name], when set, with its size in bytes; a value
// that is not a size is removed and reported under key.
func sizeField(l layer, m map[string]any, name, key string) []error {
	v, set := m[name]
	if !set {
		return nil
	}
	n, err := parseSize(v)
	if err != nil {
		delete(m, name)
		return []error{&FieldError{Source: l.source(key), Key: key, Problem: err.Error()}}
	}
	m[name] = n
	return nil
}

// sizeUnits are the units parseSize accepts, lower case.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// parseSize reads a byte size: a number of bytes, or a number with a unit
// ("64MiB", "1.5 GB").
func parseSize(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case string:
		s := strings.TrimSpace(v)
		i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' })
		if i < 0 {
			i = len(s)
		}
		num, err := strconv.ParseFloat(s[:i], 64)
		mult, ok := sizeUnits[strings.ToLower(strings.TrimSpace(s[i:]))]
		if err != nil || !ok || num*mult > 1<<62 {
			return 0, fmt.Errorf("%q is not a size: write bytes, or a number with a unit like 64MiB, 500KB or 1GiB", shorten(v))
		}
		return int64(num * mult), nil
	}
	return 0, fmt.Errorf("%v is not a size: write bytes, or a number with a unit like 64MiB, 500KB or 1GiB", v)
}

// isNumber reports whether s is a plain decimal number.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// resolveTokenConflict makes the layer that sets the token or the token
// file last win over lower layers, by clearing the other key in l; setting
// both in one layer is a problem.
func resolveTokenConflict(l layer) []error {
	d, ok := l.values["discord"].(map[string]any)
	if !ok {
		return nil
	}
	token, _ := d["token"].(string)
	file, _ := d["token_file"].(string)
	switch {
	case token != "" && file != "":
		return []error{&FieldError{Source: l.source("discord.token_file"), Key: "discord.token",
			Problem: "discord.token and discord.token_file are both set; use one"}}
	case token != "":
		d["token_file"] = ""
	case file != "":
		d["token"] = ""
	}
	return nil
}

// recordOrigin notes which layer set each key.
func recordOrigin(origin map[string]string, l layer) {
	for top, v := range l.values {
		m, ok := v.(map[string]any)
		if !ok {
			origin[top] = l.source(top)
			continue
		}
		for sub := range m {
			key := top + "." + sub
			origin[key] = l.source(key)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func anyKeys(m map[string][]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// closest returns the candidate within two edits of s, or "" if none is.
func closest(s string, candidates []string) string {
	if len(s) > 64 {
		return ""
	}
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

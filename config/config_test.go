package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeConfig writes content as config.yaml in a new data dir and returns
// the dir.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if content != "" {
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// view is the part of a Config the layering tests compare.
type view struct {
	Listen, APIURL, Level, Token, TokenFile string
	GuildIDs                                []string
	ListenFrom                              string
}

func viewOf(c *Config) view {
	return view{
		Listen: c.Web.Listen, APIURL: c.Discord.APIURL, Level: c.Log.Level,
		Token: c.Discord.Token, TokenFile: c.Discord.TokenFile, GuildIDs: c.Discord.GuildIDs,
		ListenFrom: c.Source("web.listen"),
	}
}

func TestLoadLayers(t *testing.T) {
	const gid1, gid2, gid3 = "100000000000000001", "100000000000000002", "100000000000000003"
	tests := []struct {
		name  string
		file  string // "" means no file
		env   []string
		flags map[string]any
		want  view
	}{
		{
			name: "defaults only",
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "info", ListenFrom: "defaults"},
		},
		{
			name: "file overrides defaults",
			file: "web:\n  listen: 127.0.0.1:8000\nlog:\n  level: debug\ndiscord:\n  guild_ids: [\"" + gid1 + "\"]\n",
			want: view{Listen: "127.0.0.1:8000", APIURL: "https://discord.com", Level: "debug", GuildIDs: []string{gid1}, ListenFrom: "$FILE"},
		},
		{
			name: "empty sections keep defaults",
			file: "web:\ndiscord:\nlog:\n",
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "info", ListenFrom: "defaults"},
		},
		{
			name: "unquoted ids become strings",
			file: "discord:\n  guild_ids: [" + gid1 + ", " + gid2 + "]\n",
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "info", GuildIDs: []string{gid1, gid2}, ListenFrom: "defaults"},
		},
		{
			name: "env overrides file",
			file: "web:\n  listen: 127.0.0.1:8000\nlog:\n  level: debug\ndiscord:\n  guild_ids: [\"" + gid1 + "\"]\n",
			env:  []string{"DDC_WEB_LISTEN=0.0.0.0:9000", "DDC_LOG_LEVEL=WARN", "DDC_DISCORD_GUILD_IDS=" + gid2 + ", " + gid3 + ",", "DDC_DISCORD_API_URL=http://127.0.0.1:5555"},
			want: view{Listen: "0.0.0.0:9000", APIURL: "http://127.0.0.1:5555", Level: "warn", GuildIDs: []string{gid2, gid3}, ListenFrom: "env DDC_WEB_LISTEN"},
		},
		{
			name: "DDC_WEB_PORT sets the port",
			file: "web:\n  listen: 127.0.0.1:8000\n",
			env:  []string{"DDC_WEB_PORT=8080"},
			want: view{Listen: ":8080", APIURL: "https://discord.com", Level: "info", ListenFrom: "env DDC_WEB_PORT"},
		},
		{
			name: "DDC_WEB_LISTEN wins over DDC_WEB_PORT",
			env:  []string{"DDC_WEB_LISTEN=127.0.0.1:7000", "DDC_WEB_PORT=8080"},
			want: view{Listen: "127.0.0.1:7000", APIURL: "https://discord.com", Level: "info", ListenFrom: "env DDC_WEB_LISTEN"},
		},
		{
			name: "empty env values are ignored",
			file: "log:\n  level: error\n",
			env:  []string{"DDC_LOG_LEVEL=", "DDC_WEB_PORT="},
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "error", ListenFrom: "defaults"},
		},
		{
			name: "later env entries win",
			env:  []string{"DDC_LOG_LEVEL=debug", "DDC_LOG_LEVEL=error"},
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "error", ListenFrom: "defaults"},
		},
		{
			name: "unrelated env is ignored",
			env:  []string{"DDC_ADMIN_PASSWORD=x", "PATH=/bin", "DDC_WEB_SOMETHING=1", "NOEQUALS"},
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "info", ListenFrom: "defaults"},
		},
		{
			name:  "flags override env and file",
			file:  "web:\n  listen: 127.0.0.1:8000\n",
			env:   []string{"DDC_WEB_LISTEN=0.0.0.0:9000", "DDC_LOG_LEVEL=warn"},
			flags: map[string]any{"web.listen": "127.0.0.1:1234", "discord.guild_ids": []string{gid3}},
			want:  view{Listen: "127.0.0.1:1234", APIURL: "https://discord.com", Level: "warn", GuildIDs: []string{gid3}, ListenFrom: "flag --web.listen"},
		},
		{
			name: "token from file",
			file: "discord:\n  token: \" file-token \"\n",
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "info", Token: "file-token", ListenFrom: "defaults"},
		},
		{
			name: "DISCORD_BOT_TOKEN overrides the file's token",
			file: "discord:\n  token: file-token\n",
			env:  []string{"DISCORD_BOT_TOKEN=env-token"},
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "info", Token: "env-token", ListenFrom: "defaults"},
		},
		{
			name: "DISCORD_BOT_TOKEN overrides the file's token_file",
			file: "discord:\n  token_file: /nonexistent/token\n",
			env:  []string{"DISCORD_BOT_TOKEN=env-token"},
			want: view{Listen: ":9374", APIURL: "https://discord.com", Level: "info", Token: "env-token", ListenFrom: "defaults"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, tt.file)
			c, err := Load(dir, tt.env, tt.flags)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			want := tt.want
			if want.ListenFrom == "$FILE" {
				want.ListenFrom = filepath.Join(dir, FileName)
			}
			if diff := cmp.Diff(want, viewOf(c)); diff != "" {
				t.Errorf("Load(file %q, env %q, flags %v) mismatch (-want +got):\n%s", tt.file, tt.env, tt.flags, diff)
			}
			wantFile := ""
			if tt.file != "" {
				wantFile = filepath.Join(dir, FileName)
			}
			if c.File != wantFile {
				t.Errorf("File = %q, want %q", c.File, wantFile)
			}
		})
	}
}

func TestTokenFile(t *testing.T) {
	tokDir := t.TempDir()
	tokPath := filepath.Join(tokDir, "token")
	if err := os.WriteFile(tokPath, []byte("  secret-token\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyPath := filepath.Join(tokDir, "empty")
	if err := os.WriteFile(emptyPath, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tokDir, "missing")

	t.Run("env token file is read and trimmed", func(t *testing.T) {
		c, err := Load(t.TempDir(), []string{EnvTokenFile + "=" + tokPath}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Discord.Token != "secret-token" || c.Discord.TokenFile != tokPath {
			t.Errorf("Token, TokenFile = %q, %q; want %q, %q", c.Discord.Token, c.Discord.TokenFile, "secret-token", tokPath)
		}
	})
	t.Run("env token file overrides the file's token", func(t *testing.T) {
		dir := writeConfig(t, "discord:\n  token: from-file\n")
		c, err := Load(dir, []string{EnvTokenFile + "=" + tokPath}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Discord.Token != "secret-token" {
			t.Errorf("Token = %q, want %q", c.Discord.Token, "secret-token")
		}
	})
	t.Run("missing token file names the file", func(t *testing.T) {
		_, err := Load(t.TempDir(), []string{EnvTokenFile + "=" + missing}, nil)
		want := fmt.Sprintf("read discord token file %s (set by env DISCORD_BOT_TOKEN_FILE): open %s: no such file or directory", missing, missing)
		if err == nil || err.Error() != want {
			t.Errorf("Load error = %v, want %q", err, want)
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Load error = %v, want errors.Is os.ErrNotExist", err)
		}
	})
	t.Run("empty token file is a validation error", func(t *testing.T) {
		dir := writeConfig(t, "discord:\n  token_file: "+emptyPath+"\n")
		c, err := Load(dir, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("config %s: discord.token_file: token file %s is empty", filepath.Join(dir, FileName), emptyPath)
		if err := c.Validate(); err == nil || err.Error() != want {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	})
	t.Run("token and token_file in one layer", func(t *testing.T) {
		c, err := Load(t.TempDir(), []string{EnvToken + "=x", EnvTokenFile + "=" + tokPath}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := "config (env DISCORD_BOT_TOKEN_FILE): discord.token: discord.token and discord.token_file are both set; use one"
		if err := c.Validate(); err == nil || err.Error() != want {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	})
}

func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  []string
		want []string // lines of the joined error; $FILE is the config path
	}{
		{
			name: "valid",
			file: "web:\n  listen: 127.0.0.1:9374\ndiscord:\n  api_url: http://127.0.0.1:8080/\n  guild_ids: [\"12345678901234567\", \"12345678901234567890\"]\nplugins:\n  my.plugin-1_x:\n    enabled: false\n",
		},
		{
			name: "listen not host:port",
			file: "web:\n  listen: abc\n",
			want: []string{`config $FILE: web.listen: "abc" is not host:port`},
		},
		{
			name: "listen port out of range",
			file: "web:\n  listen: \":70000\"\n",
			want: []string{`config $FILE: web.listen: ":70000": port must be a number from 1 to 65535`},
		},
		{
			name: "listen port zero",
			file: "web:\n  listen: \"127.0.0.1:0\"\n",
			want: []string{`config $FILE: web.listen: "127.0.0.1:0": port must be a number from 1 to 65535`},
		},
		{
			name: "bad port from env names the variable",
			env:  []string{"DDC_WEB_PORT=http"},
			want: []string{`config (env DDC_WEB_PORT): web.listen: ":http": port must be a number from 1 to 65535`},
		},
		{
			name: "api url",
			file: "discord:\n  api_url: discord.com\n",
			want: []string{`config $FILE: discord.api_url: "discord.com" is not an absolute http(s) URL`},
		},
		{
			name: "api url scheme",
			env:  []string{"DDC_DISCORD_API_URL=ftp://example.com"},
			want: []string{`config (env DDC_DISCORD_API_URL): discord.api_url: "ftp://example.com" is not an absolute http(s) URL`},
		},
		{
			name: "snowflakes",
			file: "discord:\n  guild_ids: [\"1234\"]\n  control_channels: [\"123456789012345678\", \"abc\"]\n  admin_roles: [\"123456789012345678901\"]\n",
			want: []string{
				`config $FILE: discord.guild_ids[0]: "1234" is not a Discord id (17-20 digits)`,
				`config $FILE: discord.control_channels[1]: "abc" is not a Discord id (17-20 digits)`,
				`config $FILE: discord.admin_roles[0]: "123456789012345678901" is not a Discord id (17-20 digits)`,
			},
		},
		{
			name: "log level",
			file: "log:\n  level: verbose\n",
			want: []string{`config $FILE: log.level: "verbose" is not one of debug, info, warn, error`},
		},
		{
			name: "plugin id",
			file: "plugins:\n  Bad_ID:\n    enabled: true\n  -x:\n  ok: {}\n",
			want: []string{
				`config $FILE: plugins.-x: plugin id "-x" must match ^[a-z0-9][a-z0-9._-]{0,63}$`,
				`config $FILE: plugins.Bad_ID: plugin id "Bad_ID" must match ^[a-z0-9][a-z0-9._-]{0,63}$`,
			},
		},
		{
			name: "unknown keys",
			file: "web:\n  lisen: \":1\"\nwebb: {}\nlogging: {}\ndiscord:\n  tokne: x\nplugins:\n  ok:\n    enable: false\n    settings: {a: 1}\n",
			want: []string{
				`config $FILE: discord.tokne: unknown key (did you mean discord.token?)`,
				`config $FILE: logging: unknown key`,
				`config $FILE: plugins.ok.enable: unknown key (did you mean plugins.ok.enabled?)`,
				`config $FILE: web.lisen: unknown key (did you mean web.listen?)`,
				`config $FILE: webb: unknown key (did you mean web?)`,
			},
		},
		{
			name: "unknown keys without values",
			file: "web:\n  bogus:\nwebb:\ndiscord:\n  tokne:\nplugins:\n  ok:\n    enable:\n",
			want: []string{
				`config $FILE: discord.tokne: unknown key (did you mean discord.token?)`,
				`config $FILE: plugins.ok.enable: unknown key (did you mean plugins.ok.enabled?)`,
				`config $FILE: web.bogus: unknown key`,
				`config $FILE: webb: unknown key (did you mean web?)`,
			},
		},
		{
			name: "durations need a unit",
			file: "discord:\n  command_cooldown: 2\n  button_cooldown: 1.5\n",
			want: []string{
				`config $FILE: discord.command_cooldown: 2 has no unit: write 2s for seconds or 2ms for milliseconds`,
				`config $FILE: discord.button_cooldown: 1.5 has no unit: write 1.5s for seconds or 1.5ms for milliseconds`,
			},
		},
		{
			name: "duration without a unit from env",
			env:  []string{"DDC_DISCORD_BUTTON_COOLDOWN=3"},
			want: []string{`config (env DDC_DISCORD_BUTTON_COOLDOWN): discord.button_cooldown: "3" has no unit: write 3s for seconds or 3ms for milliseconds`},
		},
		{
			name: "duration that is not one",
			file: "discord:\n  command_cooldown: soon\n  button_cooldown: [1s]\n",
			want: []string{
				`config $FILE: discord.command_cooldown: "soon" is not a duration: write a number with a unit, like 2s, 500ms or 1m`,
				`config $FILE: discord.button_cooldown: [1s] is not a duration: write a number with a unit, like 2s, 500ms or 1m`,
			},
		},
		{
			name: "zero needs no unit",
			file: "discord:\n  command_cooldown: 0\n  button_cooldown: 0s\n",
		},
		{
			name: "a flood of unknown keys is listed briefly",
			file: manyUnknown(1000),
			want: append(func() []string {
				var w []string
				for i := range 20 {
					w = append(w, fmt.Sprintf("config $FILE: web.junk%04d: unknown key", i))
				}
				return w
			}(), "config $FILE: web.junk0020: unknown key, and 979 more unknown keys not listed"),
		},
		{
			name: "kv quota",
			file: "plugins:\n  a:\n    kv_quota: {max_keys: -1, max_bytes: lots, max_key: 3}\n  b:\n    kv_quota:\n      max_bytes: 12 parsecs\n  c:\n    kv_quota:\n",
			want: []string{
				`config $FILE: plugins.a.kv_quota.max_key: unknown key (did you mean plugins.a.kv_quota.max_keys?)`,
				`config $FILE: plugins.a.kv_quota.max_bytes: "lots" is not a size: write bytes, or a number with a unit like 64MiB, 500KB or 1GiB`,
				`config $FILE: plugins.b.kv_quota.max_bytes: "12 parsecs" is not a size: write bytes, or a number with a unit like 64MiB, 500KB or 1GiB`,
				`config $FILE: plugins.a.kv_quota.max_keys: -1 must be positive (or 0 for the default)`,
			},
		},
		{
			name: "grants",
			file: "plugins:\n  a:\n    grants: [containers.control, containers, containers.root, Bad.view, .admin]\n  b:\n    grants:\n",
			want: []string{
				`config $FILE: plugins.a.grants[1]: "containers" must be "<plugin id>.<view|control|admin>", e.g. "containers.control"`,
				`config $FILE: plugins.a.grants[2]: "containers.root" must be "<plugin id>.<view|control|admin>", e.g. "containers.control"`,
				`config $FILE: plugins.a.grants[3]: "Bad.view" must be "<plugin id>.<view|control|admin>", e.g. "containers.control"`,
				`config $FILE: plugins.a.grants[4]: ".admin" must be "<plugin id>.<view|control|admin>", e.g. "containers.control"`,
			},
		},
		{
			name: "memory limit and capabilities",
			file: "plugins:\n  a:\n    memory_limit: lots\n    capabilities: [docker, root]\n  b:\n    memory_limit: 1MiB\n  c:\n    memory_limit:\n    capabilities:\n",
			want: []string{
				`config $FILE: plugins.a.memory_limit: "lots" is not a size: write bytes, or a number with a unit like 64MiB, 500KB or 1GiB`,
				`config $FILE: plugins.a.capabilities: "root" is not a capability DDC can grant (docker)`,
				`config $FILE: plugins.b.memory_limit: 1048576 bytes is below the smallest limit, 32MiB (or 0 for the default)`,
			},
		},
		{
			name: "several problems are all reported",
			file: "web:\n  listen: nope\nlog:\n  level: loud\nextra: 1\n",
			want: []string{
				`config $FILE: extra: unknown key`,
				`config $FILE: web.listen: "nope" is not host:port`,
				`config $FILE: log.level: "loud" is not one of debug, info, warn, error`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, tt.file)
			c, err := Load(dir, tt.env, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			err = c.Validate()
			var got []string
			if err != nil {
				got = strings.Split(strings.ReplaceAll(err.Error(), filepath.Join(dir, FileName), "$FILE"), "\n")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() of %q mismatch (-want +got):\n%s", tt.file, diff)
			}
			if err != nil {
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Errorf("Validate() = %v, want a *FieldError inside", err)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		flags map[string]any
		want  string // substring, $FILE is the config path
	}{
		{"malformed yaml", "web:\n  listen: \":1\"\n bad indent: [\n", nil, "config $FILE: yaml: line 2: did not find expected key"},
		{"unterminated string", "web:\n  listen: \":1\"\nlog:\n  level: \"info\n", nil, "config $FILE: yaml: line 4"},
		{"tab indentation", "web:\n\tlisten: x\n", nil, "config $FILE: yaml: line 2"},
		{"top level is a list", "- a\n- b\n", nil, "config $FILE: line 1: the file must be a YAML mapping of sections (web:, discord:, log:, plugins:), not a list"},
		{"top level is a scalar", "hello\n", nil, `config $FILE: line 1: the file must be a YAML mapping of sections (web:, discord:, log:, plugins:), not the value "hello"`},
		{"top level is null", "~\n", nil, "config $FILE: line 1: the file must be a YAML mapping of sections (web:, discord:, log:, plugins:), not an empty value"},
		{"only comments", "# web:\n#   listen: x\n", nil, "config $FILE: the file is empty; it must be a YAML mapping"},
		{"blank", " \n\n", nil, "config $FILE: the file is empty; it must be a YAML mapping"},
		{"second document", "web: {}\n---\nlog: {}\n", nil, "config $FILE: line 2: a second YAML document (after ---); the config is one mapping"},
		{"duplicate key", "web:\n  listen: \":1\"\nlog: {}\nweb: {}\n", nil, `config $FILE: line 4: key "web" is already set on line 1`},
		{"duplicate nested key", "log:\n  level: info\n  level: debug\n", nil, `config $FILE: line 3: key "level" is already set on line 2`},
		{"alias bomb", aliasBomb(), nil, "config $FILE: line 7: aliases expand to more than 10000 values"},
		{"key is a list", "? [a, b]\n: x\n", nil, "config $FILE: line 1: a key must be a plain value, not a list"},
		{"wrong type", "web: 5\n", nil, "config $FILE: "},
		{"wrong list type", "discord:\n  guild_ids: {a: b}\n", nil, "config $FILE: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, tt.file)
			_, err := Load(dir, nil, tt.flags)
			want := strings.ReplaceAll(tt.want, "$FILE", filepath.Join(dir, FileName))
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Load(%q) = %v, want an error containing %q", tt.file, err, want)
			}
		})
	}
	t.Run("unreadable config is an error", func(t *testing.T) {
		dir := t.TempDir()
		// A directory where the file should be cannot be read.
		if err := os.Mkdir(filepath.Join(dir, FileName), 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "read config "+filepath.Join(dir, FileName)) {
			t.Errorf("Load = %v, want read config error", err)
		}
	})
}

// manyUnknown is a web section of n unknown keys.
func manyUnknown(n int) string {
	var b strings.Builder
	b.WriteString("web:\n")
	for i := range n {
		fmt.Fprintf(&b, "  junk%04d: x\n", i)
	}
	return b.String()
}

// aliasBomb is a "billion laughs" file: each anchor holds ten of the one
// before, 10^9 values once expanded.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("plugins:\n  x:\n    settings:\n      a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "      a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestWarnings(t *testing.T) {
	const a, b = "100000000000000001", "100000000000000002"
	noToken := "discord: no bot token (set DISCORD_BOT_TOKEN, DISCORD_BOT_TOKEN_FILE, discord.token or enter it in the web UI); running without Discord"
	tests := []struct {
		name string
		file string
		env  []string
		want []string
	}{
		{"no token", "", nil, []string{noToken}},
		{"token, no overlap", "discord:\n  status_channels: [\"" + a + "\"]\n  control_channels: [\"" + b + "\"]\n", []string{"DISCORD_BOT_TOKEN=t"}, nil},
		{"overlap", "discord:\n  status_channels: [\"" + a + "\", \"" + b + "\"]\n  control_channels: [\"" + b + "\"]\n", []string{"DISCORD_BOT_TOKEN=t"},
			[]string{"config $FILE: discord.status_channels: channel " + b + " is also in discord.control_channels; it is treated as a control channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, tt.file)
			c, err := Load(dir, tt.env, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			var got []string
			for _, w := range c.Warnings() {
				got = append(got, strings.ReplaceAll(w, filepath.Join(dir, FileName), "$FILE"))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Warnings() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlugins(t *testing.T) {
	dir := writeConfig(t, `
plugins:
  off:
    enabled: false
  on:
    enabled: true
    settings:
      endpoints:
        - name: local
          host: unix:///var/run/docker.sock
      nested: {a: {b: 1}}
      "1": numeric key
  bare:
  com.example.dotted:
    settings: {x: true}
`)
	c, err := Load(dir, nil, map[string]any{"plugins.on.settings.extra": "from flag"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	enabled := []struct {
		id   string
		want bool
	}{{"off", false}, {"on", true}, {"bare", true}, {"com.example.dotted", true}, {"not-configured", true}}
	for _, tt := range enabled {
		if got := c.PluginEnabled(tt.id); got != tt.want {
			t.Errorf("PluginEnabled(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
	settings := []struct {
		id   string
		want string
	}{
		{"off", `{}`},
		{"bare", `{}`},
		{"not-configured", `{}`},
		{"com.example.dotted", `{"x":true}`},
		{"on", `{"1":"numeric key","endpoints":[{"host":"unix:///var/run/docker.sock","name":"local"}],"extra":"from flag","nested":{"a":{"b":1}}}`},
	}
	for _, tt := range settings {
		got, err := c.PluginSettingsJSON(tt.id)
		if err != nil {
			t.Errorf("PluginSettingsJSON(%q): %v", tt.id, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("PluginSettingsJSON(%q) = %s, want %s", tt.id, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("PluginSettingsJSON(%q) = %s is not valid JSON", tt.id, got)
		}
	}
}

func TestPluginKVQuota(t *testing.T) {
	dir := writeConfig(t, `
plugins:
  units:
    kv_quota: {max_keys: 5, max_bytes: 64MiB}
  plain:
    kv_quota: {max_bytes: 1000}
  decimal:
    kv_quota: {max_bytes: 1.5 KB}
  kib:
    kv_quota: {max_bytes: "2 kib"}
  none: {}
`)
	c, err := Load(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want KVQuota
	}{
		{"units", KVQuota{MaxKeys: 5, MaxBytes: 64 << 20}},
		{"plain", KVQuota{MaxBytes: 1000}},
		{"decimal", KVQuota{MaxBytes: 1500}},
		{"kib", KVQuota{MaxBytes: 2048}},
		{"none", KVQuota{}},
		{"not-configured", KVQuota{}},
	}
	for _, tt := range tests {
		if got := c.PluginKVQuota(tt.id); got != tt.want {
			t.Errorf("PluginKVQuota(%q) = %+v, want %+v", tt.id, got, tt.want)
		}
	}
}

func TestPluginMemoryLimitAndCapabilities(t *testing.T) {
	dir := writeConfig(t, `
plugins:
  big:
    memory_limit: 512MiB
    capabilities: [docker]
  plain:
    memory_limit: 67108864
  none: {}
`)
	c, err := Load(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id    string
		limit int64
		caps  []string
	}{
		{"big", 512 << 20, []string{"docker"}},
		{"plain", 64 << 20, nil},
		{"none", 0, nil},
		{"not-configured", 0, nil},
	}
	for _, tt := range tests {
		if got := c.PluginMemoryLimit(tt.id); got != tt.limit {
			t.Errorf("PluginMemoryLimit(%q) = %d, want %d", tt.id, got, tt.limit)
		}
		if got := c.PluginCapabilities(tt.id); !slices.Equal(got, tt.caps) {
			t.Errorf("PluginCapabilities(%q) = %v, want %v", tt.id, got, tt.caps)
		}
	}
}

func TestSecretsNeverShown(t *testing.T) {
	const secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret.token"
	dir := writeConfig(t, "discord:\n  guild_ids: [\"100000000000000001\"]\n")
	c, err := Load(dir, []string{EnvToken + "=" + secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Discord.Token != secret {
		t.Fatalf("Token = %q, want the secret", c.Discord.Token)
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, nil))
	log.Info("config", "config", c, "value", *c, "discord", c.Discord)
	log.Info("text", slog.Any("c", c))
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "config", c, "discord", c.Discord)
	outputs := map[string]string{
		"slog":        logged.String(),
		"%v pointer":  fmt.Sprintf("%v", c),
		"%+v pointer": fmt.Sprintf("%+v", c),
		"%#v pointer": fmt.Sprintf("%#v", c),
		"%v value":    fmt.Sprintf("%v", *c),
		"%+v value":   fmt.Sprintf("%+v", *c),
		"%#v value":   fmt.Sprintf("%#v", *c),
		"%v discord":  fmt.Sprintf("%v", c.Discord),
		"%#v discord": fmt.Sprintf("%#v", c.Discord),
		"%+v discord": fmt.Sprintf("%+v", c.Discord),
	}
	for name, out := range outputs {
		if strings.Contains(out, "secret") {
			t.Errorf("%s shows the token: %s", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s does not say the token is set (%s): %s", name, redacted, out)
		}
		if !strings.Contains(out, "100000000000000001") {
			t.Errorf("%s leaves out the non-secret fields: %s", name, out)
		}
	}
}

func TestChanged(t *testing.T) {
	load := func(file string) *Config {
		t.Helper()
		c, err := Load(writeConfig(t, file), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	base := "web:\n  listen: \":9374\"\nlog:\n  level: info\nplugins:\n  a: {settings: {x: 1}}\n  b: {}\n"
	tests := []struct {
		name, file  string
		want        []string
		wantRestart []string
	}{
		{"same", base, nil, nil},
		{"listen", strings.Replace(base, "9374", "9375", 1), []string{"web.listen"}, []string{"web.listen"}},
		{"level and a plugin's settings", strings.Replace(strings.Replace(base, "info", "debug", 1), "x: 1", "x: 2", 1), []string{"log.level", "plugins.a"}, nil},
		{"plugin removed and added", strings.Replace(base, "  b: {}\n", "  c: {}\n", 1), []string{"plugins.b", "plugins.c"}, nil},
		{"discord", base + "discord:\n  per_minute_cap: 3\n  token: x\n", []string{"discord.per_minute_cap", "discord.token"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Changed(load(base), load(tt.file))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Changed mismatch (-want +got):\n%s", diff)
			}
			var restart []string
			for _, k := range got {
				if NeedsRestart(k) {
					restart = append(restart, k)
				}
			}
			if diff := cmp.Diff(tt.wantRestart, restart); diff != "" {
				t.Errorf("NeedsRestart mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPluginGrants: grants are read as written; a plugin without any has
// none. DDC_* variables cannot set them (no env name).
func TestPluginGrants(t *testing.T) {
	dir := writeConfig(t, "plugins:\n  panel:\n    grants: [containers.control, echo.view]\n  none: {}\n")
	c, err := Load(dir, []string{"DDC_PLUGINS_PANEL_GRANTS=containers.admin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want []string
	}{
		{"panel", []string{"containers.control", "echo.view"}},
		{"none", nil},
		{"not-configured", nil},
	}
	for _, tt := range tests {
		if got := c.PluginGrants(tt.id); !slices.Equal(got, tt.want) {
			t.Errorf("PluginGrants(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

package ddcimport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/store"
	sapi "github.com/ddc-go/ddc/plugins/scheduler/api"
)

// now is the tests' import time.
var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// fastHash stands in for the slow Werkzeug hash where its value does not matter.
func fastHash(pw string) (string, error) {
	return "pbkdf2:sha256:1$salt$" + hex.EncodeToString([]byte(pw)), nil
}

// treeHash hashes every file's path, mode and content under dir.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		h.Write([]byte(p + "\x00" + fi.Mode().String() + "\x00" + fi.ModTime().String() + "\x00"))
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func planOf(t *testing.T, dir string) *Plan {
	t.Helper()
	src, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := src.Plan(Options{Now: now, HashPassword: fastHash})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func hasNote(p *Plan, parts ...string) bool {
	return slices.ContainsFunc(p.Notes, func(n string) bool {
		for _, s := range parts {
			if !strings.Contains(n, s) {
				return false
			}
		}
		return true
	})
}

func TestPlanV2(t *testing.T) {
	p := planOf(t, "testdata/v2")
	if p.Format != "v2" || p.Token != fixturePlain || p.Language != "de" || p.Timezone != "Europe/Berlin" {
		t.Errorf("format %s, token ok %t, language %q, timezone %q", p.Format, p.Token == fixturePlain, p.Language, p.Timezone)
	}
	if !slices.Equal(p.GuildIDs, []string{"123456789012345678"}) || !slices.Equal(p.ControlChannels, []string{"111111111111111111"}) ||
		!slices.Equal(p.StatusChannels, []string{"222222222222222222"}) || !slices.Equal(p.AdminUsers, []string{"333333333333333333", "444444444444444444"}) {
		t.Errorf("ids: guild %v control %v status %v admins %v", p.GuildIDs, p.ControlChannels, p.StatusChannels, p.AdminUsers)
	}
	if p.HeartbeatURL != "https://hc-ping.com/fixture-uuid" || p.HeartbeatInterval != 10*time.Minute {
		t.Errorf("heartbeat %q %s", p.HeartbeatURL, p.HeartbeatInterval)
	}
	plex := p.Containers["plex"]
	want := map[string]any{"active": true, "display_name": "Plex Media Server", "order": 1, "actions": []string{"start", "stop", "restart", "logs"},
		"info": "Movies and shows", "ip_port": "media.example.com:32400", "protected_info": "admin login: see the wiki",
		"protected_password_hash": "pbkdf2:sha256:1$salt$" + hex.EncodeToString([]byte("fixture-password"))}
	if b1, b2 := mustJSON(t, plex), mustJSON(t, want); b1 != b2 {
		t.Errorf("plex:\n got %s\nwant %s", b1, b2)
	}
	if v := p.Containers["valheim"]; mustJSON(t, v) != mustJSON(t, map[string]any{"active": true, "display_name": "Valheim", "order": 2, "actions": []string{"logs"}, "show_stats": false}) {
		t.Errorf("valheim: %s (status only must allow no action but logs)", mustJSON(t, v))
	}
	if v := p.Containers["old-db"]; v["active"] != false {
		t.Errorf("old-db: %v, want inactive", v)
	}
	if _, ok := p.Containers["bad name!"]; ok || !hasNote(p, "containers/bad.json", "bad name!", "skipped") {
		t.Errorf("a bad container name was not skipped with a note: %v", p.Notes)
	}
	for _, n := range [][]string{
		{"web UI password"},
		{"channels/111111111111111111.json", "enable_auto_refresh, update_interval_minutes", "panels"},
		{"admins.json", "not-an-id"},
		{"config.json: not mapped: advanced_settings, mech_mode"},
		{"containers/plex.json: not mapped: query_enabled"},
		{"once-past", "passed"},
		{"group"},
		{"system task"},
		{"recreate", "not start, stop or restart"},
		{"monthly-1", "no time zone; imported in Europe/Berlin"},
	} {
		if !hasNote(p, n...) {
			t.Errorf("no note with %q in:\n%s", n, strings.Join(p.Notes, "\n"))
		}
	}
	ids := []string{}
	for _, r := range p.Tasks {
		ids = append(ids, r.Task.ID)
	}
	if !slices.Equal(ids, []string{"0b6f0c1e-9d3a-4c61-9d8e-5b0a6f5c1a01", "weekly-1", "monthly-1", "yearly-1", "once-future", "cron-1"}) {
		t.Fatalf("tasks %v", ids)
	}
	daily, weekly, once := p.Tasks[0].Task, p.Tasks[1].Task, p.Tasks[4].Task
	if !reflect.DeepEqual(daily.Schedule, sapi.Schedule{Kind: sapi.KindDaily, Time: "04:00"}) || daily.Timezone != "Europe/Berlin" || daily.Paused ||
		daily.Note != "nightly restart" || !daily.CreatedAt.Equal(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)) || daily.CreatedBy != "import-ddc" {
		t.Errorf("daily: %+v", daily)
	}
	if !slices.Equal(weekly.Schedule.Weekdays, []string{"mon"}) || weekly.Schedule.Time != "03:30" || !weekly.Paused || weekly.Timezone != "America/New_York" {
		t.Errorf("weekly: %+v", weekly)
	}
	if !reflect.DeepEqual(once.Schedule, sapi.Schedule{Kind: sapi.KindOnce, Time: "08:15", Date: "2099-06-01"}) {
		t.Errorf("once: %+v", once.Schedule)
	}
	if y := p.Tasks[3].Task.Schedule; y.Day != 29 || y.Month != 2 || y.Kind != sapi.KindYearly {
		t.Errorf("yearly: %+v", y)
	}
	if c := p.Tasks[5].Task.Schedule; c.Kind != sapi.KindCron || c.Cron != "0 */6 * * *" {
		t.Errorf("cron: %+v", c)
	}
	for _, r := range p.Tasks {
		if r.Version != sapi.RecordVersion || !r.Handled.IsZero() {
			t.Errorf("record %s: version %d, handled %v", r.Task.ID, r.Version, r.Handled)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPlanV1(t *testing.T) {
	p := planOf(t, "testdata/v1")
	if p.Format != "v1" || p.Token != fixturePlain || p.Language != "fr" || p.Timezone != "UTC" {
		t.Errorf("format %s, token ok %t, language %q, tz %q", p.Format, p.Token == fixturePlain, p.Language, p.Timezone)
	}
	if !slices.Equal(p.ControlChannels, []string{"555555555555555555"}) || !slices.Equal(p.StatusChannels, []string{"666666666666666666"}) {
		t.Errorf("channels control %v status %v", p.ControlChannels, p.StatusChannels)
	}
	if got := mustJSON(t, p.Containers); got != `{"minecraft":{"actions":["start","stop","logs"],"active":true,"display_name":"Minecraft","order":1},"nginx":{"actions":["restart","logs"],"active":true,"display_name":"Web","order":0}}` {
		t.Errorf("containers %s", got)
	}
	if !hasNote(p, "channels_config.json: not mapped: spam_protection") {
		t.Errorf("notes:\n%s", strings.Join(p.Notes, "\n"))
	}
}

func TestTokenWithoutHash(t *testing.T) {
	p := planOf(t, "testdata/no-hash")
	if p.Token != "" || !hasNote(p, "bot token", "no web_ui_password_hash", "enter it again") {
		t.Fatalf("token recovered %t; notes:\n%s", p.Token != "", strings.Join(p.Notes, "\n"))
	}
}

func TestBrokenDirs(t *testing.T) {
	tests := []struct {
		dir  string
		want []string
	}{
		{"testdata/broken-json", []string{"config.json: not valid JSON: line 5"}},
		{"testdata/wrong-types", []string{
			"config.json: language: want a string, got a number",
			"containers/plex.json: allowed_actions: want a list, got a string",
			"containers/plex.json: order: want a whole number, got a string",
			"containers/plex.json: active: want true or false, got a string",
			"containers/plex.json: info.enabled: want true or false, got a number",
			"admins.json: discord_admin_users: want a list, got an object",
			"tasks.json: tasks[0].schedule_details.month: want a whole number, got a boolean",
		}},
		{"testdata/not-ddc", []string{"holds no DockerDiscordControl config"}},
		{"testdata/missing-dir", []string{"holds no DockerDiscordControl config"}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			src, err := Read(tt.dir)
			if err == nil {
				_, err = src.Plan(Options{Now: now, HashPassword: fastHash})
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// readTasks returns the scheduler records stored in dataDir.
func readTasks(t *testing.T, dataDir string) map[string]sapi.Record {
	t.Helper()
	st, err := store.Open(filepath.Join(dataDir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kv := st.KV(schedulerKV)
	keys, err := kv.List(context.Background(), sapi.KeyPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sapi.Record{}
	for _, k := range keys {
		raw, _, err := kv.Get(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		var r sapi.Record
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(k, sapi.KeyPrefix)] = r
	}
	return out
}

func TestApply(t *testing.T) {
	before := treeHash(t, "testdata/v2")
	data := t.TempDir()
	// An existing config with an admin and a container of its own: both stay.
	existing, err := config.Edit(config.DefaultYAML(), []config.Setting{
		{Key: "discord.admin_users", Value: []string{"999999999999999999"}},
		{Key: "plugins.containers.settings.containers", Value: map[string]any{"mine": map[string]any{"display_name": "Mine"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, config.FileName), existing, 0o600); err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		res, err := Apply(context.Background(), planOf(t, "testdata/v2"), data, false)
		if err != nil {
			t.Fatal(err)
		}
		if wantNew, wantKept := []int{6, 0}[run], []int{0, 6}[run]; res.TasksNew != wantNew || res.TasksKept != wantKept {
			t.Errorf("run %d: %d new, %d kept", run, res.TasksNew, res.TasksKept)
		}
	}
	if after := treeHash(t, "testdata/v2"); after != before {
		t.Fatal("the import changed the source directory")
	}
	c, err := config.Load(data, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Discord.Token != fixturePlain || c.Language != "de" || c.Heartbeat.Interval != 10*time.Minute ||
		!slices.Equal(c.Discord.AdminUsers, []string{"999999999999999999", "333333333333333333", "444444444444444444"}) {
		t.Errorf("config: %v (admins %v)", c, c.Discord.AdminUsers)
	}
	conts, _ := c.Plugins["containers"].Settings["containers"].(map[string]any)
	if conts["mine"] == nil || conts["plex"] == nil || conts["valheim"] == nil {
		t.Errorf("containers settings %v", conts)
	}
	if tz := c.Plugins["scheduler"].Settings["timezone"]; tz != "Europe/Berlin" {
		t.Errorf("scheduler timezone %v", tz)
	}
	raw, _ := os.ReadFile(filepath.Join(data, config.FileName))
	if !strings.Contains(string(raw), "# The bot token from the Discord developer portal") {
		t.Error("the config's comments were lost")
	}
	tasks := readTasks(t, data)
	if len(tasks) != 6 || tasks["weekly-1"].Task.Schedule.Weekdays[0] != "mon" || !tasks["weekly-1"].Task.Paused {
		t.Errorf("stored tasks %v", tasks)
	}
}

func TestApplyDryRunWritesNothing(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	res, err := Apply(context.Background(), planOf(t, "testdata/v2"), data, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.TasksNew != 6 {
		t.Errorf("dry run would add %d tasks", res.TasksNew)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("dry run created %s (%v)", data, err)
	}
}

func TestApplyRefusesWhileRunning(t *testing.T) {
	data := t.TempDir()
	st, err := store.OpenWithOptions(filepath.Join(data, dbFile), store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = Apply(context.Background(), planOf(t, "testdata/v1"), data, false)
	if err == nil || !strings.Contains(err.Error(), "ddc is running") {
		t.Fatalf("Apply with the store locked = %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, config.FileName)); !os.IsNotExist(err) {
		t.Fatal("config.yaml written although the import was refused")
	}
}

func TestApplyRefusesBrokenConfig(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, config.FileName), []byte("web:\n  listen: nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(context.Background(), planOf(t, "testdata/v1"), data, false)
	if err == nil || !strings.Contains(err.Error(), "web.listen") {
		t.Fatalf("Apply over a broken config = %v", err)
	}
}

func TestWerkzeugHashChecks(t *testing.T) {
	h, err := werkzeugHash("pw")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 3 || parts[0] != "pbkdf2:sha256:600000" || len(parts[1]) != 16 || len(parts[2]) != 64 {
		t.Fatalf("hash %q is not Werkzeug's format", h)
	}
}

func TestPlanV11SingleFile(t *testing.T) {
	p := planOf(t, "testdata/v1.1")
	if p.Format != "v1.1" || p.Token != fixturePlain || p.Timezone != "Europe/London" ||
		!slices.Equal(p.ControlChannels, []string{"777777777777777777"}) || p.Containers["jellyfin"]["display_name"] != "Jellyfin" {
		t.Fatalf("plan %s token ok %t tz %s control %v containers %v", p.Format, p.Token == fixturePlain, p.Timezone, p.ControlChannels, p.Containers)
	}
}

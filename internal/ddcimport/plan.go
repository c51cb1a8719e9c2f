package ddcimport

import (
	"fmt"
	sapi "github.com/ddc-go/ddc/plugins/scheduler/api"
	"math"
	"slices"
	"strings"
	"time"
)

// Plan is what the import writes. Token is a secret: Plan has no String
// method that could show it, and Summary never does.
type Plan struct {
	// Format of the source ("v2", "v1", "v1.1").
	Format string
	// Token is the plain bot token, "" when it could not be recovered.
	Token string
	// GuildIDs, StatusChannels, ControlChannels and AdminUsers go to the
	// discord section.
	GuildIDs, StatusChannels, ControlChannels, AdminUsers []string
	// Language goes to language; "" leaves it.
	Language string
	// HeartbeatURL and HeartbeatInterval go to the heartbeat section; an
	// empty URL leaves it.
	HeartbeatURL      string
	HeartbeatInterval time.Duration
	// Containers go to plugins.containers.settings.containers, by name.
	Containers map[string]map[string]any
	// Timezone goes to plugins.scheduler.settings.timezone; "" leaves it.
	Timezone string
	// Tasks go to the scheduler's records.
	Tasks []sapi.Record
	// Notes say what was not mapped, and why, one line each.
	Notes []string
}

// Options tune Plan.
type Options struct {
	// Now is the import's time (zero: time.Now()).
	Now time.Time
	// HashPassword turns a protected-info password into a hash the
	// containers plugin accepts (nil: Werkzeug pbkdf2, as
	// DockerDiscordControl's own).
	HashPassword func(password string) (string, error)
}

// maxLens are the containers plugin's limits on text settings.
var maxLens = map[string]int{"display_name": 100, "info": 1000, "ip_port": 200, "protected_info": 1000}

// Plan maps s onto DDC's config and tasks.
func (s *Source) Plan(opts Options) (*Plan, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.HashPassword == nil {
		opts.HashPassword = werkzeugHash
	}
	p := &Plan{Format: s.Format, Containers: map[string]map[string]any{}}
	steps := []func(*Plan) error{s.planBot, s.planHeartbeat, s.planChannels, s.planAdmins,
		func(p *Plan) error { return s.planContainers(p, opts.HashPassword) },
		func(p *Plan) error { return s.planTasks(p, opts.Now) }}
	for _, step := range steps {
		if err := step(p); err != nil {
			return nil, err
		}
	}
	p.noteUnread(s)
	return p, nil
}

func (p *Plan) note(format string, args ...any) {
	p.Notes = append(p.Notes, fmt.Sprintf(format, args...))
}

func (s *Source) planBot(p *Plan) error {
	stored, err := s.str("bot_token")
	if err != nil {
		return err
	}
	hash, err := s.str("web_ui_password_hash")
	if err != nil {
		return err
	}
	if stored != "" {
		token, reason, ok := decryptToken(stored, hash)
		if ok {
			p.Token = token
		} else {
			p.note("bot token: %s; enter it again (DISCORD_BOT_TOKEN, or discord.token in config.yaml)", reason)
		}
	} else {
		p.note("bot token: none in the directory; enter it (DISCORD_BOT_TOKEN, or discord.token in config.yaml)")
	}
	if hash != "" {
		p.note("web UI password: DDC does not take over DockerDiscordControl's password; set a new one (DDC_ADMIN_PASSWORD or the web UI's setup)")
	}
	o, ok := s.setting("guild_id")
	if ok {
		id, err := o.id("guild_id")
		if err != nil {
			return err
		}
		p.GuildIDs = []string{id}
	}
	lang, err := s.str("language")
	if err != nil {
		return err
	}
	switch l := strings.ToLower(strings.TrimSpace(lang)); {
	case l == "":
	case slices.Contains([]string{"en", "de", "fr"}, l):
		p.Language = l
	default:
		p.note("language %q: DDC speaks en, de and fr (and each user's Discord language when it has it); kept the default", lang)
	}
	if p.Timezone, err = s.str("timezone"); err != nil {
		return err
	}
	if p.Timezone != "" {
		if _, err := time.LoadLocation(p.Timezone); err != nil {
			p.note("timezone %q is not a known time zone; the scheduler keeps its default", p.Timezone)
			p.Timezone = ""
		}
	}
	return nil
}

// planHeartbeat maps the Status Watchdog (heartbeat.ping_url, interval in
// minutes) or the older top-level heartbeat_ping_url.
func (s *Source) planHeartbeat(p *Plan) error {
	o, ok := s.setting("heartbeat")
	if !ok {
		return nil
	}
	raw, _ := o.get("heartbeat")
	if kind(raw) != "an object" {
		return nil // an old boolean flag: nothing to take over
	}
	hb, err := o.child("heartbeat")
	if err != nil {
		return err
	}
	enabled, err := hb.boolean("enabled", false)
	if err != nil {
		return err
	}
	url, err := hb.str("ping_url")
	if err != nil {
		return err
	}
	minutes, set, err := hb.number("interval")
	if err != nil {
		return err
	}
	if !enabled || url == "" {
		return nil
	}
	p.HeartbeatURL, p.HeartbeatInterval = url, 5*time.Minute
	if set {
		d := time.Duration(math.Round(minutes*60)) * time.Second
		p.HeartbeatInterval = min(max(d, 10*time.Second), 24*time.Hour)
	}
	return nil
}

func (s *Source) planChannels(p *Plan) error {
	for _, c := range s.Channels {
		if !validSnowflake(c.ID) {
			p.note("%s: channel id %q is not a Discord id; skipped", c.File, c.ID)
			continue
		}
		switch {
		case c.Commands["control"]:
			p.ControlChannels = append(p.ControlChannels, c.ID)
		case c.Commands["serverstatus"] || c.Commands["ss"]:
			p.StatusChannels = append(p.StatusChannels, c.ID)
		default:
			p.note("%s: channel %s allows neither /serverstatus nor /control; not listed (DDC allows viewing there)", c.File, c.ID)
		}
		var later []string
		for _, k := range []string{"post_initial", "enable_auto_refresh", "update_interval_minutes", "recreate_messages_on_inactivity", "inactivity_timeout_minutes"} {
			if c.obj.has(k) {
				later = append(later, k)
			}
			c.obj.used[k] = true
		}
		if len(later) > 0 {
			p.note("%s: %s: status panel settings, not mapped yet (DDC's status panels come with its panels plugin)", c.File, strings.Join(later, ", "))
		}
	}
	return nil
}

func (s *Source) planAdmins(p *Plan) error {
	for _, id := range s.Admins {
		if validSnowflake(id) {
			p.AdminUsers = append(p.AdminUsers, id)
		} else {
			p.note("admins.json: discord_admin_users: %q is not a Discord user id; skipped", id)
		}
	}
	return nil
}

// validSnowflake reports whether id looks like a Discord id.
func validSnowflake(id string) bool {
	if len(id) < 17 || len(id) > 20 {
		return false
	}
	return strings.Trim(id, "0123456789") == ""
}

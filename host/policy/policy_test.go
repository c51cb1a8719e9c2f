package policy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/sdk"
)

const (
	guild   = "100000000000000001"
	status  = "200000000000000001"
	control = "200000000000000002"
	both    = "200000000000000003"
	other   = "200000000000000004"
	admin   = "300000000000000001"
	member  = "300000000000000002"
	opRole  = "400000000000000001"
	adRole  = "400000000000000002"
	fooRole = "400000000000000003"
)

func testPolicy() *policy.Policy {
	return policy.New(policy.Config{
		StatusChannels:  []string{status, both},
		ControlChannels: []string{control, both},
		AdminUsers:      []string{admin},
		AdminRoles:      []string{adRole},
		OperatorRoles:   []string{opRole},
	})
}

func TestLevel(t *testing.T) {
	p := testPolicy()
	tests := []struct {
		name    string
		guild   string
		channel string
		user    string
		roles   []string
		want    sdk.Level
	}{
		{"member in control channel", guild, control, member, nil, sdk.LevelView},
		{"member with other role", guild, control, member, []string{fooRole}, sdk.LevelView},
		{"operator in control channel", guild, control, member, []string{opRole}, sdk.LevelControl},
		{"operator in status channel", guild, status, member, []string{opRole}, sdk.LevelView},
		{"operator in channel in both lists", guild, both, member, []string{opRole}, sdk.LevelControl},
		{"operator in unlisted channel", guild, other, member, []string{opRole}, sdk.LevelView},
		{"admin user in control channel", guild, control, admin, nil, sdk.LevelControl},
		{"admin user in status channel", guild, status, admin, nil, sdk.LevelView},
		{"admin user in unlisted channel", guild, other, admin, nil, sdk.LevelAdmin},
		{"admin role in unlisted channel", guild, other, member, []string{adRole}, sdk.LevelAdmin},
		{"admin role in control channel", guild, control, member, []string{fooRole, adRole}, sdk.LevelControl},
		{"admin user in DM", "", "dm", admin, nil, sdk.LevelAdmin},
		{"member in DM", "", "dm", member, nil, sdk.LevelView},
		{"DM channel id equal to a control channel", "", control, member, []string{opRole}, sdk.LevelView},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Level(policy.Who{GuildID: tt.guild, ChannelID: tt.channel, UserID: tt.user, RoleIDs: tt.roles}).Level
			if got != tt.want {
				t.Errorf("Level(%s, %s, %v) = %v, want %v", tt.channel, tt.user, tt.roles, got, tt.want)
			}
		})
	}
}

func TestLevelWithoutChannels(t *testing.T) {
	p := policy.New(policy.Config{OperatorRoles: []string{opRole}})
	tests := []struct {
		name  string
		roles []string
		want  sdk.Level
	}{
		{"member", nil, sdk.LevelView},
		{"operator", []string{opRole}, sdk.LevelControl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Level(policy.Who{GuildID: guild, ChannelID: other, UserID: member, RoleIDs: tt.roles}).Level
			if got != tt.want {
				t.Errorf("Level(%v) = %v, want %v", tt.roles, got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	p := testPolicy()
	tests := []struct {
		name     string
		channel  string
		user     string
		roles    []string
		need     sdk.Level
		wantOK   bool
		wantText []string
	}{
		{"operator restarts in control channel", control, member, []string{opRole}, sdk.LevelControl, true, nil},
		{"viewer looks in status channel", status, member, nil, sdk.LevelView, true, nil},
		{"zero level means view", status, member, nil, 0, true, nil},
		{"operator restarts in status channel", status, member, []string{opRole}, sdk.LevelControl, false,
			[]string{"needs the control level", "status channel", "<#" + control + ">"}},
		{"member without operator role", control, member, nil, sdk.LevelControl, false,
			[]string{"needs the control level", "you have view", "<@&" + opRole + ">"}},
		{"operator runs admin command", other, member, []string{opRole}, sdk.LevelAdmin, false,
			[]string{"needs the admin level", "<@&" + adRole + ">"}},
		{"admin runs admin command in control channel", control, admin, nil, sdk.LevelAdmin, false,
			[]string{"neither a status nor a control channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Check(policy.Who{GuildID: guild, ChannelID: tt.channel, UserID: tt.user, RoleIDs: tt.roles}, tt.need, "/x")
			if (err == nil) != tt.wantOK {
				t.Fatalf("Check(%s, %v, %v) = %v, want ok %v", tt.channel, tt.roles, tt.need, err, tt.wantOK)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, sdk.ErrPermission) {
				t.Errorf("Check error %v does not match sdk.ErrPermission", err)
			}
			var r *policy.Refusal
			if !errors.As(err, &r) {
				t.Fatalf("Check error %T is not a *Refusal", err)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Check(%s, %v, %v) = %q, want it to mention %q", tt.channel, tt.roles, tt.need, err, s)
				}
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	w := testPolicy().Warnings()
	if len(w) != 1 || !strings.Contains(w[0], both) {
		t.Errorf("Warnings() = %q, want one naming %s", w, both)
	}
}

func TestThrottle(t *testing.T) {
	type use struct {
		after  time.Duration // since the previous use
		user   string
		key    string
		kind   policy.Kind
		wantOK bool
		cap    bool
	}
	tests := []struct {
		name string
		cfg  policy.ThrottleConfig
		uses []use
	}{
		{"command cooldown", policy.ThrottleConfig{CommandCooldown: 2 * time.Second}, []use{
			{0, "u", "restart", policy.KindCommand, true, false},
			{time.Second, "u", "restart", policy.KindCommand, false, false},
			{0, "u", "logs", policy.KindCommand, true, false},
			{0, "v", "restart", policy.KindCommand, true, false},
			{time.Second, "u", "restart", policy.KindCommand, true, false},
		}},
		{"button cooldown is separate", policy.ThrottleConfig{CommandCooldown: time.Minute, ButtonCooldown: time.Second}, []use{
			{0, "u", "c:refresh", policy.KindComponent, true, false},
			{500 * time.Millisecond, "u", "c:refresh", policy.KindComponent, false, false},
			{500 * time.Millisecond, "u", "c:refresh", policy.KindComponent, true, false},
		}},
		{"per-minute cap", policy.ThrottleConfig{PerMinute: 3}, []use{
			{0, "u", "a", policy.KindCommand, true, false},
			{time.Second, "u", "b", policy.KindCommand, true, false},
			{time.Second, "u", "c", policy.KindComponent, true, false},
			{time.Second, "u", "d", policy.KindCommand, false, true},
			{0, "v", "d", policy.KindCommand, true, false},
			{57 * time.Second, "u", "d", policy.KindCommand, true, false},
		}},
		{"refused uses do not count", policy.ThrottleConfig{PerMinute: 1, CommandCooldown: 10 * time.Second}, []use{
			{0, "u", "a", policy.KindCommand, true, false},
			{5 * time.Second, "u", "a", policy.KindCommand, false, false},
			{5 * time.Second, "u", "a", policy.KindCommand, false, true},
			{50 * time.Second, "u", "a", policy.KindCommand, true, false},
		}},
		{"off", policy.ThrottleConfig{}, []use{
			{0, "u", "a", policy.KindCommand, true, false},
			{0, "u", "a", policy.KindCommand, true, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Unix(1_700_000_000, 0)
			cfg := tt.cfg
			cfg.Now = func() time.Time { return now }
			th := policy.NewThrottle(cfg)
			for i, u := range tt.uses {
				now = now.Add(u.after)
				err := th.Allow(u.user, u.key, u.kind)
				if (err == nil) != u.wantOK {
					t.Fatalf("use %d: Allow(%s, %s) = %v, want ok %v", i, u.user, u.key, err, u.wantOK)
				}
				var l *policy.Limited
				if err != nil && (!errors.As(err, &l) || l.Cap != u.cap || l.RetryIn <= 0) {
					t.Errorf("use %d: Allow(%s, %s) = %#v, want *Limited with Cap %v and RetryIn > 0", i, u.user, u.key, err, u.cap)
				}
			}
		})
	}
}

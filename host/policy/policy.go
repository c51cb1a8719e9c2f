// Package policy decides who may do what where: the host's permission
// policy (levels view < control < admin from admin users, admin roles and
// operator roles, capped by the channel's ceiling), the level each slash
// command and each declared component kind needs (CommandLevel,
// ComponentLevel), the custom-id rule that keeps a plugin's controls
// under its own prefix (CheckCustomIDs), and the spam protection
// (per-user cooldowns and per-minute caps).
//
// It imports only the public sdk: never the Discord side, the plugin host
// or the config, which hand it plain values.
//
// The rules, as in DockerDiscordControl:
//
//   - A user's own level is admin when the user is in AdminUsers or has
//     one of AdminRoles, control when the user has one of OperatorRoles,
//     view otherwise.
//   - A status channel caps the level at view; a control channel caps it
//     at control. A channel listed in both is a control channel (Warnings
//     reports it).
//   - When no channel is listed at all, channels do not cap anything.
//     Otherwise a channel in neither list (and a direct message) caps
//     everyone at view except admins, who keep admin there: admin commands
//     are run outside the status and control channels.
//
// It must never import another host/ package, discordgo, gin or plugins/: it
// decides from plain ids and the rules the host hands it, and the Discord
// side asks it.
package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ddc-go/ddc/sdk"
)

// Config lists who may do what and where. Ids are Discord snowflakes.
type Config struct {
	StatusChannels  []string // StatusChannels cap the level at view.
	ControlChannels []string // ControlChannels cap the level at control.
	AdminUsers      []string // AdminUsers are admins everywhere but status and control channels' caps.
	AdminRoles      []string // AdminRoles make their members admins.
	OperatorRoles   []string // OperatorRoles make their members operators (control).
}

// Policy answers permission questions. It is immutable and safe for
// concurrent use; build a new one when the config changes.
type Policy struct {
	cfg     Config
	status  map[string]bool
	control map[string]bool
}

// New returns the policy for cfg.
func New(cfg Config) *Policy {
	p := &Policy{cfg: cfg, status: map[string]bool{}, control: map[string]bool{}}
	for _, id := range cfg.StatusChannels {
		p.status[id] = true
	}
	for _, id := range cfg.ControlChannels {
		p.control[id] = true
	}
	return p
}

// Warnings returns one sentence per suspicious setting: a channel listed as
// both a status and a control channel is treated as a control channel.
func (p *Policy) Warnings() []string {
	var w []string
	for _, id := range p.cfg.StatusChannels {
		if p.control[id] {
			w = append(w, fmt.Sprintf("channel %s is both a status and a control channel; it is treated as a control channel", id))
		}
	}
	return w
}

// Who is the user asking and where.
type Who struct {
	GuildID   string   // GuildID is "" in a direct message.
	ChannelID string   // ChannelID is where the interaction happened.
	UserID    string   // UserID of the user.
	RoleIDs   []string // RoleIDs are the user's roles in the guild.
}

// ChannelKind says how a channel is set up.
type ChannelKind int

// Channel kinds.
const (
	ChannelOther   ChannelKind = iota // ChannelOther is in neither list, or a direct message.
	ChannelStatus                     // ChannelStatus is a status channel.
	ChannelControl                    // ChannelControl is a control channel (also when in both lists).
)

// Decision is the outcome of Level: the effective level and how it came
// about, so a refusal can say what is missing.
type Decision struct {
	Level   sdk.Level   // Level is the effective level.
	Own     sdk.Level   // Own is the user's level before the channel's cap.
	Ceiling sdk.Level   // Ceiling is the channel's cap.
	Channel ChannelKind // Channel is how the channel is set up.
}

// Kind returns how channelID is set up.
func (p *Policy) Kind(channelID string) ChannelKind {
	switch {
	case p.control[channelID]:
		return ChannelControl
	case p.status[channelID]:
		return ChannelStatus
	}
	return ChannelOther
}

// OwnLevel returns the user's level before any channel cap.
func (p *Policy) OwnLevel(userID string, roleIDs []string) sdk.Level {
	if slices.Contains(p.cfg.AdminUsers, userID) || anyIn(roleIDs, p.cfg.AdminRoles) {
		return sdk.LevelAdmin
	}
	if anyIn(roleIDs, p.cfg.OperatorRoles) {
		return sdk.LevelControl
	}
	return sdk.LevelView
}

// Level returns the effective level of who.
func (p *Policy) Level(who Who) Decision {
	d := Decision{Own: p.OwnLevel(who.UserID, who.RoleIDs), Channel: p.Kind(who.ChannelID)}
	if who.GuildID == "" {
		d.Channel = ChannelOther
	}
	switch {
	case d.Channel == ChannelControl:
		d.Ceiling = sdk.LevelControl
	case d.Channel == ChannelStatus:
		d.Ceiling = sdk.LevelView
	case len(p.status) == 0 && len(p.control) == 0:
		d.Ceiling = sdk.LevelAdmin
	case d.Own == sdk.LevelAdmin:
		d.Ceiling = sdk.LevelAdmin
	default:
		d.Ceiling = sdk.LevelView
	}
	d.Level = min(d.Own, d.Ceiling)
	return d
}

// Refusal is a permission refusal; its message is meant for the user and
// says what is missing.
type Refusal struct {
	Need     sdk.Level // Need is the level the action needs.
	Decision Decision  // Decision is the user's effective level here.
	What     string    // What names the action, e.g. "/container restart".
	Reason   string    // Reason is the user-facing explanation, in English.
	// ChannelProblem is true when the user's own level would do and the
	// channel is what caps it.
	ChannelProblem bool
	// Channels are the channels where the user could do it (control
	// channels), when the channel is the problem.
	Channels []string
	// Roles are the roles that would give the needed level, when the
	// user's own level is the problem.
	Roles []string
}

// Error returns the user-facing reason.
func (r *Refusal) Error() string { return r.Reason }

// Is makes errors.Is(r, sdk.ErrPermission) true.
func (r *Refusal) Is(target error) bool { return target == sdk.ErrPermission }

// Check returns nil when who may do what (a description such as
// "/container restart") needing level need, else a *Refusal saying what is
// missing.
func (p *Policy) Check(who Who, need sdk.Level, what string) error {
	if need <= 0 {
		need = sdk.LevelView
	}
	d := p.Level(who)
	if d.Level.Allows(need) {
		return nil
	}
	r := &Refusal{Need: need, Decision: d, What: what, Reason: p.reason(d, need, what), ChannelProblem: d.Own.Allows(need)}
	switch {
	case r.ChannelProblem && need <= sdk.LevelControl:
		r.Channels = slices.Clone(p.cfg.ControlChannels)
	case !r.ChannelProblem && need == sdk.LevelControl:
		r.Roles = append(slices.Clone(p.cfg.OperatorRoles), p.cfg.AdminRoles...)
	case !r.ChannelProblem:
		r.Roles = slices.Clone(p.cfg.AdminRoles)
	}
	return r
}

func (p *Policy) reason(d Decision, need sdk.Level, what string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "You may not use %s here: it needs the %s level", what, need)
	if d.Own.Allows(need) {
		// The channel is what is missing.
		switch d.Channel {
		case ChannelStatus:
			fmt.Fprintf(&b, ", and this is a status channel (view only).")
		case ChannelControl:
			fmt.Fprintf(&b, ", and control channels allow at most control.")
		default:
			fmt.Fprintf(&b, ", and this channel allows only viewing.")
		}
		if need <= sdk.LevelControl && len(p.cfg.ControlChannels) > 0 {
			fmt.Fprintf(&b, " Use it in a control channel: %s.", mentions("#", p.cfg.ControlChannels))
		} else if need == sdk.LevelAdmin {
			fmt.Fprintf(&b, " Use it in a channel that is neither a status nor a control channel.")
		}
		return b.String()
	}
	fmt.Fprintf(&b, " and you have %s.", d.Own)
	switch need {
	case sdk.LevelControl:
		if len(p.cfg.OperatorRoles) > 0 || len(p.cfg.AdminRoles) > 0 {
			fmt.Fprintf(&b, " It needs one of these roles: %s.", mentions("@&", append(slices.Clone(p.cfg.OperatorRoles), p.cfg.AdminRoles...)))
		} else {
			b.WriteString(" No operator role is configured; ask an admin.")
		}
	case sdk.LevelAdmin:
		if len(p.cfg.AdminRoles) > 0 {
			fmt.Fprintf(&b, " It needs one of these roles: %s.", mentions("@&", p.cfg.AdminRoles))
		} else {
			b.WriteString(" Only DDC admins may; ask an admin.")
		}
	}
	if d.Channel == ChannelStatus {
		b.WriteString(" This is also a status channel (view only).")
	}
	return b.String()
}

// Mentions formats ids as Discord mentions: kind "#" for channels, "@&"
// for roles.
func Mentions(kind string, ids []string) string { return mentions(kind, ids) }

func mentions(kind string, ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "<" + kind + id + ">"
	}
	return strings.Join(out, ", ")
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}

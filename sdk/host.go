package sdk

import (
	"context"
	"log/slog"
	"time"

	"github.com/ddc-go/ddc/sdk/internal/wire"
)

// Host is the plugin's way back into the host: Discord messages, events,
// other plugins' actions, storage and the audit log. Its methods are safe for
// concurrent use. Every call honours ctx's deadline.
type Host interface {
	// Send posts m in a channel and returns the new message's id. Messages
	// go through the host's outbox, which respects Discord's rate limits.
	Send(ctx context.Context, channelID string, m Message) (messageID string, err error)
	// Edit replaces a message. Edits of one message are coalesced: when
	// several are queued, only the latest is sent. It returns an error
	// matching ErrNotFound when the message was deleted, so the plugin can
	// post a new one.
	Edit(ctx context.Context, channelID, messageID string, m Message) error
	// Delete deletes a message.
	Delete(ctx context.Context, channelID, messageID string) error
	// Followup sends a follow-up message to an interaction this plugin
	// handled (Interaction.ID) within 15 minutes.
	Followup(ctx context.Context, interactionID string, m Message) (messageID string, err error)
	// Publish sends payload to the plugins subscribed to topic.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Invoke calls an action another plugin provides, passing args as JSON
	// and decoding the JSON result into result (if not nil). The action must
	// be listed in Info.Calls. When ctx carries an Interaction the host
	// routed to this plugin (as handler contexts do) within its 15 minutes,
	// the host passes its own record of it along; any other is dropped, and
	// the call carries only this plugin's identity and the level an admin
	// granted it (InvokeRequest.CallerLevel).
	Invoke(ctx context.Context, action string, args, result any) error
	// KV is the plugin's own key-value namespace in the host's store.
	KV() KV
	// Audit appends an entry to the host's audit log. Record every action
	// that changed something. The entry's user and place (UserID,
	// UserName, GuildID, ChannelID) come from the host's record of the
	// interaction ctx carries, if the host routed it to this plugin; else
	// they are left empty. Whatever the plugin puts there is ignored.
	Audit(ctx context.Context, e AuditEntry) error
	// Logger logs to the host's log, scoped to this plugin.
	Logger() *slog.Logger
	// DiscordInfo returns the slash commands of the running plugins that
	// the user of ctx's interaction (see InteractionFrom) may use where it
	// happened, and the host's Discord latencies: what /help and /ping
	// show. The host computes the user's level itself.
	DiscordInfo(ctx context.Context) (DiscordInfo, error)
}

// DiscordInfo is what Host.DiscordInfo returns.
type DiscordInfo struct {
	// Commands the user may use there, sorted by name.
	Commands []CommandSummary
	// GatewayLatency is the last heartbeat's round trip; 0 when unknown.
	GatewayLatency time.Duration
	// RESTLatency is the round trip of a REST request made for the call.
	RESTLatency time.Duration
}

// CommandSummary is one slash command, as /help lists it.
type CommandSummary struct {
	Plugin                   string            // Plugin owning the command.
	Name                     string            // Name of the command.
	Description              string            // Description in English.
	DescriptionLocalizations map[string]string // DescriptionLocalizations maps a Discord locale to a description.
	Level                    Level             // Level the command needs.
}

// KV is a plugin's key-value namespace. Keys are 1-512 bytes, values at most
// 1 MiB. It is safe for concurrent use.
type KV interface {
	// Get returns the value of key; found is false when key does not exist.
	Get(ctx context.Context, key string) (value []byte, found bool, err error)
	// Put stores value under key.
	Put(ctx context.Context, key string, value []byte) error
	// Delete removes key; removing a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the keys starting with prefix, in order.
	List(ctx context.Context, prefix string) ([]string, error)
}

// AuditEntry records one action that changed something. Host.Audit fills
// its user and place itself.
type AuditEntry struct {
	UserID    string // UserID who asked (set by the host).
	UserName  string // UserName who asked (set by the host).
	GuildID   string // GuildID where (set by the host).
	ChannelID string // ChannelID where (set by the host).
	Action    string // Action, e.g. "container.restart".
	Target    string // Target, e.g. "local/plex".
	Result    string // Result, e.g. "ok" or "failed".
	Detail    string // Detail explains the result.
}

// AuditFor returns an entry for an action taken on behalf of in's user.
func AuditFor(in Interaction, action, target, result, detail string) AuditEntry {
	return AuditEntry{
		UserID: in.User.ID, UserName: in.User.Name, GuildID: in.GuildID, ChannelID: in.ChannelID,
		Action: action, Target: target, Result: result, Detail: detail,
	}
}

// InteractionFrom returns the interaction ctx carries, if any. The
// contexts of command, autocomplete, component and modal handlers carry
// theirs, and so does an action's when a user's interaction led to the
// call; Host.Invoke forwards it to the called plugin.
func InteractionFrom(ctx context.Context) (Interaction, bool) {
	in, ok := ctx.Value(wire.InteractionKey{}).(Interaction)
	return in, ok
}

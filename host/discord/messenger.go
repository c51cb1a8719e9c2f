package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/sdk"
)

// Send posts m in channelID for plugin pluginID through the outbox and
// returns the new message's id.
func (b *Bot) Send(ctx context.Context, pluginID, channelID string, m sdk.Message) (string, error) {
	if m.Ephemeral {
		return "", fmt.Errorf("send message in channel %s: ephemeral messages exist only as interaction answers: %w", channelID, sdk.ErrInvalid)
	}
	if err := snowflake("channel id", channelID); err != nil {
		return "", fmt.Errorf("send message for %s: %w", pluginID, err)
	}
	if err := b.checkComponents(pluginID, m, nil); err != nil {
		return "", fmt.Errorf("send message in channel %s: %w", channelID, err)
	}
	body, err := b.out.Do(ctx, outbox.Request{Method: http.MethodPost, Path: "/channels/" + seg(channelID) + "/messages", Body: toPayload(m)})
	if err != nil {
		return "", fmt.Errorf("send message in channel %s for %s: %w", channelID, pluginID, sdkErr(err))
	}
	return jsonField(body, "id"), nil
}

// Edit replaces a message. Edits of one message are coalesced: when several
// wait for the rate limit, only the latest is sent. A message deleted by
// someone gives an error matching sdk.ErrNotFound.
func (b *Bot) Edit(ctx context.Context, pluginID, channelID, messageID string, m sdk.Message) error {
	if err := snowflakes("channel id", channelID, "message id", messageID); err != nil {
		return fmt.Errorf("edit message for %s: %w", pluginID, err)
	}
	if err := b.checkComponents(pluginID, m, nil); err != nil {
		return fmt.Errorf("edit message %s in channel %s: %w", messageID, channelID, err)
	}
	p := toPayload(m)
	p.Flags = 0
	_, err := b.out.Edit(ctx, channelID+"/"+messageID, outbox.Request{
		Method: http.MethodPatch, Path: "/channels/" + seg(channelID) + "/messages/" + seg(messageID), Body: p,
	})
	if err != nil {
		return fmt.Errorf("edit message %s in channel %s for %s: %w", messageID, channelID, pluginID, sdkErr(err))
	}
	return nil
}

// Delete deletes a message; one already gone gives sdk.ErrNotFound.
func (b *Bot) Delete(ctx context.Context, pluginID, channelID, messageID string) error {
	if err := snowflakes("channel id", channelID, "message id", messageID); err != nil {
		return fmt.Errorf("delete message for %s: %w", pluginID, err)
	}
	_, err := b.out.Do(ctx, outbox.Request{Method: http.MethodDelete, Path: "/channels/" + seg(channelID) + "/messages/" + seg(messageID)})
	if err != nil {
		return fmt.Errorf("delete message %s in channel %s for %s: %w", messageID, channelID, pluginID, sdkErr(err))
	}
	return nil
}

// Followup sends a follow-up message to an interaction pluginID handled in
// the last 15 minutes.
func (b *Bot) Followup(ctx context.Context, pluginID, interactionID string, m sdk.Message) (string, error) {
	if err := snowflake("interaction id", interactionID); err != nil {
		return "", fmt.Errorf("follow-up for %s: %w", pluginID, err)
	}
	if err := b.checkComponents(pluginID, m, nil); err != nil {
		return "", fmt.Errorf("follow-up to interaction %s: %w", interactionID, err)
	}
	rec, ok := b.inter.get(interactionID)
	if !ok {
		return "", fmt.Errorf("follow-up to interaction %s: unknown or older than 15 minutes: %w", interactionID, sdk.ErrNotFound)
	}
	if rec.plugin != pluginID {
		return "", fmt.Errorf("follow-up to interaction %s by %s: %w: %w", interactionID, pluginID, errNotOwner, sdk.ErrPermission)
	}
	appID, _ := b.appID.Load().(string)
	body, err := b.out.Do(ctx, outbox.Request{Method: http.MethodPost, Path: "/webhooks/" + seg(appID) + "/" + seg(rec.token), Body: toPayload(m)})
	if err != nil {
		return "", fmt.Errorf("follow-up to interaction %s for %s: %w", interactionID, pluginID, sdkErr(err))
	}
	return jsonField(body, "id"), nil
}

// sdkErr adds the sdk sentinel matching an outbox error, so it crosses to
// the plugin as the right status.
func sdkErr(err error) error {
	var ae *outbox.APIError
	switch {
	case outbox.IsUnknownMessage(err):
		return fmt.Errorf("%w: %w", err, sdk.ErrNotFound)
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		return fmt.Errorf("%w: %w", err, sdk.ErrNotFound)
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		return fmt.Errorf("%w: %w", err, sdk.ErrPermission)
	case errors.As(err, &ae) && ae.Status == http.StatusBadRequest:
		return fmt.Errorf("%w: %w", err, sdk.ErrInvalid)
	case errors.Is(err, outbox.ErrQueueFull), errors.Is(err, outbox.ErrRateLimited):
		return fmt.Errorf("%w: %w", err, sdk.ErrBusy)
	case errors.Is(err, outbox.ErrClosed):
		return fmt.Errorf("%w: %w", err, sdk.ErrUnavailable)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", err, sdk.ErrTimeout)
	}
	return fmt.Errorf("%w: %w", err, sdk.ErrUnavailable)
}

// DiscordInfo returns the commands of the active plugins that in's user
// may use where in happened (the level computed by the host's policy, not
// taken from in), and the gateway and REST latencies: the REST one is
// measured with a GET /gateway made for the call.
func (b *Bot) DiscordInfo(ctx context.Context, pluginID string, in sdk.Interaction) (sdk.DiscordInfo, error) {
	var out sdk.DiscordInfo
	level := b.policy.Load().Level(policy.Who{GuildID: in.GuildID, ChannelID: in.ChannelID, UserID: in.User.ID, RoleIDs: in.RoleIDs}).Level
	for id, mf := range b.cfg.Plugins.ActiveManifests() {
		for _, c := range mf.Commands {
			need := max(c.Level, sdk.LevelView)
			if level.Allows(need) {
				out.Commands = append(out.Commands, sdk.CommandSummary{
					Plugin: id, Name: c.Name, Description: c.Description, DescriptionLocalizations: c.DescriptionLocalizations, Level: need,
				})
			}
		}
	}
	slices.SortFunc(out.Commands, func(a, b sdk.CommandSummary) int { return strings.Compare(a.Name, b.Name) })
	if dg := b.session.Load(); dg != nil {
		out.GatewayLatency = max(dg.HeartbeatLatency(), 0)
	}
	start := time.Now()
	if _, err := b.out.Do(ctx, outbox.Request{Method: http.MethodGet, Path: "/gateway"}); err != nil {
		return out, fmt.Errorf("discord info for %s: measure REST latency: %w", pluginID, sdkErr(err))
	}
	out.RESTLatency = time.Since(start)
	return out, nil
}

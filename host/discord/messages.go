package discord

import (
	"encoding/json"

	"github.com/bwmarrin/discordgo"

	"github.com/ddc-go/ddc/sdk"
)

// Publisher takes the host's events for plugins (the plugin bus).
type Publisher interface {
	Publish(ev sdk.Event) (int, error)
}

// messageCreated tells plugins that a message was written in a guild
// channel: where, by whom and when, never its content. Direct messages
// and messages without an author are not told.
func (b *Bot) messageCreated(m *discordgo.Message) {
	if b.cfg.Events == nil || m == nil || m.GuildID == "" || m.ChannelID == "" || m.Author == nil {
		return
	}
	self, _ := b.botID.Load().(string)
	ev := sdk.DiscordMessageEvent{
		GuildID: m.GuildID, ChannelID: m.ChannelID, MessageID: m.ID, AuthorID: m.Author.ID,
		AuthorIsBot: m.Author.Bot || m.WebhookID != "", Self: self != "" && m.Author.ID == self,
		Time: m.Timestamp.UTC(),
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		b.log.Error("encode discord message event", "channel", m.ChannelID, "message", m.ID, "error", err)
		return
	}
	if _, err := b.cfg.Events.Publish(sdk.Event{Topic: sdk.TopicDiscordMessage, Payload: raw, Source: "host"}); err != nil {
		b.log.Warn("publish discord message event", "channel", m.ChannelID, "message", m.ID, "error", err)
	}
}

package discord

import (
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ddc-go/ddc/sdk"
)

// Discord message flags the host sets.
const flagEphemeral = 1 << 6

// messagePayload is a message as Discord's REST API takes it. Edits send
// every field, so the latest edit replaces the whole message.
type messagePayload struct {
	Content         string          `json:"content"`
	Embeds          []embedJSON     `json:"embeds"`
	Components      []componentJSON `json:"components"`
	Flags           int             `json:"flags,omitempty"`
	AllowedMentions allowedMentions `json:"allowed_mentions"`
}

// allowedMentions keeps plugin messages from pinging anyone.
type allowedMentions struct {
	Parse []string `json:"parse"`
}

type embedJSON struct {
	Title       string      `json:"title,omitempty"`
	Description string      `json:"description,omitempty"`
	URL         string      `json:"url,omitempty"`
	Color       int         `json:"color,omitempty"`
	Fields      []fieldJSON `json:"fields,omitempty"`
	Footer      *footerJSON `json:"footer,omitempty"`
	Timestamp   string      `json:"timestamp,omitempty"`
}

type fieldJSON struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

type footerJSON struct {
	Text string `json:"text"`
}

type componentJSON struct {
	Type        int             `json:"type"`
	Components  []componentJSON `json:"components,omitempty"`
	CustomID    string          `json:"custom_id,omitempty"`
	Label       string          `json:"label,omitempty"`
	Style       int             `json:"style,omitempty"`
	Emoji       *emojiJSON      `json:"emoji,omitempty"`
	URL         string          `json:"url,omitempty"`
	Disabled    bool            `json:"disabled,omitempty"`
	Placeholder string          `json:"placeholder,omitempty"`
	Options     []optionJSON    `json:"options,omitempty"`
	MinValues   *int            `json:"min_values,omitempty"`
	MaxValues   int             `json:"max_values,omitempty"`
	Required    *bool           `json:"required,omitempty"`
	Value       string          `json:"value,omitempty"`
	MaxLength   int             `json:"max_length,omitempty"`
}

type emojiJSON struct {
	Name string `json:"name"`
}

type optionJSON struct {
	Label       string     `json:"label"`
	Value       string     `json:"value"`
	Description string     `json:"description,omitempty"`
	Emoji       *emojiJSON `json:"emoji,omitempty"`
	Default     bool       `json:"default,omitempty"`
}

// toPayload converts a plugin's message to Discord's shape.
func toPayload(m sdk.Message) messagePayload {
	p := messagePayload{Content: m.Content, Embeds: []embedJSON{}, Components: []componentJSON{}, AllowedMentions: allowedMentions{Parse: []string{}}}
	if m.Ephemeral {
		p.Flags = flagEphemeral
	}
	for _, e := range m.Embeds {
		ej := embedJSON{Title: e.Title, Description: e.Description, URL: e.URL, Color: e.Color}
		for _, f := range e.Fields {
			ej.Fields = append(ej.Fields, fieldJSON{Name: f.Name, Value: f.Value, Inline: f.Inline})
		}
		if e.Footer != "" {
			ej.Footer = &footerJSON{Text: e.Footer}
		}
		if !e.Timestamp.IsZero() {
			ej.Timestamp = e.Timestamp.UTC().Format(time.RFC3339)
		}
		p.Embeds = append(p.Embeds, ej)
	}
	for _, row := range m.Components {
		p.Components = append(p.Components, rowJSON(row.Components, false))
	}
	return p
}

func rowJSON(cs []sdk.Component, modal bool) componentJSON {
	row := componentJSON{Type: int(discordgo.ActionsRowComponent)}
	for _, c := range cs {
		row.Components = append(row.Components, componentToJSON(c, modal))
	}
	return row
}

func componentToJSON(c sdk.Component, modal bool) componentJSON {
	out := componentJSON{Type: int(c.Type), CustomID: c.CustomID, Label: c.Label, Disabled: c.Disabled, Placeholder: c.Placeholder}
	if c.Emoji != "" {
		out.Emoji = &emojiJSON{Name: c.Emoji}
	}
	switch c.Type {
	case sdk.ComponentButton:
		out.Style = int(c.Style)
		if out.Style == 0 {
			out.Style = int(sdk.ButtonSecondary)
		}
		if c.Style == sdk.ButtonLink {
			out.URL, out.CustomID = c.URL, ""
		}
	case sdk.ComponentSelect:
		for _, o := range c.Options {
			oj := optionJSON{Label: o.Label, Value: o.Value, Description: o.Description, Default: o.Default}
			if o.Emoji != "" {
				oj.Emoji = &emojiJSON{Name: o.Emoji}
			}
			out.Options = append(out.Options, oj)
		}
		if c.MinValues > 0 {
			v := c.MinValues
			out.MinValues = &v
		}
		out.MaxValues = c.MaxValues
	case sdk.ComponentTextInput:
		out.Style = 1
		if c.Paragraph {
			out.Style = 2
		}
		req := c.Required
		out.Required = &req
		out.Value, out.MaxLength = c.Value, c.MaxLength
		out.Disabled = false
	}
	_ = modal
	return out
}

// modalPayload is a modal as the interaction callback takes it.
type modalPayload struct {
	CustomID   string          `json:"custom_id"`
	Title      string          `json:"title"`
	Components []componentJSON `json:"components"`
}

func toModal(m *sdk.Modal) modalPayload {
	p := modalPayload{CustomID: m.CustomID, Title: m.Title, Components: []componentJSON{}}
	for _, in := range m.Inputs {
		p.Components = append(p.Components, rowJSON([]sdk.Component{in}, true))
	}
	return p
}

// interactionOf builds the plugin's view of who asked and where.
func interactionOf(i *discordgo.Interaction) sdk.Interaction {
	in := sdk.Interaction{ID: i.ID, GuildID: i.GuildID, ChannelID: i.ChannelID, Locale: string(i.Locale)}
	var u *discordgo.User
	if i.Member != nil {
		u = i.Member.User
		in.RoleIDs = append([]string{}, i.Member.Roles...)
		if i.Member.Nick != "" && u != nil {
			in.User.Name = i.Member.Nick
		}
	}
	if u == nil {
		u = i.User
	}
	if u != nil {
		in.User.ID = u.ID
		if in.User.Name == "" {
			in.User.Name = u.GlobalName
		}
		if in.User.Name == "" {
			in.User.Name = u.Username
		}
	}
	return in
}

// commandRequest flattens a slash command's data: the subcommand path and
// the leaf options.
func commandRequest(in sdk.Interaction, d discordgo.ApplicationCommandInteractionData) *sdk.CommandRequest {
	req := &sdk.CommandRequest{Interaction: in, Command: d.Name}
	opts := d.Options
	for len(opts) == 1 && (opts[0].Type == discordgo.ApplicationCommandOptionSubCommand || opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup) {
		req.Subcommand = append(req.Subcommand, opts[0].Name)
		opts = opts[0].Options
	}
	for _, o := range opts {
		req.Options = append(req.Options, optionValue(o))
	}
	return req
}

func optionValue(o *discordgo.ApplicationCommandInteractionDataOption) sdk.OptionValue {
	v := sdk.OptionValue{Name: o.Name, Type: sdk.OptionType(o.Type), Focused: o.Focused}
	switch o.Type {
	case discordgo.ApplicationCommandOptionInteger:
		if f, ok := o.Value.(float64); ok {
			v.Value = int64(f)
		} else {
			v.Value = o.Value
		}
	case discordgo.ApplicationCommandOptionNumber, discordgo.ApplicationCommandOptionBoolean:
		v.Value = o.Value
	default:
		if s, ok := o.Value.(string); ok {
			v.Value = s
		} else {
			v.Value = o.Value
		}
	}
	return v
}

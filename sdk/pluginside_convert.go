package sdk

import (
	"time"

	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// This file converts between the SDK's types and the generated protobuf
// types on the plugin side: what the plugin sends to proto, what it
// receives from proto. Package sdk/grpcplugin holds the host side's
// inverses. Plugin authors never see the protobuf types.

func infoToProto(in Info, handlers []string) *pb.Manifest {
	m := &pb.Manifest{
		Id: in.ID, Name: in.Name, Version: in.Version, ProtocolVersion: ProtocolVersion,
		Description: in.Description, ComponentPrefix: in.ComponentPrefix,
		Subscribes: in.Subscribes, Provides: in.Provides, Calls: in.Calls,
		SettingsSchema: in.SettingsSchema, Capabilities: in.Capabilities, Intents: in.Intents,
		Handlers: handlers,
	}
	if m.ComponentPrefix == "" {
		m.ComponentPrefix = in.ID
	}
	for _, c := range in.Commands {
		m.Commands = append(m.Commands, &pb.Command{
			Name: c.Name, Description: c.Description,
			NameLocalizations: c.NameLocalizations, DescriptionLocalizations: c.DescriptionLocalizations,
			Options: optionsToProto(c.Options), Level: pb.PermissionLevel(c.Level),
		})
	}
	for _, p := range in.Pages {
		m.Pages = append(m.Pages, &pb.WebPage{Path: p.Path, Title: p.Title})
	}
	for _, k := range in.Components {
		m.Components = append(m.Components, &pb.ComponentKind{Kind: k.Kind, Level: pb.PermissionLevel(k.Level)})
	}
	return m
}

func optionsToProto(opts []Option) []*pb.CommandOption {
	var out []*pb.CommandOption
	for _, o := range opts {
		po := &pb.CommandOption{
			Name: o.Name, Description: o.Description, Type: pb.OptionType(o.Type),
			Required: o.Required, Autocomplete: o.Autocomplete, Options: optionsToProto(o.Options),
			NameLocalizations: o.NameLocalizations, DescriptionLocalizations: o.DescriptionLocalizations,
			Level: pb.PermissionLevel(o.Level),
		}
		po.Choices = choicesToProto(o.Choices)
		out = append(out, po)
	}
	return out
}

func choicesToProto(cs []Choice) []*pb.Choice {
	var out []*pb.Choice
	for _, c := range cs {
		out = append(out, &pb.Choice{Name: c.Name, Value: c.Value, NameLocalizations: c.NameLocalizations})
	}
	return out
}

// interactionFromProto converts a handler's interaction; a zero level is
// the lowest level.
func interactionFromProto(c *pb.InteractionContext) Interaction {
	if c == nil {
		return Interaction{}
	}
	in := Interaction{
		ID: c.GetInteractionId(), GuildID: c.GetGuildId(), ChannelID: c.GetChannelId(),
		RoleIDs: c.GetRoleIds(), Locale: c.GetLocale(), Level: Level(c.GetLevel()),
		DefaultLocale: c.GetDefaultLocale(),
	}
	if u := c.GetUser(); u != nil {
		in.User = User{ID: u.GetId(), Name: u.GetName()}
	}
	if in.Level == 0 {
		in.Level = LevelView
	}
	return in
}

// interactionToProto converts in for the wire (Host.Invoke's context).
func interactionToProto(in Interaction) *pb.InteractionContext {
	return &pb.InteractionContext{
		InteractionId: in.ID, GuildId: in.GuildID, ChannelId: in.ChannelID,
		User: &pb.User{Id: in.User.ID, Name: in.User.Name}, RoleIds: in.RoleIDs,
		Locale: in.Locale, Level: pb.PermissionLevel(in.Level), DefaultLocale: in.DefaultLocale,
	}
}

func optionValuesFromProto(vs []*pb.OptionValue) []OptionValue {
	out := make([]OptionValue, 0, len(vs))
	for _, v := range vs {
		ov := OptionValue{Name: v.GetName(), Type: OptionType(v.GetType()), Focused: v.GetFocused()}
		switch x := v.GetValue().(type) {
		case *pb.OptionValue_StringValue:
			ov.Value = x.StringValue
		case *pb.OptionValue_IntValue:
			ov.Value = x.IntValue
		case *pb.OptionValue_DoubleValue:
			ov.Value = x.DoubleValue
		case *pb.OptionValue_BoolValue:
			ov.Value = x.BoolValue
		}
		out = append(out, ov)
	}
	return out
}

func messageToProto(m Message) *pb.Message {
	pm := &pb.Message{Content: m.Content, Ephemeral: m.Ephemeral, Components: rowsToProto(m.Components)}
	for _, e := range m.Embeds {
		pe := &pb.Embed{Title: e.Title, Description: e.Description, Url: e.URL, Color: int32(e.Color), Footer: e.Footer}
		if !e.Timestamp.IsZero() {
			pe.Timestamp = e.Timestamp.UTC().Format(time.RFC3339)
		}
		for _, f := range e.Fields {
			pe.Fields = append(pe.Fields, &pb.EmbedField{Name: f.Name, Value: f.Value, Inline: f.Inline})
		}
		pm.Embeds = append(pm.Embeds, pe)
	}
	return pm
}

func rowsToProto(rows []ActionRow) []*pb.ActionRow {
	var out []*pb.ActionRow
	for _, r := range rows {
		out = append(out, &pb.ActionRow{Components: componentsToProto(r.Components)})
	}
	return out
}

func componentsToProto(cs []Component) []*pb.Component {
	var out []*pb.Component
	for _, c := range cs {
		pc := &pb.Component{
			Type: pb.ComponentType(c.Type), CustomId: c.CustomID, Label: c.Label, Style: pb.ButtonStyle(c.Style),
			Emoji: c.Emoji, Url: c.URL, Disabled: c.Disabled, Placeholder: c.Placeholder,
			MinValues: int32(c.MinValues), MaxValues: int32(c.MaxValues), Paragraph: c.Paragraph,
			Required: c.Required, Value: c.Value, MaxLength: int32(c.MaxLength),
		}
		for _, o := range c.Options {
			pc.Options = append(pc.Options, &pb.SelectOption{Label: o.Label, Value: o.Value, Description: o.Description, Emoji: o.Emoji, Default: o.Default})
		}
		out = append(out, pc)
	}
	return out
}

func responseToProto(r *Response) *pb.Response {
	if r == nil {
		return &pb.Response{Message: &pb.Message{}}
	}
	pr := &pb.Response{Message: messageToProto(r.Message), Update: r.Update}
	if r.Modal != nil {
		pr.Modal = &pb.Modal{CustomId: r.Modal.CustomID, Title: r.Modal.Title}
		for _, in := range r.Modal.Inputs {
			if in.Type == 0 {
				in.Type = ComponentTextInput
			}
			pr.Modal.Components = append(pr.Modal.Components, &pb.ActionRow{Components: componentsToProto([]Component{in})})
		}
	}
	return pr
}

func auditToProto(e AuditEntry) *pb.AuditEntry {
	return &pb.AuditEntry{
		UserId: e.UserID, UserName: e.UserName, GuildId: e.GuildID, ChannelId: e.ChannelID,
		Action: e.Action, Target: e.Target, Result: e.Result, Detail: e.Detail,
	}
}

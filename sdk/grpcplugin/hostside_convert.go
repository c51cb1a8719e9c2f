package grpcplugin

import (
	"time"

	"github.com/ddc-go/ddc/sdk"
	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// This file converts between the SDK's types and the generated protobuf
// types on the host side: what the host sends to proto, what it receives
// from proto. They are the inverses of package sdk's plugin-side
// conversions; the round-trip tests send every field through both.

func manifestFromProto(m *pb.Manifest) Manifest {
	out := Manifest{ProtocolVersion: int(m.GetProtocolVersion()), Handlers: m.GetHandlers()}
	out.ID, out.Name, out.Version, out.Description = m.GetId(), m.GetName(), m.GetVersion(), m.GetDescription()
	out.ComponentPrefix, out.SettingsSchema, out.Intents = m.GetComponentPrefix(), m.GetSettingsSchema(), m.GetIntents()
	out.Subscribes, out.Provides, out.Calls, out.Capabilities = m.GetSubscribes(), m.GetProvides(), m.GetCalls(), m.GetCapabilities()
	for _, c := range m.GetCommands() {
		out.Commands = append(out.Commands, sdk.Command{
			Name: c.GetName(), Description: c.GetDescription(), NameLocalizations: c.GetNameLocalizations(),
			DescriptionLocalizations: c.GetDescriptionLocalizations(), Options: optionsFromProto(c.GetOptions()),
			Level: sdk.Level(c.GetLevel()),
		})
	}
	for _, p := range m.GetPages() {
		out.Pages = append(out.Pages, sdk.Page{Path: p.GetPath(), Title: p.GetTitle()})
	}
	for _, k := range m.GetComponents() {
		out.Components = append(out.Components, sdk.ComponentKind{Kind: k.GetKind(), Level: sdk.Level(k.GetLevel())})
	}
	return out
}

func optionsFromProto(opts []*pb.CommandOption) []sdk.Option {
	var out []sdk.Option
	for _, o := range opts {
		out = append(out, sdk.Option{
			Name: o.GetName(), Description: o.GetDescription(), Type: sdk.OptionType(o.GetType()),
			Required: o.GetRequired(), Autocomplete: o.GetAutocomplete(), Options: optionsFromProto(o.GetOptions()),
			NameLocalizations: o.GetNameLocalizations(), DescriptionLocalizations: o.GetDescriptionLocalizations(),
			Level: sdk.Level(o.GetLevel()), Choices: choicesFromProto(o.GetChoices()),
		})
	}
	return out
}

func choicesFromProto(cs []*pb.Choice) []sdk.Choice {
	var out []sdk.Choice
	for _, c := range cs {
		out = append(out, sdk.Choice{Name: c.GetName(), Value: c.GetValue(), NameLocalizations: c.GetNameLocalizations()})
	}
	return out
}

// interactionToProto converts a handler's interaction for the wire.
func interactionToProto(in sdk.Interaction) *pb.InteractionContext {
	return &pb.InteractionContext{
		InteractionId: in.ID, GuildId: in.GuildID, ChannelId: in.ChannelID,
		User: &pb.User{Id: in.User.ID, Name: in.User.Name}, RoleIds: in.RoleIDs,
		Locale: in.Locale, Level: pb.PermissionLevel(in.Level), DefaultLocale: in.DefaultLocale,
	}
}

// interactionFromProto converts the interaction a plugin's Host.Invoke
// forwards; a zero level is the lowest level.
func interactionFromProto(c *pb.InteractionContext) sdk.Interaction {
	in := sdk.Interaction{
		ID: c.GetInteractionId(), GuildID: c.GetGuildId(), ChannelID: c.GetChannelId(),
		RoleIDs: c.GetRoleIds(), Locale: c.GetLocale(), Level: sdk.Level(c.GetLevel()),
		DefaultLocale: c.GetDefaultLocale(),
	}
	if u := c.GetUser(); u != nil {
		in.User = sdk.User{ID: u.GetId(), Name: u.GetName()}
	}
	if in.Level == 0 {
		in.Level = sdk.LevelView
	}
	return in
}

func optionValuesToProto(vs []sdk.OptionValue) []*pb.OptionValue {
	out := make([]*pb.OptionValue, 0, len(vs))
	for _, v := range vs {
		pv := &pb.OptionValue{Name: v.Name, Type: pb.OptionType(v.Type), Focused: v.Focused}
		switch x := v.Value.(type) {
		case string:
			pv.Value = &pb.OptionValue_StringValue{StringValue: x}
		case int:
			pv.Value = &pb.OptionValue_IntValue{IntValue: int64(x)}
		case int64:
			pv.Value = &pb.OptionValue_IntValue{IntValue: x}
		case float64:
			pv.Value = &pb.OptionValue_DoubleValue{DoubleValue: x}
		case bool:
			pv.Value = &pb.OptionValue_BoolValue{BoolValue: x}
		}
		out = append(out, pv)
	}
	return out
}

func messageFromProto(pm *pb.Message) sdk.Message {
	if pm == nil {
		return sdk.Message{}
	}
	m := sdk.Message{Content: pm.GetContent(), Ephemeral: pm.GetEphemeral(), Components: rowsFromProto(pm.GetComponents())}
	for _, pe := range pm.GetEmbeds() {
		e := sdk.Embed{Title: pe.GetTitle(), Description: pe.GetDescription(), URL: pe.GetUrl(), Color: int(pe.GetColor()), Footer: pe.GetFooter()}
		if ts, err := time.Parse(time.RFC3339, pe.GetTimestamp()); err == nil {
			e.Timestamp = ts
		}
		for _, f := range pe.GetFields() {
			e.Fields = append(e.Fields, sdk.Field{Name: f.GetName(), Value: f.GetValue(), Inline: f.GetInline()})
		}
		m.Embeds = append(m.Embeds, e)
	}
	return m
}

func rowsFromProto(rows []*pb.ActionRow) []sdk.ActionRow {
	var out []sdk.ActionRow
	for _, r := range rows {
		out = append(out, sdk.ActionRow{Components: componentsFromProto(r.GetComponents())})
	}
	return out
}

func componentsFromProto(pcs []*pb.Component) []sdk.Component {
	var out []sdk.Component
	for _, pc := range pcs {
		c := sdk.Component{
			Type: sdk.ComponentType(pc.GetType()), CustomID: pc.GetCustomId(), Label: pc.GetLabel(), Style: sdk.ButtonStyle(pc.GetStyle()),
			Emoji: pc.GetEmoji(), URL: pc.GetUrl(), Disabled: pc.GetDisabled(), Placeholder: pc.GetPlaceholder(),
			MinValues: int(pc.GetMinValues()), MaxValues: int(pc.GetMaxValues()), Paragraph: pc.GetParagraph(),
			Required: pc.GetRequired(), Value: pc.GetValue(), MaxLength: int(pc.GetMaxLength()),
		}
		for _, o := range pc.GetOptions() {
			c.Options = append(c.Options, sdk.SelectOption{Label: o.GetLabel(), Value: o.GetValue(), Description: o.GetDescription(), Emoji: o.GetEmoji(), Default: o.GetDefault()})
		}
		out = append(out, c)
	}
	return out
}

func responseFromProto(pr *pb.Response) *sdk.Response {
	if pr == nil {
		return nil
	}
	r := &sdk.Response{Message: messageFromProto(pr.GetMessage()), Update: pr.GetUpdate()}
	if pm := pr.GetModal(); pm != nil {
		r.Modal = &sdk.Modal{CustomID: pm.GetCustomId(), Title: pm.GetTitle()}
		for _, row := range pm.GetComponents() {
			r.Modal.Inputs = append(r.Modal.Inputs, componentsFromProto(row.GetComponents())...)
		}
	}
	return r
}

func auditFromProto(e *pb.AuditEntry) sdk.AuditEntry {
	return sdk.AuditEntry{
		UserID: e.GetUserId(), UserName: e.GetUserName(), GuildID: e.GetGuildId(), ChannelID: e.GetChannelId(),
		Action: e.GetAction(), Target: e.GetTarget(), Result: e.GetResult(), Detail: e.GetDetail(),
	}
}

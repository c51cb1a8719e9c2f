package panels

import (
	"context"

	"github.com/ddc-go/ddc/sdk"
)

// commands returns the slash commands the plugin owns, described in every
// language of the catalog.
func commands() []sdk.Command {
	cat, en := catalog(), catalog().Lang("en")
	cmd := func(name, desc string, level sdk.Level) sdk.Command {
		return sdk.Command{
			Name: name, Description: en.T(desc), DescriptionLocalizations: cat.Localizations(desc), Level: level,
		}
	}
	return []sdk.Command{
		cmd("serverstatus", "describe.serverstatus", sdk.LevelView),
		cmd("ss", "describe.serverstatus", sdk.LevelView),
		cmd("control", "describe.control", sdk.LevelControl),
	}
}

// HandleCommand posts an overview in the channel: /serverstatus and /ss
// the server overview, /control the admin overview. The overview is a
// channel message, not the reply, and replaces the channel's previous one.
func (p *Plugin) HandleCommand(_ context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	tr := catalog().For(req.Interaction)
	k := kindStatus
	switch req.Command {
	case "serverstatus", "ss":
	case "control":
		k = kindControl
	default:
		return nil, sdk.Errorf("%s", tr.T("error.unknown_command", "Name", req.Command))
	}
	if req.ChannelID == "" || req.GuildID == "" {
		return nil, sdk.Errorf("%s", tr.T("error.guild_only"))
	}
	p.mu.Lock()
	if !p.started {
		p.mu.Unlock()
		return nil, sdk.Errorf("%s", tr.T("error.not_started"))
	}
	collapsed := p.set.channel(req.ChannelID).Collapsed
	if o, ok := p.overviews[req.ChannelID]; ok {
		collapsed = o.rec.Collapsed
	}
	p.startOverviewLocked(req.ChannelID, record{Kind: k, Collapsed: collapsed}, true)
	p.kickLocked(p.statsKick)
	p.mu.Unlock()
	return sdk.Ephemeral(tr.T("overview.posted")), nil
}

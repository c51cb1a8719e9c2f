package panels

import (
	"context"
	"fmt"
	"strings"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
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
		cmd("help", "describe.help", sdk.LevelView),
		cmd("ping", "describe.ping", sdk.LevelView),
	}
}

// HandleCommand posts an overview in the channel: /serverstatus and /ss
// the server overview, /control the admin overview. The overview is a
// channel message, not the reply, and replaces the channel's previous one.
func (p *Plugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	tr := catalog().For(req.Interaction)
	k := kindStatus
	switch req.Command {
	case "help":
		return p.help(ctx, tr, req)
	case "ping":
		return p.ping(ctx, tr)
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

// help lists the commands of the running plugins the user may use in this
// channel, as the host's policy decides, in the user's language.
func (p *Plugin) help(ctx context.Context, tr i18n.Translator, req *sdk.CommandRequest) (*sdk.Response, error) {
	info, err := p.host.DiscordInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("list commands for /help: %w", err)
	}
	var b strings.Builder
	for _, c := range info.Commands {
		desc := c.Description
		if d, ok := c.DescriptionLocalizations[req.Locale]; ok && d != "" {
			desc = d
		}
		line := "`/" + c.Name + "` · " + cut(desc, 100) + "\n"
		if b.Len()+len(line) > 3900 {
			break
		}
		b.WriteString(line)
	}
	if b.Len() == 0 {
		b.WriteString(tr.T("help.none"))
	}
	e := sdk.Embed{Title: tr.T("help.title"), Description: strings.TrimRight(b.String(), "\n"), Color: colorNeutral,
		Footer: tr.T("help.footer", "Level", tr.T("level."+req.Level.String()))}
	return &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{e}, Ephemeral: true}}, nil
}

// ping shows the host's gateway and REST latencies.
func (p *Plugin) ping(ctx context.Context, tr i18n.Translator) (*sdk.Response, error) {
	info, err := p.host.DiscordInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("measure latency for /ping: %w", err)
	}
	return sdk.Ephemeral("🏓 " + tr.T("ping.text", "Gateway", info.GatewayLatency.Milliseconds(), "REST", info.RESTLatency.Milliseconds())), nil
}

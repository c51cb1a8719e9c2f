package panels

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// actionTimeout bounds a start, stop or restart run from a control panel
// after its click was answered.
const actionTimeout = 5 * time.Minute

// HandleComponent answers the overviews' selects and buttons and the
// control panels' buttons. Custom ids are "panels:<kind>:<args>".
func (p *Plugin) HandleComponent(ctx context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
	tr := catalog().For(req.Interaction)
	kind, arg, _ := strings.Cut(strings.TrimPrefix(req.CustomID, PluginID+":"), ":")
	// The host checks the declared level of every kind; checked here too,
	// so that a host that does not cannot let a viewer act.
	if need := levelOf(kind); req.Level != 0 && !req.Level.Allows(need) {
		return nil, sdk.Errorf("⛔ %s: %w", tr.T("error.level", "Level", tr.T("level."+need.String())), sdk.ErrPermission)
	}
	switch kind {
	case "toggle":
		return p.toggle(ctx, tr, req)
	case "info", "pick":
		if len(req.Values) != 1 {
			return nil, sdk.Errorf("%s", tr.T("error.pick_one"))
		}
		if kind == "info" {
			return p.info(ctx, tr, req.Values[0])
		}
		return p.panel(ctx, tr, req.Values[0], "", false)
	case "infob":
		return p.info(ctx, tr, arg)
	case "pinfo":
		if arg == "" {
			return nil, sdk.Errorf("%s", tr.T("error.unknown_button"))
		}
		return passwordForm(tr, arg), nil
	case "do":
		op, ref, _ := strings.Cut(arg, ":")
		return p.do(ctx, tr, req, api.Op(op), ref)
	case "logs":
		ref, refresh := strings.CutPrefix(arg, "r:")
		return p.logs(ctx, tr, ref, refresh)
	case "live":
		return p.live(ctx, tr, req, arg)
	case "all":
		return p.confirmAll(tr, api.Op(arg))
	case "confirm":
		return p.startAll(ctx, tr, req, api.Op(arg))
	case "cancel":
		return &sdk.Response{Update: true, Message: sdk.Message{Content: tr.T("bulk.cancelled"), Ephemeral: true}}, nil
	}
	return nil, sdk.Errorf("%s", tr.T("error.unknown_button"))
}

// levelOf is the level a component kind needs; unknown kinds need admin.
func levelOf(kind string) sdk.Level {
	for _, k := range componentKinds() {
		if k.Kind == kind {
			return k.Level
		}
	}
	return sdk.LevelAdmin
}

// toggle collapses or expands the overview of the channel: the clicked
// message is updated in the answer, the others by the overview's worker.
func (p *Plugin) toggle(ctx context.Context, tr i18n.Translator, req *sdk.ComponentRequest) (*sdk.Response, error) {
	p.mu.Lock()
	o, ok := p.overviews[req.ChannelID]
	if !ok || !containsID(o.rec.IDs, req.MessageID) {
		p.mu.Unlock()
		return nil, sdk.Errorf("%s", tr.T("error.old_overview"))
	}
	o.rec.Collapsed = !o.rec.Collapsed
	rec := o.rec
	snap := p.snapshotLocked()
	o.wake()
	if !rec.Collapsed {
		p.kickLocked(p.statsKick)
	}
	p.mu.Unlock()
	if err := p.store(ctx, req.ChannelID, rec); err != nil {
		p.log.Warn("save collapsed state", "error", err)
	}
	msgs := render(p.translatorNow(), rec.Kind, rec.Collapsed, snap.snapshot)
	i := slices.Index(rec.IDs, req.MessageID)
	if i < 0 || i >= len(msgs) {
		return sdk.Ephemeral("✅"), nil
	}
	return &sdk.Response{Update: true, Message: msgs[i]}, nil
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// find returns the container ref names, as the tracker knows it.
func (p *Plugin) find(tr i18n.Translator, ref string) (api.ContainerInfo, error) {
	p.mu.Lock()
	c, ok := p.tracker.Find(ref)
	p.mu.Unlock()
	if !ok {
		return c, sdk.Errorf("%s: %w", tr.T("error.no_container", "Name", cut(ref, 80)), sdk.ErrNotFound)
	}
	return c, nil
}

// info shows a container's info text and address, with a button that
// opens the password form of its protected info (see HandleModal).
func (p *Plugin) info(ctx context.Context, tr i18n.Translator, ref string) (*sdk.Response, error) {
	c, err := api.Inspect(ctx, p.host, ref)
	if err != nil {
		return nil, userErr(tr, err)
	}
	e := sdk.Embed{Title: "ℹ️ " + cut(c.DisplayName, 200), Description: cut(c.Info, 4000), Color: colorNeutral}
	if c.Info == "" {
		e.Description = tr.T("info.none")
	}
	if c.IPPort != "" {
		e.Fields = append(e.Fields, sdk.Field{Name: tr.T("info.address"), Value: "`" + cut(c.IPPort, 200) + "`"})
	}
	e.Fields = append(e.Fields, sdk.Field{Name: tr.T("info.state"), Value: emoji(c) + " " + stateText(tr, c), Inline: true})
	m := sdk.Message{Embeds: []sdk.Embed{e}, Ephemeral: true}
	if c.HasProtectedInfo {
		m.Components = []sdk.ActionRow{sdk.Row(protectedButton(tr, c))}
	}
	return &sdk.Response{Message: m}, nil
}

// panel is the ephemeral control panel of one container, with buttons for
// its allowed actions only. note is shown above them; pending disables
// them while an action runs.
func (p *Plugin) panel(_ context.Context, tr i18n.Translator, ref, note string, update bool) (*sdk.Response, error) {
	c, err := p.find(tr, ref)
	if err != nil {
		return nil, err
	}
	m := panelMessage(tr, c, p.statsOf(c), note, false)
	return &sdk.Response{Message: m, Update: update}, nil
}

// statsOf returns c's last sampled stats when it shows them and runs, or
// nil.
func (p *Plugin) statsOf(c api.ContainerInfo) *api.StatsResult {
	if !c.ShowStats || !c.Reachable || c.State != api.StateRunning {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.stats[c.Container]
	if !ok {
		return nil
	}
	return &st
}

// panelMessage draws a control panel.
func panelMessage(tr i18n.Translator, c api.ContainerInfo, st *api.StatsResult, note string, pending bool) sdk.Message {
	e := sdk.Embed{Title: emoji(c) + " " + cut(c.DisplayName, 200), Color: color([]api.ContainerInfo{c})}
	e.Fields = append(e.Fields, sdk.Field{Name: tr.T("info.state"), Value: stateText(tr, c), Inline: true})
	if c.ShowStats && !c.StartedAt.IsZero() && c.State == api.StateRunning {
		e.Fields = append(e.Fields, sdk.Field{Name: tr.T("panel.uptime"), Value: uptime(time.Since(c.StartedAt)), Inline: true})
	}
	if st != nil && st.Running {
		e.Fields = append(e.Fields,
			sdk.Field{Name: tr.T("panel.cpu"), Value: fmt.Sprintf("%.1f %%", st.CPUPercent), Inline: true},
			sdk.Field{Name: tr.T("panel.memory"), Value: bytesText(st.MemoryBytes), Inline: true})
	}
	if c.Protected {
		e.Fields = append(e.Fields, sdk.Field{Name: "🛡️", Value: tr.T("panel.protected")})
	}
	e.Description = cut(note, 2000)
	var btns []sdk.Component
	add := func(op, label, emo string, style sdk.ButtonStyle) {
		btns = append(btns, sdk.Component{
			Type: sdk.ComponentButton, CustomID: "panels:do:" + op + ":" + c.Container, Label: label, Emoji: emo, Style: style, Disabled: pending,
		})
	}
	if c.Allows(api.OpStart) && !c.State.Up() {
		add("start", tr.T("button.start"), "▶️", sdk.ButtonSuccess)
	}
	if c.Allows(api.OpStop) && c.State.Up() {
		add("stop", tr.T("button.stop"), "⏹️", sdk.ButtonDanger)
	}
	if c.Allows(api.OpRestart) {
		add("restart", tr.T("button.restart"), "🔄", sdk.ButtonPrimary)
	}
	if c.Can(api.OpLogs) {
		btns = append(btns, sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:logs:" + c.Container, Label: tr.T("button.logs"), Emoji: "📜", Style: sdk.ButtonSecondary, Disabled: pending})
	}
	if c.HasInfo || c.HasProtectedInfo {
		btns = append(btns, sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:infob:" + c.Container, Label: tr.T("button.info"), Emoji: "ℹ️", Style: sdk.ButtonSecondary, Disabled: pending})
	}
	m := sdk.Message{Embeds: []sdk.Embed{e}, Ephemeral: true}
	if len(btns) > 0 {
		m.Components = []sdk.ActionRow{sdk.Row(btns...)}
	}
	return m
}

// do runs start, stop or restart from a control panel: the panel shows
// it pending at once; the real outcome follows as a new panel when the
// containers plugin has confirmed it.
func (p *Plugin) do(ctx context.Context, tr i18n.Translator, req *sdk.ComponentRequest, op api.Op, ref string) (*sdk.Response, error) {
	if !op.Changes() {
		return nil, sdk.Errorf("%s", tr.T("error.unknown_button"))
	}
	c, err := p.find(tr, ref)
	if err != nil {
		return nil, err
	}
	if !c.Allows(op) {
		return nil, sdk.Errorf("%s: %w", tr.T("error.not_allowed", "Name", cut(c.DisplayName, 80), "Action", tr.T("op."+string(op))), sdk.ErrPermission)
	}
	// The action outlives this call; WithoutCancel keeps the interaction,
	// so the containers plugin checks the user's level and audits it.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), actionTimeout)
	go func() {
		defer cancel()
		res, err := api.Do(actx, p.host, op, c.Container)
		note := outcome(tr, op, c, res, err)
		now, ferr := p.find(tr, c.Container)
		if ferr != nil {
			now = c
		}
		m := panelMessage(tr, now, nil, note, false)
		if _, err := p.host.Followup(actx, req.ID, m); err != nil {
			p.log.Warn("send action outcome", "container", c.Container, "error", err)
		}
	}()
	pending := "⏳ " + tr.T("panel.pending", "Action", tr.T("op."+string(op)), "Name", cut(c.DisplayName, 80))
	return &sdk.Response{Update: true, Message: panelMessage(tr, c, nil, pending, true)}, nil
}

// outcome says how an action ended.
func outcome(tr i18n.Translator, op api.Op, c api.ContainerInfo, res api.ActionResult, err error) string {
	name := cut(c.DisplayName, 80)
	switch {
	case err != nil:
		return "❌ " + tr.T("panel.failed", "Action", tr.T("op."+string(op)), "Name", name, "Error", cut(userText(err), 500))
	case !res.OK:
		return "❌ " + tr.T("panel.failed", "Action", tr.T("op."+string(op)), "Name", name, "Error", cut(res.Detail, 500))
	case !res.Changed:
		return "ℹ️ " + tr.T("panel.unchanged", "Name", name)
	}
	return "✅ " + tr.T("panel.done_"+string(op), "Name", name, "Seconds", fmt.Sprintf("%.1f", float64(res.DurationMS)/1000))
}

// userText is an error's message for users.
func userText(err error) string {
	if msg, ok := sdk.UserMessage(err); ok {
		return msg
	}
	return err.Error()
}

// userErr turns an error of the containers plugin into one for the user.
func userErr(tr i18n.Translator, err error) error {
	if _, ok := sdk.UserMessage(err); ok {
		return err
	}
	if errors.Is(err, sdk.ErrNotFound) {
		return sdk.Errorf("%s: %w", tr.T("error.gone"), err)
	}
	return fmt.Errorf("ask the containers plugin: %w", err)
}

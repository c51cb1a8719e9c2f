package panels

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// Live logs: refreshed every liveEvery for liveFor, as DockerDiscordControl
// does.
const (
	liveEvery = 5 * time.Second
	liveFor   = time.Minute
	maxLogLen = 3900 // characters of logs in one embed description
)

// alwaysSecret are the key words whose values are always masked.
var alwaysSecret = []string{"PASSWORD", "PASSWD", "TOKEN", "SECRET", "API_KEY", "APIKEY"}

// masker masks the values of secret keys in KEY=value and KEY: value.
type masker struct{ re *regexp.Regexp }

// newMasker masks keys containing any of the built-in words and keys
// equal to one of extra (case-insensitive).
func newMasker(extra []string) masker {
	var alts []string
	for _, w := range alwaysSecret {
		alts = append(alts, `[A-Za-z0-9_.-]*`+regexp.QuoteMeta(w)+`[A-Za-z0-9_.-]*`)
	}
	for _, k := range extra {
		if k = strings.TrimSpace(k); k != "" {
			alts = append(alts, regexp.QuoteMeta(k))
		}
	}
	re := regexp.MustCompile(`(?i)\b(` + strings.Join(alts, "|") + `)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)`)
	return masker{re: re}
}

// mask replaces the secret values in s with ****.
func (m masker) mask(s string) string { return m.re.ReplaceAllString(s, "$1$2****") }

// logText is the last lines that fit, masked, in a code block.
func (p *Plugin) logText(ctx context.Context, tr i18n.Translator, ref string) (api.ContainerInfo, string, error) {
	c, err := p.find(tr, ref)
	if err != nil {
		return c, "", err
	}
	if !c.Can(api.OpLogs) {
		return c, "", sdk.Errorf("%s: %w", tr.T("error.not_allowed", "Name", cut(c.DisplayName, 80), "Action", tr.T("op.logs")), sdk.ErrPermission)
	}
	p.mu.Lock()
	n, secrets := p.set.LogLines, slices.Clone(p.set.SecretKeys)
	p.mu.Unlock()
	res, err := api.Logs(ctx, p.host, c.Container, n)
	if err != nil {
		return c, "", userErr(tr, err)
	}
	m := newMasker(secrets)
	var kept []string
	size := 0
	for i := len(res.Lines) - 1; i >= 0; i-- {
		l := m.mask(strings.ReplaceAll(res.Lines[i], "```", "'''"))
		l = cut(l, 300)
		if size+len([]rune(l))+1 > maxLogLen-10 {
			break
		}
		kept = append(kept, l)
		size += len([]rune(l)) + 1
	}
	slices.Reverse(kept)
	if len(kept) == 0 {
		return c, tr.T("logs.empty"), nil
	}
	return c, "```\n" + strings.Join(kept, "\n") + "\n```", nil
}

// logsMessage draws a logs reply.
func logsMessage(tr i18n.Translator, c api.ContainerInfo, text string, live bool) sdk.Message {
	e := sdk.Embed{Title: "📜 " + cut(c.DisplayName, 200), Description: text, Color: colorNeutral}
	m := sdk.Message{Embeds: []sdk.Embed{e}}
	if live {
		e.Footer = tr.T("logs.live")
		m.Embeds[0] = e
		return m
	}
	m.Components = []sdk.ActionRow{sdk.Row(
		sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:logs:r:" + c.Container, Label: tr.T("button.refresh"), Emoji: "🔄", Style: sdk.ButtonSecondary},
		sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:live:" + c.Container, Label: tr.T("button.live"), Emoji: "📡", Style: sdk.ButtonSecondary},
	)}
	return m
}

// logs answers the logs button (a new ephemeral reply) and its refresh
// button (the reply updated in place).
func (p *Plugin) logs(ctx context.Context, tr i18n.Translator, ref string, refresh bool) (*sdk.Response, error) {
	c, text, err := p.logText(ctx, tr, ref)
	if err != nil {
		return nil, err
	}
	m := logsMessage(tr, c, text, false)
	m.Ephemeral = true
	return &sdk.Response{Message: m, Update: refresh}, nil
}

// live posts the logs in the (control) channel and refreshes them every
// liveEvery for liveFor: an ephemeral reply cannot be edited once its
// interaction is answered.
func (p *Plugin) live(ctx context.Context, tr i18n.Translator, req *sdk.ComponentRequest, ref string) (*sdk.Response, error) {
	c, text, err := p.logText(ctx, tr, ref)
	if err != nil {
		return nil, err
	}
	id, err := p.host.Send(ctx, req.ChannelID, logsMessage(tr, c, text, true))
	if err != nil {
		return nil, userErr(tr, err)
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), liveFor+30*time.Second)
	go func() {
		defer cancel()
		t := time.NewTicker(liveEvery)
		defer t.Stop()
		end := time.Now().Add(liveFor)
		for time.Now().Before(end) {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
			}
			nc, ntext, err := p.logText(lctx, tr, ref)
			if err != nil {
				p.log.Debug("live logs", "container", ref, "error", err)
				continue
			}
			c, text = nc, ntext
			if err := p.host.Edit(lctx, req.ChannelID, id, logsMessage(tr, c, text, time.Now().Before(end))); err != nil {
				p.log.Debug("live logs edit", "error", err)
				return
			}
		}
		_ = p.host.Edit(lctx, req.ChannelID, id, logsMessage(tr, c, text, false))
	}()
	return sdk.Ephemeral("📡 " + tr.T("logs.live_started")), nil
}

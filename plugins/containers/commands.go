package containers

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// Embed colours.
const (
	colorGreen  = 0x2ECC71
	colorRed    = 0xE74C3C
	colorYellow = 0xF1C40F
	colorGrey   = 0x95A5A6
)

// maxChoices is Discord's limit of autocomplete choices.
const maxChoices = 25

// commands returns the slash commands the plugin owns, described in every
// language of the catalog.
func commands() []sdk.Command {
	cat, en := catalog(), english()
	name := sdk.Option{
		Name: "name", Description: en.T("describe.name"), Type: sdk.OptionString, Required: true, Autocomplete: true,
		NameLocalizations:        cat.Localizations("command.name"),
		DescriptionLocalizations: cat.Localizations("describe.name"),
	}
	sub := func(n, desc string, level sdk.Level, opts ...sdk.Option) sdk.Option {
		return sdk.Option{
			Name: n, Description: en.T(desc), Type: sdk.OptionSubcommand, Level: level, Options: opts,
			DescriptionLocalizations: cat.Localizations(desc),
		}
	}
	lines := []any{"Max", api.MaxLogLines, "Default", api.DefaultLogLines}
	return []sdk.Command{
		{
			Name: "container", Description: en.T("describe.container"),
			NameLocalizations:        cat.Localizations("command.container"),
			DescriptionLocalizations: cat.Localizations("describe.container"),
			Level:                    sdk.LevelView,
			Options: []sdk.Option{
				sub("start", "describe.start", sdk.LevelControl, name),
				sub("stop", "describe.stop", sdk.LevelControl, name),
				sub("restart", "describe.restart", sdk.LevelControl, name),
				sub("logs", "describe.logs", sdk.LevelView, name, sdk.Option{
					Name: "lines", Description: en.T("describe.lines", lines...), Type: sdk.OptionInteger,
					NameLocalizations:        cat.Localizations("command.lines"),
					DescriptionLocalizations: cat.Localizations("describe.lines", lines...),
				}),
				sub("info", "describe.info_sub", sdk.LevelView, name),
				sub("list", "describe.list", sdk.LevelView),
				sub("stats", "describe.stats", sdk.LevelView, name),
			},
		},
		{
			Name: "info", Description: en.T("describe.info"),
			DescriptionLocalizations: cat.Localizations("describe.info"),
			Level:                    sdk.LevelView,
			Options: []sdk.Option{{
				Name: "container", Description: en.T("describe.name"), Type: sdk.OptionString, Required: true, Autocomplete: true,
				NameLocalizations:        cat.Localizations("command.container"),
				DescriptionLocalizations: cat.Localizations("describe.name"),
			}},
		},
	}
}

// HandleCommand answers /container and /info in the user's language.
func (p *Plugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	tr := catalog().For(req.Interaction)
	who := caller{in: &req.Interaction}
	switch {
	case req.Command == "info":
		return p.infoReply(ctx, tr, who, req.String("container"), false)
	case req.Command != "container":
		return nil, failure(tr, refuse(sdk.ErrUnsupported, "error.unknown_command", "Command", req.Command))
	}
	ref := req.String("name")
	switch sub := req.Sub(); sub {
	case string(api.OpStart), string(api.OpStop), string(api.OpRestart):
		out, err := p.act(ctx, who, api.Op(sub), ref, 0)
		if err != nil {
			return nil, failure(tr, err)
		}
		return &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{resultEmbed(tr, out)}}}, nil
	case "logs":
		return p.logsReply(ctx, tr, who, ref, int(req.Int("lines")), false)
	case "info":
		return p.infoReply(ctx, tr, who, ref, true)
	case "list":
		return &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{listEmbed(tr, p.list())}}}, nil
	case "stats":
		st, err := p.stats(ctx, who, ref)
		if err != nil {
			return nil, failure(tr, err)
		}
		return &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{statsEmbed(tr, st)}}}, nil
	default:
		return nil, failure(tr, refuse(sdk.ErrUnsupported, "error.unknown_command", "Command", "container "+sub))
	}
}

// failure makes err reach the user as a message in tr's language: its
// own, or an apology when it is not meant for users (the cause goes to
// the log).
func failure(tr i18n.Translator, err error) error {
	return &sdk.UserError{Msg: "❌ " + userText(tr, err), Err: err}
}

// HandleAutocomplete suggests up to 25 containers the user may see (and,
// for start, stop and restart, act on) matching what was typed, each with
// its state in the user's language.
func (p *Plugin) HandleAutocomplete(_ context.Context, req *sdk.CommandRequest) ([]sdk.Choice, error) {
	tr := catalog().For(req.Interaction)
	typed := ""
	if f, ok := req.Focused(); ok {
		typed, _ = f.Value.(string)
	}
	typed = strings.ToLower(strings.TrimSpace(typed))
	var op api.Op
	if req.Command == "container" {
		op = api.Op(req.Sub())
	}
	var prefix, contains []sdk.Choice
	for _, v := range p.views() {
		switch op {
		case api.OpStart, api.OpStop, api.OpRestart:
			if req.Level != 0 && !req.Level.Allows(sdk.LevelControl) || p.allowed(v, op) != nil {
				continue
			}
		case api.OpLogs:
			if !v.can(api.OpLogs) {
				continue
			}
		}
		ref, disp := strings.ToLower(v.ref.String()), strings.ToLower(v.display)
		ch := sdk.Choice{Name: choiceName(tr, v), Value: v.ref.String()}
		switch {
		case typed == "" || strings.HasPrefix(ref, typed) || strings.HasPrefix(disp, typed) || strings.HasPrefix(strings.ToLower(v.c.Name), typed):
			prefix = append(prefix, ch)
		case strings.Contains(ref, typed) || strings.Contains(disp, typed):
			contains = append(contains, ch)
		}
	}
	out := append(prefix, contains...)
	if len(out) > maxChoices {
		out = out[:maxChoices]
	}
	return out, nil
}

// choiceName is an autocomplete label: emoji, display name, reference and
// state ("🟢 Web Server · web · running").
func choiceName(tr i18n.Translator, v view) string {
	s := stateEmoji(v) + " " + v.display
	if v.display != v.ref.String() {
		s += " · " + v.ref.String()
	}
	info := v.toInfo()
	s += " · " + stateText(tr, info.State, info.Health, info.ExitCode)
	if utf8.RuneCountInString(s) > 100 {
		s = string([]rune(s)[:97]) + "..."
	}
	return s
}

// HandleComponent answers the logs refresh and protected info buttons.
func (p *Plugin) HandleComponent(ctx context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
	tr := catalog().For(req.Interaction)
	who := caller{in: &req.Interaction}
	kind, ref, _ := strings.Cut(strings.TrimPrefix(req.CustomID, "containers:"), ":")
	switch kind {
	case "logs":
		return p.logsReply(ctx, tr, who, ref, 0, true)
	case "pinfo":
		v, err := p.lookup(ref)
		if err != nil {
			return nil, failure(tr, err)
		}
		if v.pinfo == "" {
			return nil, failure(tr, refuse(sdk.ErrNotFound, "info.no_protected", "Name", v.label()))
		}
		return &sdk.Response{Modal: &sdk.Modal{
			CustomID: "containers:pwd:" + v.ref.String(), Title: tr.T("info.protected_title"),
			Inputs: []sdk.Component{{Type: sdk.ComponentTextInput, CustomID: "password", Label: tr.T("info.password"), Required: true, MaxLength: 200}},
		}}, nil
	}
	return nil, failure(tr, refuse(sdk.ErrUnsupported, "error.unknown_button", "ID", quoted(req.CustomID)))
}

// HandleModal checks the protected info password, as ActionProtectedInfo
// does (the same count of wrong passwords per user).
func (p *Plugin) HandleModal(ctx context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
	tr := catalog().For(req.Interaction)
	ref, ok := strings.CutPrefix(req.CustomID, "containers:pwd:")
	if !ok {
		return nil, failure(tr, refuse(sdk.ErrUnsupported, "error.unknown_form", "ID", quoted(req.CustomID)))
	}
	res, err := p.protectedInfo(ctx, caller{in: &req.Interaction}, ref, req.Fields["password"])
	if err != nil {
		return nil, failure(tr, err)
	}
	return &sdk.Response{Message: sdk.Message{Ephemeral: true, Embeds: []sdk.Embed{{
		Title: "🔓 " + res.DisplayName, Description: res.Text, Color: colorGreen,
	}}}}, nil
}

// checkPassword compares pw with a bcrypt ($2a$, $2b$, $2y$) or Werkzeug
// pbkdf2 (pbkdf2:sha256:600000$salt$hex) hash, as DockerDiscordControl
// stores them. An empty hash matches nothing.
func checkPassword(stored, pw string) bool {
	switch {
	case stored == "" || pw == "":
		return false
	case strings.HasPrefix(stored, "$2"):
		return bcrypt.CompareHashAndPassword([]byte(stored), []byte(pw)) == nil
	case strings.HasPrefix(stored, "pbkdf2:"):
		method, rest, _ := strings.Cut(stored, "$")
		salt, want, ok := strings.Cut(rest, "$")
		parts := strings.Split(method, ":")
		if !ok || len(parts) < 2 {
			return false
		}
		iter := 600000
		if len(parts) == 3 {
			n, err := strconv.Atoi(parts[2])
			if err != nil || n < 1 {
				return false
			}
			iter = n
		}
		var h func() hash.Hash
		switch parts[1] {
		case "sha256":
			h = sha256.New
		case "sha512":
			h = sha512.New
		default:
			return false
		}
		wantB, err := hex.DecodeString(want)
		if err != nil || len(wantB) == 0 {
			return false
		}
		got, err := pbkdf2.Key(h, pw, []byte(salt), iter, len(wantB))
		return err == nil && subtle.ConstantTimeCompare(got, wantB) == 1
	}
	return false
}

// infoReply shows one container. full adds Docker details (for /container
// info); /info shows the DockerDiscordControl info card.
func (p *Plugin) infoReply(ctx context.Context, tr i18n.Translator, who caller, ref string, full bool) (*sdk.Response, error) {
	ci, err := p.inspect(ctx, who, ref)
	if err != nil {
		return nil, failure(tr, err)
	}
	v, err := p.lookup(ref)
	if err != nil {
		return nil, failure(tr, err)
	}
	e := sdk.Embed{
		Title: stateEmoji(v) + " " + v.display, Color: stateColor(v),
		Fields: []sdk.Field{
			{Name: tr.T("info.state"), Value: stateText(tr, ci.State, ci.Health, ci.ExitCode), Inline: true},
			{Name: tr.T("info.uptime"), Value: uptime(tr, ci), Inline: true},
		},
	}
	if ci.Info != "" {
		e.Description = ci.Info
	}
	if ci.IPPort != "" {
		e.Fields = append(e.Fields, sdk.Field{Name: tr.T("info.address"), Value: "`" + ci.IPPort + "`", Inline: true})
	}
	if full {
		e.Fields = append(e.Fields,
			sdk.Field{Name: tr.T("info.image"), Value: "`" + ci.Image + "`"},
			sdk.Field{Name: tr.T("info.container"), Value: "`" + ci.Container + "` · `" + short(ci.ID) + "`", Inline: true},
			sdk.Field{Name: tr.T("info.restarts"), Value: strconv.Itoa(ci.RestartCount), Inline: true},
		)
		if len(ci.Actions) > 0 {
			e.Fields = append(e.Fields, sdk.Field{Name: tr.T("info.allowed"), Value: joinOps(tr, ci.Actions), Inline: true})
		}
		if ci.Protected {
			e.Fields = append(e.Fields, sdk.Field{Name: tr.T("info.protected"), Value: "🛡️ " + tr.T("info.protected_value"), Inline: true})
		}
	}
	if !ci.StartedAt.IsZero() {
		e.Timestamp = ci.StartedAt
		e.Footer = tr.T("info.running_since")
	}
	resp := &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{e}}}
	if v.pinfo != "" {
		resp.Message.Components = []sdk.ActionRow{sdk.Row(sdk.Component{
			Type: sdk.ComponentButton, CustomID: "containers:pinfo:" + v.ref.String(), Label: tr.T("info.protected_button"), Emoji: "🔒", Style: sdk.ButtonSecondary,
		})}
	}
	return resp, nil
}

// logsReply shows the tail of a container's logs in a code block that fits
// an embed, with a refresh button.
func (p *Plugin) logsReply(ctx context.Context, tr i18n.Translator, who caller, ref string, lines int, update bool) (*sdk.Response, error) {
	res, err := p.logs(ctx, who, ref, lines)
	if err != nil {
		return nil, failure(tr, err)
	}
	const room = 4000
	var b strings.Builder
	n := 0
	size := 0
	for i := len(res.Lines) - 1; i >= 0; i-- {
		l := res.Lines[i]
		if len(l) > 300 {
			l = l[:300] + "…"
		}
		if size+len(l)+1 > room-20 {
			break
		}
		size += len(l) + 1
		n++
	}
	b.WriteString("```\n")
	for _, l := range res.Lines[len(res.Lines)-n:] {
		if len(l) > 300 {
			l = l[:300] + "…"
		}
		b.WriteString(strings.ReplaceAll(l, "```", "ʼʼʼ"))
		b.WriteByte('\n')
	}
	b.WriteString("```")
	footer := tr.T("logs.all", "Count", n)
	if n < len(res.Lines) {
		footer = tr.T("logs.tail", "Count", n, "Total", len(res.Lines))
	}
	e := sdk.Embed{Title: "📜 " + res.Container, Description: b.String(), Color: colorGrey, Footer: footer, Timestamp: time.Now()}
	if len(res.Lines) == 0 {
		e.Description = "_" + tr.T("logs.empty") + "_"
	}
	return &sdk.Response{Update: update, Message: sdk.Message{
		Embeds:     []sdk.Embed{e},
		Components: []sdk.ActionRow{sdk.Row(sdk.Component{Type: sdk.ComponentButton, CustomID: "containers:logs:" + res.Container, Label: tr.T("logs.refresh"), Emoji: "🔄", Style: sdk.ButtonSecondary})},
	}}, nil
}

// resultEmbed shows an action's outcome.
func resultEmbed(tr i18n.Translator, out outcome) sdk.Embed {
	icon, color := "✅", colorGreen
	if !out.res.Changed {
		icon, color = "ℹ️", colorGrey
	}
	return sdk.Embed{Title: icon + " " + out.msg.in(tr), Color: color, Footer: out.res.Container + " · " + stateName(tr, out.res.State)}
}

// listEmbed shows every visible container, one line each.
func listEmbed(tr i18n.Translator, l api.ListResult) sdk.Embed {
	var b strings.Builder
	for i, c := range l.Containers {
		line := fmt.Sprintf("%s **%s** · %s", emojiFor(c.State, c.Health), c.DisplayName, stateText(tr, c.State, c.Health, c.ExitCode))
		if c.UptimeSeconds > 0 {
			line += " · " + human(tr, time.Duration(c.UptimeSeconds)*time.Second)
		}
		if b.Len()+len(line)+40 > 4000 {
			b.WriteString(tr.T("list.more", "Count", len(l.Containers)-i))
			break
		}
		b.WriteString(line + "\n")
	}
	if len(l.Containers) == 0 {
		b.WriteString("_" + tr.T("list.empty") + "_")
	}
	e := sdk.Embed{Title: "🐳 " + tr.T("list.title"), Description: b.String(), Color: colorGreen, Timestamp: time.Now()}
	if len(l.Unreachable) > 0 {
		e.Color = colorYellow
		e.Footer = "⚠️ " + tr.T("list.unreachable", "Count", len(l.Unreachable), "Endpoints", strings.Join(l.Unreachable, ", "))
	}
	return e
}

// statsEmbed shows a stats sample.
func statsEmbed(tr i18n.Translator, s api.StatsResult) sdk.Embed {
	if !s.Running {
		return sdk.Embed{Title: "🔴 " + s.Container, Description: tr.T("stats.not_running"), Color: colorRed}
	}
	mem := mib(tr, s.MemoryBytes)
	if s.MemoryLimit > 0 {
		mem += " / " + mib(tr, s.MemoryLimit)
	}
	return sdk.Embed{Title: "📊 " + s.Container, Color: colorGreen, Fields: []sdk.Field{
		{Name: tr.T("stats.cpu"), Value: tr.T("format.percent", "N", decimal(tr, s.CPUPercent, 1)), Inline: true},
		{Name: tr.T("stats.memory"), Value: mem, Inline: true},
	}}
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// stateEmoji is 🟢 running, 🟡 in between or unhealthy, 🔴 stopped, ⚪ unknown.
func stateEmoji(v view) string {
	if !v.reachable {
		return emojiFor(api.StateUnknown, api.HealthNone)
	}
	return emojiFor(v.c.State, v.c.Health)
}

func emojiFor(state api.State, health api.Health) string {
	switch {
	case state == api.StateUnknown:
		return "⚪"
	case state == api.StateRunning && (health == api.HealthNone || health == api.HealthHealthy):
		return "🟢"
	case state.Up():
		return "🟡"
	}
	return "🔴"
}

func stateColor(v view) int {
	switch stateEmoji(v) {
	case "🟢":
		return colorGreen
	case "🟡":
		return colorYellow
	case "⚪":
		return colorGrey
	}
	return colorRed
}

// uptime is how long a running container has run ("4m 10s"), else "–".
func uptime(tr i18n.Translator, ci api.ContainerInfo) string {
	if ci.State != api.StateRunning || ci.StartedAt.IsZero() {
		return "–"
	}
	return human(tr, time.Since(ci.StartedAt))
}

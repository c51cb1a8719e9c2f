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

	"golang.org/x/crypto/bcrypt"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
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

// commands returns the slash commands the plugin owns.
func commands() []sdk.Command {
	name := func(desc, de, fr string) sdk.Option {
		return sdk.Option{
			Name: "name", Description: desc, Type: sdk.OptionString, Required: true, Autocomplete: true,
			NameLocalizations:        map[string]string{"de": "name", "fr": "nom"},
			DescriptionLocalizations: map[string]string{"de": de, "fr": fr},
		}
	}
	sub := func(n, desc, de, fr string, level sdk.Level, opts ...sdk.Option) sdk.Option {
		return sdk.Option{
			Name: n, Description: desc, Type: sdk.OptionSubcommand, Level: level, Options: opts,
			DescriptionLocalizations: map[string]string{"de": de, "fr": fr},
		}
	}
	ctrName := name("Container name", "Name des Containers", "Nom du conteneur")
	return []sdk.Command{
		{
			Name: "container", Description: "Show and control Docker containers",
			NameLocalizations:        map[string]string{"de": "container", "fr": "conteneur"},
			DescriptionLocalizations: map[string]string{"de": "Docker-Container anzeigen und steuern", "fr": "Afficher et piloter les conteneurs Docker"},
			Level:                    sdk.LevelView,
			Options: []sdk.Option{
				sub("start", "Start a container", "Einen Container starten", "Démarrer un conteneur", sdk.LevelControl, ctrName),
				sub("stop", "Stop a container", "Einen Container stoppen", "Arrêter un conteneur", sdk.LevelControl, ctrName),
				sub("restart", "Restart a container", "Einen Container neu starten", "Redémarrer un conteneur", sdk.LevelControl, ctrName),
				sub("logs", "Show the last log lines of a container", "Die letzten Logzeilen eines Containers zeigen", "Afficher les dernières lignes du journal d'un conteneur", sdk.LevelView, ctrName,
					sdk.Option{
						Name: "lines", Description: "How many lines (1-500, default 50)", Type: sdk.OptionInteger,
						DescriptionLocalizations: map[string]string{"de": "Wie viele Zeilen (1-500, Standard 50)", "fr": "Combien de lignes (1-500, 50 par défaut)"},
					}),
				sub("info", "Show a container's status and details", "Status und Details eines Containers zeigen", "Afficher l'état et les détails d'un conteneur", sdk.LevelView, ctrName),
				sub("list", "List the containers and their status", "Container und ihren Status auflisten", "Lister les conteneurs et leur état", sdk.LevelView),
				sub("stats", "Show a container's CPU and memory use", "CPU- und Speichernutzung eines Containers zeigen", "Afficher l'utilisation CPU et mémoire d'un conteneur", sdk.LevelView, ctrName),
			},
		},
		{
			Name: "info", Description: "Show information about a container",
			DescriptionLocalizations: map[string]string{"de": "Informationen zu einem Container zeigen", "fr": "Afficher les informations d'un conteneur"},
			Level:                    sdk.LevelView,
			Options: []sdk.Option{{
				Name: "container", Description: "Container name", Type: sdk.OptionString, Required: true, Autocomplete: true,
				NameLocalizations:        map[string]string{"fr": "conteneur"},
				DescriptionLocalizations: map[string]string{"de": "Name des Containers", "fr": "Nom du conteneur"},
			}},
		},
	}
}

// HandleCommand answers /container and /info.
func (p *Plugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	who := caller{in: &req.Interaction}
	switch {
	case req.Command == "info":
		return p.infoReply(ctx, who, req.String("container"), false)
	case req.Command != "container":
		return nil, sdk.Errorf("unknown command /%s: %w", req.Command, sdk.ErrUnsupported)
	}
	ref := req.String("name")
	switch sub := req.Sub(); sub {
	case string(api.OpStart), string(api.OpStop), string(api.OpRestart):
		res, err := p.act(ctx, who, api.Op(sub), ref, 0)
		if err != nil {
			return nil, failure(err)
		}
		return &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{resultEmbed(res)}}}, nil
	case "logs":
		return p.logsReply(ctx, who, ref, int(req.Int("lines")), false)
	case "info":
		return p.infoReply(ctx, who, ref, true)
	case "list":
		return &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{listEmbed(p.list())}}}, nil
	case "stats":
		st, err := p.stats(ctx, who, ref)
		if err != nil {
			return nil, failure(err)
		}
		return &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{statsEmbed(st)}}}, nil
	default:
		return nil, sdk.Errorf("unknown subcommand /container %s: %w", sub, sdk.ErrUnsupported)
	}
}

// failure makes sure err reaches the user as a message.
func failure(err error) error {
	if _, ok := sdk.UserMessage(err); ok {
		return &sdk.UserError{Msg: "❌ " + userMsg(err), Err: err}
	}
	return &sdk.UserError{Msg: "❌ something went wrong; see the DDC log", Err: err}
}

// HandleAutocomplete suggests up to 25 containers the user may see (and,
// for start, stop and restart, act on) matching what was typed.
func (p *Plugin) HandleAutocomplete(_ context.Context, req *sdk.CommandRequest) ([]sdk.Choice, error) {
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
		ch := sdk.Choice{Name: choiceName(v), Value: v.ref.String()}
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

// choiceName is an autocomplete label: emoji, display name and reference.
func choiceName(v view) string {
	s := stateEmoji(v) + " " + v.display
	if v.display != v.ref.String() {
		s += " · " + v.ref.String()
	}
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

// HandleComponent answers the logs refresh and protected info buttons.
func (p *Plugin) HandleComponent(ctx context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
	who := caller{in: &req.Interaction}
	kind, ref, _ := strings.Cut(strings.TrimPrefix(req.CustomID, "containers:"), ":")
	switch kind {
	case "logs":
		return p.logsReply(ctx, who, ref, 0, true)
	case "pinfo":
		v, err := p.lookup(ref)
		if err != nil {
			return nil, failure(err)
		}
		if v.pinfo == "" {
			return nil, sdk.Errorf("%s has no protected information: %w", v.label(), sdk.ErrNotFound)
		}
		return &sdk.Response{Modal: &sdk.Modal{
			CustomID: "containers:pwd:" + v.ref.String(), Title: "Protected information",
			Inputs: []sdk.Component{{Type: sdk.ComponentTextInput, CustomID: "password", Label: "Password", Required: true, MaxLength: 200}},
		}}, nil
	}
	return nil, sdk.Errorf("unknown button %q: %w", req.CustomID, sdk.ErrUnsupported)
}

// HandleModal checks the protected info password.
func (p *Plugin) HandleModal(_ context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
	ref, ok := strings.CutPrefix(req.CustomID, "containers:pwd:")
	if !ok {
		return nil, sdk.Errorf("unknown form %q: %w", req.CustomID, sdk.ErrUnsupported)
	}
	v, err := p.lookup(ref)
	if err != nil {
		return nil, failure(err)
	}
	if v.pinfo == "" || !checkPassword(v.phash, req.Fields["password"]) {
		p.log.Warn("wrong protected info password", "container", v.ref.String(), "user", req.User.ID)
		return nil, sdk.Errorf("❌ wrong password: %w", sdk.ErrPermission)
	}
	return &sdk.Response{Message: sdk.Message{Ephemeral: true, Embeds: []sdk.Embed{{
		Title: "🔓 " + v.display, Description: v.pinfo, Color: colorGreen,
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
func (p *Plugin) infoReply(ctx context.Context, who caller, ref string, full bool) (*sdk.Response, error) {
	ci, err := p.inspect(ctx, who, ref)
	if err != nil {
		return nil, failure(err)
	}
	v, err := p.lookup(ref)
	if err != nil {
		return nil, failure(err)
	}
	e := sdk.Embed{
		Title: stateEmoji(v) + " " + v.display, Color: stateColor(v),
		Fields: []sdk.Field{
			{Name: "State", Value: stateText(ci.State, ci.Health, ci.ExitCode), Inline: true},
			{Name: "Uptime", Value: uptime(ci), Inline: true},
		},
	}
	if ci.Info != "" {
		e.Description = ci.Info
	}
	if ci.IPPort != "" {
		e.Fields = append(e.Fields, sdk.Field{Name: "Address", Value: "`" + ci.IPPort + "`", Inline: true})
	}
	if full {
		e.Fields = append(e.Fields,
			sdk.Field{Name: "Image", Value: "`" + ci.Image + "`"},
			sdk.Field{Name: "Container", Value: "`" + ci.Container + "` · `" + short(ci.ID) + "`", Inline: true},
			sdk.Field{Name: "Restarts", Value: strconv.Itoa(ci.RestartCount), Inline: true},
		)
		if len(ci.Actions) > 0 {
			e.Fields = append(e.Fields, sdk.Field{Name: "Allowed", Value: joinOps(ci.Actions), Inline: true})
		}
		if ci.Protected {
			e.Fields = append(e.Fields, sdk.Field{Name: "Protected", Value: "🛡️ cannot be stopped from Discord", Inline: true})
		}
	}
	if !ci.StartedAt.IsZero() {
		e.Timestamp = ci.StartedAt
		e.Footer = "running since"
	}
	resp := &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{e}}}
	if v.pinfo != "" {
		resp.Message.Components = []sdk.ActionRow{sdk.Row(sdk.Component{
			Type: sdk.ComponentButton, CustomID: "containers:pinfo:" + v.ref.String(), Label: "Protected info", Emoji: "🔒", Style: sdk.ButtonSecondary,
		})}
	}
	return resp, nil
}

// logsReply shows the tail of a container's logs in a code block that fits
// an embed, with a refresh button.
func (p *Plugin) logsReply(ctx context.Context, who caller, ref string, lines int, update bool) (*sdk.Response, error) {
	res, err := p.logs(ctx, who, ref, lines)
	if err != nil {
		return nil, failure(err)
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
	e := sdk.Embed{
		Title: "📜 " + res.Container, Description: b.String(), Color: colorGrey,
		Footer: fmt.Sprintf("last %d of %d lines", n, len(res.Lines)), Timestamp: time.Now(),
	}
	if len(res.Lines) == 0 {
		e.Description = "_no output_"
	}
	return &sdk.Response{Update: update, Message: sdk.Message{
		Embeds:     []sdk.Embed{e},
		Components: []sdk.ActionRow{sdk.Row(sdk.Component{Type: sdk.ComponentButton, CustomID: "containers:logs:" + res.Container, Label: "Refresh", Emoji: "🔄", Style: sdk.ButtonSecondary})},
	}}, nil
}

// resultEmbed shows an action's outcome.
func resultEmbed(r api.ActionResult) sdk.Embed {
	icon, color := "✅", colorGreen
	if !r.Changed {
		icon, color = "ℹ️", colorGrey
	}
	return sdk.Embed{Title: icon + " " + r.Detail, Color: color, Footer: r.Container + " · " + string(r.State)}
}

// listEmbed shows every visible container, one line each.
func listEmbed(l api.ListResult) sdk.Embed {
	var b strings.Builder
	for _, c := range l.Containers {
		line := fmt.Sprintf("%s **%s** · %s", emojiFor(c.State, c.Health), c.DisplayName, stateText(c.State, c.Health, c.ExitCode))
		if c.UptimeSeconds > 0 {
			line += " · " + human(time.Duration(c.UptimeSeconds)*time.Second)
		}
		if b.Len()+len(line)+40 > 4000 {
			fmt.Fprintf(&b, "… and %d more", len(l.Containers)-strings.Count(b.String(), "\n"))
			break
		}
		b.WriteString(line + "\n")
	}
	if len(l.Containers) == 0 {
		b.WriteString("_no containers_")
	}
	e := sdk.Embed{Title: "🐳 Containers", Description: b.String(), Color: colorGreen, Timestamp: time.Now()}
	if len(l.Unreachable) > 0 {
		e.Color = colorYellow
		e.Footer = "⚠️ unreachable: " + strings.Join(l.Unreachable, ", ")
	}
	return e
}

// statsEmbed shows a stats sample.
func statsEmbed(s api.StatsResult) sdk.Embed {
	if !s.Running {
		return sdk.Embed{Title: "🔴 " + s.Container, Description: "not running", Color: colorRed}
	}
	mem := mib(s.MemoryBytes)
	if s.MemoryLimit > 0 {
		mem += " / " + mib(s.MemoryLimit)
	}
	return sdk.Embed{Title: "📊 " + s.Container, Color: colorGreen, Fields: []sdk.Field{
		{Name: "CPU", Value: fmt.Sprintf("%.1f %%", s.CPUPercent), Inline: true},
		{Name: "Memory", Value: mem, Inline: true},
	}}
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

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

// stateText is "running (healthy)", "exited (1)" or "unreachable".
func stateText(state api.State, health api.Health, exit int) string {
	switch {
	case state == api.StateUnknown:
		return "unreachable"
	case state == api.StateExited:
		return fmt.Sprintf("exited (%d)", exit)
	case health != api.HealthNone:
		return string(state) + " (" + string(health) + ")"
	}
	return string(state)
}

func uptime(ci api.ContainerInfo) string {
	if ci.State != api.StateRunning || ci.StartedAt.IsZero() {
		return "–"
	}
	return human(time.Since(ci.StartedAt))
}

// human formats a duration as "3d 4h", "2h 5m", "4m 10s" or "12s".
func human(d time.Duration) string {
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	s := (d - m*time.Minute) / time.Second
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// joinOps lists ops for people: "start, stop".
func joinOps(ops []api.Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

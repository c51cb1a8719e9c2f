package panels

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// kind says which overview a channel shows.
type kind string

// Overview kinds.
const (
	kindStatus  kind = "status"  // kindStatus is the server overview of /serverstatus.
	kindControl kind = "control" // kindControl is the admin overview of /control.
)

// Limits of one overview message, within Discord's (description 4096,
// 6000 characters per message, 5 action rows, 25 select options).
const (
	maxLinesPerMessage = 75   // three selects of 25
	maxDescription     = 3800 // characters of one embed description
	maxNameLen         = 64   // characters of a display name in a line
	maxOptions         = 25   // options of one select
	maxRefInID         = 80   // longest container reference put in a custom id
)

// Embed colours.
const (
	colorOK      = 0x2ecc71
	colorWarn    = 0xf1c40f
	colorBad     = 0xe74c3c
	colorNeutral = 0x5865f2
)

// snapshot is what an overview shows: the containers, their last stats
// and the endpoints, at one moment.
type snapshot struct {
	containers []api.ContainerInfo
	stats      map[string]api.StatsResult // by ContainerInfo.Container
	endpoints  []api.EndpointStatus
	now        time.Time
}

// render draws an overview as one or more messages, each within Discord's
// limits.
func render(tr i18n.Translator, k kind, collapsed bool, s snapshot) []sdk.Message {
	var parts [][]api.ContainerInfo
	var cur []api.ContainerInfo
	size := 0
	lines := make(map[string]string, len(s.containers))
	for _, c := range s.containers {
		l := line(tr, c, s, k == kindControl || !collapsed)
		lines[c.Container] = l
		n := utf8.RuneCountInString(l) + 1
		if len(cur) > 0 && (len(cur) >= maxLinesPerMessage || size+n > maxDescription) {
			parts, cur, size = append(parts, cur), nil, 0
		}
		cur, size = append(cur, c), size+n
	}
	parts = append(parts, cur)
	out := make([]sdk.Message, len(parts))
	for i, p := range parts {
		out[i] = part(tr, k, collapsed, s, p, lines, i, len(parts))
	}
	return out
}

// part draws message i of n, holding the containers cs.
func part(tr i18n.Translator, k kind, collapsed bool, s snapshot, cs []api.ContainerInfo, lines map[string]string, i, n int) sdk.Message {
	title := tr.T("overview.title")
	if k == kindControl {
		title = tr.T("overview.control_title")
	}
	if n > 1 {
		title += fmt.Sprintf(" (%d/%d)", i+1, n)
	}
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(lines[c.Container])
		b.WriteByte('\n')
	}
	if len(s.containers) == 0 {
		b.WriteString(tr.T("overview.empty"))
	}
	e := sdk.Embed{Title: title, Description: strings.TrimRight(b.String(), "\n"), Color: color(cs)}
	var rows []sdk.ActionRow
	rows = append(rows, selects(tr, k, cs, i)...)
	if i == n-1 {
		e.Footer = footer(tr, s)
		if k == kindControl {
			rows = append(rows, sdk.Row(
				sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:all:restart", Label: tr.T("button.restart_all"), Emoji: "🔄", Style: sdk.ButtonDanger},
				sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:all:stop", Label: tr.T("button.stop_all"), Emoji: "⏹️", Style: sdk.ButtonDanger},
			))
		} else {
			label, emoji := tr.T("button.expand"), "🔽"
			if !collapsed {
				label, emoji = tr.T("button.collapse"), "🔼"
			}
			rows = append(rows, sdk.Row(sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:toggle", Label: label, Emoji: emoji, Style: sdk.ButtonSecondary}))
		}
	}
	return sdk.Message{Embeds: []sdk.Embed{e}, Components: rows}
}

// selects are the info selects of a status overview's part (containers
// with info) or the container pickers of an admin overview's part, 25
// options each.
func selects(tr i18n.Translator, k kind, cs []api.ContainerInfo, part int) []sdk.ActionRow {
	var opts []sdk.SelectOption
	for _, c := range cs {
		if len(c.Container) > maxRefInID || (k == kindStatus && !c.HasInfo && !c.HasProtectedInfo) {
			continue
		}
		opts = append(opts, sdk.SelectOption{
			Label: cut(c.DisplayName, 100), Value: c.Container, Emoji: emoji(c),
			Description: cut(stateText(tr, c), 100),
		})
	}
	id, ph := "panels:info:", tr.T("select.info")
	if k == kindControl {
		id, ph = "panels:pick:", tr.T("select.pick")
	}
	var rows []sdk.ActionRow
	for n := 0; n < len(opts); n += maxOptions {
		chunk := opts[n:min(n+maxOptions, len(opts))]
		rows = append(rows, sdk.Row(sdk.Component{
			Type: sdk.ComponentSelect, CustomID: id + strconv.Itoa(part) + ":" + strconv.Itoa(n/maxOptions),
			Placeholder: ph, Options: chunk, MinValues: 1, MaxValues: 1,
		}))
	}
	return rows
}

// line is one container's line: state emoji, name, and what else it
// shows.
func line(tr i18n.Translator, c api.ContainerInfo, s snapshot, expanded bool) string {
	var b strings.Builder
	b.WriteString(emoji(c))
	b.WriteString(" **")
	b.WriteString(escape(cut(c.DisplayName, maxNameLen)))
	b.WriteString("**")
	running := c.Reachable && c.State == api.StateRunning
	if !running || c.Health == api.HealthUnhealthy || c.Health == api.HealthStarting {
		b.WriteString(" · ")
		b.WriteString(stateText(tr, c))
	}
	if !expanded || !running || !c.ShowStats {
		return b.String()
	}
	if st, ok := s.stats[c.Container]; ok && st.Running {
		b.WriteString(" · ")
		b.WriteString(tr.T("stats.cpu", "Value", strconv.FormatFloat(st.CPUPercent, 'f', 1, 64)))
		b.WriteString(" · ")
		b.WriteString(bytesText(st.MemoryBytes))
	}
	if !c.StartedAt.IsZero() {
		b.WriteString(" · ⏱ ")
		b.WriteString(uptime(s.now.Sub(c.StartedAt)))
	}
	return b.String()
}

// emoji is a container's state emoji.
func emoji(c api.ContainerInfo) string {
	switch {
	case !c.Reachable || c.State == api.StateUnknown:
		return "❔"
	case c.State == api.StateRestarting:
		return "🔄"
	case c.State == api.StateRunning && (c.Health == api.HealthStarting || c.Health == api.HealthUnhealthy):
		return "🟡"
	case c.State == api.StateRunning:
		return "🟢"
	case c.State == api.StatePaused:
		return "🟡"
	}
	return "🔴"
}

// stateText names a container's state in the user's language.
func stateText(tr i18n.Translator, c api.ContainerInfo) string {
	switch {
	case !c.Reachable || c.State == api.StateUnknown:
		return tr.T("state.unreachable")
	case c.State == api.StateRunning && c.Health == api.HealthStarting:
		return tr.T("state.starting")
	case c.State == api.StateRunning && c.Health == api.HealthUnhealthy:
		return tr.T("state.unhealthy")
	case c.State == api.StateExited && c.ExitCode != 0:
		return tr.T("state.exited_code", "Code", c.ExitCode)
	}
	switch c.State {
	case api.StateRunning, api.StatePaused, api.StateRestarting, api.StateCreated, api.StateRemoving, api.StateDead:
		return tr.T("state." + string(c.State))
	}
	return tr.T("state.exited")
}

// color is an embed's colour: green when every container runs, red when
// none does, yellow between.
func color(cs []api.ContainerInfo) int {
	up := 0
	for _, c := range cs {
		if emoji(c) == "🟢" {
			up++
		}
	}
	switch {
	case len(cs) == 0:
		return colorNeutral
	case up == len(cs):
		return colorOK
	case up == 0:
		return colorBad
	}
	return colorWarn
}

// footer counts the containers per state and names unreachable
// endpoints.
func footer(tr i18n.Translator, s snapshot) string {
	counts := map[string]int{}
	for _, c := range s.containers {
		counts[emoji(c)]++
	}
	var parts []string
	for _, e := range []string{"🟢", "🟡", "🔄", "🔴", "❔"} {
		if counts[e] > 0 {
			parts = append(parts, e+" "+strconv.Itoa(counts[e]))
		}
	}
	f := strings.Join(parts, " · ")
	for _, ep := range s.endpoints {
		if !ep.Reachable {
			f += "\n⚠️ " + tr.T("overview.unreachable", "Name", cut(ep.Endpoint, 64))
		}
	}
	return cut(f, 2000)
}

// uptime formats d as "3d 4h", "4h 12m" or "12m".
func uptime(d time.Duration) string {
	d = max(d, 0)
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	return fmt.Sprintf("%dm", mins)
}

// bytesText formats n bytes in MB or GB (binary units, as docker stats).
func bytesText(n uint64) string {
	const mib, gib = 1 << 20, 1 << 30
	if n >= gib {
		return strconv.FormatFloat(float64(n)/gib, 'f', 2, 64) + " GiB"
	}
	return strconv.FormatFloat(float64(n)/mib, 'f', 1, 64) + " MiB"
}

// cut shortens s to at most n characters, ending with "…" when it cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// escape keeps Discord markdown in a name from formatting the line.
var mdEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `~`, `\~`, `|`, `\|`, `>`, `\>`)

func escape(s string) string { return mdEscaper.Replace(s) }

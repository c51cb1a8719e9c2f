package panels

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/sdktest"
)

func TestCatalog(t *testing.T) {
	if err := Catalog().Check(); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "de", "fr"} {
		if got, ok := Catalog().Supported(lang); !ok || got != lang {
			t.Errorf("language %s missing", lang)
		}
	}
}

// containers returns n containers with long, markdown-heavy names, every
// state and info, as the worst case for the limits.
func containers(n int) []api.ContainerInfo {
	states := []api.State{api.StateRunning, api.StateExited, api.StateRestarting, api.StatePaused, api.StateUnknown}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]api.ContainerInfo, n)
	for i := range out {
		ref := fmt.Sprintf("endpoint-%02d/container_%03d", i%3, i)
		out[i] = api.ContainerInfo{
			Container: ref, Endpoint: "e", Name: ref, DisplayName: strings.Repeat("*_", 50) + fmt.Sprint(i),
			State: states[i%len(states)], Reachable: i%len(states) != 4, ShowStats: true, StartedAt: start,
			Actions: api.Ops(), HasInfo: true, Order: i,
		}
	}
	return out
}

// checkLimits fails for a message over Discord's limits.
func checkLimits(t testing.TB, m sdk.Message) {
	t.Helper()
	total := 0
	if len(m.Embeds) > 10 || utf8.RuneCountInString(m.Content) > 2000 || len(m.Components) > 5 {
		t.Fatalf("message with %d embeds, %d rows", len(m.Embeds), len(m.Components))
	}
	for _, e := range m.Embeds {
		n := utf8.RuneCountInString
		if n(e.Title) > 256 || n(e.Description) > 4096 || len(e.Fields) > 25 || n(e.Footer) > 2048 {
			t.Fatalf("embed over limits: title %d, description %d, %d fields, footer %d", n(e.Title), n(e.Description), len(e.Fields), n(e.Footer))
		}
		total += n(e.Title) + n(e.Description) + n(e.Footer)
		for _, f := range e.Fields {
			if n(f.Name) > 256 || n(f.Value) > 1024 {
				t.Fatalf("field over limits")
			}
			total += n(f.Name) + n(f.Value)
		}
	}
	if total > 6000 {
		t.Fatalf("embeds hold %d characters", total)
	}
	ids := map[string]bool{}
	for _, r := range m.Components {
		if len(r.Components) > 5 || len(r.Components) == 0 {
			t.Fatalf("row with %d components", len(r.Components))
		}
		for _, c := range r.Components {
			if ids[c.CustomID] || len(c.CustomID) > 100 || len(c.Options) > 25 || utf8.RuneCountInString(c.Label) > 80 {
				t.Fatalf("component %q over limits (%d options)", c.CustomID, len(c.Options))
			}
			ids[c.CustomID] = true
			if c.Type == sdk.ComponentSelect && len(r.Components) != 1 {
				t.Fatalf("select shares its row")
			}
			for _, o := range c.Options {
				if utf8.RuneCountInString(o.Label) > 100 || len(o.Value) > 100 || utf8.RuneCountInString(o.Description) > 100 {
					t.Fatalf("option %q over limits", o.Value)
				}
			}
		}
	}
}

func TestRenderLimits(t *testing.T) {
	for _, lang := range []string{"en", "de", "fr"} {
		tr := Catalog().Lang(lang)
		for _, n := range []int{0, 1, 24, 25, 26, 75, 76, 120, 200, 1000} {
			for _, k := range []kind{kindStatus, kindControl} {
				for _, collapsed := range []bool{false, true} {
					cs := containers(n)
					stats := map[string]api.StatsResult{}
					for _, c := range cs {
						stats[c.Container] = api.StatsResult{Running: true, CPUPercent: 123.456, MemoryBytes: 5 << 30}
					}
					msgs := render(tr, k, collapsed, snapshot{containers: cs, stats: stats, now: time.Now(),
						endpoints: []api.EndpointStatus{{Endpoint: strings.Repeat("x", 64)}}})
					seen := 0
					for _, m := range msgs {
						checkLimits(t, m)
						seen += strings.Count(m.Embeds[0].Description, "\n") + 1
					}
					if n > 0 && seen != n {
						t.Errorf("%s %s n=%d: %d lines in %d messages", lang, k, n, seen, len(msgs))
					}
				}
			}
		}
	}
}

func TestLine(t *testing.T) {
	tr := Catalog().Lang("en")
	now := time.Date(2026, 1, 1, 5, 30, 0, 0, time.UTC)
	base := api.ContainerInfo{Container: "web", DisplayName: "Web", Reachable: true, ShowStats: true, State: api.StateRunning, StartedAt: now.Add(-(3*time.Hour + 12*time.Minute))}
	with := func(f func(*api.ContainerInfo)) api.ContainerInfo { c := base; f(&c); return c }
	stats := map[string]api.StatsResult{"web": {Running: true, CPUPercent: 1.25, MemoryBytes: 45 << 20}}
	tests := []struct {
		name     string
		c        api.ContainerInfo
		expanded bool
		want     string
	}{
		{"running", base, true, "🟢 **Web** · 1.2 % CPU · 45.0 MiB · ⏱ 3h 12m"},
		{"collapsed", base, false, "🟢 **Web**"},
		{"no stats", with(func(c *api.ContainerInfo) { c.ShowStats = false }), true, "🟢 **Web**"},
		{"stopped", with(func(c *api.ContainerInfo) { c.State, c.ExitCode = api.StateExited, 137 }), true, "🔴 **Web** · stopped (exit code 137)"},
		{"unhealthy", with(func(c *api.ContainerInfo) { c.Health = api.HealthUnhealthy }), false, "🟡 **Web** · unhealthy"},
		{"restarting", with(func(c *api.ContainerInfo) { c.State = api.StateRestarting }), true, "🔄 **Web** · restarting"},
		{"unreachable", with(func(c *api.ContainerInfo) { c.State, c.Reachable = api.StateUnknown, false }), true, "❔ **Web** · endpoint unreachable"},
		{"markdown", with(func(c *api.ContainerInfo) { c.DisplayName = "a*b_c" }), false, `🟢 **a\*b\_c**`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := line(tr, tt.c, snapshot{stats: stats, now: now}, tt.expanded); got != tt.want {
				t.Errorf("line = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	m := newMasker([]string{"DB_URL", "x.y"})
	tests := []struct{ in, want string }{
		{"PASSWORD=hunter2 next", "PASSWORD=**** next"},
		{"db_password: 'a b'", "db_password: ****"},
		{`MY_API_KEY="abc def" rest`, `MY_API_KEY=**** rest`},
		{"token=abc;other=1", "token=****;other=1"},
		{"DB_URL=postgres://u:p@h/db", "DB_URL=****"},
		{"x.y=1 xzy=2", "x.y=**** xzy=2"},
		{"plain line, no secret", "plain line, no secret"},
		{"PATH=/usr/bin", "PATH=/usr/bin"},
	}
	for _, tt := range tests {
		if got := m.mask(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSettings(t *testing.T) {
	s, err := settingsSpec().Decode(json.RawMessage(`{"channels":[{"id":"123456789012345678","post_on_start":true,"refresh":"0s"}],"refresh":"1m"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c := s.channel("123456789012345678"); !c.PostOnStart || time.Duration(c.Refresh) != time.Minute {
		t.Errorf("channel settings = %+v", c)
	}
	for _, bad := range []string{`{"refresh":"1s"}`, `{"channels":[{"id":"12"}]}`, `{"log_lines":500}`, `{"nope":1}`} {
		if _, err := settingsSpec().Decode(json.RawMessage(bad)); err == nil {
			t.Errorf("settings %s accepted", bad)
		}
	}
}

func BenchmarkRender200(b *testing.B) {
	tr := Catalog().Lang("en")
	cs := containers(200)
	stats := map[string]api.StatsResult{}
	for _, c := range cs {
		stats[c.Container] = api.StatsResult{Running: true, CPUPercent: 12.5, MemoryBytes: 300 << 20}
	}
	s := snapshot{containers: cs, stats: stats, now: time.Now()}
	var n int
	for b.Loop() {
		n = len(render(tr, kindStatus, false, s))
	}
	b.ReportMetric(float64(n), "messages")
}

// BenchmarkRender200Typical renders 200 containers with names of typical
// length ("media-server-042"), all running with stats.
func BenchmarkRender200Typical(b *testing.B) {
	tr := Catalog().Lang("en")
	cs := containers(200)
	stats := map[string]api.StatsResult{}
	for i := range cs {
		cs[i].DisplayName = fmt.Sprintf("media-server-%03d", i)
		cs[i].State, cs[i].Reachable = api.StateRunning, true
		stats[cs[i].Container] = api.StatsResult{Running: true, CPUPercent: 12.5, MemoryBytes: 300 << 20}
	}
	s := snapshot{containers: cs, stats: stats, now: time.Now()}
	var n int
	for b.Loop() {
		n = len(render(tr, kindStatus, false, s))
	}
	b.ReportMetric(float64(n), "messages")
}

// TestHelpAndPingThroughTheWire: /help and /ping show what the host's
// DiscordInfo returns (through the real gRPC conversion), /help in the
// user's language where the command has a translation.
func TestHelpAndPingThroughTheWire(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.Config{})
	h.Host.SetDiscordInfo(sdk.DiscordInfo{
		Commands: []sdk.CommandSummary{
			{Plugin: "containers", Name: "container", Description: "Containers", DescriptionLocalizations: map[string]string{"de": "Container steuern"}, Level: sdk.LevelView},
			{Plugin: "panels", Name: "ss", Description: "Status", Level: sdk.LevelView},
		},
		GatewayLatency: 42 * time.Millisecond, RESTLatency: 120 * time.Millisecond,
	})
	ctx := context.Background()
	r, err := h.Command(ctx, sdk.Interaction{Locale: "de", Level: sdk.LevelView}, "help")
	if err != nil || len(r.Message.Embeds) != 1 {
		t.Fatalf("/help = %+v, %v", r, err)
	}
	if d := r.Message.Embeds[0].Description; d != "`/container` · Container steuern\n`/ss` · Status" {
		t.Errorf("/help in German = %q", d)
	}
	r, err = h.Command(ctx, sdk.Interaction{Locale: "en-US"}, "ping")
	if err != nil || !strings.Contains(r.Message.Content, "Gateway 42 ms · REST 120 ms") {
		t.Errorf("/ping = %+v, %v", r, err)
	}
}

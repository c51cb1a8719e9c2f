package discord_test

import (
	"sort"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/fakediscord"
)

// BenchmarkInteractionFirstResponse measures the time from the fake firing
// an interaction to the bot's first response arriving, through the gateway
// and REST on loopback, with an in-process plugin that answers at once.
func BenchmarkInteractionFirstResponse(b *testing.B) {
	e := start(b, fakeConfig(), nil)
	in := fakediscord.Interaction{Type: fakediscord.InteractionCommand, GuildID: guildID, ChannelID: statusCh, UserID: viewer,
		Command: "demo", Options: []fakediscord.Option{{Name: "look"}}}
	b.ResetTimer()
	lat := make([]time.Duration, 0, b.N)
	for range b.N {
		h, err := e.srv.Fire(in)
		if err != nil {
			b.Fatal(err)
		}
		r, err := h.WaitResponse(ctxT(b, 5*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, r.After)
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

package discord_test

import (
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/latency"
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
	b.ReportMetric(latency.Ms(latency.Percentile(lat, 0.5)), "p50-ms")
	b.ReportMetric(latency.Ms(latency.Percentile(lat, 0.99)), "p99-ms")
}

package outbox_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
)

// BenchmarkOutboxThroughput sends message posts over 2 channels from 16
// goroutines with Discord's rate limits off in the fake and the outbox's
// global limit raised: the outbox's own cost per request on loopback.
func BenchmarkOutboxThroughput(b *testing.B) {
	srv := newFake(b, fakediscord.Config{NoRateLimits: true})
	o := newOutbox(b, srv, outbox.Config{GlobalLimit: 1 << 30, QueueLimit: 1 << 20})
	chans := []string{chanA, chanB}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				_, err := o.Do(context.Background(), outbox.Request{Method: http.MethodPost, Path: "/channels/" + chans[i%2] + "/messages", Body: map[string]string{"content": "x"}})
				if err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkOutboxGlobalLimit sends posts to 50 channels as fast as allowed
// under the global limit of 50 per second: the sustained rate stays at
// the limit without a 429.
func BenchmarkOutboxGlobalLimit(b *testing.B) {
	cfg := fakediscord.Config{DefaultRouteLimit: fakediscord.RouteLimit{Limit: 1000, Window: time.Second},
		RouteLimits: []fakediscord.RouteLimit{{Method: http.MethodPost, Route: "/channels/{channel_id}/messages", Limit: 1000, Window: time.Second}}}
	var chans []fakediscord.Channel
	for i := range 50 {
		chans = append(chans, fakediscord.Channel{ID: fmt.Sprintf("13000000000000%04d", i), Name: fmt.Sprint(i)})
	}
	cfg.Guilds = []fakediscord.Guild{{ID: guildID, Name: "g", Channels: chans}}
	srv := fakediscord.New(cfg)
	b.Cleanup(srv.Close)
	o := newOutbox(b, srv, outbox.Config{QueueLimit: 1 << 20})
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := o.Do(context.Background(), outbox.Request{Method: http.MethodPost, Path: "/channels/" + chans[i%50].ID + "/messages", Body: map[string]string{"content": "x"}}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
	b.ReportMetric(float64(o.Stats().Limited), "429s")
}

// BenchmarkPanelStateChanges counts the edit requests sent for 100 state
// changes of one panel message within 5 s, under Discord's usual 5 edits
// per 5 s per channel.
func BenchmarkPanelStateChanges(b *testing.B) {
	var reqs, coalesced float64
	for range b.N {
		srv := newFake(b, fakediscord.Config{})
		o := outbox.New(outbox.Config{BaseURL: srv.URL(), Token: srv.Token()})
		id := post(b, o, chanA, "panel")
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := o.Edit(context.Background(), chanA+"/"+id, editReq(chanA, id, fmt.Sprintf("state %d", i))); err != nil {
					b.Error(err)
				}
			}()
			time.Sleep(50 * time.Millisecond)
		}
		wg.Wait()
		if m, _ := srv.Message(id); m.Content != "state 99" {
			b.Errorf("final content %q", m.Content)
		}
		reqs += float64(len(srv.RequestsTo("PATCH /channels/{channel_id}/messages/{message_id}")))
		coalesced += float64(o.Stats().Coalesced)
		if v := srv.Violations(); len(v) > 0 {
			b.Errorf("%d violations", len(v))
		}
		o.Close()
		srv.Close()
	}
	b.ReportMetric(reqs/float64(b.N), "requests/100-changes")
	b.ReportMetric(coalesced/float64(b.N), "coalesced/100-changes")
}

package panels

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/settings"
)

const (
	recreateCh = "950000000000000001"
	otherCh    = "950000000000000002"
)

// recreatePlugin is a started plugin (without workers) with an overview
// of messages 100 and 101 in recreateCh, recreated after 'after'.
func recreatePlugin(after time.Duration) (*Plugin, *overview) {
	p := New()
	p.set.Channels = []ChannelSettings{{ID: recreateCh, RecreateAfter: settings.Duration(after)}}
	p.started = true
	o := newOverview(recreateCh, record{Kind: kindStatus, IDs: []string{"100", "101"}})
	p.overviews[recreateCh] = o
	return p, o
}

func messageEv(t testing.TB, source string, m sdk.DiscordMessageEvent) sdk.Event {
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return sdk.Event{Topic: sdk.TopicDiscordMessage, Source: source, Payload: raw}
}

// reposting reports whether o was asked to repost (and woken).
func reposting(p *Plugin, o *overview) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-o.kick:
		return o.repost
	default:
		return false
	}
}

func TestRecreateAfterMessagesBelow(t *testing.T) {
	const after = 150 * time.Millisecond
	user := sdk.DiscordMessageEvent{ChannelID: recreateCh, MessageID: "102", AuthorID: "7"}
	tests := []struct {
		name   string
		after  time.Duration
		source string
		ev     sdk.DiscordMessageEvent
		want   bool
	}{
		{"a user's message below", after, "host", user, true},
		{"a bot's message below", after, "host", sdk.DiscordMessageEvent{ChannelID: recreateCh, MessageID: "102", AuthorID: "8", AuthorIsBot: true}, true},
		{"this bot's own message", after, "host", sdk.DiscordMessageEvent{ChannelID: recreateCh, MessageID: "102", AuthorID: "9", AuthorIsBot: true, Self: true}, false},
		{"a message above the overview", after, "host", sdk.DiscordMessageEvent{ChannelID: recreateCh, MessageID: "99", AuthorID: "7"}, false},
		{"another channel", after, "host", sdk.DiscordMessageEvent{ChannelID: otherCh, MessageID: "102", AuthorID: "7"}, false},
		{"published by a plugin, not the host", after, "evil", user, false},
		{"recreate_after 0s", 0, "host", user, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, o := recreatePlugin(tt.after)
			if err := p.HandleEvent(t.Context(), messageEv(t, tt.source, tt.ev)); err != nil {
				t.Fatal(err)
			}
			if reposting(p, o) {
				t.Fatal("reposted at once, want only after the quiet time")
			}
			time.Sleep(after + 200*time.Millisecond)
			if got := reposting(p, o); got != tt.want {
				t.Errorf("reposting after the quiet time = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRecreateWaitsForQuiet: each message below restarts the wait; a new
// overview posted below the messages forgets them.
func TestRecreateWaitsForQuiet(t *testing.T) {
	t.Parallel()
	const after = 300 * time.Millisecond
	p, o := recreatePlugin(after)
	for i, id := range []string{"102", "103", "104"} {
		if err := p.HandleEvent(t.Context(), messageEv(t, "host", sdk.DiscordMessageEvent{ChannelID: recreateCh, MessageID: id})); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after / 2)
		if reposting(p, o) {
			t.Fatalf("reposted %v after message %d while people still talk", after/2, i+1)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !reposting(p, o) {
		if time.Now().After(deadline) {
			t.Fatal("not reposted after the channel went quiet")
		}
		time.Sleep(20 * time.Millisecond)
	}

	p2, o2 := recreatePlugin(after)
	if err := p2.HandleEvent(t.Context(), messageEv(t, "host", sdk.DiscordMessageEvent{ChannelID: recreateCh, MessageID: "102"})); err != nil {
		t.Fatal(err)
	}
	p2.mu.Lock()
	o2.posted([]string{"110"}) // /ss posted the overview anew, below
	p2.mu.Unlock()
	time.Sleep(after + 200*time.Millisecond)
	if reposting(p2, o2) {
		t.Error("reposted though the overview was posted anew below the message")
	}
}

func TestBelow(t *testing.T) {
	tests := []struct {
		id   string
		ids  []string
		want bool
	}{
		{"102", []string{"100", "101"}, true},
		{"101", []string{"100", "101"}, false},
		{"99", []string{"100"}, false},
		{"102", nil, false},
		{"x", []string{"100"}, false},
		{"1000000000000000000", []string{"999999999999999999"}, true}, // numbers, not strings
	}
	for _, tt := range tests {
		if got := below(tt.id, tt.ids); got != tt.want {
			t.Errorf("below(%s, %v) = %v, want %v", tt.id, tt.ids, got, tt.want)
		}
	}
}

package pluginhost

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/ddc-go/ddc/sdk"
)

// TestPublishHostTopicsRefused: a plugin cannot publish on the host's
// discord.* topics (it could fake messages for others), only elsewhere.
func TestPublishHostTopicsRefused(t *testing.T) {
	bus := NewBus(slog.New(slog.DiscardHandler), 0, time.Second)
	rec := newRecorder()
	bus.Subscribe("panels", []string{"discord.*", "evil.*"}, rec.deliver)
	t.Cleanup(func() { bus.Unsubscribe("panels") })
	h := &hostAPI{m: &Manager{bus: bus}, id: "evil"}
	tests := []struct {
		topic string
		want  error
	}{
		{sdk.TopicDiscordMessage, sdk.ErrPermission},
		{"discord.other", sdk.ErrPermission},
		{"evil.news", nil},
		{"discordx.ok", nil},
	}
	for _, tt := range tests {
		if err := h.Publish(t.Context(), tt.topic, []byte(`{}`)); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("Publish(%s) = %v, want %v", tt.topic, err, tt.want)
		}
	}
	if n := bus.Stats().Published; n != 2 {
		t.Errorf("%d events published, want 2 (the refused ones never reach the bus)", n)
	}
}

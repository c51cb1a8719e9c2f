package panels

import (
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/sdk"
)

// TestRecreateAfterInactivity: with recreate_after 2s, a message the bot
// itself writes below the overview changes nothing; a user's message
// below it makes the overview be deleted and posted again at the bottom
// once the channel was quiet 2 s. The host asks Discord for the
// GUILD_MESSAGES intent and no privileged one.
func TestRecreateAfterInactivity(t *testing.T) {
	const after = 2 * time.Second
	eng := dockertest.Connect(t)
	up := eng.Run(t, dockertest.Options{Name: "pnl-recreate"})
	srv := newFake(t)
	serve(t, srv, t.TempDir(), containersOn(eng, nil), map[string]any{
		"channels": []map[string]any{{"id": statusCh, "recreate_after": after.String()}},
	})
	wait.For(t, 30*time.Second, "identified with GUILD_MESSAGES", func() bool {
		ids := srv.Identifies()
		return len(ids) > 0 && int64(ids[len(ids)-1].Intents)&sdk.IntentGuildMessages != 0 && srv.ReadySessions() == 1
	})
	if in := srv.Identifies()[len(srv.Identifies())-1].Intents; in&(fakediscord.IntentGuildMembers|fakediscord.IntentGuildPresences|fakediscord.IntentMessageContent) != 0 {
		t.Errorf("identify intents %b include a privileged one", in)
	}

	command(t, srv, statusCh, viewer, "ss")
	wait.For(t, 30*time.Second, "the overview", func() bool { return lineOf(overviewText(srv, statusCh), up.Name) != "" })
	first := botMessages(srv, statusCh)[0].ID

	// The bot's own message below (another plugin's, say) is not "people
	// talking": no repost.
	dg, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dg.ChannelMessageSend(statusCh, "a note by the bot"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(after + 2*time.Second)
	if _, ok := srv.Message(first); !ok {
		t.Fatal("the overview was deleted after the bot's own message")
	}

	user, err := srv.PostUserMessage(statusCh, viewer, "is the server up?")
	if err != nil {
		t.Fatal(err)
	}
	posted := time.Now()
	var last string
	wait.For(t, 30*time.Second, "the overview posted again at the bottom", func() bool {
		msgs := srv.Messages(statusCh)
		if len(msgs) == 0 {
			return false
		}
		m := msgs[len(msgs)-1]
		last = m.ID
		_, old := srv.Message(first)
		return !old && m.ID != first && m.Author != nil && m.Author.ID == srv.BotUser().ID && len(m.Embeds) > 0
	})
	took := time.Since(posted)
	t.Logf("reposted %v after the user's message (recreate_after %v)", took, after)
	if took < after {
		t.Errorf("reposted after %v, before the channel was quiet for %v", took, after)
	}
	if lineOf(overviewText(srv, statusCh), up.Name) == "" {
		t.Errorf("the new overview does not show %s", up.Name)
	}
	if m, ok := srv.Message(user.ID); !ok || m.Content != "is the server up?" {
		t.Error("the user's message is gone")
	}

	// Once at the bottom and nobody talks, it stays.
	time.Sleep(after + time.Second)
	if msgs := srv.Messages(statusCh); msgs[len(msgs)-1].ID != last {
		t.Errorf("the overview %s was posted again without a new message below it", last)
	}
}

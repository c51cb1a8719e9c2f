package panels

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// edits returns the PATCH requests of channel's messages since since.
func edits(srv *fakediscord.Server, channel string, since time.Time) []fakediscord.Request {
	var out []fakediscord.Request
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPatch && strings.HasPrefix(r.Path, "/channels/"+channel+"/messages/") && !r.Time.Before(since) {
			out = append(out, r)
		}
	}
	return out
}

// posts returns the POST requests of messages in channel since since.
func posts(srv *fakediscord.Server, channel string, since time.Time) []fakediscord.Request {
	var out []fakediscord.Request
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/channels/"+channel+"/messages" && !r.Time.Before(since) {
			out = append(out, r)
		}
	}
	return out
}

// refused returns the message posts and edits the fake refused.
func refused(srv *fakediscord.Server) []fakediscord.Request {
	var out []fakediscord.Request
	for _, r := range srv.Requests() {
		if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && strings.Contains(r.Path, "/messages") && r.Status >= 400 && r.Status != http.StatusTooManyRequests {
			out = append(out, r)
		}
	}
	return out
}

// allShown reports whether every container's line in text starts with
// emoji.
func allShown(text, emoji string, cs []dockertest.Container) bool {
	for _, c := range cs {
		if !strings.HasPrefix(lineOf(text, c.Name), emoji) {
			return false
		}
	}
	return true
}

// TestRestartEditsOldOverview: after DDC restarts, the overview it posted
// before is edited, not posted again; one deleted by a user is posted
// again at the next change.
func TestRestartEditsOldOverview(t *testing.T) {
	eng := dockertest.Connect(t)
	a := eng.Run(t, dockertest.Options{Name: "pnl-restart-a", StopTimeout: time.Second})
	b := eng.Run(t, dockertest.Options{Name: "pnl-restart-b", StopTimeout: time.Second})
	srv := newFake(t)
	data := t.TempDir()
	stop := serve(t, srv, data, containersOn(eng, nil), map[string]any{})
	command(t, srv, statusCh, viewer, "ss")
	wait.For(t, 60*time.Second, "the overview", func() bool {
		return strings.HasPrefix(lineOf(overviewText(srv, statusCh), a.Name), "🟢")
	})
	first := botMessages(srv, statusCh)
	stop()

	// Changed while DDC was down: the restarted DDC shows it by an edit.
	if _, err := eng.Client.ContainerStop(ctxT(t, time.Minute), a.ID, client.ContainerStopOptions{}); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	serve(t, srv, data, containersOn(eng, nil), map[string]any{})
	wait.For(t, 60*time.Second, "the old overview to be edited", func() bool {
		return strings.HasPrefix(lineOf(overviewText(srv, statusCh), a.Name), "🔴")
	})
	if p := posts(srv, statusCh, restarted); len(p) > 0 {
		t.Errorf("%d new overview messages after the restart, want the old one edited", len(p))
	}
	if got := botMessages(srv, statusCh); len(got) != len(first) || got[0].ID != first[0].ID {
		t.Errorf("after the restart the channel holds %d messages, want the %d of before", len(got), len(first))
	}

	// A user deletes it: the next change posts it again.
	if err := srv.DeleteMessage(first[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Client.ContainerStop(ctxT(t, time.Minute), b.ID, client.ContainerStopOptions{}); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 30*time.Second, "the overview to be posted again", func() bool {
		msgs := botMessages(srv, statusCh)
		return len(msgs) == 1 && msgs[0].ID != first[0].ID && strings.HasPrefix(lineOf(overviewText(srv, statusCh), b.Name), "🔴")
	})
}

// TestManyContainersWithinLimits: 120 containers fill several messages of
// the server and the admin overview, every one within Discord's limits
// (the fake refuses anything over them), every container shown once.
func TestManyContainersWithinLimits(t *testing.T) {
	eng := dockertest.Connect(t)
	cs := eng.CreateMany(t, 120, "pnl-many")
	srv := newFake(t)
	serve(t, srv, t.TempDir(), containersOn(eng, nil), map[string]any{})
	for _, ch := range []struct{ channel, user, cmd string }{{statusCh, viewer, "ss"}, {controlCh, operator, "control"}} {
		command(t, srv, ch.channel, ch.user, ch.cmd)
		wait.For(t, 90*time.Second, fmt.Sprintf("/%s to show 120 containers", ch.cmd), func() bool {
			return allShown(overviewText(srv, ch.channel), "🔴", cs)
		})
		text := overviewText(srv, ch.channel)
		for _, c := range cs {
			if n := strings.Count(text, "**"+c.Name+"**"); n != 1 {
				t.Errorf("/%s shows %s %d times", ch.cmd, c.Name, n)
			}
		}
		msgs := botMessages(srv, ch.channel)
		t.Logf("/%s: 120 containers in %d messages", ch.cmd, len(msgs))
		if len(msgs) < 2 {
			t.Errorf("/%s: 120 containers in %d message", ch.cmd, len(msgs))
		}
	}
	if r := refused(srv); len(r) > 0 {
		t.Errorf("the fake refused %d messages, first %s %d: %s", len(r), r[0].Route, r[0].Status, r[0].Body)
	}
}

package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
)

const (
	guildID = "110000000000000001"
	chanA   = "120000000000000001"
	chanB   = "120000000000000002"
)

func newFake(t testing.TB, cfg fakediscord.Config) *fakediscord.Server {
	t.Helper()
	cfg.Guilds = []fakediscord.Guild{{ID: guildID, Name: "g", Channels: []fakediscord.Channel{{ID: chanA, Name: "a"}, {ID: chanB, Name: "b"}}}}
	srv := fakediscord.New(cfg)
	t.Cleanup(srv.Close)
	return srv
}

func newOutbox(t testing.TB, srv *fakediscord.Server, cfg outbox.Config) *outbox.Outbox {
	t.Helper()
	cfg.BaseURL, cfg.Token = srv.URL(), srv.Token()
	o := outbox.New(cfg)
	t.Cleanup(o.Close)
	return o
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func post(t testing.TB, o *outbox.Outbox, channel, content string) string {
	t.Helper()
	body, err := o.Do(context.Background(), outbox.Request{Method: http.MethodPost, Path: "/channels/" + channel + "/messages", Body: map[string]string{"content": content}})
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	var m struct{ ID string }
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func editReq(channel, msg, content string) outbox.Request {
	return outbox.Request{Method: http.MethodPatch, Path: "/channels/" + channel + "/messages/" + msg, Body: map[string]string{"content": content}}
}

func TestBucketKey(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"PATCH", "/channels/1/messages/2", "PATCH /channels/1/messages/{id}"},
		{"POST", "/channels/1/messages", "POST /channels/1/messages"},
		{"PUT", "/applications/5/guilds/6/commands", "PUT /applications/{id}/guilds/6/commands"},
		{"POST", "/interactions/7/tok/callback", "POST /interactions/7/tok/callback"},
		{"PATCH", "/webhooks/5/tok/messages/@original", "PATCH /webhooks/5/tok/messages/{id}"},
		{"PATCH", "/webhooks/5/tok/messages/9", "PATCH /webhooks/5/tok/messages/{id}"},
	}
	for _, tt := range tests {
		if got := outbox.BucketKey(tt.method, tt.path); got != tt.want {
			t.Errorf("BucketKey(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestEditsCoalesced fires 200 edits of one message within 2 s against
// Discord's usual 5 edits per 5 s: the final content is the last edit,
// far fewer requests are sent, and none while a limit is running.
//
// The edits are asked for in order from one goroutine, each with a context
// that is already done, so Edit returns as soon as the edit is queued (it
// is still sent). Edits from a goroutine each have no order among
// themselves: an earlier version did that and, under load, the goroutine
// of edit 198 called Edit after that of edit 199.
func TestEditsCoalesced(t *testing.T) {
	t.Parallel()
	srv := newFake(t, fakediscord.Config{})
	o := newOutbox(t, srv, outbox.Config{})
	id := post(t, o, chanA, "start")

	queued, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 200 {
		if _, err := o.Edit(queued, chanA+"/"+id, editReq(chanA, id, fmt.Sprintf("state %d", i))); !errors.Is(err, context.Canceled) {
			t.Fatalf("Edit(done context) = %v, want context.Canceled once queued", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		m, ok := srv.Message(id)
		if ok && m.Content == "state 199" && o.Stats().Waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("final content = %q after 60 s, want %q", m.Content, "state 199")
		}
		time.Sleep(20 * time.Millisecond)
	}
	patches := srv.RequestsTo("PATCH /channels/{channel_id}/messages/{message_id}")
	if len(patches) > 20 {
		t.Errorf("sent %d edit requests for 200 edits, want far fewer", len(patches))
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("%d requests sent before retry_after passed: %+v", len(v), v[0])
	}
	st := o.Stats()
	if st.Coalesced < 150 || st.Limited != 0 {
		t.Errorf("Stats() = %+v, want >= 150 coalesced and no 429", st)
	}
	t.Logf("200 edits → %d requests; stats %+v", len(patches), st)
}

// TestGlobal429StopsAllRoutes: after a global 429 no route is used until
// its retry_after has passed.
func TestGlobal429StopsAllRoutes(t *testing.T) {
	t.Parallel()
	srv := newFake(t, fakediscord.Config{NoRateLimits: true})
	o := newOutbox(t, srv, outbox.Config{})
	const ra = 2 * time.Second // long enough to ask for the others while it holds
	srv.Script429(http.MethodPost, "/channels/{channel_id}/messages", ra, true, 1)
	start := time.Now()
	var wg sync.WaitGroup
	post1 := func(c string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			post(t, o, c, "hi")
		}()
	}
	// The first post gets the global 429. The others are sent only once
	// the outbox has taken it in: requests already on their way when
	// Discord answers 429 cannot be held back.
	post1(chanA)
	deadline := time.Now().Add(30 * time.Second)
	for o.Stats().Global429 == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the outbox never saw the global 429")
		}
		time.Sleep(time.Millisecond)
	}
	for _, c := range []string{chanB, chanA, chanB} {
		post1(c)
	}
	wg.Wait()
	reqs := srv.Requests()
	var first time.Time
	for _, r := range reqs {
		if r.Status == http.StatusTooManyRequests {
			first = r.Time
		}
	}
	if first.IsZero() {
		t.Fatal("no 429 was answered")
	}
	for _, r := range reqs {
		if r.Time.After(first) && r.Time.Sub(first) < ra {
			t.Errorf("%s %s sent %v after a global 429 with retry_after %v", r.Method, r.Path, r.Time.Sub(first), ra)
		}
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("violations: %+v", v)
	}
	if st := o.Stats(); st.Global429 != 1 || st.Requests != 5 {
		t.Errorf("Stats() = %+v, want 1 global 429 and 5 requests", st)
	}
	if time.Since(start) < ra {
		t.Errorf("all posts done in %v, before retry_after %v", time.Since(start), ra)
	}
}

// TestRoute429Retry: a route 429 is waited out once, then the request
// succeeds; the other channel is not held up.
func TestRoute429Retry(t *testing.T) {
	t.Parallel()
	srv := newFake(t, fakediscord.Config{NoRateLimits: true})
	o := newOutbox(t, srv, outbox.Config{})
	id := post(t, o, chanA, "x")
	// retry_after is long next to a loopback request, so the other
	// channel's post, asked for once the outbox has taken the 429 in, is
	// sent well before the retry even on a loaded machine.
	srv.Script429(http.MethodPatch, "/channels/{channel_id}/messages/{message_id}", 3*time.Second, false, 1)
	done := make(chan error, 1)
	go func() {
		_, err := o.Do(context.Background(), editReq(chanA, id, "y"))
		done <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for o.Stats().Limited == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the outbox never saw the 429")
		}
		time.Sleep(time.Millisecond)
	}
	post(t, o, chanB, "not held up")
	select {
	case err := <-done:
		t.Errorf("the edit (err %v) was done before the other channel's post: that post was held up", err)
	default:
	}
	if err := <-done; err != nil {
		t.Fatalf("edit after 429: %v", err)
	}
	if m, _ := srv.Message(id); m.Content != "y" {
		t.Errorf("content = %q, want y", m.Content)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("violations: %+v", v)
	}
}

// TestRetriesBounded: a route that keeps answering 429 is given up after
// MaxRetries, never hammered.
func TestRetriesBounded(t *testing.T) {
	t.Parallel()
	srv := newFake(t, fakediscord.Config{NoRateLimits: true})
	o := newOutbox(t, srv, outbox.Config{MaxRetries: 2})
	srv.Script429(http.MethodPost, "/channels/{channel_id}/messages", 100*time.Millisecond, false, 100)
	_, err := o.Do(context.Background(), outbox.Request{Method: http.MethodPost, Path: "/channels/" + chanA + "/messages", Body: map[string]string{"content": "x"}})
	if !errors.Is(err, outbox.ErrRateLimited) {
		t.Fatalf("Do = %v, want ErrRateLimited", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("sent %d requests, want 3 (1 + 2 retries)", n)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("violations: %+v", v)
	}
}

// TestEditDeletedMessage: an edit of a message someone deleted reports
// Unknown Message.
func TestEditDeletedMessage(t *testing.T) {
	t.Parallel()
	srv := newFake(t, fakediscord.Config{})
	o := newOutbox(t, srv, outbox.Config{})
	id := post(t, o, chanA, "panel")
	if err := srv.DeleteMessage(id); err != nil {
		t.Fatal(err)
	}
	_, err := o.Edit(ctxT(t, 10*time.Second), chanA+"/"+id, editReq(chanA, id, "new"))
	if !outbox.IsUnknownMessage(err) {
		t.Fatalf("Edit of a deleted message = %v, want Unknown Message", err)
	}
}

// TestQueueBounded: requests beyond QueueLimit are refused at once.
func TestQueueBounded(t *testing.T) {
	t.Parallel()
	srv := newFake(t, fakediscord.Config{})
	o := newOutbox(t, srv, outbox.Config{QueueLimit: 3})
	srv.Script429(http.MethodPost, "/channels/{channel_id}/messages", time.Second, false, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	full := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := o.Do(context.Background(), outbox.Request{Method: http.MethodPost, Path: "/channels/" + chanA + "/messages", Body: map[string]string{"content": "x"}})
			if errors.Is(err, outbox.ErrQueueFull) {
				mu.Lock()
				full++
				mu.Unlock()
			} else if err != nil {
				t.Errorf("Do: %v", err)
			}
		}()
	}
	wg.Wait()
	if full != 3 || o.Stats().Rejected != 3 {
		t.Errorf("%d refused (stats %+v), want 3", full, o.Stats())
	}
}

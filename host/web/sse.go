package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// Live updates.
const (
	// busID is the UI's subscription on the host's event bus.
	busID = "host:web"
	// sseQueue is how many events one live page may have waiting; a page
	// that falls further behind is told to reload its list (resync).
	sseQueue = 64
	// sseHeartbeat is how often an idle stream sends a comment, so proxies
	// keep it open and an ended session is noticed.
	sseHeartbeat = 25 * time.Second
	// pluginPoll is how often a plugins page's stream looks at the
	// plugins' states, restarts and memory; it sends a "plugins" event
	// when they changed.
	pluginPoll = 2 * time.Second
)

// sseMsg is one server-sent event.
type sseMsg struct {
	event string
	data  []byte
}

// sseClient is one open live page.
type sseClient struct {
	ch   chan sseMsg
	lost atomic.Bool // events were dropped: send a resync
}

// hub fans the bus's container events out to every open live page. One
// bus subscription serves them all; a slow page never holds up the others
// or the bus.
type hub struct {
	mu      sync.Mutex
	clients map[*sseClient]struct{}
}

func newHub() *hub { return &hub{clients: map[*sseClient]struct{}{}} }

func (h *hub) add() *sseClient {
	cl := &sseClient{ch: make(chan sseMsg, sseQueue)}
	h.mu.Lock()
	h.clients[cl] = struct{}{}
	h.mu.Unlock()
	return cl
}

func (h *hub) remove(cl *sseClient) {
	h.mu.Lock()
	delete(h.clients, cl)
	h.mu.Unlock()
}

// publish queues m for every page without blocking.
func (h *hub) publish(m sseMsg) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cl := range h.clients {
		select {
		case cl.ch <- m:
		default:
			cl.lost.Store(true)
		}
	}
}

// deliver is the hub's bus subscriber: container.state events go to the
// pages as "state", the others make them reload their list.
func (h *hub) deliver(_ context.Context, ev sdk.Event) error {
	switch ev.Topic {
	case capi.TopicState:
		h.publish(sseMsg{event: "state", data: ev.Payload})
	case capi.TopicEndpoint, capi.TopicSettings:
		h.publish(sseMsg{event: "resync", data: []byte("{}")})
	}
	return nil
}

// events streams live updates to a logged-in page: container events from
// the bus, and with ?plugins=1 the plugins' rows (state, restarts, memory)
// whenever they change.
func (u *ui) events(c *gin.Context) {
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetWriteDeadline(time.Time{})
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	cl := u.hub.add()
	defer u.hub.remove(cl)
	if _, err := fmt.Fprint(c.Writer, "retry: 2000\n: live\n\n"); err != nil {
		return
	}
	_ = rc.Flush()
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	var plugins <-chan time.Time
	if c.Query("plugins") == "1" {
		pt := time.NewTicker(pluginPoll)
		defer pt.Stop()
		plugins = pt.C
	}
	var lastRows []byte
	who := reqOf(c).who
	for {
		var err error
		select {
		case <-c.Request.Context().Done():
			return
		case <-tick.C:
			if who.Session != nil {
				if _, ok := u.Auth.Session(who.Session.ID); !ok {
					return
				}
			}
			_, err = fmt.Fprint(c.Writer, ": ping\n\n")
		case <-plugins:
			rows, _ := json.Marshal(u.pluginRows())
			if bytes.Equal(rows, lastRows) {
				continue
			}
			lastRows = rows
			_, err = fmt.Fprintf(c.Writer, "event: plugins\ndata: %s\n\n", rows)
		case m := <-cl.ch:
			if cl.lost.Swap(false) {
				m = sseMsg{event: "resync", data: []byte("{}")}
			}
			_, err = fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", m.event, m.data)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

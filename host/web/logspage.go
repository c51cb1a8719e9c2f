package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// logLinesShown is how many lines the logs page shows.
const logLinesShown = 500

// logsData is the logs page's content.
type logsData struct {
	Source  string
	Sources []option
	Lines   []LogLine
}

func (u *ui) logSource(c *gin.Context) string {
	src := c.Query("source")
	if src == "host" {
		return src
	}
	for _, st := range u.Host.Statuses() {
		if st.ID == src {
			return src
		}
	}
	return ""
}

func (u *ui) logsPage(c *gin.Context) {
	if u.Logs == nil {
		u.fail(c, false, http.StatusNotFound, "not_found", "no log is kept in this build")
		return
	}
	src := u.logSource(c)
	d := logsData{Source: src, Lines: u.Logs.Lines(src, logLinesShown)}
	d.Sources = append(d.Sources, option{Value: "", Label: "*", Selected: src == ""}, option{Value: "host", Label: "host", Selected: src == "host"})
	for _, st := range u.Host.Statuses() {
		d.Sources = append(d.Sources, option{Value: st.ID, Label: st.ID, Selected: src == st.ID})
	}
	pg := u.page(c, "logs.title", "logs")
	pg.Data = d
	u.render(c, http.StatusOK, "logs.html", pg)
}

// logStream follows the log live over server-sent events.
func (u *ui) logStream(c *gin.Context) {
	if u.Logs == nil {
		u.fail(c, false, http.StatusNotFound, "not_found", "no log is kept in this build")
		return
	}
	src := u.logSource(c)
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetWriteDeadline(time.Time{})
	c.Header("Content-Type", "text/event-stream")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	ch := u.Logs.subscribe()
	defer u.Logs.unsubscribe(ch)
	if _, err := fmt.Fprint(c.Writer, ": live\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-c.Request.Context().Done():
			return
		case <-tick.C:
			_, err = fmt.Fprint(c.Writer, ": ping\n\n")
		case l := <-ch:
			if src != "" && l.Source != src {
				continue
			}
			raw, _ := json.Marshal(map[string]string{"time": l.Time.Format("15:04:05"), "level": l.Level, "source": l.Source, "text": l.Text})
			_, err = fmt.Fprintf(c.Writer, "event: line\ndata: %s\n\n", raw)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

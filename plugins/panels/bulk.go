package panels

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// bulkTimeout bounds a whole Restart All or Stop All.
const bulkTimeout = 30 * time.Minute

// confirmAll asks whether to restart or stop all containers.
func (p *Plugin) confirmAll(tr i18n.Translator, op api.Op) (*sdk.Response, error) {
	if op != api.OpRestart && op != api.OpStop {
		return nil, sdk.Errorf("%s", tr.T("error.unknown_button"))
	}
	p.mu.Lock()
	n := 0
	for _, c := range p.tracker.Containers() {
		if c.Allows(op) && (op != api.OpStop || c.State.Up()) {
			n++
		}
	}
	p.mu.Unlock()
	return &sdk.Response{Message: sdk.Message{
		Content:   "⚠️ " + tr.T("bulk.confirm_"+string(op), "Count", n),
		Ephemeral: true,
		Components: []sdk.ActionRow{sdk.Row(
			sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:confirm:" + string(op), Label: tr.T("bulk.yes_" + string(op)), Style: sdk.ButtonDanger},
			sdk.Component{Type: sdk.ComponentButton, CustomID: "panels:cancel", Label: tr.T("bulk.cancel"), Style: sdk.ButtonSecondary},
		)},
	}}, nil
}

// progress is a running Restart All or Stop All shown in a channel
// message that is edited as containers finish.
type progress struct {
	op      api.Op
	channel string
	user    string
	tr      i18n.Translator
	kick    chan struct{}

	mu      sync.Mutex
	results []api.ActionResult // by index; Action empty while waiting
	done    int
	total   int
	final   bool
	failure string
}

// startAll runs a confirmed Restart All or Stop All in the background and
// shows its progress (n of m, each container's result) in a channel
// message.
func (p *Plugin) startAll(ctx context.Context, tr i18n.Translator, req *sdk.ComponentRequest, op api.Op) (*sdk.Response, error) {
	if op != api.OpRestart && op != api.OpStop {
		return nil, sdk.Errorf("%s", tr.T("error.unknown_button"))
	}
	tag := PluginID + ":" + req.ID
	pr := &progress{op: op, channel: req.ChannelID, user: req.User.Name, tr: tr, kick: make(chan struct{}, 1)}
	id, err := p.host.Send(ctx, req.ChannelID, pr.message())
	if err != nil {
		return nil, fmt.Errorf("post %s-all progress: %w", op, err)
	}
	p.mu.Lock()
	p.bulks[tag] = pr
	p.mu.Unlock()
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bulkTimeout)
	edits := make(chan struct{})
	go func() {
		defer close(edits)
		pr.follow(bctx, p, id)
	}()
	go func() {
		defer cancel()
		var res api.BulkResult
		var err error
		if op == api.OpRestart {
			res, err = api.RestartAll(bctx, p.host, api.WithTag(tag))
		} else {
			res, err = api.StopAll(bctx, p.host, api.WithTag(tag))
		}
		p.mu.Lock()
		delete(p.bulks, tag)
		p.mu.Unlock()
		pr.finish(res, err)
		<-edits
		if _, ferr := p.host.Followup(bctx, req.ID, sdk.Message{Content: pr.summary(), Ephemeral: true}); ferr != nil {
			p.log.Warn("send bulk summary", "error", ferr)
		}
	}()
	return &sdk.Response{Update: true, Message: sdk.Message{Content: "⏳ " + tr.T("bulk.started_"+string(op)), Ephemeral: true}}, nil
}

// bulkEvent records one container's result of a run this plugin started.
func (p *Plugin) bulkEvent(payload []byte) {
	ev, err := api.DecodeBulk(payload)
	if err != nil {
		p.log.Warn("bulk event", "error", err)
		return
	}
	p.mu.Lock()
	pr := p.bulks[ev.Tag]
	p.mu.Unlock()
	if pr == nil {
		return
	}
	pr.mu.Lock()
	if ev.Total > 0 && ev.Total <= 10000 && ev.Index >= 0 && ev.Index < ev.Total && !pr.final {
		if len(pr.results) != ev.Total {
			pr.results = make([]api.ActionResult, ev.Total)
		}
		pr.results[ev.Index], pr.done, pr.total = ev.Result, ev.Done, ev.Total
	}
	pr.mu.Unlock()
	select {
	case pr.kick <- struct{}{}:
	default:
	}
}

// finish records the run's final result.
func (pr *progress) finish(res api.BulkResult, err error) {
	pr.mu.Lock()
	if err != nil {
		pr.failure = userText(err)
	} else {
		pr.results, pr.done, pr.total = res.Results, len(res.Results), len(res.Results)
	}
	pr.final = true
	pr.mu.Unlock()
	select {
	case pr.kick <- struct{}{}:
	default:
	}
}

// follow edits the progress message whenever it changes, until the final
// state is drawn.
func (pr *progress) follow(ctx context.Context, p *Plugin, id string) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-pr.kick:
		}
		m := pr.message()
		pr.mu.Lock()
		final := pr.final
		pr.mu.Unlock()
		if err := p.host.Edit(ctx, pr.channel, id, m); err != nil {
			p.log.Warn("edit bulk progress", "error", err)
		}
		if final {
			return
		}
	}
}

// message draws the progress.
func (pr *progress) message() sdk.Message {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	tr := pr.tr
	title := tr.T("bulk.title_"+string(pr.op), "User", cut(pr.user, 80))
	e := sdk.Embed{Title: cut(title, 250), Color: colorWarn}
	var b strings.Builder
	switch {
	case pr.failure != "":
		b.WriteString("❌ " + cut(pr.failure, 1000))
		e.Color = colorBad
	case pr.total == 0:
		b.WriteString("⏳ " + tr.T("bulk.waiting"))
	default:
		fmt.Fprintf(&b, "%s\n", tr.T("bulk.progress", "Done", pr.done, "Total", pr.total))
		shown := 0
		for _, r := range pr.results {
			if r.Container == "" {
				continue
			}
			l := resultLine(tr, r)
			if b.Len()+len(l) > 3800 {
				fmt.Fprintf(&b, "… %s", tr.T("bulk.more", "Count", pr.done-shown))
				break
			}
			b.WriteString(l + "\n")
			shown++
		}
		if pr.final {
			e.Color = colorOK
		}
	}
	e.Description = strings.TrimRight(b.String(), "\n")
	return sdk.Message{Embeds: []sdk.Embed{e}}
}

// resultLine is one container's result.
func resultLine(tr i18n.Translator, r api.ActionResult) string {
	name := escape(cut(r.Container, maxNameLen))
	switch {
	case r.Skipped != "":
		return "⏭️ " + name + " · " + tr.T("bulk.skipped", "Reason", cut(r.Skipped, 100))
	case r.Error != "":
		return "❌ " + name + " · " + cut(r.Error, 200)
	case !r.OK:
		return "❌ " + name + " · " + cut(r.Detail, 200)
	}
	return "✅ " + name + " · " + cut(r.Detail, 200)
}

// summary counts the results for the user who started the run.
func (pr *progress) summary() string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.failure != "" {
		return "❌ " + cut(pr.failure, 1500)
	}
	ok, failed, skipped := 0, 0, 0
	for _, r := range pr.results {
		switch {
		case r.Skipped != "":
			skipped++
		case r.OK:
			ok++
		default:
			failed++
		}
	}
	return pr.tr.T("bulk.summary", "OK", ok, "Failed", failed, "Skipped", skipped)
}

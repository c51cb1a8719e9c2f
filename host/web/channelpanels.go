package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/sdk/settings"
)

// panelsID is the plugin whose per-channel overview settings the channels
// page edits: plugins.panels.settings.channels, one entry per channel.
const panelsID = "panels"

// panelChannel is one status or control channel's overview settings as
// the channels page shows them (the panels plugin's ChannelSettings).
type panelChannel struct {
	ID            string
	Control       bool // the channel is a control channel
	PostOnStart   bool
	AdminOverview bool // the overview posted on start is /control's
	Collapsed     bool
	Refresh       string // "" uses the plugin's default
	RecreateAfter string // "" or "0s": never
	Errors        map[string]string
	FormError     string
}

// panelChannels lists the status and control channels (a channel in both
// is a control channel) with their settings from the panels plugin's
// settings.
func panelChannels(d config.Discord, current map[string]any) []panelChannel {
	entries, _ := current["channels"].([]any)
	byID := map[string]map[string]any{}
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok {
			if id, ok := m["id"].(string); ok {
				byID[id] = m
			}
		}
	}
	var out []panelChannel
	seen := map[string]bool{}
	add := func(id string, control bool) {
		if seen[id] {
			return
		}
		seen[id] = true
		m := byID[id]
		flag := func(k string) bool { b, _ := m[k].(bool); return b }
		text := func(k string) string { s, _ := m[k].(string); return s }
		out = append(out, panelChannel{ID: id, Control: control, PostOnStart: flag("post_on_start"), AdminOverview: flag("control"),
			Collapsed: flag("collapsed"), Refresh: text("refresh"), RecreateAfter: text("recreate_after")})
	}
	for _, id := range d.ControlChannels {
		add(id, true)
	}
	for _, id := range d.StatusChannels {
		add(id, false)
	}
	return out
}

// entry is pc as an entry of the plugin's channels list, on top of old
// (keys the page does not edit are kept).
func (pc panelChannel) entry(old map[string]any) map[string]any {
	e := map[string]any{}
	for k, v := range old {
		e[k] = v
	}
	e["id"] = pc.ID
	for k, v := range map[string]bool{"post_on_start": pc.PostOnStart, "control": pc.AdminOverview, "collapsed": pc.Collapsed} {
		if v {
			e[k] = true
		} else {
			delete(e, k)
		}
	}
	for k, v := range map[string]string{"refresh": pc.Refresh, "recreate_after": pc.RecreateAfter} {
		if v != "" {
			e[k] = v
		} else {
			delete(e, k)
		}
	}
	return e
}

// withChannel returns the panels plugin's settings with pc's entry put in
// (replacing the channel's old one), and the entry's index.
func withChannel(current map[string]any, pc panelChannel) (map[string]any, int) {
	out := map[string]any{}
	for k, v := range current {
		out[k] = v
	}
	entries, _ := current["channels"].([]any)
	list := make([]any, 0, len(entries)+1)
	at := -1
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok && m["id"] == pc.ID {
			at = len(list)
			list = append(list, pc.entry(m))
			continue
		}
		list = append(list, e)
	}
	if at < 0 {
		at = len(list)
		list = append(list, pc.entry(nil))
	}
	out["channels"] = list
	return out, at
}

// checkPanels validates the panels plugin's settings s against its
// schema and puts the problems of entry at on pc's fields.
func checkPanels(schema string, s map[string]any, at int, pc *panelChannel) error {
	v, err := settings.Compile(schema)
	if err != nil {
		return fmt.Errorf("plugin %s's settings schema: %w", panelsID, err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode %s settings: %w", panelsID, err)
	}
	pc.Errors = map[string]string{}
	prefix := "channels[" + strconv.Itoa(at) + "]."
	for _, p := range settings.Problems(v.Validate(raw)) {
		if f, ok := strings.CutPrefix(p.Path, prefix); ok {
			pc.Errors[topField(f)] = p.Message
			continue
		}
		pc.FormError = strings.TrimSpace(pc.FormError + " " + p.String())
	}
	return nil
}

// channelPanelsSubmit saves one channel's overview settings into the
// panels plugin's settings, checked against its schema first, with the
// problems next to the fields; the plugin gets them live like any
// settings change.
func (u *ui) channelPanelsSubmit(c *gin.Context) {
	pc := panelChannel{
		ID: c.PostForm("channel"), PostOnStart: c.PostForm("post_on_start") == "true", AdminOverview: c.PostForm("control") == "true",
		Collapsed: c.PostForm("collapsed") == "true", Refresh: strings.TrimSpace(c.PostForm("refresh")), RecreateAfter: strings.TrimSpace(c.PostForm("recreate_after")),
	}
	if !config.ValidSnowflake(pc.ID) {
		u.fail(c, false, http.StatusBadRequest, "invalid", "not a Discord channel id")
		return
	}
	mf, ok := u.Host.Manifests()[panelsID]
	if !ok || strings.TrimSpace(mf.SettingsSchema) == "" {
		u.fail(c, false, http.StatusConflict, "unavailable", "the panels plugin is not running; enable it on the plugins page")
		return
	}
	s, at := withChannel(u.currentSettings(panelsID), pc)
	if err := checkPanels(mf.SettingsSchema, s, at, &pc); err != nil {
		u.log.Error("web: check panels settings", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not check the settings; see the log")
		return
	}
	if len(pc.Errors) > 0 || pc.FormError != "" {
		pg := u.page(c, "ch.title", "channels")
		d := u.channelsData()
		for i := range d.Panels {
			if d.Panels[i].ID == pc.ID {
				pc.Control = d.Panels[i].Control
				d.Panels[i] = pc
			}
		}
		pg.Data = d
		pg.Warnings = append(pg.Warnings, pg.T("plug.invalid"))
		bothWarnings(pg, d)
		u.render(c, http.StatusBadRequest, "channels.html", pg)
		return
	}
	err := u.updateConfig(config.Change{Key: []string{"plugins", panelsID, "settings", "channels"}, Value: s["channels"]})
	u.auditResult(c, "plugin.settings", panelsID, err)
	if err != nil {
		u.log.Error("web: save panels channel settings", "channel", pc.ID, "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not save; see the log")
		return
	}
	u.awaitConfig(c.Request.Context(), func(cfg *config.Config) bool {
		got, _ := withChannel(cfg.Plugins[panelsID].Settings, pc)
		a, _ := json.Marshal(got["channels"])
		b, _ := json.Marshal(cfg.Plugins[panelsID].Settings["channels"])
		return string(a) == string(b)
	})
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/channels?done=saved#panels-"+pc.ID)
}

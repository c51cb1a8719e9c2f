package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/config"
)

// InvitePermissions are the bot permissions the invite link asks for:
// View Channels, Send Messages, Embed Links and Read Message History.
const InvitePermissions = 1024 + 2048 + 16384 + 65536

// discordData is the Discord page's content. The token is never in it:
// only whether one is set and where from.
type discordData struct {
	State       string
	TokenSet    bool
	TokenSource string
	GuildIDs    string
	Invite      string
}

// botID reads the bot's user id from a token's first part (base64 of the
// id), "" when it is not one.
func botID(token string) string {
	first, _, ok := strings.Cut(token, ".")
	if !ok {
		return ""
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(first, "="))
	if err != nil || !config.ValidSnowflake(string(raw)) {
		return ""
	}
	return string(raw)
}

// InviteURL is the link that adds the bot with id to a server, with the
// bot and slash-command scopes and InvitePermissions.
func InviteURL(id string) string {
	v := url.Values{"client_id": {id}, "scope": {"bot applications.commands"}, "permissions": {strconv.Itoa(InvitePermissions)}}
	return "https://discord.com/oauth2/authorize?" + v.Encode()
}

func (u *ui) discordData() discordData {
	c := u.Config()
	d := discordData{State: "no_token", TokenSet: c.Discord.Token != "", TokenSource: c.Source("discord.token"), GuildIDs: strings.Join(c.Discord.GuildIDs, "\n")}
	if u.cfg.Discord != nil {
		d.State = u.cfg.Discord()
	}
	if id := botID(c.Discord.Token); id != "" {
		d.Invite = InviteURL(id)
	}
	return d
}

func (u *ui) discordPage(c *gin.Context) {
	pg := u.page(c, "dc.title", "discord")
	if c.Query("done") == "saved" {
		pg.Notices = append(pg.Notices, pg.T("dc.saved"))
	}
	pg.Data = u.discordData()
	u.render(c, http.StatusOK, "discord.html", pg)
}

// idList splits a list of ids (one per line, or separated by commas or
// spaces) and names the first one that is not a Discord id.
func idList(s string) ([]string, string) {
	ids := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if !config.ValidSnowflake(f) {
			return nil, f
		}
		ids = append(ids, f)
	}
	return ids, ""
}

func (u *ui) discordSubmit(c *gin.Context) {
	pg := u.page(c, "dc.title", "discord")
	guilds, bad := idList(c.PostForm("guild_ids"))
	if bad != "" {
		pg.Errors["guild_ids"] = pg.T("dc.badid", "ID", bad)
		d := u.discordData()
		d.GuildIDs = c.PostForm("guild_ids")
		pg.Data = d
		u.render(c, http.StatusBadRequest, "discord.html", pg)
		return
	}
	edits := []config.Change{{Key: []string{"discord", "guild_ids"}, Value: guilds}}
	tokenChanged := false
	if tok := strings.TrimSpace(c.PostForm("token")); tok != "" {
		if len(tok) > 200 || strings.ContainsAny(tok, " \t\r\n") {
			pg.Errors["token"] = pg.T("dc.badtoken")
			pg.Data = u.discordData()
			u.render(c, http.StatusBadRequest, "discord.html", pg)
			return
		}
		edits = append(edits, config.Change{Key: []string{"discord", "token"}, Value: tok})
		tokenChanged = true
	}
	err := u.updateConfig(edits...)
	detail := "guild ids"
	if tokenChanged {
		detail += ", token"
	}
	u.auditResult(c, "discord.settings", detail, err)
	if err != nil {
		u.log.Error("web: save Discord settings", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not save; see the log")
		return
	}
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/discord?done=saved")
}

// permLists are the channel and permission lists the channels page
// edits: form field and config key under discord.
var permLists = []string{"status_channels", "control_channels", "admin_users", "admin_roles", "operator_roles"} //nolint:gochecknoglobals // constant list

// channelsData is the channels page's content.
type channelsData struct {
	Lists map[string]string
	Both  []string // ids in both the status and the control channels
	// Panels are the channels' overview settings (the panels plugin's);
	// PanelsRunning tells whether that plugin runs to take them.
	Panels        []panelChannel
	PanelsRunning bool
}

func (u *ui) channelsData() channelsData { return u.channelsDataOf(u.Config()) }

// channelsDataOf is the channels page's content for the config cfg.
func (u *ui) channelsDataOf(cfg *config.Config) channelsData {
	d := cfg.Discord
	vals := map[string][]string{
		"status_channels": d.StatusChannels, "control_channels": d.ControlChannels,
		"admin_users": d.AdminUsers, "admin_roles": d.AdminRoles, "operator_roles": d.OperatorRoles,
	}
	out := channelsData{Lists: map[string]string{}}
	for k, v := range vals {
		out.Lists[k] = strings.Join(v, "\n")
	}
	out.Both = inBoth(d.StatusChannels, d.ControlChannels)
	out.Panels = panelChannels(d, cfg.Plugins[panelsID].Settings)
	_, out.PanelsRunning = u.Host.Manifests()[panelsID]
	return out
}

func inBoth(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
			}
		}
	}
	return out
}

// bothWarnings warns on pg about each id in both channel lists.
func bothWarnings(pg *page, d channelsData) {
	for _, id := range d.Both {
		pg.Warnings = append(pg.Warnings, pg.T("ch.both", "ID", id))
	}
}

func (u *ui) channelsPage(c *gin.Context) {
	pg := u.page(c, "ch.title", "channels")
	if c.Query("done") == "saved" {
		pg.Notices = append(pg.Notices, pg.T("dc.saved"))
	}
	d := u.channelsData()
	bothWarnings(pg, d)
	pg.Data = d
	u.render(c, http.StatusOK, "channels.html", pg)
}

func (u *ui) channelsSubmit(c *gin.Context) {
	pg := u.page(c, "ch.title", "channels")
	var edits []config.Change
	d := channelsData{Lists: map[string]string{}}
	for _, k := range permLists {
		d.Lists[k] = c.PostForm(k)
		ids, bad := idList(d.Lists[k])
		if bad != "" {
			pg.Errors[k] = pg.T("dc.badid", "ID", bad)
			continue
		}
		edits = append(edits, config.Change{Key: []string{"discord", k}, Value: ids})
	}
	if len(pg.Errors) > 0 {
		d.Panels = u.channelsData().Panels
		pg.Data = d
		u.render(c, http.StatusBadRequest, "channels.html", pg)
		return
	}
	err := u.updateConfig(edits...)
	u.auditResult(c, "discord.permissions", "channels and roles", err)
	if err != nil {
		u.log.Error("web: save channels", "error", err)
		u.fail(c, false, http.StatusInternalServerError, "internal", "could not save; see the log")
		return
	}
	// The page after the redirect shows the running config: wait for
	// the watcher to load what was saved.
	u.awaitConfig(c.Request.Context(), func(cfg *config.Config) bool {
		now := u.channelsDataOf(cfg).Lists
		for _, e := range edits {
			if ids, _ := e.Value.([]string); strings.Join(ids, "\n") != now[e.Key[1]] {
				return false
			}
		}
		return true
	})
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/channels?done=saved")
}

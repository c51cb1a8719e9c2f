package fakediscord

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Discord JSON error codes the fake answers with.
const (
	CodeUnknownChannel            = 10003
	CodeUnknownGuild              = 10004
	CodeUnknownMember             = 10007
	CodeUnknownMessage            = 10008
	CodeUnknownWebhook            = 10015
	CodeUnknownInteraction        = 10062
	CodeUnknownApplicationCommand = 10063
	CodeMaxApplicationCommands    = 30032
	CodeMissingAccess             = 50001
	CodeCannotEditOthersMessage   = 50005
	CodeEmptyMessage              = 50006
	CodeInvalidWebhookToken       = 50027
	CodeInvalidFormBody           = 50035
	CodeAlreadyAcknowledged       = 40060
)

// Request is one REST request the fake received.
type Request struct {
	Time   time.Time
	Method string
	// Path is the URL path below /api/v9, e.g. "/channels/1/messages".
	Path  string
	Query string
	// Route is the matched route with the method, e.g.
	// "PATCH /channels/{channel_id}/messages/{message_id}"; "" if no
	// route matched.
	Route string
	// Bucket is the rate-limit bucket: the route and its major parameters.
	Bucket string
	// Body is the request body; for a multipart body, its payload_json.
	Body   []byte
	Status int
	// Violation is true when the request was sent before a retry_after
	// announced by an earlier 429 (same bucket, or global) had passed.
	Violation bool
}

type response struct {
	status int
	body   any // marshalled as JSON; nil means no body
	header http.Header
}

type reqCtx struct {
	r    *http.Request
	p    map[string]string
	body []byte
	now  time.Time
}

type route struct {
	method       string
	pattern      string
	segs         []string
	auth         bool
	exemptGlobal bool
	h            func(rc *reqCtx) response
}

func (s *Server) buildRoutes() []route {
	rs := []route{
		{method: "GET", pattern: "/gateway", h: s.getGateway},
		{method: "GET", pattern: "/gateway/bot", auth: true, h: s.getGatewayBot},
		{method: "GET", pattern: "/users/@me", auth: true, h: s.getMe},
		{method: "GET", pattern: "/applications/@me", auth: true, h: s.getApplication},
		{method: "GET", pattern: "/applications/{application_id}/commands", auth: true, h: s.listCommands},
		{method: "PUT", pattern: "/applications/{application_id}/commands", auth: true, h: s.overwriteCommands},
		{method: "POST", pattern: "/applications/{application_id}/commands", auth: true, h: s.createCommand},
		{method: "GET", pattern: "/applications/{application_id}/commands/{command_id}", auth: true, h: s.getCommand},
		{method: "PATCH", pattern: "/applications/{application_id}/commands/{command_id}", auth: true, h: s.editCommand},
		{method: "DELETE", pattern: "/applications/{application_id}/commands/{command_id}", auth: true, h: s.deleteCommand},
		{method: "GET", pattern: "/applications/{application_id}/guilds/{guild_id}/commands", auth: true, h: s.listCommands},
		{method: "PUT", pattern: "/applications/{application_id}/guilds/{guild_id}/commands", auth: true, h: s.overwriteCommands},
		{method: "POST", pattern: "/applications/{application_id}/guilds/{guild_id}/commands", auth: true, h: s.createCommand},
		{method: "GET", pattern: "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", auth: true, h: s.getCommand},
		{method: "PATCH", pattern: "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", auth: true, h: s.editCommand},
		{method: "DELETE", pattern: "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", auth: true, h: s.deleteCommand},
		{method: "GET", pattern: "/guilds/{guild_id}", auth: true, h: s.getGuild},
		{method: "GET", pattern: "/guilds/{guild_id}/channels", auth: true, h: s.getGuildChannels},
		{method: "GET", pattern: "/guilds/{guild_id}/roles", auth: true, h: s.getGuildRoles},
		{method: "GET", pattern: "/guilds/{guild_id}/members/{user_id}", auth: true, h: s.getGuildMember},
		{method: "GET", pattern: "/channels/{channel_id}", auth: true, h: s.getChannel},
		{method: "GET", pattern: "/channels/{channel_id}/messages", auth: true, h: s.listMessages},
		{method: "POST", pattern: "/channels/{channel_id}/messages", auth: true, h: s.createMessage},
		{method: "GET", pattern: "/channels/{channel_id}/messages/{message_id}", auth: true, h: s.getMessage},
		{method: "PATCH", pattern: "/channels/{channel_id}/messages/{message_id}", auth: true, h: s.editMessage},
		{method: "DELETE", pattern: "/channels/{channel_id}/messages/{message_id}", auth: true, h: s.deleteMessage},
		{method: "POST", pattern: "/interactions/{interaction_id}/{interaction_token}/callback", exemptGlobal: true, h: s.interactionCallback},
		{method: "POST", pattern: "/webhooks/{application_id}/{interaction_token}", h: s.followupCreate},
		{method: "GET", pattern: "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", h: s.webhookGetMessage},
		{method: "PATCH", pattern: "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", h: s.webhookEditMessage},
		{method: "DELETE", pattern: "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", h: s.webhookDeleteMessage},
	}
	for i := range rs {
		rs[i].segs = strings.Split(strings.Trim(rs[i].pattern, "/"), "/")
	}
	return rs
}

func matchSegs(segs, parts []string) (map[string]string, bool) {
	if len(segs) != len(parts) {
		return nil, false
	}
	p := map[string]string{}
	for i, sg := range segs {
		if strings.HasPrefix(sg, "{") {
			if parts[i] == "" {
				return nil, false
			}
			p[strings.Trim(sg, "{}")] = parts[i]
		} else if sg != parts[i] {
			return nil, false
		}
	}
	return p, true
}

// majorParams returns the route parameters that split a route into
// buckets.
func majorParams() []string {
	return []string{"channel_id", "guild_id", "interaction_id", "interaction_token"}
}

func apiErr(code int, msg string) map[string]any {
	return map[string]any{"code": code, "message": msg}
}

func errResp(status, code int, msg string) response {
	return response{status: status, body: apiErr(code, msg)}
}

func writeError(w http.ResponseWriter, status, code int, msg string, errs map[string]any) {
	body := apiErr(code, msg)
	if errs != nil {
		body["errors"] = errs
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// findRoute returns the route for method and the path parts with its
// parameters; methodMismatch says that only another method's route matched.
func (s *Server) findRoute(method string, parts []string) (rt *route, params map[string]string, methodMismatch bool) {
	for i := range s.routes {
		p, ok := matchSegs(s.routes[i].segs, parts)
		if !ok {
			continue
		}
		if s.routes[i].method != method {
			methodMismatch = true
			continue
		}
		return &s.routes[i], p, methodMismatch
	}
	return nil, nil, methodMismatch
}

// serveREST answers one REST request: route, authorization, rate limits,
// then the route's handler; every request is recorded.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	path := strings.TrimPrefix(r.URL.Path, "/api/v9")
	body, err := readBody(r)
	rec := Request{Time: now, Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: body}
	var resp response
	var hdr http.Header

	s.mu.Lock()
	switch {
	case err != nil:
		resp = errResp(http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
	default:
		parts := strings.Split(strings.Trim(path, "/"), "/")
		rt, params, methodMismatch := s.findRoute(r.Method, parts)
		switch {
		case rt == nil && methodMismatch:
			resp = errResp(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		case rt == nil:
			resp = errResp(http.StatusNotFound, 0, "404: Not Found")
		default:
			rec.Route = rt.method + " " + rt.pattern
			rec.Bucket = rec.Route
			for _, k := range majorParams() {
				if v, ok := params[k]; ok {
					rec.Bucket += " " + k + "=" + v
				}
			}
			if rt.auth && r.Header.Get("Authorization") != "Bot "+s.cfg.Token {
				resp = errResp(http.StatusUnauthorized, 0, "401: Unauthorized")
				break
			}
			lr := s.limits.check(now, r.Method, rt.pattern, rec.Bucket, rt.exemptGlobal)
			rec.Violation = lr.violation
			hdr = lr.header
			if lr.reject != nil {
				resp = *lr.reject
				break
			}
			resp = rt.h(&reqCtx{r: r, p: params, body: body, now: now})
		}
	}
	rec.Status = resp.status
	switch resp.status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		s.invalid++
	}
	s.requests = append(s.requests, rec)
	s.notifyLocked()
	s.mu.Unlock()

	for k, v := range hdr {
		w.Header()[k] = v
	}
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	b, err := json.Marshal(resp.body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, 0, "fakediscord: marshal response: "+err.Error(), nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	w.Write(b)
}

// Requests returns every REST request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RequestsTo returns the requests whose Route is route, e.g.
// "PATCH /channels/{channel_id}/messages/{message_id}".
func (s *Server) RequestsTo(route string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

func ok(v any) response { return response{status: http.StatusOK, body: v} }

func noContent() response { return response{status: http.StatusNoContent} }

func (s *Server) getGateway(*reqCtx) response {
	return ok(map[string]any{"url": s.wsURL})
}

func (s *Server) getGatewayBot(*reqCtx) response {
	return ok(map[string]any{
		"url": s.wsURL, "shards": 1,
		"session_start_limit": map[string]any{"total": 1000, "remaining": 1000 - len(s.gw.identifies), "reset_after": 86400000, "max_concurrency": 1},
	})
}

func (s *Server) getMe(*reqCtx) response {
	u := userObject(s.cfg.BotUser)
	return ok(map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "global_name": nil, "bot": true, "verified": true, "flags": 0})
}

func (s *Server) getApplication(*reqCtx) response {
	return ok(map[string]any{
		"id": s.cfg.ApplicationID, "name": s.cfg.BotUser.Username, "description": "", "bot_public": false,
		"bot": userObject(s.cfg.BotUser), "flags": s.cfg.ApplicationFlags,
	})
}

func (s *Server) getGuild(rc *reqCtx) response {
	if _, ok := s.guilds[rc.p["guild_id"]]; !ok {
		return errResp(http.StatusNotFound, CodeUnknownGuild, "Unknown Guild")
	}
	g := s.guildJSONLocked(rc.p["guild_id"])
	for _, k := range []string{"channels", "members", "threads", "voice_states", "presences", "member_count", "joined_at", "large", "unavailable"} {
		delete(g, k)
	}
	return ok(g)
}

func (s *Server) getGuildChannels(rc *reqCtx) response {
	g, found := s.guilds[rc.p["guild_id"]]
	if !found {
		return errResp(http.StatusNotFound, CodeUnknownGuild, "Unknown Guild")
	}
	out := []any{}
	for _, c := range g.Channels {
		out = append(out, channelJSON(c, g.ID))
	}
	return ok(out)
}

func (s *Server) getGuildRoles(rc *reqCtx) response {
	g, found := s.guilds[rc.p["guild_id"]]
	if !found {
		return errResp(http.StatusNotFound, CodeUnknownGuild, "Unknown Guild")
	}
	out := []any{}
	for _, r := range g.Roles {
		out = append(out, roleJSON(r))
	}
	return ok(out)
}

func (s *Server) getGuildMember(rc *reqCtx) response {
	g, found := s.guilds[rc.p["guild_id"]]
	if !found {
		return errResp(http.StatusNotFound, CodeUnknownGuild, "Unknown Guild")
	}
	for _, m := range g.Members {
		if m.UserID == rc.p["user_id"] {
			return ok(s.memberJSONLocked(g, m))
		}
	}
	return errResp(http.StatusNotFound, CodeUnknownMember, "Unknown Member")
}

func (s *Server) getChannel(rc *reqCtx) response {
	c, found := s.channels[rc.p["channel_id"]]
	if !found {
		return errResp(http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
	}
	return ok(channelJSON(c.Channel, c.guildID))
}

// channelMessage finds a visible message of a channel.
func (s *Server) channelMessage(rc *reqCtx) (*channelState, *messageState, *response) {
	c, found := s.channels[rc.p["channel_id"]]
	if !found {
		r := errResp(http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return nil, nil, &r
	}
	id, hasID := rc.p["message_id"]
	if !hasID {
		return c, nil, nil
	}
	m, found := s.messages[id]
	if !found || m.deleted || m.ephemeral || m.msg.ChannelID != c.ID {
		r := errResp(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return nil, nil, &r
	}
	return c, m, nil
}

func (s *Server) listMessages(rc *reqCtx) response {
	c, _, errr := s.channelMessage(rc)
	if errr != nil {
		return *errr
	}
	limit := 50
	if v, err := strconv.Atoi(rc.r.URL.Query().Get("limit")); err == nil && v >= 1 && v <= 100 {
		limit = v
	}
	out := []*discordgo.Message{}
	for i := len(c.msgs) - 1; i >= 0 && len(out) < limit; i-- {
		if m := s.messages[c.msgs[i]]; !m.deleted {
			out = append(out, m.msg)
		}
	}
	return ok(out)
}

func (s *Server) getMessage(rc *reqCtx) response {
	_, m, errr := s.channelMessage(rc)
	if errr != nil {
		return *errr
	}
	return ok(m.msg)
}

func (s *Server) createMessage(rc *reqCtx) response {
	c, _, errr := s.channelMessage(rc)
	if errr != nil {
		return *errr
	}
	m, errr2 := s.newMessageLocked(rc.body, c.ID, c.guildID, true)
	if errr2 != nil {
		return *errr2
	}
	s.storeMessageLocked(m, false)
	s.dispatchLocked("MESSAGE_CREATE", m, intentGuildMessages)
	return ok(m)
}

func (s *Server) editMessage(rc *reqCtx) response {
	_, m, errr := s.channelMessage(rc)
	if errr != nil {
		return *errr
	}
	if m.msg.Author == nil || m.msg.Author.ID != s.cfg.BotUser.ID {
		return errResp(http.StatusForbidden, CodeCannotEditOthersMessage, "Cannot edit a message authored by another user")
	}
	if r := s.applyEditLocked(m, rc.body); r != nil {
		return *r
	}
	s.dispatchLocked("MESSAGE_UPDATE", m.msg, intentGuildMessages)
	return ok(m.msg)
}

func (s *Server) deleteMessage(rc *reqCtx) response {
	c, m, errr := s.channelMessage(rc)
	if errr != nil {
		return *errr
	}
	m.deleted = true
	s.dispatchLocked("MESSAGE_DELETE", map[string]any{"id": m.msg.ID, "channel_id": c.ID, "guild_id": c.guildID}, intentGuildMessages)
	return noContent()
}

// newMessageLocked validates a message payload and builds the bot's
// message from it; it does not store it.
func (s *Server) newMessageLocked(body []byte, channelID, guildID string, requireContent bool) (*discordgo.Message, *response) {
	var p msgPayload
	if err := json.Unmarshal(body, &p); err != nil {
		r := formError(nil, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
		return nil, &r
	}
	if r := validateMessage(p, requireContent); r != nil {
		return nil, r
	}
	var m discordgo.Message
	if err := json.Unmarshal(body, &m); err != nil {
		r := formError(nil, "MODEL_TYPE_CONVERT", "Invalid message payload: "+err.Error())
		return nil, &r
	}
	m.ID = s.ids.next()
	m.ChannelID = channelID
	m.GuildID = guildID
	m.Author = userObject(s.cfg.BotUser)
	m.Timestamp = time.Now().UTC()
	m.Type = discordgo.MessageTypeDefault
	m.Flags &= discordgo.MessageFlagsSuppressEmbeds | discordgo.MessageFlagsEphemeral | discordgo.MessageFlagsSuppressNotifications | discordgo.MessageFlagsIsComponentsV2
	if m.Embeds == nil {
		m.Embeds = []*discordgo.MessageEmbed{}
	}
	if m.Mentions == nil {
		m.Mentions = []*discordgo.User{}
	}
	if m.Attachments == nil {
		m.Attachments = []*discordgo.MessageAttachment{}
	}
	return &m, nil
}

// editableKeys returns the message fields an edit may replace.
func editableKeys() []string {
	return []string{"content", "embeds", "components", "flags", "attachments", "allowed_mentions"}
}

// applyEditLocked validates an edit payload and applies the fields it
// carries to a stored message.
func (s *Server) applyEditLocked(m *messageState, body []byte) *response {
	var p msgPayload
	if err := json.Unmarshal(body, &p); err != nil {
		r := formError(nil, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
		return &r
	}
	if r := validateMessage(p, false); r != nil {
		return r
	}
	var patch map[string]json.RawMessage
	_ = json.Unmarshal(body, &patch)
	cur, err := json.Marshal(m.msg)
	if err != nil {
		r := errResp(http.StatusInternalServerError, 0, "marshal message: "+err.Error())
		return &r
	}
	var merged map[string]json.RawMessage
	_ = json.Unmarshal(cur, &merged)
	for _, k := range editableKeys() {
		if v, ok := patch[k]; ok {
			if string(v) == "null" {
				delete(merged, k)
				continue
			}
			merged[k] = v
		}
	}
	if fv, ok := patch["flags"]; ok {
		// Only SUPPRESS_EMBEDS can be changed by an edit; the other flags stay.
		var f int
		_ = json.Unmarshal(fv, &f)
		f = int(m.msg.Flags)&^int(discordgo.MessageFlagsSuppressEmbeds) | f&int(discordgo.MessageFlagsSuppressEmbeds)
		merged["flags"] = json.RawMessage(strconv.Itoa(f))
	}
	edited := time.Now().UTC()
	et, _ := json.Marshal(edited)
	merged["edited_timestamp"] = et
	b, _ := json.Marshal(merged)
	var nm discordgo.Message
	if err := json.Unmarshal(b, &nm); err != nil {
		r := formError(nil, "MODEL_TYPE_CONVERT", "Invalid message payload: "+err.Error())
		return &r
	}
	if nm.Embeds == nil {
		nm.Embeds = []*discordgo.MessageEmbed{}
	}
	m.msg = &nm
	return nil
}

func (s *Server) checkApp(rc *reqCtx) (string, *response) {
	if rc.p["application_id"] != s.cfg.ApplicationID {
		r := errResp(http.StatusForbidden, CodeMissingAccess, "Missing Access")
		return "", &r
	}
	gid := rc.p["guild_id"]
	if gid != "" {
		if _, ok := s.guilds[gid]; !ok {
			r := errResp(http.StatusForbidden, CodeMissingAccess, "Missing Access")
			return "", &r
		}
	}
	return gid, nil
}

func (s *Server) listCommands(rc *reqCtx) response {
	gid, errr := s.checkApp(rc)
	if errr != nil {
		return *errr
	}
	out := s.commands[gid]
	if out == nil {
		out = []*discordgo.ApplicationCommand{}
	}
	return ok(out)
}

func (s *Server) findCommand(rc *reqCtx) (string, int, *response) {
	gid, errr := s.checkApp(rc)
	if errr != nil {
		return "", -1, errr
	}
	i := slices.IndexFunc(s.commands[gid], func(c *discordgo.ApplicationCommand) bool { return c.ID == rc.p["command_id"] })
	if i < 0 {
		r := errResp(http.StatusNotFound, CodeUnknownApplicationCommand, "Unknown application command")
		return "", -1, &r
	}
	return gid, i, nil
}

func (s *Server) getCommand(rc *reqCtx) response {
	gid, i, errr := s.findCommand(rc)
	if errr != nil {
		return *errr
	}
	return ok(s.commands[gid][i])
}

func (s *Server) deleteCommand(rc *reqCtx) response {
	gid, i, errr := s.findCommand(rc)
	if errr != nil {
		return *errr
	}
	s.commands[gid] = slices.Delete(s.commands[gid], i, i+1)
	return noContent()
}

// storedCommand builds the stored form of a validated command, keeping the
// id of an existing command with the same name and type.
func (s *Server) storedCommand(raw json.RawMessage, gid string, existing []*discordgo.ApplicationCommand) (*discordgo.ApplicationCommand, error) {
	var c discordgo.ApplicationCommand
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("decode command: %w", err)
	}
	if c.Type == 0 {
		c.Type = discordgo.ChatApplicationCommand
	}
	c.ApplicationID = s.cfg.ApplicationID
	c.GuildID = gid
	c.Version = s.ids.next()
	c.ID = ""
	for _, e := range existing {
		if e.Name == c.Name && e.Type == c.Type {
			c.ID = e.ID
		}
	}
	if c.ID == "" {
		c.ID = s.ids.next()
	}
	return &c, nil
}

func (s *Server) overwriteCommands(rc *reqCtx) response {
	gid, errr := s.checkApp(rc)
	if errr != nil {
		return *errr
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(rc.body, &raws); err != nil {
		return formError(nil, "BASE_TYPE_ARRAY", "Must be an array")
	}
	var ps []cmdPayload
	for _, raw := range raws {
		var p cmdPayload
		if err := json.Unmarshal(raw, &p); err != nil {
			return formError(nil, "MODEL_TYPE_CONVERT", "Invalid command payload: "+err.Error())
		}
		ps = append(ps, p)
	}
	if r := validateCommands(ps); r != nil {
		return *r
	}
	if r := checkCommandCount(ps); r != nil {
		return *r
	}
	var out []*discordgo.ApplicationCommand
	for _, raw := range raws {
		c, err := s.storedCommand(raw, gid, s.commands[gid])
		if err != nil {
			return formError(nil, "MODEL_TYPE_CONVERT", err.Error())
		}
		out = append(out, c)
	}
	if out == nil {
		out = []*discordgo.ApplicationCommand{}
	}
	s.commands[gid] = out
	return ok(out)
}

func (s *Server) createCommand(rc *reqCtx) response {
	gid, errr := s.checkApp(rc)
	if errr != nil {
		return *errr
	}
	var p cmdPayload
	if err := json.Unmarshal(rc.body, &p); err != nil {
		return formError(nil, "MODEL_TYPE_CONVERT", "Invalid command payload: "+err.Error())
	}
	if r := validateCommand(p, nil); r != nil {
		return *r
	}
	c, err := s.storedCommand(rc.body, gid, s.commands[gid])
	if err != nil {
		return formError(nil, "MODEL_TYPE_CONVERT", err.Error())
	}
	i := slices.IndexFunc(s.commands[gid], func(e *discordgo.ApplicationCommand) bool { return e.ID == c.ID })
	if i >= 0 {
		s.commands[gid][i] = c
		return ok(c)
	}
	all := append(commandPayloads(s.commands[gid]), p)
	if r := checkCommandCount(all); r != nil {
		return *r
	}
	s.commands[gid] = append(s.commands[gid], c)
	return response{status: http.StatusCreated, body: c}
}

func (s *Server) editCommand(rc *reqCtx) response {
	gid, i, errr := s.findCommand(rc)
	if errr != nil {
		return *errr
	}
	cur, _ := json.Marshal(s.commands[gid][i])
	var merged map[string]json.RawMessage
	_ = json.Unmarshal(cur, &merged)
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(rc.body, &patch); err != nil {
		return formError(nil, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
	}
	for k, v := range patch {
		merged[k] = v
	}
	b, _ := json.Marshal(merged)
	var p cmdPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return formError(nil, "MODEL_TYPE_CONVERT", "Invalid command payload: "+err.Error())
	}
	if r := validateCommand(p, nil); r != nil {
		return *r
	}
	var c discordgo.ApplicationCommand
	if err := json.Unmarshal(b, &c); err != nil {
		return formError(nil, "MODEL_TYPE_CONVERT", err.Error())
	}
	c.ID, c.ApplicationID, c.GuildID, c.Version = s.commands[gid][i].ID, s.cfg.ApplicationID, gid, s.ids.next()
	s.commands[gid][i] = &c
	return ok(&c)
}

func commandPayloads(cs []*discordgo.ApplicationCommand) []cmdPayload {
	var out []cmdPayload
	for _, c := range cs {
		out = append(out, cmdPayload{Name: c.Name, Type: int(c.Type)})
	}
	return out
}

package fakediscord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// InteractionType is the kind of interaction a test fires.
type InteractionType int

// Interaction types a user can cause.
const (
	InteractionCommand      InteractionType = 2 // slash command
	InteractionComponent    InteractionType = 3 // button click or select
	InteractionAutocomplete InteractionType = 4 // typing into an autocomplete option
	InteractionModalSubmit  InteractionType = 5 // submitting a modal
)

// Interaction callback types.
const (
	CallbackPong                         = 1
	CallbackChannelMessage               = 4
	CallbackDeferredChannelMessage       = 5
	CallbackDeferredUpdateMessage        = 6
	CallbackUpdateMessage                = 7
	CallbackAutocompleteResult           = 8
	CallbackModal                        = 9
	messageFlagEphemeral                 = 1 << 6
	messageFlagLoading                   = 1 << 7
	permissionAdministrator        int64 = 1 << 3
	allPermissions                 int64 = 1<<53 - 1
)

// ErrDeadlineMissed is returned by InteractionHandle.WaitResponse when the
// bot did not acknowledge the interaction in time.
var ErrDeadlineMissed = errors.New("interaction deadline missed")

// Interaction describes what a user does; Fire delivers it to the bot.
type Interaction struct {
	Type InteractionType
	// GuildID and ChannelID say where; GuildID "" is a DM (ChannelID is
	// then free-form).
	GuildID   string
	ChannelID string
	// UserID is the acting user; it must have been added with AddUser or
	// Config.Users.
	UserID string
	// Roles are the user's role ids; nil takes the member's roles in the
	// guild.
	Roles []string
	// Locale is the user's client locale (default "en-US").
	Locale string

	// Command is the slash command's name (InteractionCommand and
	// InteractionAutocomplete); it must be registered in the guild or
	// globally.
	Command string
	// Options are the command's options; types are taken from the
	// registered command when zero. For autocomplete, exactly one option
	// is Focused.
	Options []Option

	// MessageID is the message holding the clicked component
	// (InteractionComponent, optional for InteractionModalSubmit).
	MessageID string
	// CustomID is the component's or the modal's custom id.
	CustomID string
	// Values are the selected values of a select menu.
	Values []string

	// Fields are the text inputs of a submitted modal.
	Fields []ModalField
}

// Option is an option the user filled in.
type Option struct {
	Name string
	// Type is the option type (1 subcommand, 2 group, 3 string, 4 integer,
	// 5 boolean, 6 user, 7 channel, 8 role, 9 mentionable, 10 number,
	// 11 attachment); 0 takes it from the registered command.
	Type    int
	Value   any
	Focused bool
	Options []Option
}

// ModalField is one text input of a submitted modal.
type ModalField struct {
	CustomID string
	Value    string
}

// Modal is a modal the bot opened (callback type 9).
type Modal struct {
	CustomID   string
	Title      string
	Components []discordgo.MessageComponent
}

// Response is the bot's initial answer to an interaction.
type Response struct {
	// Type is the callback type (4 message, 5 deferred message, 6 deferred
	// update, 7 update message, 8 autocomplete result, 9 modal).
	Type int
	// Data is the raw callback data.
	Data json.RawMessage
	// Message is the message the callback created or updated: the new
	// message (4), the loading placeholder (5), the clicked message (6, 7).
	Message *discordgo.Message
	// Choices are the autocomplete choices (8).
	Choices []*discordgo.ApplicationCommandOptionChoice
	// Modal is the opened modal (9).
	Modal *Modal
	// After is the time between Fire and the callback's arrival.
	After time.Duration
}

type interactionState struct {
	id, token  string
	typ        InteractionType
	channelID  string
	guildID    string
	messageID  string
	fired      time.Time
	deadline   time.Time
	expires    time.Time
	acked      bool
	missed     bool
	resp       *Response
	originalID string
	followups  []string
	payload    []byte
}

// InteractionHandle follows one fired interaction.
type InteractionHandle struct {
	// ID and Token are the interaction's id and token.
	ID    string
	Token string

	s  *Server
	st *interactionState
}

// whereLocked adds to the interaction payload p where it happens: the
// guild member, guild, channel and permissions of in's guild, or the user
// and DM channel without one.
func (s *Server) whereLocked(p map[string]any, in Interaction, u *User) error {
	if in.GuildID != "" {
		g, ok := s.guilds[in.GuildID]
		if !ok {
			return fmt.Errorf("fire interaction: unknown guild %q", in.GuildID)
		}
		c, ok := s.channels[in.ChannelID]
		if !ok || c.guildID != g.ID {
			return fmt.Errorf("fire interaction: unknown channel %q in guild %s", in.ChannelID, g.ID)
		}
		m := Member{UserID: u.ID}
		for _, x := range g.Members {
			if x.UserID == u.ID {
				m = x
			}
		}
		if in.Roles != nil {
			m.Roles = in.Roles
		}
		mj := s.memberJSONLocked(g, m)
		mj["permissions"] = strconv.FormatInt(s.permissionsLocked(g, m), 10)
		p["member"] = mj
		p["guild_id"] = g.ID
		p["guild_locale"] = g.Locale
		p["guild"] = map[string]any{"id": g.ID, "locale": g.Locale, "features": []any{}}
		p["channel"] = channelJSON(c.Channel, g.ID)
		bot := Member{UserID: s.cfg.BotUser.ID}
		for _, x := range g.Members {
			if x.UserID == bot.UserID {
				bot = x
			}
		}
		p["app_permissions"] = strconv.FormatInt(s.permissionsLocked(g, bot), 10)
		p["context"] = 0
		p["authorizing_integration_owners"] = map[string]string{"0": g.ID}
	} else {
		p["user"] = userObject(*u)
		p["app_permissions"] = "0"
		p["context"] = 1
		p["channel"] = map[string]any{"id": in.ChannelID, "type": 1}
		p["authorizing_integration_owners"] = map[string]string{"0": "0"}
	}

	return nil
}

// Fire delivers an interaction to every gateway session as
// INTERACTION_CREATE and starts its acknowledgement deadline. It fails if
// the interaction could not happen on Discord: unknown user, guild,
// channel, command, message or component, or no gateway session.
func (s *Server) Fire(in Interaction) (*InteractionHandle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.gw.sessions) == 0 {
		return nil, errors.New("fire interaction: no gateway session")
	}
	u, ok := s.users[in.UserID]
	if !ok {
		return nil, fmt.Errorf("fire interaction: unknown user %q", in.UserID)
	}
	if in.Locale == "" {
		in.Locale = "en-US"
	}
	st := &interactionState{
		id: s.ids.next(), token: "aW50ZXJhY3Rpb246" + randomHex(40), typ: in.Type,
		channelID: in.ChannelID, guildID: in.GuildID, fired: time.Now(),
	}
	st.deadline = st.fired.Add(s.cfg.InteractionDeadline)
	st.expires = st.fired.Add(s.cfg.InteractionTokenTTL)
	p := map[string]any{
		"id": st.id, "application_id": s.cfg.ApplicationID, "type": int(in.Type), "token": st.token,
		"version": 1, "locale": in.Locale, "channel_id": in.ChannelID, "entitlements": []any{},
	}
	if err := s.whereLocked(p, in, u); err != nil {
		return nil, err
	}

	var data map[string]any
	var err error
	switch in.Type {
	case InteractionCommand, InteractionAutocomplete:
		data, err = s.commandDataLocked(in)
	case InteractionComponent:
		data, err = s.componentDataLocked(in, p, st)
	case InteractionModalSubmit:
		data, err = s.modalDataLocked(in, p, st)
	default:
		err = fmt.Errorf("unsupported interaction type %d", in.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("fire interaction: %w", err)
	}
	p["data"] = data
	st.payload, _ = json.Marshal(p)
	s.inters[st.id] = st
	s.interTokens[st.token] = st
	s.dispatchLocked("INTERACTION_CREATE", json.RawMessage(st.payload), 0)
	s.afterFuncLocked(s.cfg.InteractionDeadline, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !st.acked {
			st.missed = true
			s.notifyLocked()
		}
	})
	s.notifyLocked()
	return &InteractionHandle{ID: st.id, Token: st.token, s: s, st: st}, nil
}

// permissionsLocked computes a member's guild permissions from its roles.
func (s *Server) permissionsLocked(g *guildState, m Member) int64 {
	if g.OwnerID == m.UserID {
		return allPermissions
	}
	var perms int64
	for _, r := range g.Roles {
		if r.ID == g.ID {
			perms |= r.Permissions
		}
		for _, id := range m.Roles {
			if r.ID == id {
				perms |= r.Permissions
			}
		}
	}
	if perms&permissionAdministrator != 0 {
		return allPermissions
	}
	return perms
}

func (s *Server) commandDataLocked(in Interaction) (map[string]any, error) {
	var cmd *discordgo.ApplicationCommand
	for _, scope := range []string{in.GuildID, ""} {
		for _, c := range s.commands[scope] {
			if c.Name == in.Command && c.Type == discordgo.ChatApplicationCommand {
				cmd = c
			}
		}
		if cmd != nil || in.GuildID == "" {
			break
		}
	}
	if cmd == nil {
		return nil, fmt.Errorf("command %q is not registered", in.Command)
	}
	resolved := map[string]map[string]any{}
	focused := 0
	opts, err := s.buildOptionsLocked(in, cmd.Options, in.Options, resolved, &focused)
	if err != nil {
		return nil, fmt.Errorf("command %s: %w", in.Command, err)
	}
	if in.Type == InteractionAutocomplete && focused != 1 {
		return nil, fmt.Errorf("autocomplete for %s needs exactly one focused option, got %d", in.Command, focused)
	}
	data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": 1, "options": opts}
	if cmd.GuildID != "" {
		data["guild_id"] = cmd.GuildID
	}
	if len(resolved) > 0 {
		data["resolved"] = resolved
	}
	return data, nil
}

func (s *Server) buildOptionsLocked(in Interaction, defs []*discordgo.ApplicationCommandOption, given []Option, resolved map[string]map[string]any, focused *int) ([]any, error) {
	out := []any{}
	for _, o := range given {
		var def *discordgo.ApplicationCommandOption
		for _, d := range defs {
			if d.Name == o.Name {
				def = d
			}
		}
		if def == nil {
			return nil, fmt.Errorf("unknown option %q", o.Name)
		}
		t := o.Type
		if t == 0 {
			t = int(def.Type)
		}
		if t != int(def.Type) {
			return nil, fmt.Errorf("option %q has type %d, registered as %d", o.Name, t, def.Type)
		}
		m := map[string]any{"name": o.Name, "type": t}
		switch t {
		case 1, 2:
			sub, err := s.buildOptionsLocked(in, def.Options, o.Options, resolved, focused)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", o.Name, err)
			}
			m["options"] = sub
		default:
			m["value"] = o.Value
			if o.Focused {
				*focused++
				m["focused"] = true
			}
			if !o.Focused {
				s.resolveLocked(in, t, o.Value, resolved)
			}
		}
		out = append(out, m)
	}
	if in.Type == InteractionCommand {
		for _, d := range defs {
			if d.Type == 1 || d.Type == 2 || !d.Required {
				continue
			}
			found := false
			for _, o := range given {
				found = found || o.Name == d.Name
			}
			if !found {
				return nil, fmt.Errorf("required option %q missing", d.Name)
			}
		}
	}
	return out, nil
}

// resolveLocked fills the resolved map for user, channel, role and
// mentionable options.
func (s *Server) resolveLocked(in Interaction, t int, v any, resolved map[string]map[string]any) {
	id, ok := v.(string)
	if !ok {
		return
	}
	put := func(kind string, val any) {
		if resolved[kind] == nil {
			resolved[kind] = map[string]any{}
		}
		resolved[kind][id] = val
	}
	g := s.guilds[in.GuildID]
	if t == 6 || t == 9 {
		if u, ok := s.users[id]; ok {
			put("users", userObject(*u))
			if g != nil {
				for _, m := range g.Members {
					if m.UserID == id {
						mj := s.memberJSONLocked(g, m)
						delete(mj, "user")
						mj["permissions"] = strconv.FormatInt(s.permissionsLocked(g, m), 10)
						put("members", mj)
					}
				}
			}
		}
	}
	if (t == 8 || t == 9) && g != nil {
		for _, r := range g.Roles {
			if r.ID == id {
				put("roles", roleJSON(r))
			}
		}
	}
	if t == 7 {
		if c, ok := s.channels[id]; ok {
			cj := channelJSON(c.Channel, c.guildID)
			cj["permissions"] = strconv.FormatInt(allPermissions, 10)
			put("channels", cj)
		}
	}
}

// findComponent looks for a component by custom id in a message.
func findComponent(cs []discordgo.MessageComponent, id string) (discordgo.MessageComponent, bool) {
	for _, c := range cs {
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			if f, ok := findComponent(v.Components, id); ok {
				return f, true
			}
		case *discordgo.Container:
			if f, ok := findComponent(v.Components, id); ok {
				return f, true
			}
		case *discordgo.Section:
			if v.Accessory != nil {
				if f, ok := findComponent([]discordgo.MessageComponent{v.Accessory}, id); ok {
					return f, true
				}
			}
		case *discordgo.Button:
			if v.CustomID == id {
				return v, true
			}
		case *discordgo.SelectMenu:
			if v.CustomID == id {
				return v, true
			}
		}
	}
	return nil, false
}

func (s *Server) componentDataLocked(in Interaction, p map[string]any, st *interactionState) (map[string]any, error) {
	m, ok := s.messages[in.MessageID]
	if !ok || m.deleted || m.msg.ChannelID != in.ChannelID {
		return nil, fmt.Errorf("unknown message %q in channel %s", in.MessageID, in.ChannelID)
	}
	c, ok := findComponent(m.msg.Components, in.CustomID)
	if !ok {
		return nil, fmt.Errorf("message %s has no component with custom_id %q", in.MessageID, in.CustomID)
	}
	data := map[string]any{"custom_id": in.CustomID, "component_type": int(c.Type())}
	switch v := c.(type) {
	case *discordgo.Button:
		if v.Disabled {
			return nil, fmt.Errorf("button %q is disabled", in.CustomID)
		}
		if v.Style == discordgo.LinkButton || v.Style == discordgo.PremiumButton {
			return nil, fmt.Errorf("button %q does not send interactions", in.CustomID)
		}
	case *discordgo.SelectMenu:
		if v.Disabled {
			return nil, fmt.Errorf("select %q is disabled", in.CustomID)
		}
		values := in.Values
		if values == nil {
			values = []string{}
		}
		if v.MenuType == discordgo.StringSelectMenu || v.MenuType == 0 {
			for _, val := range values {
				known := false
				for _, o := range v.Options {
					known = known || o.Value == val
				}
				if !known {
					return nil, fmt.Errorf("select %q has no option %q", in.CustomID, val)
				}
			}
		}
		data["values"] = values
	}
	p["message"] = m.msg
	st.messageID = m.msg.ID
	return data, nil
}

func (s *Server) modalDataLocked(in Interaction, p map[string]any, st *interactionState) (map[string]any, error) {
	var modal *Modal
	for _, other := range s.inters {
		if other.resp != nil && other.resp.Modal != nil && other.resp.Modal.CustomID == in.CustomID && other.channelID == in.ChannelID {
			modal = other.resp.Modal
		}
	}
	if modal == nil {
		return nil, fmt.Errorf("no modal with custom_id %q was opened in channel %s", in.CustomID, in.ChannelID)
	}
	rows := []any{}
	for _, f := range in.Fields {
		if _, ok := findTextInput(modal.Components, f.CustomID); !ok {
			return nil, fmt.Errorf("modal %q has no text input %q", in.CustomID, f.CustomID)
		}
		rows = append(rows, map[string]any{"type": 1, "components": []any{
			map[string]any{"type": 4, "custom_id": f.CustomID, "value": f.Value},
		}})
	}
	if in.MessageID != "" {
		m, ok := s.messages[in.MessageID]
		if !ok || m.deleted {
			return nil, fmt.Errorf("unknown message %q", in.MessageID)
		}
		p["message"] = m.msg
		st.messageID = m.msg.ID
	}
	return map[string]any{"custom_id": in.CustomID, "components": rows}, nil
}

func findTextInput(cs []discordgo.MessageComponent, id string) (*discordgo.TextInput, bool) {
	for _, c := range cs {
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			if t, ok := findTextInput(v.Components, id); ok {
				return t, true
			}
		case *discordgo.TextInput:
			if v.CustomID == id {
				return v, true
			}
		}
	}
	return nil, false
}

func (s *Server) interactionCallback(rc *reqCtx) response {
	st, ok := s.inters[rc.p["interaction_id"]]
	if !ok || st.token != rc.p["interaction_token"] {
		return errResp(http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
	}
	if st.acked {
		return errResp(http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")
	}
	if !rc.now.Before(st.deadline) {
		st.missed = true
		return errResp(http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
	}
	var body struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(rc.body, &body); err != nil {
		return formError(nil, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
	}
	data := body.Data
	if len(data) == 0 || string(data) == "null" {
		data = json.RawMessage("{}")
	}
	if !callbackAllowed(st, body.Type) {
		return formError([]string{"type"}, "INTERACTION_RESPONSE_TYPE_INVALID", fmt.Sprintf("Interaction response type %d is not valid for this interaction", body.Type))
	}
	resp := &Response{Type: body.Type, Data: json.RawMessage(append([]byte(nil), data...)), After: rc.now.Sub(st.fired)}
	if r := s.applyCallbackLocked(st, body.Type, data, resp); r != nil {
		return *r
	}
	// The request arrived in time, even if the deadline timer fired while
	// it waited for the lock.
	st.acked, st.missed = true, false
	st.resp = resp
	return noContent()
}

// callbackAllowed reports whether an interaction like st may be answered
// with the callback type typ.
func callbackAllowed(st *interactionState, typ int) bool {
	allowed := map[InteractionType][]int{
		InteractionCommand:      {4, 5, 9},
		InteractionComponent:    {4, 5, 6, 7, 9},
		InteractionAutocomplete: {8},
		InteractionModalSubmit:  {4, 5, 6, 7},
	}[st.typ]
	valid := false
	for _, t := range allowed {
		valid = valid || t == typ
	}
	if (typ == 6 || typ == 7) && st.messageID == "" {
		valid = false
	}
	return valid
}

// applyCallbackLocked carries out the callback typ with data on the
// interaction st and fills in resp, or returns the error answer.
func (s *Server) applyCallbackLocked(st *interactionState, typ int, data json.RawMessage, resp *Response) *response {
	switch typ {
	case CallbackChannelMessage:
		m, errr := s.newMessageLocked(data, st.channelID, st.guildID, true)
		if errr != nil {
			return errr
		}
		s.interactionMessageLocked(st, m)
		resp.Message = cloneMessage(m)
	case CallbackDeferredChannelMessage:
		var d struct {
			Flags int `json:"flags"`
		}
		_ = json.Unmarshal(data, &d)
		m := &discordgo.Message{
			ID: s.ids.next(), ChannelID: st.channelID, GuildID: st.guildID, Author: userObject(s.cfg.BotUser),
			Timestamp: time.Now().UTC(), Flags: discordgo.MessageFlags(messageFlagLoading | d.Flags&messageFlagEphemeral),
			Embeds: []*discordgo.MessageEmbed{}, Type: discordgo.MessageTypeChatInputCommand,
		}
		s.interactionMessageLocked(st, m)
		resp.Message = cloneMessage(m)
	case CallbackDeferredUpdateMessage:
		st.originalID = st.messageID
		resp.Message = cloneMessage(s.messages[st.messageID].msg)
	case CallbackUpdateMessage:
		ms := s.messages[st.messageID]
		if r := s.applyEditLocked(ms, data); r != nil {
			return r
		}
		st.originalID = st.messageID
		if !ms.ephemeral {
			s.dispatchLocked("MESSAGE_UPDATE", ms.msg, intentGuildMessages)
		}
		resp.Message = cloneMessage(ms.msg)
	case CallbackAutocompleteResult:
		var d struct {
			Choices []choicePayload `json:"choices"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return ref(formError([]string{"data"}, "MODEL_TYPE_CONVERT", "Invalid autocomplete data: "+err.Error()))
		}
		if r := validateChoices(d.Choices); r != nil {
			return r
		}
		var full struct {
			Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
		}
		_ = json.Unmarshal(data, &full)
		resp.Choices = full.Choices
	case CallbackModal:
		var mp modalPayload
		if err := json.Unmarshal(data, &mp); err != nil {
			return ref(formError([]string{"data"}, "MODEL_TYPE_CONVERT", "Invalid modal data: "+err.Error()))
		}
		if r := validateModal(mp); r != nil {
			return r
		}
		var asMsg discordgo.Message
		if err := json.Unmarshal(data, &asMsg); err != nil {
			return ref(formError([]string{"data"}, "MODEL_TYPE_CONVERT", "Invalid modal data: "+err.Error()))
		}
		resp.Modal = &Modal{CustomID: *mp.CustomID, Title: mp.Title, Components: asMsg.Components}
	}
	return nil
}

// ref returns a pointer to r.
func ref(r response) *response { return &r }

// interactionMessageLocked stores the original response message of an
// interaction.
func (s *Server) interactionMessageLocked(st *interactionState, m *discordgo.Message) {
	if m.Type == discordgo.MessageTypeDefault {
		m.Type = discordgo.MessageTypeChatInputCommand
		if st.typ != InteractionCommand {
			m.Type = discordgo.MessageTypeReply
		}
	}
	m.Interaction = nil
	eph := m.Flags&messageFlagEphemeral != 0
	s.storeMessageLocked(m, eph)
	st.originalID = m.ID
	if !eph {
		s.dispatchLocked("MESSAGE_CREATE", m, intentGuildMessages)
	}
}

// webhookInteraction finds the interaction behind a webhook route.
func (s *Server) webhookInteraction(rc *reqCtx) (*interactionState, *response) {
	if rc.p["application_id"] != s.cfg.ApplicationID {
		r := errResp(http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return nil, &r
	}
	st, ok := s.interTokens[rc.p["interaction_token"]]
	if !ok || !rc.now.Before(st.expires) {
		r := errResp(http.StatusUnauthorized, CodeInvalidWebhookToken, "Invalid Webhook Token")
		return nil, &r
	}
	if !st.acked {
		r := errResp(http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return nil, &r
	}
	return st, nil
}

func (s *Server) webhookMessage(rc *reqCtx) (*interactionState, *messageState, *response) {
	st, errr := s.webhookInteraction(rc)
	if errr != nil {
		return nil, nil, errr
	}
	id := rc.p["message_id"]
	if id == "@original" {
		id = st.originalID
	}
	known := id != "" && id == st.originalID
	for _, f := range st.followups {
		known = known || f == id
	}
	m, ok := s.messages[id]
	if !known || !ok || m.deleted {
		r := errResp(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return nil, nil, &r
	}
	return st, m, nil
}

func (s *Server) followupCreate(rc *reqCtx) response {
	st, errr := s.webhookInteraction(rc)
	if errr != nil {
		return *errr
	}
	m, errr := s.newMessageLocked(rc.body, st.channelID, st.guildID, true)
	if errr != nil {
		return *errr
	}
	m.Type = discordgo.MessageTypeChatInputCommand
	if st.typ != InteractionCommand {
		m.Type = discordgo.MessageTypeReply
	}
	m.WebhookID = s.cfg.ApplicationID
	eph := m.Flags&messageFlagEphemeral != 0
	s.storeMessageLocked(m, eph)
	st.followups = append(st.followups, m.ID)
	if !eph {
		s.dispatchLocked("MESSAGE_CREATE", m, intentGuildMessages)
	}
	if rc.r.URL.Query().Get("wait") != "true" {
		return noContent()
	}
	return ok(m)
}

func (s *Server) webhookGetMessage(rc *reqCtx) response {
	_, m, errr := s.webhookMessage(rc)
	if errr != nil {
		return *errr
	}
	return ok(m.msg)
}

func (s *Server) webhookEditMessage(rc *reqCtx) response {
	_, m, errr := s.webhookMessage(rc)
	if errr != nil {
		return *errr
	}
	if r := s.applyEditLocked(m, rc.body); r != nil {
		return *r
	}
	m.msg.Flags &^= messageFlagLoading
	if !m.ephemeral {
		s.dispatchLocked("MESSAGE_UPDATE", m.msg, intentGuildMessages)
	}
	return ok(m.msg)
}

func (s *Server) webhookDeleteMessage(rc *reqCtx) response {
	_, m, errr := s.webhookMessage(rc)
	if errr != nil {
		return *errr
	}
	m.deleted = true
	if !m.ephemeral {
		s.dispatchLocked("MESSAGE_DELETE", map[string]any{"id": m.msg.ID, "channel_id": m.msg.ChannelID, "guild_id": m.msg.GuildID}, intentGuildMessages)
	}
	return noContent()
}

// Payload returns the INTERACTION_CREATE data the bot received.
func (h *InteractionHandle) Payload() json.RawMessage {
	return append(json.RawMessage(nil), h.st.payload...)
}

// Response returns the bot's initial response, if there was one.
func (h *InteractionHandle) Response() (Response, bool) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	if h.st.resp == nil {
		return Response{}, false
	}
	return *h.st.resp, true
}

// WaitResponse waits for the bot's initial response. It returns
// ErrDeadlineMissed once the deadline passed without one.
func (h *InteractionHandle) WaitResponse(ctx context.Context) (Response, error) {
	var r Response
	var missed bool
	err := h.s.Wait(ctx, func() bool {
		h.s.mu.Lock()
		defer h.s.mu.Unlock()
		if h.st.resp != nil {
			r = *h.st.resp
			return true
		}
		missed = h.st.missed
		return missed
	})
	if err != nil {
		return Response{}, fmt.Errorf("wait response to interaction %s: %w", h.ID, err)
	}
	if missed {
		return Response{}, fmt.Errorf("interaction %s: %w", h.ID, ErrDeadlineMissed)
	}
	return r, nil
}

// Missed reports whether the deadline passed without an acknowledgement.
func (h *InteractionHandle) Missed() bool {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.st.missed
}

// Deferred reports whether the bot answered with a deferred response (5
// or 6).
func (h *InteractionHandle) Deferred() bool {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.st.resp != nil && (h.st.resp.Type == CallbackDeferredChannelMessage || h.st.resp.Type == CallbackDeferredUpdateMessage)
}

// Original returns the current state of the original response message
// (for 6 and 7, the clicked message), if there is one.
func (h *InteractionHandle) Original() (*discordgo.Message, bool) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.originalLocked()
}

func (h *InteractionHandle) originalLocked() (*discordgo.Message, bool) {
	m, ok := h.s.messages[h.st.originalID]
	if h.st.originalID == "" || !ok || m.deleted {
		return nil, false
	}
	return cloneMessage(m.msg), true
}

// WaitOriginal waits until the original response message exists and cond
// (nil: always true) accepts it, and returns it.
func (h *InteractionHandle) WaitOriginal(ctx context.Context, cond func(*discordgo.Message) bool) (*discordgo.Message, error) {
	var got *discordgo.Message
	err := h.s.Wait(ctx, func() bool {
		h.s.mu.Lock()
		m, ok := h.originalLocked()
		h.s.mu.Unlock()
		if ok && (cond == nil || cond(m)) {
			got = m
			return true
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("wait original of interaction %s: %w", h.ID, err)
	}
	return got, nil
}

// Followups returns the current state of the follow-up messages, oldest
// first; deleted ones are left out.
func (h *InteractionHandle) Followups() []*discordgo.Message {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	var out []*discordgo.Message
	for _, id := range h.st.followups {
		if m := h.s.messages[id]; m != nil && !m.deleted {
			out = append(out, cloneMessage(m.msg))
		}
	}
	return out
}

// WaitFollowups waits until at least n follow-up messages exist and returns
// them.
func (h *InteractionHandle) WaitFollowups(ctx context.Context, n int) ([]*discordgo.Message, error) {
	var got []*discordgo.Message
	err := h.s.Wait(ctx, func() bool {
		got = h.Followups()
		return len(got) >= n
	})
	if err != nil {
		return nil, fmt.Errorf("wait %d followups of interaction %s: %w", n, h.ID, err)
	}
	return got, nil
}

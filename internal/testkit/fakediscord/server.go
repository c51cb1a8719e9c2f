// Package fakediscord is a protocol-accurate fake of Discord for tests: the
// REST API under /api/v9/ and the gateway websocket, served on loopback,
// with in-memory state and a Go API to drive it.
//
// The fake is meant to be talked to by the real discordgo client. Point a
// session at it per session, never through discordgo's package globals:
//
//	srv := fakediscord.New(fakediscord.Config{HeartbeatInterval: 200 * time.Millisecond})
//	defer srv.Close()
//	dg, _ := srv.NewSession() // or srv.Attach(existing)
//	err := dg.Open()
//
// The REST side records every request, enforces Discord's limits with
// Discord's error shapes, and hands out rate-limit headers and 429s from
// configurable per-route buckets and a global bucket. The gateway speaks
// Hello, Identify, Resume, heartbeats, Reconnect and Invalid Session, and
// its misbehaviour can be scripted. The interaction driver (Fire) plays a
// user who runs a slash command, clicks a button or submits a modal, and
// returns a handle to inspect how the bot answered.
//
// All methods of Server are safe for concurrent use.
//
// It is test infrastructure: production code never imports it, and it must
// never import host/ or plugins/ (it is Discord, not DDC).
package fakediscord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Default values used when the matching Config field is zero.
const (
	DefaultToken               = "test-token"
	DefaultApplicationID       = "1000000000000000001"
	DefaultBotUsername         = "ddc-test-bot"
	DefaultHeartbeatInterval   = 41250 * time.Millisecond
	DefaultInteractionDeadline = 3 * time.Second
	DefaultInteractionTokenTTL = 15 * time.Minute
	DefaultGlobalLimit         = 50
	DefaultGlobalWindow        = time.Second
	DefaultGatewaySendLimit    = 120
	DefaultGatewaySendWindow   = 60 * time.Second
)

// Privileged gateway intents; Identify asking for one of them is closed with
// 4014 unless Config.AllowedPrivilegedIntents contains it.
const (
	IntentGuildMembers   = 1 << 1
	IntentGuildPresences = 1 << 8
	IntentMessageContent = 1 << 15

	privilegedIntents = IntentGuildMembers | IntentGuildPresences | IntentMessageContent
)

// Config configures a Server. Its zero value works.
type Config struct {
	// Token is the bot token the fake accepts, without the "Bot " prefix
	// (default DefaultToken).
	Token string
	// ApplicationID is the bot's application id (default
	// DefaultApplicationID).
	ApplicationID string
	// BotUser is the bot's user; its ID defaults to ApplicationID and its
	// Username to DefaultBotUsername. Bot is always set.
	BotUser User
	// ApplicationFlags is reported in READY's application object.
	ApplicationFlags int

	// Guilds, Users are the initial state; more can be added later with
	// AddGuild, AddChannel, AddRole, AddUser and AddMember.
	Guilds []Guild
	Users  []User

	// HeartbeatInterval is sent in Hello (default 41.25 s; tests set it
	// short). It is sent as whole milliseconds.
	HeartbeatInterval time.Duration
	// AllowedPrivilegedIntents is the set of privileged intents (bit mask of
	// IntentGuildMembers, IntentGuildPresences, IntentMessageContent) the
	// application is allowed to ask for.
	AllowedPrivilegedIntents int
	// GatewaySendLimit events per GatewaySendWindow may be sent by a client
	// before the fake closes the socket with 4008 (default 120 per 60 s).
	GatewaySendLimit  int
	GatewaySendWindow time.Duration

	// InteractionDeadline is how long the bot has to acknowledge an
	// interaction (default 3 s).
	InteractionDeadline time.Duration
	// InteractionTokenTTL is how long an interaction token can be used on
	// the webhook routes (default 15 min).
	InteractionTokenTTL time.Duration

	// RouteLimits override the default per-route buckets (see
	// DefaultRouteLimits); an entry replaces the default for the same
	// method and route.
	RouteLimits []RouteLimit
	// DefaultRouteLimit applies to routes without a RouteLimits entry
	// (default 50 per second); its Method and Route are ignored.
	DefaultRouteLimit RouteLimit
	// GlobalLimit requests per GlobalWindow are allowed across all routes
	// except interaction callbacks (default 50 per second).
	GlobalLimit  int
	GlobalWindow time.Duration
	// NoRateLimits turns off route and global buckets; scripted 429s still
	// happen.
	NoRateLimits bool

	// Logger receives debug logs of the fake; nil discards them.
	Logger *slog.Logger
}

// User is a Discord user known to the fake.
type User struct {
	ID         string
	Username   string
	GlobalName string
	Bot        bool
}

// Guild is a guild the bot is in.
type Guild struct {
	ID       string
	Name     string
	OwnerID  string
	Locale   string // preferred locale, default "en-US"
	Channels []Channel
	Roles    []Role
	Members  []Member
}

// Channel is a guild channel.
type Channel struct {
	ID   string
	Name string
	// Type is Discord's channel type (0 text, 2 voice, 4 category, ...).
	Type     int
	ParentID string
	Position int
}

// Role is a guild role.
type Role struct {
	ID          string
	Name        string
	Permissions int64
	Position    int
}

// Member is a user's membership in a guild.
type Member struct {
	UserID string
	Nick   string
	Roles  []string
}

// Server is a running fake Discord. Create it with New and stop it with
// Close.
type Server struct {
	cfg    Config
	log    *slog.Logger
	http   *httptest.Server
	wsURL  string
	upg    websocket.Upgrader
	routes []route

	mu      sync.Mutex
	changed chan struct{}
	closed  bool
	ids     idGen

	users       map[string]*User
	guilds      map[string]*guildState
	guildOrder  []string
	channels    map[string]*channelState // by channel id
	messages    map[string]*messageState // by message id
	commands    map[string][]*discordgo.ApplicationCommand
	requests    []Request
	invalid     int
	limits      *limiter
	gw          gatewayState
	inters      map[string]*interactionState // by interaction id
	interTokens map[string]*interactionState // by token
	timers      []*time.Timer
}

type guildState struct {
	Guild
	joined time.Time
}

type channelState struct {
	Channel
	guildID string
	msgs    []string // message ids in order
}

type messageState struct {
	msg       *discordgo.Message
	ephemeral bool
	deleted   bool
}

// New starts a fake Discord on a loopback port and returns it. Stop it with
// Close.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:         cfg,
		log:         log,
		changed:     make(chan struct{}),
		users:       map[string]*User{},
		guilds:      map[string]*guildState{},
		channels:    map[string]*channelState{},
		messages:    map[string]*messageState{},
		commands:    map[string][]*discordgo.ApplicationCommand{},
		inters:      map[string]*interactionState{},
		interTokens: map[string]*interactionState{},
		limits:      newLimiter(cfg),
		gw:          newGatewayState(),
		upg:         websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
	}
	s.routes = s.buildRoutes()
	bot := cfg.BotUser
	s.users[bot.ID] = &bot
	for _, u := range cfg.Users {
		s.users[u.ID] = &u
	}
	for _, g := range cfg.Guilds {
		s.addGuildLocked(g)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v9/", s.serveREST)
	mux.HandleFunc("/", s.serveGateway)
	s.http = httptest.NewServer(mux)
	s.wsURL = "ws" + strings.TrimPrefix(s.http.URL, "http") + "/"
	return s
}

func (c Config) withDefaults() Config {
	if c.Token == "" {
		c.Token = DefaultToken
	}
	if c.ApplicationID == "" {
		c.ApplicationID = DefaultApplicationID
	}
	if c.BotUser.ID == "" {
		c.BotUser.ID = c.ApplicationID
	}
	if c.BotUser.Username == "" {
		c.BotUser.Username = DefaultBotUsername
	}
	c.BotUser.Bot = true
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.GatewaySendLimit <= 0 {
		c.GatewaySendLimit = DefaultGatewaySendLimit
	}
	if c.GatewaySendWindow <= 0 {
		c.GatewaySendWindow = DefaultGatewaySendWindow
	}
	if c.InteractionDeadline <= 0 {
		c.InteractionDeadline = DefaultInteractionDeadline
	}
	if c.InteractionTokenTTL <= 0 {
		c.InteractionTokenTTL = DefaultInteractionTokenTTL
	}
	if c.DefaultRouteLimit.Limit <= 0 {
		c.DefaultRouteLimit.Limit = 50
	}
	if c.DefaultRouteLimit.Window <= 0 {
		c.DefaultRouteLimit.Window = time.Second
	}
	if c.GlobalLimit <= 0 {
		c.GlobalLimit = DefaultGlobalLimit
	}
	if c.GlobalWindow <= 0 {
		c.GlobalWindow = DefaultGlobalWindow
	}
	return c
}

// Close closes all gateway connections and stops the HTTP server.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, t := range s.timers {
		t.Stop()
	}
	conns := s.gw.allConns()
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.drop()
	}
	s.http.CloseClientConnections()
	s.http.Close()
}

// URL returns the base URL of the fake, like "http://127.0.0.1:PORT"; the
// REST API lives under URL()+"/api/v9/".
func (s *Server) URL() string { return s.http.URL }

// GatewayURL returns the websocket URL the fake hands out from GET /gateway.
func (s *Server) GatewayURL() string { return s.wsURL }

// Token returns the bot token the fake accepts, without the "Bot " prefix.
func (s *Server) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.Token
}

// SetToken changes the bot token the fake accepts, as when the owner
// resets it: later REST requests, Identify and Resume with the old token
// fail (401, close 4004). Open connections stay up.
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Token = token
}

// ApplicationID returns the application id of the bot.
func (s *Server) ApplicationID() string { return s.cfg.ApplicationID }

// BotUser returns the bot's user.
func (s *Server) BotUser() User { return s.cfg.BotUser }

// Transport returns an http.RoundTripper that sends requests for host
// discord.com (any scheme) to the fake and refuses every other host except
// the fake's own.
func (s *Server) Transport() http.RoundTripper {
	base, _ := url.Parse(s.http.URL)
	return &rewriteTransport{base: base, next: s.http.Client().Transport}
}

type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Host {
	case "discord.com", t.base.Host:
	default:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("fakediscord transport: refusing request to host %s", req.URL.Host)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.Host = t.base.Host
	return t.next.RoundTrip(r)
}

// NewSession returns a discordgo session for the fake's bot token whose
// REST client and gateway dialer point at the fake. It does not open it.
func (s *Server) NewSession() (*discordgo.Session, error) {
	dg, err := discordgo.New("Bot " + s.Token())
	if err != nil {
		return nil, fmt.Errorf("new discordgo session: %w", err)
	}
	s.Attach(dg)
	return dg, nil
}

// Attach points an existing discordgo session at the fake: its HTTP client
// rewrites discord.com to the fake and its websocket dialer is a private
// one, so the gateway URL discovered through GET /gateway is the fake's.
// discordgo's package-level endpoints are not touched.
func (s *Server) Attach(dg *discordgo.Session) {
	dg.Client = &http.Client{Transport: s.Transport(), Timeout: 20 * time.Second}
	dg.Dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second}
}

// Wait blocks until cond returns true or ctx is done. cond is evaluated
// again after every change of the fake's state (request, gateway event,
// interaction update); it may call the Server's accessors.
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for fake discord state: %w", ctx.Err())
		}
	}
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// afterFunc runs f after d unless the server is closed first.
func (s *Server) afterFuncLocked(d time.Duration, f func()) {
	s.timers = append(s.timers, time.AfterFunc(d, f))
}

// idGen hands out snowflakes that encode the creation time like Discord's.
type idGen struct{ last uint64 }

const discordEpochMS = 1420070400000

func (g *idGen) next() string {
	v := uint64(time.Now().UnixMilli()-discordEpochMS) << 22
	if v <= g.last {
		v = g.last + 1
	}
	g.last = v
	return fmt.Sprint(v)
}

// NewID returns a fresh snowflake, handy for ids of test guilds, channels,
// roles and users.
func (s *Server) NewID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids.next()
}

// AddUser adds or replaces a user.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
	s.notifyLocked()
}

// AddGuild adds a guild with its channels, roles and members; connected
// sessions receive GUILD_CREATE.
func (s *Server) AddGuild(g Guild) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addGuildLocked(g)
	s.dispatchLocked("GUILD_CREATE", s.guildJSONLocked(g.ID), intentGuilds)
	s.notifyLocked()
}

func (s *Server) addGuildLocked(g Guild) {
	if g.Locale == "" {
		g.Locale = "en-US"
	}
	if g.OwnerID == "" {
		g.OwnerID = s.cfg.BotUser.ID
	}
	// The @everyone role has the guild's id.
	if !slices.ContainsFunc(g.Roles, func(r Role) bool { return r.ID == g.ID }) {
		g.Roles = append([]Role{{ID: g.ID, Name: "@everyone"}}, g.Roles...)
	}
	if !slices.ContainsFunc(g.Members, func(m Member) bool { return m.UserID == s.cfg.BotUser.ID }) {
		g.Members = append(g.Members, Member{UserID: s.cfg.BotUser.ID})
	}
	gs := &guildState{Guild: g, joined: time.Now().UTC()}
	gs.Channels = slices.Clone(g.Channels)
	gs.Roles = slices.Clone(g.Roles)
	gs.Members = slices.Clone(g.Members)
	if _, ok := s.guilds[g.ID]; !ok {
		s.guildOrder = append(s.guildOrder, g.ID)
	}
	s.guilds[g.ID] = gs
	for _, c := range g.Channels {
		s.channels[c.ID] = &channelState{Channel: c, guildID: g.ID}
	}
}

// AddChannel adds a channel to a guild; connected sessions receive
// CHANNEL_CREATE.
func (s *Server) AddChannel(guildID string, c Channel) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guilds[guildID]
	if !ok {
		return fmt.Errorf("add channel %s: unknown guild %s", c.ID, guildID)
	}
	g.Channels = append(g.Channels, c)
	s.channels[c.ID] = &channelState{Channel: c, guildID: guildID}
	s.dispatchLocked("CHANNEL_CREATE", channelJSON(c, guildID), intentGuilds)
	s.notifyLocked()
	return nil
}

// AddRole adds a role to a guild; connected sessions receive
// GUILD_ROLE_CREATE.
func (s *Server) AddRole(guildID string, r Role) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guilds[guildID]
	if !ok {
		return fmt.Errorf("add role %s: unknown guild %s", r.ID, guildID)
	}
	g.Roles = append(g.Roles, r)
	s.dispatchLocked("GUILD_ROLE_CREATE", map[string]any{"guild_id": guildID, "role": roleJSON(r)}, intentGuilds)
	s.notifyLocked()
	return nil
}

// AddMember adds a known user to a guild (replacing an earlier membership);
// connected sessions with the GUILD_MEMBERS intent receive GUILD_MEMBER_ADD.
func (s *Server) AddMember(guildID string, m Member) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guilds[guildID]
	if !ok {
		return fmt.Errorf("add member %s: unknown guild %s", m.UserID, guildID)
	}
	if _, ok := s.users[m.UserID]; !ok {
		return fmt.Errorf("add member %s to guild %s: unknown user", m.UserID, guildID)
	}
	g.Members = slices.DeleteFunc(g.Members, func(x Member) bool { return x.UserID == m.UserID })
	g.Members = append(g.Members, m)
	mj := s.memberJSONLocked(g, m)
	mj["guild_id"] = guildID
	s.dispatchLocked("GUILD_MEMBER_ADD", mj, IntentGuildMembers)
	s.notifyLocked()
	return nil
}

// Messages returns copies of the non-ephemeral messages of a channel, oldest
// first.
func (s *Server) Messages(channelID string) []*discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channelID]
	if !ok {
		return nil
	}
	var out []*discordgo.Message
	for _, id := range c.msgs {
		if m := s.messages[id]; m != nil && !m.deleted {
			out = append(out, cloneMessage(m.msg))
		}
	}
	return out
}

// Message returns a copy of a message by id, ephemeral ones included, and
// whether it exists and was not deleted.
func (s *Server) Message(messageID string) (*discordgo.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[messageID]
	if !ok || m.deleted {
		return nil, false
	}
	return cloneMessage(m.msg), true
}

// PostUserMessage makes a user write a message in a channel; sessions with
// the GUILD_MESSAGES intent receive MESSAGE_CREATE. As on Discord, a
// session without the privileged MESSAGE_CONTENT intent gets it with empty
// content, embeds, attachments and components unless the message mentions
// the bot.
func (s *Server) PostUserMessage(channelID, userID, content string) (*discordgo.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channelID]
	if !ok {
		return nil, fmt.Errorf("post message in %s: unknown channel", channelID)
	}
	u, ok := s.users[userID]
	if !ok {
		return nil, fmt.Errorf("post message in %s: unknown user %s", channelID, userID)
	}
	m := &discordgo.Message{
		ID: s.ids.next(), ChannelID: channelID, GuildID: c.guildID, Content: content,
		Author: userObject(*u), Timestamp: time.Now().UTC(), Type: discordgo.MessageTypeDefault,
		Embeds: []*discordgo.MessageEmbed{}, Attachments: []*discordgo.MessageAttachment{}, Mentions: []*discordgo.User{},
	}
	s.storeMessageLocked(m, false)
	mentioned := strings.Contains(content, "<@"+s.cfg.BotUser.ID+">") || strings.Contains(content, "<@!"+s.cfg.BotUser.ID+">")
	blind := *m
	blind.Content = ""
	for _, sess := range s.gw.sessions {
		switch {
		case sess.intents&intentGuildMessages == 0:
		case sess.intents&IntentMessageContent == 0 && !mentioned:
			s.sendDispatchLocked(sess, "MESSAGE_CREATE", &blind)
		default:
			s.sendDispatchLocked(sess, "MESSAGE_CREATE", m)
		}
	}
	s.notifyLocked()
	return cloneMessage(m), nil
}

// Commands returns copies of the application commands of a scope: global
// when guildID is "", else the guild's.
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*discordgo.ApplicationCommand
	for _, c := range s.commands[guildID] {
		out = append(out, cloneJSON(c))
	}
	return out
}

func (s *Server) storeMessageLocked(m *discordgo.Message, ephemeral bool) {
	s.messages[m.ID] = &messageState{msg: m, ephemeral: ephemeral}
	if c, ok := s.channels[m.ChannelID]; ok && !ephemeral {
		c.msgs = append(c.msgs, m.ID)
	}
}

// cloneMessage deep-copies a message, components included (discordgo's
// Message does not marshal them: its Components field is tagged "-").
func cloneMessage(m *discordgo.Message) *discordgo.Message {
	out := cloneJSON(m)
	if len(m.Components) == 0 {
		return out
	}
	b, err := json.Marshal(struct {
		Components []discordgo.MessageComponent `json:"components"`
	}{m.Components})
	if err != nil {
		panic(fmt.Sprintf("fakediscord: marshal components: %v", err))
	}
	var withComponents discordgo.Message
	if err := json.Unmarshal(b, &withComponents); err != nil {
		panic(fmt.Sprintf("fakediscord: unmarshal components: %v", err))
	}
	out.Components = withComponents.Components
	return out
}

// cloneJSON deep-copies a value through JSON.
func cloneJSON[T any](v *T) *T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("fakediscord: marshal %T: %v", v, err))
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("fakediscord: unmarshal %T: %v", v, err))
	}
	return out
}

func userObject(u User) *discordgo.User {
	return &discordgo.User{ID: u.ID, Username: u.Username, GlobalName: u.GlobalName, Bot: u.Bot, Discriminator: "0"}
}

func roleJSON(r Role) map[string]any {
	return map[string]any{
		"id": r.ID, "name": r.Name, "permissions": fmt.Sprint(r.Permissions),
		"position": r.Position, "color": 0, "hoist": false, "managed": false, "mentionable": false,
	}
}

func channelJSON(c Channel, guildID string) map[string]any {
	m := map[string]any{"id": c.ID, "name": c.Name, "type": c.Type, "position": c.Position, "guild_id": guildID}
	if c.ParentID != "" {
		m["parent_id"] = c.ParentID
	}
	return m
}

func (s *Server) memberJSONLocked(g *guildState, m Member) map[string]any {
	roles := m.Roles
	if roles == nil {
		roles = []string{}
	}
	out := map[string]any{
		"roles": roles, "joined_at": g.joined.Format(time.RFC3339Nano),
		"deaf": false, "mute": false, "flags": 0,
	}
	if u, ok := s.users[m.UserID]; ok {
		out["user"] = userObject(*u)
	}
	if m.Nick != "" {
		out["nick"] = m.Nick
	}
	return out
}

func (s *Server) guildJSONLocked(id string) map[string]any {
	g := s.guilds[id]
	roles := []any{}
	for _, r := range g.Roles {
		roles = append(roles, roleJSON(r))
	}
	chans := []any{}
	for _, c := range g.Channels {
		chans = append(chans, channelJSON(c, g.ID))
	}
	members := []any{}
	for _, m := range g.Members {
		members = append(members, s.memberJSONLocked(g, m))
	}
	return map[string]any{
		"id": g.ID, "name": g.Name, "owner_id": g.OwnerID, "preferred_locale": g.Locale,
		"roles": roles, "channels": chans, "members": members, "member_count": len(g.Members),
		"joined_at": g.joined.Format(time.RFC3339Nano), "unavailable": false, "large": false,
		"threads": []any{}, "emojis": []any{}, "stickers": []any{}, "voice_states": []any{},
		"presences": []any{}, "features": []any{},
	}
}

// readBody reads a request body, taking the JSON part of a multipart body.
func readBody(r *http.Request) ([]byte, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return nil, fmt.Errorf("parse multipart body: %w", err)
		}
		return []byte(r.FormValue("payload_json")), nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return b, nil
}

// DeleteMessage deletes a message as a moderator would, outside the bot:
// later REST calls on it answer 404 Unknown Message and MESSAGE_DELETE is
// dispatched.
func (s *Server) DeleteMessage(messageID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[messageID]
	if !ok || m.deleted {
		return fmt.Errorf("delete message: unknown message %q", messageID)
	}
	m.deleted = true
	d := map[string]any{"id": m.msg.ID, "channel_id": m.msg.ChannelID}
	if c, ok := s.channels[m.msg.ChannelID]; ok {
		d["guild_id"] = c.guildID
	}
	s.dispatchLocked("MESSAGE_DELETE", d, intentGuildMessages)
	s.notifyLocked()
	return nil
}

package fakediscord

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opPresenceUpdate = 3
	opVoiceState     = 4
	opResume         = 6
	opReconnect      = 7
	opRequestMembers = 8
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// Gateway close codes sent by the fake.
const (
	CloseUnknownError         = 4000
	CloseUnknownOpcode        = 4001
	CloseDecodeError          = 4002
	CloseNotAuthenticated     = 4003
	CloseAuthenticationFailed = 4004
	CloseAlreadyAuthenticated = 4005
	CloseRateLimited          = 4008
	CloseInvalidAPIVersion    = 4012
	CloseInvalidIntents       = 4013
	CloseDisallowedIntents    = 4014
)

const (
	intentGuilds        = 1 << 0
	intentGuildMessages = 1 << 9
	validIntents        = 1<<26 - 1
	maxSessionLog       = 5000
)

// ConnectRecord is one websocket connection accepted by the gateway.
type ConnectRecord struct {
	Time time.Time
	// Query is the raw query of the websocket URL, e.g. "v=9&encoding=json".
	Query string
}

// IdentifyRecord is one Identify (op 2) received.
type IdentifyRecord struct {
	Time      time.Time
	SessionID string // the new session, "" when rejected
	Intents   int
	Compress  bool
	Shard     *[2]int
	// CloseCode is the close code the Identify was rejected with, 0 if it
	// was accepted.
	CloseCode int
}

// ResumeRecord is one Resume (op 6) received.
type ResumeRecord struct {
	Time      time.Time
	SessionID string
	Seq       int64
	// Replayed is the number of dispatches replayed before RESUMED.
	Replayed int
	// OK is false when the session was unknown or invalid (answered with
	// op 9) or the token was wrong (closed with 4004).
	OK bool
}

// HeartbeatRecord is one heartbeat (op 1) received from a client.
type HeartbeatRecord struct {
	Time  time.Time
	Seq   int64 // the client's last sequence number, 0 for null
	Acked bool  // false while ACKs are withheld
}

// CloseRecord is the end of one gateway connection.
type CloseRecord struct {
	Time      time.Time
	SessionID string
	// Code is the close code: the client's or the one the fake sent; 1006
	// when the socket ended without a close frame.
	Code     int
	Reason   string
	ByServer bool
}

type gatewayState struct {
	sessions    map[string]*gwSession
	conns       map[*gwConn]struct{}
	withholdACK bool
	connects    []ConnectRecord
	identifies  []IdentifyRecord
	resumes     []ResumeRecord
	heartbeats  []HeartbeatRecord
	closes      []CloseRecord
}

func newGatewayState() gatewayState {
	return gatewayState{sessions: map[string]*gwSession{}, conns: map[*gwConn]struct{}{}}
}

func (g *gatewayState) allConns() []*gwConn {
	out := make([]*gwConn, 0, len(g.conns))
	for c := range g.conns {
		out = append(out, c)
	}
	return out
}

type gwSession struct {
	id      string
	seq     int64
	log     []seqFrame
	conn    *gwConn
	intents int
}

type seqFrame struct {
	seq   int64
	frame []byte
}

type outItem struct {
	data      []byte
	closeCode int
	closeText string
	drop      bool
}

// gwConn is one websocket connection. Frames are queued under Server.mu
// and written by the connection's own writer goroutine, so the fake never
// blocks on a slow client while holding its lock.
type gwConn struct {
	ws      *websocket.Conn
	session *gwSession
	recv    []time.Time
	ended   bool // set under Server.mu once the close was recorded

	qmu   sync.Mutex
	queue []outItem
	wake  chan struct{}
	stop  bool
}

func (c *gwConn) enqueue(it outItem) {
	c.qmu.Lock()
	if !c.stop {
		c.queue = append(c.queue, it)
	}
	c.qmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *gwConn) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakediscord: marshal gateway frame: " + err.Error())
	}
	c.enqueue(outItem{data: b})
}

func (c *gwConn) closeWith(code int, text string) {
	c.enqueue(outItem{closeCode: code, closeText: text})
}

func (c *gwConn) drop() { c.enqueue(outItem{drop: true}) }

func (c *gwConn) writeLoop(done <-chan struct{}) {
	for {
		c.qmu.Lock()
		items := c.queue
		c.queue = nil
		c.qmu.Unlock()
		for _, it := range items {
			switch {
			case it.drop:
				c.halt()
				return
			case it.closeCode != 0:
				msg := websocket.FormatCloseMessage(it.closeCode, it.closeText)
				_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
				c.halt()
				return
			default:
				if err := c.ws.WriteMessage(websocket.TextMessage, it.data); err != nil {
					c.halt()
					return
				}
			}
		}
		select {
		case <-c.wake:
		case <-done:
			return
		}
	}
}

func (c *gwConn) halt() {
	c.qmu.Lock()
	c.stop = true
	c.queue = nil
	c.qmu.Unlock()
	c.ws.Close()
}

type gatewayFrame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" || !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusNotFound, 0, "404: Not Found", nil)
		return
	}
	ws, err := s.upg.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("gateway upgrade failed", "err", err)
		return
	}
	c := &gwConn{ws: ws, wake: make(chan struct{}, 1)}
	done := make(chan struct{})
	go c.writeLoop(done)
	defer close(done)

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.gw.conns[c] = struct{}{}
	s.gw.connects = append(s.gw.connects, ConnectRecord{Time: time.Now(), Query: r.URL.RawQuery})
	if v := r.URL.Query().Get("v"); v != "" && v != "9" && v != "10" {
		s.serverCloseLocked(c, CloseInvalidAPIVersion, "Invalid API version.")
	} else {
		c.send(map[string]any{"op": opHello, "d": map[string]any{"heartbeat_interval": s.cfg.HeartbeatInterval.Milliseconds()}, "s": nil, "t": nil})
	}
	s.notifyLocked()
	s.mu.Unlock()

	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			code, reason := websocket.CloseAbnormalClosure, err.Error()
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				code, reason = ce.Code, ce.Text
			}
			s.mu.Lock()
			s.endConnLocked(c, code, reason, false)
			s.mu.Unlock()
			c.halt()
			return
		}
		s.mu.Lock()
		s.handleFrameLocked(c, data)
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// endConnLocked records the end of a connection once and detaches it from
// its session, which stays resumable.
func (s *Server) endConnLocked(c *gwConn, code int, reason string, byServer bool) {
	if c.ended {
		return
	}
	c.ended = true
	rec := CloseRecord{Time: time.Now(), Code: code, Reason: reason, ByServer: byServer}
	if c.session != nil {
		rec.SessionID = c.session.id
		if c.session.conn == c {
			c.session.conn = nil
		}
	}
	delete(s.gw.conns, c)
	s.gw.closes = append(s.gw.closes, rec)
	s.notifyLocked()
}

func (s *Server) serverCloseLocked(c *gwConn, code int, reason string) {
	s.endConnLocked(c, code, reason, true)
	c.closeWith(code, reason)
}

func (s *Server) handleFrameLocked(c *gwConn, data []byte) {
	if c.ended {
		return
	}
	now := time.Now()
	cut := now.Add(-s.cfg.GatewaySendWindow)
	i := 0
	for i < len(c.recv) && c.recv[i].Before(cut) {
		i++
	}
	c.recv = append(c.recv[i:], now)
	if len(c.recv) > s.cfg.GatewaySendLimit {
		s.serverCloseLocked(c, CloseRateLimited, "You are being rate limited.")
		return
	}
	var f gatewayFrame
	if err := json.Unmarshal(data, &f); err != nil {
		s.serverCloseLocked(c, CloseDecodeError, "Error while decoding payload.")
		return
	}
	switch f.Op {
	case opHeartbeat:
		var seq int64
		_ = json.Unmarshal(f.D, &seq)
		rec := HeartbeatRecord{Time: now, Seq: seq, Acked: !s.gw.withholdACK}
		s.gw.heartbeats = append(s.gw.heartbeats, rec)
		if rec.Acked {
			c.send(map[string]any{"op": opHeartbeatACK, "d": nil})
		}
	case opIdentify:
		s.identifyLocked(c, f.D)
	case opResume:
		s.resumeLocked(c, f.D)
	case opPresenceUpdate, opVoiceState, opRequestMembers:
		if c.session == nil {
			s.serverCloseLocked(c, CloseNotAuthenticated, "Not authenticated.")
		}
	default:
		s.serverCloseLocked(c, CloseUnknownOpcode, "Unknown opcode.")
	}
}

func (s *Server) tokenOK(tok string) bool {
	return strings.TrimPrefix(tok, "Bot ") == s.cfg.Token
}

func (s *Server) identifyLocked(c *gwConn, raw json.RawMessage) {
	var p struct {
		Token    string  `json:"token"`
		Intents  *int    `json:"intents"`
		Compress bool    `json:"compress"`
		Shard    *[2]int `json:"shard"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		s.serverCloseLocked(c, CloseDecodeError, "Error while decoding payload.")
		return
	}
	rec := IdentifyRecord{Time: time.Now(), Compress: p.Compress, Shard: p.Shard}
	if p.Intents != nil {
		rec.Intents = *p.Intents
	}
	reject := func(code int, reason string) {
		rec.CloseCode = code
		s.gw.identifies = append(s.gw.identifies, rec)
		s.serverCloseLocked(c, code, reason)
	}
	switch {
	case c.session != nil:
		reject(CloseAlreadyAuthenticated, "Already authenticated.")
		return
	case !s.tokenOK(p.Token):
		reject(CloseAuthenticationFailed, "Authentication failed.")
		return
	case p.Intents == nil || *p.Intents&^validIntents != 0:
		reject(CloseInvalidIntents, "Invalid intent(s).")
		return
	case *p.Intents&privilegedIntents&^s.cfg.AllowedPrivilegedIntents != 0:
		reject(CloseDisallowedIntents, "Disallowed intent(s).")
		return
	}
	sess := &gwSession{id: randomHex(16), conn: c, intents: rec.Intents}
	s.gw.sessions[sess.id] = sess
	c.session = sess
	rec.SessionID = sess.id
	s.gw.identifies = append(s.gw.identifies, rec)

	guilds := []any{}
	for _, id := range s.guildOrder {
		guilds = append(guilds, map[string]any{"id": id, "unavailable": true})
	}
	bot := userObject(s.cfg.BotUser)
	ready := map[string]any{
		"v":                       9,
		"user":                    map[string]any{"id": bot.ID, "username": bot.Username, "discriminator": "0", "global_name": nil, "bot": true, "verified": true, "mfa_enabled": false, "flags": 0},
		"guilds":                  guilds,
		"session_id":              sess.id,
		"session_type":            "normal",
		"resume_gateway_url":      s.wsURL,
		"application":             map[string]any{"id": s.cfg.ApplicationID, "flags": s.cfg.ApplicationFlags},
		"private_channels":        []any{},
		"relationships":           []any{},
		"presences":               []any{},
		"guild_join_requests":     []any{},
		"geo_ordered_rtc_regions": []any{},
		"_trace":                  []string{"[\"fakediscord\"]"},
	}
	if p.Shard != nil {
		ready["shard"] = p.Shard
	}
	s.sendDispatchLocked(sess, "READY", ready)
	for _, id := range s.guildOrder {
		s.sendDispatchLocked(sess, "GUILD_CREATE", s.guildJSONLocked(id))
	}
}

func (s *Server) resumeLocked(c *gwConn, raw json.RawMessage) {
	var p struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		s.serverCloseLocked(c, CloseDecodeError, "Error while decoding payload.")
		return
	}
	rec := ResumeRecord{Time: time.Now(), SessionID: p.SessionID, Seq: p.Seq}
	if !s.tokenOK(p.Token) {
		s.gw.resumes = append(s.gw.resumes, rec)
		s.serverCloseLocked(c, CloseAuthenticationFailed, "Authentication failed.")
		return
	}
	sess, ok := s.gw.sessions[p.SessionID]
	if !ok || c.session != nil || p.Seq > sess.seq || (len(sess.log) > 0 && p.Seq < sess.log[0].seq-1) {
		s.gw.resumes = append(s.gw.resumes, rec)
		c.send(map[string]any{"op": opInvalidSession, "d": false, "s": nil, "t": nil})
		return
	}
	if old := sess.conn; old != nil && old != c {
		s.serverCloseLocked(old, CloseUnknownError, "Session resumed elsewhere.")
	}
	sess.conn = c
	c.session = sess
	for _, f := range sess.log {
		if f.seq > p.Seq {
			c.enqueue(outItem{data: f.frame})
			rec.Replayed++
		}
	}
	rec.OK = true
	s.gw.resumes = append(s.gw.resumes, rec)
	s.sendDispatchLocked(sess, "RESUMED", map[string]any{"_trace": []string{"[\"fakediscord\"]"}})
}

// sendDispatchLocked gives the event the session's next sequence number,
// logs it for Resume and sends it when the session is connected.
func (s *Server) sendDispatchLocked(sess *gwSession, t string, d any) {
	sess.seq++
	b, err := json.Marshal(map[string]any{"op": opDispatch, "s": sess.seq, "t": t, "d": d})
	if err != nil {
		panic("fakediscord: marshal dispatch " + t + ": " + err.Error())
	}
	sess.log = append(sess.log, seqFrame{seq: sess.seq, frame: b})
	if len(sess.log) > maxSessionLog {
		sess.log = sess.log[len(sess.log)-maxSessionLog:]
	}
	if sess.conn != nil {
		sess.conn.enqueue(outItem{data: b})
	}
}

// dispatchLocked sends an event to every session whose intents include
// intent (0: every session).
func (s *Server) dispatchLocked(t string, d any, intent int) {
	for _, sess := range s.gw.sessions {
		if intent != 0 && sess.intents&intent == 0 {
			continue
		}
		s.sendDispatchLocked(sess, t, d)
	}
}

// Dispatch sends a gateway event of type t with data d to every session,
// whatever its intents. A session that is disconnected gets it on Resume.
func (s *Server) Dispatch(t string, d any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispatchLocked(t, d, 0)
	s.notifyLocked()
}

// WithholdHeartbeatACKs makes the gateway stop (true) or resume (false)
// answering heartbeats with op 11.
func (s *Server) WithholdHeartbeatACKs(withhold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gw.withholdACK = withhold
}

func (s *Server) eachConn(f func(c *gwConn)) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.gw.conns {
		f(c)
		n++
	}
	s.notifyLocked()
	return n
}

// RequestHeartbeat sends op 1 (Heartbeat) to every connection and returns
// how many got it.
func (s *Server) RequestHeartbeat() int {
	return s.eachConn(func(c *gwConn) { c.send(map[string]any{"op": opHeartbeat, "d": nil, "s": nil, "t": nil}) })
}

// SendReconnect sends op 7 (Reconnect) to every connection and returns how
// many got it; the sessions stay resumable.
func (s *Server) SendReconnect() int {
	return s.eachConn(func(c *gwConn) { c.send(map[string]any{"op": opReconnect, "d": nil, "s": nil, "t": nil}) })
}

// InvalidateSessions sends op 9 (Invalid Session) with d=resumable to every
// identified connection and returns how many got it. The connection must
// Identify again; when resumable is false the old sessions are forgotten.
func (s *Server) InvalidateSessions(resumable bool) int {
	return s.eachConn(func(c *gwConn) {
		if c.session == nil {
			return
		}
		if !resumable {
			delete(s.gw.sessions, c.session.id)
		}
		c.session.conn = nil
		c.session = nil
		c.send(map[string]any{"op": opInvalidSession, "d": resumable, "s": nil, "t": nil})
	})
}

// DropConnections closes every gateway socket abruptly, without a close
// frame, and returns how many were dropped; the sessions stay resumable.
func (s *Server) DropConnections() int {
	return s.eachConn(func(c *gwConn) {
		s.endConnLocked(c, websocket.CloseAbnormalClosure, "dropped by fake", true)
		c.drop()
	})
}

// CloseConnections closes every gateway socket with the given close code
// and reason and returns how many were closed.
func (s *Server) CloseConnections(code int, reason string) int {
	return s.eachConn(func(c *gwConn) { s.serverCloseLocked(c, code, reason) })
}

// Connections returns the number of open gateway connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.gw.conns)
}

// ReadySessions returns the number of open connections that have a live
// session (identified or resumed).
func (s *Server) ReadySessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.gw.conns {
		if c.session != nil {
			n++
		}
	}
	return n
}

// Connects returns the websocket connections accepted so far.
func (s *Server) Connects() []ConnectRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ConnectRecord(nil), s.gw.connects...)
}

// Identifies returns the Identify payloads received so far.
func (s *Server) Identifies() []IdentifyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]IdentifyRecord(nil), s.gw.identifies...)
}

// Resumes returns the Resume payloads received so far.
func (s *Server) Resumes() []ResumeRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ResumeRecord(nil), s.gw.resumes...)
}

// Heartbeats returns the heartbeats received so far.
func (s *Server) Heartbeats() []HeartbeatRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]HeartbeatRecord(nil), s.gw.heartbeats...)
}

// Closes returns the gateway connections that ended so far.
func (s *Server) Closes() []CloseRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CloseRecord(nil), s.gw.closes...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("fakediscord: random: " + err.Error())
	}
	return hex.EncodeToString(b)
}

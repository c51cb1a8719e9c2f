// Package auth is the web UI's and REST API's authentication: the admin
// password (argon2id), server-side sessions with an idle timeout and a
// CSRF token each, a per-address limit on failed logins, and API tokens
// (shown once, stored as SHA-256 hashes).
//
// There is no default password: until one is set (through the setup page,
// or seeded from DDC_ADMIN_PASSWORD) nobody can log in. Its data lives in
// a KV namespace of the host's store; sessions live in memory only, so a
// restart logs everyone out.
//
// It must never import gin or the web handlers: it is the policy, not the
// transport; nor any plugin package (plugins/).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Namespace is the host store namespace auth keeps its data in. Plugin ids
// cannot contain ':', so no plugin can read or write it.
const Namespace = "host:auth"

// AdminUser is the name of the one web user.
const AdminUser = "admin"

// Defaults of Options.
const (
	// DefaultIdleTimeout ends a session unused this long.
	DefaultIdleTimeout = 30 * time.Minute
	// DefaultMaxSessions caps open sessions; the least recently used goes
	// first.
	DefaultMaxSessions = 64
	// MaxTokens caps the API tokens.
	MaxTokens = 100
	// MaxTokenNameLen is the longest token name, in bytes.
	MaxTokenNameLen = 64
	// TokenPrefix starts every API token, so that one found in a log or a
	// repository is recognisable.
	TokenPrefix = "ddc_"
)

// Errors, checked with errors.Is.
var (
	// ErrSetupDone means a password is already set.
	ErrSetupDone = errors.New("the admin password is already set")
	// ErrNotSetUp means no password is set yet.
	ErrNotSetUp = errors.New("no admin password is set yet")
	// ErrBadCredentials means the password was wrong.
	ErrBadCredentials = errors.New("wrong password")
	// ErrRateLimited means the address failed too often recently.
	ErrRateLimited = errors.New("too many failed logins; wait a minute")
	// ErrNotFound means no such token.
	ErrNotFound = errors.New("no such token")
	// ErrInvalid means a request's value broke a rule.
	ErrInvalid = errors.New("invalid value")
)

// KV is the storage auth keeps its data in: a namespace of the host's
// store (*store.KV).
type KV interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string, limit int) ([]string, error)
}

// Options tune New. Zero fields take the defaults.
type Options struct {
	// IdleTimeout ends a session unused this long (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxSessions caps open sessions (DefaultMaxSessions).
	MaxSessions int
	// MaxFailures within FailureWindow from one address block further
	// logins from it (DefaultMaxFailures, DefaultFailureWindow).
	MaxFailures   int
	FailureWindow time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Session is one logged-in browser.
type Session struct {
	// ID is the cookie value: 32 random bytes, base64url.
	ID string
	// CSRF is the token every state-changing request of the session must
	// carry.
	CSRF string
	// User is the logged-in user.
	User string
	// Created is when the session was made.
	Created  time.Time
	lastSeen time.Time
}

// Token describes an API token; the token itself is shown only once, when
// it is made.
type Token struct {
	// ID names the token in the UI and for revoking: the first 12 hex
	// digits of its hash.
	ID string `json:"id"`
	// Name is what the admin called it.
	Name string `json:"name"`
	// Created is when it was made.
	Created time.Time `json:"created"`
	// Hash is the SHA-256 of the token, hex.
	Hash string `json:"hash"`
}

// user is the stored record of the admin.
type user struct {
	Hash string `json:"hash"`
	Lang string `json:"lang,omitempty"`
}

// Auth holds the password, sessions and tokens. It is safe for concurrent
// use.
type Auth struct {
	kv   KV
	opts Options
	lim  *limiter

	setupMu sync.Mutex // one password change at a time

	mu       sync.Mutex
	sessions map[string]*Session
}

// New returns an Auth keeping its data in kv.
func New(kv KV, opts Options) *Auth {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = DefaultMaxFailures
	}
	if opts.FailureWindow <= 0 {
		opts.FailureWindow = DefaultFailureWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Auth{kv: kv, opts: opts, lim: newLimiter(opts.MaxFailures, opts.FailureWindow), sessions: map[string]*Session{}}
}

// IdleTimeout is how long an unused session lasts.
func (a *Auth) IdleTimeout() time.Duration { return a.opts.IdleTimeout }

func userKey(name string) string { return "user/" + name }

func (a *Auth) user(ctx context.Context, name string) (user, bool, error) {
	raw, ok, err := a.kv.Get(ctx, userKey(name))
	if err != nil || !ok {
		return user{}, false, err
	}
	var u user
	if err := json.Unmarshal(raw, &u); err != nil {
		return user{}, false, fmt.Errorf("read user %s: %w", name, err)
	}
	return u, u.Hash != "", nil
}

func (a *Auth) putUser(ctx context.Context, name string, u user) error {
	raw, _ := json.Marshal(u)
	if err := a.kv.Put(ctx, userKey(name), raw); err != nil {
		return fmt.Errorf("save user %s: %w", name, err)
	}
	return nil
}

// NeedsSetup reports whether no admin password is set yet.
func (a *Auth) NeedsSetup(ctx context.Context) (bool, error) {
	_, ok, err := a.user(ctx, AdminUser)
	return !ok, err
}

// Setup sets the first admin password; it fails with ErrSetupDone once one
// is set, and with ErrWeakPassword for a password out of bounds.
func (a *Auth) Setup(ctx context.Context, password string) error {
	if err := checkNewPassword(password); err != nil {
		return err
	}
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	u, ok, err := a.user(ctx, AdminUser)
	if err != nil {
		return err
	}
	if ok {
		return ErrSetupDone
	}
	if u.Hash, err = hashPassword(password); err != nil {
		return err
	}
	return a.putUser(ctx, AdminUser, u)
}

// Seed is Setup for DDC_ADMIN_PASSWORD at start: it sets the password
// when none is set and reports whether it did.
func (a *Auth) Seed(ctx context.Context, password string) (bool, error) {
	err := a.Setup(ctx, password)
	if errors.Is(err, ErrSetupDone) {
		return false, nil
	}
	return err == nil, err
}

// ChangePassword replaces the admin password after checking the old one,
// and ends every other session.
func (a *Auth) ChangePassword(ctx context.Context, keep, old, password string) error {
	if err := checkNewPassword(password); err != nil {
		return err
	}
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	u, ok, err := a.user(ctx, AdminUser)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotSetUp
	}
	if match, err := verifyPassword(u.Hash, old); err != nil {
		return err
	} else if !match {
		return ErrBadCredentials
	}
	if u.Hash, err = hashPassword(password); err != nil {
		return err
	}
	if err := a.putUser(ctx, AdminUser, u); err != nil {
		return err
	}
	a.mu.Lock()
	for id := range a.sessions {
		if id != keep {
			delete(a.sessions, id)
		}
	}
	a.mu.Unlock()
	return nil
}

// Login checks the admin password for a client at addr and opens a
// session. After MaxFailures failures within FailureWindow from addr,
// further attempts fail with ErrRateLimited (the password is not even
// checked) until the oldest failure leaves the window; retryAt says when.
func (a *Auth) Login(ctx context.Context, addr, password string) (s *Session, retryAt time.Time, err error) {
	now := a.opts.Now()
	if blocked, until := a.lim.blocked(addr, now); blocked {
		return nil, until, ErrRateLimited
	}
	u, ok, err := a.user(ctx, AdminUser)
	if err != nil {
		return nil, time.Time{}, err
	}
	if !ok {
		return nil, time.Time{}, ErrNotSetUp
	}
	if len(password) > MaxPasswordLen {
		password = password[:MaxPasswordLen+1] // still wrong, but cheap
	}
	match, err := verifyPassword(u.Hash, password)
	if err != nil {
		return nil, time.Time{}, err
	}
	if !match {
		a.lim.fail(addr, now)
		return nil, time.Time{}, ErrBadCredentials
	}
	s, err = a.newSession(AdminUser, now)
	return s, time.Time{}, err
}

// randomString returns n random bytes, base64url.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (a *Auth) newSession(name string, now time.Time) (*Session, error) {
	id, err := randomString(32)
	if err != nil {
		return nil, err
	}
	csrf, err := randomString(32)
	if err != nil {
		return nil, err
	}
	s := &Session{ID: id, CSRF: csrf, User: name, Created: now, lastSeen: now}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expire(now)
	for len(a.sessions) >= a.opts.MaxSessions {
		var oldest *Session
		for _, o := range a.sessions {
			if oldest == nil || o.lastSeen.Before(oldest.lastSeen) {
				oldest = o
			}
		}
		delete(a.sessions, oldest.ID)
	}
	a.sessions[id] = s
	return s, nil
}

// expire drops idle sessions; call with mu held.
func (a *Auth) expire(now time.Time) {
	for id, s := range a.sessions {
		if now.Sub(s.lastSeen) >= a.opts.IdleTimeout {
			delete(a.sessions, id)
		}
	}
}

// Session returns the live session id names, marking it used, or false
// when there is none or it has been idle too long.
func (a *Auth) Session(id string) (Session, bool) {
	if id == "" {
		return Session{}, false
	}
	now := a.opts.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[id]
	if !ok {
		return Session{}, false
	}
	if now.Sub(s.lastSeen) >= a.opts.IdleTimeout {
		delete(a.sessions, id)
		return Session{}, false
	}
	s.lastSeen = now
	return *s, true
}

// Logout ends the session id.
func (a *Auth) Logout(id string) {
	a.mu.Lock()
	delete(a.sessions, id)
	a.mu.Unlock()
}

// CheckCSRF reports whether token is the session's CSRF token, in constant
// time.
func CheckCSRF(s Session, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(token)) == 1
}

// Language returns the user's chosen UI language ("" when not chosen).
func (a *Auth) Language(ctx context.Context, name string) string {
	u, _, err := a.user(ctx, name)
	if err != nil {
		return ""
	}
	return u.Lang
}

// SetLanguage saves the user's UI language ("" follows the browser).
func (a *Auth) SetLanguage(ctx context.Context, name, lang string) error {
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	u, ok, err := a.user(ctx, name)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotSetUp
	}
	u.Lang = lang
	return a.putUser(ctx, name, u)
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func tokenKey(hash string) string { return "token/" + hash }

// CreateToken makes an API token named name and returns it (the only time
// it is ever available) with its record.
func (a *Auth) CreateToken(ctx context.Context, name string) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxTokenNameLen {
		return "", Token{}, fmt.Errorf("token name must be 1 to %d characters: %w", MaxTokenNameLen, ErrInvalid)
	}
	have, err := a.kv.List(ctx, "token/", MaxTokens+1)
	if err != nil {
		return "", Token{}, fmt.Errorf("list tokens: %w", err)
	}
	if len(have) >= MaxTokens {
		return "", Token{}, fmt.Errorf("there are already %d tokens; revoke one first: %w", MaxTokens, ErrInvalid)
	}
	secret, err := randomString(32)
	if err != nil {
		return "", Token{}, err
	}
	plain := TokenPrefix + secret
	h := tokenHash(plain)
	t := Token{ID: h[:12], Name: name, Created: a.opts.Now().UTC(), Hash: h}
	raw, _ := json.Marshal(t)
	if err := a.kv.Put(ctx, tokenKey(h), raw); err != nil {
		return "", Token{}, fmt.Errorf("save token %s: %w", name, err)
	}
	return plain, t, nil
}

// Tokens lists the API tokens, oldest first.
func (a *Auth) Tokens(ctx context.Context) ([]Token, error) {
	keys, err := a.kv.List(ctx, "token/", 0)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := []Token{}
	for _, k := range keys {
		raw, ok, err := a.kv.Get(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("read token: %w", err)
		}
		var t Token
		if !ok || json.Unmarshal(raw, &t) != nil {
			continue
		}
		out = append(out, t)
	}
	sortTokens(out)
	return out, nil
}

func sortTokens(ts []Token) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Created.Before(ts[j-1].Created); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// RevokeToken deletes the token with id (Token.ID).
func (a *Auth) RevokeToken(ctx context.Context, id string) (Token, error) {
	ts, err := a.Tokens(ctx)
	if err != nil {
		return Token{}, err
	}
	for _, t := range ts {
		if t.ID == id {
			if err := a.kv.Delete(ctx, tokenKey(t.Hash)); err != nil {
				return Token{}, fmt.Errorf("revoke token %s: %w", id, err)
			}
			return t, nil
		}
	}
	return Token{}, fmt.Errorf("revoke token %q: %w", id, ErrNotFound)
}

// CheckToken returns the token's record when token is a live API token.
func (a *Auth) CheckToken(ctx context.Context, token string) (Token, bool) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return Token{}, false
	}
	raw, ok, err := a.kv.Get(ctx, tokenKey(tokenHash(token)))
	if err != nil || !ok {
		return Token{}, false
	}
	var t Token
	if json.Unmarshal(raw, &t) != nil {
		return Token{}, false
	}
	return t, true
}

package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/host/web/auth"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newAuth(t *testing.T) (*auth.Auth, *clock, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "ddc.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return auth.New(st.KV(auth.Namespace), auth.Options{Now: c.now}), c, st
}

const pw = "correct horse battery"

func TestSetupOnce(t *testing.T) {
	ctx := context.Background()
	a, _, _ := newAuth(t)
	if _, _, err := a.Login(ctx, "1.2.3.4", ""); !errors.Is(err, auth.ErrNotSetUp) {
		t.Fatalf("login before setup: %v, want ErrNotSetUp", err)
	}
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"too short", "short", auth.ErrWeakPassword},
		{"too long", strings.Repeat("x", 257), auth.ErrWeakPassword},
		{"first", pw, nil},
		{"second", "another good password", auth.ErrSetupDone},
	}
	for _, tt := range tests {
		if err := a.Setup(ctx, tt.pw); !errors.Is(err, tt.want) {
			t.Errorf("%s: Setup = %v, want %v", tt.name, err, tt.want)
		}
	}
	if seeded, err := a.Seed(ctx, "seeded password!"); seeded || err != nil {
		t.Errorf("Seed after setup = %v, %v; want false, nil", seeded, err)
	}
	if _, _, err := a.Login(ctx, "1.2.3.4", pw); err != nil {
		t.Errorf("login with the set password: %v", err)
	}
}

func TestStoredHashIsArgon2id(t *testing.T) {
	ctx := context.Background()
	a, _, st := newAuth(t)
	if seeded, err := a.Seed(ctx, pw); !seeded || err != nil {
		t.Fatalf("Seed = %v, %v", seeded, err)
	}
	raw, _, _ := st.KV(auth.Namespace).Get(ctx, "user/admin")
	if strings.Contains(string(raw), pw) || !strings.Contains(string(raw), "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("stored user record %s", raw)
	}
}

func TestLoginRateLimit(t *testing.T) {
	ctx := context.Background()
	a, c, _ := newAuth(t)
	if err := a.Setup(ctx, pw); err != nil {
		t.Fatal(err)
	}
	for i := range auth.DefaultMaxFailures {
		if _, _, err := a.Login(ctx, "10.0.0.1", "wrong"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
		c.add(time.Second)
	}
	if _, until, err := a.Login(ctx, "10.0.0.1", pw); !errors.Is(err, auth.ErrRateLimited) || until.IsZero() {
		t.Fatalf("11th attempt (right password) = %v, %v; want ErrRateLimited", until, err)
	}
	if _, _, err := a.Login(ctx, "10.0.0.2", pw); err != nil {
		t.Errorf("another address is blocked too: %v", err)
	}
	c.add(51 * time.Second) // the first failure leaves the window
	if _, _, err := a.Login(ctx, "10.0.0.1", pw); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	a, c, _ := newAuth(t)
	if err := a.Setup(ctx, pw); err != nil {
		t.Fatal(err)
	}
	s, _, err := a.Login(ctx, "::1", pw)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ID) < 40 || len(s.CSRF) < 40 || s.ID == s.CSRF {
		t.Fatalf("session id %q csrf %q", s.ID, s.CSRF)
	}
	if !auth.CheckCSRF(*s, s.CSRF) || auth.CheckCSRF(*s, "") || auth.CheckCSRF(*s, s.ID) {
		t.Error("CheckCSRF")
	}
	c.add(auth.DefaultIdleTimeout - time.Second)
	if _, ok := a.Session(s.ID); !ok {
		t.Fatal("session ended before its idle timeout")
	}
	c.add(auth.DefaultIdleTimeout - time.Second) // used just now: still alive
	if _, ok := a.Session(s.ID); !ok {
		t.Fatal("a used session ended")
	}
	c.add(auth.DefaultIdleTimeout)
	if _, ok := a.Session(s.ID); ok {
		t.Fatal("an idle session lives on")
	}
	s2, _, _ := a.Login(ctx, "::1", pw)
	a.Logout(s2.ID)
	if _, ok := a.Session(s2.ID); ok {
		t.Error("session lives after logout")
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	a, _, st := newAuth(t)
	plain, tok, err := a.CreateToken(ctx, "home assistant")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, auth.TokenPrefix) || len(plain) < 40 {
		t.Fatalf("token %q", plain)
	}
	keys, _ := st.KV(auth.Namespace).List(ctx, "", 0)
	for _, k := range keys {
		raw, _, _ := st.KV(auth.Namespace).Get(ctx, k)
		if strings.Contains(k+string(raw), strings.TrimPrefix(plain, auth.TokenPrefix)) {
			t.Errorf("the token is stored in plain text under %s", k)
		}
	}
	if got, ok := a.CheckToken(ctx, plain); !ok || got.ID != tok.ID {
		t.Errorf("CheckToken(valid) = %+v, %v", got, ok)
	}
	for _, bad := range []string{"", plain + "x", "ddc_", strings.TrimPrefix(plain, auth.TokenPrefix)} {
		if _, ok := a.CheckToken(ctx, bad); ok {
			t.Errorf("CheckToken(%q) accepted", bad)
		}
	}
	if _, _, err := a.CreateToken(ctx, " "); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	if _, err := a.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.CheckToken(ctx, plain); ok {
		t.Error("a revoked token works")
	}
	if _, err := a.RevokeToken(ctx, tok.ID); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
}

package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum recommendation (19 MiB, 2 passes,
// one lane), about 50 ms on a small home server, so a login costs the host
// little while a stolen hash costs an attacker much.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Password length limits.
const (
	// MinPasswordLen is the shortest password accepted, in bytes.
	MinPasswordLen = 10
	// MaxPasswordLen is the longest password accepted, in bytes: hashing
	// a megabyte on every attempt would be a cheap way to load the host.
	MaxPasswordLen = 256
)

// ErrWeakPassword means a new password is too short or too long.
var ErrWeakPassword = errors.New("password must be 10 to 256 characters long")

// checkNewPassword refuses passwords outside the length limits.
func checkNewPassword(pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return ErrWeakPassword
	}
	return nil
}

// hashPassword returns pw's argon2id hash in the PHC string format.
func hashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read random salt: %w", err)
	}
	key := idKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether pw matches hash (from hashPassword, with
// whatever parameters it was made with).
func verifyPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("verify password: stored hash is not in argon2id format")
	}
	var version int
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("verify password: stored hash has version %q, want v=%d", parts[2], argon2.Version)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem == 0 || t == 0 || p == 0 || mem > 1<<20 || t > 16 {
		return false, fmt.Errorf("verify password: stored hash has bad parameters %q", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("verify password: stored salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("verify password: stored key is not base64")
	}
	got := idKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// idKey is argon2.IDKey, then the memory it used (mem KiB, 19 MiB with
// our parameters) goes back to the system at once: the Go runtime would
// keep it resident for minutes, and a login would cost the host's memory
// budget that much. Logins are few (rate-limited), so the forced
// collection costs little.
func idKey(pw, salt []byte, t, mem uint32, p uint8, keyLen uint32) []byte {
	key := argon2.IDKey(pw, salt, t, mem, p, keyLen)
	debug.FreeOSMemory()
	return key
}

package ddcimport

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"strings"
)

// DockerDiscordControl encrypts the bot token with Fernet under a key made
// from the web UI's stored password hash (the hash string itself, not the
// password): PBKDF2-HMAC-SHA256 with this salt and iteration count, 32
// bytes (services/config/config_service.py, encrypt_token).
const (
	tokenSalt       = "ddc-salt-for-token-encryption-key-v1"
	tokenIterations = 260000
)

// fernetPrefix starts every Fernet token (version 0x80 and a timestamp
// before 2106, base64url).
const fernetPrefix = "gAAAAA"

// tokenKey derives the Fernet key DockerDiscordControl uses from the
// stored password hash.
func tokenKey(passwordHash string) ([]byte, error) {
	return pbkdf2.Key(sha256.New, passwordHash, []byte(tokenSalt), tokenIterations, fernetKeySize)
}

// looksEncrypted reports whether a stored bot token is Fernet-encrypted
// rather than a plain Discord token.
func looksEncrypted(token string) bool {
	return strings.HasPrefix(strings.TrimSpace(token), fernetPrefix)
}

// looksLikeDiscordToken reports whether t has the shape of a bot token:
// three non-empty dot-separated parts of base64url characters.
func looksLikeDiscordToken(t string) bool {
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return false
		}
	}
	return true
}

// decryptToken returns the plain bot token from DockerDiscordControl's
// stored value: as it is when it is not encrypted, decrypted with the key
// from passwordHash when it is. ok is false when it cannot be recovered
// (no hash, wrong hash, damaged token); the reason never holds a secret.
func decryptToken(stored, passwordHash string) (token, reason string, ok bool) {
	stored = strings.TrimSpace(stored)
	if !looksEncrypted(stored) {
		if looksLikeDiscordToken(stored) {
			return stored, "", true
		}
		return "", "the stored bot token is neither encrypted nor shaped like a Discord token", false
	}
	if passwordHash == "" {
		return "", "the bot token is encrypted with the web UI password hash, and the directory has no web_ui_password_hash", false
	}
	key, err := tokenKey(passwordHash)
	if err != nil {
		return "", "deriving the key failed", false
	}
	plain, err := fernetDecrypt(key, stored)
	if err != nil {
		return "", "the bot token does not decrypt with the stored web UI password hash (was the password changed after the token was saved?)", false
	}
	if t := string(plain); looksLikeDiscordToken(t) {
		return t, "", true
	}
	return "", "the decrypted bot token is not shaped like a Discord token", false
}

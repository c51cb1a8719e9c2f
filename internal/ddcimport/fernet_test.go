package ddcimport

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"testing"
	"time"
)

// The first vector of the Fernet spec's generate.json
// (github.com/fernet/spec): src "hello" under this secret with IV 0..15 at
// 1985-10-26T01:20:00-07:00 makes this token.
const (
	specSecret = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
	specToken  = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
	specSrc    = "hello"
)

var specIV = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

func specKey(t *testing.T) []byte {
	k, err := base64.URLEncoding.DecodeString(specSecret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fernetEncrypt builds a token the spec's way, for the tests.
func fernetEncrypt(key, iv []byte, now time.Time, src []byte) string {
	n := aes.BlockSize - len(src)%aes.BlockSize
	pt := append(append([]byte{}, src...), make([]byte, n)...)
	for i := len(src); i < len(pt); i++ {
		pt[i] = byte(n)
	}
	block, _ := aes.NewCipher(key[16:])
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
	body := []byte{fernetVersion}
	body = binary.BigEndian.AppendUint64(body, uint64(now.Unix()))
	body = append(append(body, iv...), ct...)
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(body)
	return base64.URLEncoding.EncodeToString(mac.Sum(body))
}

func TestFernetSpecVector(t *testing.T) {
	key := specKey(t)
	now, _ := time.Parse(time.RFC3339, "1985-10-26T01:20:00-07:00")
	if got := fernetEncrypt(key, specIV, now, []byte(specSrc)); got != specToken {
		t.Fatalf("generate: %s, want the spec's %s", got, specToken)
	}
	got, err := fernetDecrypt(key, specToken)
	if err != nil || string(got) != specSrc {
		t.Fatalf("verify: %q, %v", got, err)
	}
}

func TestFernetInvalid(t *testing.T) {
	key := specKey(t)
	raw, _ := base64.URLEncoding.DecodeString(specToken)
	flip := func(i int) string {
		b := append([]byte{}, raw...)
		b[i] ^= 1
		return base64.URLEncoding.EncodeToString(b)
	}
	now := time.Unix(499162800, 0)
	badPad := func() string { // a valid MAC over a block whose padding byte is 0
		block, _ := aes.NewCipher(key[16:])
		ct := make([]byte, 16)
		cipher.NewCBCEncrypter(block, specIV).CryptBlocks(ct, make([]byte, 16))
		body := append(append(append([]byte{fernetVersion}, binary.BigEndian.AppendUint64(nil, uint64(now.Unix()))...), specIV...), ct...)
		mac := hmac.New(sha256.New, key[:16])
		mac.Write(body)
		return base64.URLEncoding.EncodeToString(mac.Sum(body))
	}()
	otherKey := append([]byte{}, key...)
	otherKey[0] ^= 1
	tests := []struct {
		name, token string
		key         []byte
	}{
		{"incorrect mac", flip(len(raw) - 1), key},
		{"changed ciphertext", flip(len(raw) - 40), key},
		{"changed version", flip(0), key},
		{"too short", base64.URLEncoding.EncodeToString(raw[:fernetMinToken-1]), key},
		{"invalid base64", "%%%%" + specToken[4:], key},
		{"payload not a multiple of the block size", func() string {
			b := append(append([]byte{}, raw[:len(raw)-fernetMACSize-1]...), raw[len(raw)-fernetMACSize:]...)
			body := b[:len(b)-fernetMACSize]
			mac := hmac.New(sha256.New, key[:16])
			mac.Write(body)
			return base64.URLEncoding.EncodeToString(mac.Sum(body))
		}(), key},
		{"padding error", badPad, key},
		{"wrong key", specToken, otherKey},
		{"short key", specToken, key[:16]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := fernetDecrypt(tt.key, tt.token); err == nil {
				t.Fatalf("decrypted to %q", got)
			}
		})
	}
}

// The fixture token was made by Python's cryptography package with
// DockerDiscordControl's derivation (PBKDF2-HMAC-SHA256 of the password
// hash string, its salt, 260000 iterations), independently of this code.
const (
	fixtureHash  = "pbkdf2:sha256:600000$fixtureSALT1234$abababababababababababababababababababababababababababababababab"
	fixtureKey   = "2T12cxh9t94-vbm2M0qP5I7X6fTy4rjRrnkNpj9gCsI="
	fixtureToken = "gAAAAABrD-9zy9ENI2H_d1sKtXJ6wqvwRIOWNzyTnaAZ2ACEmjZmzmaAm3ScdXqjXqYH3VhxaR9WohSCK-_qlNlUpijArKPYN-sDVGzbPKCCSR-9rIGg7V45zl-Bw6pUPwG7I_h6UPykQ8d5K-ICcAurF7law56vGroFRtSo2phRru-aKbIooI0="
	fixturePlain = "MTExMTExMTExMTExMTExMTEx.GaBcDe.fixture-token-not-real_0123456789abcd"
)

func TestDecryptToken(t *testing.T) {
	key, err := tokenKey(fixtureHash)
	if err != nil || base64.URLEncoding.EncodeToString(key) != fixtureKey {
		t.Fatalf("tokenKey = %s, %v; want %s", base64.URLEncoding.EncodeToString(key), err, fixtureKey)
	}
	tests := []struct {
		name, stored, hash, want string
		ok                       bool
	}{
		{"encrypted", fixtureToken, fixtureHash, fixturePlain, true},
		{"plain", fixturePlain, "", fixturePlain, true},
		{"no hash", fixtureToken, "", "", false},
		{"other hash", fixtureToken, fixtureHash + "x", "", false},
		{"garbage", "hello world", fixtureHash, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason, ok := decryptToken(tt.stored, tt.hash)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("decryptToken = %q, %q, %t", got, reason, ok)
			}
			if !ok && reason == "" {
				t.Fatal("no reason given")
			}
		})
	}
}

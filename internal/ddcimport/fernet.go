package ddcimport

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// Fernet (https://github.com/fernet/spec): a token is base64url of
// version (0x80) ‖ timestamp (8 bytes, big endian) ‖ IV (16) ‖ AES-128-CBC
// ciphertext (PKCS#7 padded) ‖ HMAC-SHA256 (32) over everything before it.
// The 32-byte key is the signing key (first half) and the encryption key
// (second half).
const (
	fernetVersion  = 0x80
	fernetHeader   = 1 + 8 + aes.BlockSize
	fernetMACSize  = sha256.Size
	fernetKeySize  = 32
	fernetMinToken = fernetHeader + aes.BlockSize + fernetMACSize
)

// errFernet is every reason a token does not decrypt; the reasons are not
// told apart, as the spec asks.
var errFernet = errors.New("not a Fernet token of this key (wrong key, or the token is damaged)")

// fernetDecrypt returns the plaintext of token under key, checking the
// MAC before anything else. There is no TTL: DockerDiscordControl sets none.
func fernetDecrypt(key []byte, token string) ([]byte, error) {
	if len(key) != fernetKeySize {
		return nil, errors.New("a Fernet key is 32 bytes")
	}
	raw, err := base64.URLEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil || len(raw) < fernetMinToken || raw[0] != fernetVersion {
		return nil, errFernet
	}
	body, sum := raw[:len(raw)-fernetMACSize], raw[len(raw)-fernetMACSize:]
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), sum) {
		return nil, errFernet
	}
	iv, ct := body[9:fernetHeader], body[fernetHeader:]
	if len(ct)%aes.BlockSize != 0 {
		return nil, errFernet
	}
	block, err := aes.NewCipher(key[16:])
	if err != nil {
		return nil, errFernet
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	return unpad(pt)
}

// unpad removes PKCS#7 padding.
func unpad(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, errFernet
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, errFernet
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, errFernet
		}
	}
	return b[:len(b)-n], nil
}

// Package piicrypt encrypts the personal data the private warehouse keeps
// (names, ID numbers, phones) before it reaches DuckDB, with AES-256-GCM under
// a key of its own (pii_key_file / pii_key_env, never the person_key secret).
//
// The construction is deterministic, in the manner of a synthetic IV (RFC
// 5297's idea with GCM as the cipher): the 12-byte nonce is the first 12 bytes
// of HMAC-SHA256(sivKey, plaintext), so one plaintext always gives one
// ciphertext. The warehouse's merge compares stored values to decide whether a
// person changed; a random nonce would make every reload look like a change.
// Its one leak: equal plaintexts give equal ciphertexts, which person_key (an
// HMAC of the ID number) already reveals for ID numbers. Open re-derives the
// nonce from the decrypted plaintext and refuses a value whose nonce does not
// match.
//
// A sealed value is text: Prefix followed by the unpadded base64url encoding
// of nonce || ciphertext || tag, so it fits the warehouse's VARCHAR columns.
package piicrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every sealed value; it names the construction's version.
const Prefix = "pii1:"

// MinSecretBytes is the shortest secret New accepts.
const MinSecretBytes = 16

// ErrOpen is wrapped by Open's errors: a value that is not sealed, or not by
// this key. The error never holds the value.
var ErrOpen = errors.New("piicrypt: cannot decrypt")

// Labels separating the keys derived from one secret.
const (
	labelEnc   = "grassroots pii v1 encryption key"
	labelSIV   = "grassroots pii v1 synthetic iv key"
	labelCheck = "grassroots pii v1 key check"
)

// Cipher seals and opens values under one secret. It is safe for concurrent use.
type Cipher struct {
	aead   cipher.AEAD
	sivKey []byte
	check  string
}

// New derives the cipher's keys from secret (at least MinSecretBytes): the
// AES-256 key, the synthetic-IV key and the key check are each
// HMAC-SHA256(secret, label) with a label of their own.
func New(secret []byte) (*Cipher, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("piicrypt: secret shorter than %d bytes", MinSecretBytes)
	}
	block, err := aes.NewCipher(derive(secret, labelEnc))
	if err != nil {
		return nil, fmt.Errorf("piicrypt: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("piicrypt: %w", err)
	}
	return &Cipher{aead: aead, sivKey: derive(secret, labelSIV), check: hex.EncodeToString(derive(secret, labelCheck))}, nil
}

func derive(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Check is a value that identifies the key without revealing it (an HMAC of
// a constant under a key derived from the secret). The warehouse stores it to
// tell a wrong key from the right one before writing anything.
func (c *Cipher) Check() string { return c.check }

func (c *Cipher) nonce(plain string) []byte {
	m := hmac.New(sha256.New, c.sivKey)
	m.Write([]byte(plain))
	return m.Sum(nil)[:c.aead.NonceSize()]
}

// Seal encrypts plain. The empty string stays empty: an unknown value is
// NULL in the warehouse, not a ciphertext.
func (c *Cipher) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := c.nonce(plain)
	out := c.aead.Seal(nonce, nonce, []byte(plain), nil)
	return Prefix + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value Seal returned. The empty string stays empty.
func (c *Cipher) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(sealed, Prefix)
	if !ok {
		return "", fmt.Errorf("%w: not a sealed value", ErrOpen)
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	ns := c.aead.NonceSize()
	if err != nil || len(raw) < ns+c.aead.Overhead() {
		return "", fmt.Errorf("%w: malformed value", ErrOpen)
	}
	plain, err := c.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return "", fmt.Errorf("%w: wrong key or altered value", ErrOpen)
	}
	if !hmac.Equal(c.nonce(string(plain)), raw[:ns]) {
		return "", fmt.Errorf("%w: synthetic IV does not match", ErrOpen)
	}
	return string(plain), nil
}

// IsSealed reports whether s has the form of a sealed value.
func IsSealed(s string) bool { return strings.HasPrefix(s, Prefix) }

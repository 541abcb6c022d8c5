package piicrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestSealOpen(t *testing.T) {
	c, err := New(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"张三", "11010519491231002X", "13800000000", "王 小明"} {
		s := c.Seal(plain)
		if !IsSealed(s) || strings.Contains(s, plain) {
			t.Fatalf("Seal(%q) = %q", plain, s)
		}
		if s2 := c.Seal(plain); s2 != s {
			t.Errorf("Seal is not deterministic: %q, %q", s, s2)
		}
		got, err := c.Open(s)
		if err != nil || got != plain {
			t.Errorf("Open(Seal(%q)) = %q, %v", plain, got, err)
		}
	}
	if c.Seal("张三") == c.Seal("张四") {
		t.Error("two names, one ciphertext")
	}
	if c.Seal("") != "" {
		t.Error(`Seal("") must stay empty`)
	}
}

// TestIndependentDecryption decrypts a sealed value with keys derived outside
// the code:
//
//	printf '%s' 'grassroots pii v1 encryption key' | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
func TestIndependentDecryption(t *testing.T) {
	const encKey = "61ef4f4f9aaead5ac36e8a9610f217cb98d2e53dc63bf3f4bfd9d9bc96e26213"
	c, err := New(secret)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(c.Seal("张三"), Prefix))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := hex.DecodeString(encKey)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := gcm.Open(nil, raw[:12], raw[12:], nil)
	if err != nil || string(plain) != "张三" {
		t.Fatalf("AES-256-GCM with the HMAC-derived key: %q, %v", plain, err)
	}
}

func TestWrongKeyAndTampering(t *testing.T) {
	a, _ := New(secret)
	b, _ := New([]byte("another secret of 32 bytes......"))
	if a.Check() == b.Check() {
		t.Fatal("two keys, one check")
	}
	s := a.Seal("13800000000")
	if _, err := b.Open(s); !errors.Is(err, ErrOpen) {
		t.Errorf("Open with another key = %v, want ErrOpen", err)
	}
	if _, err := a.Open("13800000000"); !errors.Is(err, ErrOpen) {
		t.Errorf("Open of plaintext = %v, want ErrOpen", err)
	}
	flipped := []byte(s)
	flipped[len(flipped)-3] ^= 1
	if _, err := a.Open(string(flipped)); !errors.Is(err, ErrOpen) {
		t.Errorf("Open of an altered value = %v, want ErrOpen", err)
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
}

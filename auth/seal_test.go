package auth

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealer(t *testing.T) {
	key, err := NewSealKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("12345678901234567890")
	blob := s.Seal(secret, []byte("alice"))
	if bytes.Contains(blob, secret) {
		t.Fatal("sealed blob contains the plaintext")
	}
	got, err := s.Open(blob, []byte("alice"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if bytes.Equal(s.Seal(secret, []byte("alice")), blob) {
		t.Error("two seals of the same secret are equal: the nonce is not random")
	}
	for i := range blob {
		bad := bytes.Clone(blob)
		bad[i] ^= 0x01
		if _, err := s.Open(bad, []byte("alice")); !errors.Is(err, ErrUnseal) {
			t.Fatalf("byte %d flipped: Open err = %v, want ErrUnseal", i, err)
		}
	}
	if _, err := s.Open(blob, []byte("bob")); !errors.Is(err, ErrUnseal) {
		t.Errorf("wrong additional data: err = %v, want ErrUnseal", err)
	}
	if _, err := s.Open(blob[:len(blob)-1], []byte("alice")); !errors.Is(err, ErrUnseal) {
		t.Errorf("truncated: err = %v", err)
	}
	if _, err := s.Open(nil, []byte("alice")); !errors.Is(err, ErrUnseal) {
		t.Errorf("empty: err = %v", err)
	}
	key2, _ := NewSealKey()
	s2, _ := NewSealer(key2)
	if _, err := s2.Open(blob, []byte("alice")); !errors.Is(err, ErrUnseal) {
		t.Errorf("other key: err = %v", err)
	}
	if _, err := NewSealer(key[:16]); err == nil {
		t.Error("NewSealer accepted a 16-byte key")
	}
}

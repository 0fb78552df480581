package auth

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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

func TestLoadOrCreateSealKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seal.key")
	k1, err := LoadOrCreateSealKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateSealKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load = %x, %v; want the same key", k2, err)
	}
	if runtime.GOOS != "windows" {
		os.Chmod(path, 0o644)
		if _, err := LoadOrCreateSealKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("world-readable key: err = %v, want advice to chmod", err)
		}
		os.Chmod(path, 0o600)
	}
	os.WriteFile(path, []byte("short"), 0o600)
	if _, err := LoadOrCreateSealKey(path); err == nil {
		t.Error("5-byte key file accepted")
	}
	if _, err := LoadOrCreateSealKey(filepath.Join(t.TempDir(), "missing-dir", "seal.key")); err == nil {
		t.Error("key created in a missing directory")
	}
}

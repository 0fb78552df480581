package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// SealKeySize is the size of a Sealer key: AES-256.
const SealKeySize = 32

// sealVersion is the first byte of every sealed blob, so that a later format
// (another algorithm, a key id for rotation) can be told apart.
const sealVersion = 1

// ErrUnseal is returned by Sealer.Open for a blob that was not sealed by this
// key with this additional data, or was changed since. It deliberately does
// not say which.
var ErrUnseal = errors.New("auth: sealed secret is corrupt, was sealed with another key, or belongs to another record")

// NewSealKey returns a new random 32-byte key for NewSealer. The server keeps
// it in a file readable only by itself (DIR/keys/, mode 0600), apart from the
// database, so that a copy of the database alone reveals no TOTP seed.
func NewSealKey() ([]byte, error) {
	k := make([]byte, SealKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("auth: reading random seal key: %w", err)
	}
	return k, nil
}

// Sealer encrypts small secrets (TOTP seeds) for storage with AES-256-GCM.
// It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != SealKeySize {
		return nil, fmt.Errorf("auth: seal key is %d bytes, want %d", len(key), SealKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth: seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("auth: seal key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext and returns version byte || random 96-bit nonce ||
// ciphertext and tag. additionalData (the user name) is authenticated but
// not stored: Open needs the same value, so a sealed seed copied onto
// another user's row does not open. Random nonces are safe for far more than
// the 2^32 seals one key will ever make.
func (s *Sealer) Seal(plaintext, additionalData []byte) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	// crypto/rand.Read never fails on supported platforms (Go 1.24+).
	rand.Read(out[1:])
	return s.aead.Seal(out, out[1:], plaintext, s.aad(additionalData))
}

// Open decrypts a blob made by Seal with the same additionalData, or returns
// ErrUnseal.
func (s *Sealer) Open(sealed, additionalData []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrUnseal
	}
	pt, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], s.aad(additionalData))
	if err != nil {
		return nil, ErrUnseal
	}
	return pt, nil
}

// aad binds the version byte too, so it cannot be changed on its own.
func (s *Sealer) aad(additionalData []byte) []byte {
	return append([]byte{sealVersion}, additionalData...)
}

package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// ErrWrongKey is wrapped by errors about a signing key that does not
// belong to the log.
var ErrWrongKey = errors.New("wrong signing key")

// sigTypeEd25519 is the signed-note signature type of Ed25519 note keys.
const sigTypeEd25519 = 0x01

// keyID is SHA-256(name || "\n" || type || key)[:4], as signed-note defines
// it; typeAndKey is type || key.
func keyID(name string, typeAndKey []byte) uint32 {
	h := sha256.Sum256(append(append([]byte(name), '\n'), typeAndKey...))
	return binary.BigEndian.Uint32(h[:])
}

// signerVKey derives the verifier key of a note signer key
// PRIVATE+KEY+<name>+<hash>+base64(0x01 || 32-byte seed).
func signerVKey(skey string) (string, error) {
	bad := errors.New("malformed signing key")
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	if !ok {
		return "", bad
	}
	name, rest, ok := strings.Cut(rest, "+")
	if !ok {
		return "", bad
	}
	_, k, ok := strings.Cut(rest, "+")
	if !ok {
		return "", bad
	}
	raw, err := base64.StdEncoding.DecodeString(k)
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != sigTypeEd25519 {
		return "", bad
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	typed := append([]byte{sigTypeEd25519}, pub...)
	return fmt.Sprintf("%s+%08x+%s", name, keyID(name, typed), base64.StdEncoding.EncodeToString(typed)), nil
}

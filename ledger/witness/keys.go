package witness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// Signature type identifier bytes assigned by c2sp.org/signed-note. They
// are part of every key ID, which is what keeps an Ed25519 key used for
// plain note signatures distinct from the same key used for cosignatures.
const (
	// SigTypeEd25519 identifies plain Ed25519 note signatures, the usual
	// type of a log's checkpoint key.
	SigTypeEd25519 byte = 0x01
	// SigTypeCosignatureV1 identifies timestamped Ed25519 checkpoint
	// cosignatures (cosignature/v1), the type of a witness key.
	SigTypeCosignatureV1 byte = 0x04
	// SigTypeMLDSA44 identifies ML-DSA-44 (sub)tree cosignatures. canvass
	// recognises the byte only to give a precise "not supported" error.
	SigTypeMLDSA44 byte = 0x06
)

// cosignatureSize is the length of a cosignature/v1 signature after the
// 4-byte key ID: a big-endian uint64 timestamp and an Ed25519 signature.
const cosignatureSize = 8 + ed25519.SignatureSize

// KeyID returns the signed-note key ID of a public key:
// SHA-256(name || 0x0A || sigType || publicKey)[:4] read as big-endian.
// For Ed25519 cosigners (sigType 0x04) this is exactly the key ID that
// c2sp.org/tlog-cosignature requires.
func KeyID(name string, sigType byte, publicKey []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', sigType})
	h.Write(publicKey)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// checkKeyName reports why name cannot be a signed-note key name: key
// names must be non-empty UTF-8 without Unicode spaces, plus signs or
// control characters (a note may not contain control characters at all).
func checkKeyName(name string) error {
	if name == "" {
		return errors.New("key name is empty")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("key name %q is not valid UTF-8", name)
	}
	for i, r := range name {
		switch {
		case r == '+':
			return fmt.Errorf("key name %q contains '+' at byte %d; key names may not contain plus signs", name, i)
		case unicode.IsSpace(r):
			return fmt.Errorf("key name %q contains a space (%U) at byte %d; key names may not contain spaces", name, r, i)
		case r < 0x20:
			return fmt.Errorf("key name %q contains control character %U at byte %d", name, r, i)
		}
	}
	return nil
}

// VerifierKey is a parsed signed-note verifier key ("vkey"):
// <name>+<hex key ID>+<base64(type || public key)>.
type VerifierKey struct {
	Name      string // key name; for a log, its checkpoint origin
	ID        uint32 // key ID as written in the vkey
	Type      byte   // signature type identifier byte
	PublicKey []byte // public key material after the type byte
}

// ParseVerifierKey parses a vkey. It checks the syntax, the key name, the
// length of Ed25519 keys, and that the key ID is the one the signed-note
// recommendation derives from the name and key (for the types canvass can
// verify), so a mistyped vkey fails here rather than at verification time.
func ParseVerifierKey(vkey string) (VerifierKey, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	id16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 {
		return VerifierKey{}, fmt.Errorf("verifier key %q: want <name>+<8 hex digit key ID>+<base64 key>", truncate(vkey))
	}
	if err := checkKeyName(name); err != nil {
		return VerifierKey{}, fmt.Errorf("verifier key %q: %v", truncate(vkey), err)
	}
	if len(id16) != 8 || !isHex(id16) {
		return VerifierKey{}, fmt.Errorf("verifier key %q: key ID %q must be exactly 8 hexadecimal digits", truncate(vkey), id16)
	}
	id, _ := strconv.ParseUint(id16, 16, 32)
	raw, err := decodeBase64(key64)
	if err != nil || len(raw) < 2 {
		return VerifierKey{}, fmt.Errorf("verifier key %q: key material %q is not base64 of a type byte and a public key", truncate(vkey), truncate(key64))
	}
	k := VerifierKey{Name: name, ID: uint32(id), Type: raw[0], PublicKey: raw[1:]}
	switch k.Type {
	case SigTypeEd25519, SigTypeCosignatureV1:
		if len(k.PublicKey) != ed25519.PublicKeySize {
			return VerifierKey{}, fmt.Errorf("verifier key %q: Ed25519 public key is %d bytes, want %d", truncate(vkey), len(k.PublicKey), ed25519.PublicKeySize)
		}
		if want := KeyID(k.Name, k.Type, k.PublicKey); want != k.ID {
			return VerifierKey{}, fmt.Errorf("verifier key %q: key ID %08x does not match the name and key (want %08x); the vkey was altered or mistyped", truncate(vkey), k.ID, want)
		}
	}
	return k, nil
}

// String returns the vkey encoding of k.
func (k VerifierKey) String() string {
	return fmt.Sprintf("%s+%08x+%s", k.Name, k.ID, base64.StdEncoding.EncodeToString(append([]byte{k.Type}, k.PublicKey...)))
}

// typeName names a signature type for error messages.
func typeName(t byte) string {
	switch t {
	case SigTypeEd25519:
		return "Ed25519 (0x01)"
	case 0x02:
		return "ECDSA (0x02)"
	case SigTypeCosignatureV1:
		return "Ed25519 cosignature/v1 (0x04)"
	case 0x05:
		return "RFC 6962 tree head (0x05)"
	case SigTypeMLDSA44:
		return "ML-DSA-44 cosignature (0x06)"
	}
	return fmt.Sprintf("0x%02x", t)
}

// logVerifier returns a verifier for a log's checkpoint key. Logs sign
// checkpoints with plain Ed25519 note signatures or, as tlog-checkpoint
// allows, with cosignatures.
func (k VerifierKey) logVerifier() (note.Verifier, error) {
	switch k.Type {
	case SigTypeEd25519:
		return note.NewVerifier(k.String())
	case SigTypeCosignatureV1:
		return &CosignatureVerifier{name: k.Name, id: k.ID, pub: ed25519.PublicKey(k.PublicKey)}, nil
	}
	return nil, fmt.Errorf("log key %s has signature type %s; canvass verifies log keys of type Ed25519 (0x01) or Ed25519 cosignature/v1 (0x04)", k.Name, typeName(k.Type))
}

// witnessVerifier returns a verifier for a witness's cosigning key.
func (k VerifierKey) witnessVerifier() (*CosignatureVerifier, error) {
	if k.Type != SigTypeCosignatureV1 {
		hint := ""
		if k.Type == SigTypeEd25519 {
			hint = "; a witness vkey must carry type 0x04 and the key ID computed with it (canvass witness init prints one)"
		}
		return nil, fmt.Errorf("witness key %s has signature type %s; canvass verifies Ed25519 cosignature/v1 (0x04) witness keys%s", k.Name, typeName(k.Type), hint)
	}
	return &CosignatureVerifier{name: k.Name, id: k.ID, pub: ed25519.PublicKey(k.PublicKey)}, nil
}

// CosignedMessage returns the message a cosignature/v1 signature covers:
// the header line "cosignature/v1", the line "time <timestamp>", then the
// checkpoint's note text including its final newline.
func CosignedMessage(timestamp uint64, checkpointText []byte) []byte {
	msg := make([]byte, 0, len("cosignature/v1\ntime \n")+20+len(checkpointText))
	msg = append(msg, "cosignature/v1\ntime "...)
	msg = strconv.AppendUint(msg, timestamp, 10)
	msg = append(msg, '\n')
	return append(msg, checkpointText...)
}

// Cosigner produces timestamped Ed25519 checkpoint cosignatures
// (cosignature/v1). It implements note.Signer, so note.Sign can add its
// signature to a checkpoint.
type Cosigner struct {
	name string
	id   uint32
	priv ed25519.PrivateKey
	now  func() time.Time
}

// NewCosigner returns a Cosigner for the key name and private key. The name
// should be a schema-less URL identifying the witness.
func NewCosigner(name string, priv ed25519.PrivateKey) (*Cosigner, error) {
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("Ed25519 private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	pub := priv.Public().(ed25519.PublicKey)
	return &Cosigner{name: name, id: KeyID(name, SigTypeCosignatureV1, pub), priv: priv, now: time.Now}, nil
}

// Name returns the cosigner's key name.
func (c *Cosigner) Name() string { return c.name }

// KeyHash returns the cosignature/v1 key ID.
func (c *Cosigner) KeyHash() uint32 { return c.id }

// PublicKey returns the Ed25519 public key.
func (c *Cosigner) PublicKey() ed25519.PublicKey { return c.priv.Public().(ed25519.PublicKey) }

// VerifierKey returns the witness's vkey (signature type 0x04), the line
// that logs and verifiers put in their policy files.
func (c *Cosigner) VerifierKey() string {
	return VerifierKey{Name: c.name, ID: c.id, Type: SigTypeCosignatureV1, PublicKey: c.PublicKey()}.String()
}

// Verifier returns a verifier for this cosigner's signatures.
func (c *Cosigner) Verifier() *CosignatureVerifier {
	return &CosignatureVerifier{name: c.name, id: c.id, pub: c.PublicKey()}
}

// Sign cosigns a checkpoint note text with the current time. It refuses
// text that is not a well-formed checkpoint, so the key can never be used
// to sign anything else.
func (c *Cosigner) Sign(msg []byte) ([]byte, error) {
	now := c.now().Unix()
	if now < 1 {
		return nil, fmt.Errorf("system clock reads %d seconds since the epoch; set the clock before cosigning", now)
	}
	return c.SignAt(msg, uint64(now))
}

// SignAt cosigns a checkpoint note text with the given POSIX timestamp,
// which must be between 1 and 2^63-1 (a witness may not omit it).
func (c *Cosigner) SignAt(msg []byte, timestamp uint64) ([]byte, error) {
	if timestamp == 0 || timestamp > math.MaxInt64 {
		return nil, fmt.Errorf("cosignature timestamp %d is outside 1..2^63-1", timestamp)
	}
	if _, err := ParseCheckpoint(msg); err != nil {
		return nil, fmt.Errorf("refusing to cosign: %w", err)
	}
	sig := make([]byte, 8, cosignatureSize)
	binary.BigEndian.PutUint64(sig, timestamp)
	return append(sig, ed25519.Sign(c.priv, CosignedMessage(timestamp, msg))...), nil
}

// CosignatureVerifier verifies cosignature/v1 signatures from one key. It
// implements note.Verifier.
type CosignatureVerifier struct {
	name string
	id   uint32
	pub  ed25519.PublicKey
}

// NewCosignatureVerifier returns a verifier for a vkey of type 0x04.
func NewCosignatureVerifier(vkey string) (*CosignatureVerifier, error) {
	k, err := ParseVerifierKey(vkey)
	if err != nil {
		return nil, err
	}
	return k.witnessVerifier()
}

// Name returns the key name.
func (v *CosignatureVerifier) Name() string { return v.name }

// KeyHash returns the key ID.
func (v *CosignatureVerifier) KeyHash() uint32 { return v.id }

// VerifierKey returns the vkey encoding of the key.
func (v *CosignatureVerifier) VerifierKey() string {
	return VerifierKey{Name: v.name, ID: v.id, Type: SigTypeCosignatureV1, PublicKey: v.pub}.String()
}

// Verify reports whether sig (timestamp || Ed25519 signature, without the
// key ID) is a valid cosignature of the note text msg.
func (v *CosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != cosignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	if ts > math.MaxInt64 {
		return false
	}
	return ed25519.Verify(v.pub, CosignedMessage(ts, msg), sig[8:])
}

// CosignatureTimestamp returns the timestamp inside a cosignature/v1
// signature line. It does not verify the signature.
func CosignatureTimestamp(sig note.Signature) (time.Time, error) {
	raw, err := base64.StdEncoding.DecodeString(sig.Base64)
	if err != nil || len(raw) != 4+cosignatureSize {
		return time.Time{}, fmt.Errorf("signature from %s is not a cosignature/v1 (want %d bytes of key ID, timestamp and signature)", sig.Name, 4+cosignatureSize)
	}
	ts := binary.BigEndian.Uint64(raw[4:])
	if ts > math.MaxInt64 {
		return time.Time{}, fmt.Errorf("cosignature from %s has timestamp %d beyond 2^63-1", sig.Name, ts)
	}
	return time.Unix(int64(ts), 0).UTC(), nil
}

// GenerateKey creates a new witness key named name. It returns the private
// key in the text form read by [NewCosignerFromKey]
// ("PRIVATE+KEY+<name>+<key ID>+<base64(0x04 || seed)>") and the matching
// vkey.
func GenerateKey(rand io.Reader, name string) (skey, vkey string, err error) {
	if err := checkKeyName(name); err != nil {
		return "", "", err
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return "", "", fmt.Errorf("generating Ed25519 key: %w", err)
	}
	id := KeyID(name, SigTypeCosignatureV1, pub)
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, id, base64.StdEncoding.EncodeToString(append([]byte{SigTypeCosignatureV1}, priv.Seed()...)))
	vkey = VerifierKey{Name: name, ID: id, Type: SigTypeCosignatureV1, PublicKey: pub}.String()
	return skey, vkey, nil
}

// NewCosignerFromKey parses a private key in signed-note signer-key form,
// PRIVATE+KEY+<name>+<key ID>+<base64(type || 32-byte Ed25519 seed)>. The
// type byte is 0x04 for keys made by [GenerateKey]; 0x01 is also accepted,
// which is the form golang.org/x/mod/sumdb/note.GenerateKey writes and other
// witness implementations load. Either way the key ID must match the key,
// and the resulting cosigner uses the cosignature/v1 key ID. Errors never
// include key material.
func NewCosignerFromKey(skey string) (*Cosigner, error) {
	skey = strings.TrimSuffix(skey, "\n")
	// Names cannot contain '+', but base64 can, so only the first four
	// separators delimit fields.
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return nil, errors.New("not a signer key: want PRIVATE+KEY+<name>+<key ID>+<base64 key> on one line")
	}
	name, id16, key64 := parts[2], parts[3], parts[4]
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	if len(id16) != 8 || !isHex(id16) {
		return nil, errors.New("signer key ID must be exactly 8 hexadecimal digits")
	}
	id, _ := strconv.ParseUint(id16, 16, 32)
	raw, err := decodeBase64(key64)
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return nil, fmt.Errorf("signer key material is not base64 of a type byte and a %d-byte Ed25519 seed", ed25519.SeedSize)
	}
	t := raw[0]
	if t != SigTypeCosignatureV1 && t != SigTypeEd25519 {
		return nil, fmt.Errorf("signer key has signature type %s; want Ed25519 cosignature/v1 (0x04) or Ed25519 (0x01)", typeName(t))
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	if KeyID(name, t, priv.Public().(ed25519.PublicKey)) != uint32(id) {
		return nil, errors.New("signer key ID does not match the name and key; the key file is corrupt or was edited")
	}
	return NewCosigner(name, priv)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// truncate shortens attacker- or user-supplied text quoted in errors and
// logs so a hostile input cannot flood them.
func truncate(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

package auth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/canvass/canvass/auth"
	"golang.org/x/mod/sumdb/note"
)

// An approver signs the approval text with their personal signed-note key;
// the office (and later any verifier) checks it against the verifier key the
// approver registered.
func ExampleVerifyNoteSignature() {
	// Once: the approver makes a key pair and registers the verifier key.
	skey, vkey, _ := note.GenerateKey(rand.Reader, "alice@county.example")
	name, _ := auth.ParseVerifierKey(vkey)

	// The office asks for a signature over this text.
	action := []byte(`{"kind":"publish-results","contest":"mayor"}`)
	text := auth.SignText("county.example/2026-general", "req-17", "publish-results", sha256.Sum256(action))

	// The approver signs it with their own key, on their own machine.
	signer, _ := note.NewSigner(skey)
	signed, _ := note.Sign(&note.Note{Text: text}, signer)

	fmt.Println(name, auth.VerifyNoteSignature(string(signed), text, vkey))
	// Output: alice@county.example <nil>
}

// TestNoteSignatureByHand checks a note signature with crypto/ed25519 alone,
// following the recipe in docs/security.md, so that recipe is right.
func TestNoteSignatureByHand(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "bob@county.example")
	if err != nil {
		t.Fatal(err)
	}
	text := auth.SignText("county.example/2026-general", "req-18", "roll-seed", [32]byte{1})
	signer, _ := note.NewSigner(skey)
	signed, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		t.Fatal(err)
	}

	// Verifier key: name+hash+base64(0x01 || public key).
	parts := strings.SplitN(vkey, "+", 3) // the base64 may contain "+"
	keyBytes, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(keyBytes) != 33 || keyBytes[0] != 1 {
		t.Fatalf("verifier key %q is not name+hash+base64(0x01||key)", vkey)
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), keyBytes...))
	if fmt.Sprintf("%08x", binary.BigEndian.Uint32(h[:4])) != parts[1] {
		t.Fatalf("key hash is not the first 4 bytes of SHA-256(name || \\n || 0x01 || key)")
	}

	// Signed note: text, blank line, "— name base64(hash || signature)".
	body, sigs, ok := strings.Cut(string(signed), "\n\n")
	if !ok || body+"\n" != text {
		t.Fatalf("signed note does not start with the text and a blank line")
	}
	line := strings.TrimSuffix(sigs, "\n")
	prefix := "— " + parts[0] + " "
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("signature line %q does not start with %q", line, prefix)
	}
	sig, err := base64.StdEncoding.DecodeString(line[len(prefix):])
	if err != nil || len(sig) != 4+ed25519.SignatureSize || !equal(sig[:4], h[:4]) {
		t.Fatalf("signature is not key hash || 64-byte Ed25519 signature")
	}
	if !ed25519.Verify(keyBytes[1:], []byte(text), sig[4:]) {
		t.Fatal("Ed25519 signature over the text does not verify")
	}
}

func equal(a, b []byte) bool { return string(a) == string(b) }

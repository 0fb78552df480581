package auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// The fuzz targets check that every parser of outside input neither panics
// nor accepts what it should not; seeds cover the valid forms and near
// misses. Run one with: go test ./auth -fuzz FuzzParsePHC -fuzztime 1m

func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=65536,t=2,p=2$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("$argon2id$v=19$m=-1,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2Fsd\nHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, phc string) {
		p, salt, key, err := parsePHC(phc)
		if err != nil {
			return
		}
		// What parses is within bounds and re-encodes to itself: one
		// spelling per hash.
		if p.Time < 1 || p.Time > maxArgon2Time || p.MemoryKiB > maxArgon2Memory || p.Threads < 1 {
			t.Fatalf("out-of-bounds parameters accepted: %+v", p)
		}
		if got := encodePHC(p, salt, key); got != phc {
			t.Fatalf("parsePHC(%q) re-encodes as %q", phc, got)
		}
	})
}

func FuzzHashToken(f *testing.F) {
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("000000000000000000000000000000000000\n\n\n0000")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		h, ok := HashToken(tok)
		if !ok {
			return
		}
		raw, err := tokenEncoding.DecodeString(tok)
		if err != nil || len(raw) != tokenBytes || tokenEncoding.EncodeToString(raw) != tok {
			t.Fatalf("HashToken accepted non-canonical token %q", tok)
		}
		if h != sha256.Sum256([]byte(tok)) {
			t.Fatal("hash is not SHA-256 of the token")
		}
	})
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("correct horse battery staple", "alice")
	f.Add("password123456", "")
	f.Add("aaaaaaaaaaaaaaaa", "a")
	f.Add("\xff\xfe", "x")
	f.Fuzz(func(t *testing.T, pw, forbidden string) {
		// A marker no message contains shows whether the password is quoted.
		err := CheckPassword("QZJX"+pw, forbidden)
		if err != nil && strings.Contains(strings.ToUpper(err.Error()), "QZJX") {
			t.Fatalf("error %q quotes the password", err)
		}
	})
}

// fuzzKey is a fixed Ed25519 key so that seeds can carry valid signatures.
var fuzzKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))

func fuzzVerifier() string {
	v, err := note.NewEd25519VerifierKey("fuzz@example.gov", fuzzKey.Public().(ed25519.PublicKey))
	if err != nil {
		panic(err)
	}
	return v
}

func FuzzVerifyNoteSignature(f *testing.F) {
	vkey := fuzzVerifier()
	text := SignText("example.gov/e", "req-1", "publish-results", [32]byte{})
	signer, err := note.NewSigner("PRIVATE+KEY+fuzz@example.gov+" + hashFor(vkey) + "+" + b64.EncodeToString(append([]byte{1}, fuzzKey.Seed()...)))
	if err != nil {
		f.Fatal(err)
	}
	signed, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		f.Fatal(err)
	}
	if err := VerifyNoteSignature(string(signed), text, vkey); err != nil {
		f.Fatalf("seed note does not verify: %v", err)
	}
	f.Add(string(signed), text, vkey)
	f.Add(string(signed), text+"x\n", vkey)
	f.Add(text, text, vkey)
	f.Add(string(signed), text, "fuzz@example.gov+00000000+AQ")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, signedNote, text, vkey string) {
		if _, err := ParseVerifierKey(vkey); err != nil {
			if VerifyNoteSignature(signedNote, text, vkey) == nil {
				t.Fatal("signature accepted with a key ParseVerifierKey refuses")
			}
			return
		}
		if VerifyNoteSignature(signedNote, text, vkey) != nil {
			return
		}
		// Accepted: the note must really be text plus a signature block.
		if !strings.HasPrefix(signedNote, text) || !strings.HasPrefix(signedNote[len(text):], "\n") {
			t.Fatalf("accepted a note whose text is not %q", text)
		}
	})
}

// hashFor returns the key-hash field of a verifier key.
func hashFor(vkey string) string {
	return strings.SplitN(vkey, "+", 3)[1]
}

func FuzzParseWebAuthnSignature(f *testing.F) {
	f.Add([]byte(`{"credentialId":"aWQ=","authenticatorData":"YWQ=","clientDataJSON":"e30=","signature":"c2ln"}`))
	f.Add([]byte(`{"credentialId":"aWQ=","authenticatorData":"YWQ=","clientDataJSON":"e30=","signature":"c2ln","userHandle":"dQ=="}`))
	f.Add([]byte(`{"credentialId":"aWQ="}`))
	f.Add([]byte(`{}{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sig, err := ParseWebAuthnSignature(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(sig)
		if err != nil {
			t.Fatal(err)
		}
		sig2, err := ParseWebAuthnSignature(again)
		if err != nil {
			t.Fatalf("re-encoded signature does not parse: %v", err)
		}
		if !bytes.Equal(sig.Signature, sig2.Signature) || !bytes.Equal(sig.ClientDataJSON, sig2.ClientDataJSON) {
			t.Fatal("round trip changed the signature")
		}
		// Verification of arbitrary input must not panic.
		VerifyWebAuthnSignature(sig, "text\n", []byte{0xa0}, "example.gov")
	})
}

func FuzzVerifyWebAuthnSignature(f *testing.F) {
	f.Add([]byte(`{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.gov"}`), bytes.Repeat([]byte{1}, 37), []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, []byte{0xa5, 0x01, 0x02, 0x03, 0x26})
	f.Add([]byte(`{}`), []byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, clientData, authData, sig, key []byte) {
		s := WebAuthnSignature{CredentialID: []byte("id"), AuthenticatorData: authData, ClientDataJSON: clientData, Signature: sig}
		if VerifyWebAuthnSignature(s, "text\n", key, "example.gov") == nil {
			t.Fatal("random assertion verified")
		}
	})
}

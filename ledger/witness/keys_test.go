package witness_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"
)

// The checkpoint used as the example throughout the C2SP specs.
const specCheckpointText = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

func TestCosignedMessageMatchesSpec(t *testing.T) {
	// c2sp.org/tlog-cosignature, "Ed25519 signed message".
	want := "cosignature/v1\ntime 1679315147\n" + specCheckpointText
	if got := string(witness.CosignedMessage(1679315147, []byte(specCheckpointText))); got != want {
		t.Fatalf("signed message\n%q\nwant\n%q", got, want)
	}
}

func TestSpecExampleCosignatureLayout(t *testing.T) {
	// The cosignature line of the tlog-cosignature example. We do not have
	// the example witness's key, but the layout must decode to a 4-byte key
	// ID, the example's timestamp 1679315147 and a 64-byte signature.
	sig := note.Signature{Name: "witness.example.com/w1", Base64: "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="}
	ts, err := witness.CosignatureTimestamp(sig)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Unix() != 1679315147 {
		t.Fatalf("timestamp %d, want 1679315147 (the spec's signed-message example)", ts.Unix())
	}
}

func TestSignedNoteSpecExampleVerifierKey(t *testing.T) {
	// c2sp.org/signed-note "Verifier keys" example.
	const vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
	const msg = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
	k, err := witness.ParseVerifierKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if k.Name != "example.com/foo" || k.ID != 0x530d903a || k.Type != witness.SigTypeEd25519 || k.String() != vkey {
		t.Fatalf("parsed %+v", k)
	}
	v, err := k.LogVerifier()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open([]byte(msg), note.VerifierList(v)); err != nil {
		t.Fatalf("spec example does not verify: %v", err)
	}
	// As a witness key the same vkey has the wrong type.
	if _, err := k.WitnessVerifier(); err == nil || !strings.Contains(err.Error(), "0x04") {
		t.Fatalf("type 0x01 vkey accepted as a witness key: %v", err)
	}
}

func TestKeyIDDefinition(t *testing.T) {
	c := witnesstesting.NewCosigner(t, "witness.example/w1")
	// SHA-256(<name> || "\n" || 0x04 || 32-byte public key)[:4], spelled out.
	h := sha256.Sum256(append([]byte("witness.example/w1\n\x04"), c.PublicKey()...))
	if want := binary.BigEndian.Uint32(h[:4]); c.KeyHash() != want {
		t.Fatalf("key ID %08x, want %08x", c.KeyHash(), want)
	}
	if c.KeyHash() == witness.KeyID("witness.example/w1", witness.SigTypeEd25519, c.PublicKey()) {
		t.Fatal("cosignature key ID equals the plain Ed25519 key ID")
	}
}

// TestInteropWithTransparencyDevFormats cross-checks against the
// independent cosignature/v1 implementation in
// github.com/transparency-dev/formats/note, which tessera uses: each side
// must verify the other's signatures and agree on key IDs and vkeys.
func TestInteropWithTransparencyDevFormats(t *testing.T) {
	skey01, _, err := note.GenerateKey(bytes.NewReader(witnesstesting.Seed("interop")), "witness.example/interop")
	if err != nil {
		t.Fatal(err)
	}
	theirSigner, err := fnote.NewSignerForCosignatureV1(skey01)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := witness.NewCosignerFromKey(skey01)
	if err != nil {
		t.Fatal(err)
	}
	if ours.KeyHash() != theirSigner.KeyHash() {
		t.Fatalf("key IDs differ: ours %08x, theirs %08x", ours.KeyHash(), theirSigner.KeyHash())
	}
	theirVerifier, err := fnote.NewVerifierForCosignatureV1(ours.VerifierKey())
	if err != nil {
		t.Fatalf("formats rejects our vkey %s: %v", ours.VerifierKey(), err)
	}
	ourVerifier, err := witness.NewCosignatureVerifier(ours.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		specCheckpointText,
		"canvass.example/county-42\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"canvass.example/county-42\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\nextension line\n",
	}
	for _, text := range texts {
		ourNote, err := note.Sign(&note.Note{Text: text}, ours)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open(ourNote, note.VerifierList(theirVerifier)); err != nil {
			t.Errorf("formats does not verify our cosignature on %q: %v", text, err)
		}
		theirNote, err := note.Sign(&note.Note{Text: text}, theirSigner)
		if err != nil {
			t.Fatal(err)
		}
		n, err := note.Open(theirNote, note.VerifierList(ourVerifier))
		if err != nil {
			t.Errorf("we do not verify formats' cosignature on %q: %v", text, err)
			continue
		}
		ts, err := witness.CosignatureTimestamp(n.Sigs[0])
		if err != nil {
			t.Fatal(err)
		}
		theirTS, _ := fnote.CoSigV1Timestamp(n.Sigs[0])
		if !ts.Equal(theirTS) || time.Since(ts) > time.Minute {
			t.Errorf("timestamp %v, formats reads %v", ts, theirTS)
		}
	}
}

func TestCosignatureRejectsTampering(t *testing.T) {
	c := witnesstesting.NewCosigner(t, "witness.example/w1")
	v := c.Verifier()
	text := []byte(specCheckpointText)
	sig, err := c.SignAt(text, 1679315147)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Verify(text, sig) {
		t.Fatal("valid cosignature rejected")
	}
	later := bytes.Clone(sig)
	binary.BigEndian.PutUint64(later, 1679315148)
	other := witnesstesting.NewCosigner(t, "witness.example/w2")
	otherSig, _ := other.SignAt(text, 1679315147)
	tests := []struct {
		name string
		text []byte
		sig  []byte
	}{
		{"changed timestamp", text, later},
		{"changed text", []byte(strings.Replace(specCheckpointText, "20852163", "20852164", 1)), sig},
		{"truncated", text, sig[:len(sig)-1]},
		{"plain Ed25519 signature without timestamp", text, ed25519.Sign(ed25519.NewKeyFromSeed(witnesstesting.Seed("witness.example/w1")), text)},
		{"other key", text, otherSig},
		{"timestamp above 2^63-1", text, append([]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, sig[8:]...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if v.Verify(tc.text, tc.sig) {
				t.Fatal("accepted")
			}
		})
	}
}

func TestCosignerRefusesNonCheckpoints(t *testing.T) {
	c := witnesstesting.NewCosigner(t, "witness.example/w1")
	for _, text := range []string{"", "hello\n", "a\nb\n", "origin\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", specCheckpointText[:len(specCheckpointText)-1]} {
		if _, err := c.Sign([]byte(text)); err == nil {
			t.Errorf("cosigned %q", text)
		}
	}
	for _, ts := range []uint64{0, 1 << 63} {
		if _, err := c.SignAt([]byte(specCheckpointText), ts); err == nil {
			t.Errorf("cosigned with timestamp %d", ts)
		}
	}
}

func TestParseVerifierKey(t *testing.T) {
	good := witnesstesting.NewCosigner(t, "witness.example/w1").VerifierKey()
	name, rest, _ := strings.Cut(good, "+")
	id, key, _ := strings.Cut(rest, "+")
	raw, _ := base64.StdEncoding.DecodeString(key)
	tests := []struct {
		name, vkey, errHas string
	}{
		{"valid", good, ""},
		{"uppercase key ID", name + "+" + strings.ToUpper(id) + "+" + key, ""},
		{"two parts", name + "+" + id, "want <name>"},
		{"empty name", "+" + id + "+" + key, "key name is empty"},
		{"space in name", "a b+" + id + "+" + key, "space"},
		{"short key ID", name + "+" + id[1:] + "+" + key, "8 hexadecimal"},
		{"non-hex key ID", name + "+zzzzzzzz+" + key, "8 hexadecimal"},
		{"wrong key ID", name + "+00000000+" + key, "does not match"},
		{"renamed key", "witness.example/w2+" + id + "+" + key, "does not match"},
		{"bad base64", name + "+" + id + "+" + key[:len(key)-1] + "!", "base64"},
		{"short key", name + "+" + id + "+" + base64.StdEncoding.EncodeToString(raw[:20]), "32"},
		{"extra plus", good + "+x", "base64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := witness.ParseVerifierKey(tc.vkey)
			if tc.errHas == "" {
				if err != nil {
					t.Fatal(err)
				}
				if k.String() != strings.Replace(tc.vkey, strings.ToUpper(id), id, 1) {
					t.Errorf("String() = %q", k.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one containing %q", err, tc.errHas)
			}
		})
	}
}

func TestNewCosignerFromKey(t *testing.T) {
	skey04, vkey04, err := witness.GenerateKey(bytes.NewReader(witnesstesting.Seed("gen")), "witness.example/gen")
	if err != nil {
		t.Fatal(err)
	}
	skey01, _, _ := note.GenerateKey(bytes.NewReader(witnesstesting.Seed("gen")), "witness.example/gen")
	parts := strings.SplitN(skey04, "+", 5)
	tests := []struct {
		name, skey, errHas string
	}{
		{"type 0x04 key from GenerateKey", skey04, ""},
		{"type 0x04 key with trailing newline", skey04 + "\n", ""},
		{"type 0x01 key from x/mod note", skey01, ""},
		{"not a key", "hello", "not a signer key"},
		{"public key", vkey04, "not a signer key"},
		{"wrong key ID", strings.Join([]string{parts[0], parts[1], parts[2], "00000000", parts[4]}, "+"), "does not match"},
		{"renamed", strings.Join([]string{parts[0], parts[1], "witness.example/other", parts[3], parts[4]}, "+"), "does not match"},
		{"unsupported type", strings.Join([]string{parts[0], parts[1], parts[2], parts[3], base64.StdEncoding.EncodeToString(append([]byte{2}, witnesstesting.Seed("gen")...))}, "+"), "0x02"},
		{"short seed", strings.Join([]string{parts[0], parts[1], parts[2], parts[3], base64.StdEncoding.EncodeToString([]byte{4, 1, 2})}, "+"), "seed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := witness.NewCosignerFromKey(tc.skey)
			if tc.errHas == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.VerifierKey() != vkey04 {
					t.Errorf("vkey %s, want %s", c.VerifierKey(), vkey04)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one containing %q", err, tc.errHas)
			}
			if strings.Contains(err.Error(), parts[4]) {
				t.Fatal("error message contains key material")
			}
		})
	}
}

package auth_test

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/canvass/canvass/auth"
	"golang.org/x/mod/sumdb/note"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSignTextGolden(t *testing.T) {
	text := auth.SignText("example.gov/elections/2026-11-general", "01JC8Z3Q4W", "publish-results",
		sha256.Sum256([]byte(`{"contest":"mayor"}`)))
	const golden = "testdata/signtext-v1.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if text != string(want) {
		t.Errorf("SignText =\n%s\nwant (%s)\n%s", text, golden, want)
	}
	// It must be signable as a note.
	skey, _, err := note.GenerateKey(rand.Reader, "alice")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	if _, err := note.Sign(&note.Note{Text: text}, s); err != nil {
		t.Errorf("SignText is not valid note text: %v", err)
	}
}

func TestSignTextFields(t *testing.T) {
	for _, f := range [][3]string{
		{"", "r", "k"},
		{"o", "", "k"},
		{"o", "r", ""},
		{"o\nrequest evil", "r", "k"},
		{"o", "r\n", "k"},
		{"o", "r 2", "k"},
		{"o", "r", "k\t"},
		{" o", "r", "k"},
		{"o\x00", "r", "k"},
		{"o\xff", "r", "k"},
	} {
		if err := auth.CheckSignTextFields(f[0], f[1], f[2]); err == nil {
			t.Errorf("CheckSignTextFields(%q) = nil, want an error", f)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SignText(%q) did not panic", f)
				}
			}()
			auth.SignText(f[0], f[1], f[2], [32]byte{})
		}()
	}
	if err := auth.CheckSignTextFields("example.gov/log with space", "r-1", "k.x"); err != nil {
		t.Errorf("origin with an inner space refused: %v", err)
	}
}

func signNote(t *testing.T, text string, skeys ...string) string {
	t.Helper()
	var signers []note.Signer
	for _, k := range skeys {
		s, err := note.NewSigner(k)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
	}
	msg, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

func TestVerifyNoteSignature(t *testing.T) {
	aliceS, aliceV, _ := note.GenerateKey(rand.Reader, "alice@example.gov")
	bobS, bobV, _ := note.GenerateKey(rand.Reader, "bob@example.gov")
	text := auth.SignText("example.gov/e", "req-1", "install-software", sha256.Sum256([]byte("{}")))
	other := auth.SignText("example.gov/e", "req-2", "install-software", sha256.Sum256([]byte("{}")))

	if name, err := auth.ParseVerifierKey(aliceV); err != nil || name != "alice@example.gov" {
		t.Errorf("ParseVerifierKey = %q, %v", name, err)
	}
	for _, bad := range []string{"", "alice", aliceS, aliceV + "x", strings.Replace(aliceV, "+", "-", 1)} {
		if _, err := auth.ParseVerifierKey(bad); err == nil {
			t.Errorf("ParseVerifierKey(%q) accepted", bad)
		}
	}

	good := signNote(t, text, aliceS)
	both := signNote(t, text, bobS, aliceS)
	for _, tc := range []struct {
		name, signed, text, vkey string
		ok                       bool
	}{
		{"good", good, text, aliceV, true},
		{"signed by two, checked for one", both, text, aliceV, true},
		{"wrong key", good, text, bobV, false},
		{"text mismatch", signNote(t, other, aliceS), text, aliceV, false},
		{"extra text", signNote(t, text+"and more\n", aliceS), text, aliceV, false},
		{"extra text spliced in", strings.Replace(good, "\n\n", "\nextra\n\n", 1), text, aliceV, false},
		{"unsigned", text, text, aliceV, false},
		{"unsigned with blank line", text + "\n", text, aliceV, false},
		{"garbage", "hello", text, aliceV, false},
		{"flipped signature", flipSig(good), text, aliceV, false},
	} {
		err := auth.VerifyNoteSignature(tc.signed, tc.text, tc.vkey)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, auth.ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", tc.name, err)
		}
	}
	if err := auth.VerifyNoteSignature(good, text, "not a key"); err == nil || errors.Is(err, auth.ErrBadSignature) {
		t.Errorf("bad verifier key: err = %v, want a key error", err)
	}
}

// flipSig changes one base64 character of the note's last signature.
func flipSig(signed string) string {
	b := []byte(signed)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

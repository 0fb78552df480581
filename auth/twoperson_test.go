package auth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn/webauthntest"
	"golang.org/x/mod/sumdb/note"
)

func TestCheckTwoPerson(t *testing.T) {
	text := auth.SignText("county.example/e", "req-9", "install-software", sha256.Sum256([]byte("{}")))
	other := auth.SignText("county.example/e", "req-10", "install-software", sha256.Sum256([]byte("{}")))
	noteApproval := func(name, txt string) auth.Approval {
		skey, vkey, _ := note.GenerateKey(rand.Reader, name)
		return auth.Approval{Approver: name, Note: signNote(t, txt, skey), VerifierKey: vkey}
	}
	a, err := webauthntest.New(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	ch := auth.WebAuthnChallenge(text)
	as, err := a.Sign(testRPID, ch[:])
	if err != nil {
		t.Fatal(err)
	}
	bob := auth.Approval{Approver: "bob", RPID: testRPID, PublicKeyCOSE: a.PublicKeyCOSE(), WebAuthn: &auth.WebAuthnSignature{
		CredentialID: as.CredentialID, AuthenticatorData: as.AuthenticatorData, ClientDataJSON: as.ClientDataJSON, Signature: as.Signature,
	}}
	alice := noteApproval("alice", text)

	// The log's JSON form round-trips.
	js, _ := json.Marshal([]auth.Approval{alice, bob})
	var back []auth.Approval
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if err := auth.CheckTwoPerson(back, text); err != nil {
		t.Fatalf("alice (note) + bob (WebAuthn): %v", err)
	}

	sameKey := alice
	sameKey.Approver = "mallory"
	aliceAgain := noteApproval("alice", text)
	both := alice
	both.WebAuthn = bob.WebAuthn
	// One Ed25519 key registered under two names.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	twin := func(name string) auth.Approval {
		skey, vkey := noteKeys(t, name, priv)
		return auth.Approval{Approver: name, Note: signNote(t, text, skey), VerifierKey: vkey}
	}
	for _, tc := range []struct {
		name string
		set  []auth.Approval
		want error
	}{
		{"one approval", []auth.Approval{alice}, auth.ErrTwoPerson},
		{"same person twice, two keys", []auth.Approval{alice, aliceAgain}, auth.ErrTwoPerson},
		{"two names, one key", []auth.Approval{alice, sameKey}, auth.ErrTwoPerson},
		{"second signs another request", []auth.Approval{alice, noteApproval("carol", other)}, auth.ErrBadSignature},
		{"WebAuthn for another text", []auth.Approval{noteApproval("carol", other), bob}, auth.ErrBadSignature},
		{"none", nil, auth.ErrTwoPerson},
		{"one key under two key names", []auth.Approval{twin("mallory"), twin("mallory2")}, auth.ErrTwoPerson},
	} {
		if err := auth.CheckTwoPerson(tc.set, text); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	for _, bad := range []auth.Approval{{Approver: "x"}, both, {Note: alice.Note, VerifierKey: alice.VerifierKey}} {
		if err := auth.VerifyApproval(bad, text); err == nil {
			t.Errorf("VerifyApproval(%+v) = nil", bad)
		}
	}
}

// noteKeys returns a signed-note signer key and verifier key for priv under
// name.
func noteKeys(t *testing.T, name string, priv ed25519.PrivateKey) (skey, vkey string) {
	t.Helper()
	vkey, err := note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.SplitN(vkey, "+", 3)[1]
	skey = "PRIVATE+KEY+" + name + "+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, priv.Seed()...))
	return skey, vkey
}

package webauthn_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn"
	"github.com/canvass/canvass/auth/webauthn/webauthntest"
)

const (
	rpID   = "office.example.gov"
	origin = "https://office.example.gov"
)

func newRP(t *testing.T) *webauthn.RP {
	t.Helper()
	rp, err := webauthn.New(webauthn.Config{RPID: rpID, RPDisplayName: "Example County", Origins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// register runs a registration ceremony between rp and a new software
// authenticator.
func register(t *testing.T, rp *webauthn.RP, u *webauthn.User) *webauthntest.Authenticator {
	t.Helper()
	a, err := webauthntest.New(origin)
	if err != nil {
		t.Fatal(err)
	}
	opts, session, err := rp.BeginRegistration(*u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Register(opts)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := rp.FinishRegistration(*u, session, resp)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	if !bytes.Equal(cred.ID, a.CredentialID()) || !bytes.Equal(cred.PublicKey, a.PublicKeyCOSE()) {
		t.Fatal("registered credential does not match the authenticator's ID and key")
	}
	u.Credentials = append(u.Credentials, cred)
	return a
}

func TestRegistrationLoginApproval(t *testing.T) {
	rp := newRP(t)
	u := webauthn.User{ID: []byte("user-handle-0001"), Name: "alice", DisplayName: "Alice Clerk"}
	a := register(t, rp, &u)

	// Sign in.
	opts, session, err := rp.BeginLogin(u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Assert(opts)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := rp.FinishLogin(u, session, resp)
	if err != nil {
		t.Fatalf("FinishLogin: %v", err)
	}
	u.Credentials[0] = cred

	// The same response does not sign in twice: the session's challenge is
	// what it answers, and the counter has moved on.
	if _, err := rp.FinishLogin(u, session, resp); err == nil {
		t.Error("replayed login assertion accepted")
	}

	// Approve a request.
	text := auth.SignText("example.gov/election/2026-11", "req-42", "publish-results", sha256.Sum256([]byte(`{"a":1}`)))
	opts, session, err = rp.BeginApproval(u, text)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	ch := auth.WebAuthnChallenge(text)
	if want := b64(ch[:]); o.PublicKey.Challenge != want {
		t.Fatalf("approval challenge = %q, want SHA-256(text) = %q", o.PublicKey.Challenge, want)
	}
	resp, err = a.Assert(opts)
	if err != nil {
		t.Fatal(err)
	}
	// The ceremony is bound to its text.
	if _, _, err := rp.FinishApproval(u, text+"x", session, resp); err == nil {
		t.Error("FinishApproval accepted a response for another text")
	}
	sig, cred, err := rp.FinishApproval(u, text, session, resp)
	if err != nil {
		t.Fatalf("FinishApproval: %v", err)
	}
	u.Credentials[0] = cred

	// The signature survives a JSON round trip and verifies offline.
	js, err := json.Marshal(sig)
	if err != nil {
		t.Fatal(err)
	}
	sig2, err := auth.ParseWebAuthnSignature(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.VerifyWebAuthnSignature(sig2, text, cred.PublicKey, rp.RPID()); err != nil {
		t.Fatalf("offline verification: %v", err)
	}

	// Tampered assertion responses are refused.
	opts, session, err = rp.BeginApproval(u, text)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = a.Assert(opts)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(resp, &raw); err != nil {
		t.Fatal(err)
	}
	r := raw["response"].(map[string]any)
	r["signature"] = b64(bytes.Repeat([]byte{0x30}, 70))
	bad, _ := json.Marshal(raw)
	if _, _, err := rp.FinishApproval(u, text, session, bad); err == nil {
		t.Error("FinishApproval accepted a tampered signature")
	}
}

func TestUserVerificationRequired(t *testing.T) {
	rp := newRP(t)
	u := webauthn.User{ID: []byte("user-handle-0002"), Name: "bob", DisplayName: "Bob"}
	a := register(t, rp, &u)
	a.UserVerified = false
	text := auth.SignText("example.gov/e", "req-1", "install-software", [32]byte{})
	opts, session, err := rp.BeginApproval(u, text)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Assert(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rp.FinishApproval(u, text, session, resp); err == nil {
		t.Error("approval without user verification accepted")
	}
}

func TestWrongCredentialRefused(t *testing.T) {
	rp := newRP(t)
	alice := webauthn.User{ID: []byte("user-handle-0003"), Name: "alice"}
	bob := webauthn.User{ID: []byte("user-handle-0004"), Name: "bob"}
	register(t, rp, &alice)
	b := register(t, rp, &bob)
	// Bob's authenticator answers a ceremony begun for Alice.
	opts, session, err := rp.BeginLogin(alice)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	json.Unmarshal(opts, &raw)
	delete(raw["publicKey"].(map[string]any), "allowCredentials")
	opts, _ = json.Marshal(raw)
	resp, err := b.Assert(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.FinishLogin(alice, session, resp); err == nil {
		t.Error("Alice's login accepted Bob's credential")
	}
}

func TestBeginWithoutCredential(t *testing.T) {
	rp := newRP(t)
	_, _, err := rp.BeginLogin(webauthn.User{ID: []byte("x"), Name: "x"})
	if err == nil {
		t.Error("BeginLogin for a user without credentials succeeded")
	}
	if _, err := webauthn.New(webauthn.Config{}); err == nil {
		t.Error("New with an empty config succeeded")
	}
	_, err = rp.FinishRegistration(webauthn.User{ID: []byte("x")}, []byte("{"), []byte("{}"))
	if err == nil {
		t.Error("FinishRegistration with a broken session succeeded")
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestRegistrationWithoutUserVerificationRefused(t *testing.T) {
	rp := newRP(t)
	u := webauthn.User{ID: []byte("user-handle-0005"), Name: "carol"}
	a, err := webauthntest.New(origin)
	if err != nil {
		t.Fatal(err)
	}
	a.UserVerified = false
	opts, session, err := rp.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Register(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.FinishRegistration(u, session, resp); err == nil {
		t.Error("registration without user verification accepted")
	}
	// A response from another origin is refused too.
	evil, _ := webauthntest.New("https://evil.example")
	opts, session, _ = rp.BeginRegistration(u)
	resp, err = evil.Register([]byte(strings.Replace(string(opts), `"id":"office.example.gov"`, `"id":"evil.example"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.FinishRegistration(u, session, resp); err == nil {
		t.Error("registration from another origin accepted")
	}
}

// TestClonedAuthenticatorRefused: a copy of a credential whose counter
// does not move past the stored one is refused with ErrCloned, and the
// original, whose counter is ahead, still signs in.
func TestClonedAuthenticatorRefused(t *testing.T) {
	rp := newRP(t)
	u := webauthn.User{ID: []byte("user-handle-0005"), Name: "carol"}
	a := register(t, rp, &u)
	login := func(a *webauthntest.Authenticator) error {
		t.Helper()
		opts, session, err := rp.BeginLogin(u)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := a.Assert(opts)
		if err != nil {
			t.Fatal(err)
		}
		c, err := rp.FinishLogin(u, session, resp)
		if err == nil {
			u.Credentials[0] = c // store the new counter
		}
		return err
	}
	clone := a.Clone()
	if err := login(a); err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	if err := login(clone); !errors.Is(err, webauthn.ErrCloned) {
		t.Fatalf("sign-in with a clone whose counter equals the stored one: %v, want ErrCloned", err)
	}
	if err := login(a); err != nil {
		t.Fatalf("the original after the clone was refused: %v", err)
	}
}

// TestLoginTimeout: sign-in options carry the (short) login timeout,
// approvals the general one.
func TestLoginTimeout(t *testing.T) {
	rp, err := webauthn.New(webauthn.Config{RPID: rpID, Origins: []string{origin}, Timeout: 4 * time.Minute, LoginTimeout: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	u := webauthn.User{ID: []byte("user-handle-0006"), Name: "dave"}
	register(t, rp, &u)
	timeout := func(opts []byte) int {
		var o struct {
			PublicKey struct {
				Timeout int `json:"timeout"`
			} `json:"publicKey"`
		}
		if err := json.Unmarshal(opts, &o); err != nil {
			t.Fatal(err)
		}
		return o.PublicKey.Timeout
	}
	opts, _, err := rp.BeginLogin(u)
	if err != nil {
		t.Fatal(err)
	}
	if got := timeout(opts); got != 90000 || rp.LoginTimeout() != 90*time.Second {
		t.Errorf("login timeout %d ms (%v), want 90000", got, rp.LoginTimeout())
	}
	opts, _, err = rp.BeginApproval(u, "text")
	if err != nil {
		t.Fatal(err)
	}
	if got := timeout(opts); got != 240000 {
		t.Errorf("approval timeout %d ms, want 240000", got)
	}
	if def := newRP(t); def.LoginTimeout() != webauthn.DefaultLoginTimeout {
		t.Errorf("default login timeout %v", def.LoginTimeout())
	}
}

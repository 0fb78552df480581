package webauthn_test

import (
	"testing"

	"github.com/canvass/canvass/auth/webauthn"
	"github.com/canvass/canvass/auth/webauthn/webauthntest"
)

// FuzzFinishLogin feeds arbitrary response JSON to a sign-in ceremony: it
// must never panic, and nothing but the authenticator's genuine answer
// may be accepted (the seeds include that answer, mutated by the fuzzer).
// Run with: go test ./auth/webauthn -fuzz FuzzFinishLogin -fuzztime 20s
func FuzzFinishLogin(f *testing.F) {
	rp, err := webauthn.New(webauthn.Config{RPID: rpID, Origins: []string{origin}})
	if err != nil {
		f.Fatal(err)
	}
	u := webauthn.User{ID: []byte("user-handle-fuzz"), Name: "fuzz"}
	a, err := webauthntest.New(origin)
	if err != nil {
		f.Fatal(err)
	}
	opts, session, err := rp.BeginRegistration(u)
	if err != nil {
		f.Fatal(err)
	}
	resp, err := a.Register(opts)
	if err != nil {
		f.Fatal(err)
	}
	cred, err := rp.FinishRegistration(u, session, resp)
	if err != nil {
		f.Fatal(err)
	}
	u.Credentials = []webauthn.Credential{cred}
	opts, session, err = rp.BeginLogin(u)
	if err != nil {
		f.Fatal(err)
	}
	genuine, err := a.Assert(opts)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(genuine), `{}`, `{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}`, `null`, `[]`, `{"response":{"authenticatorData":"!!"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := rp.FinishLogin(u, session, b)
		if err != nil {
			return
		}
		// Only an answer signed by the credential over this challenge
		// verifies; the fuzzer cannot forge ECDSA, so whatever is accepted
		// carries the genuine signature and the credential's identity.
		if string(c.ID) != string(cred.ID) {
			t.Fatalf("accepted an answer for credential %x", c.ID)
		}
	})
}

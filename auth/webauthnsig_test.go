package auth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn/webauthntest"
)

const (
	testRPID   = "office.example.gov"
	testOrigin = "https://office.example.gov"
)

func TestVerifyWebAuthnSignature(t *testing.T) {
	a, err := webauthntest.New(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := webauthntest.New(testOrigin)
	text := auth.SignText("example.gov/e", "req-7", "publish-results", sha256.Sum256([]byte("{}")))
	ch := auth.WebAuthnChallenge(text)
	as, err := a.Sign(testRPID, ch[:])
	if err != nil {
		t.Fatal(err)
	}
	good := auth.WebAuthnSignature{
		CredentialID:      as.CredentialID,
		AuthenticatorData: as.AuthenticatorData,
		ClientDataJSON:    as.ClientDataJSON,
		Signature:         as.Signature,
	}
	pk := a.PublicKeyCOSE()
	if err := auth.VerifyWebAuthnSignature(good, text, pk, testRPID); err != nil {
		t.Fatalf("good signature: %v", err)
	}

	// resign builds a correctly signed assertion over altered data, so that
	// each check is seen to work on its own and not only through the
	// signature.
	resign := func(ad []byte, cd map[string]any) auth.WebAuthnSignature {
		cdj, _ := json.Marshal(cd)
		sig, err := a.SignRaw(ad, cdj)
		if err != nil {
			t.Fatal(err)
		}
		return auth.WebAuthnSignature{CredentialID: as.CredentialID, AuthenticatorData: ad, ClientDataJSON: cdj, Signature: sig}
	}
	cd := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{}
		json.Unmarshal(as.ClientDataJSON, &m)
		edit(m)
		return m
	}
	ad := func(edit func(b []byte)) []byte {
		b := bytes.Clone(as.AuthenticatorData)
		edit(b)
		return b
	}
	same := func(map[string]any) {}
	otherRP := sha256.Sum256([]byte("evil.example"))

	for _, tc := range []struct {
		name string
		sig  auth.WebAuthnSignature
		text string
		key  []byte
		rpID string
		why  string
	}{
		{"flipped signature byte", flip(good, func(s *auth.WebAuthnSignature) { s.Signature[len(s.Signature)-1] ^= 1 }), text, pk, testRPID, "does not verify with"},
		{"flipped authenticator data", flip(good, func(s *auth.WebAuthnSignature) { s.AuthenticatorData[36] ^= 1 }), text, pk, testRPID, "does not verify with"},
		{"other text", good, text + "x", pk, testRPID, "challenge"},
		{"other key", good, text, other.PublicKeyCOSE(), testRPID, "does not verify with"},
		{"other rpID", good, text, pk, "evil.example", "not on relying party"},
		{"rpIdHash of another RP", resign(ad(func(b []byte) { copy(b, otherRP[:]) }), cd(same)), text, pk, testRPID, "another relying party"},
		{"user not verified", resign(ad(func(b []byte) { b[32] &^= 0x04 }), cd(same)), text, pk, testRPID, "user-verified"},
		{"user not present", resign(ad(func(b []byte) { b[32] &^= 0x01 }), cd(same)), text, pk, testRPID, "user-present"},
		{"short authenticator data", resign(as.AuthenticatorData[:36], cd(same)), text, pk, testRPID, "at least 37"},
		{"registration type", resign(as.AuthenticatorData, cd(func(m map[string]any) { m["type"] = "webauthn.create" })), text, pk, testRPID, "type"},
		{"http origin", resign(as.AuthenticatorData, cd(func(m map[string]any) { m["origin"] = "http://office.example.gov" })), text, pk, testRPID, "not https"},
		{"look-alike origin", resign(as.AuthenticatorData, cd(func(m map[string]any) { m["origin"] = "https://office.example.gov.evil.example" })), text, pk, testRPID, "not on relying party"},
		{"cross-origin", resign(as.AuthenticatorData, cd(func(m map[string]any) { m["crossOrigin"] = true })), text, pk, testRPID, "cross-origin"},
		{"padded other challenge", resign(as.AuthenticatorData, cd(func(m map[string]any) { m["challenge"] = "AAAA" })), text, pk, testRPID, "challenge"},
		{"client data not JSON", resign(as.AuthenticatorData, nil), text, pk, testRPID, "not JSON"},
	} {
		if tc.name == "client data not JSON" {
			tc.sig.ClientDataJSON = []byte("{")
		}
		err := auth.VerifyWebAuthnSignature(tc.sig, tc.text, tc.key, tc.rpID)
		if !errors.Is(err, auth.ErrBadSignature) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: err = %v, want ErrBadSignature saying %q", tc.name, err, tc.why)
		}
	}
	// A subdomain of the RP ID is a valid origin (WebAuthn §5.1.4.1 step 7).
	sub := resign(as.AuthenticatorData, cd(func(m map[string]any) { m["origin"] = "https://www.office.example.gov:8443" }))
	if err := auth.VerifyWebAuthnSignature(sub, text, pk, testRPID); err != nil {
		t.Errorf("subdomain origin: %v", err)
	}
	if err := auth.VerifyWebAuthnSignature(good, text, []byte{0xa0}, testRPID); err == nil {
		t.Error("an empty COSE key was accepted")
	}
}

func flip(s auth.WebAuthnSignature, edit func(*auth.WebAuthnSignature)) auth.WebAuthnSignature {
	c := auth.WebAuthnSignature{
		CredentialID:      bytes.Clone(s.CredentialID),
		AuthenticatorData: bytes.Clone(s.AuthenticatorData),
		ClientDataJSON:    bytes.Clone(s.ClientDataJSON),
		Signature:         bytes.Clone(s.Signature),
	}
	edit(&c)
	return c
}

func TestParseWebAuthnSignature(t *testing.T) {
	b := base64.StdEncoding.EncodeToString
	good := `{"credentialId":"` + b([]byte("id")) + `","authenticatorData":"` + b([]byte("ad")) +
		`","clientDataJSON":"` + b([]byte("{}")) + `","signature":"` + b([]byte("sig")) + `"}`
	s, err := auth.ParseWebAuthnSignature([]byte(good))
	if err != nil || string(s.Signature) != "sig" {
		t.Fatalf("ParseWebAuthnSignature = %+v, %v", s, err)
	}
	for _, bad := range []string{
		``, `{}`, `[]`, `null`,
		good + `{}`,
		strings.Replace(good, `"signature"`, `"sig"`, 1),
		strings.Replace(good, `{`, `{"extra":1,`, 1),
		strings.Replace(good, b([]byte("sig")), "!!", 1),
	} {
		if _, err := auth.ParseWebAuthnSignature([]byte(bad)); err == nil {
			t.Errorf("ParseWebAuthnSignature(%q) accepted", bad)
		}
	}
}

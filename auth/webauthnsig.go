package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// WebAuthnSignature is a WebAuthn assertion kept as an approval signature:
// everything needed, with the credential's public key and the relying party
// ID, to check it later and offline (W3C WebAuthn Level 3 §7.2). Byte fields
// encode as standard base64 in JSON.
type WebAuthnSignature struct {
	CredentialID      []byte `json:"credentialId"`
	AuthenticatorData []byte `json:"authenticatorData"`
	ClientDataJSON    []byte `json:"clientDataJSON"`
	Signature         []byte `json:"signature"`
	UserHandle        []byte `json:"userHandle,omitempty"`
}

// maxWebAuthnJSON bounds ParseWebAuthnSignature's input; real assertions are
// well under 2 KiB.
const maxWebAuthnJSON = 64 << 10

// ParseWebAuthnSignature decodes the JSON form of a WebAuthnSignature,
// refusing unknown fields, trailing data and missing parts.
func ParseWebAuthnSignature(data []byte) (WebAuthnSignature, error) {
	var sig WebAuthnSignature
	if len(data) > maxWebAuthnJSON {
		return sig, fmt.Errorf("auth: WebAuthn signature JSON is longer than %d bytes", maxWebAuthnJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sig); err != nil {
		return WebAuthnSignature{}, fmt.Errorf("auth: WebAuthn signature JSON: %w", err)
	}
	if dec.More() {
		return WebAuthnSignature{}, errors.New("auth: WebAuthn signature JSON: data after the object")
	}
	if len(sig.CredentialID) == 0 || len(sig.AuthenticatorData) == 0 || len(sig.ClientDataJSON) == 0 || len(sig.Signature) == 0 {
		return WebAuthnSignature{}, errors.New("auth: WebAuthn signature JSON: credentialId, authenticatorData, clientDataJSON and signature are all required")
	}
	return sig, nil
}

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUserPresent  = 0x01
	flagUserVerified = 0x04
)

// WebAuthnChallenge returns the challenge an approver's authenticator signs
// for text: its SHA-256.
func WebAuthnChallenge(text string) [32]byte {
	return sha256.Sum256([]byte(text))
}

// VerifyWebAuthnSignature checks that sig is an assertion by the credential
// whose COSE public key is publicKeyCOSE, for relying party rpID, over the
// challenge SHA-256(text). It checks the steps of WebAuthn §7.2 that do not
// need server state: client data type "webauthn.get", the challenge, an
// https origin on rpID (or http://localhost for development), not
// cross-origin; the RP ID hash; the user-present and user-verified flags
// (an approval needs the person's PIN or biometric, not only a touch); and
// the signature over authenticatorData || SHA-256(clientDataJSON). It does
// not check the signature counter, which the live ceremony does.
func VerifyWebAuthnSignature(sig WebAuthnSignature, text string, publicKeyCOSE []byte, rpID string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: WebAuthn: "+format, append([]any{ErrBadSignature}, args...)...)
	}
	var cd struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}
	if err := json.Unmarshal(sig.ClientDataJSON, &cd); err != nil {
		return fail("client data is not JSON")
	}
	if cd.Type != "webauthn.get" {
		return fail("client data type is %q, want webauthn.get", cd.Type)
	}
	want := WebAuthnChallenge(text)
	got, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(cd.Challenge, "="))
	if err != nil || !bytes.Equal(got, want[:]) {
		return fail("the challenge is not SHA-256 of the approval text for this request")
	}
	if err := checkOrigin(cd.Origin, rpID); err != nil {
		return fail("%v", err)
	}
	if cd.CrossOrigin {
		return fail("the assertion was made in a cross-origin frame")
	}
	ad := sig.AuthenticatorData
	if len(ad) < 37 {
		return fail("authenticator data is %d bytes, want at least 37", len(ad))
	}
	rpHash := sha256.Sum256([]byte(rpID))
	if !bytes.Equal(ad[:32], rpHash[:]) {
		return fail("authenticator data is for another relying party than %q", rpID)
	}
	if ad[32]&flagUserPresent == 0 {
		return fail("the user-present flag is not set")
	}
	if ad[32]&flagUserVerified == 0 {
		return fail("the user-verified flag is not set (the authenticator must check a PIN or biometric)")
	}
	key, err := webauthncose.ParsePublicKey(publicKeyCOSE)
	if err != nil {
		return fmt.Errorf("auth: WebAuthn credential public key: %w", err)
	}
	cdHash := sha256.Sum256(sig.ClientDataJSON)
	signed := append(append([]byte{}, ad...), cdHash[:]...)
	ok, err := webauthncose.VerifySignature(key, signed, sig.Signature)
	if err != nil || !ok {
		return fail("the signature does not verify with the credential's public key")
	}
	return nil
}

// checkOrigin accepts https://rpID, https://sub.rpID (any port), and
// http://localhost for development when rpID is localhost.
func checkOrigin(origin, rpID string) error {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.User != nil {
		return fmt.Errorf("client data origin %q is not a web origin", origin)
	}
	host := u.Hostname()
	if host != rpID && !strings.HasSuffix(host, "."+rpID) {
		return fmt.Errorf("client data origin %q is not on relying party %q", origin, rpID)
	}
	if u.Scheme != "https" && (u.Scheme != "http" || host != "localhost") {
		return fmt.Errorf("client data origin %q is not https", origin)
	}
	return nil
}

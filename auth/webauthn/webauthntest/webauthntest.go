// Package webauthntest is a software WebAuthn authenticator and client for
// tests: it answers the options JSON of package webauthn's Begin calls with
// the response JSON a browser would send, signing with an ECDSA P-256 key and
// "none" attestation, and building authenticatorData and clientDataJSON as
// the WebAuthn Level 3 specification says (§6.1, §5.8.1). It is for tests
// only: its key lives in memory.
package webauthntest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
)

// Authenticator is one credential on a software authenticator, used from one
// origin.
type Authenticator struct {
	Origin string // the web origin the "browser" is on, e.g. "https://office.example.gov"
	// UserVerified sets the UV flag: the authenticator claims it checked a
	// PIN or biometric. New sets it; tests clear it to see it refused.
	UserVerified bool

	key        *ecdsa.PrivateKey
	credID     []byte
	userHandle []byte
	signCount  uint32
}

// New returns an authenticator with a fresh P-256 key and credential ID.
func New(origin string) (*Authenticator, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &Authenticator{Origin: origin, UserVerified: true, key: key, credID: id}, nil
}

// Clone returns a copy of the authenticator with the same key, credential
// and signature counter: a cloned security key, which a relying party
// should detect when the two copies' counters collide.
func (a *Authenticator) Clone() *Authenticator {
	c := *a
	return &c
}

// SignCount returns the signature counter of the last response made.
func (a *Authenticator) SignCount() uint32 { return a.signCount }

// CredentialID returns the credential's ID.
func (a *Authenticator) CredentialID() []byte { return a.credID }

// PublicKeyCOSE returns the credential public key as a COSE_Key (RFC 9053
// EC2, alg ES256 = -7, crv P-256 = 1).
func (a *Authenticator) PublicKeyCOSE() []byte {
	b, err := a.key.PublicKey.Bytes() // 0x04 || x || y
	if err != nil {
		panic(err)
	}
	var c cbor
	c.head(5, 5) // map of 5 pairs
	c.int(1)     // kty
	c.int(2)     // EC2
	c.int(3)     // alg
	c.int(-7)    // ES256
	c.int(-1)    // crv
	c.int(1)     // P-256
	c.int(-2)    // x
	c.bytes(b[1:33])
	c.int(-3) // y
	c.bytes(b[33:65])
	return c.b
}

var b64url = base64.RawURLEncoding

// options is the part of PublicKeyCredentialCreationOptions and
// PublicKeyCredentialRequestOptions this authenticator reads.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func (a *Authenticator) rpID(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	u, err := url.Parse(a.Origin)
	if err != nil {
		return "", err
	}
	return u.Hostname(), nil
}

// authData builds authenticator data (§6.1): rpIdHash, flags, counter, and
// for registration the attested credential data.
func (a *Authenticator) authData(rpID string, attested bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	d := append([]byte{}, h[:]...)
	flags := byte(0x01) // UP
	if a.UserVerified {
		flags |= 0x04
	}
	if attested {
		flags |= 0x40 // AT
	}
	a.signCount++
	d = append(d, flags)
	d = binary.BigEndian.AppendUint32(d, a.signCount)
	if attested {
		d = append(d, make([]byte, 16)...) // AAGUID: zero for "none" attestation
		d = binary.BigEndian.AppendUint16(d, uint16(len(a.credID)))
		d = append(d, a.credID...)
		d = append(d, a.PublicKeyCOSE()...)
	}
	return d
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, err := json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, challenge, a.Origin, false})
	if err != nil {
		panic(err)
	}
	return b
}

// Register answers the options JSON of a registration ceremony with the
// response JSON of navigator.credentials.create (PublicKeyCredential.toJSON).
func (a *Authenticator) Register(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, fmt.Errorf("webauthntest: registration options: %w", err)
	}
	rpID, err := a.rpID(o.PublicKey.RP.ID)
	if err != nil {
		return nil, err
	}
	if a.userHandle, err = b64url.DecodeString(o.PublicKey.User.ID); err != nil {
		return nil, fmt.Errorf("webauthntest: user id: %w", err)
	}
	cd := a.clientData("webauthn.create", o.PublicKey.Challenge)
	var att cbor
	att.head(5, 3)
	att.text("fmt")
	att.text("none")
	att.text("attStmt")
	att.head(5, 0)
	att.text("authData")
	att.bytes(a.authData(rpID, true))
	return json.Marshal(map[string]any{
		"id":    b64url.EncodeToString(a.credID),
		"rawId": b64url.EncodeToString(a.credID),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64url.EncodeToString(cd),
			"attestationObject": b64url.EncodeToString(att.b),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults":  map[string]any{},
		"authenticatorAttachment": "platform",
	})
}

// Assertion is one signed assertion, in raw form.
type Assertion struct {
	CredentialID, AuthenticatorData, ClientDataJSON, Signature, UserHandle []byte
}

// Sign makes an assertion over challenge for rpID: the signature over
// authenticatorData || SHA-256(clientDataJSON) (§6.3.3 step 11).
func (a *Authenticator) Sign(rpID string, challenge []byte) (Assertion, error) {
	ad := a.authData(rpID, false)
	cd := a.clientData("webauthn.get", b64url.EncodeToString(challenge))
	sig, err := a.SignRaw(ad, cd)
	if err != nil {
		return Assertion{}, err
	}
	return Assertion{CredentialID: a.credID, AuthenticatorData: ad, ClientDataJSON: cd, Signature: sig, UserHandle: a.userHandle}, nil
}

// SignRaw signs authenticatorData || SHA-256(clientDataJSON) as given, so
// that tests can check that a verifier refuses well-signed but wrong data.
func (a *Authenticator) SignRaw(authenticatorData, clientDataJSON []byte) ([]byte, error) {
	h := sha256.Sum256(clientDataJSON)
	digest := sha256.Sum256(append(append([]byte{}, authenticatorData...), h[:]...))
	return ecdsa.SignASN1(rand.Reader, a.key, digest[:])
}

// Assert answers the options JSON of an assertion ceremony with the response
// JSON of navigator.credentials.get (PublicKeyCredential.toJSON).
func (a *Authenticator) Assert(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, fmt.Errorf("webauthntest: assertion options: %w", err)
	}
	rpID, err := a.rpID(o.PublicKey.RPID)
	if err != nil {
		return nil, err
	}
	if len(o.PublicKey.AllowCredentials) > 0 {
		found := false
		for _, c := range o.PublicKey.AllowCredentials {
			found = found || c.ID == b64url.EncodeToString(a.credID)
		}
		if !found {
			return nil, errors.New("webauthntest: this credential is not in allowCredentials")
		}
	}
	challenge, err := b64url.DecodeString(o.PublicKey.Challenge)
	if err != nil {
		return nil, fmt.Errorf("webauthntest: challenge: %w", err)
	}
	s, err := a.Sign(rpID, challenge)
	if err != nil {
		return nil, err
	}
	resp := map[string]any{
		"clientDataJSON":    b64url.EncodeToString(s.ClientDataJSON),
		"authenticatorData": b64url.EncodeToString(s.AuthenticatorData),
		"signature":         b64url.EncodeToString(s.Signature),
	}
	if len(s.UserHandle) > 0 {
		resp["userHandle"] = b64url.EncodeToString(s.UserHandle)
	}
	return json.Marshal(map[string]any{
		"id":                      b64url.EncodeToString(a.credID),
		"rawId":                   b64url.EncodeToString(a.credID),
		"type":                    "public-key",
		"response":                resp,
		"clientExtensionResults":  map[string]any{},
		"authenticatorAttachment": "platform",
	})
}

// cbor writes the few CBOR (RFC 8949) items an attestation object and a
// COSE key need.
type cbor struct{ b []byte }

func (c *cbor) head(major byte, n uint64) {
	m := major << 5
	switch {
	case n < 24:
		c.b = append(c.b, m|byte(n))
	case n < 1<<8:
		c.b = append(c.b, m|24, byte(n))
	case n < 1<<16:
		c.b = binary.BigEndian.AppendUint16(append(c.b, m|25), uint16(n))
	default:
		c.b = binary.BigEndian.AppendUint32(append(c.b, m|26), uint32(n))
	}
}

func (c *cbor) int(v int64) {
	if v >= 0 {
		c.head(0, uint64(v))
	} else {
		c.head(1, uint64(-1-v))
	}
}

func (c *cbor) bytes(b []byte) { c.head(2, uint64(len(b))); c.b = append(c.b, b...) }
func (c *cbor) text(s string)  { c.head(3, uint64(len(s))); c.b = append(c.b, s...) }

// Package webauthn runs the browser ceremonies of the canvass office on top
// of github.com/go-webauthn/webauthn: registering a credential, signing in
// with one, and approving a two-person-rule request with one, where the
// assertion's challenge is SHA-256 of the approval text (auth.SignText) and
// the result is an auth.WebAuthnSignature anyone can check offline.
//
// Like package auth it does no HTTP and no storage: Begin methods return the
// options JSON for the browser (navigator.credentials.create/get, after
// decoding base64url fields, or PublicKeyCredential.parseCreationOptionsFromJSON)
// and an opaque session blob that the caller keeps on the server until the
// matching Finish call, which takes the browser's response JSON
// (PublicKeyCredential.toJSON()).
package webauthn

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/go-webauthn/webauthn/protocol"
	gowebauthn "github.com/go-webauthn/webauthn/webauthn"
)

// Config names the relying party: the office's host name and the origins its
// pages are served from.
type Config struct {
	RPID          string        // the office's host name, e.g. "office.example.gov"
	RPDisplayName string        // shown by the authenticator, e.g. "Mesa County canvass"
	Origins       []string      // e.g. ["https://office.example.gov"]
	Timeout       time.Duration // how long a ceremony may take; 0 means 5 minutes
	// LoginTimeout is how long a sign-in ceremony (BeginLogin) may take;
	// 0 means 2 minutes. It is shorter than Timeout because a sign-in
	// ceremony stands for a password already checked.
	LoginTimeout time.Duration
}

// DefaultLoginTimeout is the lifetime of a sign-in ceremony when
// Config.LoginTimeout is 0.
const DefaultLoginTimeout = 2 * time.Minute

// ErrCloned is the errors.Is target for an assertion whose signature
// counter did not increase over the stored one: two copies of the
// credential may exist (WebAuthn Level 3 §6.1.1), so it is refused.
var ErrCloned = errors.New("webauthn: the authenticator's signature counter did not increase; the credential may have been cloned")

// RP is a relying party that runs ceremonies. It is safe for concurrent use.
type RP struct {
	w            *gowebauthn.WebAuthn
	rpID         string
	loginTimeout time.Duration
}

// New returns an RP for c.
func New(c Config) (*RP, error) {
	if c.RPID == "" || len(c.Origins) == 0 {
		return nil, errors.New("webauthn: the relying party ID and at least one origin are required")
	}
	if c.RPDisplayName == "" {
		c.RPDisplayName = c.RPID
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	to := gowebauthn.TimeoutConfig{Enforce: true, Timeout: timeout, TimeoutUVD: timeout}
	w, err := gowebauthn.New(&gowebauthn.Config{
		RPID:          c.RPID,
		RPDisplayName: c.RPDisplayName,
		RPOrigins:     c.Origins,
		Timeouts:      gowebauthn.TimeoutsConfig{Login: to, Registration: to},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
	})
	if err != nil {
		return nil, fmt.Errorf("webauthn: %w", err)
	}
	lt := c.LoginTimeout
	if lt == 0 {
		lt = DefaultLoginTimeout
	}
	return &RP{w: w, rpID: c.RPID, loginTimeout: lt}, nil
}

// RPID returns the relying party ID, which the log records beside each
// WebAuthn approval so that it can be checked offline.
func (rp *RP) RPID() string { return rp.rpID }

// User is a person as the ceremonies see them.
type User struct {
	// ID is the WebAuthn user handle: a stable random value of at most 64
	// bytes, not the user name (WebAuthn §14.6.1).
	ID          []byte
	Name        string
	DisplayName string
	Credentials []Credential // the person's registered credentials
}

// Credential is a registered credential as the caller stores it.
type Credential struct {
	ID        []byte // credential ID
	PublicKey []byte // COSE_Key, what auth.VerifyWebAuthnSignature needs
	// Record is the library's full credential record (JSON: signature
	// counter, backup flags, transports). Store it and pass it back; Finish
	// calls return an updated one to store.
	Record []byte
}

// user adapts User to the library's interface.
type user struct {
	u     User
	creds []gowebauthn.Credential
}

func newUser(u User) (*user, error) {
	if len(u.ID) == 0 || len(u.ID) > 64 {
		return nil, errors.New("webauthn: user ID must be 1 to 64 bytes")
	}
	a := &user{u: u}
	for _, c := range u.Credentials {
		var lc gowebauthn.Credential
		if len(c.Record) > 0 {
			if err := json.Unmarshal(c.Record, &lc); err != nil {
				return nil, fmt.Errorf("webauthn: stored credential record: %w", err)
			}
			if !bytes.Equal(lc.ID, c.ID) || !bytes.Equal(lc.PublicKey, c.PublicKey) {
				return nil, errors.New("webauthn: stored credential record does not match its ID and public key")
			}
		} else {
			lc = gowebauthn.Credential{ID: c.ID, PublicKey: c.PublicKey}
		}
		a.creds = append(a.creds, lc)
	}
	return a, nil
}

func (a *user) WebAuthnID() []byte                           { return a.u.ID }
func (a *user) WebAuthnName() string                         { return a.u.Name }
func (a *user) WebAuthnDisplayName() string                  { return a.u.DisplayName }
func (a *user) WebAuthnCredentials() []gowebauthn.Credential { return a.creds }

func toCredential(lc *gowebauthn.Credential) (Credential, error) {
	rec, err := json.Marshal(lc)
	if err != nil {
		return Credential{}, fmt.Errorf("webauthn: encoding credential record: %w", err)
	}
	return Credential{ID: lc.ID, PublicKey: lc.PublicKey, Record: rec}, nil
}

func encodeSession(s *gowebauthn.SessionData) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("webauthn: encoding session: %w", err)
	}
	return b, nil
}

func decodeSession(b []byte) (gowebauthn.SessionData, error) {
	var s gowebauthn.SessionData
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("webauthn: ceremony session data: %w", err)
	}
	return s, nil
}

// BeginRegistration starts registering a new credential for u, asking for
// user verification (PIN or biometric) and no attestation, and excluding the
// credentials u already has.
func (rp *RP) BeginRegistration(u User) (optionsJSON, session []byte, err error) {
	a, err := newUser(u)
	if err != nil {
		return nil, nil, err
	}
	var excl []protocol.CredentialDescriptor
	for _, c := range a.creds {
		excl = append(excl, c.Descriptor())
	}
	opts, s, err := rp.w.BeginRegistration(a, gowebauthn.WithExclusions(excl))
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: begin registration: %w", err)
	}
	if optionsJSON, err = json.Marshal(opts); err != nil {
		return nil, nil, fmt.Errorf("webauthn: encoding options: %w", err)
	}
	if session, err = encodeSession(s); err != nil {
		return nil, nil, err
	}
	return optionsJSON, session, nil
}

// FinishRegistration checks the browser's response to BeginRegistration and
// returns the new credential to store.
func (rp *RP) FinishRegistration(u User, session, responseJSON []byte) (Credential, error) {
	a, err := newUser(u)
	if err != nil {
		return Credential{}, err
	}
	s, err := decodeSession(session)
	if err != nil {
		return Credential{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(responseJSON)
	if err != nil {
		return Credential{}, fmt.Errorf("webauthn: registration response: %w", describe(err))
	}
	lc, err := rp.w.CreateCredential(a, s, parsed)
	if err != nil {
		return Credential{}, fmt.Errorf("webauthn: registration refused: %w", describe(err))
	}
	return toCredential(lc)
}

// BeginLogin starts a sign-in with one of u's credentials over a random
// challenge. The options ask the browser to give up after the login
// timeout, and the library refuses the session after it too.
func (rp *RP) BeginLogin(u User) (optionsJSON, session []byte, err error) {
	ms := int(rp.loginTimeout.Milliseconds())
	return rp.beginAssertion(u, func(o *protocol.PublicKeyCredentialRequestOptions) error {
		o.Timeout = ms
		return nil
	})
}

// LoginTimeout returns how long a sign-in ceremony may take.
func (rp *RP) LoginTimeout() time.Duration { return rp.loginTimeout }

// FinishLogin checks the browser's response to BeginLogin and returns the
// credential used, with an updated Record to store.
func (rp *RP) FinishLogin(u User, session, responseJSON []byte) (Credential, error) {
	c, _, err := rp.finishAssertion(u, session, responseJSON)
	return c, err
}

// BeginApproval starts an assertion by one of u's credentials whose challenge
// is SHA-256(text), text being the auth.SignText of the request approved.
func (rp *RP) BeginApproval(u User, text string) (optionsJSON, session []byte, err error) {
	ch := auth.WebAuthnChallenge(text)
	return rp.beginAssertion(u, gowebauthn.WithChallenge(ch[:]))
}

// FinishApproval checks the browser's response to BeginApproval for text and
// returns the signature to record in the log, and the credential used with an
// updated Record to store. The signature is also checked as a verifier will
// check it later, with auth.VerifyWebAuthnSignature.
func (rp *RP) FinishApproval(u User, text string, session, responseJSON []byte) (auth.WebAuthnSignature, Credential, error) {
	s, err := decodeSession(session)
	if err != nil {
		return auth.WebAuthnSignature{}, Credential{}, err
	}
	want := auth.WebAuthnChallenge(text)
	if got, err := base64.RawURLEncoding.DecodeString(s.Challenge); err != nil || !bytes.Equal(got, want[:]) {
		return auth.WebAuthnSignature{}, Credential{}, errors.New("webauthn: this ceremony was not begun for this approval text")
	}
	c, parsed, err := rp.finishAssertion(u, session, responseJSON)
	if err != nil {
		return auth.WebAuthnSignature{}, Credential{}, err
	}
	r := parsed.Raw.AssertionResponse
	sig := auth.WebAuthnSignature{
		CredentialID:      parsed.RawID,
		AuthenticatorData: r.AuthenticatorData,
		ClientDataJSON:    r.ClientDataJSON,
		Signature:         r.Signature,
		UserHandle:        r.UserHandle,
	}
	if err := auth.VerifyWebAuthnSignature(sig, text, c.PublicKey, rp.rpID); err != nil {
		return auth.WebAuthnSignature{}, Credential{}, err
	}
	return sig, c, nil
}

func (rp *RP) beginAssertion(u User, opts ...gowebauthn.LoginOption) (optionsJSON, session []byte, err error) {
	a, err := newUser(u)
	if err != nil {
		return nil, nil, err
	}
	if len(a.creds) == 0 {
		return nil, nil, errors.New("webauthn: the user has no registered credential; register one first")
	}
	opts = append(opts, gowebauthn.WithUserVerification(protocol.VerificationRequired))
	o, s, err := rp.w.BeginLogin(a, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: begin assertion: %w", err)
	}
	if optionsJSON, err = json.Marshal(o); err != nil {
		return nil, nil, fmt.Errorf("webauthn: encoding options: %w", err)
	}
	if session, err = encodeSession(s); err != nil {
		return nil, nil, err
	}
	return optionsJSON, session, nil
}

func (rp *RP) finishAssertion(u User, session, responseJSON []byte) (Credential, *protocol.ParsedCredentialAssertionData, error) {
	a, err := newUser(u)
	if err != nil {
		return Credential{}, nil, err
	}
	s, err := decodeSession(session)
	if err != nil {
		return Credential{}, nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(responseJSON)
	if err != nil {
		return Credential{}, nil, fmt.Errorf("webauthn: assertion response: %w", describe(err))
	}
	lc, err := rp.w.ValidateLogin(a, s, parsed)
	if err != nil {
		return Credential{}, nil, fmt.Errorf("webauthn: assertion refused: %w", describe(err))
	}
	if lc.Authenticator.CloneWarning {
		return Credential{}, nil, ErrCloned
	}
	c, err := toCredential(lc)
	return c, parsed, err
}

// describe adds the library's detail message, which its Error omits.
func describe(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w (%s)", err, pe.DevInfo)
	}
	return err
}

package office

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/store"
)

// Signing in with a security key. A person whose personal signing key is
// a WebAuthn credential (registered at enrollment) may use that same
// credential instead of a TOTP code as the second factor: password first
// (LoginWebAuthnBegin), then an assertion over a random challenge
// (LoginWebAuthnFinish). There is no separate "sign-in key": one
// credential serves both purposes, so no account change beyond
// enrollment is needed, and a person with a signed-note key signs in with
// TOTP as before.
//
// LoginWebAuthnBegin must not become a password oracle that skips the
// second factor, nor reveal which accounts exist or have a security key
// (POST /api/v1/login reveals neither). So it answers assertion options
// whatever the password: for a wrong password, an unknown or disabled
// account, or one without a security key, the options look like real
// ones (the account's real credential id if it has one, else a decoy id
// derived from the user name with a key only the office holds) but no
// ceremony is started, and LoginWebAuthnFinish refuses any answer. Only a
// locked account is told apart (429), as /login does.

// ceremonyLogin marks a sign-in ceremony in secret.WebAuthnFor (request
// ids start with "r-", so it cannot be mistaken for an approval).
const ceremonyLogin = "login"

// loginCeremony is what secret.WebAuthnSession holds for a sign-in
// ceremony: when it started, by the office's clock, and the library's
// session data.
type loginCeremony struct {
	Started time.Time `json:"started"`
	Session []byte    `json:"session"`
}

// WebAuthnEnabled reports whether the office offers security keys (so
// the sign-in page offers "Sign in with a security key").
func (o *Office) WebAuthnEnabled() bool { return o.wa.Load() != nil }

// loginFailure logs a failed sign-in attempt and returns the answer the
// caller gives: 429 while locked, else the one 401 every failure gets.
func (o *Office) loginFailure(ctx context.Context, name, reason, addr string) error {
	p := map[string]any{"username": name, "reason": reason}
	if name == "" {
		p["username"] = "(empty)"
	}
	if addr != "" {
		p["address"] = addr
	}
	if _, err := o.commit(ctx, ledger.Event{Type: "login-failure", Disposition: "failure", Payload: p}); err != nil {
		return err
	}
	if reason == "locked" {
		return errf(http.StatusTooManyRequests, "", "too many failed attempts; the account is locked for a while")
	}
	return errUnauthenticated
}

// decoyCredential returns a credential id for name that is stable across
// calls and restarts but means nothing: HMAC-SHA-256 of the name under a
// key derived from the office's seal key, which never leaves DIR/keys/.
func (o *Office) decoyCredential(name string) []byte {
	m := hmac.New(sha256.New, o.decoyKey)
	m.Write([]byte("canvass webauthn decoy credential v1\x00"))
	m.Write([]byte(name))
	return m.Sum(nil)
}

// loginOptions returns assertion options for name's credential (or a
// decoy) and the session to keep. Transports are left
// out of allowCredentials (they are hints only), so that real and decoy
// options have the same shape.
func loginOptions(rp *webauthn.RP, name string, credID, handle []byte) (opts, session []byte, err error) {
	return rp.BeginLogin(webauthn.User{ID: handle, Name: name, DisplayName: name,
		Credentials: []webauthn.Credential{{ID: credID}}})
}

// LoginWebAuthnBegin is the first step of signing in with a security key:
// it checks name's password, with the same throttling, lockout and
// login-failure events as Login, and answers the options for
// navigator.credentials.get (JSON). A ceremony starts only if the password
// is right and the account is active with a security key; see above for
// why the answer looks the same otherwise.
func (o *Office) LoginWebAuthnBegin(ctx context.Context, name, password, addr string) (json.RawMessage, error) {
	rp, err := o.relyingParty()
	if err != nil {
		return nil, err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	decoy := func(reason string) (json.RawMessage, error) {
		if err := o.loginFailure(ctx, name, reason, addr); !errors.Is(err, errUnauthenticated) {
			return nil, err
		}
		id := o.decoyCredential(name)
		opts, _, err := loginOptions(rp, name, id, id)
		return opts, err
	}
	if len(name) > 256 || len(password) > auth.MaxPasswordBytes {
		return decoy("bad-credentials")
	}
	now := o.now()
	u, s, reason, err := o.checkPassword(ctx, name, password, now)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return decoy(reason)
	}
	if reason == "locked" {
		return nil, o.loginFailure(ctx, name, "locked", addr)
	}
	ok := reason == ""
	hasKey := u.WebAuthn != nil && len(s.WebAuthnHandle) > 0
	switch {
	case !ok:
		s.Throttle.Fail(now)
		if err := o.putSecret(ctx, name, s); err != nil {
			return nil, err
		}
		if !hasKey {
			return decoy("bad-credentials")
		}
		if err := o.loginFailure(ctx, name, "bad-credentials", addr); !errors.Is(err, errUnauthenticated) {
			return nil, err
		}
		opts, _, err := loginOptions(rp, name, u.WebAuthn.CredentialID, s.WebAuthnHandle)
		return opts, err
	case u.signInRefusal(now) != "":
		s.Throttle.Fail(now)
		if err := o.putSecret(ctx, name, s); err != nil {
			return nil, err
		}
		return decoy(u.signInRefusal(now))
	case !hasKey:
		// The password is right but there is no security key to ask
		// for: the attempt fails at the finish step, where it is logged.
		id := o.decoyCredential(name)
		opts, _, err := loginOptions(rp, name, id, id)
		return opts, err
	}
	opts, sess, err := loginOptions(rp, name, u.WebAuthn.CredentialID, s.WebAuthnHandle)
	if err != nil {
		return nil, err
	}
	c, err := json.Marshal(loginCeremony{Started: now, Session: sess})
	if err != nil {
		return nil, err
	}
	// The throttle is not reset here: only a complete sign-in resets it.
	s.WebAuthnSession, s.WebAuthnFor = c, ceremonyLogin
	if err := o.putSecret(ctx, name, s); err != nil {
		return nil, err
	}
	return opts, nil
}

// LoginWebAuthnFinish is the second step: it checks the browser's answer
// (PublicKeyCredential.toJSON()) to name's sign-in ceremony, which is
// used once and expires after the login timeout, checks and stores the
// credential's signature counter, and opens a session as Login does. A
// counter that does not increase (a cloned authenticator) is refused and
// logged with reason "cloned-authenticator"; every other failure is
// logged too and answered with the same 401.
func (o *Office) LoginWebAuthnFinish(ctx context.Context, name string, response []byte, addr string) (*Session, error) {
	rp, err := o.relyingParty()
	if err != nil {
		return nil, err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	fail := func(reason string) (*Session, error) { return nil, o.loginFailure(ctx, name, reason, addr) }
	if len(name) > 256 {
		return fail("bad-second-factor")
	}
	u, err := o.user(ctx, name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return fail("unknown-user")
	}
	s, err := o.secret(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return fail("disabled")
	} else if err != nil {
		return nil, err
	}
	now := o.now()
	if err := s.Throttle.Check(now); err != nil {
		return fail("locked")
	}
	if s.WebAuthnFor != ceremonyLogin || len(s.WebAuthnSession) == 0 {
		// Nothing was begun (or the password was wrong, or the ceremony
		// was used): no credential is checked, so the throttle is not
		// charged, but the attempt is logged.
		return fail("bad-second-factor")
	}
	var c loginCeremony
	cerr := json.Unmarshal(s.WebAuthnSession, &c)
	s.WebAuthnSession, s.WebAuthnFor = nil, "" // each ceremony is used once
	if cerr != nil || now.Before(c.Started) || now.Sub(c.Started) > rp.LoginTimeout() {
		if err := o.putSecret(ctx, name, s); err != nil {
			return nil, err
		}
		return fail("bad-second-factor")
	}
	if why := u.signInRefusal(now); why != "" || u.WebAuthn == nil {
		if err := o.putSecret(ctx, name, s); err != nil {
			return nil, err
		}
		if why == "" {
			why = "disabled"
		}
		return fail(why)
	}
	cred, err := rp.FinishLogin(webauthnUser(u, s), c.Session, response)
	if err != nil {
		s.Throttle.Fail(now)
		if perr := o.putSecret(ctx, name, s); perr != nil {
			return nil, perr
		}
		if errors.Is(err, webauthn.ErrCloned) {
			return fail("cloned-authenticator")
		}
		return fail("bad-second-factor")
	}
	s.WebAuthnRecord = cred.Record
	s.Throttle.Succeed()
	if err := o.putSecret(ctx, name, s); err != nil {
		return nil, err
	}
	return o.openSession(ctx, u, now, "password+webauthn", addr)
}

// openSession stores a new session for u and logs the login event.
func (o *Office) openSession(ctx context.Context, u *User, now time.Time, method, addr string) (*Session, error) {
	token, hash, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	if err := o.st.PutSession(ctx, store.Session{TokenHash: hash, User: u.Name, Created: now, LastSeen: now}); err != nil {
		return nil, err
	}
	p := map[string]any{"method": method, "session": sessionID(hash)}
	if addr != "" {
		p["address"] = addr
	}
	if _, err := o.commit(ctx, ledger.Event{Type: "login", UserID: u.Name, Payload: p}); err != nil {
		o.st.DeleteSession(ctx, hash)
		return nil, err
	}
	return &Session{Token: token, User: u}, nil
}

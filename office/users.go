package office

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/store"
)

// secret is a user's credential blob (store.PutSecret): never logged,
// never dumped.
type secret struct {
	// CodeHash is the hex SHA-256 of the one-time enrollment code, until
	// enrollment completes.
	CodeHash     string `json:"code_hash,omitempty"`
	PasswordHash string `json:"password_hash,omitempty"`
	// TOTPSealed is the TOTP seed sealed with the office's seal key and
	// the user name as additional data.
	TOTPSealed []byte `json:"totp_sealed,omitempty"`
	// PendingKey is the signing key given at enrollment, logged when the
	// enrollment is confirmed.
	PendingKey string `json:"pending_key,omitempty"`
	// PendingWebAuthn is a WebAuthn credential registered during
	// enrollment instead of a signed-note key, logged likewise.
	PendingWebAuthn *pendingCredential `json:"pending_webauthn,omitempty"`
	// WebAuthnHandle is the user's WebAuthn user handle (random).
	WebAuthnHandle []byte `json:"webauthn_handle,omitempty"`
	// WebAuthnRecord is the enrolled credential's record (signature
	// counter, flags), updated by every ceremony.
	WebAuthnRecord []byte `json:"webauthn_record,omitempty"`
	// WebAuthnSession is the server half of the ceremony under way, for
	// WebAuthnFor ("enroll" or a request id).
	WebAuthnSession []byte        `json:"webauthn_session,omitempty"`
	WebAuthnFor     string        `json:"webauthn_for,omitempty"`
	LastStep        int64         `json:"last_step"`
	Throttle        auth.Throttle `json:"throttle"`
}

func (o *Office) secret(ctx context.Context, user string) (*secret, error) {
	b, err := o.st.Secret(ctx, user)
	if err != nil {
		return nil, err
	}
	var s secret
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

func (o *Office) putSecret(ctx context.Context, user string, s *secret) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return o.st.PutSecret(ctx, user, b)
}

// checkCode compares an enrollment code with the stored hash in constant
// time.
func checkCode(s *secret, code string) bool {
	want, err := hex.DecodeString(s.CodeHash)
	if err != nil || len(want) != 32 {
		return false
	}
	got := auth.HashEnrollmentCode(code)
	return auth.EqualHash(got, [32]byte(want))
}

var errEnrollment = errf(http.StatusForbidden, "code", "the user name or enrollment code is wrong, or the account is already enrolled")

// pendingEnrollment returns the pending user and their secret if code is
// right, counting failures against the account.
func (o *Office) pendingEnrollment(ctx context.Context, name, code string) (*User, *secret, error) {
	u, err := o.user(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if u == nil || u.Status != "pending" || u.Disabled || u.expired(o.now()) {
		return nil, nil, errEnrollment
	}
	s, err := o.secret(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errEnrollment
	} else if err != nil {
		return nil, nil, err
	}
	now := o.now()
	if err := s.Throttle.Check(now); err != nil {
		return nil, nil, errf(http.StatusTooManyRequests, "code", "%v", err)
	}
	if !checkCode(s, code) {
		s.Throttle.Fail(now)
		if err := o.putSecret(ctx, name, s); err != nil {
			return nil, nil, err
		}
		return nil, nil, errEnrollment
	}
	return u, s, nil
}

// Enroll is the first enrollment step: with the one-time code, the user
// sets a password and registers a personal signing key; the answer is the
// otpauth URI of a new TOTP seed, confirmed by ConfirmEnrollment. Nothing
// is logged yet.
//
// signingKey may be empty if a WebAuthn credential was registered first
// (EnrollWebAuthnBegin, EnrollWebAuthnFinish); a key given replaces it.
func (o *Office) Enroll(ctx context.Context, name, code, password, signingKey string) (totpURI string, err error) {
	if signingKey == "" {
		// Allowed only with a registered WebAuthn credential, checked below.
	} else if _, err := auth.ParseVerifierKey(signingKey); err != nil {
		return "", badRequest("signing_key", "not a signed-note Ed25519 verifier key (name+hash+base64, as note.GenerateKey makes): %v", err)
	}
	if err := auth.CheckPassword(password, name, o.origin); err != nil {
		return "", badRequest("password", "%v", err)
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	_, s, err := o.pendingEnrollment(ctx, name, code)
	if err != nil {
		return "", err
	}
	if signingKey == "" && s.PendingWebAuthn == nil {
		return "", badRequest("signing_key", "give a signed-note Ed25519 verifier key, or first register a security key (POST /api/v1/enroll/webauthn/begin and finish)")
	}
	if signingKey != "" {
		if err := o.checkKeyFree(ctx, signingKey, name); err != nil {
			return "", err
		}
		s.PendingWebAuthn = nil
	}
	phc, err := auth.HashPasswordWith(o.argon2, password)
	if err != nil {
		return "", err
	}
	seed, err := auth.NewTOTPSecret()
	if err != nil {
		return "", err
	}
	s.PasswordHash, s.PendingKey, s.LastStep = phc, signingKey, -1
	s.TOTPSealed = o.sealer.Seal(seed, []byte(name))
	s.Throttle.Succeed()
	if err := o.putSecret(ctx, name, s); err != nil {
		return "", err
	}
	return auth.TOTPURI(o.origin, name, seed), nil
}

// ConfirmEnrollment completes enrollment with a first TOTP code: the
// account becomes active and its signing key is logged.
func (o *Office) ConfirmEnrollment(ctx context.Context, name, code, totp string) error {
	ctx, unlock := o.lock(ctx)
	defer unlock()
	_, s, err := o.pendingEnrollment(ctx, name, code)
	if err != nil {
		return err
	}
	if s.PasswordHash == "" || len(s.TOTPSealed) == 0 || (s.PendingKey == "" && s.PendingWebAuthn == nil) {
		return errf(http.StatusConflict, "", "set a password and signing key first (POST /api/v1/enroll)")
	}
	seed, err := o.sealer.Open(s.TOTPSealed, []byte(name))
	if err != nil {
		return err
	}
	step, err := auth.VerifyTOTP(seed, totp, o.now(), s.LastStep)
	if err != nil {
		s.Throttle.Fail(o.now())
		if perr := o.putSecret(ctx, name, s); perr != nil {
			return perr
		}
		return errf(http.StatusForbidden, "totp", "%v", err)
	}
	p := map[string]any{"subject": name}
	if c := s.PendingWebAuthn; c != nil && s.PendingKey == "" {
		if err := o.checkCredentialFree(ctx, c.ID, c.PublicKey, name); err != nil {
			return err
		}
		p["webauthn_credential_id"] = base64.StdEncoding.EncodeToString(c.ID)
		p["webauthn_public_key"] = base64.StdEncoding.EncodeToString(c.PublicKey)
		p["webauthn_rp_id"] = c.RPID
	} else {
		if err := o.checkKeyFree(ctx, s.PendingKey, name); err != nil {
			return err
		}
		p["signing_key"] = s.PendingKey
	}
	if _, err := o.commit(ctx, ledger.Event{Type: "user-enrolled", UserID: name, Payload: p}); err != nil {
		return err
	}
	// Only now, with the enrollment durable, is the code spent. commit
	// let other changes run while it waited, so the secret is read anew.
	if s, err = o.secret(ctx, name); err != nil {
		return err
	}
	if c := s.PendingWebAuthn; c != nil && s.PendingKey == "" {
		s.WebAuthnRecord = c.Record
	}
	s.CodeHash, s.PendingKey, s.PendingWebAuthn, s.LastStep = "", "", nil, max(step, s.LastStep)
	s.WebAuthnSession, s.WebAuthnFor = nil, ""
	s.Throttle.Succeed()
	return o.putSecret(ctx, name, s)
}

// checkKeyFree refuses a signing key registered to another account: one
// key under two accounts would let one person approve twice.
func (o *Office) checkKeyFree(ctx context.Context, key, name string) error {
	recs, err := o.st.ListKind(ctx, kindUser)
	if err != nil {
		return err
	}
	users := make([]User, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Data, &users[i]); err != nil {
			return err
		}
		if x := users[i]; x.SigningKey == key && x.Name != name {
			return errf(http.StatusConflict, "signing_key", "this signing key is registered to another account; every person registers their own key")
		}
	}
	if keyRevoked(users, key) {
		return errf(http.StatusConflict, "signing_key", "this signing key was revoked by an enrollment reset and cannot be registered again; generate a new key")
	}
	return nil
}

// dummyHash keeps a sign-in for an unknown user as slow as for a known
// one, so timing does not reveal which accounts exist.
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("canvass-not-a-real-password")
	if err != nil {
		panic(err)
	}
	return h
})

// Session is a signed-in user's session as the server hands it out.
type Session struct {
	Token string
	User  *User
}

// checkPassword is the first step of every sign-in, under the write
// lock: the account, its secrets, the throttle and the password. reason
// is "" when the password is right; otherwise it is the login-failure
// reason: "unknown-user" or "disabled" (no password to check; s is nil,
// and a dummy hash keeps the attempt as slow as a real one), "locked",
// or "bad-credentials" (s is set, for the caller to count the failure).
func (o *Office) checkPassword(ctx context.Context, name, password string, now time.Time) (u *User, s *secret, reason string, err error) {
	if u, err = o.user(ctx, name); err != nil {
		return nil, nil, "", err
	}
	if u != nil {
		if s, err = o.secret(ctx, name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, "", err
		}
	}
	if u == nil || s == nil || s.PasswordHash == "" {
		auth.VerifyPassword(dummyHash(), password)
		if u == nil {
			return nil, nil, "unknown-user", nil
		}
		return u, nil, "disabled", nil
	}
	if err := s.Throttle.Check(now); err != nil {
		return u, s, "locked", nil
	}
	ok, err := auth.VerifyPassword(s.PasswordHash, password)
	if err != nil {
		return nil, nil, "", err
	}
	if !ok {
		return u, s, "bad-credentials", nil
	}
	return u, s, "", nil
}

// signInRefusal says why u may not sign in at now ("disabled" or
// "expired"), or "" if they may: every way of signing in asks it.
func (u *User) signInRefusal(now time.Time) string {
	switch {
	case u.Status != "active" || u.Disabled:
		return "disabled"
	case u.expired(now):
		return "expired"
	}
	return ""
}

// Login checks a password and a TOTP code and opens a session. Every
// failure is logged as a login-failure event and answered the same way.
func (o *Office) Login(ctx context.Context, name, password, totp, addr string) (*Session, error) {
	ctx, unlock := o.lock(ctx)
	defer unlock()
	fail := func(reason string) (*Session, error) {
		p := map[string]any{"username": name, "reason": reason}
		if name == "" {
			p["username"] = "(empty)"
		}
		if addr != "" {
			p["address"] = addr
		}
		if _, err := o.commit(ctx, ledger.Event{Type: "login-failure", Disposition: "failure", Payload: p}); err != nil {
			return nil, err
		}
		if reason == "locked" {
			return nil, errf(http.StatusTooManyRequests, "", "too many failed attempts; the account is locked for a while")
		}
		return nil, errUnauthenticated
	}
	if len(name) > 256 || len(password) > auth.MaxPasswordBytes || len(totp) > 16 {
		return fail("bad-credentials")
	}
	now := o.now()
	u, s, reason, err := o.checkPassword(ctx, name, password, now)
	if err != nil {
		return nil, err
	}
	if s == nil || reason == "locked" {
		return fail(reason)
	}
	var step int64
	if reason == "" {
		reason = u.signInRefusal(now)
	}
	if reason == "" {
		seed, err := o.sealer.Open(s.TOTPSealed, []byte(name))
		if err != nil {
			return nil, err
		}
		if step, err = auth.VerifyTOTP(seed, totp, now, s.LastStep); err != nil {
			reason = "bad-second-factor"
		}
	}
	if reason != "" {
		s.Throttle.Fail(now)
		if err := o.putSecret(ctx, name, s); err != nil {
			return nil, err
		}
		return fail(reason)
	}
	s.LastStep = step
	s.Throttle.Succeed()
	if err := o.putSecret(ctx, name, s); err != nil {
		return nil, err
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	if err := o.st.PutSession(ctx, store.Session{TokenHash: hash, User: name, Created: now, LastSeen: now}); err != nil {
		return nil, err
	}
	p := map[string]any{"method": "password+totp", "session": sessionID(hash)}
	if addr != "" {
		p["address"] = addr
	}
	if _, err := o.commit(ctx, ledger.Event{Type: "login", UserID: name, Payload: p}); err != nil {
		o.st.DeleteSession(ctx, hash)
		return nil, err
	}
	return &Session{Token: token, User: u}, nil
}

// sessionID names a session in the log without revealing anything that
// could be used to take it over: a hash of the token's hash.
func sessionID(hash [32]byte) string {
	h := sha256.Sum256(hash[:])
	return hex.EncodeToString(h[:8])
}

// Authenticate returns the user of a session token, or an *Error with
// status 401 for a missing, forged, expired or ended session.
func (o *Office) Authenticate(ctx context.Context, token string) (*User, error) {
	hash, ok := auth.HashToken(token)
	if !ok {
		return nil, errUnauthenticated
	}
	s, err := o.st.Session(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthenticated
	} else if err != nil {
		return nil, err
	}
	now := o.now()
	if auth.SessionExpired(s.Created, s.LastSeen, now) {
		o.st.DeleteSession(ctx, hash)
		return nil, errUnauthenticated
	}
	u, err := o.user(ctx, s.User)
	if err != nil {
		return nil, err
	}
	if u == nil || u.signInRefusal(now) != "" {
		// Disabled, reset or expired since the session began: it ends now.
		o.st.DeleteSession(ctx, hash)
		return nil, errUnauthenticated
	}
	// Refresh the idle clock at most once a minute: fewer writes, same limit.
	if now.Sub(s.LastSeen) > time.Minute {
		s.LastSeen = now
		if err := o.st.PutSession(ctx, s); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Logout ends the session of token and logs it.
func (o *Office) Logout(ctx context.Context, token string) error {
	hash, ok := auth.HashToken(token)
	if !ok {
		return errUnauthenticated
	}
	s, err := o.st.Session(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return errUnauthenticated
	} else if err != nil {
		return err
	}
	if err := o.st.DeleteSession(ctx, hash); err != nil {
		return err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	_, err = o.commit(ctx, ledger.Event{Type: "logout", UserID: s.User,
		Payload: map[string]any{"reason": "user", "session": sessionID(hash)}})
	return err
}

// Users lists the accounts u may see.
func (o *Office) Users(ctx context.Context, u *User) ([]User, error) {
	recs, err := o.st.ListKind(ctx, kindUser)
	if err != nil {
		return nil, err
	}
	out := []User{}
	for _, r := range recs {
		var x User
		if err := json.Unmarshal(r.Data, &x); err != nil {
			return nil, err
		}
		if Allowed(u, ActReadUsers, x.Jurisdiction) {
			out = append(out, x)
		}
	}
	return out, nil
}

func validUserName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'))
		if !ok {
			return false
		}
	}
	return true
}

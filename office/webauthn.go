package office

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn"
)

// WebAuthn credentials as personal signing keys. A person registers one
// at enrollment instead of a signed-note key; its id, COSE public key and
// relying party ID are logged in the user-enrolled event, and each
// approval made with it is logged as an auth.WebAuthnSignature (JSON), so
// that anyone holding the log can check it offline with
// auth.VerifyWebAuthnSignature. The ceremonies' server halves (session
// data) and the credential's signature counter are kept among the
// secrets, never in the log.

// pendingCredential is a WebAuthn credential registered during
// enrollment, kept among the secrets until the enrollment is confirmed.
type pendingCredential struct {
	ID        []byte `json:"id"`
	PublicKey []byte `json:"public_key"`
	RPID      string `json:"rp_id"`
	Record    []byte `json:"record"`
}

// ceremonyEnroll marks a registration ceremony in secret.WebAuthnFor;
// an approval ceremony is marked with its request id.
const ceremonyEnroll = "enroll"

// EnableWebAuthn lets people register WebAuthn credentials as their
// personal signing keys and approve requests with them. c names the
// relying party: the host name and the origins the pages are served from.
func (o *Office) EnableWebAuthn(c webauthn.Config) error {
	rp, err := webauthn.New(c)
	if err != nil {
		return err
	}
	o.wa.Store(rp)
	return nil
}

func (o *Office) relyingParty() (*webauthn.RP, error) {
	rp := o.wa.Load()
	if rp == nil {
		return nil, errf(http.StatusNotImplemented, "", "this office does not offer WebAuthn: it was started without a web origin for security keys")
	}
	return rp, nil
}

// EnrollWebAuthnBegin starts registering a WebAuthn credential as the
// personal signing key of name, pending enrollment with code. It returns
// the options for navigator.credentials.create (JSON).
func (o *Office) EnrollWebAuthnBegin(ctx context.Context, name, code string) (json.RawMessage, error) {
	rp, err := o.relyingParty()
	if err != nil {
		return nil, err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	_, s, err := o.pendingEnrollment(ctx, name, code)
	if err != nil {
		return nil, err
	}
	if len(s.WebAuthnHandle) == 0 {
		s.WebAuthnHandle = make([]byte, 32)
		if _, err := rand.Read(s.WebAuthnHandle); err != nil {
			return nil, err
		}
	}
	opts, sess, err := rp.BeginRegistration(webauthn.User{ID: s.WebAuthnHandle, Name: name, DisplayName: name})
	if err != nil {
		return nil, err
	}
	s.WebAuthnSession, s.WebAuthnFor = sess, ceremonyEnroll
	if err := o.putSecret(ctx, name, s); err != nil {
		return nil, err
	}
	return opts, nil
}

// EnrollWebAuthnFinish checks the browser's answer to EnrollWebAuthnBegin
// (PublicKeyCredential.toJSON()) and keeps the credential as name's
// signing key, replacing a signed-note key given before. Enroll (with an
// empty signing key) and ConfirmEnrollment follow; the credential is
// logged when the enrollment is confirmed.
func (o *Office) EnrollWebAuthnFinish(ctx context.Context, name, code string, response []byte) error {
	rp, err := o.relyingParty()
	if err != nil {
		return err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	_, s, err := o.pendingEnrollment(ctx, name, code)
	if err != nil {
		return err
	}
	if s.WebAuthnFor != ceremonyEnroll || len(s.WebAuthnSession) == 0 {
		return conflict("response", "no security key registration is under way; start with POST /api/v1/enroll/webauthn/begin")
	}
	sess := s.WebAuthnSession
	s.WebAuthnSession, s.WebAuthnFor = nil, "" // each ceremony is used once
	c, err := rp.FinishRegistration(webauthn.User{ID: s.WebAuthnHandle, Name: name, DisplayName: name}, sess, response)
	if err != nil {
		if perr := o.putSecret(ctx, name, s); perr != nil {
			return perr
		}
		return badRequest("response", "the security key's registration does not verify: %v", err)
	}
	if err := o.checkCredentialFree(ctx, c.ID, c.PublicKey, name); err != nil {
		return err
	}
	s.PendingWebAuthn = &pendingCredential{ID: c.ID, PublicKey: c.PublicKey, RPID: rp.RPID(), Record: c.Record}
	s.PendingKey = ""
	return o.putSecret(ctx, name, s)
}

// checkCredentialFree refuses a WebAuthn credential (by id or public key)
// registered to another account.
func (o *Office) checkCredentialFree(ctx context.Context, id, publicKey []byte, name string) error {
	users, err := o.st.ListKind(ctx, kindUser)
	if err != nil {
		return err
	}
	for _, r := range users {
		var x User
		if err := json.Unmarshal(r.Data, &x); err != nil {
			return err
		}
		if x.Name != name && x.WebAuthn != nil && (bytes.Equal(x.WebAuthn.CredentialID, id) || bytes.Equal(x.WebAuthn.PublicKeyCOSE, publicKey)) {
			return errf(http.StatusConflict, "response", "this security key is registered to another account; every person registers their own key")
		}
		if slices.Contains(x.RevokedKeys, "webauthn:"+base64.StdEncoding.EncodeToString(id)) {
			return errf(http.StatusConflict, "response", "this security key's credential was revoked by an enrollment reset; register a new credential")
		}
	}
	return nil
}

func webauthnUser(u *User, s *secret) webauthn.User {
	return webauthn.User{ID: s.WebAuthnHandle, Name: u.Name, DisplayName: u.Name,
		Credentials: []webauthn.Credential{{ID: u.WebAuthn.CredentialID, PublicKey: u.WebAuthn.PublicKeyCOSE, Record: s.WebAuthnRecord}}}
}

var errNotWebAuthn = conflict("", "your personal signing key is a signed-note key, not a security key: sign the request's sign_text as a signed note (POST /api/v1/requests/{id}/signatures)")

// ApproveWebAuthnBegin starts an approval of request id by u's WebAuthn
// credential: it returns the options for navigator.credentials.get
// (JSON), whose challenge is SHA-256 of the request's sign text.
func (o *Office) ApproveWebAuthnBegin(ctx context.Context, u *User, id string) (json.RawMessage, error) {
	rp, err := o.relyingParty()
	if err != nil {
		return nil, err
	}
	if u.WebAuthn == nil {
		return nil, errNotWebAuthn
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	v, err := o.requestView(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if v.Status != "pending" {
		return nil, conflict("id", "request %s is %s; only pending requests can be signed", id, v.Status)
	}
	s, err := o.secret(ctx, u.Name)
	if err != nil {
		return nil, err
	}
	opts, sess, err := rp.BeginApproval(webauthnUser(u, s), v.SignText)
	if err != nil {
		return nil, err
	}
	s.WebAuthnSession, s.WebAuthnFor = sess, id
	if err := o.putSecret(ctx, u.Name, s); err != nil {
		return nil, err
	}
	return opts, nil
}

// ApproveWebAuthnFinish checks the browser's answer to
// ApproveWebAuthnBegin and adds it to request id as u's signature, with
// the same rules as Sign: refusals are logged, and the second valid
// signature by a second person executes the action. The signature logged
// is the auth.WebAuthnSignature as JSON.
func (o *Office) ApproveWebAuthnFinish(ctx context.Context, u *User, id string, response []byte) (*RequestView, error) {
	rp, err := o.relyingParty()
	if err != nil {
		return nil, err
	}
	if u.WebAuthn == nil {
		return nil, errNotWebAuthn
	}
	return o.sign(ctx, u, id, func(q *Request) (string, error) {
		s, err := o.secret(ctx, u.Name)
		if err != nil {
			return "", err
		}
		// A request id never equals a ceremony marker, but the guard keeps a
		// sign-in or enrollment ceremony from ever standing for an approval.
		if s.WebAuthnFor != id || id == ceremonyLogin || id == ceremonyEnroll || len(s.WebAuthnSession) == 0 {
			return "", conflict("response", "no security key approval of request %s is under way; start with POST /api/v1/requests/%s/webauthn/begin", id, id)
		}
		sess := s.WebAuthnSession
		s.WebAuthnSession, s.WebAuthnFor = nil, "" // each ceremony is used once
		sig, cred, err := rp.FinishApproval(webauthnUser(u, s), q.SignText, sess, response)
		if err == nil {
			s.WebAuthnRecord = cred.Record
		}
		if perr := o.putSecret(ctx, u.Name, s); perr != nil {
			return "", perr
		}
		if err != nil {
			return "", errBadSignature
		}
		b, err := json.Marshal(sig)
		return string(b), err
	})
}

// errBadSignature from a sign verifier means the signature does not
// verify: the refusal is logged.
var errBadSignature = errors.New("bad signature")

// approvalOf is signer u's signature sig as auth.CheckTwoPerson takes it,
// with the key u registered at enrollment.
func approvalOf(u *User, sig string) auth.Approval {
	if u.WebAuthn == nil {
		return auth.Approval{Approver: u.Name, Note: sig, VerifierKey: u.SigningKey}
	}
	a := auth.Approval{Approver: u.Name, PublicKeyCOSE: u.WebAuthn.PublicKeyCOSE, RPID: u.WebAuthn.RPID}
	if ws, err := auth.ParseWebAuthnSignature([]byte(sig)); err == nil {
		a.WebAuthn = &ws
	}
	return a
}

package office

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/store"
	"golang.org/x/mod/sumdb/note"
)

// The actions of two-person requests. Each is stored and signed as
// canonical JSON (ledger.Canonicalize): sorted keys, no spaces.

type userAction struct {
	Name         string   `json:"name"`
	Roles        []string `json:"roles"`
	Jurisdiction string   `json:"jurisdiction"`
	Party        string   `json:"party,omitempty"`
	// ExpiresIn (a Go duration, counted from the execution) or Expires
	// (RFC 3339, UTC) make the account a time-boxed emergency account.
	ExpiresIn string `json:"expires_in,omitempty"`
	Expires   string `json:"expires,omitempty"`
}

type publicationAction struct {
	Election   string `json:"election"`
	Tabulation string `json:"tabulation"`
}

type modeAction struct {
	Election string `json:"election"`
	Mode     string `json:"mode"`
}

type withdrawalAction struct {
	Election string `json:"election"`
	File     string `json:"file"`
}

type installAction struct {
	Component string `json:"component"`
	Version   string `json:"version"`
	NewSHA256 string `json:"new_sha256"`
	OldSHA256 string `json:"old_sha256,omitempty"`
}

// RequestView is a request as the API shows it.
type RequestView struct {
	ID           string          `json:"id"`
	Kind         string          `json:"kind"`
	RequestedBy  string          `json:"requested_by"`
	Jurisdiction string          `json:"jurisdiction"`
	Status       string          `json:"status"`
	Action       json.RawMessage `json:"action"`
	ActionSHA256 string          `json:"action_sha256"`
	SignText     string          `json:"sign_text"`
	Signatures   []Signature     `json:"signatures"`
	// Result is what the executed action produced, shown to the
	// requester only (a new user's enrollment code).
	Result map[string]string `json:"result,omitempty"`
}

// resultKey is where a request's private result is kept, sealed, among
// the secrets: it must not be logged (an enrollment code).
func resultKey(id string) string { return "request-result/" + id }

// newRequest logs a request of kind for action in jurisdiction. The caller
// holds the write lock (Office.lock) and has authorized and validated it.
func (o *Office) newRequest(ctx context.Context, u *User, kind, jurisdiction string, action any) (*RequestView, error) {
	raw, err := json.Marshal(action)
	if err != nil {
		return nil, err
	}
	canon, err := ledger.Canonicalize(raw)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canon)
	id := newID("r-")
	text := auth.SignText(o.origin, id, kind, sum)
	if _, err := o.commit(ctx, ledger.Event{Type: "request-created", UserID: u.Name, Payload: map[string]any{
		"request": id, "kind": kind, "jurisdiction": jurisdiction, "action": string(canon),
		"action_sha256": hex.EncodeToString(sum[:]), "sign_text": text,
	}}); err != nil {
		return nil, err
	}
	return o.requestView(ctx, u, id)
}

func (o *Office) request(ctx context.Context, id string) (*Request, error) {
	var q Request
	if err := getJSON(ctx, o.st, kindRequest, id, &q); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("id", "no request %q", id)
		}
		return nil, err
	}
	return &q, nil
}

// Request returns request id as u may see it.
func (o *Office) Request(ctx context.Context, u *User, id string) (*RequestView, error) {
	return o.requestView(ctx, u, id)
}

func (o *Office) requestView(ctx context.Context, u *User, id string) (*RequestView, error) {
	q, err := o.request(ctx, id)
	if err != nil {
		return nil, err
	}
	if !Allowed(u, ActReadRequests, q.Jurisdiction) && q.RequestedBy != u.Name {
		return nil, forbidden("your roles or jurisdiction do not allow reading this request")
	}
	v := &RequestView{ID: q.ID, Kind: q.Kind, RequestedBy: q.RequestedBy, Jurisdiction: q.Jurisdiction,
		Status: q.Status, Action: json.RawMessage(q.Action), ActionSHA256: q.ActionSHA256,
		SignText: q.SignText, Signatures: q.Signatures}
	if q.Status == "done" && q.RequestedBy == u.Name {
		if b, err := o.st.Secret(ctx, resultKey(id)); err == nil {
			if plain, err := o.sealer.Open(b, []byte(resultKey(id))); err == nil {
				json.Unmarshal(plain, &v.Result)
			}
		}
	}
	return v, nil
}

// Requests lists the requests u may see, optionally only pending ones.
func (o *Office) Requests(ctx context.Context, u *User, pendingOnly bool) ([]RequestView, error) {
	recs, err := o.st.ListKind(ctx, kindRequest)
	if err != nil {
		return nil, err
	}
	out := []RequestView{}
	for _, r := range recs {
		var q Request
		if err := json.Unmarshal(r.Data, &q); err != nil {
			return nil, err
		}
		if pendingOnly && q.Status != "pending" {
			continue
		}
		if !Allowed(u, ActReadRequests, q.Jurisdiction) {
			continue
		}
		out = append(out, RequestView{ID: q.ID, Kind: q.Kind, RequestedBy: q.RequestedBy, Jurisdiction: q.Jurisdiction,
			Status: q.Status, Action: json.RawMessage(q.Action), ActionSHA256: q.ActionSHA256, SignText: q.SignText,
			Signatures: q.Signatures})
	}
	return out, nil
}

// refuse logs a refused signature and returns the 403 to answer.
func (o *Office) refuse(ctx context.Context, u *User, id, reason, msg string) error {
	if _, err := o.commit(ctx, ledger.Event{Type: "request-refused", UserID: u.Name, Disposition: "failure",
		Payload: map[string]any{"request": id, "signer": u.Name, "reason": reason}}); err != nil {
		return err
	}
	return forbidden("%s", msg)
}

// Sign adds u's signature to request id. signature must be the request's
// sign text as a signed note, signed by u's registered key. With the
// second valid signature by a second person the action executes. People
// whose signing key is a WebAuthn credential sign with
// ApproveWebAuthnBegin and ApproveWebAuthnFinish instead.
func (o *Office) Sign(ctx context.Context, u *User, id, signature string) (*RequestView, error) {
	if len(signature) > 4096 {
		return nil, badRequest("signature", "a signed note of at most 4096 bytes")
	}
	if _, err := note.Open([]byte(signature), note.VerifierList()); err != nil {
		// With no verifiers, a well-formed note fails only for want of
		// one; anything else is malformed.
		var unk *note.UnknownVerifierError
		var unv *note.UnverifiedNoteError
		if !errors.As(err, &unk) && !errors.As(err, &unv) {
			return nil, badRequest("signature", "not a signed note (the sign text, a blank line, then signature lines): %v", err)
		}
	}
	return o.sign(ctx, u, id, func(q *Request) (string, error) {
		if err := auth.VerifyNoteSignature(signature, q.SignText, u.SigningKey); err != nil {
			return "", errBadSignature
		}
		return signature, nil
	})
}

// sign adds u's signature to request id once the checks common to every
// kind of key pass: verify checks it against u's registered key and
// returns the signature to log, or errBadSignature (a refusal, logged).
func (o *Office) sign(ctx context.Context, u *User, id string, verify func(q *Request) (string, error)) (*RequestView, error) {
	ctx, unlock := o.lock(ctx)
	defer unlock()
	q, err := o.request(ctx, id)
	if err != nil {
		return nil, err
	}
	if q.Status != "pending" {
		return nil, conflict("id", "request %s is %s; only pending requests can be signed", id, q.Status)
	}
	// The caller's account as it is now, under the lock: it may have been
	// disabled, reset, expired or changed since the session was checked.
	fresh, err := o.user(ctx, u.Name)
	if err != nil {
		return nil, err
	}
	if fresh == nil || fresh.signInRefusal(o.now()) != "" || fresh.SigningKey != u.SigningKey {
		return nil, o.refuse(ctx, u, id, "not-allowed", "your account is not active (disabled, reset or expired) or changed since you signed in; the refusal is logged")
	}
	u = fresh
	if !Allowed(u, requestKinds[q.Kind], q.Jurisdiction) {
		return nil, o.refuse(ctx, u, id, "not-allowed", "your roles or jurisdiction do not allow approving a "+q.Kind+" request; the refusal is logged")
	}
	if slices.ContainsFunc(q.Signatures, func(s Signature) bool { return s.Signer == u.Name }) {
		return nil, o.refuse(ctx, u, id, "same-person", "you have already signed this request; a second person must sign; the refusal is logged")
	}
	signature, err := verify(q)
	if errors.Is(err, errBadSignature) {
		return nil, o.refuse(ctx, u, id, "bad-signature", "the signature is not the request's sign text signed by your registered key; the refusal is logged")
	} else if err != nil {
		return nil, err
	}
	if len(q.Signatures) == 0 {
		if _, err := o.commit(ctx, ledger.Event{Type: "request-signed", UserID: u.Name,
			Payload: map[string]any{"request": id, "signer": u.Name, "signature": signature}}); err != nil {
			return nil, err
		}
		return o.requestView(ctx, u, id)
	}
	// The two approvals must verify as a set by two people with two
	// different keys: one key registered for two accounts is one person.
	first, err := o.user(ctx, q.Signatures[0].Signer)
	if err != nil {
		return nil, err
	}
	if first == nil {
		return nil, fmt.Errorf("request %s: first signer %q has no account", id, q.Signatures[0].Signer)
	}
	// The first approval counts only if its signer may still approve:
	// an account disabled, reset, expired or stripped of the approving
	// role since it signed no longer vouches for anything.
	if !Allowed(first, requestKinds[q.Kind], q.Jurisdiction) || first.expired(o.now()) {
		return nil, o.cannotExecute(ctx, u, q, "the first signer "+first.Name+" may no longer approve it")
	}
	if err := auth.CheckTwoPerson([]auth.Approval{
		approvalOf(first, q.Signatures[0].Signature), approvalOf(u, signature),
	}, q.SignText); err != nil {
		return nil, o.refuse(ctx, u, id, "same-person", "the two approvals are not by two different people with two different keys; the refusal is logged")
	}
	if err := o.execute(ctx, u, q, signature); err != nil {
		return nil, err
	}
	return o.requestView(ctx, u, id)
}

// execute carries out q with its first signature and u's: it prepares
// what the action needs outside the log (a new user's enrollment code, a
// publication's files), then logs request-executed, which applies it.
func (o *Office) execute(ctx context.Context, u *User, q *Request, signature string) error {
	signers := []any{q.Signatures[0].Signer, u.Name}
	sigs := []any{q.Signatures[0].Signature, signature}
	p := map[string]any{"request": q.ID, "kind": q.Kind, "action_sha256": q.ActionSHA256,
		"signers": signers, "signatures": sigs}
	var result map[string]string
	switch q.Kind {
	case KindUsers:
		var a userAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return err
		}
		if x, err := o.user(ctx, a.Name); err != nil {
			return err
		} else if x != nil {
			return o.cannotExecute(ctx, u, q, "user "+a.Name+" exists now")
		}
		if a.Expires != "" {
			if t, err := time.Parse(time.RFC3339, a.Expires); err != nil || !o.now().Before(t) {
				return o.cannotExecute(ctx, u, q, "the emergency account's end "+a.Expires+" has passed")
			}
		}
		code, hash, err := auth.NewEnrollmentCode()
		if err != nil {
			return err
		}
		if err := o.putSecret(ctx, a.Name, &secret{CodeHash: hex.EncodeToString(hash[:])}); err != nil {
			return err
		}
		result = map[string]string{"enrollment_code": code}
	case KindPublication:
		var a publicationAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return err
		}
		files, index, err := o.buildSnapshot(ctx, a)
		if err != nil {
			return err
		}
		p["files"] = filesVal(files)
		if index != nil {
			p["file_index"] = fileVal(*index)
		}
	case KindElectionMode, KindFileWithdrawal, KindSoftware:
		// Validated when requested; the projection applies them.
	case KindUserChange, KindUserReset:
		r, err := o.executeUserRequest(ctx, u, q)
		if err != nil {
			return err
		}
		result = r
	case KindRulesChange:
		return o.executeRulesChange(ctx, u, q, p)
	case KindAuditSeed, KindAuditReopen, KindAuditUnfinalize, KindAuditUndoRound, KindAuditFullHandCount:
		if err := o.checkAuditRequest(ctx, q); err != nil {
			if oe, ok := err.(*Error); ok && oe.Status == http.StatusConflict {
				return o.cannotExecute(ctx, u, q, oe.Msg)
			}
			return err
		}
	default:
		return errf(http.StatusNotImplemented, "kind", "requests of kind %q cannot execute", q.Kind)
	}
	if result != nil {
		// Sealed before the event, so that a crash cannot lose the code of
		// an account the log already holds.
		b, _ := json.Marshal(result)
		if err := o.st.PutSecret(ctx, resultKey(q.ID), o.sealer.Seal(b, []byte(resultKey(q.ID)))); err != nil {
			return err
		}
	}
	_, err := o.commit(ctx, ledger.Event{Type: "request-executed", UserID: u.Name, Payload: p})
	if err == nil && (q.Kind == KindUserChange || q.Kind == KindUserReset) {
		o.afterUserRequest(ctx, q)
	}
	if q.Kind == KindAuditUndoRound {
		// The undone round's boards are gone; the same sample drawn again
		// would otherwise find their cached assignment.
		var x undoAction
		json.Unmarshal([]byte(q.Action), &x)
		o.forgetAssignments(x.Audit)
		if err == nil {
			err = o.publishAudit(ctx, u, x.Audit, "round-undone", x.Round)
		}
	}
	if err == nil && q.Kind == KindAuditFullHandCount {
		var x handCountAction
		json.Unmarshal([]byte(q.Action), &x)
		err = o.publishAudit(ctx, u, x.Audit, "full-hand-count", 0)
	}
	if err == nil && q.Kind == KindAuditSeed {
		err = o.afterAuditSeed(ctx, u, q)
	}
	if q.Kind == KindPublication {
		var a publicationAction
		json.Unmarshal([]byte(q.Action), &a)
		o.forgetCurrent(a.Election)
	}
	return err
}

// cannotExecute ends a request whose action can no longer be carried out
// (its preconditions changed since it was made): logged, status refused.
func (o *Office) cannotExecute(ctx context.Context, u *User, q *Request, why string) error {
	if _, err := o.commit(ctx, ledger.Event{Type: "request-refused", UserID: u.Name, Disposition: "failure",
		Description: why, Payload: map[string]any{"request": q.ID, "signer": u.Name, "reason": "cannot-execute"}}); err != nil {
		return err
	}
	return conflict("id", "request %s can no longer execute (%s); it is refused — make a new request", q.ID, why)
}

// RequestUser asks for a new account; it executes when two
// administrators have signed. jurisdiction "" means the requester's.
func (o *Office) RequestUser(ctx context.Context, u *User, name string, roles []string, jurisdiction string) (*RequestView, error) {
	return o.RequestNewUser(ctx, u, NewUser{Name: name, Roles: roles, Jurisdiction: jurisdiction})
}

// RequestNewUser asks for a new account, optionally with a party and,
// for emergency access, an expiry; it executes when two administrators
// have signed.
func (o *Office) RequestNewUser(ctx context.Context, u *User, n NewUser) (*RequestView, error) {
	// Authorize before validating, so that who may not act learns nothing.
	if !Allowed(u, ActRequestUser, u.Jurisdiction) {
		return nil, forbidden("your roles do not allow creating users")
	}
	jurisdiction := n.Jurisdiction
	if jurisdiction == "" {
		jurisdiction = u.Jurisdiction
	}
	if !validUserName(n.Name) {
		return nil, badRequest("name", "use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	sorted, err := checkRoles(n.Roles)
	if err != nil {
		return nil, err
	}
	if !validJurisdiction(jurisdiction) {
		return nil, badRequest("jurisdiction", "%q is not a jurisdiction: \"state\" or \"state/<county>\"", jurisdiction)
	}
	if err := checkParty(n.Party); err != nil {
		return nil, err
	}
	expiresIn, expires, err := o.checkExpiry(n.ExpiresIn, n.Expires)
	if err != nil {
		return nil, err
	}
	if !Allowed(u, ActRequestUser, jurisdiction) {
		return nil, forbidden("your roles or jurisdiction do not allow creating users in %s", jurisdiction)
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if x, err := o.user(ctx, n.Name); err != nil {
		return nil, err
	} else if x != nil {
		return nil, conflict("name", "user %q already exists", n.Name)
	}
	return o.newRequest(ctx, u, KindUsers, jurisdiction, userAction{Name: n.Name, Roles: sorted, Jurisdiction: jurisdiction,
		Party: n.Party, ExpiresIn: expiresIn, Expires: expires})
}

// RequestInstall asks to record a software install (a trusted build).
func (o *Office) RequestInstall(ctx context.Context, u *User, component, version, newSHA, oldSHA string) (*RequestView, error) {
	if !Allowed(u, ActRequestInstall, StateJurisdiction) {
		return nil, forbidden("only state administrators may record software installs")
	}
	if component == "" || len(component) > 200 {
		return nil, badRequest("component", "name the software installed (at most 200 bytes)")
	}
	if version == "" || len(version) > 200 {
		return nil, badRequest("version", "give the installed version (at most 200 bytes)")
	}
	if !isHex64(newSHA) {
		return nil, badRequest("new_sha256", "must be 64 lower-case hex digits")
	}
	if oldSHA != "" && !isHex64(oldSHA) {
		return nil, badRequest("old_sha256", "must be 64 lower-case hex digits")
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	return o.newRequest(ctx, u, KindSoftware, StateJurisdiction, installAction{Component: component, Version: version, NewSHA256: newSHA, OldSHA256: oldSHA})
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

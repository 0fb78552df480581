package office

// Changing existing accounts (roles, jurisdiction, party, disabling and
// re-enabling), resetting an enrollment, time-boxed emergency accounts and
// the users list. Every change is a two-person request (requests.go); the
// projection (project.go, projectUserRequest here) applies it from the log.

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/store"
)

// Request kinds of account changes.
const (
	// KindUserChange changes an account's roles, jurisdiction, party or
	// disabled flag.
	KindUserChange = "user-change"
	// KindUserReset revokes an account's credentials and signing key and
	// issues a new one-time enrollment code.
	KindUserReset = "user-reset"
)

// MaxEmergencyAccess is the longest an emergency (time-boxed) account may
// last: from the execution of its request for expires_in, from the request
// for an absolute expires.
const MaxEmergencyAccess = 24 * time.Hour

// minEmergencyAccess keeps an expiry from being a typo for a longer one
// that ends before anyone could enroll.
const minEmergencyAccess = 5 * time.Minute

// userState is the part of an account a user-change request sets.
type userState struct {
	Roles        []string `json:"roles"`
	Jurisdiction string   `json:"jurisdiction"`
	Disabled     bool     `json:"disabled"`
	Party        string   `json:"party"`
}

// userChangeAction is the action of a user-change request: the account as
// it was when requested and as it will be. It executes only if the
// account is still as it was, so two changes cannot undo each other
// unseen.
type userChangeAction struct {
	Name   string    `json:"name"`
	Before userState `json:"before"`
	After  userState `json:"after"`
}

// userResetAction is the action of a user-reset request: the personal
// signing key it revokes (a signed-note verifier key, or "webauthn:" and
// the credential id in standard base64), empty for an account that never
// enrolled.
type userResetAction struct {
	Name      string `json:"name"`
	RevokeKey string `json:"revoke_key,omitempty"`
}

// NewUser is a request for a new account.
type NewUser struct {
	Name  string
	Roles []string
	// Jurisdiction "" means the requester's.
	Jurisdiction string
	// Party is optional (audit boards need members of different parties
	// where the jurisdiction records them).
	Party string
	// ExpiresIn or Expires (RFC 3339) make it a time-boxed emergency
	// account; at most one, at most MaxEmergencyAccess.
	ExpiresIn string
	Expires   string
}

// UserChange is a requested change to an account; nil fields stay as they
// are. Party "" clears the party.
type UserChange struct {
	Roles        *[]string
	Jurisdiction *string
	Disabled     *bool
	Party        *string
}

func stateOf(u *User) userState {
	return userState{Roles: slices.Clone(u.Roles), Jurisdiction: u.Jurisdiction, Disabled: u.Disabled, Party: u.Party}
}

func (a userState) equal(b userState) bool {
	return slices.Equal(a.Roles, b.Roles) && a.Jurisdiction == b.Jurisdiction && a.Disabled == b.Disabled && a.Party == b.Party
}

// checkRoles validates a role list and returns it sorted.
func checkRoles(roles []string) ([]string, error) {
	if len(roles) == 0 {
		return nil, badRequest("roles", "give at least one of %s", strings.Join(Roles, ", "))
	}
	seen := map[string]bool{}
	for _, r := range roles {
		if !slices.Contains(Roles, r) {
			return nil, badRequest("roles", "unknown role %q; roles are %s", r, strings.Join(Roles, ", "))
		}
		if seen[r] {
			return nil, badRequest("roles", "role %q is listed twice", r)
		}
		seen[r] = true
	}
	sorted := slices.Clone(roles)
	slices.Sort(sorted)
	return sorted, nil
}

// checkParty validates a party name: 1 to 64 bytes of printable UTF-8,
// no leading or trailing space ("" is no party).
func checkParty(p string) error {
	if p == "" {
		return nil
	}
	if len(p) > 64 || !utf8.ValidString(p) || strings.TrimSpace(p) != p {
		return badRequest("party", "give the party's name: 1 to 64 bytes of UTF-8 without leading or trailing spaces, or \"\" for none")
	}
	for _, r := range p {
		if !unicode.IsPrint(r) {
			return badRequest("party", "the party's name has a control or non-printing character (%U)", r)
		}
	}
	return nil
}

// sameParty reports whether two recorded parties are the same one: case
// and inner spacing do not make a different party.
func sameParty(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// expiry returns when u stops working, or the zero time.
func (u *User) expiry() time.Time {
	if u.Expires == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, u.Expires)
	if err != nil {
		// A record the office wrote itself; unreadable means expired.
		return time.Unix(0, 0)
	}
	return t
}

// expired reports whether u is a time-boxed account past its end.
func (u *User) expired(now time.Time) bool {
	t := u.expiry()
	return !t.IsZero() && !now.Before(t)
}

// countsAsAdmin reports whether u is one of the administrators who keep
// two-person control of the office alive: a state administrator, not
// disabled, not time-boxed, and enrolled (or re-enrolling after a reset,
// with a code in hand).
func countsAsAdmin(u *User) bool {
	return u.HasRole(RoleAdmin) && u.Jurisdiction == StateJurisdiction && !u.Disabled && u.Expires == "" &&
		(u.Status == "active" || (u.Status == "pending" && u.Reset != ""))
}

// checkAdmins refuses a change that would leave fewer than two state
// administrators able to act (countsAsAdmin): after is the account as
// the change leaves it. A change that does not lower the count passes,
// so an office still below two (before enrollment) is not stuck.
func (o *Office) checkAdmins(ctx context.Context, after *User) error {
	recs, err := o.st.ListKind(ctx, kindUser)
	if err != nil {
		return err
	}
	before, n := 0, 0
	for _, r := range recs {
		var x User
		if err := json.Unmarshal(r.Data, &x); err != nil {
			return err
		}
		if countsAsAdmin(&x) {
			before++
		}
		if x.Name == after.Name {
			x = *after
		}
		if countsAsAdmin(&x) {
			n++
		}
	}
	if n < 2 && n < before {
		return conflict("", "this change would leave %d enabled state administrator(s); two-person control needs at least two (create or enable another administrator first)", n)
	}
	return nil
}

// commonJurisdiction is the narrowest jurisdiction covering a and b.
func commonJurisdiction(a, b string) string {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	i := 0
	for i < len(as) && i < len(bs) && as[i] == bs[i] {
		i++
	}
	if i == 0 {
		return StateJurisdiction
	}
	return strings.Join(as[:i], "/")
}

// targetUser loads the account name for an administrator's change (the
// caller has checked that u is an administrator somewhere).
func (o *Office) targetUser(ctx context.Context, u *User, name string) (*User, error) {
	x, err := o.user(ctx, name)
	if err != nil {
		return nil, err
	}
	if x == nil {
		return nil, notFound("name", "no user %q", name)
	}
	if !Allowed(u, ActChangeUser, x.Jurisdiction) {
		return nil, forbidden("your roles or jurisdiction do not allow changing user %s", name)
	}
	return x, nil
}

// RequestUserChange asks to change account name; it executes when two
// administrators covering the account's old and new jurisdictions have
// signed.
func (o *Office) RequestUserChange(ctx context.Context, u *User, name string, ch UserChange) (*RequestView, error) {
	if !Allowed(u, ActChangeUser, u.Jurisdiction) {
		return nil, forbidden("your roles do not allow changing users")
	}
	if ch.Roles == nil && ch.Jurisdiction == nil && ch.Disabled == nil && ch.Party == nil {
		return nil, badRequest("", "nothing to change: give roles, jurisdiction, disabled or party")
	}
	var roles []string
	if ch.Roles != nil {
		var err error
		if roles, err = checkRoles(*ch.Roles); err != nil {
			return nil, err
		}
	}
	if ch.Jurisdiction != nil && !validJurisdiction(*ch.Jurisdiction) {
		return nil, badRequest("jurisdiction", "%q is not a jurisdiction: \"state\" or \"state/<county>\"", *ch.Jurisdiction)
	}
	if ch.Party != nil {
		if err := checkParty(*ch.Party); err != nil {
			return nil, err
		}
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	x, err := o.targetUser(ctx, u, name)
	if err != nil {
		return nil, err
	}
	before := stateOf(x)
	after := before
	after.Roles = slices.Clone(before.Roles)
	if roles != nil {
		after.Roles = roles
	}
	if ch.Jurisdiction != nil {
		after.Jurisdiction = *ch.Jurisdiction
		if !Allowed(u, ActChangeUser, after.Jurisdiction) {
			return nil, forbidden("your roles or jurisdiction do not allow moving users to %s", after.Jurisdiction)
		}
	}
	if ch.Disabled != nil {
		after.Disabled = *ch.Disabled
	}
	if ch.Party != nil {
		after.Party = *ch.Party
	}
	if after.equal(before) {
		return nil, badRequest("", "nothing would change: user %s already has these roles, jurisdiction, party and disabled flag", name)
	}
	if x.expired(o.now()) && !after.Disabled {
		return nil, conflict("name", "user %s is an emergency account that expired; request a new one instead", name)
	}
	changed := *x
	changed.Roles, changed.Jurisdiction, changed.Disabled, changed.Party = after.Roles, after.Jurisdiction, after.Disabled, after.Party
	if err := o.checkAdmins(ctx, &changed); err != nil {
		return nil, err
	}
	return o.newRequest(ctx, u, KindUserChange, commonJurisdiction(before.Jurisdiction, after.Jurisdiction),
		userChangeAction{Name: name, Before: before, After: after})
}

// revokeKeyOf names u's registered signing key as a user-reset action
// records it.
func revokeKeyOf(u *User) string {
	if u.WebAuthn != nil {
		return "webauthn:" + base64.StdEncoding.EncodeToString(u.WebAuthn.CredentialID)
	}
	return u.SigningKey
}

// RequestUserReset asks to reset account name's enrollment: once two
// administrators have signed, its password, second factor and signing key
// are revoked, its sessions end, and a new one-time enrollment code is
// the request's result, shown to the requester only.
func (o *Office) RequestUserReset(ctx context.Context, u *User, name string) (*RequestView, error) {
	if !Allowed(u, ActChangeUser, u.Jurisdiction) {
		return nil, forbidden("your roles do not allow resetting users")
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	x, err := o.targetUser(ctx, u, name)
	if err != nil {
		return nil, err
	}
	if x.Disabled {
		return nil, conflict("name", "user %s is disabled; enable the account first (PATCH with \"disabled\": false)", name)
	}
	if x.expired(o.now()) {
		return nil, conflict("name", "user %s is an emergency account that expired; request a new one instead", name)
	}
	return o.newRequest(ctx, u, KindUserReset, x.Jurisdiction, userResetAction{Name: name, RevokeKey: revokeKeyOf(x)})
}

// checkExpiry validates a new account's expiry and returns it for the
// action: a normalized duration or an RFC 3339 time in UTC.
func (o *Office) checkExpiry(in, at string) (expiresIn, expires string, err error) {
	switch {
	case in != "" && at != "":
		return "", "", badRequest("expires_in", "give expires_in or expires, not both")
	case in != "":
		d, perr := time.ParseDuration(in)
		if perr != nil {
			return "", "", badRequest("expires_in", "%q is not a duration such as \"4h\" or \"90m\"", in)
		}
		if d < minEmergencyAccess || d > MaxEmergencyAccess {
			return "", "", badRequest("expires_in", "an emergency account lasts from %v to %v; %v is outside", minEmergencyAccess, MaxEmergencyAccess, d)
		}
		return d.String(), "", nil
	case at != "":
		t, perr := time.Parse(time.RFC3339, at)
		if perr != nil {
			return "", "", badRequest("expires", "%q is not an RFC 3339 time such as \"2026-11-03T23:00:00Z\"", at)
		}
		now := o.now()
		if t.Sub(now) < minEmergencyAccess || t.Sub(now) > MaxEmergencyAccess {
			return "", "", badRequest("expires", "an emergency account ends %v to %v from now; %s is outside", minEmergencyAccess, MaxEmergencyAccess, at)
		}
		return "", t.UTC().Truncate(time.Second).Format(time.RFC3339), nil
	}
	return "", "", nil
}

// UserView is an account as GET /api/v1/users shows it. Administrators see
// every field; observers see who may do what (name, roles, jurisdiction,
// party, status, expiry) but not key material or request ids, which they
// can still read in the public log.
type UserView struct {
	Name         string   `json:"name"`
	Roles        []string `json:"roles"`
	Jurisdiction string   `json:"jurisdiction"`
	// Status is "pending" (enrollment not completed), "active",
	// "disabled" or "expired" (a time-boxed account past its end).
	Status  string `json:"status"`
	Party   string `json:"party,omitempty"`
	Expires string `json:"expires,omitempty"`
	// Emergency marks a time-boxed emergency account.
	Emergency  bool         `json:"emergency,omitempty"`
	SigningKey string       `json:"signing_key,omitempty"`
	WebAuthn   *WebAuthnKey `json:"webauthn,omitempty"`
	Request    string       `json:"request,omitempty"`
	Reset      string       `json:"reset,omitempty"`
}

// UserList lists the accounts u may see, as u may see them: like every
// list, filtered rather than refused (empty for a role without
// users.read).
func (o *Office) UserList(ctx context.Context, u *User) ([]UserView, error) {
	users, err := o.Users(ctx, u)
	if err != nil {
		return nil, err
	}
	now := o.now()
	out := make([]UserView, 0, len(users))
	for _, x := range users {
		v := UserView{Name: x.Name, Roles: x.Roles, Jurisdiction: x.Jurisdiction, Status: x.Status,
			Party: x.Party, Expires: x.Expires, Emergency: x.Expires != ""}
		switch {
		case x.Disabled:
			v.Status = "disabled"
		case x.expired(now):
			v.Status = "expired"
		}
		if u.HasRole(RoleAdmin) && Covers(u.Jurisdiction, x.Jurisdiction) {
			v.SigningKey, v.WebAuthn, v.Request, v.Reset = x.SigningKey, x.WebAuthn, x.Request, x.Reset
		}
		out = append(out, v)
	}
	return out, nil
}

// executeUserRequest prepares a user-change or user-reset request for
// execution: it checks that the action still applies (else a
// cannot-execute refusal) and, for a reset, replaces the credentials with
// a new enrollment code. It returns the private result, if any.
func (o *Office) executeUserRequest(ctx context.Context, u *User, q *Request) (map[string]string, error) {
	switch q.Kind {
	case KindUserChange:
		var a userChangeAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		x, err := o.user(ctx, a.Name)
		if err != nil {
			return nil, err
		}
		if x == nil || !stateOf(x).equal(a.Before) {
			return nil, o.cannotExecute(ctx, u, q, "user "+a.Name+" changed since the request was made")
		}
		changed := *x
		changed.Roles, changed.Jurisdiction, changed.Disabled, changed.Party = a.After.Roles, a.After.Jurisdiction, a.After.Disabled, a.After.Party
		if err := o.checkAdmins(ctx, &changed); err != nil {
			var oe *Error
			if !errors.As(err, &oe) {
				return nil, err
			}
			return nil, o.cannotExecute(ctx, u, q, oe.Msg)
		}
		return nil, nil
	case KindUserReset:
		var a userResetAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		x, err := o.user(ctx, a.Name)
		if err != nil {
			return nil, err
		}
		if x == nil || revokeKeyOf(x) != a.RevokeKey || x.Disabled {
			return nil, o.cannotExecute(ctx, u, q, "user "+a.Name+" changed since the request was made")
		}
		code, hash, err := auth.NewEnrollmentCode()
		if err != nil {
			return nil, err
		}
		// The old password hash and TOTP seed are dropped here, before
		// the event: should the event not be logged, the account fails
		// closed (no credential works) rather than open.
		if err := o.putSecret(ctx, a.Name, &secret{CodeHash: hex.EncodeToString(hash[:])}); err != nil {
			return nil, err
		}
		return map[string]string{"enrollment_code": code}, nil
	}
	return nil, nil
}

// afterUserRequest ends the sessions of an account that an executed
// request disabled or reset: the projection already refuses them (the
// account is not active), this removes them.
func (o *Office) afterUserRequest(ctx context.Context, q *Request) {
	var a struct {
		Name  string    `json:"name"`
		After userState `json:"after"`
	}
	if json.Unmarshal([]byte(q.Action), &a) != nil {
		return
	}
	if q.Kind == KindUserReset || (q.Kind == KindUserChange && a.After.Disabled) {
		o.st.DeleteSessions(ctx, a.Name, time.Time{}, time.Time{})
	}
}

// projectUserRequest applies an executed user-change or user-reset
// request to the account.
func projectUserRequest(ctx context.Context, r reader, q *Request) ([]store.Record, error) {
	var name struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(q.Action), &name); err != nil {
		return nil, err
	}
	var u User
	if err := getJSON(ctx, r, kindUser, name.Name, &u); err != nil {
		return nil, err
	}
	switch q.Kind {
	case KindUserChange:
		var a userChangeAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		u.Roles, u.Jurisdiction, u.Disabled, u.Party = a.After.Roles, a.After.Jurisdiction, a.After.Disabled, a.After.Party
	case KindUserReset:
		var a userResetAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		if a.RevokeKey != "" && !slices.Contains(u.RevokedKeys, a.RevokeKey) {
			u.RevokedKeys = append(u.RevokedKeys, a.RevokeKey)
		}
		u.Status, u.SigningKey, u.WebAuthn, u.Reset = "pending", "", nil, q.ID
	}
	return []store.Record{rec(kindUser, u.Name, "", u)}, nil
}

// keyRevoked reports whether a signing key was revoked by a reset of any
// account: a revoked key is never registered again.
func keyRevoked(users []User, key string) bool {
	for _, x := range users {
		if slices.Contains(x.RevokedKeys, key) {
			return true
		}
	}
	return false
}

// checkBoardParties refuses an audit board whose members all have a party
// recorded, all the same one: boards are bipartisan where the
// jurisdiction records parties. A member's party is the party of the
// office account named like them; a member without an account or without
// a party recorded leaves the check to the people forming the board.
func (o *Office) checkBoardParties(ctx context.Context, members []string) error {
	first := ""
	for _, m := range members {
		x, err := o.user(ctx, m)
		if err != nil {
			return err
		}
		if x == nil || x.Party == "" {
			return nil
		}
		if first == "" {
			first = x.Party
		} else if !sameParty(first, x.Party) {
			return nil
		}
	}
	return badRequest("members", "every member (%s) is recorded as %s; an audit board needs members of different parties", strings.Join(members, ", "), first)
}

package pages

// The users and roles pages: the accounts list as GET /api/v1/users shows
// it to the viewer (office.UserList), each account's detail, and the
// administrators' forms. Every form makes the two-person request the API
// would make and sends the requester to that request's page, where it is
// signed and co-signed; an executed creation or reset shows its enrollment
// code there, to the requester only.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/canvass/canvass/office"
)

// UserRoutes are the patterns of the users pages, registered by Mount.
var UserRoutes = []string{
	"GET /users",
	"POST /users",
	"GET /users/{name}",
	"POST /users/{name}",
	"POST /users/{name}/disabled",
	"POST /users/{name}/reset",
}

func (p *Pages) mountUsers(mux *http.ServeMux) {
	h := map[string]http.HandlerFunc{
		"GET /users":                  p.authed(p.users),
		"POST /users":                 p.authed(p.requestUser),
		"GET /users/{name}":           p.authed(p.user),
		"POST /users/{name}":          p.authed(p.changeUser),
		"POST /users/{name}/disabled": p.authed(p.setDisabled),
		"POST /users/{name}/reset":    p.authed(p.resetUser),
	}
	for _, r := range UserRoutes {
		mux.HandleFunc(r, h[r])
	}
}

// SeesUsers reports whether the signed-in user may read the accounts
// list, so that the navigation offers it.
func (v *view) SeesUsers() bool {
	return v.User != nil && office.Allowed(v.User, office.ActReadUsers, v.User.Jurisdiction)
}

type usersData struct {
	Users []office.UserView
	Roles []string
	// CanRead is false for a role without users.read: the list is then
	// empty because it is filtered, not because there are no accounts.
	CanRead, CanCreate bool
	// The create form as last sent, kept after a refusal.
	Name, Juris, Party, ExpiresIn string
	Chosen                        []string
}

// Chose reports whether role was ticked in the form.
func (d *usersData) Chose(role string) bool { return slices.Contains(d.Chosen, role) }

func (p *Pages) usersView(r *http.Request, u *office.User) (*view, *usersData, error) {
	us, err := p.o.UserList(r.Context(), u)
	d := &usersData{Users: us, Roles: office.Roles,
		CanRead:   office.Allowed(u, office.ActReadUsers, u.Jurisdiction),
		CanCreate: office.Allowed(u, office.ActRequestUser, u.Jurisdiction)}
	return &view{Title: "Users and roles", User: u, Data: d}, d, err
}

func (p *Pages) users(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.usersView(r, u)
	if err != nil {
		p.fail(w, "users", v, err)
		return
	}
	p.render(w, http.StatusOK, "users", v)
}

// requestUser asks for a new account, an emergency one if the form gives
// an expiry, as POST /api/v1/users does.
func (p *Pages) requestUser(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.usersView(r, u)
	if err == nil {
		err = p.parseForm(w, r)
	}
	if err == nil {
		f := r.PostForm
		d.Name, d.Juris, d.Chosen = f.Get("name"), strings.TrimSpace(f.Get("jurisdiction")), f["roles"]
		d.Party, d.ExpiresIn = strings.TrimSpace(f.Get("party")), strings.TrimSpace(f.Get("expires_in"))
		var q *office.RequestView
		q, err = p.o.RequestNewUser(r.Context(), u, office.NewUser{Name: d.Name, Roles: d.Chosen, Jurisdiction: d.Juris,
			Party: d.Party, ExpiresIn: d.ExpiresIn})
		if err == nil {
			http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
			return
		}
	}
	p.fail(w, "users", v, err)
}

// keyFacts describes a personal signing key for people comparing it with
// what the key's holder sees: a signed-note key by its name, key hash and
// the SHA-256 of the whole verifier key; a WebAuthn credential by its id,
// relying party and the SHA-256 of its public key.
type keyFacts struct {
	Kind, Name, ID, RPID, SHA256, Full string
}

func keyOf(x *office.UserView) *keyFacts {
	switch {
	case x.WebAuthn != nil:
		sum := sha256.Sum256(x.WebAuthn.PublicKeyCOSE)
		return &keyFacts{Kind: "WebAuthn security key or passkey", ID: base64.RawURLEncoding.EncodeToString(x.WebAuthn.CredentialID),
			RPID: x.WebAuthn.RPID, SHA256: hex.EncodeToString(sum[:])}
	case x.SigningKey != "":
		sum := sha256.Sum256([]byte(x.SigningKey))
		k := &keyFacts{Kind: "signed-note Ed25519 key", SHA256: hex.EncodeToString(sum[:]), Full: x.SigningKey}
		// name+hash+key, as note.NewVerifier reads it.
		if parts := strings.SplitN(x.SigningKey, "+", 3); len(parts) == 3 {
			k.Name, k.ID = parts[0], parts[1]
		}
		return k
	}
	return nil
}

type userData struct {
	X   office.UserView
	Key *keyFacts
	// StatusText explains X.Status.
	StatusText string
	Roles      []string
	CanChange  bool
	// The change form: the account's values, or as last sent after a
	// refusal.
	Juris, Party string
	Chosen       []string
}

// Chose reports whether role is ticked in the change form.
func (d *userData) Chose(role string) bool { return slices.Contains(d.Chosen, role) }

var statusText = map[string]string{
	"pending":  "pending: enrollment not completed (the one-time code has not been used)",
	"active":   "active",
	"disabled": "disabled: cannot sign in or act",
	"expired":  "expired: this emergency account has reached its end and no longer works",
}

// userView finds account name among those u may see, as u may see it.
func (p *Pages) userView(r *http.Request, u *office.User) (*view, *userData, error) {
	name := r.PathValue("name")
	v := &view{Title: "User " + name, User: u}
	us, err := p.o.UserList(r.Context(), u)
	if err != nil {
		return v, nil, err
	}
	i := slices.IndexFunc(us, func(x office.UserView) bool { return x.Name == name })
	if i < 0 {
		return v, nil, &office.Error{Status: http.StatusNotFound, Field: "name", Msg: "no user " + name + " among the accounts you may see"}
	}
	x := us[i]
	d := &userData{X: x, Key: keyOf(&x), StatusText: statusText[x.Status], Roles: office.Roles,
		CanChange: office.Allowed(u, office.ActChangeUser, x.Jurisdiction),
		Juris:     x.Jurisdiction, Party: x.Party, Chosen: x.Roles}
	if x.Status == "pending" && x.Reset != "" {
		d.StatusText = "pending: re-enrolling after an enrollment reset"
	}
	if d.StatusText == "" {
		d.StatusText = x.Status
	}
	v.Data = d
	return v, d, nil
}

func (p *Pages) user(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.userView(r, u)
	if err != nil {
		p.fail(w, "user", v, err)
		return
	}
	p.render(w, http.StatusOK, "user", v)
}

// userRequest runs one of the change forms: read the form, make the
// request with do, and go to the request's page; a refusal shows the
// account again with the office's reason and the form as sent.
func (p *Pages) userRequest(w http.ResponseWriter, r *http.Request, u *office.User, do func(d *userData, f url.Values) (*office.RequestView, error)) {
	v, d, err := p.userView(r, u)
	if err == nil {
		err = p.parseForm(w, r)
	}
	if err == nil {
		var q *office.RequestView
		if q, err = do(d, r.PostForm); err == nil {
			http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
			return
		}
	}
	if d == nil && !office.Allowed(u, office.ActChangeUser, u.Jurisdiction) {
		// Not an account u may see, and u may change none: say the
		// latter, as the office would.
		err = &office.Error{Status: http.StatusForbidden, Msg: "your roles do not allow changing users"}
	}
	p.fail(w, "user", v, err)
}

// changeUser requests new roles, jurisdiction and party for an account,
// as PATCH /api/v1/users/{name} with those three fields does.
func (p *Pages) changeUser(w http.ResponseWriter, r *http.Request, u *office.User) {
	p.userRequest(w, r, u, func(d *userData, f url.Values) (*office.RequestView, error) {
		roles := f["roles"]
		if roles == nil {
			roles = []string{} // no box ticked: the office says to tick one
		}
		d.Chosen, d.Juris, d.Party = roles, strings.TrimSpace(f.Get("jurisdiction")), strings.TrimSpace(f.Get("party"))
		return p.o.RequestUserChange(r.Context(), u, d.X.Name, office.UserChange{Roles: &roles, Jurisdiction: &d.Juris, Party: &d.Party})
	})
}

// setDisabled requests disabling or re-enabling an account, as PATCH
// /api/v1/users/{name} with "disabled" does.
func (p *Pages) setDisabled(w http.ResponseWriter, r *http.Request, u *office.User) {
	p.userRequest(w, r, u, func(d *userData, f url.Values) (*office.RequestView, error) {
		var disabled bool
		switch f.Get("disabled") {
		case "true":
			disabled = true
		case "false":
		default:
			return nil, &office.Error{Status: http.StatusBadRequest, Field: "disabled", Msg: `the form must send disabled "true" or "false"`}
		}
		return p.o.RequestUserChange(r.Context(), u, d.X.Name, office.UserChange{Disabled: &disabled})
	})
}

// resetUser requests a new enrollment for an account, as POST
// /api/v1/users/{name}/reset does.
func (p *Pages) resetUser(w http.ResponseWriter, r *http.Request, u *office.User) {
	p.userRequest(w, r, u, func(d *userData, _ url.Values) (*office.RequestView, error) {
		return p.o.RequestUserReset(r.Context(), u, d.X.Name)
	})
}

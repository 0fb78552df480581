package server

import (
	"net/http"

	"github.com/canvass/canvass/office"
)

// The accounts API: the users list, new accounts (emergency ones
// included), changes and enrollment resets. Every change is a two-person
// request, answered 202 with the request.

// userRequest is the body of POST /api/v1/users.
type userRequest struct {
	Name         string   `json:"name"`
	Roles        []string `json:"roles"`
	Jurisdiction string   `json:"jurisdiction"`
	Party        string   `json:"party,omitempty"`
	// ExpiresIn ("4h") or Expires (RFC 3339) make a time-boxed emergency
	// account.
	ExpiresIn string `json:"expires_in,omitempty"`
	Expires   string `json:"expires,omitempty"`
}

// userChangeRequest is the body of PATCH /api/v1/users/{name}: absent
// fields stay as they are; "party": "" clears the party.
type userChangeRequest struct {
	Roles        *[]string `json:"roles,omitempty"`
	Jurisdiction *string   `json:"jurisdiction,omitempty"`
	Disabled     *bool     `json:"disabled,omitempty"`
	Party        *string   `json:"party,omitempty"`
}

func (s *Server) users(w http.ResponseWriter, r *http.Request, u *office.User) {
	us, err := s.o.UserList(r.Context(), u)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, us)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q userRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestNewUser(r.Context(), u, office.NewUser{Name: q.Name, Roles: q.Roles, Jurisdiction: q.Jurisdiction,
		Party: q.Party, ExpiresIn: q.ExpiresIn, Expires: q.Expires})
	answerRequest(w, v, err)
}

func (s *Server) changeUser(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q userChangeRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestUserChange(r.Context(), u, r.PathValue("name"), office.UserChange{Roles: q.Roles,
		Jurisdiction: q.Jurisdiction, Disabled: q.Disabled, Party: q.Party})
	answerRequest(w, v, err)
}

func (s *Server) resetUser(w http.ResponseWriter, r *http.Request, u *office.User) {
	// The body is optional; if there is one it must be an empty object.
	if r.ContentLength != 0 {
		var q struct{}
		if !s.decode(w, r, &q) {
			return
		}
	}
	v, err := s.o.RequestUserReset(r.Context(), u, r.PathValue("name"))
	answerRequest(w, v, err)
}

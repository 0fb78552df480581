package server

import (
	"encoding/json"
	"net/http"

	"github.com/canvass/canvass/office"
)

// The WebAuthn steps of enrollment and approval: each begin answers the
// options JSON for navigator.credentials.create or .get, each finish takes
// the browser's PublicKeyCredential.toJSON() as "response".

type webauthnBeginRequest struct {
	User string `json:"user"`
	Code string `json:"code"`
}

type webauthnEnrollRequest struct {
	User     string          `json:"user"`
	Code     string          `json:"code"`
	Response json.RawMessage `json:"response"`
}

type webauthnResponse struct {
	Response json.RawMessage `json:"response"`
}

var errNoResponse = &office.Error{Status: http.StatusBadRequest, Field: "response", Msg: "give the browser's answer (PublicKeyCredential.toJSON()) as a JSON object"}

func isObject(m json.RawMessage) bool { return len(m) > 0 && m[0] == '{' }

func (s *Server) enrollWebAuthnBegin(w http.ResponseWriter, r *http.Request) {
	var q webauthnBeginRequest
	if !s.decode(w, r, &q) {
		return
	}
	opts, err := s.o.EnrollWebAuthnBegin(r.Context(), q.User, q.Code)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, opts)
}

func (s *Server) enrollWebAuthnFinish(w http.ResponseWriter, r *http.Request) {
	var q webauthnEnrollRequest
	if !s.decode(w, r, &q) {
		return
	}
	if !isObject(q.Response) {
		writeError(w, errNoResponse)
		return
	}
	if err := s.o.EnrollWebAuthnFinish(r.Context(), q.User, q.Code, q.Response); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) approveWebAuthnBegin(w http.ResponseWriter, r *http.Request, u *office.User) {
	opts, err := s.o.ApproveWebAuthnBegin(r.Context(), u, r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, opts)
}

func (s *Server) approveWebAuthnFinish(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q webauthnResponse
	if !s.decode(w, r, &q) {
		return
	}
	if !isObject(q.Response) {
		writeError(w, errNoResponse)
		return
	}
	v, err := s.o.ApproveWebAuthnFinish(r.Context(), u, r.PathValue("id"), q.Response)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

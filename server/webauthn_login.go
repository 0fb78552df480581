package server

import (
	"encoding/json"
	"net/http"
)

// Signing in with a security key instead of a TOTP code: begin checks the
// password and answers the options for navigator.credentials.get; finish
// takes the browser's PublicKeyCredential.toJSON() as "response" and
// answers as POST /api/v1/login does, cookie included.

type webauthnLoginBeginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

type webauthnLoginFinishRequest struct {
	User     string          `json:"user"`
	Response json.RawMessage `json:"response"`
}

func (s *Server) loginWebAuthnBegin(w http.ResponseWriter, r *http.Request) {
	var q webauthnLoginBeginRequest
	if !s.decode(w, r, &q) {
		return
	}
	opts, err := s.o.LoginWebAuthnBegin(r.Context(), q.User, q.Password, clientAddr(r))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, opts)
}

func (s *Server) loginWebAuthnFinish(w http.ResponseWriter, r *http.Request) {
	var q webauthnLoginFinishRequest
	if !s.decode(w, r, &q) {
		return
	}
	if !isObject(q.Response) {
		writeError(w, errNoResponse)
		return
	}
	sess, err := s.o.LoginWebAuthnFinish(r.Context(), q.User, q.Response, clientAddr(r))
	if err != nil {
		writeError(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: sess.Token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	writeJSON(w, http.StatusOK, map[string]any{"user": sess.User.Name, "roles": sess.User.Roles, "jurisdiction": sess.User.Jurisdiction})
}

package office

import (
	"fmt"
	"net/http"
)

// Error is a refusal the API reports to the client: an HTTP status, a
// message saying what was wrong and what to do, and the request field at
// fault (empty when no single field is). Nothing changed when a method
// returns an *Error.
type Error struct {
	Status int
	Msg    string
	Field  string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Msg
	}
	return e.Msg
}

func errf(status int, field, format string, args ...any) *Error {
	return &Error{Status: status, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func badRequest(field, format string, args ...any) *Error {
	return errf(http.StatusBadRequest, field, format, args...)
}

func forbidden(format string, args ...any) *Error {
	return errf(http.StatusForbidden, "", format, args...)
}

func notFound(field, format string, args ...any) *Error {
	return errf(http.StatusNotFound, field, format, args...)
}

func conflict(field, format string, args ...any) *Error {
	return errf(http.StatusConflict, field, format, args...)
}

// errUnauthenticated is the one answer to every failed sign-in and every
// missing, forged or expired session, so that it reveals nothing about
// which part was wrong.
var errUnauthenticated = errf(http.StatusUnauthorized, "", "not signed in, or the session has ended; sign in again")

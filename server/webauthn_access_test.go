package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/server"
)

// preAuthRoutes are the API routes that answer without a session:
// enrollment and the two ways of signing in. (Everything under /public/ is
// public by definition.) Every other route must refuse a caller who is not signed in; TestAccessMatrix and
// TestAuditAccessMatrix then walk them by role.
var preAuthRoutes = []string{
	"POST /api/v1/enroll",
	"POST /api/v1/enroll/confirm",
	"POST /api/v1/enroll/webauthn/begin",
	"POST /api/v1/enroll/webauthn/finish",
	"POST /api/v1/login",
	"POST /api/v1/login/webauthn/begin",
	"POST /api/v1/login/webauthn/finish",
}

// TestPreAuthRoutes calls every registered route without a session: those
// in preAuthRoutes must get past authentication (any answer but the
// "not signed in" refusal), every other one must be refused with 401.
// The security-key sign-in routes are pre-authentication by design, like
// /api/v1/login; they grant nothing by themselves.
func TestPreAuthRoutes(t *testing.T) {
	e := newEnv(t)
	enableWebAuthn(t, e)
	wild := regexp.MustCompile(`\{[a-z]+(\.\.\.)?\}`)
	var open []string
	for _, p := range server.New(e.o).Patterns() {
		method, path, _ := strings.Cut(p, " ")
		if strings.HasPrefix(path, "/public/") {
			continue
		}
		req, err := http.NewRequest(method, e.srv.URL+wild.ReplaceAllString(path, "x"), strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Error string `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		code := resp.StatusCode
		refused := code == 401 && strings.HasPrefix(out.Error, "not signed in;") || p == "POST /api/v1/logout" && code == 401
		if !refused {
			open = append(open, p)
		}
	}
	slices.Sort(open)
	want := slices.Clone(preAuthRoutes)
	slices.Sort(want)
	if !slices.Equal(open, want) {
		t.Fatalf("routes answering without a session:\n%q\nwant\n%q", open, want)
	}
}

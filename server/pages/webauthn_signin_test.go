package pages_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/canvass/canvass/auth/webauthn"
)

// TestSignInOffersSecurityKey: the sign-in page offers a security key
// (and loads the script) only when the office has WebAuthn; the
// ordinary form is the same either way.
func TestSignInOffersSecurityKey(t *testing.T) {
	e := newEnv(t)
	page := func() string {
		t.Helper()
		resp, err := http.Get(e.srv.URL + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /signin: %d", resp.StatusCode)
		}
		return string(b)
	}
	const button = `id="webauthn-signin"`
	const script = `src="/static/webauthn.js"`
	before := page()
	if strings.Contains(before, button) || strings.Contains(before, script) {
		t.Fatal("the sign-in page offers a security key without WebAuthn")
	}
	if err := e.o.EnableWebAuthn(webauthn.Config{RPID: "localhost", Origins: []string{e.URL}}); err != nil {
		t.Fatal(err)
	}
	after := page()
	for _, want := range []string{button, script, `aria-describedby="webauthn-signin-hint"`, `id="webauthn-signin-hint"`, `id="totp"`, `<button type="button" id="webauthn-signin"`} {
		if !strings.Contains(after, want) {
			t.Errorf("the sign-in page lacks %s", want)
		}
	}
}

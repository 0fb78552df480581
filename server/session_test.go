package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
)

// TestSessionCookie checks the session cookie's attributes over TLS, the
// security headers, and that logout ends the session on the server.
func TestSessionCookie(t *testing.T) {
	e := newTLSEnv(t)
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	e.clock.Advance(30 * time.Second)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/login", strings.NewReader(`{"user":"ada","password":"`+ada.pw+`","totp":"`+auth.TOTPCode(ada.seed, e.clock.Now())+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"canvass_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	for h, want := range map[string]string{
		"Content-Security-Policy":   "default-src 'self'",
		"X-Content-Type-Options":    "nosniff",
		"Referrer-Policy":           "no-referrer",
		"Strict-Transport-Security": "max-age=",
	} {
		if !strings.Contains(resp.Header.Get(h), want) {
			t.Errorf("%s: %q, want %q", h, resp.Header.Get(h), want)
		}
	}
	token := strings.TrimPrefix(strings.SplitN(sc, ";", 2)[0], "canvass_session=")
	use := func() int {
		r, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
		r.AddCookie(&http.Cookie{Name: "canvass_session", Value: token})
		resp, err := e.srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := use(); c != 200 {
		t.Fatalf("session: %d", c)
	}
	r, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/logout", nil)
	r.AddCookie(&http.Cookie{Name: "canvass_session", Value: token})
	if resp, err := e.srv.Client().Do(r); err != nil || resp.StatusCode != 204 {
		t.Fatalf("logout: %v %v", resp.StatusCode, err)
	}
	if c := use(); c != 401 {
		t.Errorf("the session works after logout: %d", c)
	}
	// The absolute limit: a session used every few minutes still ends
	// after 12 hours.
	e.login(ada)
	for i := 0; i < 12*60/20-1; i++ {
		e.clock.Advance(20 * time.Minute)
		if c := e.do(ada.client, "GET", "/api/v1/me", nil, nil); c != 200 {
			t.Fatalf("session used every 20 minutes ended after %d minutes: %d", (i+1)*20, c)
		}
	}
	e.clock.Advance(20 * time.Minute)
	if c := e.do(ada.client, "GET", "/api/v1/me", nil, nil); c != 401 {
		t.Errorf("session older than 12 hours: %d", c)
	}
}

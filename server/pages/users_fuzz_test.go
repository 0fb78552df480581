package pages_test

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server"
	"github.com/canvass/canvass/store/sqlite"
	"golang.org/x/mod/sumdb/note"
)

// FuzzUserForms posts arbitrary form bodies to the users forms as a
// signed-in administrator: the answer is a redirect to a new pending
// request (and the log grew) or a 4xx refusal that logged nothing; never
// a 5xx.
func FuzzUserForms(f *testing.F) {
	ctx := context.Background()
	dir := f.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), office.DefaultDBName))
	if err != nil {
		f.Fatal(err)
	}
	created, err := office.Create(ctx, dir, st, office.CreateOptions{Origin: "clerk.example/fuzz", Admins: []string{"ada", "bob"}})
	if err != nil {
		f.Fatal(err)
	}
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	o, err := office.Open(ctx, dir, st, office.Options{Now: c.Now})
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(server.New(o))
	f.Cleanup(func() {
		srv.Close()
		o.Close()
		st.Close()
	})
	var token string
	for _, name := range []string{"ada", "bob"} {
		pw := "correct horse battery staple " + strings.Repeat("x", len(name))
		uri, err := o.Enroll(ctx, name, created.Enrollment[name], pw, freshVerifier(f, name))
		if err != nil {
			f.Fatal(err)
		}
		u, _ := url.Parse(uri)
		seed, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
		c.Advance(30 * time.Second)
		if err := o.ConfirmEnrollment(ctx, name, created.Enrollment[name], auth.TOTPCode(seed, c.Now())); err != nil {
			f.Fatal(err)
		}
		c.Advance(30 * time.Second)
		s, err := o.Login(ctx, name, pw, auth.TOTPCode(seed, c.Now()), "")
		if err != nil {
			f.Fatal(err)
		}
		token = s.Token // bob's: he changes ada
	}
	paths := []string{"/users", "/users/ada", "/users/ada/disabled", "/users/ada/reset", "/users/nobody", "/users/ada%2F..%2Fbob"}
	for _, s := range []string{"name=x1&roles=official", "name=x2&roles=observer&party=Green&expires_in=4h", "roles=official&roles=admin&jurisdiction=state&party=",
		"disabled=true", "disabled=yes", "name=&roles=", "name=x3&roles=admin&roles=admin", "expires_in=-5m&name=x4&roles=official", "%zz", "roles=official&jurisdiction=state%2Fx"} {
		for i := range paths {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, path uint8, body string) {
		p := paths[int(path)%len(paths)]
		before := o.LogSize()
		req, _ := http.NewRequest("POST", srv.URL+p, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.AddCookie(&http.Cookie{Name: server.CookieName, Value: token})
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/requests/"):
			if o.LogSize() <= before {
				t.Fatalf("POST %s %q: a request without a log entry", p, body)
			}
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if o.LogSize() != before {
				t.Fatalf("POST %s %q: refused (%d) but logged", p, body, resp.StatusCode)
			}
		default:
			t.Fatalf("POST %s %q: %d %s", p, body, resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// freshVerifier returns a new signed-note verifier key.
func freshVerifier(t testing.TB, name string) string {
	_, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	return vkey
}

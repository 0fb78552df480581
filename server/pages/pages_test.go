package pages_test

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/server/pages"
	"golang.org/x/mod/sumdb/note"
)

// enrollDirect enrolls name through the office (not the pages), with a
// fresh signed-note key.
func (e *env) enrollDirect(t *testing.T, name string) *person {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	p := &person{name: name, pw: "correct horse battery staple " + strings.Repeat("x", len(name)%3+1), signer: signer}
	code := e.created.Enrollment[name]
	uri, err := e.o.Enroll(ctx, name, code, p.pw, vkey)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(uri)
	p.seed, _ = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
	e.clock.Advance(30 * time.Second)
	if err := e.o.ConfirmEnrollment(ctx, name, code, auth.TOTPCode(p.seed, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	return p
}

// client is a browser-like HTTP client that does not follow redirects, so
// that tests see them.
func client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// post sends a same-origin form POST, as a browser does.
func (e *env) post(t *testing.T, c *http.Client, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return do(t, c, req)
}

func (e *env) get(t *testing.T, c *http.Client, path string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (e *env) signIn(t *testing.T, c *http.Client, p *person, next string) (int, http.Header) {
	t.Helper()
	e.clock.Advance(30 * time.Second)
	code, _, h := e.post(t, c, "/signin", url.Values{"user": {p.name}, "password": {p.pw}, "totp": {auth.TOTPCode(p.seed, e.clock.Now())}, "next": {next}})
	return code, h
}

var (
	fieldRE = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idRE    = regexp.MustCompile(`\bid="([^"]+)"`)
)

// checkLabels fails unless every visible form field on page has an id and
// a <label for> naming it.
func checkLabels(t *testing.T, page, body string) {
	t.Helper()
	fields := fieldRE.FindAllString(body, -1)
	if len(fields) == 0 {
		t.Errorf("%s: no form fields", page)
	}
	for _, f := range fields {
		if strings.Contains(f, `type="hidden"`) {
			continue
		}
		m := idRE.FindStringSubmatch(f)
		if m == nil {
			t.Errorf("%s: field without an id: %s", page, f)
			continue
		}
		if !strings.Contains(body, `<label for="`+m[1]+`"`) {
			t.Errorf("%s: field %s has no label", page, m[1])
		}
	}
}

// TestPagesOverHTTP checks the pages without a browser: every form field
// is labelled, signed-out visitors are sent to sign in (and only to this
// site afterwards), refusals are shown with their status, a cross-origin
// form POST is refused and changes nothing, a signed note pasted with the
// CRLF line breaks browsers send is accepted, and the activity view
// pages newest first and filters.
func TestPagesOverHTTP(t *testing.T) {
	e := newEnv(t)
	anon := client()

	for _, path := range []string{"/signin", "/enroll"} {
		code, body, h := e.get(t, anon, path)
		if code != 200 || h.Get("Content-Security-Policy") == "" {
			t.Fatalf("GET %s: %d, CSP %q", path, code, h.Get("Content-Security-Policy"))
		}
		checkLabels(t, path, body)
		// Scripts only from /static/ (the CSP would block any other).
		if strings.Count(body, "<script") != strings.Count(body, `<script src="/static/`) || strings.Contains(body, "style=") {
			t.Errorf("%s has inline script or style", path)
		}
	}
	if code, body, h := e.get(t, anon, "/static/webauthn.js"); code != 200 || !strings.Contains(h.Get("Content-Type"), "javascript") || !strings.Contains(body, "navigator.credentials.create") {
		t.Fatalf("GET /static/webauthn.js: %d %q", code, h.Get("Content-Type"))
	}
	if code, body, h := e.get(t, anon, "/static/pages.css"); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/css") || !strings.Contains(body, ":focus-visible") {
		t.Fatalf("GET /static/pages.css: %d %q", code, h.Get("Content-Type"))
	}
	if code, _, h := e.get(t, anon, "/elections"); code != 303 || h.Get("Location") != "/signin?next=%2Felections" {
		t.Fatalf("signed out GET /elections: %d to %q", code, h.Get("Location"))
	}

	ada, bob := e.enrollDirect(t, "ada"), e.enrollDirect(t, "bob")
	c := client()

	// A wrong code is refused and shown; nothing signs in.
	code, body, _ := e.post(t, c, "/signin", url.Values{"user": {"ada"}, "password": {ada.pw}, "totp": {"000000"}})
	if code != 401 || !strings.Contains(body, `role="alert"`) {
		t.Fatalf("wrong TOTP: %d\n%s", code, body)
	}
	// A foreign origin's form POST is refused before anything happens.
	before := e.o.LogSize()
	req, _ := http.NewRequest("POST", e.srv.URL+"/signin", strings.NewReader(url.Values{"user": {"ada"}, "password": {ada.pw}, "totp": {"123456"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if code, _, _ := do(t, c, req); code != 403 || e.o.LogSize() != before {
		t.Fatalf("cross-origin sign-in: %d, log %d -> %d entries", code, before, e.o.LogSize())
	}
	// Signing in goes back where the visitor was going, on this site only.
	if code, h := e.signIn(t, c, ada, "//evil.example/x"); code != 303 || h.Get("Location") != "/elections" {
		t.Fatalf("sign in with an off-site next: %d to %q", code, h.Get("Location"))
	}
	if code, h := e.signIn(t, c, ada, "/users"); code != 303 || h.Get("Location") != "/users" {
		t.Fatalf("sign in with next=/users: %d to %q", code, h.Get("Location"))
	}

	// Elections: an administrator may not create one (the office says so).
	code, body, _ = e.post(t, c, "/elections", url.Values{"name": {"X"}, "date": {"2026-11-03"}})
	if code != 403 || !strings.Contains(body, "Refused") {
		t.Fatalf("admin creating an election: %d", code)
	}

	// Users page, a user request, and a co-signature pasted with CRLF.
	code, body, _ = e.get(t, c, "/users")
	if code != 200 || !strings.Contains(body, `<td><a href="/users/bob">bob</a></td>`) {
		t.Fatalf("GET /users: %d", code)
	}
	checkLabels(t, "/users", body)
	code, _, h := e.post(t, c, "/users", url.Values{"name": {"olga"}, "roles": {"official"}})
	id, ok := strings.CutPrefix(h.Get("Location"), "/requests/")
	if code != 303 || !ok {
		t.Fatalf("requesting a user: %d to %q", code, h.Get("Location"))
	}
	code, body, _ = e.get(t, c, "/requests/"+id)
	if code != 200 {
		t.Fatalf("GET /requests/%s: %d", id, code)
	}
	checkLabels(t, "/requests/{id}", body)
	text := signTextOf(t, body)
	sign := func(p *person) string {
		msg, err := note.Sign(&note.Note{Text: text}, p.signer)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(strings.TrimSuffix(string(msg), "\n"), "\n", "\r\n")
	}
	code, body, _ = e.post(t, c, "/requests/"+id+"/signatures", url.Values{"signature": {sign(ada)}})
	if code != 200 || !strings.Contains(body, `<dd id="status">pending</dd>`) {
		t.Fatalf("ada's CRLF signature: %d\n%s", code, body)
	}
	// Signing twice is refused with the office's 403 and its reason.
	code, body, _ = e.post(t, c, "/requests/"+id+"/signatures", url.Values{"signature": {sign(ada)}})
	if code != 403 || !strings.Contains(body, "Refused") {
		t.Fatalf("second signature by ada: %d", code)
	}
	cb := client()
	e.signIn(t, cb, bob, "/requests")
	code, body, _ = e.get(t, cb, "/requests")
	if code != 200 || !strings.Contains(body, `<a href="/requests/`+id+`">`) {
		t.Fatalf("bob's requests page: %d", code)
	}
	code, body, _ = e.post(t, cb, "/requests/"+id+"/signatures", url.Values{"signature": {sign(bob)}})
	if code != 200 || !strings.Contains(body, `<dd id="status">done</dd>`) || strings.Contains(body, `id="result"`) {
		t.Fatalf("bob's signature: %d (the result is for the requester only)\n%s", code, body)
	}
	if _, body, _ = e.get(t, c, "/requests/"+id); !strings.Contains(body, `id="result"`) || !strings.Contains(body, "enrollment_code") {
		t.Fatal("the requester does not see the enrollment code")
	}

	// Activity: 45 more events (over 50 in all), paged 50 at a time, newest first.
	for i := range 45 {
		if code, _, _ := e.post(t, c, "/users", url.Values{"name": {fmt.Sprintf("clerk%d", i)}, "roles": {"observer"}}); code != 303 {
			t.Fatalf("user request %d: %d", i, code)
		}
	}
	total := int(e.o.LogSize())
	code, body, _ = e.get(t, c, "/activity")
	if code != 200 || !strings.Contains(body, fmt.Sprintf("%d matching entries", total)) || strings.Count(body, `<td class="num">`) != 50 {
		t.Fatalf("activity page 1: %d, %d rows", code, strings.Count(body, `<td class="num">`))
	}
	if !strings.Contains(body, fmt.Sprintf(`<td class="num">%d</td>`, total-1)) || strings.Contains(body, fmt.Sprintf(`<td class="num">%d</td>`, total-51)) {
		t.Fatal("activity page 1 is not the newest 50 entries")
	}
	checkLabels(t, "/activity", body)
	_, body, _ = e.get(t, c, "/activity?page=2")
	if n := strings.Count(body, `<td class="num">`); n != min(50, total-50) {
		t.Fatalf("activity page 2: %d rows", n)
	}
	_, body, _ = e.get(t, c, "/activity?type=request-executed")
	if !strings.Contains(body, "1 matching entries") || !strings.Contains(body, "<td>request-executed</td>") {
		t.Fatal("activity filtered by type")
	}
	_, body, _ = e.get(t, c, "/activity?user=ada&type=request-signed")
	if !strings.Contains(body, "1 matching entries") {
		t.Fatal("activity filtered by user and type")
	}
	if code, _, _ := e.get(t, c, "/activity?since=yesterday"); code != 400 {
		t.Fatalf("activity with a bad date: %d", code)
	}
	if _, body, _ = e.get(t, c, "/activity?until=2000-01-01"); !strings.Contains(body, "0 matching entries") {
		t.Fatal("activity until 2000 is not empty")
	}

	// Signing out ends the session.
	e.post(t, c, "/signout", nil)
	if code, _, _ := e.get(t, c, "/users"); code != 303 {
		t.Fatalf("after signing out: %d", code)
	}
	if len(pages.Routes) == 0 {
		t.Fatal("no routes")
	}
}

var signTextRE = regexp.MustCompile(`(?s)<textarea id="sign_text_copy"[^>]*>(.*?)</textarea>`)

// signTextOf returns the sign text of a request page, unescaped.
func signTextOf(t *testing.T, body string) string {
	t.Helper()
	m := signTextRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no sign text on the request page")
	}
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	return r.Replace(m[1])
}

package pages_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canvass/canvass/office"
	"golang.org/x/mod/sumdb/note"
)

// api sends a same-origin JSON request to the API with c's session (the
// pages and the API share the cookie) and decodes the answer into out.
func (e *env) api(t *testing.T, c *http.Client, method, path string, body any, out any) int {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// requestOf returns the request a form redirected to.
func (e *env) requestOf(t *testing.T, who *office.User, code int, h http.Header, what string) *office.RequestView {
	t.Helper()
	id, ok := strings.CutPrefix(h.Get("Location"), "/requests/")
	if code != http.StatusSeeOther || !ok {
		t.Fatalf("%s: %d to %q, want a redirect to the request", what, code, h.Get("Location"))
	}
	q, err := e.o.Request(context.Background(), who, id)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// sameRequest fails unless the form's request and the API's are the same
// kind, jurisdiction and action (minus the fields in differ, which the
// test had to make different).
func sameRequest(t *testing.T, what string, form, api *office.RequestView, differ ...string) {
	t.Helper()
	var a, b map[string]any
	if err := json.Unmarshal(form.Action, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(api.Action, &b); err != nil {
		t.Fatal(err)
	}
	for _, k := range differ {
		if a[k] == b[k] {
			t.Errorf("%s: %s is the same in both requests", what, k)
		}
		delete(a, k)
		delete(b, k)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if form.Kind != api.Kind || form.Jurisdiction != api.Jurisdiction || form.Status != "pending" || !bytes.Equal(ja, jb) {
		t.Errorf("%s: the form made %s %s %s, the API %s %s %s", what, form.Kind, form.Jurisdiction, ja, api.Kind, api.Jurisdiction, jb)
	}
	if len(differ) == 0 && form.ActionSHA256 != api.ActionSHA256 {
		t.Errorf("%s: action SHA-256 %s from the form, %s from the API", what, form.ActionSHA256, api.ActionSHA256)
	}
}

// TestUsersPages checks the users and roles pages over HTTP: what an
// administrator, an observer and an official see; that only an
// administrator gets forms and that anyone else's POST is refused with
// nothing logged; that each administrator form makes exactly the request
// the API makes for the same change; refusals keep the form; and that a
// reset's enrollment code is shown to the requester only.
func TestUsersPages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	adaP, bobP := e.enrollDirect(t, "ada"), e.enrollDirect(t, "bob")
	ada, bob := e.officeLogin(t, adaP), e.officeLogin(t, bobP)
	olga := e.newMember(t, ada, bob, "olga", office.RoleOfficial, "state")
	obs := e.newMember(t, ada, bob, "obs", office.RoleObserver, "state")
	ca, cb, co, cobs := client(), client(), client(), client()
	for c, p := range map[*http.Client]*person{ca: adaP, cb: bobP, co: olga.person, cobs: obs.person} {
		if code, _ := e.signIn(t, c, p, "/users"); code != 303 {
			t.Fatalf("sign in %s: %d", p.name, code)
		}
	}
	list, err := e.o.UserList(ctx, ada.u)
	if err != nil {
		t.Fatal(err)
	}
	var olgaKey string
	for _, x := range list {
		if x.Name == "olga" {
			olgaKey = x.SigningKey
		}
	}
	sum := sha256.Sum256([]byte(olgaKey))
	fingerprint := hex.EncodeToString(sum[:])

	// An administrator sees everything, with forms.
	code, body, _ := e.get(t, ca, "/users")
	if code != 200 || !strings.Contains(body, `<a href="/users/olga">olga</a>`) || !strings.Contains(body, `action="/users"`) ||
		!strings.Contains(body, "Emergency access") || !strings.Contains(body, "Everything the account does is in the election log") {
		t.Fatalf("ada's /users: %d\n%s", code, body)
	}
	checkLabels(t, "/users", body)
	code, body, _ = e.get(t, ca, "/users/olga")
	if code != 200 || !strings.Contains(body, fingerprint) || !strings.Contains(body, `<dd id="user-status">active</dd>`) {
		t.Fatalf("ada's /users/olga: %d, fingerprint %s\n%s", code, fingerprint, body)
	}
	for _, action := range []string{`action="/users/olga"`, `action="/users/olga/disabled"`, `action="/users/olga/reset"`} {
		if !strings.Contains(body, action) {
			t.Errorf("ada's /users/olga has no form %s", action)
		}
	}
	checkLabels(t, "/users/olga", body)

	// An observer sees names, roles and status, no key material, no form.
	code, body, _ = e.get(t, cobs, "/users")
	if code != 200 || !strings.Contains(body, `<a href="/users/olga">olga</a>`) || !strings.Contains(body, `<a href="/users">Users and roles</a>`) ||
		strings.Contains(body, `method="post" action="/users`) {
		t.Fatalf("observer's /users: %d\n%s", code, body)
	}
	code, body, _ = e.get(t, cobs, "/users/olga")
	if code != 200 || !strings.Contains(body, `<dd id="user-roles">official</dd>`) || strings.Contains(body, fingerprint) ||
		strings.Contains(body, olgaKey) || strings.Contains(body, `method="post" action="/users`) {
		t.Fatalf("observer's /users/olga: %d\n%s", code, body)
	}
	// An official sees no accounts and no forms.
	code, body, _ = e.get(t, co, "/users")
	if code != 200 || strings.Contains(body, "/users/ada") || strings.Contains(body, `method="post" action="/users`) ||
		strings.Contains(body, `<a href="/users">Users and roles</a>`) {
		t.Fatalf("official's /users: %d\n%s", code, body)
	}
	if code, _, _ := e.get(t, co, "/users/ada"); code != 404 {
		t.Fatalf("official's /users/ada: %d, want 404", code)
	}

	// Anyone but an administrator is refused every form, and nothing is logged.
	posts := map[string]url.Values{
		"/users":               {"name": {"mallory"}, "roles": {"admin"}},
		"/users/olga":          {"roles": {"admin"}, "jurisdiction": {"state"}, "party": {""}},
		"/users/olga/disabled": {"disabled": {"true"}},
		"/users/olga/reset":    nil,
		"/users/ada/disabled":  {"disabled": {"true"}},
	}
	for who, c := range map[string]*http.Client{"official": co, "observer": cobs} {
		for path, form := range posts {
			before := e.o.LogSize()
			code, body, _ := e.post(t, c, path, form)
			if code != 403 || !strings.Contains(body, "Refused") || e.o.LogSize() != before {
				t.Errorf("%s POST %s: %d, log %d -> %d entries", who, path, code, before, e.o.LogSize())
			}
		}
	}

	// Each administrator form makes exactly the request the API makes.
	code, _, h := e.post(t, ca, "/users/olga", url.Values{"roles": {"official", "observer"}, "jurisdiction": {"state"}, "party": {"Green"}})
	form := e.requestOf(t, ada.u, code, h, "change form")
	var api office.RequestView
	if code := e.api(t, cb, "PATCH", "/api/v1/users/olga", map[string]any{"roles": []string{"observer", "official"}, "party": "Green"}, &api); code != 202 {
		t.Fatalf("PATCH: %d", code)
	}
	sameRequest(t, "role change", form, &api)
	if form.Kind != office.KindUserChange || !strings.Contains(string(form.Action), `"Green"`) {
		t.Fatalf("change request %s %s", form.Kind, form.Action)
	}
	code, _, h = e.post(t, ca, "/users/obs/disabled", url.Values{"disabled": {"true"}})
	form = e.requestOf(t, ada.u, code, h, "disable form")
	if code := e.api(t, cb, "PATCH", "/api/v1/users/obs", map[string]any{"disabled": true}, &api); code != 202 {
		t.Fatalf("PATCH disabled: %d", code)
	}
	sameRequest(t, "disable", form, &api)
	code, _, h = e.post(t, ca, "/users/olga/reset", nil)
	form = e.requestOf(t, ada.u, code, h, "reset form")
	if code := e.api(t, cb, "POST", "/api/v1/users/olga/reset", nil, &api); code != 202 {
		t.Fatalf("POST reset: %d", code)
	}
	sameRequest(t, "reset", form, &api)
	reset := form
	code, _, h = e.post(t, ca, "/users", url.Values{"name": {"emma"}, "roles": {"official"}, "party": {"Blue"}, "expires_in": {"2h"}})
	form = e.requestOf(t, ada.u, code, h, "emergency account form")
	if code := e.api(t, cb, "POST", "/api/v1/users", map[string]any{"name": "emma2", "roles": []string{"official"}, "party": "Blue", "expires_in": "2h"}, &api); code != 202 {
		t.Fatalf("POST /api/v1/users: %d", code)
	}
	sameRequest(t, "emergency account", form, &api, "name")
	if !strings.Contains(string(form.Action), `"expires_in":"2h0m0s"`) {
		t.Errorf("emergency request action %s", form.Action)
	}

	// Refusals change nothing and keep what was typed.
	for _, f := range []url.Values{
		{"name": {"fred"}, "roles": {"official"}, "expires_in": {"25h"}},
		{"name": {"fred"}, "roles": {"official"}, "expires_in": {"soon"}},
		{"name": {"fred"}},
	} {
		before := e.o.LogSize()
		code, body, _ := e.post(t, ca, "/users", f)
		if code != 400 || !strings.Contains(body, `value="fred"`) || e.o.LogSize() != before {
			t.Errorf("refused create %v: %d, log %d -> %d\n%.300s", f, code, before, e.o.LogSize(), body)
		}
	}
	before := e.o.LogSize()
	if code, body, _ := e.post(t, ca, "/users/olga", url.Values{"jurisdiction": {"state"}, "party": {"Green"}}); code != 400 || !strings.Contains(body, `field: roles`) || e.o.LogSize() != before {
		t.Errorf("change without roles: %d\n%.300s", code, body)
	}
	if code, _, _ := e.post(t, ca, "/users/olga/disabled", url.Values{"disabled": {"maybe"}}); code != 400 || e.o.LogSize() != before {
		t.Errorf("disabled=maybe: %d", code)
	}
	if code, _, _ := e.post(t, ca, "/users/nobody/reset", nil); code != 404 || e.o.LogSize() != before {
		t.Errorf("reset of an unknown user: %d", code)
	}

	// The reset, signed by ada and bob through the pages: the new code is
	// shown to ada, the requester, only; olga's page says pending.
	for _, pc := range []struct {
		p *person
		c *http.Client
	}{{adaP, ca}, {bobP, cb}} {
		msg, err := note.Sign(&note.Note{Text: reset.SignText}, pc.p.signer)
		if err != nil {
			t.Fatal(err)
		}
		if code, body, _ := e.post(t, pc.c, "/requests/"+reset.ID+"/signatures", url.Values{"signature": {string(msg)}}); code != 200 {
			t.Fatalf("%s signs the reset: %d\n%s", pc.p.name, code, body)
		}
	}
	if _, body, _ := e.get(t, ca, "/requests/"+reset.ID); !strings.Contains(body, `id="result"`) || !strings.Contains(body, "enrollment_code") {
		t.Error("the requester does not see the reset's enrollment code")
	}
	if _, body, _ := e.get(t, cb, "/requests/"+reset.ID); strings.Contains(body, `id="result"`) {
		t.Error("the co-signer sees the reset's enrollment code")
	}
	if _, body, _ := e.get(t, ca, "/users/olga"); !strings.Contains(body, "re-enrolling after an enrollment reset") || strings.Contains(body, fingerprint) {
		t.Errorf("olga after the reset:\n%s", body)
	}
}

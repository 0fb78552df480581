package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
	"golang.org/x/mod/sumdb/note"
)

// cosign has a and b sign request q and fails unless it is then done.
func (e *env) cosign(a, b *person, q requestView) requestView {
	e.t.Helper()
	if c, _ := e.approve(a, q.ID, q.SignText); c != 200 {
		e.t.Fatalf("first signature on %s (%s): %d", q.ID, q.Kind, c)
	}
	c, v := e.approve(b, q.ID, q.SignText)
	if c != 200 || v.Status != "done" {
		e.t.Fatalf("second signature on %s (%s): %d %+v", q.ID, q.Kind, c, v)
	}
	return v
}

// userView is a row of GET /api/v1/users.
type userView struct {
	Name         string   `json:"name"`
	Roles        []string `json:"roles"`
	Jurisdiction string   `json:"jurisdiction"`
	Status       string   `json:"status"`
	Party        string   `json:"party"`
	Expires      string   `json:"expires"`
	Emergency    bool     `json:"emergency"`
	SigningKey   string   `json:"signing_key"`
}

func (e *env) userList(p *person) map[string]userView {
	e.t.Helper()
	var list []userView
	e.must(p.client, 200, "GET", "/api/v1/users", nil, &list)
	m := map[string]userView{}
	for _, u := range list {
		m[u.Name] = u
	}
	return m
}

// TestUserChanges changes roles, disables and re-enables, resets an
// enrollment, and keeps two administrators; then rebuilds; on SQLite and
// on PostgreSQL.
func TestUserChanges(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { userChanges(t, open) })
	}
}

func userChanges(t *testing.T, open opener) {
	w := newWorldOn(t, open)
	e := w.env
	var q requestView

	// A role removed takes effect on the next request.
	e.must(w.olga.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "Before", "date": "2026-11-03"}, nil)
	e.must(w.ada.client, 202, "PATCH", "/api/v1/users/olga", map[string]any{"roles": []string{"observer"}, "party": "Green"}, &q)
	if q.Kind != "user-change" || q.Status != "pending" {
		t.Fatalf("change request %+v", q)
	}
	// Nothing happens with one signature.
	if c, _ := e.approve(w.ada, q.ID, q.SignText); c != 200 {
		t.Fatal(c)
	}
	e.must(w.olga.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "Still", "date": "2026-11-03"}, nil)
	if c, v := e.approve(w.bob, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("second signature: %d %+v", c, v)
	}
	e.must(w.olga.client, 403, "POST", "/api/v1/elections", map[string]string{"name": "After", "date": "2026-11-03"}, nil)
	users := e.userList(w.ada)
	if o := users["olga"]; strings.Join(o.Roles, ",") != "observer" || o.Party != "Green" || o.Status != "active" {
		t.Fatalf("olga after the change: %+v", o)
	}

	// Disabling ends the sessions at once and refuses sign-in.
	e.must(w.otto.client, 200, "GET", "/api/v1/me", nil, nil)
	e.must(w.ada.client, 202, "PATCH", "/api/v1/users/otto", map[string]any{"disabled": true}, &q)
	e.cosign(w.ada, w.bob, q)
	e.must(w.otto.client, 401, "GET", "/api/v1/me", nil, nil)
	e.clock.Advance(30 * time.Second)
	e.must(w.otto.client, 401, "POST", "/api/v1/login", map[string]string{"user": "otto", "password": w.otto.pw, "totp": auth.TOTPCode(w.otto.seed, e.clock.Now())}, nil)
	if s := e.userList(w.ada)["otto"].Status; s != "disabled" {
		t.Fatalf("otto's status %q", s)
	}
	// Re-enabled, otto signs in again.
	e.must(w.ada.client, 202, "PATCH", "/api/v1/users/otto", map[string]any{"disabled": false}, &q)
	e.cosign(w.bob, w.ada, q)
	e.login(w.otto)
	e.must(w.otto.client, 200, "GET", "/api/v1/me", nil, nil)

	// Observers see who may do what, without key material; admins see keys.
	if v := e.userList(w.otto)["pat"]; v.Name != "pat" || v.SigningKey != "" || v.Status != "active" {
		t.Fatalf("observer's view of pat: %+v", v)
	}
	if v := e.userList(w.ada)["pat"]; v.SigningKey != w.pat.vkey {
		t.Fatalf("admin's view of pat: %+v", v)
	}
	// Officials may not list users: an empty list.
	var none []userView
	e.must(w.pat.client, 200, "GET", "/api/v1/users", nil, &none)
	if len(none) != 0 {
		t.Fatalf("an official lists %d users", len(none))
	}

	// Reset: new code for the requester only, old credentials revoked.
	e.must(w.ada.client, 202, "POST", "/api/v1/users/pat/reset", nil, &q)
	if q.Kind != "user-reset" {
		t.Fatalf("reset request %+v", q)
	}
	e.cosign(w.ada, w.bob, q)
	e.must(w.pat.client, 401, "GET", "/api/v1/me", nil, nil)
	var byBob, byAda requestView
	e.must(w.bob.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &byBob)
	e.must(w.ada.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &byAda)
	code := byAda.Result["enrollment_code"]
	if code == "" || byBob.Result != nil {
		t.Fatalf("reset result: requester %v, co-signer %v", byAda.Result, byBob.Result)
	}
	e.clock.Advance(30 * time.Second)
	e.must(w.pat.client, 401, "POST", "/api/v1/login", map[string]string{"user": "pat", "password": w.pat.pw, "totp": auth.TOTPCode(w.pat.seed, e.clock.Now())}, nil)
	// The revoked key cannot be registered again.
	if c := e.do(w.pat.client, "POST", "/api/v1/enroll", map[string]string{"user": "pat", "code": code, "password": w.pat.pw, "signing_key": w.pat.vkey}, nil); c != 409 {
		t.Fatalf("re-enrolling with the revoked key: %d, want 409", c)
	}
	pat2 := e.enroll("pat", code)
	e.login(pat2)
	e.must(pat2.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "Back", "date": "2026-11-03"}, nil)

	// Two enabled state administrators at all times.
	e.must(w.ada.client, 409, "PATCH", "/api/v1/users/bob", map[string]any{"disabled": true}, nil)
	e.must(w.ada.client, 409, "PATCH", "/api/v1/users/bob", map[string]any{"roles": []string{"official"}}, nil)
	e.must(w.ada.client, 409, "PATCH", "/api/v1/users/bob", map[string]any{"jurisdiction": "state/hennepin"}, nil)
	cora := e.newUser(w.ada, w.bob, "cora", []string{"admin"}, "state")
	// An approval stops counting when its signer loses the approving role.
	var x requestView
	e.must(w.ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "zed", "roles": []string{"observer"}}, &x)
	if c, _ := e.approve(cora, x.ID, x.SignText); c != 200 {
		t.Fatal(c)
	}
	e.must(w.ada.client, 202, "PATCH", "/api/v1/users/cora", map[string]any{"roles": []string{"official"}}, &q)
	e.cosign(w.ada, w.bob, q)
	if c, _ := e.approve(w.bob, x.ID, x.SignText); c != 409 {
		t.Fatalf("a request approved by a former admin executes: %d, want 409", c)
	}
	e.must(w.ada.client, 202, "PATCH", "/api/v1/users/cora", map[string]any{"roles": []string{"admin"}}, &q)
	e.cosign(w.ada, w.bob, q)
	var q1, q2 requestView
	e.must(w.ada.client, 202, "PATCH", "/api/v1/users/bob", map[string]any{"disabled": true}, &q1)
	e.must(w.ada.client, 202, "PATCH", "/api/v1/users/cora", map[string]any{"disabled": true}, &q2)
	e.cosign(w.ada, cora, q1)
	if c, _ := e.approve(w.ada, q2.ID, q2.SignText); c != 200 {
		t.Fatal(c)
	}
	// Bob is disabled now: his approval is refused, and so is the change
	// that would leave ada alone (cora signs it herself).
	if c, _ := e.approve(w.bob, q2.ID, q2.SignText); c != 401 {
		t.Fatalf("a disabled admin signs: %d, want 401", c)
	}
	if c, _ := e.approve(cora, q2.ID, q2.SignText); c != 409 {
		t.Fatalf("the change leaving one admin executes: %d, want 409", c)
	}
	e.must(w.ada.client, 200, "GET", "/api/v1/requests/"+q2.ID, nil, &q2)
	if q2.Status != "refused" {
		t.Fatalf("request %s is %s, want refused", q2.ID, q2.Status)
	}

	// The log holds both signatures of each change, and rebuild gives the
	// same database.
	kinds := map[string]int{}
	e.o.Events(context.Background(), func(ev ledger.Event) error {
		if ev.Type == "request-executed" {
			kinds[ev.Payload["kind"].(string)]++
		}
		return nil
	})
	if kinds["user-change"] != 6 || kinds["user-reset"] != 1 || kinds["users"] != 5 {
		t.Fatalf("executed requests by kind: %v", kinds)
	}
	rebuildEquals(t, e, open)
}

// rebuildEquals closes e's office and checks that a rebuild into a new
// store of the same backend dumps the same bytes.
func rebuildEquals(t *testing.T, e *env, open opener) {
	t.Helper()
	before := dump(t, e.st)
	st2 := open(t)
	defer st2.Close()
	e.srv.Close()
	if err := e.o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := office.Rebuild(context.Background(), e.dir, st2); err != nil {
		t.Fatal(err)
	}
	if after := dump(t, st2); string(after) != string(before) {
		t.Fatalf("rebuilt dump differs:\n%s\n----\n%s", before, after)
	}
}

// TestEmergencyAccess creates a time-boxed account by a two-person request
// and checks that sign-in and sessions end with it, on both backends.
func TestEmergencyAccess(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { emergencyAccess(t, open) })
	}
}

func emergencyAccess(t *testing.T, open opener) {
	w := newWorldOn(t, open)
	e := w.env
	var q requestView
	e.must(w.ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "vendor-tech", "roles": []string{"official"}, "jurisdiction": "state/hennepin", "expires_in": "20m"}, &q)
	// Approved an hour later: the time counts from the execution.
	e.clock.Advance(time.Hour)
	e.login(w.ada)
	e.login(w.bob)
	start := e.clock.Now()
	e.cosign(w.ada, w.bob, q)
	e.must(w.ada.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	tech := e.enroll("vendor-tech", q.Result["enrollment_code"])
	e.login(tech)
	e.login(w.otto)
	v := e.userList(w.otto)["vendor-tech"]
	if !v.Emergency || v.Status != "active" {
		t.Fatalf("observer's view of the emergency account: %+v", v)
	}
	end, err := time.Parse(time.RFC3339, v.Expires)
	if err != nil || !end.Equal(start.Add(20*time.Minute)) {
		t.Fatalf("expires %q (%v), approved at %v", v.Expires, err, start)
	}
	// What it does is logged under its name like anyone's.
	var el office.Election
	e.must(tech.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "Emergency", "date": "2026-11-03"}, &el)

	e.clock.Set(end.Add(-time.Second))
	e.must(tech.client, 200, "GET", "/api/v1/me", nil, nil)
	e.clock.Advance(time.Second)
	e.must(tech.client, 401, "GET", "/api/v1/me", nil, nil)
	e.clock.Advance(30 * time.Second)
	e.must(tech.client, 401, "POST", "/api/v1/login", map[string]string{"user": "vendor-tech", "password": tech.pw, "totp": auth.TOTPCode(tech.seed, e.clock.Now())}, nil)
	if s := e.userList(w.ada)["vendor-tech"].Status; s != "expired" {
		t.Fatalf("status after the end: %q", s)
	}
	found := map[string]bool{}
	e.o.Events(context.Background(), func(ev ledger.Event) error {
		if ev.Type == "election-created" && ev.UserID == "vendor-tech" {
			found["election"] = true
		}
		if ev.Type == "login-failure" && ev.Payload["username"] == "vendor-tech" && ev.Payload["reason"] == "expired" {
			found["expired"] = true
		}
		return nil
	})
	if !found["election"] || !found["expired"] {
		t.Fatalf("log: %v", found)
	}

	// An absolute end is checked again at execution.
	e.login(w.ada)
	e.login(w.bob)
	at := e.clock.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	e.must(w.ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "late", "roles": []string{"observer"}, "expires": at}, &q)
	if c, _ := e.approve(w.ada, q.ID, q.SignText); c != 200 {
		t.Fatal(c)
	}
	e.clock.Advance(11 * time.Minute)
	if c, _ := e.approve(w.bob, q.ID, q.SignText); c != 409 {
		t.Fatalf("an emergency account approved after its end: %d, want 409", c)
	}
	// An unused code of an expired account does not enroll.
	e.must(w.ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "brief", "roles": []string{"observer"}, "expires_in": "10m"}, &q)
	v2 := e.cosign(w.ada, w.bob, q)
	e.must(w.ada.client, 200, "GET", "/api/v1/requests/"+v2.ID, nil, &q)
	e.clock.Advance(11 * time.Minute)
	if c := e.do(e.client(), "POST", "/api/v1/enroll", map[string]string{"user": "brief", "code": q.Result["enrollment_code"], "password": "correct horse battery staple x", "signing_key": freshKey(t, "brief")}, nil); c != 403 {
		t.Fatalf("enrolling an expired account: %d, want 403", c)
	}
	rebuildEquals(t, e, open)
}

// TestUserBadInputChangesNothing: each malformed or refused account
// request gets a precise 4xx and leaves log and database as they were.
func TestUserBadInputChangesNothing(t *testing.T) {
	w := newWorld(t)
	e := w.env
	for _, c := range []struct {
		name         string
		p            *person
		method, path string
		body         any
		status       int
		field        string
	}{
		{"empty change", w.ada, "PATCH", "/api/v1/users/olga", map[string]any{}, 400, ""},
		{"no change", w.ada, "PATCH", "/api/v1/users/olga", map[string]any{"roles": []string{"official"}}, 400, ""},
		{"unknown field", w.ada, "PATCH", "/api/v1/users/olga", `{"role":["admin"]}`, 400, "role"},
		{"no roles", w.ada, "PATCH", "/api/v1/users/olga", map[string]any{"roles": []string{}}, 400, "roles"},
		{"unknown role", w.ada, "PATCH", "/api/v1/users/olga", map[string]any{"roles": []string{"root"}}, 400, "roles"},
		{"roles twice", w.ada, "PATCH", "/api/v1/users/olga", map[string]any{"roles": []string{"official", "official"}}, 400, "roles"},
		{"bad jurisdiction", w.ada, "PATCH", "/api/v1/users/olga", map[string]any{"jurisdiction": "State/x"}, 400, "jurisdiction"},
		{"bad party", w.ada, "PATCH", "/api/v1/users/olga", map[string]any{"party": "Green\n"}, 400, "party"},
		{"disabled not bool", w.ada, "PATCH", "/api/v1/users/olga", `{"disabled":"yes"}`, 400, "disabled"},
		{"no such user", w.ada, "PATCH", "/api/v1/users/nobody", map[string]any{"disabled": true}, 404, "name"},
		{"reset no such user", w.ada, "POST", "/api/v1/users/nobody/reset", nil, 404, "name"},
		{"reset with body", w.ada, "POST", "/api/v1/users/olga/reset", `{"x":1}`, 400, "x"},
		{"escalation by official", w.olga, "PATCH", "/api/v1/users/olga", map[string]any{"roles": []string{"admin"}}, 403, ""},
		{"escalation by observer", w.otto, "POST", "/api/v1/users/olga/reset", nil, 403, ""},
		{"last admins", w.ada, "PATCH", "/api/v1/users/ada", map[string]any{"disabled": true}, 409, ""},
		{"expires too long", w.ada, "POST", "/api/v1/users", map[string]any{"name": "x1", "roles": []string{"official"}, "expires_in": "25h"}, 400, "expires_in"},
		{"expires not a duration", w.ada, "POST", "/api/v1/users", map[string]any{"name": "x1", "roles": []string{"official"}, "expires_in": "4 hours"}, 400, "expires_in"},
		{"expires both", w.ada, "POST", "/api/v1/users", map[string]any{"name": "x1", "roles": []string{"official"}, "expires_in": "4h", "expires": "2030-01-01T00:00:00Z"}, 400, "expires_in"},
		{"expires past", w.ada, "POST", "/api/v1/users", map[string]any{"name": "x1", "roles": []string{"official"}, "expires": "2001-01-01T00:00:00Z"}, 400, "expires"},
		{"expires not RFC 3339", w.ada, "POST", "/api/v1/users", map[string]any{"name": "x1", "roles": []string{"official"}, "expires": "tomorrow"}, 400, "expires"},
		{"party too long", w.ada, "POST", "/api/v1/users", map[string]any{"name": "x1", "roles": []string{"official"}, "party": strings.Repeat("p", 65)}, 400, "party"},
	} {
		w.unchanged(c.name, func() {
			var out map[string]string
			var raw json.RawMessage
			got := e.do(c.p.client, c.method, c.path, c.body, &raw)
			json.Unmarshal(raw, &out)
			if got != c.status || out["field"] != c.field || out["error"] == "" {
				t.Errorf("%s: %d %s, want %d with field %q", c.name, got, raw, c.status, c.field)
			}
		})
	}
}

// Set moves the clock to t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// freshKey returns a new signed-note verifier key.
func freshKey(t *testing.T, name string) string {
	_, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	return vkey
}

// TestRulesChange tabulates the Minneapolis contest, then again under
// other rules: that is a rules-change request, which counts when two
// officials have signed it. On both backends, with a rebuild.
func TestRulesChange(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { rulesChange(t, open) })
	}
}

func rulesChange(t *testing.T, open opener) {
	w := newWorldOn(t, open)
	e := w.env
	const fixture = "2013_minneapolis_mayor"
	xlsx := readFixture(t, fixture+"_cvr.xlsx")
	if c := e.upload(w.olga.client, w.election, map[string][]byte{"mpls_cvr.xlsx": xlsx}, nil, nil); c != 200 {
		t.Fatalf("upload: %d", c)
	}
	config := func(edit func(cfg map[string]any)) map[string]any {
		var cfg map[string]any
		if err := json.Unmarshal(readFixture(t, fixture+"_config.json"), &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["cvrFileSources"].([]any)[0].(map[string]any)["filePath"] = "mpls_cvr.xlsx"
		if edit != nil {
			edit(cfg)
		}
		return map[string]any{"rctab_config": cfg}
	}
	path := "/api/v1/elections/" + w.election + "/tabulations"
	var first struct{ ID string }
	e.must(w.olga.client, 201, "POST", path, config(nil), &first)
	// Output settings are not rules: this counts at once.
	e.must(w.olga.client, 201, "POST", path, config(func(cfg map[string]any) {
		cfg["outputSettings"].(map[string]any)["tabulateByPrecinct"] = false
		cfg["outputSettings"].(map[string]any)["outputDirectory"] = "elsewhere"
	}), nil)
	exclude := func(cfg map[string]any) {
		cfg["candidates"].([]any)[0].(map[string]any)["excluded"] = true
	}
	// Bad input is refused before any rules check, and changes nothing.
	w.unchanged("bad config", func() {
		e.must(w.olga.client, 400, "POST", path, config(func(cfg map[string]any) {
			exclude(cfg)
			cfg["cvrFileSources"].([]any)[0].(map[string]any)["filePath"] = "missing.xlsx"
		}), nil)
	})
	var q requestView
	w.unchanged("observer", func() { e.must(w.otto.client, 403, "POST", path, config(exclude), nil) })
	e.must(w.olga.client, 202, "POST", path, config(exclude), &q)
	if q.Kind != "rules-change" || q.Status != "pending" {
		t.Fatalf("request %+v", q)
	}
	// An administrator may not approve it; an official of the county may.
	if c, _ := e.approve(w.ada, q.ID, q.SignText); c != 403 {
		t.Fatalf("an admin approves a rules change: %d", c)
	}
	e.cosign(w.olga, w.pat, q)
	e.must(w.olga.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	tid := q.Result["tabulation"]
	var tab struct {
		ID      string          `json:"id"`
		Summary json.RawMessage `json:"summary"`
	}
	e.must(w.pat.client, 200, "GET", path+"/"+tid, nil, &tab)
	// The excluded candidate is out of the count.
	if tab.ID != tid || !strings.Contains(string(tab.Summary), "BETSY HODGES") || strings.Contains(string(tab.Summary), "TROY BENJEGERDES") {
		t.Fatalf("tabulation %+v", tab)
	}
	// The new rules are in force: counting under them needs nothing more,
	// going back to the old ones is another rules change.
	e.must(w.olga.client, 201, "POST", path, config(exclude), nil)
	e.must(w.olga.client, 202, "POST", path, config(nil), &q)
	if q.Kind != "rules-change" {
		t.Fatalf("going back: %+v", q)
	}
	// The log holds the rules hash of every count and the request of the
	// approved one.
	var rules []string
	var approved int
	e.o.Events(context.Background(), func(ev ledger.Event) error {
		if ev.Type == "election-tabulation" {
			rules = append(rules, ev.Payload["rules_sha256"].(string))
			if ev.Payload["request"] != nil {
				approved++
			}
		}
		return nil
	})
	if len(rules) != 4 || rules[0] != rules[1] || rules[1] == rules[2] || rules[2] != rules[3] || approved != 1 {
		t.Fatalf("rules hashes %v, %d approved", rules, approved)
	}
	rebuildEquals(t, e, open)
}

// TestBoardParties: an audit board whose members' accounts all record the
// same party is refused; different parties, or a member without a party
// recorded, pass.
func TestBoardParties(t *testing.T) {
	e := newEnv(t)
	p := newAuditPeople(e)
	var el office.Election
	e.must(p.official.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "State General", "date": "2026-11-03"}, &el)
	js := counties[:1]
	setup := map[string]any{"election": el.ID, "name": "Polling RLA", "type": "ballot-polling", "math": "bravo", "risk_limit": 0.1, "sampler": "arlo",
		"contests": []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": js, "reported": json.RawMessage(`{"Alice":200,"Bob":100}`)}}}
	var created struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", setup, &created)
	base := "/api/v1/audits/" + created.ID
	if c := e.auditUpload(p.aa1.client, created.ID, js[0], "manifest", "arlo", "manifest.csv", countyManifest(js[0]), nil); c != 200 {
		t.Fatalf("manifest: %d", c)
	}
	var q requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann"}}, &q)
	e.cosign(p.aa1, p.aa2, q)
	e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{"key": "0.9"}}, nil)

	for name, party := range map[string]string{"dee": "Democratic", "dan": " democratic"[1:], "ron": "Republican"} {
		e.must(p.ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": name, "roles": []string{"observer"}, "jurisdiction": "state", "party": party}, &q)
		e.cosign(p.ada, p.bob, q)
	}
	boards := base + "/jurisdictions/" + js[0] + "/boards"
	var out map[string]string
	e.unchanged("same party", func() {
		if c := e.do(p.aa1.client, "POST", boards, map[string]any{"members": []string{"dee", "dan"}}, &out); c != 400 || out["field"] != "members" || !strings.Contains(out["error"], "different parties") {
			t.Errorf("a board of one party: %d %v", c, out)
		}
	})
	e.must(p.aa1.client, 201, "POST", boards, map[string]any{"members": []string{"dee", "ron"}}, nil)
	e.must(p.aa1.client, 201, "POST", boards, map[string]any{"members": []string{"dan", "Someone Else"}}, nil)
	// A party changed by request counts from then on.
	e.must(p.ada.client, 202, "PATCH", "/api/v1/users/ron", map[string]any{"party": "Democratic"}, &q)
	e.cosign(p.ada, p.bob, q)
	e.unchanged("same party after a change", func() {
		if c := e.do(p.aa1.client, "POST", boards, map[string]any{"members": []string{"ron", "dee"}}, nil); c != 400 {
			t.Errorf("a board of one party after a change: %d", c)
		}
	})
}

package server_test

import "testing"

// TestRequestCannotExecute makes two requests for the same new user: the
// first executes, the second, once signed twice, can no longer execute and
// ends refused.
func TestRequestCannotExecute(t *testing.T) {
	e := newEnv(t)
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	bob := e.enroll("bob", e.created.Enrollment["bob"])
	e.login(ada)
	e.login(bob)
	var q1, q2 requestView
	e.must(ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "dup", "roles": []string{"observer"}}, &q1)
	e.must(ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "dup", "roles": []string{"official"}}, &q2)
	e.approve(ada, q1.ID, q1.SignText)
	if c, v := e.approve(bob, q1.ID, q1.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("first request: %d %+v", c, v)
	}
	e.approve(ada, q2.ID, q2.SignText)
	if c, _ := e.approve(bob, q2.ID, q2.SignText); c != 409 {
		t.Fatalf("second request's execution: %d, want 409", c)
	}
	e.must(ada.client, 200, "GET", "/api/v1/requests/"+q2.ID, nil, &q2)
	if q2.Status != "refused" || len(q2.Signatures) != 1 {
		t.Fatalf("second request %+v, want refused", q2)
	}
	if c, _ := e.approve(bob, q2.ID, q2.SignText); c != 409 {
		t.Fatalf("signing a refused request: %d", c)
	}
}

// TestOneKeyOnePerson refuses a signing key already registered to another
// account, so that one person cannot approve twice under two names.
func TestOneKeyOnePerson(t *testing.T) {
	e := newEnv(t)
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	var out map[string]string
	c := e.do(e.client(), "POST", "/api/v1/enroll", map[string]string{"user": "bob", "code": e.created.Enrollment["bob"], "password": "correct horse battery staple", "signing_key": ada.vkey}, &out)
	if c != 409 || out["field"] != "signing_key" {
		t.Fatalf("enrolling bob with ada's key: %d %v", c, out)
	}
}

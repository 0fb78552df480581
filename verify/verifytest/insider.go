package verifytest

import "github.com/canvass/canvass/office"

// User is the signed-in account of an enrolled person (ada, bob, olga,
// pat), for tests that act as that person through the office library.
func (x *Office) User(name string) *office.User {
	x.t.Helper()
	p := x.people[name]
	if p == nil {
		x.t.Fatalf("no person %q", name)
	}
	return p.user
}

// SignAs signs text with name's personal key, which only that person
// holds (an insider replay must never call it for anyone but the insider).
func (x *Office) SignAs(name, text string) string {
	x.t.Helper()
	p := x.people[name]
	if p == nil {
		x.t.Fatalf("no person %q", name)
	}
	return p.sign(x.t, text)
}

// TOTPSeed is name's TOTP seed as the authenticator app holds it.
func (x *Office) TOTPSeed(name string) []byte {
	x.t.Helper()
	return append([]byte(nil), x.people[name].seed...)
}

// Password is name's password.
func (x *Office) Password(name string) string {
	x.t.Helper()
	return x.people[name].pw
}

// Approve has a and then b sign request q through the office, as two
// people each holding their own key.
func (x *Office) Approve(q *office.RequestView, a, b string) *office.RequestView {
	x.t.Helper()
	return x.approve(q, a, b)
}

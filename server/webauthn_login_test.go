package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn/webauthntest"
)

// keyLogin is one sign-in with a security key: begin with password pw,
// the authenticator's answer, finish. It returns the finish status and
// answer; begin must answer 200.
func (e *env) keyLogin(c *http.Client, name, pw string, authn *webauthntest.Authenticator) (int, map[string]any) {
	e.t.Helper()
	resp := e.keyAssertion(c, name, pw, authn)
	return e.keyFinish(c, name, resp)
}

// keyAssertion runs the begin step and returns the authenticator's
// answer, not yet submitted.
func (e *env) keyAssertion(c *http.Client, name, pw string, authn *webauthntest.Authenticator) []byte {
	e.t.Helper()
	var opts json.RawMessage
	e.must(c, 200, "POST", "/api/v1/login/webauthn/begin", map[string]string{"user": name, "password": pw}, &opts)
	resp, err := authn.Assert(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func (e *env) keyFinish(c *http.Client, name string, resp []byte) (int, map[string]any) {
	e.t.Helper()
	var out map[string]any
	code := e.do(c, "POST", "/api/v1/login/webauthn/finish", map[string]any{"user": name, "response": json.RawMessage(resp)}, &out)
	return code, out
}

// loginEvents returns the login and login-failure events logged from
// index from on, as "login user method" and "failure user reason".
func (e *env) loginEvents(from int) []string {
	e.t.Helper()
	var out []string
	for _, ev := range e.events()[from:] {
		switch ev.Type {
		case "login":
			out = append(out, "login "+ev.UserID+" "+ev.Payload["method"].(string))
		case "login-failure":
			out = append(out, "failure "+ev.Payload["username"].(string)+" "+ev.Payload["reason"].(string))
		}
	}
	return out
}

// storedSignCount reads the signature counter the office keeps for name.
func (e *env) storedSignCount(name string) uint32 {
	e.t.Helper()
	b, err := e.st.Secret(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	var s struct {
		Record []byte `json:"webauthn_record"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		e.t.Fatal(err)
	}
	var rec struct {
		Authenticator struct {
			SignCount uint32 `json:"signCount"`
		} `json:"authenticator"`
	}
	if err := json.Unmarshal(s.Record, &rec); err != nil {
		e.t.Fatal(err)
	}
	return rec.Authenticator.SignCount
}

// requestOptions is the part of the assertion options the tests compare.
type requestOptions struct {
	PublicKey struct {
		Challenge        string `json:"challenge"`
		Timeout          int    `json:"timeout"`
		RPID             string `json:"rpId"`
		UserVerification string `json:"userVerification"`
		AllowCredentials []struct {
			Type       string   `json:"type"`
			ID         string   `json:"id"`
			Transports []string `json:"transports"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func (e *env) beginOptions(name, pw string) (requestOptions, []string) {
	e.t.Helper()
	var raw json.RawMessage
	e.must(e.client(), 200, "POST", "/api/v1/login/webauthn/begin", map[string]string{"user": name, "password": pw}, &raw)
	var o requestOptions
	if err := json.Unmarshal(raw, &o); err != nil {
		e.t.Fatal(err)
	}
	var shape map[string]map[string]any
	json.Unmarshal(raw, &shape)
	var keys []string
	for k := range shape["publicKey"] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return o, keys
}

// TestWebAuthnSignIn: a person whose signing key is a security key signs
// in with password + assertion instead of password + TOTP, and gets the
// same answer and cookie as /api/v1/login. Replayed, expired, misdirected
// and cloned assertions are refused and logged; begin answers alike
// whatever the password or account, and shares /login's lockout.
func TestWebAuthnSignIn(t *testing.T) {
	e := newEnv(t)
	enableWebAuthn(t, e)
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	bob, bobKey := e.enrollWebAuthn("bob", e.created.Enrollment["bob"])
	e.login(ada)
	e.login(bob) // password + TOTP still works for a security-key user

	// pat, a second security-key user, for misdirected assertions.
	var q requestView
	e.must(ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "pat", "roles": []string{"official"}, "jurisdiction": "state/hennepin"}, &q)
	e.approve(ada, q.ID, q.SignText)
	if c, v := e.approveWebAuthn(bob, q.ID, e.assertion(bob, bobKey, q.ID)); c != 200 || v.Status != "done" {
		t.Fatalf("approving pat: %d %+v", c, v)
	}
	e.must(ada.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	pat, patKey := e.enrollWebAuthn("pat", q.Result["enrollment_code"])

	// Success: the same answer as /api/v1/login, a working cookie, the
	// counter stored, the login logged with its method.
	mark := len(e.events())
	c := e.client()
	code, out := e.keyLogin(c, "bob", bob.pw, bobKey)
	if code != 200 || out["user"] != "bob" || out["jurisdiction"] != "state" || len(out["roles"].([]any)) != 1 || out["roles"].([]any)[0] != "admin" {
		t.Fatalf("sign-in with a security key: %d %v", code, out)
	}
	var totpOut map[string]any
	e.clock.Advance(30 * time.Second)
	e.must(e.client(), 200, "POST", "/api/v1/login", map[string]string{"user": "bob", "password": bob.pw, "totp": auth.TOTPCode(bob.seed, e.clock.Now())}, &totpOut)
	if len(totpOut) != len(out) {
		t.Fatalf("answers differ: /login %v, security key %v", totpOut, out)
	}
	var me map[string]any
	e.must(c, 200, "GET", "/api/v1/me", nil, &me)
	if me["name"] != "bob" {
		t.Fatalf("/api/v1/me with the security-key session: %v", me)
	}
	if got := e.storedSignCount("bob"); got == 0 || got != bobKey.SignCount() {
		t.Fatalf("stored counter %d, authenticator's %d", got, bobKey.SignCount())
	}
	if got := e.loginEvents(mark); !slices.Equal(got, []string{"login bob password+webauthn", "login bob password+totp"}) {
		t.Fatalf("events %q", got)
	}

	// Replay: the same answer again is refused (the ceremony is spent),
	// and logged.
	mark = len(e.events())
	resp := e.keyAssertion(e.client(), "bob", bob.pw, bobKey)
	if code, _ := e.keyFinish(e.client(), "bob", resp); code != 200 {
		t.Fatalf("sign-in: %d", code)
	}
	if code, out := e.keyFinish(e.client(), "bob", resp); code != 401 {
		t.Fatalf("replayed assertion: %d %v, want 401", code, out)
	}
	if got := e.loginEvents(mark); !slices.Equal(got, []string{"login bob password+webauthn", "failure bob bad-second-factor"}) {
		t.Fatalf("events %q", got)
	}

	// Expiry: by the office's clock, a ceremony lives two minutes.
	resp = e.keyAssertion(e.client(), "bob", bob.pw, bobKey)
	e.clock.Advance(2*time.Minute + time.Second)
	if code, _ := e.keyFinish(e.client(), "bob", resp); code != 401 {
		t.Fatalf("expired ceremony: %d, want 401", code)
	}
	resp = e.keyAssertion(e.client(), "bob", bob.pw, bobKey)
	e.clock.Advance(110 * time.Second)
	if code, _ := e.keyFinish(e.client(), "bob", resp); code != 200 {
		t.Fatalf("ceremony within its two minutes: %d, want 200", code)
	}

	// Another user's assertion: pat's answer to pat's own ceremony,
	// submitted as bob's, is refused and spends bob's ceremony; pat's
	// ceremony is untouched. So is pat's key answering bob's ceremony.
	mark = len(e.events())
	e.keyAssertion(e.client(), "bob", bob.pw, bobKey)
	patResp := e.keyAssertion(e.client(), "pat", pat.pw, patKey)
	if code, _ := e.keyFinish(e.client(), "bob", patResp); code != 401 {
		t.Fatalf("pat's assertion as bob's: %d, want 401", code)
	}
	if code, out := e.keyFinish(e.client(), "pat", patResp); code != 200 || out["user"] != "pat" {
		t.Fatalf("pat's own assertion: %d %v", code, out)
	}
	var raw json.RawMessage
	e.must(e.client(), 200, "POST", "/api/v1/login/webauthn/begin", map[string]string{"user": "bob", "password": bob.pw}, &raw)
	var opts map[string]any
	json.Unmarshal(raw, &opts)
	delete(opts["publicKey"].(map[string]any), "allowCredentials")
	raw, _ = json.Marshal(opts)
	forBob, err := patKey.Assert(raw)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.keyFinish(e.client(), "bob", forBob); code != 401 {
		t.Fatalf("pat's key answering bob's ceremony: %d, want 401", code)
	}
	if got := e.loginEvents(mark); !slices.Equal(got, []string{"failure bob bad-second-factor", "login pat password+webauthn", "failure bob bad-second-factor"}) {
		t.Fatalf("events %q", got)
	}

	// Counter regression: a copy of bob's key made before his last
	// sign-in answers with a counter not above the stored one: refused,
	// logged as a cloned authenticator, and the stored counter kept.
	clone := bobKey.Clone()
	if code, _ := e.keyLogin(e.client(), "bob", bob.pw, bobKey); code != 200 {
		t.Fatalf("sign-in: %d", code)
	}
	stored := e.storedSignCount("bob")
	mark = len(e.events())
	if code, _ := e.keyLogin(e.client(), "bob", bob.pw, clone); code != 401 {
		t.Fatalf("cloned authenticator: %d, want 401", code)
	}
	if got := e.loginEvents(mark); !slices.Equal(got, []string{"failure bob cloned-authenticator"}) {
		t.Fatalf("events %q", got)
	}
	if got := e.storedSignCount("bob"); got != stored {
		t.Fatalf("stored counter moved from %d to %d on a refused assertion", stored, got)
	}
	if code, _ := e.keyLogin(e.client(), "bob", bob.pw, bobKey); code != 200 {
		t.Fatalf("the original key after the clone was refused: %d", code)
	}

	// Wrong password: options that look like the right password's (same
	// fields, same credential), no ceremony, the failure logged; the
	// key's answer to them is refused.
	good, goodKeys := e.beginOptions("bob", bob.pw)
	bad, badKeys := e.beginOptions("bob", bob.pw+"!")
	if !slices.Equal(goodKeys, badKeys) || len(bad.PublicKey.AllowCredentials) != 1 ||
		bad.PublicKey.AllowCredentials[0].ID != good.PublicKey.AllowCredentials[0].ID || bad.PublicKey.Timeout != good.PublicKey.Timeout ||
		bad.PublicKey.Challenge == good.PublicKey.Challenge || good.PublicKey.Timeout != 120000 {
		t.Fatalf("options for a wrong password %+v %q differ from the right one's %+v %q", bad, badKeys, good, goodKeys)
	}
	mark = len(e.events())
	if code, _ := e.keyLogin(e.client(), "bob", bob.pw+"!", bobKey); code != 401 {
		t.Fatalf("wrong password + genuine key: %d, want 401", code)
	}
	if got := e.loginEvents(mark); !slices.Equal(got, []string{"failure bob bad-credentials", "failure bob bad-second-factor"}) {
		t.Fatalf("events %q", got)
	}

	// An unknown account and a TOTP-only account (right password) get
	// options of the same shape, with a stable decoy credential; nothing
	// can finish them.
	nobody, nobodyKeys := e.beginOptions("nobody", "whatever password")
	nobody2, _ := e.beginOptions("nobody", "whatever password")
	adaOpts, adaKeys := e.beginOptions("ada", ada.pw)
	if !slices.Equal(nobodyKeys, goodKeys) || !slices.Equal(adaKeys, goodKeys) ||
		len(nobody.PublicKey.AllowCredentials) != 1 || len(adaOpts.PublicKey.AllowCredentials) != 1 ||
		nobody.PublicKey.AllowCredentials[0].ID != nobody2.PublicKey.AllowCredentials[0].ID ||
		nobody.PublicKey.AllowCredentials[0].ID == adaOpts.PublicKey.AllowCredentials[0].ID ||
		len(nobody.PublicKey.AllowCredentials[0].Transports)+len(good.PublicKey.AllowCredentials[0].Transports) != 0 {
		t.Fatalf("decoy options %+v / %+v / %+v vs %+v", nobody, nobody2, adaOpts, good)
	}
	mark = len(e.events())
	if code, _ := e.keyFinish(e.client(), "ada", resp); code != 401 {
		t.Fatalf("finish for a TOTP-only account: %d", code)
	}
	if code, _ := e.keyFinish(e.client(), "nobody", resp); code != 401 {
		t.Fatalf("finish for an unknown account: %d", code)
	}
	if got := e.loginEvents(mark); !slices.Equal(got, []string{"failure ada bad-second-factor", "failure nobody unknown-user"}) {
		t.Fatalf("events %q", got)
	}

	// Bad input is refused before anything is logged.
	mark = len(e.events())
	for _, body := range []string{`{"user":"bob","response":"x"}`, `{"user":"bob"}`, `{"user":"bob","response":{},"totp":"1"}`} {
		if code := e.do(e.client(), "POST", "/api/v1/login/webauthn/finish", body, nil); code != 400 {
			t.Errorf("finish %s: %d, want 400", body, code)
		}
	}
	if code := e.do(e.client(), "POST", "/api/v1/login/webauthn/begin", `{"user":"bob","password":"x","totp":"123456"}`, nil); code != 400 {
		t.Errorf("begin with an unknown field: %d, want 400", code)
	}
	if n := len(e.events()); n != mark {
		t.Errorf("bad input logged %d events", n-mark)
	}

	// A disabled account cannot sign in with its security key either: the
	// right password gets decoy options, and the attempt is logged.
	var dq requestView
	e.must(ada.client, 202, "PATCH", "/api/v1/users/pat", map[string]any{"disabled": true}, &dq)
	e.approve(ada, dq.ID, dq.SignText)
	if c, v := e.approveWebAuthn(bob, dq.ID, e.assertion(bob, bobKey, dq.ID)); c != 200 || v.Status != "done" {
		t.Fatalf("disabling pat: %d %+v", c, v)
	}
	mark = len(e.events())
	patOpts, _ := e.beginOptions("pat", pat.pw)
	for _, c := range patOpts.PublicKey.AllowCredentials {
		if c.ID == base64.RawURLEncoding.EncodeToString(patKey.CredentialID()) {
			t.Fatalf("a disabled account's right password got options naming its security key")
		}
	}
	if got := e.loginEvents(mark); !slices.Equal(got, []string{"failure pat disabled"}) {
		t.Fatalf("events of a disabled account's attempt %q", got)
	}

	// Lockout is shared with /login: five failures at begin lock the
	// account for both (the disabled attempt above was the first).
	for range 4 {
		e.beginOptions("pat", "wrong password here")
	}
	if code := e.do(e.client(), "POST", "/api/v1/login/webauthn/begin", map[string]string{"user": "pat", "password": pat.pw}, nil); code != 429 {
		t.Fatalf("begin for a locked account: %d, want 429", code)
	}
	e.clock.Advance(30 * time.Second)
	if code := e.do(e.client(), "POST", "/api/v1/login", map[string]string{"user": "pat", "password": pat.pw, "totp": auth.TOTPCode(pat.seed, e.clock.Now())}, nil); code != 429 {
		t.Fatalf("/login for an account locked through begin: %d, want 429", code)
	}
}

// TestWebAuthnSignInNotEnabled: without a WebAuthn origin the endpoints
// say so.
func TestWebAuthnSignInNotEnabled(t *testing.T) {
	e := newEnv(t)
	e.enroll("ada", e.created.Enrollment["ada"])
	if c := e.do(e.client(), "POST", "/api/v1/login/webauthn/begin", map[string]string{"user": "ada", "password": "x"}, nil); c != 501 {
		t.Fatalf("begin without WebAuthn: %d, want 501", c)
	}
	if c := e.do(e.client(), "POST", "/api/v1/login/webauthn/finish", map[string]any{"user": "ada", "response": map[string]any{}}, nil); c != 501 {
		t.Fatalf("finish without WebAuthn: %d, want 501", c)
	}
}

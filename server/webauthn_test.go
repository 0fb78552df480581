package server_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn"
	"github.com/canvass/canvass/auth/webauthn/webauthntest"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
)

// webauthnOrigin is the web origin the software authenticator claims; the
// office accepts it for the relying party "localhost".
const webauthnOrigin = "http://localhost"

func enableWebAuthn(t *testing.T, e *env) {
	t.Helper()
	if err := e.o.EnableWebAuthn(webauthn.Config{RPID: "localhost", RPDisplayName: "canvass test", Origins: []string{webauthnOrigin}}); err != nil {
		t.Fatal(err)
	}
}

// enrollWebAuthn enrolls name with a WebAuthn credential on a software
// authenticator as the personal signing key.
func (e *env) enrollWebAuthn(name, code string) (*person, *webauthntest.Authenticator) {
	e.t.Helper()
	authn, err := webauthntest.New(webauthnOrigin)
	if err != nil {
		e.t.Fatal(err)
	}
	p := &person{name: name, client: e.client(), pw: "correct horse battery staple " + strings.Repeat("y", len(name)%3+1)}
	var opts json.RawMessage
	e.must(p.client, 200, "POST", "/api/v1/enroll/webauthn/begin", map[string]string{"user": name, "code": code}, &opts)
	resp, err := authn.Register(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.must(p.client, 204, "POST", "/api/v1/enroll/webauthn/finish", map[string]any{"user": name, "code": code, "response": json.RawMessage(resp)}, nil)
	var out struct {
		TOTPURI string `json:"totp_uri"`
	}
	// The existing step, with no signed-note key: the credential is it.
	e.must(p.client, 200, "POST", "/api/v1/enroll", map[string]string{"user": name, "code": code, "password": p.pw, "signing_key": ""}, &out)
	u, err := url.Parse(out.TOTPURI)
	if err != nil {
		e.t.Fatal(err)
	}
	p.seed, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	e.must(p.client, 204, "POST", "/api/v1/enroll/confirm", map[string]string{"user": name, "code": code, "totp": auth.TOTPCode(p.seed, e.clock.Now())}, nil)
	return p, authn
}

// assertion runs the begin step of a WebAuthn approval of request id by p
// and returns the authenticator's answer, not yet submitted.
func (e *env) assertion(p *person, authn *webauthntest.Authenticator, id string) []byte {
	e.t.Helper()
	var opts json.RawMessage
	e.must(p.client, 200, "POST", "/api/v1/requests/"+id+"/webauthn/begin", nil, &opts)
	resp, err := authn.Assert(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// approveWebAuthn submits a WebAuthn answer for request id.
func (e *env) approveWebAuthn(p *person, id string, resp []byte) (int, requestView) {
	e.t.Helper()
	var raw json.RawMessage
	var v requestView
	c := e.do(p.client, "POST", "/api/v1/requests/"+id+"/webauthn/finish", map[string]any{"response": json.RawMessage(resp)}, &raw)
	if c == 200 {
		json.Unmarshal(raw, &v)
	} else {
		e.t.Logf("WebAuthn signature by %s on %s: %d %s", p.name, id, c, raw)
	}
	return c, v
}

// events returns the office's log events.
func (e *env) events() []ledger.Event {
	e.t.Helper()
	var evs []ledger.Event
	if err := e.o.Events(context.Background(), func(ev ledger.Event) error {
		evs = append(evs, ev)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// TestWebAuthnSigningKey enrolls people with WebAuthn credentials as
// personal signing keys and has a publication approved by one signed-note
// key and one WebAuthn key; the log alone proves both approvals. A second
// signature by the same person and a tampered or misdirected assertion
// are refused and logged.
func TestWebAuthnSigningKey(t *testing.T) {
	e := newEnv(t)
	enableWebAuthn(t, e)
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	bob, bobKey := e.enrollWebAuthn("bob", e.created.Enrollment["bob"])
	e.login(ada)
	e.login(bob)

	// The enrollment logged bob's credential, not a note key.
	var bobEnrolled map[string]any
	for _, ev := range e.events() {
		if ev.Type == "user-enrolled" && ev.Payload["subject"] == "bob" {
			bobEnrolled = ev.Payload
		}
	}
	if bobEnrolled == nil {
		t.Fatal("no user-enrolled event for bob")
	}
	if _, ok := bobEnrolled["signing_key"]; ok {
		t.Fatalf("bob's enrollment logs a note key: %v", bobEnrolled)
	}
	if bobEnrolled["webauthn_credential_id"] != base64.StdEncoding.EncodeToString(bobKey.CredentialID()) ||
		bobEnrolled["webauthn_public_key"] != base64.StdEncoding.EncodeToString(bobKey.PublicKeyCOSE()) ||
		bobEnrolled["webauthn_rp_id"] != "localhost" {
		t.Fatalf("bob's enrollment event %v", bobEnrolled)
	}
	var users []office.User
	e.must(ada.client, 200, "GET", "/api/v1/users", nil, &users)
	for _, u := range users {
		if u.Name == "bob" && (u.WebAuthn == nil || !bytes.Equal(u.WebAuthn.PublicKeyCOSE, bobKey.PublicKeyCOSE()) || u.SigningKey != "") {
			t.Fatalf("bob's account %+v", u)
		}
	}

	// A note-key user cannot start a WebAuthn approval; bob cannot sign
	// with a note.
	var q requestView
	e.must(ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "olga", "roles": []string{"official"}, "jurisdiction": "state/hennepin"}, &q)
	if c := e.do(ada.client, "POST", "/api/v1/requests/"+q.ID+"/webauthn/begin", nil, nil); c != 409 {
		t.Fatalf("WebAuthn begin by a note-key user: %d, want 409", c)
	}
	// bob signs first with his security key, then again: refused, logged.
	if c, v := e.approveWebAuthn(bob, q.ID, e.assertion(bob, bobKey, q.ID)); c != 200 || v.Status != "pending" || len(v.Signatures) != 1 {
		t.Fatalf("bob's WebAuthn signature: %d %+v", c, v)
	}
	if c, _ := e.approveWebAuthn(bob, q.ID, e.assertion(bob, bobKey, q.ID)); c != 403 {
		t.Fatalf("second signature by bob: %d, want 403", c)
	}
	if c, v := e.approve(ada, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("ada's note signature after bob's WebAuthn one: %d %+v", c, v)
	}
	e.must(ada.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	olga := e.enroll("olga", q.Result["enrollment_code"])
	e.login(olga)

	// pat, an official whose signing key is a WebAuthn credential.
	e.must(ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "pat", "roles": []string{"official"}, "jurisdiction": "state/hennepin"}, &q)
	e.approve(ada, q.ID, q.SignText)
	if c, v := e.approveWebAuthn(bob, q.ID, e.assertion(bob, bobKey, q.ID)); c != 200 || v.Status != "done" {
		t.Fatalf("bob's WebAuthn co-signature: %d %+v", c, v)
	}
	e.must(ada.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	pat, patKey := e.enrollWebAuthn("pat", q.Result["enrollment_code"])
	e.login(pat)
	// Election, upload, tabulation, publication.
	var el office.Election
	e.must(olga.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "2013 Minneapolis Mayor", "date": "2013-11-05"}, &el)
	if c := e.upload(olga.client, el.ID, map[string][]byte{"mpls_cvr.xlsx": readFixture(t, fixture+"_cvr.xlsx")}, nil, nil); c != 200 {
		t.Fatalf("upload: %d", c)
	}
	var cfg map[string]any
	if err := json.Unmarshal(readFixture(t, fixture+"_config.json"), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["cvrFileSources"].([]any)[0].(map[string]any)["filePath"] = "mpls_cvr.xlsx"
	var tab struct {
		ID string `json:"id"`
	}
	e.must(olga.client, 201, "POST", "/api/v1/elections/"+el.ID+"/tabulations", map[string]any{"rctab_config": cfg}, &tab)
	var pub requestView
	e.must(olga.client, 202, "POST", "/api/v1/elections/"+el.ID+"/publications", map[string]string{"tabulation": tab.ID}, &pub)
	if c, v := e.approve(olga, pub.ID, pub.SignText); c != 200 || v.Status != "pending" {
		t.Fatalf("olga's signature: %d %+v", c, v)
	}

	// A tampered assertion is refused and logged; so is a genuine one
	// made for another request.
	resp := e.assertion(pat, patKey, pub.ID)
	var r map[string]any
	json.Unmarshal(resp, &r)
	inner := r["response"].(map[string]any)
	sig, err := base64.RawURLEncoding.DecodeString(inner["signature"].(string))
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)-1] ^= 1
	inner["signature"] = base64.RawURLEncoding.EncodeToString(sig)
	tampered, _ := json.Marshal(r)
	if c, _ := e.approveWebAuthn(pat, pub.ID, tampered); c != 403 {
		t.Fatalf("tampered assertion: %d, want 403", c)
	}
	var other requestView
	e.must(pat.client, 202, "POST", "/api/v1/elections/"+el.ID+"/publications", map[string]string{"tabulation": tab.ID}, &other)
	forOther := e.assertion(pat, patKey, other.ID)
	e.assertion(pat, patKey, pub.ID) // the ceremony under way is for pub
	if c, _ := e.approveWebAuthn(pat, pub.ID, forOther); c != 403 {
		t.Fatalf("assertion made for another request: %d, want 403", c)
	}
	e.must(pat.client, 200, "GET", "/api/v1/requests/"+pub.ID, nil, &pub)
	if pub.Status != "pending" || len(pub.Signatures) != 1 {
		t.Fatalf("publication after refused assertions: %+v", pub)
	}
	if c, _, _ := e.get(e.client(), "/public/elections/"+el.ID+"/results.json"); c == 200 {
		t.Fatal("results public after one valid signature")
	}

	// pat's genuine assertion executes the publication.
	if c, v := e.approveWebAuthn(pat, pub.ID, e.assertion(pat, patKey, pub.ID)); c != 200 || v.Status != "done" || len(v.Signatures) != 2 {
		t.Fatalf("pat's WebAuthn signature: %d %+v", c, v)
	}
	if c, _, body := e.get(e.client(), "/public/elections/"+el.ID+"/results.json"); c != 200 || !bytes.Contains(body, []byte("BETSY HODGES")) {
		t.Fatalf("public results: %d %.200s", c, body)
	}

	// pat's credential cannot be registered to a second account (last,
	// as the software authenticator then answers with quinn's user handle).
	e.must(ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "quinn", "roles": []string{"observer"}}, &q)
	e.approve(ada, q.ID, q.SignText)
	e.approveWebAuthn(bob, q.ID, e.assertion(bob, bobKey, q.ID))
	e.must(ada.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	quinn := e.client()
	var opts json.RawMessage
	e.must(quinn, 200, "POST", "/api/v1/enroll/webauthn/begin", map[string]string{"user": "quinn", "code": q.Result["enrollment_code"]}, &opts)
	if resp, err := patKey.Register(opts); err != nil {
		t.Fatal(err)
	} else if c := e.do(quinn, "POST", "/api/v1/enroll/webauthn/finish", map[string]any{"user": "quinn", "code": q.Result["enrollment_code"], "response": json.RawMessage(resp)}, nil); c != 409 {
		t.Fatalf("registering pat's credential for quinn: %d, want 409", c)
	}

	// From the log alone: the refusals, and the two approvals verify
	// against the keys logged at enrollment.
	evs := e.events()
	refused := map[string]int{}
	enrolled := map[string]map[string]any{}
	var signText string
	var executed map[string]any
	for _, ev := range evs {
		p := ev.Payload
		switch ev.Type {
		case "request-refused":
			refused[p["signer"].(string)+"/"+p["reason"].(string)]++
		case "user-enrolled":
			enrolled[p["subject"].(string)] = p
		case "request-created":
			if p["request"] == pub.ID {
				signText = p["sign_text"].(string)
			}
		case "request-executed":
			if p["request"] == pub.ID {
				executed = p
			}
		}
	}
	if refused["bob/same-person"] != 1 || refused["pat/bad-signature"] != 2 {
		t.Fatalf("refusals logged: %v", refused)
	}
	if executed == nil || signText == "" {
		t.Fatal("the publication's request or execution is not in the log")
	}
	signers, sigs := executed["signers"].([]any), executed["signatures"].([]any)
	if len(signers) != 2 || signers[0] != "olga" || signers[1] != "pat" {
		t.Fatalf("signers %v", signers)
	}
	var approvals []auth.Approval
	for i, s := range signers {
		name, sig := s.(string), sigs[i].(string)
		k := enrolled[name]
		if vk, ok := k["signing_key"].(string); ok {
			approvals = append(approvals, auth.Approval{Approver: name, Note: sig, VerifierKey: vk})
			continue
		}
		ws, err := auth.ParseWebAuthnSignature([]byte(sig))
		if err != nil {
			t.Fatalf("%s's logged signature %q: %v", name, sig, err)
		}
		cose, err := base64.StdEncoding.DecodeString(k["webauthn_public_key"].(string))
		if err != nil {
			t.Fatal(err)
		}
		rpID := k["webauthn_rp_id"].(string)
		if err := auth.VerifyWebAuthnSignature(ws, signText, cose, rpID); err != nil {
			t.Fatalf("%s's logged WebAuthn approval does not verify offline: %v", name, err)
		}
		if err := auth.VerifyWebAuthnSignature(ws, strings.Replace(signText, pub.ID, other.ID, 1), cose, rpID); err == nil {
			t.Fatal("pat's approval verifies for another request")
		}
		approvals = append(approvals, auth.Approval{Approver: name, WebAuthn: &ws, PublicKeyCOSE: cose, RPID: rpID})
	}
	if len(approvals) != 2 || approvals[1].WebAuthn == nil || approvals[0].Note == "" {
		t.Fatalf("approvals %+v: want a note and a WebAuthn one", approvals)
	}
	if err := auth.CheckTwoPerson(approvals, signText); err != nil {
		t.Fatalf("the logged approvals fail the two-person rule: %v", err)
	}

	// The rebuilt database equals the live one, WebAuthn keys included.
	before := dump(t, e.st)
	st2 := openSQLite(t)
	defer st2.Close()
	e.srv.Close()
	if err := e.o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := office.Rebuild(context.Background(), e.dir, st2); err != nil {
		t.Fatal(err)
	}
	if after := dump(t, st2); !bytes.Equal(after, before) {
		t.Fatalf("rebuilt dump differs:\n%s\n----\n%s", before, after)
	}
}

// TestWebAuthnNotEnabled: an office started without a WebAuthn origin
// says so, and enrollment still needs a note key.
func TestWebAuthnNotEnabled(t *testing.T) {
	e := newEnv(t)
	code := e.created.Enrollment["ada"]
	if c := e.do(e.client(), "POST", "/api/v1/enroll/webauthn/begin", map[string]string{"user": "ada", "code": code}, nil); c != 501 {
		t.Fatalf("begin without WebAuthn: %d, want 501", c)
	}
	var out map[string]string
	if c := e.do(e.client(), "POST", "/api/v1/enroll", map[string]string{"user": "ada", "code": code, "password": "correct horse battery staple", "signing_key": ""}, &out); c != 400 || out["field"] != "signing_key" {
		t.Fatalf("enroll with no key: %d %v", c, out)
	}
}

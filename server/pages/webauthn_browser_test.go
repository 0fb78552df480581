package pages_test

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn"
	"github.com/canvass/canvass/internal/browsertest"
	"github.com/canvass/canvass/ledger"
	"github.com/chromedp/chromedp"
)

// waitText waits until the text of sel contains one of want and returns it.
func (b *browser) waitText(sel string, want ...string) string {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s, _ = chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector(`+"`"+sel+"`"+`) || {}).textContent || ""`))
		for _, w := range want {
			if strings.Contains(s, w) {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("%s shows %q, want one of %q", sel, s, want)
	return ""
}

// enrollWebAuthn enrolls name through the enrollment page with a security
// key on Chrome's virtual authenticator as the signing key.
func (b *browser) enrollWebAuthn(name, code string) *person {
	b.t.Helper()
	p := &person{name: name, pw: "correct horse battery staple " + strings.Repeat("z", len(name)%3+1)}
	b.open("/enroll")
	b.run(chromedp.SendKeys(chromedp.CSS("#user"), name),
		chromedp.SendKeys(chromedp.CSS("#code"), code),
		chromedp.Click(chromedp.CSS("#webauthn-register")))
	if s := b.waitText("#webauthn-status", "registered", "Refused"); !strings.Contains(s, "registered") {
		b.t.Fatalf("registering %s's security key: %s", name, s)
	}
	b.run(chromedp.SendKeys(chromedp.CSS("#password"), p.pw))
	b.submit("#password")
	b.noError("enroll " + name)
	u, err := url.Parse(strings.TrimSpace(b.text("#totp_uri")))
	if err != nil || u.Scheme != "otpauth" {
		b.t.Fatalf("enroll %s: TOTP URI %q: %v", name, b.text("#totp_uri"), err)
	}
	p.seed, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
	if err != nil {
		b.t.Fatal(err)
	}
	b.e.clock.Advance(30 * time.Second)
	b.run(chromedp.SendKeys(chromedp.CSS("#totp"), auth.TOTPCode(p.seed, b.e.clock.Now())))
	b.submit("#totp")
	b.noError("confirm " + name)
	return p
}

// TestBrowserWebAuthn registers a security key in Chrome's virtual
// authenticator as bob's signing key at enrollment, and has bob approve
// with it, in the browser, a user request ada signed with a signed note;
// the request executes and the log's WebAuthn approval verifies offline
// against the key logged at bob's enrollment.
func TestBrowserWebAuthn(t *testing.T) {
	ctx := browsertest.New(t)
	e := newEnv(t)
	if err := e.o.EnableWebAuthn(webauthn.Config{RPID: "localhost", RPDisplayName: "canvass test", Origins: []string{e.URL}}); err != nil {
		t.Fatal(err)
	}
	authID, err := browsertest.VirtualAuthenticator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, e: e}

	ada := b.enroll("ada", e.created.Enrollment["ada"])
	bob := b.enrollWebAuthn("bob", e.created.Enrollment["bob"])
	creds, err := browsertest.Credentials(ctx, authID)
	if err != nil || len(creds) != 1 {
		t.Fatalf("the virtual authenticator holds %d credentials (%v), want 1", len(creds), err)
	}

	b.signIn(ada)
	b.open("/users")
	b.run(chromedp.SendKeys(chromedp.CSS("#name"), "olga"), chromedp.Click(chromedp.CSS("#role-official")))
	b.submit("#name")
	b.noError("request user olga")
	id := b.requestID()
	if s := b.approve(ada, id); s != "pending" {
		t.Fatalf("after ada's signature: %s", s)
	}
	b.signOut()

	b.signIn(bob)
	b.open("/requests/" + id)
	if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll("#signature").length`)); n != 0 {
		t.Fatal("bob, whose key is a security key, is offered the signed-note form")
	}
	b.run(chromedp.Click(chromedp.CSS("#webauthn-approve")))
	if n := b.waitText("#notice", "executed"); !strings.Contains(n, "executed") {
		t.Fatalf("notice %q", n)
	}
	if s := b.text("#status"); s != "done" {
		t.Fatalf("after bob's security key approval the request is %s", s)
	}

	// The log holds bob's assertion; it verifies against his logged key.
	var signText, cose, rpID, sig string
	if err := e.o.Events(context.Background(), func(ev ledger.Event) error {
		p := ev.Payload
		switch {
		case ev.Type == "user-enrolled" && p["subject"] == "bob":
			cose, _ = p["webauthn_public_key"].(string)
			rpID, _ = p["webauthn_rp_id"].(string)
		case ev.Type == "request-created" && p["request"] == id:
			signText, _ = p["sign_text"].(string)
		case ev.Type == "request-executed" && p["request"] == id:
			sig, _ = p["signatures"].([]any)[1].(string)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ws, err := auth.ParseWebAuthnSignature([]byte(sig))
	if err != nil {
		t.Fatalf("bob's logged signature %q: %v", sig, err)
	}
	key, err := base64.StdEncoding.DecodeString(cose)
	if err != nil || len(key) == 0 {
		t.Fatalf("bob's logged key %q: %v", cose, err)
	}
	if err := auth.VerifyWebAuthnSignature(ws, signText, key, rpID); err != nil {
		t.Fatalf("bob's approval does not verify from the log: %v", err)
	}
}

// waitPath waits until the page's path is want.
func (b *browser) waitPath(want string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if b.path() == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("the page is %s, want %s (status: %q)", b.path(), want,
		get(b, chromedp.Evaluate[string](`(document.getElementById("webauthn-status") || {}).textContent || ""`)))
}

// loginMethods returns the login events of name as their methods, and
// name's login failures as "failure REASON", in log order.
func loginMethods(t *testing.T, e *env, name string) []string {
	t.Helper()
	var out []string
	if err := e.o.Events(context.Background(), func(ev ledger.Event) error {
		switch {
		case ev.Type == "login" && ev.UserID == name:
			out = append(out, ev.Payload["method"].(string))
		case ev.Type == "login-failure" && ev.Payload["username"] == name:
			out = append(out, "failure "+ev.Payload["reason"].(string))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBrowserWebAuthnSignIn enrolls bob with a security key (Chrome's
// virtual authenticator) as his signing key, then has him sign in with
// password + security key instead of a TOTP code: first with the keyboard
// only (Tab to the labelled button, Enter), back to the page he asked
// for; then, signed out, with a wrong password, which is refused without
// saying which part was wrong; then with the mouse.
func TestBrowserWebAuthnSignIn(t *testing.T) {
	ctx := browsertest.New(t)
	e := newEnv(t)
	if err := e.o.EnableWebAuthn(webauthn.Config{RPID: "localhost", RPDisplayName: "canvass test", Origins: []string{e.URL}}); err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.VirtualAuthenticator(ctx); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, e: e}
	bob := b.enrollWebAuthn("bob", e.created.Enrollment["bob"])

	// The sign-in page labels the button and describes it.
	b.open("/signin?next=/requests")
	label := get(b, chromedp.Evaluate[string](`(function () {
		var btn = document.getElementById("webauthn-signin");
		var hint = btn && document.getElementById(btn.getAttribute("aria-describedby"));
		return btn && hint && btn.type === "button" ? btn.textContent + "|" + hint.textContent : "";
	})()`))
	if !strings.HasPrefix(label, "Sign in with a security key|") || !strings.Contains(label, "instead of the code") {
		t.Fatalf("security-key button and its description: %q", label)
	}

	// Keyboard only: user, Tab, password, Tab past the code field and
	// the ordinary button to the security-key button, Enter.
	b.run(chromedp.WaitReady(chromedp.CSS("#user:focus")))
	b.run(chromedp.KeyEvent("bob\t" + bob.pw + "\t\t\t"))
	if f := get(b, chromedp.Evaluate[string](`document.activeElement.id`)); f != "webauthn-signin" {
		t.Fatalf("after tabbing, the focus is on %q, want the security-key button", f)
	}
	b.run(chromedp.KeyEvent("\r"))
	b.waitPath("/requests")
	if who := b.text(".who"); !strings.HasPrefix(who, "bob ") {
		t.Fatalf("signed in as %q, want bob", who)
	}
	b.signOut()

	// A wrong password: refused on the page, nothing said about which
	// part was wrong, no session.
	b.open("/signin")
	b.run(chromedp.SendKeys(chromedp.CSS("#user"), "bob"),
		chromedp.SendKeys(chromedp.CSS("#password"), bob.pw+"x"),
		chromedp.Click(chromedp.CSS("#webauthn-signin")))
	if s := b.waitText("#webauthn-status", "did not succeed"); strings.Contains(s, "password is wrong") {
		t.Fatalf("status %q", s)
	}
	b.open("/elections")
	if p := b.path(); p != "/signin" {
		t.Fatalf("after a refused sign-in, /elections shows %s", p)
	}

	// With the mouse, the right password.
	b.run(chromedp.SendKeys(chromedp.CSS("#user"), "bob"),
		chromedp.SendKeys(chromedp.CSS("#password"), bob.pw),
		chromedp.Click(chromedp.CSS("#webauthn-signin")))
	b.waitPath("/elections")
	if who := b.text(".who"); !strings.HasPrefix(who, "bob ") {
		t.Fatalf("signed in as %q, want bob", who)
	}
	want := []string{"password+webauthn", "failure bad-credentials", "failure bad-second-factor", "password+webauthn"}
	if got := loginMethods(t, e, "bob"); !slices.Equal(got, want) {
		t.Fatalf("bob's sign-ins in the log: %q, want %q", got, want)
	}
}

package pages_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/internal/browsertest"
	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"
)

const fixture = "2013_minneapolis_mayor"

func fixturePath(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "rctab", fixture, fixture+name))
	return p
}

// person is someone using the pages, with their signing key and TOTP seed.
type person struct {
	name, pw string
	signer   note.Signer
	seed     []byte
}

// browser drives the pages of one env in one Chromium tab.
type browser struct {
	t   *testing.T
	ctx context.Context
	e   *env
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func get[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// text returns the text of the element sel, which must appear within
// a few seconds; if it does not the test fails showing the page.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.pathname + "\n" + document.body.innerText`))
		b.t.Fatalf("no %s on the page: %v\n%.2000s", sel, err, body)
	}
	return s
}

func (b *browser) value(sel string) string {
	b.t.Helper()
	return get(b, chromedp.Value(chromedp.CSS(sel)))
}

// submit clicks the submit button of the form holding sel and waits for
// the next page.
func (b *browser) submit(sel string) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Submit(chromedp.CSS(sel))); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.e.URL + path))
}

func (b *browser) path() string {
	b.t.Helper()
	loc := get(b, chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return u.Path
}

// noError fails the test if the page shows a refusal.
func (b *browser) noError(step string) {
	b.t.Helper()
	n := get(b, chromedp.Evaluate[int](`document.querySelectorAll("#error").length`))
	if n > 0 {
		b.t.Fatalf("%s: the page says %q", step, b.text("#error"))
	}
}

// enroll enrolls name through the enrollment pages with a fresh signed-note
// key, reading the TOTP secret from the URI the page shows.
func (b *browser) enroll(name, code string) *person {
	b.t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		b.t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		b.t.Fatal(err)
	}
	p := &person{name: name, pw: "correct horse battery staple " + strings.Repeat("x", len(name)%3+1), signer: signer}
	b.open("/enroll")
	b.run(chromedp.SendKeys(chromedp.CSS("#user"), name),
		chromedp.SendKeys(chromedp.CSS("#code"), code),
		chromedp.SendKeys(chromedp.CSS("#password"), p.pw),
		chromedp.SetValue(chromedp.CSS("#signing_key"), vkey))
	b.submit("#signing_key")
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
	if got := b.path(); got != "/signin" {
		b.t.Fatalf("after confirming %s's enrollment the browser is at %s", name, got)
	}
	return p
}

func (b *browser) signIn(p *person) {
	b.t.Helper()
	b.open("/signin")
	b.e.clock.Advance(30 * time.Second)
	b.run(chromedp.SetValue(chromedp.CSS("#user"), p.name),
		chromedp.SendKeys(chromedp.CSS("#password"), p.pw),
		chromedp.SendKeys(chromedp.CSS("#totp"), auth.TOTPCode(p.seed, b.e.clock.Now())))
	b.submit("#totp")
	b.noError("sign in " + p.name)
	if who := b.text(".who"); !strings.HasPrefix(who, p.name+" ") {
		b.t.Fatalf("signed in as %q, want %s", who, p.name)
	}
}

// signInByKeyboard signs p in using only the keyboard: the user name
// field has focus when the page opens, Tab moves between fields and Enter
// submits.
func (b *browser) signInByKeyboard(p *person) {
	b.t.Helper()
	b.open("/signin")
	// autofocus puts the cursor in the user field, but only once the page
	// has settled; on a loaded machine the first keys could land before it
	// and the tabs after them in the wrong fields. Wait for the focus the
	// page itself gives, as a person would.
	b.run(chromedp.WaitReady(chromedp.CSS("#user:focus")))
	b.e.clock.Advance(30 * time.Second)
	if _, err := chromedp.RunResponse(b.ctx, chromedp.KeyEvent(p.name+"\t"+p.pw+"\t"+auth.TOTPCode(p.seed, b.e.clock.Now())+"\r")); err != nil {
		b.t.Fatal(err)
	}
	b.noError("keyboard sign-in " + p.name)
	if who := b.text(".who"); !strings.HasPrefix(who, p.name+" ") {
		b.t.Fatalf("signed in by keyboard as %q, want %s", who, p.name)
	}
}

// tabletFits fails if the page is wider than a portrait tablet (768 CSS
// pixels): wide tables and text scroll inside their own boxes, the page
// itself does not.
func (b *browser) tabletFits(what string) {
	b.t.Helper()
	b.run(chromedp.EmulateViewport(768, 1024, chromedp.EmulatePortrait))
	w := get(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	b.run(chromedp.EmulateViewport(1024, 768))
	if w > 768 {
		b.t.Errorf("%s is %d pixels wide on a 768-pixel tablet screen", what, w)
	}
}

func (b *browser) signOut() {
	b.t.Helper()
	b.submit(`form[action="/signout"] button`)
}

// approve signs request id as p by pasting a signed note of the text the
// page shows, and returns the request's status afterwards.
func (b *browser) approve(p *person, id string) string {
	b.t.Helper()
	b.open("/requests/" + id)
	text := b.value("#sign_text_copy")
	if pre := b.text("#sign_text"); strings.TrimSpace(pre) != strings.TrimSpace(text) {
		b.t.Fatalf("request %s: the <pre> shows %q, the textarea %q", id, pre, text)
	}
	msg, err := note.Sign(&note.Note{Text: text}, p.signer)
	if err != nil {
		b.t.Fatalf("signing %q: %v", text, err)
	}
	b.run(chromedp.SetValue(chromedp.CSS("#signature"), string(msg)))
	b.submit("#signature")
	b.noError(p.name + " signs " + id)
	return b.text("#status")
}

// requestID returns the request id of the request page the browser is on.
func (b *browser) requestID() string {
	b.t.Helper()
	p := b.path()
	id, ok := strings.CutPrefix(p, "/requests/")
	if !ok {
		b.t.Fatalf("expected a request page, at %s", p)
	}
	return id
}

// TestBrowserFlow drives the pages in Chromium as issue 8 asks: two
// administrators enroll with TOTP; they create two officials by a
// two-person request each, co-signed by pasting signed notes; an official
// creates an election, uploads the 2013 Minneapolis mayoral CVRs and RCTab
// configuration, tabulates from the configuration and sees the winner and
// the round-by-round chart; she requests publication and signs it, a
// second official, signing in by keyboard alone, co-signs, and the public
// results page shows the winner. The activity view shows the executed
// requests; the tabulation and request pages fit a portrait tablet.
// Every approval here is a pasted signed note; TestBrowserWebAuthn
// approves with a security key.
func TestBrowserFlow(t *testing.T) {
	start := time.Now()
	ctx := browsertest.New(t)
	e := newEnv(t)
	b := &browser{t: t, ctx: ctx, e: e}

	ada := b.enroll("ada", e.created.Enrollment["ada"])
	bob := b.enroll("bob", e.created.Enrollment["bob"])

	// Two officials, each a two-person request by the administrators.
	officials := map[string]*person{}
	for _, name := range []string{"olga", "pat"} {
		b.signIn(ada)
		b.open("/users")
		b.run(chromedp.SendKeys(chromedp.CSS("#name"), name), chromedp.Click(chromedp.CSS("#role-official")))
		b.submit("#name")
		b.noError("request user " + name)
		id := b.requestID()
		if k := b.text("#kind"); k != "users" {
			t.Fatalf("request kind %q", k)
		}
		if s := b.approve(ada, id); s != "pending" {
			t.Fatalf("user request %s after the requester's signature: %s", id, s)
		}
		b.signOut()
		b.signIn(bob)
		b.open("/requests")
		if aw := b.text("#awaiting"); !strings.Contains(aw, id) {
			t.Fatalf("bob's requests awaiting signature: %q, want %s", aw, id)
		}
		if s := b.approve(bob, id); s != "done" {
			t.Fatalf("user request %s after the second signature: %s", id, s)
		}
		b.signOut()
		b.signIn(ada)
		b.open("/requests/" + id)
		code := b.text("#result dd code")
		b.signOut()
		officials[name] = b.enroll(name, code)
	}
	olga, pat := officials["olga"], officials["pat"]

	// Election, upload, tabulation.
	b.signIn(olga)
	b.open("/elections")
	b.run(chromedp.SendKeys(chromedp.CSS("#name"), "2013 Minneapolis Mayor"),
		chromedp.SetValue(chromedp.CSS("#date"), "2013-11-05"))
	b.submit("#name")
	b.noError("create election")
	el := strings.TrimPrefix(b.path(), "/elections/")
	xlsx, err := os.ReadFile(fixturePath("_cvr.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(xlsx)
	b.run(chromedp.SetValue(chromedp.CSS("#expected_sha256"), hex.EncodeToString(sum[:])),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{fixturePath("_cvr.xlsx")}))
	b.submit("#file")
	b.noError("upload")
	up := b.text("#uploaded")
	if !strings.Contains(up, fixture+"_cvr.xlsx") || !strings.Contains(up, hex.EncodeToString(sum[:])) {
		t.Fatalf("the upload result shows %q", up)
	}
	b.run(chromedp.SetUploadFiles(chromedp.CSS("#rctab_config"), []string{fixturePath("_config.json")}))
	b.submit("#rctab_config")
	b.noError("tabulate")
	if w := b.text(".winners"); w != "BETSY HODGES" {
		t.Fatalf("winners %q", w)
	}
	bars := get(b, chromedp.Evaluate[int](`document.querySelectorAll(".chart g rect").length`))
	if bars < 33 { // 33 rounds, at least one bar each
		t.Fatalf("the chart has %d bars", bars)
	}
	if r := b.text("#reports"); !strings.Contains(r, "detailed_report.json") {
		t.Fatalf("reports %q", r)
	}
	b.tabletFits("the tabulation page")

	// Publication, co-signed by two officials.
	b.submit(`form[action$="/publications"] button`)
	b.noError("request publication")
	pub := b.requestID()
	if s := b.approve(olga, pub); s != "pending" {
		t.Fatalf("publication after one signature: %s", s)
	}
	b.open("/public/elections/" + el + "/")
	if got := b.text("body"); strings.Contains(got, "BETSY HODGES") {
		t.Fatal("results are public after one signature")
	}
	b.open("/elections/" + el)
	b.signOut()
	b.signInByKeyboard(pat)
	if s := b.approve(pat, pub); s != "done" {
		t.Fatalf("publication after the second signature: %s", s)
	}
	if n := b.text("#notice"); !strings.Contains(n, "executed") {
		t.Fatalf("notice %q", n)
	}
	b.open("/public/elections/" + el + "/")
	if got := b.text("body"); !strings.Contains(got, "BETSY HODGES") {
		t.Fatalf("the public page does not show the winner: %.300q", got)
	}
	b.open("/requests/" + pub)
	b.tabletFits("the request page")

	// The activity view, filtered.
	b.open("/activity?type=request-executed")
	if c := b.text("#count"); !strings.HasPrefix(c, "3 matching") {
		t.Fatalf("activity count %q, want 3 executed requests", c)
	}
	t.Logf("browser flow took %v", time.Since(start))
}

package pages_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/internal/browsertest"
	"github.com/canvass/canvass/office"
	"github.com/chromedp/chromedp"
)

// TestBrowserUserChange drives the users pages in Chromium: an
// administrator opens an official's account, adds the observer role using
// the keyboard alone (focus the box, Space, Tab to the button, Enter),
// lands on the user-change request and signs it by pasting a signed note;
// a second administrator finds it among the requests awaiting her
// signature and co-signs it; the account then has both roles, in the
// office and on its page. The users pages fit a portrait tablet.
func TestBrowserUserChange(t *testing.T) {
	start := time.Now()
	ctx := browsertest.New(t)
	e := newEnv(t)
	b := &browser{t: t, ctx: ctx, e: e}
	adaP, bobP := e.enrollDirect(t, "ada"), e.enrollDirect(t, "bob")
	ada, bob := e.officeLogin(t, adaP), e.officeLogin(t, bobP)
	e.newMember(t, ada, bob, "olga", office.RoleOfficial, "state/hennepin")

	b.signIn(adaP)
	b.open("/users")
	b.tabletFits("the users page")
	if s := b.text(`#users a[href="/users/olga"]`); s != "olga" {
		t.Fatalf("users list link %q", s)
	}
	b.open("/users/olga")
	b.tabletFits("an account's page")
	if r := b.text("#user-roles"); r != "official" {
		t.Fatalf("olga's roles %q", r)
	}
	b.run(chromedp.Focus(chromedp.CSS("#role-observer")), chromedp.KeyEvent(" \t\t\t\t\t"))
	if id := get(b, chromedp.Evaluate[string](`document.activeElement.id`)); id != "change" {
		t.Fatalf("after ticking observer and five tabs the focus is on %q, want the change button", id)
	}
	if _, err := chromedp.RunResponse(b.ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	b.noError("request the role change")
	id := b.requestID()
	if k := b.text("#kind"); k != office.KindUserChange {
		t.Fatalf("request kind %q", k)
	}
	if a := b.text("#action"); !strings.Contains(a, `"observer"`) || !strings.Contains(a, `"olga"`) {
		t.Fatalf("request action %s", a)
	}
	if s := b.approve(adaP, id); s != "pending" {
		t.Fatalf("after the requester's signature: %s", s)
	}
	b.signOut()

	b.signIn(bobP)
	b.open("/requests")
	b.run(chromedp.Click(chromedp.CSS(`#awaiting a[href="/requests/` + id + `"]`)))
	if got := b.text("#kind"); got != office.KindUserChange || b.requestID() != id {
		t.Fatalf("bob followed the awaiting link to %s (%s)", b.path(), got)
	}
	if s := b.approve(bobP, id); s != "done" {
		t.Fatalf("after the second signature: %s", s)
	}
	if n := b.text("#notice"); !strings.Contains(n, "executed") {
		t.Fatalf("notice %q", n)
	}
	b.open("/users/olga")
	if r := b.text("#user-roles"); r != "observer, official" {
		t.Fatalf("olga's roles on her page after the change: %q", r)
	}
	us, err := e.o.UserList(context.Background(), bob.u)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(us, func(x office.UserView) bool { return x.Name == "olga" })
	if i < 0 || !slices.Equal(us[i].Roles, []string{office.RoleObserver, office.RoleOfficial}) {
		t.Fatalf("olga in the office: %+v", us)
	}
	t.Logf("browser user change took %v", time.Since(start))
}

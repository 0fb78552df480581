package verify_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
)

// forgeExecution appends, with the log key, a request-executed event for
// q signed by olga (her genuine first signature) and by second with
// second's own key, to a copy of the office's data directory, and returns
// the evidence package exported from the copy: what an insider who holds
// the log key and an account the office no longer trusts can produce.
func forgeExecution(t *testing.T, x *verifytest.Office, q *office.RequestView, second string) string {
	t.Helper()
	ctx := context.Background()
	v, err := x.O.Request(ctx, x.User("olga"), q.ID)
	if err != nil {
		t.Fatal(err)
	}
	payload := map[string]any{"request": q.ID, "kind": q.Kind, "action_sha256": v.ActionSHA256,
		"signers": []any{"olga", second}, "signatures": []any{v.Signatures[0].Signature, x.SignAs(second, q.SignText)}}
	dir := filepath.Join(t.TempDir(), "data")
	copyTree(t, x.Dir, dir, func(rel string) bool {
		return !strings.HasPrefix(rel, office.DefaultDBName) && !strings.HasSuffix(rel, ".lock")
	})
	logDir := filepath.Join(dir, "log")
	key, err := ledger.ReadKeyFile(filepath.Join(dir, "keys", "log.key"), logDir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.OpenDir(ctx, logDir, key, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, []ledger.Event{{Type: "request-executed", Disposition: "success", UserID: second, Payload: payload}}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	l.Close()
	pkg := filepath.Join(t.TempDir(), "evidence")
	if err := office.ExportEvidence(ctx, dir, x.Election, pkg); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// TestInsiderAccountState: an approval counts only if the signer's account
// was, when they signed, enabled and its key the enrolled one, not revoked
// by a reset. A disabled (or reset) person who holds the log key signs a
// pending publication with their own, once-enrolled key and appends its
// execution: the log verifies, claim 5 fails naming the request and why.
func TestInsiderAccountState(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, want string
		revoke     func(x *verifytest.Office) *office.RequestView
	}{
		{"disabled", "disabled by the user-change request", func(x *verifytest.Office) *office.RequestView {
			off := true
			q, err := x.O.RequestUserChange(ctx, x.User("ada"), "pat", office.UserChange{Disabled: &off})
			if err != nil {
				t.Fatal(err)
			}
			return x.Approve(q, "ada", "bob")
		}},
		{"reset", "revoked by the user-reset request", func(x *verifytest.Office) *office.RequestView {
			q, err := x.O.RequestUserReset(ctx, x.User("ada"), "pat")
			if err != nil {
				t.Fatal(err)
			}
			return x.Approve(q, "ada", "bob")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := verifytest.New(t)
			x.PublishMinneapolis()
			tab := readEvidence(t, x.Export()).Tabulations[0]
			revoked := tc.revoke(x)
			olga := x.User("olga")
			q, err := x.O.RequestPublication(ctx, olga, x.Election, tab.ID)
			if err != nil {
				t.Fatal(err)
			}
			if q, err = x.O.Sign(ctx, olga, q.ID, x.SignAs("olga", q.SignText)); err != nil {
				t.Fatal(err)
			}
			// The genuine package, with the change executed, verifies.
			if rep := run(t, x.Export(), verify.Options{}); !rep.OK() {
				t.Fatalf("the untouched package does not verify: %+v", rep.Claims)
			}
			pkg := forgeExecution(t, x, q, "pat")
			rep := run(t, pkg, verify.Options{})
			if c := rep.Claim(verify.ClaimLog); c.Status != verify.OK {
				t.Errorf("log: %+v (the forgery is validly signed by the log key)", c)
			}
			c := claimOf(t, rep, verify.ClaimTwoPerson)
			if c.Status != verify.Fail || !strings.Contains(c.Detail, q.ID) || !strings.Contains(c.Detail, "signer pat") ||
				!strings.Contains(c.Detail, tc.want) || !strings.Contains(c.Detail, revoked.ID) {
				t.Errorf("two-person: %+v", c)
			}
		})
	}
}

// TestStaleAccountCannotSign: the office re-reads the signer's account
// under its write lock, so an approval by a person disabled after their
// session was checked (a *User loaded before the change) is refused.
func TestStaleAccountCannotSign(t *testing.T) {
	ctx := context.Background()
	x := verifytest.New(t)
	x.PublishMinneapolis()
	tab := readEvidence(t, x.Export()).Tabulations[0]
	stalePat := x.User("pat")
	off := true
	q, err := x.O.RequestUserChange(ctx, x.User("ada"), "pat", office.UserChange{Disabled: &off})
	if err != nil {
		t.Fatal(err)
	}
	x.Approve(q, "ada", "bob")
	olga := x.User("olga")
	p, err := x.O.RequestPublication(ctx, olga, x.Election, tab.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = x.O.Sign(ctx, olga, p.ID, x.SignAs("olga", p.SignText)); err != nil {
		t.Fatal(err)
	}
	if v, err := x.O.Sign(ctx, stalePat, p.ID, x.SignAs("pat", p.SignText)); err == nil {
		t.Fatalf("a disabled person's approval through a stale account was accepted: %+v", v)
	}
	if v, err := x.O.Request(ctx, olga, p.ID); err != nil || v.Status != "pending" {
		t.Fatalf("the publication after the refused approval: %+v, %v; want pending", v, err)
	}
}

package verify_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
)

func run(t *testing.T, dir string, opts verify.Options) *verify.Report {
	t.Helper()
	rep, err := verify.Package(context.Background(), os.DirFS(dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteText(&b)
	t.Log("\n" + b.String())
	return rep
}

func TestExportVerifies(t *testing.T) {
	x := verifytest.New(t)
	x.PublishMinneapolis()
	pkg := x.Export()
	rep := run(t, pkg, verify.Options{})
	for _, c := range rep.Claims {
		if c.N == verify.ClaimAudit {
			if c.Status != verify.NotChecked || !strings.Contains(c.Detail, "no audit") {
				t.Errorf("audit line %+v", c)
			}
			continue
		}
		if c.Status != verify.OK {
			t.Errorf("claim %d %s: %s: %s", c.N, c.Name, c.Status, c.Detail)
		}
	}
	if !rep.OK() {
		t.Fatal("the package does not verify")
	}
}

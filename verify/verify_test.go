package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"os"
	"path/filepath"
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

	// evidence.json follows its published schema, and the schema is not
	// vacuous: a claim with a malformed hash is refused.
	sch, err := jsonschema.NewCompiler().Compile("../docs/evidence.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(pkg, verify.EvidenceName))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("evidence.json does not follow docs/evidence.schema.json: %v", err)
	}
	ev := readEvidence(t, pkg)
	ev.Files[0].SHA256 = "not-a-hash"
	b, _ := json.Marshal(ev)
	doc, _ = jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := sch.Validate(doc); err == nil {
		t.Error("the schema accepts a file with a malformed SHA-256")
	}
	if tab := ev.Tabulations[0]; tab.ReportIndex == nil || len(tab.Reports) < 200 || len(ev.Publications[0].Files) < len(tab.Reports) {
		t.Errorf("per-precinct reports through the index: index %v, %d reports, %d published files", tab.ReportIndex, len(tab.Reports), len(ev.Publications[0].Files))
	}
	if len(ev.Tabulations) != 1 || len(ev.Publications) != 1 || ev.Tabulations[0].Contests[0].Winners[0] != "BETSY HODGES" || ev.Tabulations[0].Contests[0].Ballots != 80101 {
		t.Errorf("claims %+v", ev.Tabulations)
	}
	for _, f := range []string{"vkey", "log/checkpoint", "log/tile/0/000.p/" + fmt.Sprint(rep.LogSize), "log/tile/entries/000.p/" + fmt.Sprint(rep.LogSize)} {
		if _, err := os.Stat(filepath.Join(pkg, f)); err != nil {
			t.Errorf("layout: %v", err)
		}
	}
}

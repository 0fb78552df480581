package verify_test

import (
	"strings"
	"testing"

	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
)

func TestFacilityReport(t *testing.T) {
	x := verifytest.New(t)
	x.Setup()
	clean := run(t, x.Export(), verify.Options{})
	if clean.Facility != nil {
		t.Errorf("a log without facility events has a facility report: %+v", clean.Facility)
	}
	x.ImportFacility()
	orig := x.Export()
	rep := run(t, orig, verify.Options{})
	if rep.Facility == nil || rep.Facility.Status != verify.Finding || len(rep.Facility.Findings) != 2 {
		t.Fatalf("facility report %+v", rep.Facility)
	}
	// Findings are reported, not failed claims.
	if !rep.OK() {
		t.Error("a facility finding made the package fail")
	}
	ev := readEvidence(t, orig)
	if ev.Facility == nil || len(ev.Facility.Sites) != 1 || len(ev.Facility.Imports) != 2 {
		t.Fatalf("facility record %+v", ev.Facility)
	}

	t.Run("an import's row count rewritten with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		entries := editEntries(t, lg.Entries, "facility-import", func(ev map[string]any) {
			p := ev["Payload"].(map[string]any)
			if p["kind"] == "badge" {
				p["rows"] = int64(1)
			}
		})
		relog(t, x, pkg, entries)
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence, verify.ClaimFiles)
		if f := rep.Facility; f == nil || f.Status != verify.Fail || !strings.Contains(f.Detail, "badge import") {
			t.Errorf("facility report %+v", f)
		}
		if rep.OK() {
			t.Error("an unreadable facility record passes")
		}
	})

	t.Run("the camera export removed from the log with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		var kept [][]byte
		for _, e := range lg.Entries {
			if strings.Contains(string(e), `"kind":"camera"`) && strings.Contains(string(e), `"facility-import"`) {
				continue
			}
			kept = append(kept, e)
		}
		if len(kept) != len(lg.Entries)-1 {
			t.Fatal("no camera import in the log")
		}
		relog(t, x, pkg, renumber(t, kept, lg.Checkpoint.Origin))
		rep := run(t, pkg, verify.Options{})
		// Without the camera record the room is unwatched throughout: a
		// louder finding, not a quieter one.
		if f := rep.Facility; f == nil || f.Status != verify.Finding || !strings.Contains(f.Detail, "no camera import") {
			t.Errorf("facility report %+v", f)
		}
	})
}

package verify_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// officeReportMatches checks that the report exported (re-derived from
// the log) is the one the office serves.
func officeReportMatches(t *testing.T, x *verifytest.Office, pkg, id string) {
	t.Helper()
	served, err := x.O.AuditReport(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := served.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if exported, err := os.ReadFile(filepath.Join(pkg, verify.AuditReportDir(id), "report.json")); err != nil || !bytes.Equal(exported, buf.Bytes()) {
		t.Errorf("the exported report.json (%v) is not the office's report", err)
	}
}

// followsSchema checks a package's evidence.json against
// docs/evidence.schema.json.
func followsSchema(t *testing.T, pkg string) {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile("../docs/evidence.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(pkg, verify.EvidenceName))
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("evidence.json does not follow docs/evidence.schema.json: %v", err)
	}
}

// reportHas reports whether audit id's exported report.json mentions s.
func reportHas(t *testing.T, pkg, id, s string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pkg, verify.AuditReportDir(id), "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), s)
}

// TestAuditDecisions: an executed undo makes the round be drawn again and
// a declared full hand count ends the audit, in batch and ballot
// comparisons; claim 4 re-derives both and the report shows the
// decisions. An undo of a round that is not the last, appended with the
// log key, fails claim 4.
func TestAuditDecisions(t *testing.T) {
	t.Run("batch: round 1 undone after its close and drawn again", func(t *testing.T) {
		x := verifytest.New(t)
		x.Setup()
		a := x.RunBatchAudit(verifytest.BatchOptions{Plant: 2, Rounds: 1})
		if a.Results[0].Done {
			t.Fatal("round 1 ended the audit despite the planted overstatements")
		}
		q := x.UndoRound(a, 1, "the wrong boxes were counted")
		x.ContinueBatchAudit(a, verifytest.BatchOptions{})
		pkg := x.Export()
		rep := run(t, pkg, verify.Options{})
		c := rep.Claim(verify.ClaimAudit)
		if !rep.OK() || c.Status != verify.OK || !strings.Contains(c.Detail, "(1 undone)") || !strings.Contains(c.Detail, "audit done") {
			t.Fatalf("audit claim %+v", c)
		}
		if !reportHas(t, pkg, a.ID, q.ID) || !reportHas(t, pkg, a.ID, "undo-round") {
			t.Error("the report does not show the undo")
		}
		followsSchema(t, pkg)
		officeReportMatches(t, x, pkg, a.ID)
		if au := readEvidence(t, pkg).Audits[0]; len(au.Decisions) != 1 || au.Rounds[0].Undone == nil || au.Rounds[1].Undone != nil {
			t.Errorf("decisions %+v, rounds %+v", au.Decisions, au.Rounds)
		}

		// The insider appends, with the log key, an executed undo of a
		// round 2 that was never drawn (and so cannot be undone).
		lg, _ := packageEntries(t, pkg)
		var created, executed map[string]any
		for _, m := range decoded(t, lg.Entries, "request-created") {
			if m["Payload"].(map[string]any)["request"] == q.ID {
				created = m
			}
		}
		for _, m := range decoded(t, lg.Entries, "request-executed") {
			if m["Payload"].(map[string]any)["request"] == q.ID {
				executed = m
			}
		}
		if created == nil || executed == nil || !strings.Contains(created["Payload"].(map[string]any)["action"].(string), `"round":1`) {
			t.Fatalf("undo request %s of round 1 not in the log", q.ID)
		}
		for _, m := range []map[string]any{created, executed} {
			p := m["Payload"].(map[string]any)
			p["request"] = "r-forged"
			if act, ok := p["action"].(string); ok {
				p["action"] = strings.Replace(act, `"round":1`, `"round":2`, 1)
			}
		}
		forged := copyDir(t, pkg)
		entries := appendEntry(t, lg.Entries, lg.Checkpoint.Origin, created)
		entries = appendEntry(t, entries, lg.Checkpoint.Origin, executed)
		relog(t, x, forged, entries)
		if c := claimOf(t, run(t, forged, verify.Options{}), verify.ClaimAudit); !strings.Contains(c.Detail, "undid round 2, which was not drawn") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("batch: a batch unfinalized and recounted", func(t *testing.T) {
		x := verifytest.New(t)
		x.Setup()
		var q string
		x.RunBatchAudit(verifytest.BatchOptions{BeforeClose: func(a *verifytest.AuditRun, n int) {
			if n == 1 {
				q = x.RecountFirstBatch(a, n).ID
			}
		}})
		pkg := x.Export()
		rep := run(t, pkg, verify.Options{})
		if c := rep.Claim(verify.ClaimAudit); !rep.OK() || c.Status != verify.OK {
			t.Fatalf("audit claim %+v", c)
		}
		au := readEvidence(t, pkg).Audits[0]
		if len(au.Decisions) != 1 || au.Decisions[0].Request != q || au.Decisions[0].Kind != "audit-batch-unfinalize" {
			t.Errorf("decisions %+v", au.Decisions)
		}
		// The recount's sheet, moved before the unfinalizing with the
		// log key, changes a finalized batch.
		lg, _ := packageEntries(t, pkg)
		var sheet, unfin int
		for i, e := range lg.Entries {
			s := string(e)
			if strings.Contains(s, `"Type":"audit-batch-sheet"`) && strings.Contains(s, "recounted after the seal check") {
				sheet = i
			}
			if strings.Contains(s, `"Type":"request-executed"`) && strings.Contains(s, q) {
				unfin = i
			}
		}
		if sheet == 0 || unfin == 0 || sheet < unfin {
			t.Fatalf("sheet at %d, unfinalizing at %d", sheet, unfin)
		}
		entries := append([][]byte{}, lg.Entries[:unfin]...)
		entries = append(entries, lg.Entries[sheet], lg.Entries[unfin])
		entries = append(entries, lg.Entries[unfin+1:sheet]...)
		entries = append(entries, lg.Entries[sheet+1:]...)
		forged := copyDir(t, pkg)
		relog(t, x, forged, renumber(t, entries, lg.Checkpoint.Origin))
		if c := claimOf(t, run(t, forged, verify.Options{}), verify.ClaimAudit); !strings.Contains(c.Detail, "after the batch was finalized") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("batch: full hand count declared after round 1", func(t *testing.T) {
		x := verifytest.New(t)
		x.Setup()
		a := x.RunBatchAudit(verifytest.BatchOptions{Plant: 2, Rounds: 1})
		q := x.FullHandCount(a, []string{"Council"}, "the county counts every ballot by hand")
		pkg := x.Export()
		rep := run(t, pkg, verify.Options{})
		c := rep.Claim(verify.ClaimAudit)
		if !rep.OK() || c.Status != verify.OK || !strings.Contains(c.Detail, "audit done") {
			t.Fatalf("audit claim %+v", c)
		}
		if !reportHas(t, pkg, a.ID, q.ID) || !reportHas(t, pkg, a.ID, "full-hand-count") {
			t.Error("the report does not show the declaration")
		}
		officeReportMatches(t, x, pkg, a.ID)
	})

	t.Run("ballot comparison: round 1 undone and drawn again", func(t *testing.T) {
		x := verifytest.New(t)
		x.Setup()
		a := x.RunAudit(verifytest.AuditOptions{Plant: 2, Rounds: 1})
		x.UndoRound(a, 1, "a board read the wrong ballots")
		x.ContinueAudit(a, verifytest.AuditOptions{})
		pkg := x.Export()
		rep := run(t, pkg, verify.Options{})
		if c := rep.Claim(verify.ClaimAudit); !rep.OK() || c.Status != verify.OK || !reportHas(t, pkg, a.ID, "undo-round") {
			t.Fatalf("audit claim %+v", c)
		}
		officeReportMatches(t, x, pkg, a.ID)
	})

	t.Run("ballot comparison: full hand count declared after round 1", func(t *testing.T) {
		x := verifytest.New(t)
		x.Setup()
		a := x.RunAudit(verifytest.AuditOptions{Plant: 2, Rounds: 1})
		if a.Results[0].Done {
			t.Fatal("round 1 ended the audit despite the planted overstatements")
		}
		x.FullHandCount(a, []string{"Governor"}, "the state counts the contest by hand")
		pkg := x.Export()
		rep := run(t, pkg, verify.Options{})
		if c := rep.Claim(verify.ClaimAudit); !rep.OK() || c.Status != verify.OK || !strings.Contains(c.Detail, "The audit is done") || !reportHas(t, pkg, a.ID, "full-hand-count") {
			t.Fatalf("audit claim %+v", c)
		}
		officeReportMatches(t, x, pkg, a.ID)
	})
}

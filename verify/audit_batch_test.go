package verify_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
)

// TestAuditBatch runs a batch-comparison audit through the office (two
// sheets per batch, planted overstatements forcing a second round),
// exports it and checks that claim 4 re-derives it; then an insider with
// the log key changes a sheet after finalizing, a finalized total, and a
// committed MACRO risk, and claim 4 fails on each.
func TestAuditBatch(t *testing.T) {
	x := verifytest.New(t)
	x.Setup()
	a := x.RunBatchAudit(verifytest.BatchOptions{Plant: 2})
	if len(a.Results) < 2 {
		t.Fatalf("the batch audit took %d round(s); the planted overstatements should force two", len(a.Results))
	}
	orig := x.Export()
	rep := run(t, orig, verify.Options{})
	if !rep.OK() {
		t.Fatal("the untouched package does not verify")
	}
	c := rep.Claim(verify.ClaimAudit)
	if c.Status != verify.OK || !strings.Contains(c.Detail, a.ID) || !strings.Contains(c.Detail, "batch comparison") ||
		!strings.Contains(c.Detail, "MACRO") || !strings.Contains(c.Detail, "audit done") {
		t.Fatalf("audit claim %+v", c)
	}
	t.Log(c.Detail)
	followsSchema(t, orig)
	// The report re-derived from the log is the one the office serves.
	served, err := x.O.AuditReport(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := served.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if exported, err := os.ReadFile(filepath.Join(orig, verify.AuditReportDir(a.ID), "report.json")); err != nil || !bytes.Equal(exported, buf.Bytes()) {
		t.Errorf("the exported report.json (%v) is not the office's report", err)
	}
	au := readEvidence(t, orig).Audits[0]
	if len(au.BatchSheets) == 0 || len(au.BatchSheets) != 2*len(au.BatchFinals) {
		t.Fatalf("%d sheets, %d finalizations", len(au.BatchSheets), len(au.BatchFinals))
	}

	t.Run("a sheet changed after finalize with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		m := decoded(t, lg.Entries, "audit-batch-sheet")[0]
		p := m["Payload"].(map[string]any)
		p["contests"] = strings.Replace(p["contests"].(string), `"Cho":30`, `"Cho":10`, 1)
		relog(t, x, pkg, appendEntry(t, lg.Entries, lg.Checkpoint.Origin, m))
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence)
		if c := claimOf(t, rep, verify.ClaimAudit); !strings.Contains(c.Detail, "after the batch was finalized") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("a finalized total not the sum of the sheets", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		done := false
		entries := editEntries(t, lg.Entries, "audit-batch-finalized", func(ev map[string]any) {
			p := ev["Payload"].(map[string]any)
			if tl := p["tallies"].(string); !done && strings.Contains(tl, `"Diaz":18`) {
				p["tallies"] = strings.Replace(tl, `"Diaz":18`, `"Diaz":8`, 1)
				done = true
			}
		})
		if !done {
			t.Fatal("no finalized tally with Diaz 18")
		}
		relog(t, x, pkg, entries)
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence)
		if c := claimOf(t, rep, verify.ClaimAudit); !strings.Contains(c.Detail, "the sheets' last revisions add up to") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("a false MACRO risk committed with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		old := au.Rounds[0].Closed.Result
		raw, err := os.ReadFile(filepath.Join(pkg, verify.FilePath(old.SHA256)))
		if err != nil {
			t.Fatal(err)
		}
		var res map[string]any
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		ct := res["contests"].([]any)[0].(map[string]any)
		ct["risk"], ct["risk_limit_met"], ct["decision"] = 0.01, true, "confirmed"
		res["done"] = true
		forged, _ := json.Marshal(res)
		sum := sha256.Sum256(forged)
		sha := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(pkg, verify.FilePath(sha)), forged, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(pkg, verify.FilePath(old.SHA256)))
		done := false
		entries := editEntries(t, lg.Entries, "audit-round-closed", func(ev map[string]any) {
			p := ev["Payload"].(map[string]any)
			if f := p["result"].(map[string]any); f["sha256"] == old.SHA256 {
				f["sha256"], f["size"] = sha, int64(len(forged))
				done = true
			}
		})
		if !done {
			t.Fatal("no close of round 1")
		}
		relog(t, x, pkg, entries)
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence)
		if c := claimOf(t, rep, verify.ClaimAudit); !strings.Contains(c.Detail, "round 1's published result") || !strings.Contains(c.Detail, "MACRO") {
			t.Errorf("detail %q", c.Detail)
		}
	})
}

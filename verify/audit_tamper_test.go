package verify_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
)

// appendEntry adds a copy of the event m at the end of entries, with the
// sequence and id of that position.
func appendEntry(t *testing.T, entries [][]byte, origin string, m map[string]any) [][]byte {
	t.Helper()
	n := len(entries)
	m["Sequence"] = int64(n)
	m["Id"] = fmt.Sprintf("%s/%d", origin, n)
	b, _ := json.Marshal(ints(m))
	c, err := ledger.Canonicalize(b)
	if err != nil {
		t.Fatal(err)
	}
	return append(entries, c)
}

// decoded returns the log entries of type typ as decoded JSON objects.
func decoded(t *testing.T, entries [][]byte, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range entries {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			t.Fatal(err)
		}
		if m["Type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

func claimOK(t *testing.T, rep *verify.Report, ns ...int) {
	t.Helper()
	for _, n := range ns {
		if c := rep.Claim(n); c.Status != verify.OK {
			t.Errorf("claim %d: %+v", n, c)
		}
	}
}

func TestAuditTamper(t *testing.T) {
	x := verifytest.New(t)
	x.Setup()
	a := x.RunAudit(verifytest.AuditOptions{Plant: 1, Boards: 2})
	orig := x.Export()
	if rep := run(t, orig, verify.Options{}); !rep.OK() || rep.Claim(verify.ClaimAudit).Status != verify.OK {
		t.Fatal("the untouched package does not verify")
	}
	au := readEvidence(t, orig).Audits[0]

	t.Run("a reading changed in the log with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		done := false
		entries := editEntries(t, lg.Entries, "audit-reading", func(ev map[string]any) {
			p := ev["Payload"].(map[string]any)
			if r := p["readings"].(string); !done && strings.Contains(r, `"Alice"`) {
				p["readings"] = strings.Replace(r, `"Alice"`, `"Bob"`, 1)
				done = true
			}
		})
		relog(t, x, pkg, entries)
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence, verify.ClaimFiles)
		c := claimOf(t, rep, verify.ClaimAudit)
		if !strings.Contains(c.Detail, "not what the boards' readings and the CVRs give") || !strings.Contains(c.Detail, "discrepancies") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("a reading appended after sign-off with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		m := decoded(t, lg.Entries, "audit-reading")[0]
		p := m["Payload"].(map[string]any)
		p["readings"] = `{"Governor":{"status":"overvote"}}`
		relog(t, x, pkg, appendEntry(t, lg.Entries, lg.Checkpoint.Origin, m))
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence)
		c := claimOf(t, rep, verify.ClaimAudit)
		if !strings.Contains(c.Detail, "after it was signed off") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("a reading moved to another board with the log key", func(t *testing.T) {
		// county-a's two boards of round 1: a reading of the first board's
		// ballot, rewritten as the second board's (by its member).
		b1, b2 := a.Boards[0][0], a.Boards[0][1]
		if b1.Jurisdiction != b2.Jurisdiction {
			t.Fatalf("boards %+v", a.Boards[0])
		}
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		done := false
		entries := editEntries(t, lg.Entries, "audit-reading", func(ev map[string]any) {
			p := ev["Payload"].(map[string]any)
			if !done && p["board"] == b1.ID {
				p["board"], ev["UserId"] = b2.ID, b2.Members[0]
				done = true
			}
		})
		if !done {
			t.Fatalf("board %s has no reading", b1.ID)
		}
		relog(t, x, pkg, entries)
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimAudit)
		if !strings.Contains(c.Detail, "gave that ballot to board "+b1.ID) {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("a second seed appended with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		var created, executed map[string]any
		for _, m := range decoded(t, lg.Entries, "request-created") {
			if m["Payload"].(map[string]any)["request"] == a.Seed.ID {
				created = m
			}
		}
		for _, m := range decoded(t, lg.Entries, "request-executed") {
			if m["Payload"].(map[string]any)["request"] == a.Seed.ID {
				executed = m
			}
		}
		if created == nil || executed == nil {
			t.Fatal("no seed request in the log")
		}
		cp := created["Payload"].(map[string]any)
		cp["request"] = "r-forged-seed"
		cp["action"] = strings.Replace(cp["action"].(string), verifytest.AuditSeed, "99999999999999999999999", 1)
		sum := sha256.Sum256([]byte(cp["action"].(string)))
		cp["action_sha256"] = hex.EncodeToString(sum[:])
		executed["Payload"].(map[string]any)["request"] = "r-forged-seed"
		executed["Payload"].(map[string]any)["action_sha256"] = cp["action_sha256"]
		entries := appendEntry(t, lg.Entries, lg.Checkpoint.Origin, created)
		entries = appendEntry(t, entries, lg.Checkpoint.Origin, executed)
		relog(t, x, pkg, entries)
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence)
		c := claimOf(t, rep, verify.ClaimAudit)
		if !strings.Contains(c.Detail, "a second seed") || !strings.Contains(c.Detail, "99999999999999999999999") {
			t.Errorf("detail %q", c.Detail)
		}
		// The forged request carries no valid approval either.
		claimOf(t, rep, verify.ClaimTwoPerson)
	})

	t.Run("a sample replaced and recommitted with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		s := au.Rounds[0].Sample
		old, err := os.ReadFile(filepath.Join(pkg, verify.FilePath(s.SHA256)))
		if err != nil {
			t.Fatal(err)
		}
		var rd map[string]any
		json.Unmarshal(old, &rd)
		b0 := rd["ballots"].([]any)[0].(map[string]any)
		b0["ballot_position"] = b0["ballot_position"].(float64) + 1
		forged, _ := json.Marshal(rd)
		sum := sha256.Sum256(forged)
		newSHA := hex.EncodeToString(sum[:])
		os.WriteFile(filepath.Join(pkg, verify.FilePath(newSHA)), forged, 0o644)
		os.Remove(filepath.Join(pkg, verify.FilePath(s.SHA256)))
		lg, _ := packageEntries(t, pkg)
		entries := editEntries(t, lg.Entries, "audit-round-drawn", func(ev map[string]any) {
			f := ev["Payload"].(map[string]any)["sample"].(map[string]any)
			if f["sha256"] == s.SHA256 {
				f["sha256"], f["size"] = newSHA, int64(len(forged))
			}
		})
		relog(t, x, pkg, entries)
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence, verify.ClaimFiles)
		c := claimOf(t, rep, verify.ClaimAudit)
		if !strings.Contains(c.Detail, "round 1's published sample") || !strings.Contains(c.Detail, "draw 1") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("an upload moved after the seed with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		m := decoded(t, lg.Entries, "audit-upload")[0]
		relog(t, x, pkg, appendEntry(t, lg.Entries, lg.Checkpoint.Origin, m))
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimAudit)
		if !strings.Contains(c.Detail, "after the seed") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("a report table edited in the package", func(t *testing.T) {
		pkg := copyDir(t, orig)
		p := filepath.Join(pkg, verify.AuditReportDir(au.ID), "rounds.csv")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(p, []byte(strings.Replace(string(b), "another-round", "confirmed", 1)), 0o644)
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimAudit)
		if !strings.Contains(c.Detail, "rounds.csv is not the report the log gives") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("evidence.json claims another decision", func(t *testing.T) {
		pkg := copyDir(t, orig)
		b, _ := os.ReadFile(filepath.Join(pkg, verify.EvidenceName))
		b = []byte(strings.Replace(string(b), `"decision": "another-round"`, `"decision": "confirmed"`, 1))
		os.WriteFile(filepath.Join(pkg, verify.EvidenceName), b, 0o644)
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimEvidence)
		if !strings.Contains(c.Detail, "decision") {
			t.Errorf("detail %q", c.Detail)
		}
	})
}

// renumber gives entries their positions' sequence numbers and ids.
func renumber(t *testing.T, entries [][]byte, origin string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, e := range entries {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			t.Fatal(err)
		}
		out = appendEntry(t, out, origin, m)
	}
	return out
}

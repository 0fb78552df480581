package verify_test

// Steps 7, 8 and 10 of the insider replay (docs/insider.md): the audit
// and the facility record. The insider is olga, with a root shell, the
// database, the file store and the log key, as in TestInsiderReplay.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
)

// auditLine returns claim 4's line about audit id.
func auditLine(t *testing.T, rep *verify.Report, id string) verify.Claim {
	t.Helper()
	for _, c := range rep.Claims {
		if c.N == verify.ClaimAudit && strings.Contains(c.Detail, "audit "+id+" ") {
			return c
		}
	}
	t.Fatalf("no claim 4 line about audit %s", id)
	return verify.Claim{}
}

func TestInsiderReplayAudit(t *testing.T) {
	ctx := t.Context()
	x := verifytest.New(t)
	x.Setup()

	var refusedAfterSignOff error
	forged := false
	var a8 *verifytest.AuditRun
	t.Run("8 change an audit board's reading after sign-off", func(t *testing.T) {
		a8 = x.RunAudit(verifytest.AuditOptions{Plant: 1, Rounds: 1, BeforeClose: func(a *verifytest.AuditRun, n int) {
			b := a.Boards[n-1][0]
			member := x.Member(b.Members[0])
			list, err := x.O.BoardBallots(ctx, member, a.ID, n, b.ID)
			if err != nil || len(list) == 0 {
				t.Fatalf("board %s's ballots: %v (%d)", b.ID, err, len(list))
			}
			// Through the office: refused once the board signed off.
			refusedAfterSignOff = x.O.PutReading(ctx, member, a.ID, n, list[0].Ballot, map[string]audit.Reading{"Governor": {Choices: []string{"Bob"}}}, "")
			// In the database: the insider rewrites a reading the round
			// is about to be closed from.
			db := insiderDB(t, x)
			rows, err := db.Query(`SELECT id, data FROM records WHERE kind = 'audit-reading'`)
			if err != nil {
				t.Fatal(err)
			}
			var id string
			var data []byte
			for rows.Next() {
				var i string
				var d []byte
				rows.Scan(&i, &d)
				if strings.HasPrefix(i, a.ID+"/") && strings.Contains(string(d), `Alice`) && id == "" {
					id, data = i, d
				}
			}
			rows.Close()
			if id == "" {
				t.Fatal("no reading of Alice in the database")
			}
			var rec map[string]any
			json.Unmarshal(data, &rec)
			rec["readings"] = json.RawMessage(`{"Governor":{"choices":["Bob"]}}`)
			data, _ = json.Marshal(rec)
			if _, err := db.Exec(`UPDATE records SET data = ? WHERE kind = 'audit-reading' AND id = ?`, data, id); err != nil {
				t.Fatal(err)
			}
			forged = true
		}})
		if refusedAfterSignOff == nil || !strings.Contains(refusedAfterSignOff.Error(), "signed off") {
			t.Errorf("a change after sign-off through the office: %v", refusedAfterSignOff)
		}
		if !forged {
			t.Fatal("the reading was not forged")
		}
		pkg := x.Export()
		rep := run(t, pkg, verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence, verify.ClaimFiles, verify.ClaimTwoPerson)
		c := auditLine(t, rep, a8.ID)
		if c.Status != verify.Fail || !strings.Contains(c.Detail, "round 1's published result") || !strings.Contains(c.Detail, "discrepancies") {
			t.Errorf("audit line %+v", c)
		}

		// The same change made in the package instead: evidence.json no
		// longer matches the log (claim 0), or, in the committed result
		// file, that file is altered (claim 2).
		p2 := copyDir(t, pkg)
		ev := readEvidence(t, p2)
		for i, r := range ev.Audits[0].Readings {
			if strings.Contains(string(r.Readings), "Alice") {
				ev.Audits[0].Readings[i].Readings = json.RawMessage(`{"Governor":{"choices":["Bob"]}}`)
				break
			}
		}
		b, _ := json.MarshalIndent(ev, "", "  ")
		os.WriteFile(filepath.Join(p2, verify.EvidenceName), b, 0o644)
		if c := claimOf(t, run(t, p2, verify.Options{}), verify.ClaimEvidence); !strings.Contains(c.Detail, "readings") {
			t.Errorf("detail %q", c.Detail)
		}
		p3 := copyDir(t, pkg)
		res := readEvidence(t, p3).Audits[0].Rounds[0].Closed.Result
		rf := filepath.Join(p3, verify.FilePath(res.SHA256))
		rb, _ := os.ReadFile(rf)
		os.WriteFile(rf, []byte(strings.Replace(string(rb), `"o2":2`, `"o2":1`, 1)), 0o644)
		rep3 := run(t, p3, verify.Options{})
		claimOf(t, rep3, verify.ClaimAudit)
		c = claimOf(t, rep3, verify.ClaimFiles)
		if !strings.Contains(c.Detail, "altered") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("7 roll a new seed after seeing which ballots were drawn", func(t *testing.T) {
		a := x.CreateAudit()
		aa1 := x.User("aa1")
		if _, err := x.O.DrawRound(ctx, aa1, a.ID, office.SampleSize{}); err != nil {
			t.Fatal(err)
		}
		// Through the office: a second seed is refused.
		if _, err := x.O.RequestSeed(ctx, aa1, a.ID, "27182818284590452353602", []string{"Olga"}, nil); err == nil || !strings.Contains(err.Error(), "second seed is refused") {
			t.Fatalf("a second seed through the office: %v", err)
		}
		// In the database: the insider replaces the seed and forgets the
		// round, and has the office draw round 1 again from her seed.
		db := insiderDB(t, x)
		var data []byte
		if err := db.QueryRow(`SELECT data FROM records WHERE kind = 'audit' AND id = ?`, a.ID).Scan(&data); err != nil {
			t.Fatal(err)
		}
		var rec map[string]any
		json.Unmarshal(data, &rec)
		rec["seed"], rec["rounds"] = "27182818284590452353602", 0
		data, _ = json.Marshal(rec)
		if _, err := db.Exec(`UPDATE records SET data = ? WHERE kind = 'audit' AND id = ?`, data, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := x.O.DrawRound(ctx, aa1, a.ID, office.SampleSize{}); err != nil {
			t.Fatalf("the redraw from the forged seed: %v", err)
		}
		rep := run(t, x.Export(), verify.Options{})
		claimOK(t, rep, verify.ClaimLog, verify.ClaimEvidence, verify.ClaimFiles)
		c := auditLine(t, rep, a.ID)
		if c.Status != verify.Fail || !strings.Contains(c.Detail, "round 1") {
			t.Errorf("audit line %+v", c)
		}
		// With the log key, a second seed request is caught by claims 4
		// and 5: TestAuditTamper/a_second_seed_appended_with_the_log_key.
	})

	t.Run("10 switch the cameras off and enter the room", func(t *testing.T) {
		off, entry := x.ImportFacility()
		rep := run(t, x.Export(), verify.Options{})
		f := rep.Facility
		if f == nil || f.Status != verify.Finding {
			t.Fatalf("facility report %+v", f)
		}
		var gap, badge bool
		for _, x := range f.Findings {
			gap = gap || (x.Kind == "camera-gap" && x.Room == "server-room" && x.Time.Equal(off))
			badge = badge || (x.Kind == "badge-entry" && x.Time.Equal(entry) && x.Badge != nil && x.Badge.Name == "Olga Official")
		}
		if !gap || !badge {
			t.Errorf("findings %+v", f.Findings)
		}
		var b strings.Builder
		rep.WriteText(&b)
		if !strings.Contains(b.String(), "FINDING") || !strings.Contains(b.String(), "Olga Official") {
			t.Errorf("the text report does not show the findings:\n%s", b.String())
		}
		raw, _ := json.Marshal(rep)
		if !strings.Contains(string(raw), `"badge-entry"`) {
			t.Errorf("--json does not carry the findings: %.500s", raw)
		}
	})
}

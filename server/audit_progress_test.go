package server_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
)

// expectedNew is the expected number of a county's ballots not sampled
// so far that n uniform draws with replacement over m ballots reach.
func expectedNew(mj, sj, m int64, n int) int {
	p := 1 - math.Pow(1-1/float64(m), float64(n))
	return int(math.Round(float64(mj-sj) * p))
}

// TestAuditProgress follows GET /api/v1/audits/{a}/progress through the
// statewide comparison audit: the seed blocked while records are missing,
// then estimates before the seed from the first round's size (recomputed
// here with package audit), the first round's per-county counts (equal to
// the audit status's), a county official narrowed to her county and a
// user of another jurisdiction refused, boards signed in and off, and
// after the close each county's discrepancies (the planted two-vote
// overstatements in county-b only, summing to Governor's) with the next
// round's estimate.
func TestAuditProgress(t *testing.T) {
	e := newEnv(t)
	p := newAuditPeople(e)
	a := setUpAudit(e, p)
	base := "/api/v1/audits/" + a
	countyB := e.newUser(p.ada, p.bob, "cb-off", []string{"official"}, "state/county-b")
	elsewhere := e.newUser(p.ada, p.bob, "x-obs", []string{"observer"}, "state/elsewhere")

	// Each answer is decoded into a fresh value: omitted fields must not
	// keep the last answer's.
	get := func() office.AuditProgress {
		t.Helper()
		var pr office.AuditProgress
		e.must(p.observer.client, 200, "GET", base+"/progress", nil, &pr)
		return pr
	}
	pr := get()
	if pr.SeedReady || pr.SeedBlocker == "" || len(pr.Jurisdictions) != 3 || pr.Jurisdictions[0].EstimatedToPull != nil || pr.Ballots != 0 {
		t.Fatalf("progress before uploads: %+v", pr)
	}
	for _, c := range counties {
		e.auditUpload(p.aa1.client, a, c, "manifest", "arlo", "manifest.csv", countyManifest(c), nil)
		e.auditUpload(p.aa1.client, a, c, "cvrs", "dominion-csv", "cvr.csv", countyDominionCSV(c), nil)
	}
	x := newExpected(t)
	opts, err := x.a.FirstRoundSizes()
	if err != nil {
		t.Fatal(err)
	}
	first := 0
	for _, o := range opts {
		if o.Key == "size" {
			first = o.Draws
		}
	}
	pr = get()
	if !pr.SeedReady || pr.Ballots != 900 || !pr.Totals.UploadsComplete {
		t.Fatalf("progress after uploads: %+v", pr)
	}
	for _, c := range pr.Jurisdictions {
		if c.ManifestBallots != 300 || c.EstimatedToPull == nil || *c.EstimatedToPull != expectedNew(300, 0, 900, first) || c.Manifest == nil || c.CVRs == nil {
			t.Errorf("%s before the seed: %+v, want an estimate of %d from %d draws", c.Jurisdiction, c, expectedNew(300, 0, 900, first), first)
		}
	}

	var q requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann Roller"}}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	e.approve(p.aa2, q.ID, q.SignText)
	pr = get()
	if !pr.SeedEntered || pr.Next == nil || pr.Next.Draws != first || len(pr.Next.Options) != len(opts) {
		t.Fatalf("progress after the seed: next %+v, want %d draws", pr.Next, first)
	}

	var rv office.RoundView
	e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, &rv)
	xr, err := x.a.Draw(testSeed, nil, rv.Count)
	if err != nil {
		t.Fatal(err)
	}
	x.rounds = append(x.rounds, xr)
	var st office.AuditView
	e.must(p.aa1.client, 200, "GET", base, nil, &st)
	pr = get()
	if !pr.RoundOpen || pr.Round != 1 || pr.Next != nil {
		t.Fatalf("progress of round 1: %+v", pr)
	}
	for i, c := range pr.Jurisdictions {
		if c.Sampled != st.Progress[i].Ballots || c.Sampled == 0 || c.Remaining != c.Sampled || *c.EstimatedToPull != c.Sampled {
			t.Errorf("%s in round 1: %+v, status %+v", c.Jurisdiction, c, st.Progress[i])
		}
	}
	// Access: a county official sees her county; another jurisdiction nothing.
	var mine office.AuditProgress
	e.must(countyB.client, 200, "GET", base+"/progress", nil, &mine)
	if len(mine.Jurisdictions) != 1 || mine.Jurisdictions[0].Jurisdiction != "county-b" || mine.Totals.Sampled != mine.Jurisdictions[0].Sampled {
		t.Errorf("county-b official's progress: %+v", mine.Jurisdictions)
	}
	if c := e.do(elsewhere.client, "GET", base+"/progress", nil, nil); c != 403 {
		t.Errorf("an observer of another jurisdiction: %d, want 403", c)
	}

	// Boards and readings, two planted overstatements in county-b.
	cvrs := map[string]map[string]ballotVotes{}
	for _, c := range counties {
		cvrs[c] = countyCVRs(c)
	}
	contestsOf := map[string][]string{"county-a": {"Governor", "Measure"}, "county-b": {"Governor", "Measure"}, "county-c": {"Governor", "Mayor"}}
	planted := 0
	var boards []*board
	for _, c := range counties {
		boards = append(boards, e.newBoard(p.aa1, a, c, "Dee Democrat", "Rex Republican"))
	}
	pr = get()
	if pr.Totals.Boards != 3 || pr.Totals.BoardsSignedIn != 3 || pr.Totals.MembersEnrolled != 6 || pr.Totals.BoardsSignedOff != 0 || len(pr.Jurisdictions[0].BoardList) != 1 {
		t.Errorf("boards: %+v", pr.Totals)
	}
	for _, b := range boards {
		var list []office.BoardBallot
		e.must(b.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, b.id), nil, &list)
		for _, bb := range list {
			rd := readingsOf(cvrs[b.county][fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)], contestsOf[b.county])
			if b.county == "county-b" && planted < 2 && slices.Equal(rd["Governor"].Choices, []string{"Alice"}) {
				rd["Governor"] = audit.Reading{Choices: []string{"Bob"}}
				planted++
			}
			e.must(b.members[0].client, 204, "PUT", fmt.Sprintf("%s/rounds/1/ballots/%s", base, bb.Ballot), map[string]any{"readings": rd}, nil)
		}
		for _, m := range b.members {
			e.must(m.client, 200, "POST", fmt.Sprintf("%s/rounds/1/boards/%s/sign-off", base, b.id), nil, nil)
		}
	}
	if planted != 2 {
		t.Fatalf("planted %d discrepancies", planted)
	}
	var cv office.CloseView
	e.must(p.aa1.client, 200, "POST", base+"/rounds/1/close", nil, &cv)
	if cv.Done || cv.NextSize == 0 {
		t.Fatalf("close: %+v; the planted discrepancies should ask for another round", cv)
	}
	pr = get()
	if pr.RoundOpen || pr.Next == nil || pr.Next.Draws != cv.NextSize || pr.Totals.BoardsSignedOff != 3 {
		t.Fatalf("progress after the close: %+v", pr)
	}
	gov := pr.Contests[0]
	if gov.Name != "Governor" || gov.Risk == nil || *gov.Risk != cv.Contests["Governor"].Risk || gov.Decision != cv.Contests["Governor"].Decision {
		t.Errorf("Governor after the close: %+v, close %+v", gov, cv.Contests["Governor"])
	}
	sampled := map[string]int64{}
	seen := map[audit.BallotKey]bool{}
	for _, b := range xr.Ballots {
		if !seen[b.Key()] {
			seen[b.Key()] = true
			sampled[b.Jurisdiction]++
		}
	}
	sumO2 := 0
	for _, c := range pr.Jurisdictions {
		if c.Discrepancies == nil {
			t.Fatalf("%s has no discrepancies after the close", c.Jurisdiction)
		}
		wantO2 := 0
		if c.Jurisdiction == "county-b" {
			wantO2 = 2
		}
		if c.Discrepancies.O2 < wantO2 || (wantO2 == 0 && c.Discrepancies.O2 != 0) || c.Discrepancies.O1 != 0 || c.Discrepancies.U1 != 0 || c.Discrepancies.U2 != 0 {
			t.Errorf("%s discrepancies %+v, want o2 ≥ %d only", c.Jurisdiction, *c.Discrepancies, wantO2)
		}
		sumO2 += c.Discrepancies.O2
		if w := expectedNew(300, sampled[c.Jurisdiction], 900, cv.NextSize); c.EstimatedToPull == nil || *c.EstimatedToPull != w {
			t.Errorf("%s estimate after the close: %v, want %d", c.Jurisdiction, c.EstimatedToPull, w)
		}
	}
	if d := cv.Contests["Governor"].Discrepancies; sumO2 != d.O2 || pr.Totals.Discrepancies.O2 != d.O2 {
		t.Errorf("the counties' o2 sum to %d (totals %d), Governor's are %d", sumO2, pr.Totals.Discrepancies.O2, d.O2)
	}
}

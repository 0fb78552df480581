package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla"
)

// miniAudit drives one audit through the API round by round, keeping
// what the boards entered so that the test can count on its own.
type miniAudit struct {
	e        *env
	p        *auditPeople
	id, base string
	counties []string
	contests map[string][]string // county → contests on its ballots
	// readings are the boards' entries by "county/tabulator/batch/position".
	readings map[string]map[string]audit.Reading
	// rows are every round's sample rows.
	rows [][]string
}

// newMiniAudit creates an audit of election el from setup, uploads every
// county's manifest (and CVRs for a comparison audit) and enters the seed
// with two signatures.
func newMiniAudit(t *testing.T, e *env, p *auditPeople, el string, setup map[string]any, contests map[string][]string, manifests, cvrs map[string][]byte) *miniAudit {
	t.Helper()
	body := map[string]any{"election": el}
	for k, v := range setup {
		body[k] = v
	}
	var created struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", body, &created)
	m := &miniAudit{e: e, p: p, id: created.ID, base: "/api/v1/audits/" + created.ID, contests: contests, readings: map[string]map[string]audit.Reading{}}
	for c := range contests {
		m.counties = append(m.counties, c)
	}
	slices.Sort(m.counties)
	for _, c := range m.counties {
		if code := e.auditUpload(p.aa1.client, m.id, c, "manifest", "arlo", "manifest.csv", manifests[c], nil); code != 200 {
			t.Fatalf("manifest %s: %d", c, code)
		}
		if cvrs != nil {
			if code := e.auditUpload(p.aa1.client, m.id, c, "cvrs", "dominion-csv", "cvr.csv", cvrs[c], nil); code != 200 {
				t.Fatalf("CVRs %s: %d", c, code)
			}
		}
	}
	var q requestView
	e.must(p.aa1.client, 202, "POST", m.base+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann"}}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("seed: %d %+v", c, v)
	}
	return m
}

// round draws the next round, has a board of two per county read its
// ballots with read, signs every board off and closes the round.
func (m *miniAudit) round(t *testing.T, size map[string]any, read func(county, key string) map[string]audit.Reading) (office.RoundView, office.CloseView) {
	t.Helper()
	e := m.e
	var rv office.RoundView
	e.must(m.p.aa1.client, 201, "POST", m.base+"/rounds", map[string]any{"sample_size": size}, &rv)
	_, _, csv := e.get(m.p.observer.client, fmt.Sprintf("%s/rounds/%d/sample", m.base, rv.Round))
	rows := sampleRows(t, csv)
	if len(rows) != rv.Count {
		t.Fatalf("round %d: %d sample rows for %d draws", rv.Round, len(rows), rv.Count)
	}
	m.rows = append(m.rows, rows...)
	for _, c := range m.counties {
		b := e.newBoard(m.p.aa1, m.id, c, "Dee", "Rex")
		var list []office.BoardBallot
		e.must(b.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/%d/boards/%s/ballots", m.base, rv.Round, b.id), nil, &list)
		for _, bb := range list {
			key := fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)
			rd := read(c, key)
			e.must(b.members[1].client, 204, "PUT", fmt.Sprintf("%s/rounds/%d/ballots/%s", m.base, rv.Round, bb.Ballot), map[string]any{"readings": rd}, nil)
			m.readings[c+"/"+key] = rd
		}
		for _, mb := range b.members {
			e.must(mb.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/boards/%s/sign-off", m.base, rv.Round, b.id), nil, nil)
		}
	}
	var cv office.CloseView
	e.must(m.p.aa1.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/close", m.base, rv.Round), nil, &cv)
	return rv, cv
}

// each calls f for every draw so far with its county, ballot key and the
// board's reading.
func (m *miniAudit) each(f func(county, key string, rd map[string]audit.Reading)) {
	for _, r := range m.rows {
		key := r[2] + "/" + r[3] + "/" + r[4]
		f(r[1], key, m.readings[r[1]+"/"+key])
	}
}

// governorTally counts Governor in the counties' CVRs.
func governorTally(counties ...string) (alice, bob, ballots int) {
	for _, c := range counties {
		ballots += 300
		for _, v := range countyCVRs(c) {
			switch {
			case len(v["Governor"]) == 0:
			case v["Governor"][0] == "Alice":
				alice++
			default:
				bob++
			}
		}
	}
	return
}

func rlaAnswer(t *testing.T, req map[string]any) (rla.Risk, rla.SizeReport) {
	t.Helper()
	raw, _ := json.Marshal(req)
	r, err := rla.DecodeRequest(raw)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	risk, err := r.Risk()
	if err != nil {
		t.Fatal(err)
	}
	size, err := r.Size()
	if err != nil {
		t.Fatal(err)
	}
	return risk, size
}

// TestAuditPollingToTheEnd runs a BRAVO ballot-polling audit through the
// API until it is done. In round 1 one ballot whose CVR votes Alice is
// not found: it counts as a vote for the loser, Bob. Every round's risk
// is `canvass rla risk`'s on the votes the test counts from its own
// readings; the decisions follow it.
func TestAuditPollingToTheEnd(t *testing.T) {
	e := newEnv(t)
	p := newAuditPeople(e)
	var el office.Election
	e.must(p.official.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "State General", "date": "2026-11-03"}, &el)
	// The statewide election's county-a and county-b: Governor about
	// 64% to 32%, 2,100 ballots.
	sw := swGenerate()
	js := []string{"county-a", "county-b"}
	votes := map[string]int{}
	ballots := 0
	for _, c := range js {
		ballots += sw.ballotsOf[c]
		for _, b := range sw.ballots[c] {
			for _, g := range b.votes["Governor"] {
				votes[g]++
			}
		}
	}
	tally := rla.Counts{{Name: "Alice", Votes: votes["Alice"]}, {Name: "Bob", Votes: votes["Bob"]}}
	setup := map[string]any{"name": "Polling RLA", "type": "ballot-polling", "math": "bravo", "risk_limit": 0.1, "sampler": "arlo",
		"contests": []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": js, "reported": tally}}}
	m := newMiniAudit(t, e, p, el.ID, setup, map[string][]string{"county-a": {"Governor"}, "county-b": {"Governor"}}, sw.manifest, nil)

	lost := ""
	read := func(county, key string) map[string]audit.Reading {
		v := sw.votes[county][key]
		if lost == "" && slices.Equal(v["Governor"], []string{"Alice"}) {
			lost = county + "/" + key
			return map[string]audit.Reading{"Governor": {Status: audit.StatusNotFound, Comment: "not in its batch"}}
		}
		return readingsOf(v, []string{"Governor"})
	}
	// A small first round, so that the audit needs a second (of Arlo's
	// 90% size, the office's rule after round 1).
	size := map[string]any{"draws": 20}
	for round := 1; round <= 5; round++ {
		_, cv := m.round(t, size, read)
		size = map[string]any{}
		if lost == "" {
			t.Fatal("round 1 drew no Alice ballot to lose")
		}
		votes := map[string]int{}
		n, nf := 0, 0 // the test's own count of every draw's reading
		m.each(func(county, key string, rd map[string]audit.Reading) {
			n++
			g := rd["Governor"]
			switch {
			case g.Status == audit.StatusNotFound:
				nf++
			case len(g.Choices) == 1:
				votes[g.Choices[0]]++
			}
		})
		req := func(a, b, notFound int) map[string]any {
			return map[string]any{"method": "bravo", "risk_limit": 0.1, "ballots": ballots, "tally": tally,
				"sample": rla.Counts{{Name: "Alice", Votes: a}, {Name: "Bob", Votes: b}}, "sample_size": n, "not_found": notFound}
		}
		want, wantSize := rlaAnswer(t, req(votes["Alice"], votes["Bob"], nf))
		got := cv.Contests["Governor"]
		if nf == 0 || got.Discrepancies.NotFound != nf || got.Risk != want.Risk {
			t.Fatalf("round %d: risk %v, not found %d; rla risk on the test's counts (%v, %d not found of %d) %v", round, got.Risk, got.Discrepancies.NotFound, votes, nf, n, want.Risk)
		}
		// Worst case: the lost ballot is a vote for Bob, and so riskier
		// than had it been found.
		asBob, _ := rlaAnswer(t, req(votes["Alice"], votes["Bob"]+nf, 0))
		found, _ := rlaAnswer(t, req(votes["Alice"]+nf, votes["Bob"], 0))
		t.Logf("round %d: %d draws, votes %v, %d not found: risk %v (found: %v)", round, n, votes, nf, want.Risk, found.Risk)
		if asBob.Risk != want.Risk || (round == 1 && !(found.Risk < want.Risk)) {
			t.Fatalf("round %d: not found %v, as a vote for Bob %v, found %v", round, want.Risk, asBob.Risk, found.Risk)
		}
		switch {
		case want.Confirmed:
			if got.Decision != audit.Confirmed || !cv.Done {
				t.Fatalf("round %d: risk %v within the limit, decision %s", round, got.Risk, got.Decision)
			}
		case wantSize.BRAVO.FullHandCount:
			if got.Decision != audit.FullHandCount || !cv.Done {
				t.Fatalf("round %d: rla asks a full hand count, decision %s", round, got.Decision)
			}
		default:
			if got.Decision != audit.AnotherRound || got.NextSize != wantSize.BRAVO.P90 || cv.Done {
				t.Fatalf("round %d: decision %s next %d; rla's 90%% size %d", round, got.Decision, got.NextSize, wantSize.BRAVO.P90)
			}
		}
		if cv.Done {
			if got.Decision != audit.Confirmed || round < 2 {
				t.Fatalf("the polling audit ended %s in round %d", got.Decision, round)
			}
			e.refused("a round after the polling audit is done", p.aa1.client, "POST", m.base+"/rounds", map[string]any{"sample_size": map[string]any{}}, 409, "round")
			return
		}
	}
	t.Fatal("the polling audit did not finish in 5 rounds")
}

// TestAuditComparisonNotFoundAndEscalation: in a county comparison audit
// a ballot not found (its CVR votes for the loser) counts as a two-vote
// overstatement for the reported winner; in a second audit boards that
// read every Alice ballot as Bob send Governor to a full hand count, the
// audit is done and no further round can be drawn.
func TestAuditComparisonNotFoundAndEscalation(t *testing.T) {
	e := newEnv(t)
	p := newAuditPeople(e)
	var el office.Election
	e.must(p.official.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "State General", "date": "2026-11-03"}, &el)
	alice, bob, ballots := governorTally("county-a")
	tally := rla.Counts{{Name: "Alice", Votes: alice}, {Name: "Bob", Votes: bob}}
	setup := map[string]any{"name": "County RLA", "type": "ballot-comparison", "math": "supersimple", "risk_limit": 0.1, "sampler": "arlo",
		"contests": []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": []string{"county-a"}},
			{"name": "Measure", "targeted": false, "jurisdictions": []string{"county-a"}}}}
	contests := map[string][]string{"county-a": {"Governor", "Measure"}}
	cvrs := countyCVRs("county-a")

	// A lost Bob ballot: by its CVR it would be no overstatement of Alice's
	// win at all; lost, it is the worst case.
	files := map[string][]byte{"county-a": countyManifest("county-a")}
	cvrFiles := map[string][]byte{"county-a": countyDominionCSV("county-a")}
	m := newMiniAudit(t, e, p, el.ID, setup, contests, files, cvrFiles)
	lost := ""
	_, cv := m.round(t, map[string]any{"draws": 60}, func(county, key string) map[string]audit.Reading {
		v := cvrs[key]
		if lost == "" && slices.Equal(v["Governor"], []string{"Bob"}) {
			lost = key
			return map[string]audit.Reading{"Governor": {Status: audit.StatusNotFound}, "Measure": {Status: audit.StatusNotFound}}
		}
		return readingsOf(v, contests[county])
	})
	n, lostDraws := 0, 0
	m.each(func(_, key string, _ map[string]audit.Reading) {
		n++
		if key == lost {
			lostDraws++
		}
	})
	comparison := func(o2, notFound int) map[string]any {
		return map[string]any{"method": "supersimple", "risk_limit": 0.1, "ballots": ballots, "tally": tally,
			"discrepancies": map[string]int{"sample_size": n, "o2": o2}, "not_found": notFound}
	}
	want, wantSize := rlaAnswer(t, comparison(0, lostDraws))
	asO2, _ := rlaAnswer(t, comparison(lostDraws, 0))
	clean, _ := rlaAnswer(t, comparison(0, 0))
	gov := cv.Contests["Governor"]
	if lost == "" || lostDraws == 0 || gov.Discrepancies.NotFound != lostDraws || gov.Discrepancies.O2 != 0 || gov.Risk != want.Risk ||
		asO2.Risk != want.Risk || !(clean.Risk < want.Risk) {
		t.Fatalf("lost ballot %s drawn %d times: close %+v; rla risk %v, as o2 %v, found %v", lost, lostDraws, gov, want.Risk, asO2.Risk, clean.Risk)
	}
	if want.Confirmed || (wantSize.Size.FullHandCount != (gov.Decision == audit.FullHandCount)) {
		t.Fatalf("decision %s; rla says confirmed %v, full hand count %v", gov.Decision, want.Confirmed, wantSize.Size.FullHandCount)
	}

	// Escalation.
	m2 := newMiniAudit(t, e, p, el.ID, setup, contests, files, cvrFiles)
	_, cv = m2.round(t, map[string]any{}, func(county, key string) map[string]audit.Reading {
		rd := readingsOf(cvrs[key], contests[county])
		if slices.Equal(cvrs[key]["Governor"], []string{"Alice"}) {
			rd["Governor"] = audit.Reading{Choices: []string{"Bob"}}
		}
		return rd
	})
	n, o2 := 0, 0
	m2.each(func(_, key string, rd map[string]audit.Reading) {
		n++
		if slices.Equal(cvrs[key]["Governor"], []string{"Alice"}) && slices.Equal(rd["Governor"].Choices, []string{"Bob"}) {
			o2++
		}
	})
	want, wantSize = rlaAnswer(t, comparison(o2, 0))
	gov = cv.Contests["Governor"]
	if o2 < 2 || gov.Discrepancies.O2 != o2 || gov.Risk != want.Risk || want.Confirmed || !(wantSize.Size.FullHandCount || want.FullHandCount) {
		t.Fatalf("%d planted o2 of %d draws: close %+v; rla risk %+v size %+v", o2, n, gov, want, wantSize.Size)
	}
	if gov.Decision != audit.FullHandCount || !cv.Done || cv.NextSize != 0 {
		t.Fatalf("escalation: %+v", cv)
	}
	var st office.AuditView
	e.must(p.observer.client, 200, "GET", m2.base, nil, &st)
	if !st.Done {
		t.Fatalf("the audit is not done after the full hand count decision: %+v", st.Audit)
	}
	e.refused("a round after a full hand count", p.aa1.client, "POST", m2.base+"/rounds", map[string]any{"sample_size": map[string]any{"draws": 10}}, 409, "round")
	code, _, csv := e.get(p.observer.client, "/public/audits/"+m2.id+"/report.csv")
	if code != 200 || !slices.ContainsFunc(sampleRows(t, csv), func(r []string) bool { return slices.Contains(r, audit.FullHandCount) }) {
		t.Fatalf("report.csv does not show the full hand count: %d %s", code, csv)
	}
}

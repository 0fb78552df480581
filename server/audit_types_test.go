package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
)

// The audit types and settings of issue 9 that the statewide, polling and
// escalation tests do not drive through the API: Colorado's sampler,
// manifests and Kaplan–Markov math; ALPHA (comparison and polling);
// vote-for-2 and approval contests; several targeted and opportunistic
// contests over one or two counties; BRAVO escalating to a full hand
// count; draws without replacement. Each test counts the discrepancies or
// votes from its own readings and asks the rla library (the code path of
// `canvass rla risk` and `canvass rla sample`) for the answer the office
// must give.

// tcContest is one contest of a generated election.
type tcContest struct {
	name     string
	kind     string // plurality, vote-for-n, approval
	cands    []string
	winners  int
	targeted bool
	counties []string
}

// votesAllowed is what the Dominion header and the audit allow.
func (c *tcContest) votesAllowed() int {
	switch c.kind {
	case audit.Approval:
		return len(c.cands)
	case audit.VoteForN:
		return c.winners
	}
	return 1
}

// tcCounty is one county: tabulator (scanner) id, batches of 100.
type tcCounty struct {
	name     string
	countyID int64
	scanner  int
	batches  int
}

const tcBatch = 100

// tcElection is a small generated election: per county its ballots by
// "tabulator/batch/position" (as the board's list and the sample name
// them) in stacking order.
type tcElection struct {
	counties []tcCounty
	contests []tcContest
	keys     map[string][]string
	votes    map[string]map[string]ballotVotes
}

func tcGenerate(seed uint64, counties []tcCounty, contests []tcContest) *tcElection {
	el := &tcElection{counties: counties, contests: contests, keys: map[string][]string{}, votes: map[string]map[string]ballotVotes{}}
	for ci, c := range counties {
		rng := mrand.New(mrand.NewPCG(seed, uint64(ci)))
		el.votes[c.name] = map[string]ballotVotes{}
		for b := 1; b <= c.batches; b++ {
			for p := 1; p <= tcBatch; p++ {
				key := fmt.Sprintf("%d/%d/%d", c.scanner, b, p)
				v := ballotVotes{}
				for _, k := range el.contestsIn(c.name) {
					v[k.name] = tcVote(rng, k)
				}
				el.keys[c.name] = append(el.keys[c.name], key)
				el.votes[c.name][key] = v
			}
		}
	}
	return el
}

// tcVote draws one ballot's marks: plurality first candidate 62%, second
// 35%, blank 3%; vote-for-2 of three mostly the first two; approval each
// candidate on its own (70%, 45%, 30%).
func tcVote(rng *mrand.Rand, c tcContest) []string {
	x := rng.IntN(100)
	switch c.kind {
	case audit.Plurality:
		switch {
		case x < 62:
			return []string{c.cands[0]}
		case x < 97:
			return []string{c.cands[1]}
		}
		return nil
	case audit.VoteForN:
		switch {
		case x < 45:
			return []string{c.cands[0], c.cands[1]}
		case x < 70:
			return []string{c.cands[0], c.cands[2]}
		case x < 90:
			return []string{c.cands[1], c.cands[2]}
		case x < 95:
			return []string{c.cands[0]}
		}
		return nil
	default:
		var out []string
		for i, p := range []int{70, 45, 30} {
			if rng.IntN(100) < p {
				out = append(out, c.cands[i])
			}
		}
		return out
	}
}

func (el *tcElection) contestsIn(county string) []tcContest {
	var out []tcContest
	for _, c := range el.contests {
		if slices.Contains(c.counties, county) {
			out = append(out, c)
		}
	}
	return out
}

func (el *tcElection) contestNames(county string) []string {
	var out []string
	for _, c := range el.contestsIn(county) {
		out = append(out, c.name)
	}
	return out
}

func (el *tcElection) contest(name string) tcContest {
	for _, c := range el.contests {
		if c.name == name {
			return c
		}
	}
	panic("no contest " + name)
}

// ballots is the manifest ballot count of a contest's counties.
func (el *tcElection) ballots(contest string) int {
	n := 0
	for _, c := range el.counties {
		if slices.Contains(el.contest(contest).counties, c.name) {
			n += c.batches * tcBatch
		}
	}
	return n
}

func (el *tcElection) total() int {
	n := 0
	for _, c := range el.counties {
		n += c.batches * tcBatch
	}
	return n
}

// tally counts a contest's votes in candidate order, as the test reads
// its own generated ballots.
func (el *tcElection) tally(contest string) rla.Counts {
	c := el.contest(contest)
	votes := map[string]int{}
	for _, county := range c.counties {
		for _, v := range el.votes[county] {
			for _, ch := range v[contest] {
				votes[ch]++
			}
		}
	}
	var out rla.Counts
	for _, n := range c.cands {
		out = append(out, rla.CandidateVotes{Name: n, Votes: votes[n]})
	}
	return out
}

// outcome is the reported winners and losers of a contest.
func (el *tcElection) outcome(contest string) (winners, losers []string) {
	c := el.contest(contest)
	t := slices.Clone(el.tally(contest))
	slices.SortStableFunc(t, func(a, b rla.CandidateVotes) int { return b.Votes - a.Votes })
	for i, cv := range t {
		if i < max(c.winners, 1) {
			winners = append(winners, cv.Name)
		} else {
			losers = append(losers, cv.Name)
		}
	}
	return
}

// arloManifest and coloradoManifest are a county's ballot manifest.
func (el *tcElection) arloManifest(county string) []byte {
	c := el.county(county)
	var b strings.Builder
	b.WriteString("Container,Tabulator,Batch Name,Number of Ballots\n")
	for i := 1; i <= c.batches; i++ {
		fmt.Fprintf(&b, "Box %d,%d,%d,%d\n", (i+1)/2, c.scanner, i, tcBatch)
	}
	return []byte(b.String())
}

func (el *tcElection) coloradoManifest(county string) []byte {
	c := el.county(county)
	var b strings.Builder
	b.WriteString("CountyID,ScannerID,BatchID,NumBallots,StorageLocation\n")
	for i := 1; i <= c.batches; i++ {
		fmt.Fprintf(&b, "%d,%d,%d,%d,Bin %d\n", c.countyID, c.scanner, i, tcBatch, (i+1)/2)
	}
	return []byte(b.String())
}

func (el *tcElection) county(name string) tcCounty {
	for _, c := range el.counties {
		if c.name == name {
			return c
		}
	}
	panic("no county " + name)
}

// dominionCSV writes a county's CVRs as Dominion's CSV export; with
// padded, tabulators are written with leading zeros (Colorado scanner
// 011 is manifest scanner 11).
func (el *tcElection) dominionCSV(county string, padded bool) []byte {
	type col struct{ contest, cand string }
	var cols []col
	row2, row3 := ",,,,,,,", ",,,,,,,"
	for _, c := range el.contestsIn(county) {
		for _, cand := range c.cands {
			cols = append(cols, col{c.name, cand})
			row2 += fmt.Sprintf(",\"%s (Vote For=%d)\"", c.name, c.votesAllowed())
			row3 += ",\"" + cand + "\""
		}
	}
	var b bytes.Buffer
	b.WriteString("\"State General\",\"5.2.16.1\"\n" + row2 + "\n" + row3 + "\n")
	b.WriteString("CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,CountingGroup,PrecinctPortion,BallotType" + strings.Repeat(",", len(cols)) + "\n")
	for i, key := range el.keys[county] {
		f := strings.Split(key, "/")
		tab := f[0]
		if padded {
			tab = "0" + tab
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s-%s-%s,Election Day,P1,B1", i+1, tab, f[1], f[2], f[0], f[1], f[2])
		v := el.votes[county][key]
		for _, c := range cols {
			mark := "0"
			if slices.Contains(v[c.contest], c.cand) {
				mark = "1"
			}
			b.WriteString("," + mark)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// setupContests is the "contests" of the audit setup.
func (el *tcElection) setupContests(polling bool) []map[string]any {
	var out []map[string]any
	for _, c := range el.contests {
		m := map[string]any{"name": c.name, "targeted": c.targeted, "jurisdictions": c.counties, "kind": c.kind}
		if c.winners > 1 {
			m["winners"] = c.winners
		}
		if polling {
			m["reported"] = el.tally(c.name)
		}
		out = append(out, m)
	}
	return out
}

// newTypesAudit creates an audit, uploads every county's manifest in
// format (and CVRs for a comparison audit) and enters the seed with two
// signatures; the returned miniAudit drives its rounds.
func newTypesAudit(t *testing.T, e *env, p *auditPeople, elID string, el *tcElection, setup map[string]any, format string, cvrs bool) *miniAudit {
	t.Helper()
	body := map[string]any{"election": elID}
	for k, v := range setup {
		body[k] = v
	}
	var created struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", body, &created)
	m := &miniAudit{e: e, p: p, id: created.ID, base: "/api/v1/audits/" + created.ID, contests: map[string][]string{}, readings: map[string]map[string]audit.Reading{}}
	for _, c := range el.counties {
		m.counties = append(m.counties, c.name)
		m.contests[c.name] = el.contestNames(c.name)
		data, wantID := el.arloManifest(c.name), int64(0)
		if format == "colorado" {
			data, wantID = el.coloradoManifest(c.name), c.countyID
		}
		var v office.UploadValidation
		if code := e.auditUpload(p.aa1.client, m.id, c.name, "manifest", format, "manifest.csv", data, &v); code != 200 || v.Summary.Ballots != int64(c.batches*tcBatch) || v.Summary.Batches != c.batches || v.Summary.CountyID != wantID {
			t.Fatalf("manifest %s: %d %+v", c.name, code, v)
		}
		if cvrs {
			if code := e.auditUpload(p.aa1.client, m.id, c.name, "cvrs", "dominion-csv", "cvr.csv", el.dominionCSV(c.name, format == "colorado"), &v); code != 200 || !v.Complete || v.Summary.Phantoms != 0 {
				t.Fatalf("CVRs %s: %d %+v", c.name, code, v)
			}
		}
	}
	slices.Sort(m.counties)
	var q requestView
	e.must(p.aa1.client, 202, "POST", m.base+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann"}}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("seed: %d %+v", c, v)
	}
	return m
}

// marksOf is what a reading marks (nil for a status).
func marksOf(rd audit.Reading) []string {
	if rd.Status != "" {
		return nil
	}
	return rd.Choices
}

// overstatement is the worst (winner, loser) pair's overstatement in
// votes of the CVR's marks against the board's: Colorado's per-ballot
// discrepancy, computed here on its own.
func overstatement(cvr, mvr, winners, losers []string) int {
	worst := -3
	for _, w := range winners {
		for _, l := range losers {
			has := func(s []string, c string) int {
				if slices.Contains(s, c) {
					return 1
				}
				return 0
			}
			d := (has(cvr, w) - has(cvr, l)) - (has(mvr, w) - has(mvr, l))
			worst = max(worst, d)
		}
	}
	return worst
}

// tcComparison is the test's own count of a comparison contest over every
// draw so far: the discrepancy counts and the overstatements in draw
// order (a not-found ballot is 2 in the order, not_found in the counts).
type tcComparison struct {
	d              rla.Discrepancies
	notFound       int
	overstatements []int
}

func (m *miniAudit) countComparison(el *tcElection, contest string) *tcComparison {
	winners, losers := el.outcome(contest)
	out := &tcComparison{}
	m.each(func(county, key string, rd map[string]audit.Reading) {
		if !slices.Contains(el.contest(contest).counties, county) {
			return
		}
		r := rd[contest]
		if r.Status == audit.StatusNotFound {
			out.d.SampleSize++
			out.notFound++
			out.overstatements = append(out.overstatements, 2)
			return
		}
		v := overstatement(el.votes[county][key][contest], marksOf(r), winners, losers)
		out.d.Add(v, 1)
		out.overstatements = append(out.overstatements, v)
	})
	return out
}

// contestOf is the rla contest the test expects the office to audit.
func (el *tcElection) rlaContest(contest string) *rla.Contest {
	c := el.contest(contest)
	return &rla.Contest{Ballots: el.ballots(contest), Tally: el.tally(contest), Winners: max(c.winners, 1), VotesAllowed: c.votesAllowed()}
}

// rlaRequest is the JSON `canvass rla risk` reads for a contest.
func (el *tcElection) rlaRequest(method string, risk float64, contest string, extra map[string]any) map[string]any {
	rc := el.rlaContest(contest)
	req := map[string]any{"method": method, "risk_limit": risk, "ballots": rc.Ballots, "tally": rla.Counts(rc.Tally), "winners": rc.Winners, "votes_allowed": rc.VotesAllowed}
	for k, v := range extra {
		req[k] = v
	}
	return req
}

// rlaSize is the size the office takes from an rla answer: Arlo's 90%
// for BRAVO, the method's size otherwise.
func rlaSize(s rla.SizeReport) (int, bool) {
	if s.BRAVO != nil {
		return s.BRAVO.P90, s.BRAVO.FullHandCount
	}
	return s.Size.Size, s.Size.FullHandCount
}

// checkDecisions checks every contest's decision against rla's answers
// and the round's next size against the targeted contests alone: an
// opportunistic contest is reported, decides nothing and sizes nothing.
func checkDecisions(t *testing.T, round int, el *tcElection, cv office.CloseView, prev map[string]office.ContestClose, risks map[string]rla.Risk, sizes map[string]rla.SizeReport) {
	t.Helper()
	next := 0
	for _, c := range el.contests {
		got, want := cv.Contests[c.name], risks[c.name]
		size, full := rlaSize(sizes[c.name])
		p := prev[c.name]
		switch {
		case p.Decision == audit.Confirmed || p.Decision == audit.FullHandCount:
			if got.Decision != p.Decision {
				t.Fatalf("round %d %s: decided %s earlier, now %s", round, c.name, p.Decision, got.Decision)
			}
		case !c.targeted:
			if got.Decision != audit.Opportunistic || got.NextSize != 0 || got.Confirmed {
				t.Fatalf("round %d %s (opportunistic): %+v", round, c.name, got)
			}
		case want.Confirmed:
			if got.Decision != audit.Confirmed || !got.Confirmed {
				t.Fatalf("round %d %s: rla confirms (risk %v), decision %s", round, c.name, want.Risk, got.Decision)
			}
		case want.FullHandCount || full:
			if got.Decision != audit.FullHandCount {
				t.Fatalf("round %d %s: rla asks a full hand count, decision %s", round, c.name, got.Decision)
			}
		default:
			// rla's size as `canvass rla size` prints it: at most the
			// contest's ballots.
			n := el.ballots(c.name)
			size = min(max(size, 1), n)
			if got.Decision != audit.AnotherRound || got.NextSize != size {
				t.Fatalf("round %d %s: decision %s next %d; rla size %d", round, c.name, got.Decision, got.NextSize, size)
			}
			next = max(next, (size*el.total()+n-1)/n)
		}
	}
	if cv.NextSize != next || cv.Done != (next == 0) {
		t.Fatalf("round %d: next size %d done %v; the targeted contests ask %d", round, cv.NextSize, cv.Done, next)
	}
}

// readTruly reads every contest as the CVR (the generated ballot) has it.
func readTruly(el *tcElection) func(county, key string) map[string]audit.Reading {
	return func(county, key string) map[string]audit.Reading {
		return readingsOf(el.votes[county][key], el.contestNames(county))
	}
}

func newTypesEnv(t *testing.T, open opener) (*env, *auditPeople, string) {
	e := newEnvOn(t, open)
	p := newAuditPeople(e)
	var el office.Election
	e.must(p.official.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "State General", "date": "2026-11-03"}, &el)
	return e, p, el.ID
}

// TestAuditColoradoComparison is a ballot-comparison audit with
// Colorado's sampler, county manifests in ColoradoRLA's format and
// Colorado's Kaplan–Markov math, on SQLite and PostgreSQL. Governor spans
// both counties and Council (vote-for-2) only Adams, both targeted;
// Approve (approval, both counties) and Sheriff (Boulder only) are
// opportunistic. A planted one-vote overstatement of Council (a board
// reading only Ann where the CVR has Ann and Ben) forces a second round; Sheriff's board reads every winner's vote as the loser's,
// so its risk stays at 1, which must neither size a round nor keep the
// audit open. Every round's sample is `canvass rla sample --sampler
// corla` over the same manifest files and seed; every risk is rla's
// Kaplan–Markov on the test's own counts.
func TestAuditColoradoComparison(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { testAuditColoradoComparison(t, open) })
	}
}

func testAuditColoradoComparison(t *testing.T, open opener) {
	e, p, elID := newTypesEnv(t, open)
	el := tcGenerate(7, []tcCounty{{"Adams", 1, 11, 3}, {"Boulder", 7, 21, 2}}, []tcContest{
		{"Governor", audit.Plurality, []string{"Alice", "Bob"}, 1, true, []string{"Adams", "Boulder"}},
		{"Council", audit.VoteForN, []string{"Ann", "Ben", "Cy"}, 2, true, []string{"Adams"}},
		{"Approve", audit.Approval, []string{"Park", "Lake", "Hill"}, 1, false, []string{"Adams", "Boulder"}},
		{"Sheriff", audit.Plurality, []string{"Sol", "Tim"}, 1, false, []string{"Boulder"}},
	})
	const risk = 0.1
	setup := map[string]any{"name": "Colorado RLA", "type": "ballot-comparison", "math": "corla", "risk_limit": risk, "sampler": "corla",
		"jurisdictions": []map[string]any{{"name": "Adams", "county_id": 1}, {"name": "Boulder", "county_id": 7}},
		"contests":      el.setupContests(false)}
	// Without county numbers the corla sampler cannot number the ballots.
	bad := map[string]any{"election": elID}
	for k, v := range setup {
		bad[k] = v
	}
	bad["jurisdictions"] = []map[string]any{{"name": "Adams", "county_id": 1}, {"name": "Boulder"}}
	e.refused("a corla audit without a county number", p.aa1.client, "POST", "/api/v1/audits", bad, 400, "jurisdictions[1].county_id")
	// A county's manifest whose rows carry another county's number is
	// refused at upload, row by row, even before its CVRs are in.
	var other struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", bad2(setup, elID), &other)
	e.unchanged("a manifest with another county's rows", func() {
		var ae apiError
		code := e.auditUpload(p.aa1.client, other.ID, "Adams", "manifest", "colorado", "adams.csv", el.coloradoManifest("Boulder"), &ae)
		if code != 422 || ae.Field != "file" || !strings.Contains(ae.Error, "row 2") || !strings.Contains(ae.Error, "CountyID 7") {
			t.Errorf("Boulder's manifest uploaded as Adams's: %d %+v, want 422 naming the file, row 2 and the county", code, ae)
		}
	})
	m := newTypesAudit(t, e, p, elID, el, setup, "colorado", true)
	// A corla audit reads Colorado manifests only: an Arlo one is a 400
	// naming the format (checked before the seed, which is already in).
	e.unchanged("an Arlo manifest for a corla audit", func() {
		var ae apiError
		if code := e.auditUpload(p.aa1.client, m.id, "Adams", "manifest", "arlo", "manifest.csv", el.arloManifest("Adams"), &ae); code != 400 || ae.Field != "format" {
			t.Errorf("an Arlo manifest for a corla audit: %d %+v", code, ae)
		}
	})

	// `canvass rla sample --sampler corla --manifest adams.csv --manifest
	// boulder.csv --seed S`: the library call over the same files.
	var ms []*manifest.Colorado
	for _, c := range el.counties {
		cm, err := manifest.ReadColorado(c.name+".csv", bytes.NewReader(el.coloradoManifest(c.name)))
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, cm)
	}
	state, err := manifest.NewStatewide(ms...)
	if err != nil {
		t.Fatal(err)
	}
	byCounty := map[string]string{"1": "Adams", "7": "Boulder"}

	planted := ""
	read := func(county, key string) map[string]audit.Reading {
		rd := readTruly(el)(county, key)
		v := el.votes[county][key]
		if planted == "" && slices.Equal(v["Council"], []string{"Ann", "Ben"}) {
			planted = county + "/" + key
			rd["Council"] = audit.Reading{Choices: []string{"Ann"}}
		}
		if county == "Boulder" && slices.Equal(v["Sheriff"], []string{"Sol"}) {
			rd["Sheriff"] = audit.Reading{Choices: []string{"Tim"}}
		}
		return rd
	}
	prev := map[string]office.ContestClose{}
	size := map[string]any{}
	for round := 1; round <= 4; round++ {
		before := len(m.rows)
		rv, cv := m.round(t, size, read)
		size = map[string]any{}
		if rv.Skip != before {
			t.Fatalf("round %d skips %d, the earlier rounds drew %d", round, rv.Skip, before)
		}
		// The round is `rla sample --skip before --count n`, row for row.
		s, err := draw.CorlaManifest(draw.Request{Seed: testSeed, Skip: before, Count: rv.Count}, state)
		if err != nil {
			t.Fatal(err)
		}
		rows := s.Collect()
		for i, r := range rows {
			g := m.rows[before+i]
			if g[0] != strconv.FormatUint(r.Counter, 10) || g[1] != byCounty[strconv.FormatInt(r.CountyID, 10)] || g[2] != strconv.FormatInt(r.ScannerID, 10) ||
				g[3] != r.BatchID || g[4] != strconv.Itoa(r.BallotPosition) {
				t.Fatalf("round %d draw %d: the office's sample row %v, rla sample --sampler corla %+v", round, i+1, g, r)
			}
		}
		// Times sampled count every round, as one draw of all of them.
		all, _ := draw.CorlaManifest(draw.Request{Seed: testSeed, Count: len(m.rows)}, state)
		var want bytes.Buffer
		arlo := draw.CorlaAsArlo(all.Collect())
		for i := range arlo {
			arlo[i].Jurisdiction = byCounty[arlo[i].Jurisdiction]
		}
		draw.WriteCSV(&want, draw.FromSlice(draw.ArloColumns, arlo[before:]))
		_, _, got := e.get(p.observer.client, fmt.Sprintf("%s/rounds/%d/sample", m.base, rv.Round))
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("round %d sample:\n%s\nwant (rla sample over both rounds, in Arlo's columns):\n%s", round, got, want.Bytes())
		}
		if planted == "" {
			t.Fatal("round 1 drew no Ann and Ben ballot to misread")
		}

		risks, sizes := map[string]rla.Risk{}, map[string]rla.SizeReport{}
		for _, c := range el.contests {
			n := m.countComparison(el, c.name)
			req := el.rlaRequest("corla", risk, c.name, map[string]any{"discrepancies": map[string]int{"sample_size": n.d.SampleSize, "o1": n.d.O1, "o2": n.d.O2, "u1": n.d.U1, "u2": n.d.U2}, "not_found": n.notFound})
			risks[c.name], sizes[c.name] = rlaAnswer(t, req)
			// And Kaplan–Markov called directly.
			km, err := rla.CORLA(risk, el.rlaContest(c.name), &n.d, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := cv.Contests[c.name]
			d := got.Discrepancies
			if got.Risk != risks[c.name].Risk || got.Risk != km.Risk || d.O1 != n.d.O1 || d.O2 != n.d.O2 || d.U1 != n.d.U1 || d.U2 != n.d.U2 || d.NotFound != n.notFound {
				t.Fatalf("round %d %s: %+v; the test counts %+v, rla risk %v, rla.CORLA %+v", round, c.name, got, n.d, risks[c.name].Risk, km)
			}
			t.Logf("round %d %s: %d draws %+v risk %v %s", round, c.name, n.d.SampleSize, n.d, got.Risk, got.Decision)
		}
		if round == 1 && cv.Contests["Council"].Discrepancies.O1 == 0 {
			t.Fatal("the planted overstatement is not counted")
		}
		if cv.Contests["Sheriff"].Discrepancies.O2 == 0 {
			t.Fatal("no Sheriff overstatement was drawn; the test needs one")
		}
		checkDecisions(t, round, el, cv, prev, risks, sizes)
		prev = cv.Contests
		if cv.Done {
			if round < 2 {
				t.Fatalf("the planted overstatement did not force a second round: %+v", cv)
			}
			if sh := cv.Contests["Sheriff"]; !(sh.Risk > risk) {
				t.Fatalf("Sheriff's risk %v: the test needs an opportunistic contest over the limit when the audit ends", sh.Risk)
			}
			e.refused("a round after the audit is done", p.aa1.client, "POST", m.base+"/rounds", map[string]any{"sample_size": map[string]any{}}, 409, "round")
			return
		}
	}
	t.Fatal("the Colorado audit did not finish in 4 rounds")
}

// lostFirst returns a reader that reads the ballots truly except the
// first one drawn in county whose contest has choices want: that ballot
// is not found (every contest).
func lostFirst(el *tcElection, county, contest string, want []string, lost *string) func(string, string) map[string]audit.Reading {
	return func(c, key string) map[string]audit.Reading {
		rd := readTruly(el)(c, key)
		if (*lost == "" && c == county && slices.Equal(el.votes[c][key][contest], want)) || *lost == c+"/"+key {
			*lost = c + "/" + key
			for name := range rd {
				rd[name] = audit.Reading{Status: audit.StatusNotFound, Comment: "not in its batch"}
			}
		}
		return rd
	}
}

var tcCounties = []tcCounty{{"North", 0, 1, 3}, {"South", 0, 2, 2}}

// TestAuditALPHAComparison is an ALPHA-CLCA ballot-comparison audit:
// Governor (both counties) and Council (vote-for-2, North) targeted,
// Approve (approval, both) opportunistic. A board misreads one Council
// ballot (a one-vote overstatement) and a South ballot is not found (a
// two-vote overstatement of every contest on it). Every risk is
// `canvass rla risk`'s ALPHA on the overstatements, in draw order, that
// the test computes from its own readings, and rla.ALPHAComparisonRisk's.
func TestAuditALPHAComparison(t *testing.T) {
	e, p, elID := newTypesEnv(t, openSQLite)
	el := tcGenerate(11, tcCounties, []tcContest{
		{"Governor", audit.Plurality, []string{"Alice", "Bob"}, 1, true, []string{"North", "South"}},
		{"Council", audit.VoteForN, []string{"Ann", "Ben", "Cy"}, 2, true, []string{"North"}},
		{"Approve", audit.Approval, []string{"Park", "Lake", "Hill"}, 1, false, []string{"North", "South"}},
	})
	const risk = 0.05
	setup := map[string]any{"name": "ALPHA-CLCA", "type": "ballot-comparison", "math": "alpha-comparison", "risk_limit": risk, "sampler": "arlo",
		"contests": el.setupContests(false)}
	// Council defined as a plurality contest while the CVRs allow two
	// votes would count every full ballot as an overvote: the CVR upload
	// that completes the county is refused and changes nothing.
	wrong := bad2(setup, elID)
	wrong["contests"] = []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": []string{"North", "South"}},
		{"name": "Council", "targeted": true, "jurisdictions": []string{"North"}}}
	var w struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", wrong, &w)
	if code := e.auditUpload(p.aa1.client, w.ID, "North", "manifest", "arlo", "manifest.csv", el.arloManifest("North"), nil); code != 200 {
		t.Fatalf("manifest: %d", code)
	}
	e.unchanged("CVRs allowing more votes than the audit", func() {
		var ae apiError
		code := e.auditUpload(p.aa1.client, w.ID, "North", "cvrs", "dominion-csv", "cvr.csv", el.dominionCSV("North", false), &ae)
		if code != 422 || !strings.Contains(ae.Error, `contest "Council" allows 2 votes in the election's CVRs but 1 in the audit`) {
			t.Errorf("a vote-for-2 contest audited as plurality: %d %+v", code, ae)
		}
	})
	m := newTypesAudit(t, e, p, elID, el, setup, "arlo", true)
	lost, planted := "", ""
	lose := lostFirst(el, "South", "Governor", []string{"Alice"}, &lost)
	read := func(county, key string) map[string]audit.Reading {
		rd := lose(county, key)
		if planted == "" && county == "North" && slices.Equal(el.votes[county][key]["Council"], []string{"Ann", "Ben"}) {
			planted = county + "/" + key
			rd["Council"] = audit.Reading{Choices: []string{"Ann"}}
		}
		return rd
	}
	prev := map[string]office.ContestClose{}
	size := map[string]any{}
	// Round 1's size is `canvass rla size` for each targeted contest with
	// the audit's draws (with replacement), scaled to both counties.
	first := 0
	for _, c := range el.contests {
		if c.targeted {
			raw, _ := json.Marshal(el.rlaRequest("alpha-comparison", risk, c.name, map[string]any{"with_replacement": true}))
			req, err := rla.DecodeRequest(raw)
			if err != nil {
				t.Fatal(err)
			}
			sz, err := req.Size()
			if err != nil {
				t.Fatal(err)
			}
			n := el.ballots(c.name)
			first = max(first, (min(sz.Size.Size, n)*el.total()+n-1)/n)
		}
	}
	for round := 1; round <= 4; round++ {
		rv, cv := m.round(t, size, read)
		if round == 1 && rv.Count != first {
			t.Fatalf("round 1 draws %d; rla size with replacement, scaled: %d", rv.Count, first)
		}
		if lost == "" || planted == "" {
			t.Fatalf("round 1 drew no ballot to lose (%q) or to misread (%q)", lost, planted)
		}
		risks, sizes := map[string]rla.Risk{}, map[string]rla.SizeReport{}
		for _, c := range el.contests {
			n := m.countComparison(el, c.name)
			risks[c.name], sizes[c.name] = rlaAnswer(t, el.rlaRequest("alpha-comparison", risk, c.name, map[string]any{"overstatements": n.overstatements, "with_replacement": true}))
			direct, err := rla.ALPHAComparisonRisk(risk, el.rlaContest(c.name), n.overstatements, &rla.ALPHAOptions{WithReplacement: true})
			if err != nil {
				t.Fatal(err)
			}
			got := cv.Contests[c.name]
			d := got.Discrepancies
			if got.Risk != risks[c.name].Risk || got.Risk != direct.Risk || d.O1 != n.d.O1 || d.O2 != n.d.O2 || d.U1 != n.d.U1 || d.U2 != n.d.U2 || d.NotFound != n.notFound {
				t.Fatalf("round %d %s: %+v; the test counts %+v (%d not found), rla risk %v, rla.ALPHAComparisonRisk %v", round, c.name, got, n.d, n.notFound, risks[c.name].Risk, direct.Risk)
			}
			t.Logf("round %d %s: %d draws %+v %d not found: risk %v %s", round, c.name, len(n.overstatements), n.d, n.notFound, got.Risk, got.Decision)
		}
		if round == 1 && (cv.Contests["Council"].Discrepancies.O1 == 0 || cv.Contests["Governor"].Discrepancies.NotFound == 0 || cv.Contests["Approve"].Discrepancies.NotFound == 0) {
			t.Fatalf("round 1 does not count the planted discrepancies: %+v", cv.Contests)
		}
		checkDecisions(t, round, el, cv, prev, risks, sizes)
		prev = cv.Contests
		if cv.Done {
			for _, c := range el.contests {
				if c.targeted && cv.Contests[c.name].Decision != audit.Confirmed {
					t.Fatalf("%s ended %s", c.name, cv.Contests[c.name].Decision)
				}
			}
			return
		}
	}
	t.Fatal("the ALPHA-CLCA audit did not finish in 4 rounds")
}

// pollingDraws is the test's own reading of every draw of a polling
// contest: the votes per candidate, the not-found count, and the draws in
// order as `canvass rla risk` takes them for ALPHA (nil not found, ""
// no vote) and as rla.ALPHAPollingRisk takes them.
type pollingDraws struct {
	votes    map[string]int
	n        int
	notFound int
	names    []*string
	indices  []int
}

func (m *miniAudit) countPolling(el *tcElection, contest string) *pollingDraws {
	c := el.contest(contest)
	out := &pollingDraws{votes: map[string]int{}}
	m.each(func(county, key string, rd map[string]audit.Reading) {
		if !slices.Contains(c.counties, county) {
			return
		}
		r := rd[contest]
		out.n++
		switch {
		case r.Status == audit.StatusNotFound:
			out.notFound++
			out.names = append(out.names, nil)
			out.indices = append(out.indices, rla.NotFound)
		case len(r.Choices) == 0:
			s := ""
			out.names = append(out.names, &s)
			out.indices = append(out.indices, rla.NoVote)
		default:
			for _, ch := range r.Choices {
				out.votes[ch]++
			}
			s := r.Choices[0]
			out.names = append(out.names, &s)
			out.indices = append(out.indices, slices.Index(c.cands, s))
		}
	})
	return out
}

func (d *pollingDraws) sample(cands []string) rla.Counts {
	var out rla.Counts
	for _, c := range cands {
		out = append(out, rla.CandidateVotes{Name: c, Votes: d.votes[c]})
	}
	return out
}

// TestAuditALPHAPolling is an ALPHA ballot-polling audit of a statewide
// contest (targeted) and a one-county contest (opportunistic), with a
// ballot not found in round 1; every risk is `canvass rla risk`'s ALPHA
// on the test's own draws in order and rla.ALPHAPollingRisk's. ALPHA
// polling of a vote-for-2 or an approval contest is refused at setup with
// the contest's field.
func TestAuditALPHAPolling(t *testing.T) {
	e, p, elID := newTypesEnv(t, openSQLite)
	el := tcGenerate(13, tcCounties, []tcContest{
		{"Governor", audit.Plurality, []string{"Alice", "Bob"}, 1, true, []string{"North", "South"}},
		{"Sheriff", audit.Plurality, []string{"Sol", "Tim"}, 1, false, []string{"South"}},
	})
	const risk = 0.1
	setup := map[string]any{"name": "ALPHA polling", "type": "ballot-polling", "math": "alpha", "risk_limit": risk, "sampler": "arlo",
		"contests": el.setupContests(true)}
	for _, kind := range []string{audit.VoteForN, audit.Approval} {
		multi := tcContest{"Council", kind, []string{"Ann", "Ben", "Cy"}, 2, true, []string{"North"}}
		if kind == audit.Approval {
			multi.winners = 1
		}
		bad := &tcElection{counties: el.counties, contests: []tcContest{el.contests[0], multi}, votes: el.votes, keys: el.keys}
		for k, v := range el.votes["North"] {
			v["Council"] = []string{"Ann", "Ben"}
			if k == "1/1/1" {
				v["Council"] = []string{"Cy"}
			}
		}
		body := map[string]any{"election": elID, "name": "ALPHA " + kind, "type": "ballot-polling", "math": "alpha", "risk_limit": risk, "sampler": "arlo",
			"contests": bad.setupContests(true)}
		e.refused("ALPHA polling of a "+kind+" contest", p.aa1.client, "POST", "/api/v1/audits", body, 400, "contests[1].kind")
		for _, v := range el.votes["North"] {
			delete(v, "Council")
		}
	}
	m := newTypesAudit(t, e, p, elID, el, setup, "arlo", false)
	lost := ""
	read := lostFirst(el, "South", "Governor", []string{"Alice"}, &lost)
	prev := map[string]office.ContestClose{}
	size := map[string]any{"draws": 30}
	for round := 1; round <= 5; round++ {
		_, cv := m.round(t, size, read)
		size = map[string]any{}
		if lost == "" {
			t.Fatal("round 1 drew no South Alice ballot to lose")
		}
		risks, sizes := map[string]rla.Risk{}, map[string]rla.SizeReport{}
		for _, c := range el.contests {
			d := m.countPolling(el, c.name)
			risks[c.name], sizes[c.name] = rlaAnswer(t, el.rlaRequest("alpha", risk, c.name, map[string]any{"draws": d.names, "with_replacement": true}))
			direct, err := rla.ALPHAPollingRisk(risk, el.rlaContest(c.name), d.indices, &rla.ALPHAOptions{WithReplacement: true})
			if err != nil {
				t.Fatal(err)
			}
			got := cv.Contests[c.name]
			if got.Risk != risks[c.name].Risk || got.Risk != direct.Risk || got.Discrepancies.NotFound != d.notFound {
				t.Fatalf("round %d %s: %+v; rla risk %v, rla.ALPHAPollingRisk %v on the test's %d draws (%d not found)", round, c.name, got, risks[c.name].Risk, direct.Risk, d.n, d.notFound)
			}
			t.Logf("round %d %s: %d draws %v, %d not found: risk %v %s", round, c.name, d.n, d.votes, d.notFound, got.Risk, got.Decision)
		}
		if cv.Contests["Governor"].Discrepancies.NotFound == 0 {
			t.Fatal("the lost ballot is not counted")
		}
		checkDecisions(t, round, el, cv, prev, risks, sizes)
		prev = cv.Contests
		if cv.Done {
			if cv.Contests["Governor"].Decision != audit.Confirmed {
				t.Fatalf("Governor ended %s", cv.Contests["Governor"].Decision)
			}
			return
		}
	}
	t.Fatal("the ALPHA polling audit did not finish in 5 rounds")
}

// TestAuditBRAVOMultiVote is a BRAVO ballot-polling audit with a
// plurality contest and a vote-for-2 contest targeted and an approval
// contest opportunistic; a ballot is not found. Every risk is `canvass
// rla risk`'s BRAVO on the votes the test counts.
func TestAuditBRAVOMultiVote(t *testing.T) {
	e, p, elID := newTypesEnv(t, openSQLite)
	el := tcGenerate(17, tcCounties, []tcContest{
		{"Governor", audit.Plurality, []string{"Alice", "Bob"}, 1, true, []string{"North", "South"}},
		{"Council", audit.VoteForN, []string{"Ann", "Ben", "Cy"}, 2, true, []string{"North"}},
		{"Approve", audit.Approval, []string{"Park", "Lake", "Hill"}, 1, false, []string{"North", "South"}},
	})
	const risk = 0.1
	setup := map[string]any{"name": "BRAVO multi-vote", "type": "ballot-polling", "math": "bravo", "risk_limit": risk, "sampler": "arlo",
		"contests": el.setupContests(true)}
	// What the core cannot audit is refused at setup with the field.
	for _, tc := range []struct {
		contest map[string]any
		field   string
	}{
		{map[string]any{"kind": "irv"}, "contests[1].kind"},
		{map[string]any{"kind": "vote-for-n", "winners": 2, "votes_allowed": 1}, "contests[1].votes_allowed"},
		{map[string]any{"kind": "approval", "votes_allowed": 2}, "contests[1].votes_allowed"},
		{map[string]any{"kind": "plurality", "winners": 2}, "contests[1]"},
		{map[string]any{"kind": "vote-for-n", "winners": -1}, "contests[1]"},
	} {
		body := bad2(setup, elID)
		c := map[string]any{"name": "Council", "targeted": true, "jurisdictions": []string{"North"}, "reported": el.tally("Council")}
		for k, v := range tc.contest {
			c[k] = v
		}
		body["contests"] = []map[string]any{el.setupContests(true)[0], c}
		e.refused(fmt.Sprintf("polling contest %v", tc.contest), p.aa1.client, "POST", "/api/v1/audits", body, 400, tc.field)
	}
	m := newTypesAudit(t, e, p, elID, el, setup, "arlo", false)
	lost := ""
	read := lostFirst(el, "North", "Council", []string{"Ann", "Ben"}, &lost)
	prev := map[string]office.ContestClose{}
	size := map[string]any{"draws": 100}
	for round := 1; round <= 5; round++ {
		_, cv := m.round(t, size, read)
		size = map[string]any{}
		if lost == "" {
			t.Fatal("round 1 drew no Ann and Ben ballot to lose")
		}
		risks, sizes := map[string]rla.Risk{}, map[string]rla.SizeReport{}
		for _, c := range el.contests {
			d := m.countPolling(el, c.name)
			risks[c.name], sizes[c.name] = rlaAnswer(t, el.rlaRequest("bravo", risk, c.name, map[string]any{"sample": d.sample(c.cands), "sample_size": d.n, "not_found": d.notFound}))
			got := cv.Contests[c.name]
			if got.Risk != risks[c.name].Risk || got.Discrepancies.NotFound != d.notFound {
				t.Fatalf("round %d %s: %+v; rla risk %v on the test's %d draws %v (%d not found)", round, c.name, got, risks[c.name].Risk, d.n, d.votes, d.notFound)
			}
			t.Logf("round %d %s: %d draws %v, %d not found: risk %v %s", round, c.name, d.n, d.votes, d.notFound, got.Risk, got.Decision)
		}
		if cv.Contests["Council"].Discrepancies.NotFound == 0 || cv.Contests["Approve"].Discrepancies.NotFound == 0 {
			t.Fatal("the lost ballot is not counted")
		}
		checkDecisions(t, round, el, cv, prev, risks, sizes)
		prev = cv.Contests
		if cv.Done {
			return
		}
	}
	t.Fatal("the BRAVO audit did not finish in 5 rounds")
}

// TestAuditPollingEscalation is a BRAVO polling audit whose boards read
// every Alice ballot as Bob and every Bob ballot as Alice: the sample
// contradicts the reported winner, rla's BRAVO sizes reach the ballots
// and Governor goes to a full hand count; the audit is done, no round
// can follow, and the report says so.
func TestAuditPollingEscalation(t *testing.T) {
	e, p, elID := newTypesEnv(t, openSQLite)
	el := tcGenerate(19, tcCounties, []tcContest{
		{"Governor", audit.Plurality, []string{"Alice", "Bob"}, 1, true, []string{"North", "South"}},
	})
	const risk = 0.1
	// The reported result is narrower than the ballots (Alice 51% to
	// 46%): a sample for Bob then puts every BRAVO size past the ballots.
	reported := rla.Counts{{Name: "Alice", Votes: 255}, {Name: "Bob", Votes: 230}}
	contests := el.setupContests(true)
	contests[0]["reported"] = reported
	setup := map[string]any{"name": "BRAVO escalation", "type": "ballot-polling", "math": "bravo", "risk_limit": risk, "sampler": "arlo",
		"contests": contests}
	m := newTypesAudit(t, e, p, elID, el, setup, "arlo", false)
	swap := map[string]string{"Alice": "Bob", "Bob": "Alice"}
	_, cv := m.round(t, map[string]any{"draws": 40}, func(county, key string) map[string]audit.Reading {
		rd := readTruly(el)(county, key)
		if g := rd["Governor"]; len(g.Choices) == 1 {
			rd["Governor"] = audit.Reading{Choices: []string{swap[g.Choices[0]]}}
		}
		return rd
	})
	d := m.countPolling(el, "Governor")
	req := el.rlaRequest("bravo", risk, "Governor", map[string]any{"sample": d.sample([]string{"Alice", "Bob"}), "sample_size": d.n, "not_found": d.notFound})
	req["tally"] = reported
	want, wantSize := rlaAnswer(t, req)
	got := cv.Contests["Governor"]
	if !(d.votes["Bob"] > d.votes["Alice"]) || got.Risk != want.Risk || want.Confirmed || !(want.FullHandCount || wantSize.BRAVO.FullHandCount) {
		t.Fatalf("sample %v: close %+v; rla risk %+v, sizes %+v: the test needs rla to ask a full hand count", d.votes, got, want, wantSize.BRAVO)
	}
	if got.Decision != audit.FullHandCount || !cv.Done || cv.NextSize != 0 || got.NextSize != 0 {
		t.Fatalf("escalation: %+v", cv)
	}
	var st office.AuditView
	e.must(p.observer.client, 200, "GET", m.base, nil, &st)
	if !st.Done {
		t.Fatalf("the audit is not done after the full hand count decision: %+v", st.Audit)
	}
	e.refused("a round after a full hand count", p.aa1.client, "POST", m.base+"/rounds", map[string]any{"sample_size": map[string]any{"draws": 10}}, 409, "round")
	code, _, csv := e.get(p.observer.client, "/public/audits/"+m.id+"/report.csv")
	if code != 200 || !slices.ContainsFunc(sampleRows(t, csv), func(r []string) bool { return slices.Contains(r, audit.FullHandCount) }) {
		t.Fatalf("report.csv does not show the full hand count: %d %s", code, csv)
	}
}

// TestAuditWithoutReplacement draws two rounds without replacement, with
// Arlo's sampler (SuperSimple) and with Colorado's (Kaplan–Markov): each
// round is the library's draw (`canvass rla sample --without-replacement
// --skip`), no ballot is drawn twice across the rounds, and the close
// counts each ballot once.
func TestAuditWithoutReplacement(t *testing.T) {
	for _, sampler := range []string{"arlo", "corla"} {
		t.Run(sampler, func(t *testing.T) {
			e, p, elID := newTypesEnv(t, openSQLite)
			counties := tcCounties
			format, math := "arlo", "supersimple"
			if sampler == "corla" {
				counties = []tcCounty{{"North", 3, 1, 3}, {"South", 5, 2, 2}}
				format, math = "colorado", "corla"
			}
			el := tcGenerate(23, counties, []tcContest{
				{"Governor", audit.Plurality, []string{"Alice", "Bob"}, 1, true, []string{"North", "South"}},
			})
			const risk = 0.05
			setup := map[string]any{"name": "Without replacement", "type": "ballot-comparison", "math": math, "risk_limit": risk, "sampler": sampler,
				"without_replacement": true, "contests": el.setupContests(false)}
			if sampler == "corla" {
				setup["jurisdictions"] = []map[string]any{{"name": "North", "county_id": 3}, {"name": "South", "county_id": 5}}
			}
			m := newTypesAudit(t, e, p, elID, el, setup, format, true)
			var js []draw.Jurisdiction
			var ms []*manifest.Colorado
			for _, c := range el.counties {
				if sampler == "arlo" {
					am, err := manifest.ReadArlo(c.name+".csv", bytes.NewReader(el.arloManifest(c.name)))
					if err != nil {
						t.Fatal(err)
					}
					js = append(js, draw.Jurisdiction{Name: c.name, Manifest: am})
				} else {
					cm, err := manifest.ReadColorado(c.name+".csv", bytes.NewReader(el.coloradoManifest(c.name)))
					if err != nil {
						t.Fatal(err)
					}
					ms = append(ms, cm)
				}
			}
			seen := map[string]bool{}
			for round, n := range []int{10, 60} {
				before := len(m.rows)
				rv, cv := m.round(t, map[string]any{"draws": n}, readTruly(el))
				req := draw.Request{Seed: testSeed, Skip: before, Count: n, WithoutReplacement: true}
				var want bytes.Buffer
				if sampler == "arlo" {
					s, err := draw.Arlo(req, js)
					if err != nil {
						t.Fatal(err)
					}
					draw.WriteCSV(&want, s)
				} else {
					state, err := manifest.NewStatewide(ms...)
					if err != nil {
						t.Fatal(err)
					}
					s, err := draw.CorlaManifest(req, state)
					if err != nil {
						t.Fatal(err)
					}
					rows := draw.CorlaAsArlo(s.Collect())
					for i := range rows {
						rows[i].Jurisdiction = map[string]string{"3": "North", "5": "South"}[rows[i].Jurisdiction]
					}
					draw.WriteCSV(&want, draw.FromSlice(draw.ArloColumns, rows))
				}
				_, _, got := e.get(p.observer.client, fmt.Sprintf("%s/rounds/%d/sample", m.base, rv.Round))
				if !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("round %d sample:\n%s\nwant the library's draw without replacement:\n%s", round+1, got, want.Bytes())
				}
				for _, r := range m.rows[before:] {
					k := r[1] + "/" + r[2] + "/" + r[3] + "/" + r[4]
					if seen[k] || r[5] != "1" {
						t.Fatalf("round %d draws %s again (times sampled %s)", round+1, k, r[5])
					}
					seen[k] = true
				}
				c := m.countComparison(el, "Governor")
				method := map[string]string{"arlo": "supersimple", "corla": "corla"}[sampler]
				wantRisk, _ := rlaAnswer(t, el.rlaRequest(method, risk, "Governor", map[string]any{"discrepancies": map[string]int{"sample_size": c.d.SampleSize}}))
				g := cv.Contests["Governor"]
				if c.d.SampleSize != before+n || g.Risk != wantRisk.Risk {
					t.Fatalf("round %d: %+v; rla risk %v on %d ballots", round+1, g, wantRisk.Risk, c.d.SampleSize)
				}
				if round == 0 && cv.Done {
					t.Fatalf("round 1 of 10 draws confirmed (%+v); the test needs a second round", g)
				}
			}
			if len(seen) != 70 {
				t.Fatalf("%d distinct ballots in 70 draws", len(seen))
			}
		})
	}
}

// bad2 is setup as a request body for election elID.
func bad2(setup map[string]any, elID string) map[string]any {
	body := map[string]any{"election": elID}
	for k, v := range setup {
		body[k] = v
	}
	return body
}

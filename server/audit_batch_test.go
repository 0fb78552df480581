package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/manifest"
)

// The batch-comparison election of these tests: county-a and county-b,
// 20 batches of 50 ballots each, every batch reporting Council Cho 30,
// Diaz 18 (2 blank), and county-a's Levy Yes 30, No 20. Council is
// targeted, Levy opportunistic.
var batchCounties = []string{"county-a", "county-b"}

const batchesPerCounty = 20

func batchManifest() []byte {
	var b strings.Builder
	b.WriteString("Container,Batch Name,Number of Ballots\n")
	for i := 1; i <= batchesPerCounty; i++ {
		fmt.Fprintf(&b, "Box %d,B%02d,50\n", (i-1)/5+1, i)
	}
	return []byte(b.String())
}

// batchTallies writes a county's reported tallies in Arlo's layout:
// "Contest - Choice" columns with two contests, choice names with one.
func batchTallies(county string) []byte {
	var b strings.Builder
	if county == "county-a" {
		b.WriteString("Batch Name,Levy - No,Council - Cho,Council - Diaz,Levy - Yes\n")
	} else {
		b.WriteString("Batch Name,Cho,Diaz\n")
	}
	for i := 1; i <= batchesPerCounty; i++ {
		if county == "county-a" {
			fmt.Fprintf(&b, "B%02d,20,30,18,30\n", i)
		} else {
			fmt.Fprintf(&b, "B%02d,30,18\n", i)
		}
	}
	return []byte(b.String())
}

func batchSetup(election string) map[string]any {
	return map[string]any{"election": election, "name": "County batch RLA", "type": "batch-comparison", "math": "macro", "risk_limit": 0.1, "sampler": "arlo",
		"contests": []map[string]any{
			{"name": "Council", "targeted": true, "jurisdictions": batchCounties, "reported": json.RawMessage(`{"Cho":1200,"Diaz":720}`)},
			{"name": "Levy", "targeted": false, "jurisdictions": batchCounties[:1], "reported": json.RawMessage(`{"Yes":600,"No":400}`)},
		}}
}

// batchExpected is the same audit prepared by package audit alone from
// tallies the test builds itself (not through the office's reader), and
// the rla MACRO contest canvass rla risk would read.
func batchExpected(t *testing.T) (*audit.Audit, *rla.MACRO, map[string]int) {
	t.Helper()
	def := &audit.Definition{Name: "County batch RLA", Type: audit.BatchComparison, Math: "macro", RiskLimit: 0.1, Sampler: audit.SamplerArlo,
		Contests: []audit.ContestDefinition{
			{Name: "Council", Targeted: true, Jurisdictions: batchCounties, Kind: audit.Plurality, Reported: rla.Counts{{Name: "Cho", Votes: 1200}, {Name: "Diaz", Votes: 720}}},
			{Name: "Levy", Jurisdictions: batchCounties[:1], Kind: audit.Plurality, Reported: rla.Counts{{Name: "Yes", Votes: 600}, {Name: "No", Votes: 400}}},
		}}
	in := &audit.Inputs{}
	m := &rla.MACRO{Contest: &rla.Contest{Ballots: 2000, Tally: []rla.CandidateVotes{{Name: "Cho", Votes: 1200}, {Name: "Diaz", Votes: 720}}}}
	index := map[string]int{}
	for _, c := range batchCounties {
		def.Jurisdictions = append(def.Jurisdictions, audit.JurisdictionConfig{Name: c})
		mf, err := manifest.ReadArlo(c+"/manifest.csv", bytes.NewReader(batchManifest()))
		if err != nil {
			t.Fatal(err)
		}
		ji := audit.JurisdictionInput{Name: c, Manifest: mf}
		for i := 1; i <= batchesPerCounty; i++ {
			name := fmt.Sprintf("B%02d", i)
			bt := audit.BatchTally{Batch: name, Contests: map[string]rla.Counts{"Council": {{Name: "Cho", Votes: 30}, {Name: "Diaz", Votes: 18}}}}
			if c == "county-a" {
				bt.Contests["Levy"] = rla.Counts{{Name: "Yes", Votes: 30}, {Name: "No", Votes: 20}}
			}
			ji.Tallies = append(ji.Tallies, bt)
			index[c+"/"+name] = len(m.Batches)
			m.Batches = append(m.Batches, rla.Batch{Name: c + "/" + name, Ballots: 50, Reported: []int{30, 18}})
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
	}
	x, err := audit.Prepare(def, in)
	if err != nil {
		t.Fatal(err)
	}
	return x, m, index
}

// batchRun is a batch audit through the API.
type batchRun struct {
	t       *testing.T
	e       *env
	p       *auditPeople
	aaA     *person // county-a's audit-admin
	a, base string
	x       *audit.Audit
	m       *rla.MACRO
	index   map[string]int
	rounds  []*audit.Round
	draws   []rla.BatchDraw
}

// newBatchRun sets the audit up, uploads every county's files (after
// refusing bad ones) and enters the seed.
func newBatchRun(t *testing.T, e *env) *batchRun {
	r := &batchRun{t: t, e: e, p: newAuditPeople(e)}
	p := r.p
	r.aaA = e.newUser(p.ada, p.bob, "aa-a", []string{"audit-admin"}, "state/county-a")
	var el office.Election
	e.must(p.official.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "County General", "date": "2026-11-03"}, &el)
	var created struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", batchSetup(el.ID), &created)
	r.a, r.base = created.ID, "/api/v1/audits/"+created.ID
	r.x, r.m, r.index = batchExpected(t)

	for _, c := range batchCounties {
		if code := e.auditUpload(p.aa1.client, r.a, c, "manifest", "arlo", "manifest.csv", batchManifest(), nil); code != 200 {
			t.Fatalf("manifest %s: %d", c, code)
		}
	}
	good := batchTallies("county-a")
	for _, bad := range []struct {
		name, format string
		data         []byte
		code         int
		msg          string
	}{
		{"an unknown choice column", "arlo", bytes.Replace(good, []byte("Levy - No"), []byte("Levy - Maybe"), 1), 422, `column "Levy - Maybe"`},
		{"a bare choice name with two contests", "arlo", bytes.Replace(good, []byte("Council - Cho"), []byte("Cho"), 1), 422, `column "Cho"`},
		{"a negative count", "arlo", bytes.Replace(good, []byte("B03,20,30"), []byte("B03,20,-30"), 1), 422, `row 4, column "Council - Cho"`},
		{"a batch twice", "arlo", bytes.Replace(good, []byte("B03,"), []byte("B02,"), 1), 422, "row 4"},
		{"a batch not in the manifest", "arlo", bytes.Replace(good, []byte("B03,"), []byte("B99,"), 1), 422, "B99"},
		{"more votes than ballots", "arlo", bytes.Replace(good, []byte("B05,20,30,18"), []byte("B05,20,40,18"), 1), 422, "B05"},
		{"a missing choice column", "arlo", []byte("Batch Name,Council - Cho,Council - Diaz,Levy - Yes\nB01,30,18,30\n"), 422, `"Levy - No"`},
		{"an unknown format", "csv", good, 400, "arlo"},
	} {
		e.unchanged(bad.name, func() {
			var errv struct{ Error string }
			if code := e.auditUpload(p.aa1.client, r.a, "county-a", "batch-tallies", bad.format, "tallies.csv", bad.data, &errv); code != bad.code || !strings.Contains(errv.Error, bad.msg) {
				t.Errorf("%s: %d %q, want %d naming %s", bad.name, code, errv.Error, bad.code, bad.msg)
			}
		})
	}
	e.unchanged("CVRs for a batch audit", func() {
		if c := e.auditUpload(p.aa1.client, r.a, "county-a", "cvrs", "dominion-csv", "c.csv", countyDominionCSV("county-a"), nil); c != 400 {
			t.Errorf("CVRs for a batch audit: %d, want 400", c)
		}
	})
	// The seed waits for every county's tallies.
	seed := map[string]any{"seed": testSeed, "rolled_by": []string{"Ann Roller"}}
	for i, c := range batchCounties {
		var v office.UploadValidation
		if code := e.auditUpload(p.aa1.client, r.a, c, "batch-tallies", "arlo", "tallies.csv", batchTallies(c), &v); code != 200 || !v.Complete || v.Summary.Batches != batchesPerCounty {
			t.Fatalf("tallies %s: %d %+v", c, code, v)
		}
		if i == 0 {
			e.unchanged("a seed with county-b's tallies missing", func() {
				if code := e.do(p.aa1.client, "POST", r.base+"/seed", seed, nil); code != 409 {
					t.Errorf("seed with tallies missing: %d, want 409", code)
				}
			})
		}
	}
	var q requestView
	e.must(p.aa1.client, 202, "POST", r.base+"/seed", seed, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("seed: %d %+v", c, v)
	}
	return r
}

// draw draws the next round through the API and the expected one with
// package audit, and checks the office's batch list against it.
func (r *batchRun) draw(body map[string]any) []office.BatchView {
	t, e := r.t, r.e
	t.Helper()
	var rv office.RoundView
	e.must(r.p.aa1.client, 201, "POST", r.base+"/rounds", map[string]any{"sample_size": body}, &rv)
	xr, err := r.x.Draw(testSeed, r.rounds, rv.Count)
	if err != nil {
		t.Fatal(err)
	}
	if xr.Number != rv.Round || xr.Skip != rv.Skip {
		t.Fatalf("round %+v, audit.Draw %d skip %d", rv, xr.Number, xr.Skip)
	}
	var list []office.BatchView
	e.must(r.p.observer.client, 200, "GET", fmt.Sprintf("%s/rounds/%d/batches", r.base, rv.Round), nil, &list)
	// The new batches of the round with their tickets, as audit.Draw drew
	// them.
	earlier := map[string]bool{}
	for _, p := range r.rounds {
		for _, b := range p.Batches {
			earlier[b.Jurisdiction+"/"+b.Batch] = true
		}
	}
	want := map[string][]string{}
	for _, b := range xr.Batches {
		if !earlier[b.Jurisdiction+"/"+b.Batch] {
			want[b.Jurisdiction+"/"+b.Batch] = append(want[b.Jurisdiction+"/"+b.Batch], b.Ticket)
		}
	}
	if len(list) != len(want) {
		t.Fatalf("round %d lists %d batches, audit.Draw drew %d new ones", rv.Round, len(list), len(want))
	}
	for _, v := range list {
		if !slices.Equal(v.Tickets, want[v.Jurisdiction+"/"+v.Name]) || v.Ballots != 50 || len(v.Sheets) != 0 || v.Finalized {
			t.Fatalf("batch %+v, audit.Draw tickets %v", v, want[v.Jurisdiction+"/"+v.Name])
		}
	}
	r.rounds = append(r.rounds, xr)
	return list
}

// handCount is what the paper of a batch shows; planted names the
// county-b batch whose Council count really is Cho 10, Diaz 38.
func handCount(v office.BatchView, planted string) map[string]office.ChoiceCounts {
	hc := map[string]office.ChoiceCounts{"Council": {"Cho": 30, "Diaz": 18}}
	if v.Jurisdiction+"/"+v.Name == planted {
		hc["Council"] = office.ChoiceCounts{"Cho": 10, "Diaz": 38}
	}
	if v.Jurisdiction == "county-a" {
		hc["Levy"] = office.ChoiceCounts{"Yes": 30, "No": 20}
	}
	return hc
}

// split divides a hand count into two tally sheets.
func split(hc map[string]office.ChoiceCounts) (a, b map[string]office.ChoiceCounts) {
	a, b = map[string]office.ChoiceCounts{}, map[string]office.ChoiceCounts{}
	for c, counts := range hc {
		a[c], b[c] = office.ChoiceCounts{}, office.ChoiceCounts{}
		for ch, n := range counts {
			a[c][ch], b[c][ch] = n/2, n-n/2
		}
	}
	return a, b
}

func (r *batchRun) sheetPath(round int, v office.BatchView, sheet string) string {
	return fmt.Sprintf("%s/rounds/%d/batches/%s/sheets/%s", r.base, round, v.Batch, url.PathEscape(sheet))
}

// close closes round n through the API and checks it against
// audit.Close and rla.MACRORisk over the same counts.
func (r *batchRun) close(n int, counted map[string]map[string]office.ChoiceCounts) office.CloseView {
	t, e := r.t, r.e
	t.Helper()
	var cv office.CloseView
	e.must(r.p.aa1.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/close", r.base, n), nil, &cv)
	readings := &audit.Readings{}
	var keys []string
	for k := range counted {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		j, b, _ := strings.Cut(k, "/")
		if counted[k] == nil {
			readings.Batches = append(readings.Batches, audit.BatchReading{Jurisdiction: j, Batch: b, NotFound: true, Comment: "lost"})
			continue
		}
		br := audit.BatchReading{Jurisdiction: j, Batch: b, Tallies: map[string]rla.Counts{}}
		for c, counts := range counted[k] {
			for _, ch := range []string{"Cho", "Diaz", "Yes", "No"} {
				if v, ok := counts[ch]; ok {
					br.Tallies[c] = append(br.Tallies[c], rla.CandidateVotes{Name: ch, Votes: v})
				}
			}
		}
		readings.Batches = append(readings.Batches, br)
	}
	res, err := r.x.Close(r.rounds, readings)
	if err != nil {
		t.Fatal(err)
	}
	// canvass rla risk's MACRO: every draw so far, in ticket order, with
	// its batch's hand count.
	var draws []rla.BatchDraw
	for _, rd := range r.rounds {
		for _, b := range rd.Batches {
			d := rla.BatchDraw{Batch: r.index[b.Jurisdiction+"/"+b.Batch]}
			if hc, ok := counted[b.Jurisdiction+"/"+b.Batch]["Council"]; ok {
				d.Audited = []int{hc["Cho"], hc["Diaz"]}
			}
			draws = append(draws, d)
		}
	}
	want, err := rla.MACRORisk(0.1, r.m, draws)
	if err != nil {
		t.Fatal(err)
	}
	got, xc := cv.Contests["Council"], res.Contests[0]
	if got.Risk != xc.Risk || got.Decision != xc.Decision || got.NextSize != xc.NextSize || cv.Done != res.Done {
		t.Fatalf("round %d: API %+v, audit.Close %+v", n, got, xc)
	}
	// canvass rla risk reads the request the close keeps: the same
	// number, bit for bit.
	req, err := rla.DecodeRequest(xc.Request)
	if err != nil {
		t.Fatal(err)
	}
	if rr, err := req.Risk(); err != nil || rr.Risk != got.Risk || rr.Confirmed != got.Confirmed {
		t.Fatalf("round %d: API %+v, rla risk %+v (%v)", n, got, rr, err)
	}
	// rla.MACRORisk over the test's own draws multiplies the same
	// factors in ticket order (the request groups repeated draws), so
	// the last bit may differ.
	if d := got.Risk - want.Risk; d > 1e-12 || d < -1e-12 || got.Confirmed != want.Confirmed {
		t.Fatalf("round %d: API %+v, rla.MACRORisk %+v", n, got, want)
	}
	if lv := cv.Contests["Levy"]; lv.Decision != audit.NotMeasured {
		t.Fatalf("Levy %+v", lv)
	}
	r.draws = draws
	return cv
}

// TestAuditBatch runs a batch-comparison audit end to end through the
// API, on SQLite and PostgreSQL.
func TestAuditBatch(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { testAuditBatch(t, newEnvOn(t, open)) })
	}
}

func testAuditBatch(t *testing.T, e *env) {
	r := newBatchRun(t, e)
	p := r.p
	list := r.draw(map[string]any{})
	planted := ""
	for _, v := range list {
		if v.Jurisdiction == "county-b" && planted == "" {
			planted = v.Jurisdiction + "/" + v.Name
		}
	}
	if planted == "" {
		t.Fatal("round 1 drew no county-b batch")
	}
	boardA := e.newBoard(p.aa1, r.a, "county-a", "Dee", "Rex")
	boardB := e.newBoard(p.aa1, r.a, "county-b", "Kim", "Lou")
	// A county sees its own batches only.
	for who, county := range map[*person]string{r.aaA: "county-a", boardB.members[1]: "county-b"} {
		var mine []office.BatchView
		e.must(who.client, 200, "GET", r.base+"/rounds/1/batches", nil, &mine)
		n := 0
		for _, v := range list {
			if v.Jurisdiction == county {
				n++
			}
		}
		if len(mine) != n || n == 0 || slices.ContainsFunc(mine, func(v office.BatchView) bool { return v.Jurisdiction != county }) {
			t.Fatalf("%s sees %d batches, %s has %d", who.name, len(mine), county, n)
		}
	}

	counted := map[string]map[string]office.ChoiceCounts{}
	var first office.BatchView // county-b's planted batch
	for _, v := range list {
		hc := handCount(v, planted)
		s1, s2 := split(hc)
		// Two people enter the two sheets of each batch: in county-a its
		// audit-admin and a board member, in county-b the board's members.
		one, two := r.aaA, boardA.members[0]
		if v.Jurisdiction == "county-b" {
			one, two = boardB.members[0], boardB.members[1]
		}
		var bv office.BatchView
		e.must(one.client, 200, "PUT", r.sheetPath(1, v, "Sheet 1"), map[string]any{"contests": s1}, &bv)
		e.must(two.client, 200, "PUT", r.sheetPath(1, v, "Sheet 2"), map[string]any{"contests": s2}, &bv)
		if len(bv.Sheets) != 2 || bv.Sheets[0].LastEditedBy != one.name || bv.Sheets[1].LastEditedBy != two.name {
			t.Fatalf("sheets of %s: %+v", v.Name, bv.Sheets)
		}
		if v.Jurisdiction+"/"+v.Name == planted {
			first = v
			// A sheet corrected by the other member: a new revision, the
			// old one kept with who entered it.
			wrong := map[string]office.ChoiceCounts{"Council": {"Cho": 1, "Diaz": 2}}
			e.must(two.client, 200, "PUT", r.sheetPath(1, v, "Sheet 1"), map[string]any{"contests": wrong}, nil)
			e.must(one.client, 200, "PUT", r.sheetPath(1, v, "Sheet 1"), map[string]any{"contests": s1}, &bv)
			sh := bv.Sheets[0]
			if sh.Revision != 3 || sh.LastEditedBy != one.name || len(sh.History) != 2 || sh.History[1].By != two.name || sh.History[1].Contests["Council"]["Cho"] != 1 {
				t.Fatalf("revised sheet %+v", sh)
			}
		}
		counted[v.Jurisdiction+"/"+v.Name] = hc
	}
	if first.Batch == "" {
		t.Fatal("planted batch not seen")
	}
	var other office.BatchView // a county-a batch
	for _, v := range list {
		if v.Jurisdiction == "county-a" {
			other = v
		}
	}
	if other.Batch == "" {
		t.Fatal("round 1 drew no county-a batch")
	}
	// Bad sheets and people out of place change nothing.
	hcA := handCount(other, planted)
	e.unchanged("bad sheets", func() {
		for _, bad := range []struct {
			who  *person
			path string
			body any
			code int
		}{
			{boardB.members[0], r.sheetPath(1, other, "X"), map[string]any{"contests": hcA}, 403},                                                // another county's board
			{p.observer, r.sheetPath(1, other, "X"), map[string]any{"contests": hcA}, 403},                                                       // observers only read
			{r.aaA, r.sheetPath(1, first, "X"), map[string]any{"contests": handCount(first, "")}, 403},                                           // county-a's admin, county-b's batch
			{r.aaA, r.sheetPath(1, other, "X"), map[string]any{"contests": map[string]any{"Council": map[string]int{"Cho": 1, "Diaz": 1}}}, 400}, // Levy missing
			{r.aaA, r.sheetPath(1, other, "X"), map[string]any{"contests": map[string]any{"Council": map[string]int{"Cho": 1}, "Levy": map[string]int{"Yes": 1, "No": 1}}}, 400},
			{r.aaA, r.sheetPath(1, other, "X"), map[string]any{"contests": map[string]any{"Council": map[string]int{"Cho": 1, "Diaz": 1, "Zed": 1}, "Levy": map[string]int{"Yes": 1, "No": 1}}}, 400},
			{r.aaA, r.sheetPath(1, other, "X"), map[string]any{"contests": map[string]any{"Council": map[string]int{"Cho": -1, "Diaz": 1}, "Levy": map[string]int{"Yes": 1, "No": 1}}}, 400},
			{r.aaA, r.sheetPath(1, other, "X"), map[string]any{"contests": map[string]any{"Council": map[string]any{"Cho": 1.5, "Diaz": 1}, "Levy": map[string]int{"Yes": 1, "No": 1}}}, 400},
			{r.aaA, r.sheetPath(1, other, " X"), map[string]any{"contests": hcA}, 400},
			{r.aaA, fmt.Sprintf("%s/rounds/1/batches/nope/sheets/X", r.base), map[string]any{"contests": hcA}, 404},
			{r.aaA, fmt.Sprintf("%s/rounds/2/batches/%s/sheets/X", r.base, other.Batch), map[string]any{"contests": hcA}, 404},
			{boardA.members[0], fmt.Sprintf("%s/rounds/1/batches/%s/finalize", r.base, other.Batch), nil, 403}, // boards count, admins finalize
		} {
			method := "PUT"
			if strings.HasSuffix(bad.path, "/finalize") {
				method = "POST"
			}
			if code := e.do(bad.who.client, method, bad.path, bad.body, nil); code != bad.code {
				t.Errorf("%s %s as %s: %d, want %d", method, bad.path, bad.who.name, code, bad.code)
			}
		}
		// The round cannot close before every batch is finalized.
		if code := e.do(p.aa1.client, "POST", r.base+"/rounds/1/close", nil, nil); code != 409 {
			t.Errorf("close before finalizing: %d, want 409", code)
		}
	})
	// Progress counts finalized batches as entered.
	batchProgress := func() (sampled, entered, remaining int) {
		var pr office.AuditProgress
		e.must(p.aa1.client, 200, "GET", r.base+"/progress", nil, &pr)
		return pr.Totals.Sampled, pr.Totals.Entered, pr.Totals.Remaining
	}
	distinct := map[string]bool{}
	for _, v := range list {
		distinct[v.Jurisdiction+"/"+v.Name] = true
	}
	if s, en, rem := batchProgress(); s != len(distinct) || en != 0 || rem != s {
		t.Fatalf("progress before finalizing: sampled %d, entered %d, remaining %d; want %d, 0, %d", s, en, rem, len(distinct), len(distinct))
	}
	for i, v := range list {
		who := p.aa1
		if v.Jurisdiction == "county-a" {
			who = r.aaA
		}
		if i == 1 {
			if s, en, rem := batchProgress(); en != 1 || rem != s-1 {
				t.Fatalf("progress after one finalized batch: sampled %d, entered %d, remaining %d", s, en, rem)
			}
		}
		var bv office.BatchView
		e.must(who.client, 200, "POST", fmt.Sprintf("%s/rounds/1/batches/%s/finalize", r.base, v.Tickets[len(v.Tickets)-1]), nil, &bv)
		if !bv.Finalized || bv.FinalizedBy != who.name || bv.Tallies["Council"]["Cho"] != counted[v.Jurisdiction+"/"+v.Name]["Council"]["Cho"] {
			t.Fatalf("finalized %+v", bv)
		}
	}
	// After finalizing, no edit: refused, nothing changes.
	e.unchanged("edits after finalizing", func() {
		for _, who := range []*person{boardB.members[0], p.aa1} {
			if code := e.do(who.client, "PUT", r.sheetPath(1, first, "Sheet 1"), map[string]any{"contests": handCount(first, "")}, nil); code != 409 {
				t.Errorf("edit after finalize by %s: %d, want 409", who.name, code)
			}
		}
		if code := e.do(p.aa1.client, "POST", fmt.Sprintf("%s/rounds/1/batches/%s/finalize", r.base, first.Batch), nil, nil); code != 409 {
			t.Errorf("finalizing twice: %d, want 409", code)
		}
	})
	// Unfinalizing needs two people; until the second signs, the batch
	// stays final.
	var q requestView
	e.must(p.aa1.client, 202, "POST", fmt.Sprintf("%s/rounds/1/batches/%s/unfinalize", r.base, first.Batch), map[string]string{"reason": "sheet 1 recount"}, &q)
	if c, v := e.approve(p.aa1, q.ID, q.SignText); c != 200 || v.Status != "pending" {
		t.Fatalf("first signature: %d %+v", c, v)
	}
	if c, _ := e.approve(p.aa1, q.ID, q.SignText); c != 403 {
		t.Fatalf("the same person twice: %d, want 403", c)
	}
	if code := e.do(boardB.members[0].client, "PUT", r.sheetPath(1, first, "Sheet 1"), map[string]any{"contests": handCount(first, "")}, nil); code != 409 {
		t.Fatalf("edit with one signature: %d, want 409", code)
	}
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("second signature: %d %+v", c, v)
	}
	s1, _ := split(handCount(first, planted))
	e.unchanged("a change without a reason after unfinalizing", func() {
		if code := e.do(boardB.members[0].client, "PUT", r.sheetPath(1, first, "Sheet 1"), map[string]any{"contests": s1}, nil); code != 400 {
			t.Errorf("change without reason: %d, want 400", code)
		}
	})
	e.must(boardB.members[0].client, 200, "PUT", r.sheetPath(1, first, "Sheet 1"), map[string]any{"contests": s1, "reason": "recounted: same"}, nil)
	e.must(p.aa1.client, 200, "POST", fmt.Sprintf("%s/rounds/1/batches/%s/finalize", r.base, first.Batch), nil, nil)

	// Round 1: the planted overstatement keeps Council from confirming;
	// without it the same draws would.
	cv := r.close(1, counted)
	if c := cv.Contests["Council"]; c.Confirmed || c.Decision != audit.AnotherRound || c.NextSize <= 0 || cv.Done {
		t.Fatalf("round 1 with an overstated batch: %+v", cv)
	}
	clean := slices.Clone(r.draws)
	for i := range clean {
		clean[i].Audited = []int{30, 18}
	}
	if w, err := rla.MACRORisk(0.1, r.m, clean); err != nil || w.Risk >= cv.Contests["Council"].Risk {
		t.Fatalf("risk without the discrepancy %+v (%v), with it %v", w, err, cv.Contests["Council"].Risk)
	}
	e.unchanged("edits after the close", func() {
		if code := e.do(r.aaA.client, "PUT", r.sheetPath(1, other, "Sheet 3"), map[string]any{"contests": hcA}, nil); code != 409 {
			t.Errorf("sheet after the close: %d, want 409", code)
		}
		if code := e.do(p.aa1.client, "POST", fmt.Sprintf("%s/rounds/1/batches/%s/unfinalize", r.base, first.Batch), map[string]string{"reason": "x"}, nil); code != 409 {
			t.Errorf("unfinalizing a closed round's batch: %d, want 409", code)
		}
	})

	// Round 2, then undone by two people: a new draw of round 2 gives
	// the same batches, without the undone sheets.
	list2 := r.draw(map[string]any{})
	if len(list2) > 0 {
		e.must(p.aa1.client, 200, "PUT", r.sheetPath(2, list2[0], "Sheet 1"), map[string]any{"contests": handCount(list2[0], "")}, nil)
	}
	e.unchanged("undoing round 1 and a round without a reason", func() {
		if code := e.do(p.aa1.client, "POST", r.base+"/rounds/1/undo", map[string]string{"reason": "x"}, nil); code != 409 {
			t.Errorf("undo of round 1 (not the last): %d, want 409", code)
		}
		if code := e.do(p.aa1.client, "POST", r.base+"/rounds/2/undo", map[string]string{"reason": " "}, nil); code != 400 {
			t.Errorf("undo without a reason: %d, want 400", code)
		}
		if code := e.do(r.aaA.client, "POST", r.base+"/rounds/2/undo", map[string]string{"reason": "x"}, nil); code != 403 {
			t.Errorf("undo by a county audit-admin of a state audit: %d, want 403", code)
		}
	})
	e.must(p.aa1.client, 202, "POST", r.base+"/rounds/2/undo", map[string]string{"reason": "drew with the wrong size"}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	if code := e.do(p.observer.client, "GET", r.base+"/rounds/2/batches", nil, nil); code != 200 {
		t.Fatalf("round 2 gone after one signature: %d", code)
	}
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("undo: %d %+v", c, v)
	}
	if code := e.do(p.observer.client, "GET", r.base+"/rounds/2/batches", nil, nil); code != 404 {
		t.Fatalf("round 2 after the undo: %d, want 404", code)
	}
	var st office.AuditView
	e.must(p.observer.client, 200, "GET", r.base, nil, &st)
	if st.Rounds != 1 || st.Closed != 1 {
		t.Fatalf("after the undo: rounds %d closed %d", st.Rounds, st.Closed)
	}
	r.rounds = r.rounds[:1]
	again := r.draw(map[string]any{})
	if len(again) != len(list2) {
		t.Fatalf("round 2 redrawn: %d batches, first draw %d", len(again), len(list2))
	}

	// Round 2 (and more if needed) with correct counts confirms.
	for n := 2; ; n++ {
		if n > 2 {
			again = r.draw(map[string]any{})
		}
		for _, v := range again {
			who := p.aa1
			if v.Jurisdiction == "county-a" {
				who = r.aaA
			}
			hc := handCount(v, planted)
			e.must(who.client, 200, "PUT", r.sheetPath(n, v, "Only sheet"), map[string]any{"contests": hc}, nil)
			e.must(who.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/batches/%s/finalize", r.base, n, v.Batch), nil, nil)
			counted[v.Jurisdiction+"/"+v.Name] = hc
		}
		cv = r.close(n, counted)
		if cv.Done {
			if c := cv.Contests["Council"]; !c.Confirmed {
				t.Fatalf("done without confirming: %+v", c)
			}
			break
		}
		if n == 6 {
			t.Fatalf("not done after %d rounds", n)
		}
	}

	// The log holds every sheet revision, each finalization and the two
	// requests; the report shows the undone round.
	kinds := map[string]int{}
	for _, ev := range e.events() {
		kinds[ev.Type]++
		if ev.Type == "request-executed" {
			kinds["executed "+ev.Payload["kind"].(string)]++
		}
	}
	if kinds["audit-batch-finalized"] < len(list)+2 || kinds["audit-batch-sheet"] < 2*len(list)+3 || kinds["executed audit-round-undo"] != 1 || kinds["executed audit-batch-unfinalize"] != 1 {
		t.Fatalf("log %v", kinds)
	}
	code, _, js := e.get(http.DefaultClient, "/public/audits/"+r.a+"/report.json")
	var rep audit.Report
	if code != 200 || json.Unmarshal(js, &rep) != nil || len(rep.Decisions) != 1 || rep.Decisions[0].Kind != audit.DecisionUndoRound || rep.Decisions[0].Round != 2 ||
		rep.Decisions[0].RequestedBy != "aa1" || rep.Decisions[0].ApprovedBy != "aa2" || rep.Decisions[0].Reason != "drew with the wrong size" || len(rep.Batches) == 0 {
		t.Fatalf("report: %d %+v", code, rep.Decisions)
	}
	if code, _, csv := e.get(http.DefaultClient, "/public/audits/"+r.a+"/decisions.csv"); code != 200 || !bytes.Contains(csv, []byte("undo-round,2,false")) {
		t.Fatalf("decisions.csv: %d %s", code, csv)
	}
	if code, _, csv := e.get(http.DefaultClient, "/public/audits/"+r.a+"/sampled-batches.csv"); code != 200 || !bytes.Contains(csv, []byte("Cho=10; Diaz=38")) {
		t.Fatalf("sampled-batches.csv: %d %s", code, csv)
	}
	r.rebuilt()
}

// rebuilt checks that the database rebuilt from the log equals the live
// one.
func (r *batchRun) rebuilt() {
	t, e := r.t, r.e
	before := dump(t, e.st)
	st2 := openSQLite(t)
	defer st2.Close()
	e.srv.Close()
	if err := e.o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := office.Rebuild(context.Background(), e.dir, st2); err != nil {
		t.Fatal(err)
	}
	if after := dump(t, st2); !bytes.Equal(after, before) {
		t.Fatal("the database rebuilt from the log differs from the live one")
	}
}

// TestAuditBatchFullHandCount: after a round that cannot confirm, two
// people declare Council's full hand count; no further round can be
// drawn and the report shows the decision.
func TestAuditBatchFullHandCount(t *testing.T) {
	e := newEnv(t)
	r := newBatchRun(t, e)
	p := r.p
	list := r.draw(map[string]any{})
	counted := map[string]map[string]office.ChoiceCounts{}
	planted := ""
	for _, v := range list {
		if v.Jurisdiction == "county-b" && planted == "" {
			planted = v.Jurisdiction + "/" + v.Name
		}
		who := p.aa1
		hc := handCount(v, planted)
		e.must(who.client, 200, "PUT", r.sheetPath(1, v, "S"), map[string]any{"contests": hc}, nil)
		e.must(who.client, 200, "POST", fmt.Sprintf("%s/rounds/1/batches/%s/finalize", r.base, v.Batch), nil, nil)
		counted[v.Jurisdiction+"/"+v.Name] = hc
	}
	if cv := r.close(1, counted); cv.Done {
		t.Fatalf("round 1 done: %+v", cv)
	}
	e.unchanged("bad hand-count requests", func() {
		for _, body := range []map[string]any{
			{"contests": []string{"Council"}},
			{"contests": []string{}, "reason": "x"},
			{"contests": []string{"Mayor"}, "reason": "x"},
			{"contests": []string{"Council", "Council"}, "reason": "x"},
		} {
			if code := e.do(p.aa1.client, "POST", r.base+"/full-hand-count", body, nil); code != 400 {
				t.Errorf("hand count %v: %d, want 400", body, code)
			}
		}
		if code := e.do(p.official.client, "POST", r.base+"/full-hand-count", map[string]any{"contests": []string{"Council"}, "reason": "x"}, nil); code != 403 {
			t.Errorf("hand count requested by an official: %d, want 403", code)
		}
	})
	var q requestView
	e.must(p.aa1.client, 202, "POST", r.base+"/full-hand-count", map[string]any{"contests": []string{"Council"}, "reason": "the county prefers to count"}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	var rep audit.Report
	_, _, js := e.get(http.DefaultClient, "/public/audits/"+r.a+"/report.json")
	if json.Unmarshal(js, &rep) != nil || len(rep.Decisions) != 0 {
		t.Fatalf("a decision with one signature: %+v", rep.Decisions)
	}
	if c, v := e.approve(p.official, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("second signature by the official: %d %+v", c, v)
	}
	e.unchanged("a round after the declaration, and declaring twice", func() {
		if code := e.do(p.aa1.client, "POST", r.base+"/rounds", map[string]any{"sample_size": map[string]any{}}, nil); code != 409 {
			t.Errorf("round after a full hand count of every targeted contest: %d, want 409", code)
		}
		if code := e.do(p.aa1.client, "POST", r.base+"/full-hand-count", map[string]any{"contests": []string{"Council"}, "reason": "again"}, nil); code != 409 {
			t.Errorf("declaring twice: %d, want 409", code)
		}
	})
	var st office.AuditView
	e.must(p.observer.client, 200, "GET", r.base, nil, &st)
	if !st.Done || len(st.Decisions) != 1 || st.Decisions[0].Kind != audit.DecisionFullHandCount {
		t.Fatalf("audit status after the declaration: done %v, decisions %+v", st.Done, st.Decisions)
	}
	_, _, js = e.get(http.DefaultClient, "/public/audits/"+r.a+"/report.json")
	rep = audit.Report{}
	if json.Unmarshal(js, &rep) != nil || len(rep.Decisions) != 1 {
		t.Fatalf("report decisions %s", js)
	}
	if d := rep.Decisions[0]; d.Kind != audit.DecisionFullHandCount || !slices.Equal(d.Contests, []string{"Council"}) || d.Round != 1 || d.RequestedBy != "aa1" || d.ApprovedBy != "off" || !slices.Equal(d.Signers, []string{"aa1", "off"}) {
		t.Fatalf("decision %+v", d)
	}
	if code, _, csv := e.get(http.DefaultClient, "/public/audits/"+r.a+"/decisions.csv"); code != 200 || !bytes.Contains(csv, []byte("full-hand-count,1,false,Council,the county prefers to count,")) {
		t.Fatalf("decisions.csv: %d %s", code, csv)
	}
	r.rebuilt()
}

// TestAuditBatchNotFound finalizes a batch that cannot be found: counted
// the worst way, MACRO's risk is 1 and Council goes to a full hand count.
func TestAuditBatchNotFound(t *testing.T) {
	e := newEnv(t)
	r := newBatchRun(t, e)
	p := r.p
	list := r.draw(map[string]any{})
	counted := map[string]map[string]office.ChoiceCounts{}
	lost := office.BatchView{}
	for _, v := range list {
		if v.Jurisdiction == "county-a" && lost.Batch == "" {
			lost = v
			counted[v.Jurisdiction+"/"+v.Name] = nil
			continue
		}
		hc := handCount(v, "")
		e.must(p.aa1.client, 200, "PUT", r.sheetPath(1, v, "S"), map[string]any{"contests": hc}, nil)
		e.must(p.aa1.client, 200, "POST", fmt.Sprintf("%s/rounds/1/batches/%s/finalize", r.base, v.Batch), nil, nil)
		counted[v.Jurisdiction+"/"+v.Name] = hc
	}
	if lost.Batch == "" {
		t.Fatal("round 1 drew no county-a batch")
	}
	path := fmt.Sprintf("%s/rounds/1/batches/%s/finalize", r.base, lost.Batch)
	e.unchanged("bad not-found finalizations", func() {
		for _, body := range []map[string]any{{"not_found": true}, {"comment": "x"}, {"not_found": "yes", "comment": "x"}} {
			if code := e.do(r.aaA.client, "POST", path, body, nil); code != 400 {
				t.Errorf("finalize %v: %d, want 400", body, code)
			}
		}
		if code := e.do(r.aaA.client, "POST", path, nil, nil); code != 409 {
			t.Errorf("finalize without sheets: %d, want 409", code)
		}
	})
	var bv office.BatchView
	e.must(r.aaA.client, 200, "POST", path, map[string]any{"not_found": true, "comment": "box 2 is not in the vault"}, &bv)
	if !bv.Finalized || !bv.NotFound || bv.Comment != "box 2 is not in the vault" || bv.Tallies != nil {
		t.Fatalf("lost batch %+v", bv)
	}
	cv := r.close(1, counted)
	if c := cv.Contests["Council"]; c.Risk != 1 || c.Confirmed || c.Decision != audit.FullHandCount || c.Discrepancies.NotFound == 0 || !cv.Done {
		t.Fatalf("round with a lost batch: %+v", cv)
	}
	if code := e.do(p.aa1.client, "POST", r.base+"/rounds", map[string]any{"sample_size": map[string]any{}}, nil); code != 409 {
		t.Errorf("a round after the full hand count: %d, want 409", code)
	}
	r.rebuilt()
}

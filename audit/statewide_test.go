package audit

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/draw"
)

const seed = "39808214327415860982"

// boards simulates the audit boards of the statewide audit: they read
// every ballot as its CVR says, except that in J2 the first `plant`
// ballots of round 1 whose CVR votes for Alice read Bob (two-vote
// overstatements of Governor), and phantoms, which have no paper, are
// not found.
type boards struct {
	s       *statewide
	a       *Audit
	plant   int
	planted map[BallotKey]bool
	read    map[BallotKey]bool
	out     Readings
}

func (b *boards) readRound(t *testing.T, r *Round) {
	t.Helper()
	for i := range r.Ballots {
		sb := &r.Ballots[i]
		k := sb.Key()
		if b.read[k] {
			continue // already read in an earlier draw or round
		}
		b.read[k] = true
		br := BallotReading{BallotKey: k, Contests: map[string]Reading{}}
		j := b.a.jurs[b.a.jurIndex[k.Jurisdiction]]
		cvr := b.a.cvrAt(j, k.Tabulator, k.Batch, k.Position)
		for ci, c := range b.s.def.Contests {
			if !c.spans(k.Jurisdiction) {
				continue
			}
			switch {
			case cvr == nil:
				if sb.CVR != "" || !sb.Phantom {
					t.Fatalf("%v: no CVR but the sample says CVR %q", k, sb.CVR)
				}
				br.Contests[c.Name] = Reading{Status: StatusNotFound, Comment: "no such ballot in the batch"}
			case ci == governor && k.Jurisdiction == "J2" && r.Number == 1 && len(b.planted) < b.plant && cvr.Contests[0].Marks != nil && cvr.Contests[0].Marks[0].Choice == 0:
				b.planted[k] = true
				br.Contests[c.Name] = Reading{Choices: []string{"Bob"}}
			default:
				br.Contests[c.Name] = readCVR(b.s.election, cvr, ci)
			}
		}
		b.out.Ballots = append(b.out.Ballots, br)
	}
}

func (c ContestDefinition) spans(j string) bool {
	for _, x := range c.Jurisdictions {
		if x == j {
			return true
		}
	}
	return false
}

// runStatewide runs the statewide audit to the end and returns its rounds,
// results and the simulated boards.
func runStatewide(t *testing.T, math string, plant int) (*statewide, *Audit, []*Round, []*RoundResult, *boards) {
	t.Helper()
	s := newStatewide(t, math)
	a := mustPrepare(t, s.def, s.inputs)
	opts, err := a.FirstRoundSizes()
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) != 1 || opts[0].Key != "size" || opts[0].Draws <= 0 {
		t.Fatalf("first round sizes %+v", opts)
	}
	size := opts[0].Draws
	b := &boards{s: s, a: a, plant: plant, planted: map[BallotKey]bool{}, read: map[BallotKey]bool{}}
	var rounds []*Round
	var results []*RoundResult
	for len(rounds) < 8 {
		r, err := a.Draw(seed, rounds, size)
		if err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, r)
		b.readRound(t, r)
		res, err := a.Close(rounds, &b.out)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
		if res.Done {
			break
		}
		size = res.NextSize
	}
	return s, a, rounds, results, b
}

func TestStatewideComparison(t *testing.T) {
	for _, m := range []string{"supersimple", "corla", "alpha-comparison"} {
		t.Run(m, func(t *testing.T) { testStatewide(t, m) })
	}
}

// planted is how many two-vote overstatements each math needs to miss the
// risk limit in round 1 of the statewide audit.
var planted = map[string]int{"supersimple": 4, "corla": 3, "alpha-comparison": 3}

func testStatewide(t *testing.T, math string) {
	s, a, rounds, results, b := runStatewide(t, math, planted[math])

	// Reported results.
	cs := a.Contests()
	if cs[governor].Ballots != 6500 || cs[governor].Phantoms != 5 || cs[measure].Ballots != 5000 || cs[mayor].Ballots != 1500 {
		t.Fatalf("contest ballots %d/%d %d %d", cs[governor].Ballots, cs[governor].Phantoms, cs[measure].Ballots, cs[mayor].Ballots)
	}
	if cs[governor].Winners[0] != "Alice" || cs[mayor].Winners[0] != "Xavier" || len(cs[mayor].Assertions) == 0 {
		t.Fatalf("winners %v %v assertions %v", cs[governor].Winners, cs[mayor].Winners, cs[mayor].Assertions)
	}

	// The sample is the sampler's: the same library call `canvass rla
	// sample --sampler arlo` makes, round by round with --skip.
	js := []draw.Jurisdiction{}
	for _, in := range s.inputs.Jurisdictions {
		js = append(js, draw.Jurisdiction{Name: in.Name, Manifest: in.Manifest})
	}
	for _, r := range rounds {
		sample, err := draw.Arlo(draw.Request{Seed: seed, Skip: r.Skip, Count: r.Count}, js)
		if err != nil {
			t.Fatal(err)
		}
		rows := sample.Collect()
		if len(rows) != len(r.Ballots) {
			t.Fatalf("round %d: %d rows, %d ballots", r.Number, len(rows), len(r.Ballots))
		}
		for i, row := range rows {
			got := r.Ballots[i]
			if got.Ticket != row.TicketNumber || got.Jurisdiction != row.Jurisdiction || got.Tabulator != *row.Tabulator ||
				got.Batch != row.Batch || got.Position != row.BallotPosition || got.TimesSampled != row.TimesSampled || got.Container != row.Container {
				t.Fatalf("round %d draw %d: %+v, sampler %+v", r.Number, i, got, row)
			}
		}
		// Printed, the round is byte for byte what `canvass rla sample`
		// prints.
		var got, want bytes.Buffer
		if err := draw.WriteCSV(&got, r.Sample()); err != nil {
			t.Fatal(err)
		}
		if err := draw.WriteCSV(&want, sample); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) || got.Len() < 100 {
			t.Fatalf("round %d CSV differs from the sampler's:\n%s\n%s", r.Number, got.Bytes(), want.Bytes())
		}
		if err := a.Redraw(rounds[:r.Number-1], r); err != nil {
			t.Fatal(err)
		}
		tampered := *r
		tampered.Ballots = append([]SampledBallot{}, r.Ballots...)
		tampered.Ballots[0].Position++
		if err := a.Redraw(rounds[:r.Number-1], &tampered); err == nil {
			t.Fatalf("round %d: Redraw accepted a changed ballot", r.Number)
		}
		// Retrieval lists are sorted by container, tabulator, batch, position.
		for _, l := range r.Retrieval() {
			for i := 1; i < len(l.Ballots); i++ {
				p, q := l.Ballots[i-1], l.Ballots[i]
				if p.Container > q.Container || (p.Container == q.Container && (p.Batch > q.Batch || (p.Batch == q.Batch && p.Position >= q.Position))) {
					t.Fatalf("%s retrieval list out of order at %d: %+v then %+v", l.Jurisdiction, i, p, q)
				}
			}
		}
	}

	// The planted discrepancies force a second round.
	if len(b.planted) != planted[math] {
		t.Fatalf("planted %d discrepancies, want %d (round 1 too small?)", len(b.planted), planted[math])
	}
	if len(rounds) < 2 {
		t.Fatalf("the audit ended after %d round(s) despite the planted discrepancies", len(rounds))
	}
	gov1 := results[0].Contests[governor]
	if gov1.Decision != AnotherRound || gov1.Discrepancies.O2 < planted[math] || gov1.NextSize <= 0 {
		t.Fatalf("round 1 Governor: %+v", gov1)
	}
	last := results[len(results)-1]
	if !last.Done {
		t.Fatalf("audit not done after %d rounds", len(results))
	}
	for _, c := range last.Contests {
		if c.Targeted && c.Decision != Confirmed {
			t.Errorf("%s: decision %s (risk %v) with faithful boards", c.Contest, c.Decision, c.Risk)
		}
		if !c.Targeted && c.Decision != Opportunistic {
			t.Errorf("%s: decision %s for an opportunistic contest", c.Contest, c.Decision)
		}
	}

	// Every round's risks equal what the rla functions compute from the
	// same counts, and the counts are what the test planted.
	for k, res := range results {
		var drawsIn, phantoms [3]int
		plantedDraws := 0
		var overstatements [3][]int
		for _, r := range rounds[:k+1] {
			for _, sb := range r.Ballots {
				for ci, c := range s.def.Contests {
					if !c.spans(sb.Jurisdiction) {
						continue
					}
					drawsIn[ci]++
					v := 0
					if sb.Phantom {
						phantoms[ci]++
						v = 2
					} else if ci == governor && b.planted[sb.Key()] {
						v = 2
						plantedDraws++
					}
					overstatements[ci] = append(overstatements[ci], v)
				}
			}
		}
		for ci, cr := range res.Contests {
			if cr.SampleSize != drawsIn[ci] || cr.Discrepancies.Phantoms != phantoms[ci] || cr.Discrepancies.NotFound != 0 ||
				cr.Discrepancies.O1 != 0 || cr.Discrepancies.U1 != 0 || cr.Discrepancies.U2 != 0 {
				t.Fatalf("round %d %s: %+v; want %d draws, %d phantoms", res.Round, cr.Contest, cr, drawsIn[ci], phantoms[ci])
			}
			wantO2 := 0
			if ci == governor {
				wantO2 = plantedDraws
			}
			if cr.Discrepancies.O2 != wantO2 {
				t.Fatalf("round %d %s: o2 %d, want %d", res.Round, cr.Contest, cr.Discrepancies.O2, wantO2)
			}
			if cr.DecidedIn != 0 && cr.DecidedIn < res.Round {
				continue // decided earlier; the risk is still measured
			}
			if ci == mayor {
				for ai, as := range cr.Assertions {
					sc := a.contests[mayor].assertions[ai]
					c := &rla.Contest{Ballots: 1500, Tally: []rla.CandidateVotes{{Name: "w", Votes: int(sc.Margin)}, {Name: "l"}}}
					want := riskOf(t, math, 0.05, c, phantoms[ci], drawsIn[ci], overstatements[ci])
					if as.Risk != want {
						t.Fatalf("round %d Mayor %s: risk %v, rla %v", res.Round, as.Assertion, as.Risk, want)
					}
					// The Kaplan–Markov bound of the same counts, as
					// raire.MeasureRisk computes it for Colorado.
					km := rla.KaplanMarkov{DilutedMargin: as.DilutedMargin}.PValue(rla.Discrepancies{SampleSize: drawsIn[ci], O2: phantoms[ci]})
					if math == "corla" && rla.RoundRisk(km) != as.Risk {
						t.Fatalf("round %d Mayor %s: risk %v, Kaplan–Markov %v", res.Round, as.Assertion, as.Risk, km)
					}
				}
				continue
			}
			c := &a.contests[ci].rc
			want := riskOf(t, math, 0.05, c, phantoms[ci]+wantO2, drawsIn[ci], overstatements[ci])
			if cr.Risk != want {
				t.Fatalf("round %d %s: risk %v, rla %v", res.Round, cr.Contest, cr.Risk, want)
			}
		}
	}

	// The discrepancy report lists the planted ballots and the phantoms.
	rep, err := a.Report(rounds, results)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ab := range rep.Ballots {
		for _, c := range ab.Contests {
			if c.Kind == "o2" {
				n++
				if c.CVRReading != "Alice" || c.BoardReading != "Bob" || !b.planted[ab.BallotKey] {
					t.Fatalf("o2 on %v: %+v", ab.BallotKey, c)
				}
			}
		}
	}
	if n != planted[math] {
		t.Fatalf("report lists %d two-vote overstatements, want %d", n, planted[math])
	}

	// Each jurisdiction's report holds its own ballots only, the contests
	// it takes part in, and the audit's risks for them; together the
	// jurisdictions' ballots are the report's.
	total := 0
	for _, js := range rep.Settings.Jurisdictions {
		jr := rep.ForJurisdiction(js.Name)
		if jr == nil || len(jr.Settings.Jurisdictions) != 1 || jr.Settings.Ballots != js.Ballots {
			t.Fatalf("report for %s: %+v", js.Name, jr)
		}
		for _, ab := range jr.Ballots {
			if ab.Jurisdiction != js.Name {
				t.Fatalf("report for %s lists a ballot of %s", js.Name, ab.Jurisdiction)
			}
		}
		total += len(jr.Ballots)
		for _, c := range jr.Contests {
			if !slices.Contains(c.Jurisdictions, js.Name) {
				t.Fatalf("report for %s lists contest %s of %v", js.Name, c.Name, c.Jurisdictions)
			}
		}
		for i, rd := range jr.Rounds {
			for _, cr := range rd.Result.Contests {
				if k := slices.IndexFunc(rep.Rounds[i].Result.Contests, func(x ContestRound) bool { return x.Contest == cr.Contest }); k < 0 || rep.Rounds[i].Result.Contests[k].Risk != cr.Risk {
					t.Fatalf("report for %s, round %d, %s: risk %v differs from the audit's", js.Name, rd.Round, cr.Contest, cr.Risk)
				}
			}
			for _, ab := range rd.Result.Ballots {
				if ab.Jurisdiction != js.Name {
					t.Fatalf("report for %s, round %d, lists a ballot of %s", js.Name, rd.Round, ab.Jurisdiction)
				}
			}
		}
	}
	if total != len(rep.Ballots) {
		t.Fatalf("the jurisdictions' reports list %d ballots, the report %d", total, len(rep.Ballots))
	}
	if rep.ForJurisdiction("no such county") != nil {
		t.Fatal("a report for a jurisdiction the audit does not have")
	}
}

// riskOf is the risk the rla package computes for the method from counts
// of two-vote overstatements (for ALPHA, the overstatements in draw order).
func riskOf(t *testing.T, method string, alpha float64, c *rla.Contest, o2, n int, order []int) float64 {
	t.Helper()
	d := rla.Discrepancies{SampleSize: n, O2: o2}
	switch method {
	case "supersimple":
		r, err := rla.SuperSimpleRiskOfCounts(alpha, c, d)
		if err != nil {
			t.Fatal(err)
		}
		return r.Risk
	case "corla":
		r, err := rla.CORLA(alpha, c, &d, 0)
		if err != nil {
			t.Fatal(err)
		}
		return r.Risk
	case "alpha-comparison":
		r, err := rla.ALPHAComparisonRisk(alpha, c, order, &rla.ALPHAOptions{WithReplacement: true})
		if err != nil {
			t.Fatal(err)
		}
		return r.Risk
	}
	t.Fatalf("method %s", method)
	return math.NaN()
}

func TestStatewideDeterministic(t *testing.T) {
	_, a1, r1, res1, _ := runStatewide(t, "supersimple", 4)
	_, a2, r2, res2, _ := runStatewide(t, "supersimple", 4)
	x, y := reportBytes(t, a1, r1, res1), reportBytes(t, a2, r2, res2)
	if !bytes.Equal(x, y) {
		t.Fatal("the same inputs gave different reports")
	}
	if len(x) < 1000 {
		t.Fatalf("report is only %d bytes", len(x))
	}
}

// TestPhantomRead checks the worst case for phantoms directly: a phantom
// is a two-vote overstatement even when a board reads a vote for the
// winner on some paper.
func TestWorstCaseEvaluation(t *testing.T) {
	s := newStatewide(t, "supersimple")
	a := mustPrepare(t, s.def, s.inputs)
	c := a.contests[governor]
	phantom := &drawnBallot{key: BallotKey{"J3", "T1", "B05", 97}, ji: 2}
	if e := a.evaluate(c, phantom, &Reading{Choices: []string{"Alice"}}); e.kind != "phantom" || e.disc != 2 {
		t.Fatalf("phantom read for the winner: %+v", e)
	}
	real := &drawnBallot{key: BallotKey{"J1", "T1", "B01", 1}}
	for _, st := range []string{StatusNotFound, StatusNoConsensus} {
		if e := a.evaluate(c, real, &Reading{Status: st, Comment: "x"}); e.kind != "not-found" || e.disc != 2 {
			t.Fatalf("%s: %+v", st, e)
		}
	}
	cvr := a.cvrAt(a.jurs[0], "T1", "B01", 1)
	if cvr == nil || cvr.ID != "J1-T1-B01-1" {
		t.Fatalf("cvr at J1 B01 1: %+v", cvr)
	}
	if e := a.evaluate(c, real, &Reading{Choices: []string{cvrName(s.election, cvr)}}); e.kind != "" || e.disc != 0 {
		t.Fatalf("matching reading: %+v", e)
	}
	// An IRV ballot not found overstates every assertion by two.
	m := a.contests[mayor]
	if e := a.evaluate(m, &drawnBallot{key: BallotKey{"J3", "T1", "B01", 1}, ji: 2}, &Reading{Status: StatusNotFound}); e.kind != "not-found" || len(e.discs) != len(m.assertions) || e.discs[0] != 2 {
		t.Fatalf("IRV not found: %+v", e)
	}
}

func cvrName(e *election.Election, r *election.CVR) string {
	return e.Contests[governor].Candidates[r.Contests[0].Marks[0].Choice].Name
}

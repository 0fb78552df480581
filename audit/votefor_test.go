package audit

import (
	"fmt"
	"testing"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla"
)

// TestVoteForTwo audits a vote-for-2 contest by comparison: a board that
// reads three marks on a ballot (an overvote) where the CVR has two
// counts as a discrepancy of the worst pair, and the risk is rla's.
func TestVoteForTwo(t *testing.T) {
	c := &election.Contest{Name: "Council", VoteFor: 2}
	for _, n := range []string{"P", "Q", "R", "S"} {
		if _, err := c.AddCandidate(election.Candidate{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	e := &election.Election{Contests: []*election.Contest{c}}
	ji := JurisdictionInput{Name: "Town", Manifest: arloManifest(t, "town", repeat(10, 100), false)}
	pairs := [][]election.Choice{{0, 1}, {0, 2}, {1, 3}, {0, 1}, {2, 3}}
	for b := 1; b <= 10; b++ {
		for p := 1; p <= 100; p++ {
			var marks []election.Mark
			for _, ch := range pairs[(b*100+p)%len(pairs)] {
				marks = append(marks, election.Mark{Rank: 1, Choice: ch})
			}
			ji.CVRs = append(ji.CVRs, election.CVR{ID: fmt.Sprint(b, "-", p), Tabulator: "T1", Batch: fmt.Sprintf("B%02d", b),
				Contests: []election.ContestMarks{{Contest: 0, Marks: marks}}})
		}
	}
	def := &Definition{Name: "Town", Type: BallotComparison, Math: "corla", RiskLimit: 0.1, Sampler: SamplerArlo,
		Contests:      []ContestDefinition{{Name: "Council", Targeted: true, Jurisdictions: []string{"Town"}, Kind: VoteForN, Winners: 2}},
		Jurisdictions: []JurisdictionConfig{{Name: "Town"}}}
	a := mustPrepare(t, def, &Inputs{Election: e, Jurisdictions: []JurisdictionInput{ji}})
	rep := a.Contests()[0]
	if len(rep.Winners) != 2 || rep.Winners[0] != "P" || rep.VotesAllowed != 2 {
		t.Fatalf("reported %+v", rep)
	}
	r, err := a.Draw("20261105", nil, 40)
	if err != nil {
		t.Fatal(err)
	}
	var rd Readings
	seen := map[BallotKey]bool{}
	var overvoted BallotKey
	for _, sb := range r.Ballots {
		k := sb.Key()
		if seen[k] {
			continue
		}
		seen[k] = true
		reading := readCVR(e, a.cvrAt(a.jurs[0], k.Tabulator, k.Batch, k.Position), 0)
		if overvoted == (BallotKey{}) && reading.Choices[0] == "P" {
			overvoted = k
			reading.Choices = []string{"P", "Q", "R"}
		}
		rd.Ballots = append(rd.Ballots, BallotReading{BallotKey: k, Contests: map[string]Reading{"Council": reading}})
	}
	res, err := a.Close([]*Round{r}, &rd)
	if err != nil {
		t.Fatal(err)
	}
	cr := res.Contests[0]
	times := 0
	for _, sb := range r.Ballots {
		if sb.Key() == overvoted {
			times++
		}
	}
	// The overvote loses the CVR's vote for winner P: one vote of the
	// closest winner–loser pair.
	if cr.Discrepancies.O1 != times || cr.Discrepancies.O2+cr.Discrepancies.U1+cr.Discrepancies.U2 != 0 {
		t.Fatalf("discrepancies %+v, overvoted ballot drawn %d times", cr.Discrepancies, times)
	}
	d := rla.Discrepancies{SampleSize: 40, O1: times}
	want, err := rla.CORLA(0.1, &a.contests[0].rc, &d, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Risk != want.Risk {
		t.Fatalf("risk %v, rla %v", cr.Risk, want.Risk)
	}
	for _, b := range res.Ballots {
		if b.BallotKey == overvoted && (b.Contests[0].BoardReading != "P, Q, R" || b.Contests[0].Kind != "o1") {
			t.Fatalf("overvoted ballot in the report: %+v", b.Contests[0])
		}
	}
}

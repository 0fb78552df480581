package rla

import (
	"testing"

	"github.com/canvass/canvass/election"
)

// ballotFor returns a CVR for contest with one mark for choice (−1: the
// contest is on the ballot with no mark).
func ballotFor(contest int, choices ...election.Choice) *election.CVR {
	cm := election.ContestMarks{Contest: int32(contest)}
	for _, ch := range choices {
		if ch >= 0 || ch == election.Overvote {
			cm.Marks = append(cm.Marks, election.Mark{Rank: 1, Choice: ch})
		}
	}
	return &election.CVR{Contests: []election.ContestMarks{cm}}
}

func TestDiscrepancies(t *testing.T) {
	// Contest 0: A 500, B 400, C 100; one winner. Margins: A–B 100, A–C 400.
	o, err := NewComparisonOutcome(0, 1, []int{500, 400, 100}, 1)
	if err != nil {
		t.Fatal(err)
	}
	const A, B, C = 0, 1, 2
	blank := ballotFor(0, -1)
	noContest := &election.CVR{Contests: []election.ContestMarks{{Contest: 7}}}
	tests := []struct {
		name         string
		cvr, audited *election.CVR
		arloVotes    int
		arloWeighted float64
		corla        int
	}{
		{"clean winner", ballotFor(0, A), ballotFor(0, A), 0, 0, 0},
		{"clean blank", blank, blank, 0, 0, 0},
		{"winner read as blank", ballotFor(0, A), blank, 1, 1.0 / 100, 1},
		{"winner read as runner-up", ballotFor(0, A), ballotFor(0, B), 2, 2.0 / 100, 2},
		// A→C changes A–C by 2 (weighted 2/400) but A–B by only 1
		// (1/100), which is worse: Arlo keeps the larger weighted error.
		{"winner read as third", ballotFor(0, A), ballotFor(0, C), 1, 1.0 / 100, 2},
		// Every pair narrows the loser's side, so Colorado reports an
		// understatement: the least negative pair (A–C, −1). Arlo keeps
		// the largest weighted error, also A–C: −1/400.
		{"runner-up read as winner", ballotFor(0, B), ballotFor(0, A), -1, -1.0 / 400, -1},
		// B→blank widens A–B but leaves A–C unchanged, so neither tool
		// reports an understatement.
		{"runner-up read as blank", ballotFor(0, B), blank, 0, 0, 0},
		{"blank read as winner", blank, ballotFor(0, A), -1, -1.0 / 400, -1},
		{"audited overvote is blank", ballotFor(0, A), ballotFor(0, A, B), 1, 1.0 / 100, 1},
		{"overvote marker is blank", ballotFor(0, A), ballotFor(0, election.Overvote), 1, 1.0 / 100, 1},
		{"contest missing on the audited ballot", ballotFor(0, A), noContest, 1, 1.0 / 100, 1},
		{"contest missing on both", noContest, noContest, 0, 0, 0},
		{"phantom CVR", nil, blank, 2, 2.0 / 100, 2},
		{"not found, CVR had the winner", ballotFor(0, A), nil, 2, 2.0 / 100, 2},
		{"not found, CVR had a loser", ballotFor(0, B), nil, 2, 2.0 / 100, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := o.ArloDiscrepancy(tt.cvr, tt.audited)
			if a.Votes != tt.arloVotes || !relClose(a.Weighted, tt.arloWeighted, 1e-15) {
				t.Errorf("Arlo: got %+v, want %d (%v)", a, tt.arloVotes, tt.arloWeighted)
			}
			if c := o.CORLADiscrepancy(tt.cvr, tt.audited); c != tt.corla {
				t.Errorf("Colorado: got %d, want %d", c, tt.corla)
			}
		})
	}
}

func TestPairDiscrepancies(t *testing.T) {
	o, err := NewComparisonOutcome(0, 1, []int{100, 500, 400}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Outcome order: winner 1 (500), losers 2 (400) then 0 (100).
	got := o.PairDiscrepancies(ballotFor(0, 1), ballotFor(0, 0))
	want := []PairDiscrepancy{{1, 2, 1}, {1, 0, 2}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, d := range o.PairDiscrepancies(nil, ballotFor(0, 1)) {
		if d.Votes != 2 {
			t.Errorf("phantom: %v", d)
		}
	}
}

func TestNewComparisonOutcomeErrors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		voteFor int
		votes   []int
		winners int
	}{
		{"tie", 1, []int{5, 5, 1}, 1},
		{"no loser", 1, []int{5}, 1},
		{"negative", 1, []int{5, -1}, 1},
		{"vote-for zero", 0, []int{5, 1}, 1},
	} {
		if _, err := NewComparisonOutcome(0, tt.voteFor, tt.votes, tt.winners); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

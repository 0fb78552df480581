package results

import (
	"strconv"

	"github.com/canvass/canvass/tabulate"
)

// FromTabulation describes a ranked-choice count for a NIST report: one
// count per candidate per round, winners marked elected and every other
// counted candidate marked defeated. Candidates excluded from the count are
// left out; the undeclared write-in pseudo-candidate is flagged IsWriteIn.
func FromTabulation(id, name string, t *tabulate.Tabulation) Contest {
	c := Contest{ID: id, Name: name, Variation: "rcv", VotesAllowed: 1, NumberElected: t.NumberToElect,
		Rounds: max(len(t.Rounds), 1), BallotsCast: t.TotalBallots, Undervotes: float64(t.Undervotes)}
	won := map[int]bool{}
	for _, w := range t.Winners {
		won[w] = true
	}
	if len(t.Rounds) > 0 {
		c.Overvotes = decimalFloat(t.Rounds[0].Inactive[tabulate.InactiveOvervote])
	}
	for k, cand := range t.Candidates {
		if t.Excluded[k] {
			continue
		}
		var votes []float64
		for i := range t.Rounds {
			r := &t.Rounds[i]
			if k >= len(r.InTally) || !r.InTally[k] {
				break
			}
			votes = append(votes, decimalFloat(r.Tally[k]))
		}
		if len(votes) == 0 {
			continue
		}
		if cand.WriteIn && len(t.Rounds) > 0 {
			c.WriteIns = votes[0]
		}
		c.Candidates = append(c.Candidates, Candidate{Name: cand.Name, WriteIn: cand.WriteIn, Votes: votes,
			Elected: won[k], Defeated: !won[k]})
	}
	return c
}

// FromTally describes an unranked count for a NIST report.
func FromTally(id, name string, t *tabulate.Tally, r tabulate.TallyResult, seats int) Contest {
	variation := "plurality"
	switch {
	case t.Method == tabulate.Approval:
		variation = "approval"
	case t.VoteFor > 1:
		variation = "n-of-m"
	}
	c := Contest{ID: id, Name: name, Variation: variation, VotesAllowed: t.VoteFor, NumberElected: seats, Rounds: 1,
		BallotsCast: t.Ballots, Overvotes: float64(t.Overvotes), Undervotes: float64(t.Undervotes)}
	won := map[int]bool{}
	for _, w := range r.Winners {
		won[w] = true
	}
	undecided := map[int]bool{}
	for _, w := range r.Tied {
		undecided[w] = true
	}
	for k, cand := range t.Candidates {
		if cand.WriteIn {
			c.WriteIns = float64(t.Votes[k])
		}
		c.Candidates = append(c.Candidates, Candidate{Name: cand.Name, WriteIn: cand.WriteIn,
			Votes: []float64{float64(t.Votes[k])}, Elected: won[k], Defeated: !won[k] && !undecided[k] && !cand.Excluded})
	}
	return c
}

// decimalFloat converts an exact count to the JSON number the NIST format
// carries. Counts of ballots are integers or have at most a few decimals
// (fractional surplus transfers), well within float64's exact range.
func decimalFloat(d tabulate.Decimal) float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

package tabulate

import "github.com/canvass/canvass/election"

// Inactive ballot categories, in RCTab's report order.
const (
	InactiveOvervote = iota
	InactiveSkippedRankings
	InactiveExhaustedChoices
	InactiveRepeatedRankings
	numInactive
)

// Transfer destinations that are not candidates.
const (
	// ToExhausted collects ballots that became inactive (for any reason).
	ToExhausted = -1
	// ToResidualSurplus collects the part of a winner's surplus that
	// truncation kept from being transferred.
	ToResidualSurplus = -2
)

// Decision is one candidate elected or eliminated in a round.
type Decision struct {
	Candidate int
	// Tie is set when a tie-break made the decision.
	Tie bool
}

// Counts are the tallies of one round over some set of ballots: the whole
// contest, or one precinct or batch.
type Counts struct {
	// Tally[c] is candidate c's votes; only meaningful where the round's
	// InTally[c] is set.
	Tally []Decimal
	// Inactive holds the inactive ballots by category (Inactive* indices).
	Inactive [numInactive]Decimal
	// FinalRoundSurplus is the surplus of the last winners that had no
	// continuing candidate to go to, in the round after the last election
	// of a surplus-transferring contest.
	FinalRoundSurplus Decimal
	// FinalRoundSurplusMoved is set when some ballot (even one worth
	// nothing) moved to final-round surplus in this round; RCTab leaves the
	// report cell blank otherwise.
	FinalRoundSurplusMoved bool
	// ResidualSurplus is the running total of surplus lost to truncation.
	ResidualSurplus Decimal
	// Transfers[source][destination] are the votes that left candidate
	// source after this round, by destination candidate or ToExhausted /
	// ToResidualSurplus. Zero-valued movements are not recorded.
	Transfers map[int]map[int]Decimal
}

// Round is one round of counting.
type Round struct {
	Number int
	// InTally[c] is set for each candidate in this round's tally: every
	// candidate not excluded and not eliminated in an earlier round.
	InTally []bool
	Counts
	Threshold Decimal
	// Elected and Eliminated are sorted by candidate name.
	Elected    []Decision
	Eliminated []Decision
}

// Active returns the ballots counting for candidates this round, plus the
// final-round surplus, which RCTab reports as still active.
func (r *Round) Active() Decimal {
	return r.Counts.active(r.InTally)
}

func (c *Counts) active(inTally []bool) Decimal {
	var sum Decimal
	for i, in := range inTally {
		if in {
			sum = sum.Add(c.Tally[i])
		}
	}
	return sum.Add(c.FinalRoundSurplus)
}

// InactiveTotal returns the sum of the inactive categories.
func (c *Counts) InactiveTotal() Decimal {
	var sum Decimal
	for _, v := range c.Inactive {
		sum = sum.Add(v)
	}
	return sum
}

// Slice is the count restricted to the ballots of one precinct or batch.
// Decisions (who is elected or eliminated) are always the whole contest's.
type Slice struct {
	// Name is the precinct or batch; ballots without one are reported
	// under "no precinct id" or "no batch id", as RCTab does.
	Name         string
	TotalBallots int64
	Undervotes   int64
	// Rounds[i] are the slice's counts in round i+1.
	Rounds []Counts
}

// Tabulation is one complete count: the contest, or one pass of a
// multi-pass IRV contest.
type Tabulation struct {
	// Pass is 1-based; 0 when the contest has a single count.
	Pass       int
	Mode       WinnerElectionMode
	Candidates []election.Candidate
	// Excluded[c] is set for candidates left out of this count: excluded
	// by configuration or, in multi-pass IRV, won in an earlier pass.
	Excluded []bool
	// NumberToElect is the number of seats this count fills (1 per pass of
	// multi-pass IRV; 0 for the bottoms-up percentage mode).
	NumberToElect int
	// ConfiguredWinners is the contest's numberOfWinners (for multi-pass
	// IRV, the number of passes); reports depend on it.
	ConfiguredWinners   int
	PercentageThreshold Decimal
	// FirstRoundDeterminesThreshold is the rule of the same name; the
	// reports' "% of vote" divisor depends on it.
	FirstRoundDeterminesThreshold bool
	Rounds                        []Round
	// Winners in order of election; within a round, by name.
	Winners      []int
	TotalBallots int64
	// Undervotes are ballots with no rankings at all.
	Undervotes int64
	Precincts  []Slice
	Batches    []Slice
	// Ties lists, in order, every tie that was broken.
	Ties []Tie

	// Allocation history (RankedInput.TrackAllocations): the candidate
	// each group counted for (-1 for none) and its value (nil: every
	// ballot worth 1) at the end of each round, and the shares winners
	// kept.
	allocCur  [][]int32
	allocVal  [][]Decimal
	allocKept map[int][]keptShare
}

// surplus reports whether the count transferred surpluses: the STV modes,
// and singleWinnerMajority configured with several seats, which RCTab
// counts like multiWinnerAllowMultipleWinnersPerRound (source notes V7).
func (t *Tabulation) surplus() bool {
	return t.Mode.surplus() || t.Mode == SingleWinnerMajority && t.NumberToElect > 1
}

// keptShare is what a winner kept of each ballot of a group, from round
// from on.
type keptShare struct {
	winner int
	from   int
	value  Decimal
}

// Allocation is the part of a ballot that counts for a candidate.
type Allocation struct {
	Candidate int
	Value     Decimal
}

// Allocations returns where each ballot of group g (as returned by
// Ballots.Add) counted in round r (1-based): the shares kept by winners it
// helped elect in earlier rounds, then the candidate it counted for, if any,
// with its current value. It is empty for an inactive ballot, and nil unless
// the count was made with TrackAllocations.
func (t *Tabulation) Allocations(g, r int) []Allocation {
	if r < 1 || r > len(t.allocCur) || g < 0 || g >= len(t.allocCur[r-1]) {
		return nil
	}
	out := []Allocation{}
	for _, k := range t.allocKept[g] {
		if k.from <= r {
			out = append(out, Allocation{Candidate: k.winner, Value: k.value})
		}
	}
	if c := t.allocCur[r-1][g]; c >= 0 {
		v := DecimalFromInt(1)
		if vals := t.allocVal[r-1]; vals != nil {
			v = vals[g]
		}
		out = append(out, Allocation{Candidate: int(c), Value: v})
	}
	return out
}

// Tie records one broken tie.
type Tie struct {
	Round   int
	Tied    []int
	Chosen  int
	Winning bool // choosing a winner, not a loser
	// How names the method: "random", "previous round counts", etc.
	How string
}

// Result is the outcome of a ranked-choice contest: one Tabulation, or one
// per pass for multi-pass IRV.
type Result struct {
	Tabulations []*Tabulation
	// Winners of the whole contest, in order of election.
	Winners []int
}

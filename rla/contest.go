package rla

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ErrInvalid is wrapped by every error about an audit description that
// cannot be audited as given (a bad tally, a risk limit out of range, an
// inconsistent sample). Callers branch on it with errors.Is to tell bad
// input from internal failures.
var ErrInvalid = errors.New("invalid audit input")

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// CandidateVotes is one line of a reported tally.
type CandidateVotes struct {
	Name  string
	Votes int
}

// Contest is the reported result of one contest, as the audit math needs
// it.
type Contest struct {
	// Ballots is the number of ballots cast in the contest (Arlo's
	// contest "ballots", Colorado's manifest ballot count for the
	// contest's counties). It is the denominator of the diluted margin.
	Ballots int
	// Tally lists every candidate's reported votes. Its order matters
	// only to break ties between equal vote counts, which keep this order
	// (Arlo sorts candidates by votes with a stable sort).
	Tally []CandidateVotes
	// Winners is the number of reported winners; zero means one.
	Winners int
	// VotesAllowed is how many candidates a voter may mark; zero means
	// one.
	VotesAllowed int
}

// Validate reports the first problem that makes c impossible to audit.
func (c *Contest) Validate() error {
	if c.Ballots <= 0 {
		return invalidf("ballots is %d; it must be the (positive) number of ballots cast in the contest", c.Ballots)
	}
	if len(c.Tally) < 2 {
		return invalidf("tally has %d candidate(s); an audit needs at least one winner and one loser", len(c.Tally))
	}
	w := c.numWinners()
	if w < 1 || w >= len(c.Tally) {
		return invalidf("winners is %d; it must be between 1 and %d (one less than the number of candidates)", w, len(c.Tally)-1)
	}
	va := c.votesAllowed()
	if va < 1 {
		return invalidf("votes_allowed is %d; it must be at least 1", va)
	}
	seen := make(map[string]bool, len(c.Tally))
	total := 0
	for _, cv := range c.Tally {
		if cv.Name == "" {
			return invalidf("tally has a candidate with an empty name")
		}
		if seen[cv.Name] {
			return invalidf("tally lists candidate %q twice", cv.Name)
		}
		seen[cv.Name] = true
		if cv.Votes < 0 {
			return invalidf("tally: candidate %q has %d votes; votes cannot be negative", cv.Name, cv.Votes)
		}
		if cv.Votes > math.MaxInt32*int(va) {
			return invalidf("tally: candidate %q has %d votes, more than any contest can have", cv.Name, cv.Votes)
		}
		total += cv.Votes
	}
	if c.Ballots > math.MaxInt32 {
		return invalidf("ballots is %d, more than any contest can have", c.Ballots)
	}
	if total > c.Ballots*va {
		return invalidf("tally has %d votes but %d ballots allow at most %d (ballots × votes_allowed); check the tally and the ballot count", total, c.Ballots, c.Ballots*va)
	}
	return nil
}

func (c *Contest) numWinners() int {
	if c.Winners == 0 {
		return 1
	}
	return c.Winners
}

func (c *Contest) votesAllowed() int {
	if c.VotesAllowed == 0 {
		return 1
	}
	return c.VotesAllowed
}

// Outcome returns the indices into c.Tally of the reported winners and
// losers, each in decreasing order of votes. Equal vote counts keep tally
// order, as Arlo's stable sort does, so a tie for the last winning place
// makes the earlier-listed candidate a winner (and the contest a tie, which
// every method sends to a full hand count).
func (c *Contest) Outcome() (winners, losers []int) {
	idx := make([]int, len(c.Tally))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return c.Tally[idx[a]].Votes > c.Tally[idx[b]].Votes })
	w := c.numWinners()
	return idx[:w], idx[w:]
}

// pair is one (winner, loser) comparison, as indices into the tally.
type pair struct{ w, l int }

// pairs lists every (winner, loser) pair: winners in outcome order, and for
// each winner the losers in outcome order (Arlo's iteration order).
func (c *Contest) pairs() []pair {
	ws, ls := c.Outcome()
	ps := make([]pair, 0, len(ws)*len(ls))
	for _, w := range ws {
		for _, l := range ls {
			ps = append(ps, pair{w, l})
		}
	}
	return ps
}

// MinMargin is the smallest reported margin in votes between a winner and
// a loser: the lowest winner's votes less the highest loser's. Zero means a
// tie.
func (c *Contest) MinMargin() int {
	ws, ls := c.Outcome()
	return c.Tally[ws[len(ws)-1]].Votes - c.Tally[ls[0]].Votes
}

// DilutedMargin is MinMargin divided by the ballot count: Arlo's
// contest.diluted_margin and Colorado's μ.
func (c *Contest) DilutedMargin() float64 {
	return float64(c.MinMargin()) / float64(c.Ballots)
}

// index returns the tally index of the candidate called name.
func (c *Contest) index(name string) (int, bool) {
	for i, cv := range c.Tally {
		if cv.Name == name {
			return i, true
		}
	}
	return -1, false
}

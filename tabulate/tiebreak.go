package tabulate

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/canvass/canvass/internal/java"
)

// decisionQueue hands out the caller's answers to "ask" tie-breaks in order.
type decisionQueue struct {
	list []string
	next int
}

// TieDecisionError is returned when a tie-break mode that asks (RCTab's
// stopCountingAndAsk and previousRoundCountsThenAsk) meets a tie and no
// decision was supplied for it, or the supplied one names a candidate who is
// not in the tie.
type TieDecisionError struct {
	Round int
	// Pass is the multi-pass IRV pass, or 0.
	Pass int
	// Tied are the names of the tied candidates, sorted.
	Tied []string
	// Winning is set when the tie is for electing, not eliminating.
	Winning bool
	// Given is the decision that was supplied but is not one of Tied.
	Given string
	// Index is the position (1-based) of this decision in the list.
	Index int
}

// Error says which tie needs a decision and how to give it.
func (e *TieDecisionError) Error() string {
	what := "eliminate"
	if e.Winning {
		what = "elect"
	}
	where := fmt.Sprintf("round %d", e.Round)
	if e.Pass > 0 {
		where = fmt.Sprintf("pass %d, round %d", e.Pass, e.Round)
	}
	quoted := make([]string, len(e.Tied))
	for i, n := range e.Tied {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	if e.Given != "" {
		return fmt.Sprintf("%s: tie-break decision %d is %q, but the tie to %s is between %s; supply one of those names",
			where, e.Index, e.Given, what, strings.Join(quoted, ", "))
	}
	return fmt.Sprintf("%s: tie between %s; the tiebreak mode asks which one to %s: supply the name as tie-break decision %d and run again",
		where, strings.Join(quoted, ", "), what, e.Index)
}

// breakTie chooses one of tied (candidate indices, at least two): the winner
// when winning, else the loser.
func (c *counter) breakTie(r int, tied []int, winning bool) (int, error) {
	var chosen int
	how := c.rules.Tiebreak.String()
	var err error
	switch c.rules.Tiebreak {
	case TiebreakUseCandidateOrder:
		chosen = extremeBy(c.declaredOnly(tied), func(x int) int { return x }, winning)
	case TiebreakGeneratePermutation:
		chosen = extremeBy(c.declaredOnly(tied), func(x int) int { return c.permutation[x] }, winning)
	case TiebreakRandom:
		names := c.sortedNames(tied)
		chosen = c.drawRandom(tied, names)
	case TiebreakStopCountingAndAsk:
		chosen, err = c.ask(r, tied, winning)
	case TiebreakPreviousRoundCountsThenRandom, TiebreakPreviousRoundCountsThenAsk:
		chosen, how, err = c.previousRounds(r, tied, winning)
	default:
		err = fmt.Errorf("tabulate: unknown tiebreak mode %d", int(c.rules.Tiebreak))
	}
	if err != nil {
		return 0, err
	}
	c.t.Ties = append(c.t.Ties, Tie{Round: r, Tied: slices.Clone(tied), Chosen: chosen, Winning: winning, How: how})
	return chosen, nil
}

// declaredOnly leaves the undeclared write-in out of a tie: RCTab's
// candidate-order and permutation tie-breaks search the list of declared
// candidates, which never holds it, so they never pick it (source notes T2;
// RCTab Tiebreak.doPermutationSelection). A tie has at least two
// candidates, so one is always left.
func (c *counter) declaredOnly(tied []int) []int {
	if c.uwi < 0 || !slices.Contains(tied, c.uwi) {
		return tied
	}
	return slices.DeleteFunc(slices.Clone(tied), func(x int) bool { return x == c.uwi })
}

// extremeBy returns the element of xs with the smallest key when first is
// set, else the largest.
func extremeBy(xs []int, key func(int) int, first bool) int {
	best := xs[0]
	for _, x := range xs[1:] {
		if first && key(x) < key(best) || !first && key(x) > key(best) {
			best = x
		}
	}
	return best
}

// sortedNames returns the candidates' names in Java's natural order, which
// is the list RCTab's random tie-break draws from.
func (c *counter) sortedNames(xs []int) []string {
	names := make([]string, len(xs))
	for i, x := range xs {
		names[i] = c.in.Candidates[x].Name
	}
	slices.SortFunc(names, java.Compare)
	return names
}

// drawRandom picks names[floor(nextDouble() × n)], as RCTab does.
func (c *counter) drawRandom(xs []int, names []string) int {
	i := int(math.Floor(c.rng.NextDouble() * float64(len(names))))
	return c.byName(xs, names[i])
}

func (c *counter) byName(xs []int, name string) int {
	for _, x := range xs {
		if c.in.Candidates[x].Name == name {
			return x
		}
	}
	panic("tabulate: tie-break chose a candidate outside the tie")
}

func (c *counter) ask(r int, tied []int, winning bool) (int, error) {
	q := c.decisions
	e := &TieDecisionError{Round: r, Pass: c.t.Pass, Tied: c.sortedNames(tied), Winning: winning, Index: q.next + 1}
	if q.next >= len(q.list) {
		return 0, e
	}
	name := q.list[q.next]
	for _, x := range tied {
		if c.in.Candidates[x].Name == name {
			q.next++
			return x, nil
		}
	}
	e.Given = name
	return 0, e
}

// previousRounds breaks a tie by the tied candidates' tallies in earlier
// rounds, latest first: the candidate with the fewest (when eliminating) or
// most (when electing) votes in the latest round that separates them is
// chosen. If no earlier round separates them, the tie goes to a random draw
// or to the caller.
//
// RCTab keeps the candidates still in contention in a java.util.HashSet,
// and from round 2 on its random fallback draws from that set's iteration
// order rather than from a sorted list; canvass reproduces the order so the
// draw matches. A tie in round 1 has no earlier round, and RCTab draws from
// the tied names sorted (source notes T3; RCTab Tiebreak constructor and
// Tiebreak.doPreviousRounds).
func (c *counter) previousRounds(r int, tied []int, winning bool) (int, string, error) {
	if r == 1 {
		if c.rules.Tiebreak == TiebreakPreviousRoundCountsThenAsk {
			x, err := c.ask(r, tied, winning)
			return x, "stopCountingAndAsk", err
		}
		return c.drawRandom(tied, c.sortedNames(tied)), "random", nil
	}
	contention := c.hashSetOrder(tied)
	for rr := r - 1; rr >= 1; rr-- {
		tally := c.t.Rounds[rr-1].Tally
		best := tally[contention[0]]
		for _, x := range contention[1:] {
			if cmp := tally[x].Cmp(best); winning && cmp > 0 || !winning && cmp < 0 {
				best = tally[x]
			}
		}
		var keep []int
		for _, x := range contention {
			if tally[x].Cmp(best) == 0 {
				keep = append(keep, x)
			}
		}
		if len(keep) == 1 {
			return keep[0], "previous round counts", nil
		}
		contention = c.hashSetOrder(keep)
	}
	if c.rules.Tiebreak == TiebreakPreviousRoundCountsThenAsk {
		x, err := c.ask(r, contention, winning)
		return x, "stopCountingAndAsk", err
	}
	names := make([]string, len(contention))
	for i, x := range contention {
		names[i] = c.in.Candidates[x].Name
	}
	return c.drawRandom(contention, names), "random", nil
}

// hashSetOrder returns xs in the iteration order of a Java HashSet built
// from the candidates' names in the given order.
func (c *counter) hashSetOrder(xs []int) []int {
	names := make([]string, len(xs))
	for i, x := range xs {
		names[i] = c.in.Candidates[x].Name
	}
	ordered := java.HashOrder(names, java.HashSetCapacity(len(names)))
	out := make([]int, len(ordered))
	for i, n := range ordered {
		out[i] = c.byName(xs, n)
	}
	return out
}

package raire

import (
	"fmt"
	"slices"
	"strings"
)

// Kind distinguishes the two assertion types.
type Kind string

// The assertion kinds, spelled as raire-rs's "type" tag spells them.
const (
	NEB Kind = "NEB" // not eliminated before
	NEN Kind = "NEN" // not eliminated next
)

// Assertion is one claim about the votes. For NEB, Continuing is nil.
type Assertion struct {
	Kind   Kind
	Winner int
	Loser  int
	// Continuing is the set of continuing candidates of an NEN assertion,
	// in increasing order; it contains Winner and Loser.
	Continuing []int
}

// String renders the assertion with candidate indices, e.g.
// "NEN 2>0 {0,2}".
func (a Assertion) String() string { return a.format(nil) }

func (a Assertion) format(names []string) string {
	name := func(c int) string {
		if c >= 0 && c < len(names) && names[c] != "" {
			return names[c]
		}
		return fmt.Sprint(c)
	}
	if a.Kind == NEB {
		return fmt.Sprintf("NEB %s>%s", name(a.Winner), name(a.Loser))
	}
	cs := make([]string, len(a.Continuing))
	for i, c := range a.Continuing {
		cs[i] = name(c)
	}
	return fmt.Sprintf("NEN %s>%s {%s}", name(a.Winner), name(a.Loser), strings.Join(cs, ","))
}

// Equal reports whether a and b make the same claim.
func (a Assertion) Equal(b Assertion) bool {
	return a.Kind == b.Kind && a.Winner == b.Winner && a.Loser == b.Loser && slices.Equal(a.Continuing, b.Continuing)
}

// compare orders assertions for output: NEBs first, by winner then loser;
// then NENs by the size of the continuing set, winner, loser, and the set
// itself. The order puts the claims a reader checks first (whole-contest
// comparisons, then the last rounds) at the top.
func (a Assertion) compare(b Assertion) int {
	if a.Kind != b.Kind {
		if a.Kind == NEB {
			return -1
		}
		return 1
	}
	if a.Kind == NEN {
		if c := len(a.Continuing) - len(b.Continuing); c != 0 {
			return c
		}
	}
	if c := a.Winner - b.Winner; c != 0 {
		return c
	}
	if c := a.Loser - b.Loser; c != 0 {
		return c
	}
	return slices.Compare(a.Continuing, b.Continuing)
}

// valid checks the assertion's shape against n candidates.
func (a Assertion) valid(n int) error {
	if a.Kind != NEB && a.Kind != NEN {
		return fmt.Errorf("type %q is neither NEB nor NEN", a.Kind)
	}
	if a.Winner < 0 || a.Winner >= n || a.Loser < 0 || a.Loser >= n {
		return fmt.Errorf("%v: candidate index out of range 0..%d", a, n-1)
	}
	if a.Winner == a.Loser {
		return fmt.Errorf("%v: winner and loser are the same candidate", a)
	}
	if a.Kind == NEB {
		if a.Continuing != nil {
			return fmt.Errorf("%v: an NEB assertion has no continuing set", a)
		}
		return nil
	}
	for i, c := range a.Continuing {
		if c < 0 || c >= n {
			return fmt.Errorf("%v: continuing candidate %d out of range 0..%d", a, c, n-1)
		}
		if i > 0 && c <= a.Continuing[i-1] {
			return fmt.Errorf("%v: continuing set must list distinct candidates in increasing order", a)
		}
	}
	s := setOf(a.Continuing)
	if !s.has(a.Winner) || !s.has(a.Loser) {
		return fmt.Errorf("%v: the continuing set must contain the winner and the loser", a)
	}
	return nil
}

// effect is what an assertion says about the elimination orders that end
// with a given suffix.
type effect int8

const (
	// consistent: every order with this suffix satisfies the assertion.
	consistent effect = iota
	// contradicts: no order with this suffix satisfies it.
	contradicts
	// undecided: it depends on how the suffix is extended.
	undecided
)

// on returns the assertion's effect on the elimination orders ending in
// suffix (suffix[0] eliminated first among them, the last element the
// winner; candidates not in suffix were eliminated earlier).
func (a Assertion) on(suffix []int) effect {
	if a.Kind == NEB {
		// Whichever of the two lasts longer decides it.
		for i := len(suffix) - 1; i >= 0; i-- {
			switch suffix[i] {
			case a.Winner:
				return consistent
			case a.Loser:
				return contradicts
			}
		}
		return undecided
	}
	k := len(a.Continuing)
	if len(suffix) >= k {
		tail := suffix[len(suffix)-k:]
		for _, c := range tail {
			if !slices.Contains(a.Continuing, c) {
				return consistent // S is never exactly the continuing set
			}
		}
		if tail[0] == a.Winner {
			return contradicts
		}
		return consistent
	}
	for _, c := range suffix {
		if c == a.Winner || !slices.Contains(a.Continuing, c) {
			return consistent
		}
	}
	return undecided
}

// holdsFor reports whether a full elimination order (last element the
// winner) satisfies the assertion. It is the definition, written
// independently of on so that tests can cross-check the two.
func (a Assertion) holdsFor(order []int) bool {
	pos := make(map[int]int, len(order))
	for i, c := range order {
		pos[c] = i
	}
	if a.Kind == NEB {
		return pos[a.Winner] > pos[a.Loser]
	}
	k := len(a.Continuing)
	i := len(order) - k
	if !slices.Equal(setOf(order[i:]).members(), a.Continuing) {
		return true
	}
	return order[i] != a.Winner
}

// tallies returns the assertion's winner and loser tallies over the votes
// in t: for NEB, the winner's first preferences against the ballots ranking
// the loser above the winner (or the loser without the winner); for NEN,
// the two tallies with exactly the continuing set standing.
func (a Assertion) tallies(ts *tallies) (w, l int64) {
	if a.Kind == NEB {
		return ts.t.firstPrefs(a.Winner), ts.t.rankedAbove(a.Loser, a.Winner)
	}
	r := ts.of(setOf(a.Continuing))
	return r[a.Winner], r[a.Loser]
}

// Scored is an assertion with its margin and difficulty, the element of
// raire-rs's "assertions" array.
type Scored struct {
	Assertion Assertion
	// Difficulty is the audit measure of the assertion.
	Difficulty float64
	// Margin is the winner's tally minus the loser's, in ballots.
	Margin int64
}

package raire

import (
	"context"
	"errors"
	"fmt"
)

// Check verifies an assertion set independently of how it was produced:
// every assertion is well formed and true of the votes in p (its winner's
// tally exceeds its loser's), and together they rule out every elimination
// order in which a candidate other than winner wins, while leaving at least
// one order in which winner wins. A nil error means an audit that confirms
// every assertion confirms winner.
func Check(p *Problem, winner int, as []Assertion) error {
	if err := p.Validate(); err != nil {
		return err
	}
	n := p.NumCandidates
	if winner < 0 || winner >= n {
		return fmt.Errorf("winner %d is not a candidate index in 0..%d", winner, n-1)
	}
	ts := newTallies(newTrie(p.Votes), n)
	for i, a := range as {
		if err := a.valid(n); err != nil {
			return fmt.Errorf("assertion %d: %w", i, err)
		}
		if w, l := a.tallies(ts); w <= l {
			return fmt.Errorf("assertion %d (%s) is false: winner tally %d, loser tally %d", i, a.format(p.Candidates), w, l)
		}
	}
	if err := checkExcludes(as, winner, n); err != nil {
		var ce *coverError
		if errors.As(err, &ce) {
			if ce.winner {
				return fmt.Errorf("the assertions rule out every elimination order in which %s wins, so they contradict each other", p.name(ce.candidate))
			}
			return fmt.Errorf("the assertions do not rule out every elimination order in which %s wins; an audit of them would not confirm %s", p.name(ce.candidate), p.name(winner))
		}
		return err
	}
	return nil
}

// coverError says which candidate's elimination orders the assertions get
// wrong: all of the winner's ruled out, or not all of another's.
type coverError struct {
	candidate int
	winner    bool
}

func (e *coverError) Error() string {
	if e.winner {
		return fmt.Sprintf("the assertions rule out every elimination order in which %d wins", e.candidate)
	}
	return fmt.Sprintf("the assertions do not rule out every elimination order in which %d wins", e.candidate)
}

// checkExcludes checks the logical part of Check: the assertions exclude
// every winner but winner.
func checkExcludes(as []Assertion, winner, n int) error {
	e := newExpander(context.Background(), as, n, false)
	relevant := make([]int32, len(as))
	for i := range relevant {
		relevant[i] = int32(i)
	}
	for c := range n {
		_, valid, err := e.root(c, relevant)
		if err != nil {
			return err
		}
		if c == winner && !valid {
			return &coverError{candidate: c, winner: true}
		}
		if c != winner && valid {
			return &coverError{candidate: c}
		}
	}
	return nil
}

// Evaluate recomputes each assertion's margin and difficulty from the votes
// of p, so that assertions produced elsewhere (raire-rs, raire-java) can be
// compared with what the votes support.
func (p *Problem) Evaluate(as []Assertion) ([]Scored, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	ts := newTallies(newTrie(p.Votes), p.NumCandidates)
	out := make([]Scored, len(as))
	for i, a := range as {
		if err := a.valid(p.NumCandidates); err != nil {
			return nil, fmt.Errorf("assertion %d: %w", i, err)
		}
		w, l := a.tallies(ts)
		out[i] = Scored{Assertion: a, Margin: w - l, Difficulty: p.Audit.Difficulty(w, l)}
	}
	return out, nil
}

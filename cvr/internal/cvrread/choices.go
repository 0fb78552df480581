package cvrread

import (
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// Choices maps the tokens of one contest (candidate names, IDs and aliases)
// to its choices, for readers of formats that name candidates by text (ES&S,
// generic CSV, Clear Ballot).
//
// It keeps its own map rather than calling election.Contest.Lookup so that
// matching is exact, as in RCTab: Lookup also ignores surrounding Unicode
// space, which RCTab's Java trim() does not (see JavaTrim).
type Choices struct {
	c        *election.Contest
	declared bool // the source declares the candidates: an unknown token is an error
	byToken  map[string]choiceToken
}

// choiceToken is the candidate a token names and which of its identifiers
// the token is (election.Mark.Token).
type choiceToken struct {
	ch  election.Choice
	tok int32
}

// NewChoices indexes the candidates c already has. declared says whether the
// source declares its candidates (cvr.Source.Candidates is not nil); if it
// does not, Lookup adds each unseen token as a new candidate.
func NewChoices(c *election.Contest, declared bool) *Choices {
	// A Contest assembled as a literal has no index yet, and AddCandidate
	// would start an empty one that misses the literal's candidates;
	// Lookup builds the full index first.
	c.Lookup("")
	ch := &Choices{c: c, declared: declared, byToken: make(map[string]choiceToken)}
	for i := range c.Candidates {
		ch.index(election.Choice(i))
	}
	return ch
}

// index maps the name, ID and aliases of candidate i to it, keeping an
// earlier candidate's claim to a token.
func (ch *Choices) index(i election.Choice) {
	cand := &ch.c.Candidates[i]
	for _, k := range append([]string{cand.Name, cand.ID}, cand.Aliases...) {
		if _, dup := ch.byToken[k]; k != "" && !dup {
			ch.byToken[k] = choiceToken{i, cand.Token(k)}
		}
	}
}

// Lookup returns the candidate that token names exactly, and whether there
// is one. When the source declares no candidates, an unseen token becomes a
// new candidate of that name; the error is the contest's refusal to add it.
func (ch *Choices) Lookup(token string) (election.Choice, bool, error) {
	i, _, ok, err := ch.LookupToken(token)
	return i, ok, err
}

// LookupToken is Lookup that also returns which of the candidate's
// identifiers token is (election.Mark.Token), for readers in RCTab mode.
func (ch *Choices) LookupToken(token string) (election.Choice, int32, bool, error) {
	if ct, ok := ch.byToken[token]; ok {
		return ct.ch, ct.tok, true, nil
	}
	if ch.declared {
		return 0, 0, false, nil
	}
	i, err := ch.c.AddCandidate(election.Candidate{Name: token})
	if err != nil {
		return 0, 0, false, err
	}
	ch.index(i)
	return i, 0, true, nil
}

// WriteIn returns the undeclared write-in pseudo-candidate, adding it to the
// contest (see election.Contest.WriteIn) if it is not there yet.
func (ch *Choices) WriteIn() election.Choice {
	n := len(ch.c.Candidates)
	i := ch.c.WriteIn()
	if len(ch.c.Candidates) > n {
		ch.index(i)
	}
	return i
}

// DeclareCandidates adds cands, a source's declared candidates, to c when c
// has none: c is then a contest the caller put in the election beforehand
// only to fix its ID or Ranks, which ContestFor returns as it is. A contest
// that already has candidates is left alone.
func DeclareCandidates(c *election.Contest, cands []election.Candidate) error {
	if len(c.Candidates) > 0 {
		return nil
	}
	for _, cand := range cands {
		if _, err := c.AddCandidate(cand); err != nil {
			return err
		}
	}
	return nil
}

// ContestFor returns the contest src selects in e, creating it with the
// declared candidates when src.Candidates is set and it is not there yet.
// Readers of single-contest formats call it to get the contest they fill.
func ContestFor(src cvr.Source, e *election.Election, id, name string) (*election.Contest, int32, error) {
	if c, i, ok := e.Contest(id); ok {
		return c, int32(i), nil
	}
	c := &election.Contest{ID: id, Name: name}
	for _, cand := range src.Candidates {
		if _, err := c.AddCandidate(cand); err != nil {
			return nil, 0, err
		}
	}
	e.Contests = append(e.Contests, c)
	return c, int32(len(e.Contests) - 1), nil
}

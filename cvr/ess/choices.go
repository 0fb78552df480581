package ess

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/canvass/canvass/election"
)

// choices maps the tokens of one contest (names, IDs, aliases) to
// candidates. It keeps its own map rather than calling Contest.Lookup so
// that matching is exact, as in RCTab: Lookup also ignores surrounding
// Unicode space, which RCTab's Java trim() does not.
type choices struct {
	c        *election.Contest
	declared bool // src.Candidates != nil: an unknown token is an error
	byToken  map[string]election.Choice
}

func newChoices(c *election.Contest, declared bool) *choices {
	// A Contest assembled as a literal has no index yet, and AddCandidate
	// would start an empty one that misses the literal's candidates;
	// Lookup builds the full index first.
	c.Lookup("")
	ch := &choices{c: c, declared: declared, byToken: make(map[string]election.Choice)}
	for i := range c.Candidates {
		ch.index(election.Choice(i))
	}
	return ch
}

func (ch *choices) index(i election.Choice) {
	cand := &ch.c.Candidates[i]
	for _, k := range append([]string{cand.Name, cand.ID}, cand.Aliases...) {
		if _, dup := ch.byToken[k]; k != "" && !dup {
			ch.byToken[k] = i
		}
	}
}

// lookup returns the candidate token names. When the source declares no
// candidates, an unseen token becomes a new candidate.
func (ch *choices) lookup(token string) (election.Choice, bool, error) {
	if i, ok := ch.byToken[token]; ok {
		return i, true, nil
	}
	if ch.declared {
		return 0, false, nil
	}
	i, err := ch.c.AddCandidate(election.Candidate{Name: token})
	if err != nil {
		return 0, false, err
	}
	ch.index(i)
	return i, true, nil
}

// writeIn returns the undeclared write-in pseudo-candidate.
func (ch *choices) writeIn() election.Choice {
	n := len(ch.c.Candidates)
	i := ch.c.WriteIn()
	if len(ch.c.Candidates) > n {
		ch.index(i)
	}
	return i
}

// declare adds the source's declared candidates to a contest that has
// none: one a caller put in the election beforehand only to fix its ID or
// Ranks, which cvr.ContestFor leaves as it is.
func declare(c *election.Contest, cands []election.Candidate) error {
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

// snapshot remembers what a reader may change in an Election so that a
// failed read can leave it as it was.
type snapshot struct {
	e        *election.Election
	contests int
	c        *election.Contest
	at       int
	cands    int
	ranks    int
}

func takeSnapshot(e *election.Election) snapshot {
	return snapshot{e: e, contests: len(e.Contests)}
}

// contest records the state of the contest the reader is about to fill.
func (s *snapshot) contest(c *election.Contest, at int) {
	s.c, s.at, s.cands, s.ranks = c, at, len(c.Candidates), c.Ranks
}

// restore undoes the reader's changes: a contest it created is removed, and
// a contest that existed gets back its former candidate list (as a fresh
// Contest, because candidates cannot be removed from one).
func (s snapshot) restore() {
	if len(s.e.Contests) > s.contests {
		clear(s.e.Contests[s.contests:])
		s.e.Contests = s.e.Contests[:s.contests]
	}
	if s.c == nil || s.at >= s.contests {
		return
	}
	if len(s.c.Candidates) == s.cands && s.c.Ranks == s.ranks {
		return
	}
	old := &election.Contest{ID: s.c.ID, Name: s.c.Name, VoteFor: s.c.VoteFor, Ranks: s.ranks}
	for _, cand := range s.c.Candidates[:s.cands] {
		if _, err := old.AddCandidate(cand); err != nil {
			// Only possible if the original already held a clash;
			// keep the candidate so Choices stay aligned.
			old.Candidates = append(old.Candidates, cand)
		}
	}
	s.e.Contests[s.at] = old
}

// trim removes leading and trailing bytes <= ' ' (ASCII space and control
// characters), exactly as Java's String.trim does in RCTab.
func trim(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

// quote quotes s for an error message, shortened so that a huge cell does
// not flood the message.
func quote(s string) string {
	const show = 80
	if len(s) <= show {
		return strconv.Quote(s)
	}
	cut := show
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("… (%d bytes)", len(s))
}

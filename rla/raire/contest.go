package raire

import (
	"fmt"
	"strings"

	"github.com/canvass/canvass/election"
)

// OvervoteRule says what a rank marked for several candidates means when a
// CVR's marks are turned into a preference list.
type OvervoteRule int

const (
	// ExhaustAtOvervote ends the ballot's ranking at the first overvoted
	// rank, as Colorado's IRV rules (and colorado-rla's ballot
	// interpretation) do: later ranks are ignored.
	ExhaustAtOvervote OvervoteRule = iota
	// SkipOvervote ignores the overvoted rank and continues with the next.
	SkipOvervote
)

// Ranking turns one CVR's marks in a ranked contest into the preference
// list IRV counts, by these rules in this order, rank by rank from rank 1:
//
//   - marks for Excluded candidates are ignored, as if blank;
//   - a rank with no remaining mark is skipped (the next rank moves up);
//   - a rank with two or more distinct candidates, or the Overvote marker,
//     is an overvote, handled per rule;
//   - a candidate already ranked higher is skipped (a duplicate ranking
//     keeps its highest position).
//
// marks must be sorted by rank, as election.ContestMarks promises.
func Ranking(c *election.Contest, marks []election.Mark, rule OvervoteRule) []int {
	prefs := make([]int, 0, len(marks))
	var seen set
	for i := 0; i < len(marks); {
		rank := marks[i].Rank
		choice, count, over := -1, 0, false
		for ; i < len(marks) && marks[i].Rank == rank; i++ {
			ch := marks[i].Choice
			switch {
			case ch == election.Overvote:
				over = true
			case ch < 0 || int(ch) >= len(c.Candidates) || c.Candidates[ch].Excluded:
			case int(ch) != choice:
				choice = int(ch)
				count++
			}
		}
		if over || count > 1 {
			if rule == ExhaustAtOvervote {
				break
			}
			continue
		}
		if count == 0 || seen.has(choice) {
			continue
		}
		seen |= 1 << uint(choice)
		prefs = append(prefs, choice)
	}
	return prefs
}

// Builder collects the ballots of one ranked contest from election CVRs
// into a RAIRE problem, grouping identical preference lists. Feed it every
// CVR (for instance from a cvr.Reader's handler); CVRs that do not include
// the contest are not counted.
type Builder struct {
	contest *election.Contest
	index   int
	rule    OvervoteRule
	votes   []Vote
	groups  map[string]int
	ballots int64
	key     []byte
}

// NewBuilder starts a problem for the contest at index in the election's
// contest list. It fails for a contest that is not ranked or has more than
// MaxCandidates candidates.
func NewBuilder(e *election.Election, index int, rule OvervoteRule) (*Builder, error) {
	if index < 0 || index >= len(e.Contests) {
		return nil, fmt.Errorf("contest index %d: the election has %d contests", index, len(e.Contests))
	}
	c := e.Contests[index]
	if !c.Ranked() {
		return nil, fmt.Errorf("contest %q is not ranked (%d ranks); RAIRE audits instant-runoff contests only", c.Name, c.Ranks)
	}
	if len(c.Candidates) > MaxCandidates {
		return nil, fmt.Errorf("contest %q has %d candidates; at most %d are supported", c.Name, len(c.Candidates), MaxCandidates)
	}
	return &Builder{contest: c, index: index, rule: rule, groups: make(map[string]int)}, nil
}

// Add counts one CVR. It reports whether the CVR includes the contest.
func (b *Builder) Add(rec *election.CVR) bool {
	marks, ok := rec.Marks(b.index)
	if !ok {
		return false
	}
	b.ballots++
	prefs := Ranking(b.contest, marks, b.rule)
	b.key = b.key[:0]
	for _, c := range prefs {
		b.key = append(b.key, byte(c))
	}
	if g, ok := b.groups[string(b.key)]; ok {
		b.votes[g].N++
		return true
	}
	b.groups[string(b.key)] = len(b.votes)
	b.votes = append(b.votes, Vote{N: 1, Prefs: prefs})
	return true
}

// Ballots returns the number of CVRs counted so far.
func (b *Builder) Ballots() int64 { return b.ballots }

// Problem returns the RAIRE problem for the ballots added so far, with the
// candidates' names and the given audit. A zero audit.TotalAuditableBallots
// is replaced by the number of ballots added; set it higher when the audit
// samples from a larger universe (for instance all ballot cards of a county
// where the contest appears on only some). Excluded candidates remain in
// the problem (they receive no votes), so candidate indices equal the
// contest's Choice values.
func (b *Builder) Problem(audit Audit) *Problem {
	if audit.TotalAuditableBallots == 0 {
		audit.TotalAuditableBallots = b.ballots
	}
	names := make([]string, len(b.contest.Candidates))
	for i, c := range b.contest.Candidates {
		names[i] = strings.TrimSpace(c.Name)
	}
	votes := make([]Vote, len(b.votes))
	copy(votes, b.votes)
	return &Problem{NumCandidates: len(b.contest.Candidates), Candidates: names, Votes: votes, Winner: -1, Audit: audit}
}

package tabulate

import (
	"fmt"
	"slices"

	"github.com/canvass/canvass/election"
)

// Method says how an unranked contest is counted.
type Method int

const (
	// Plurality is "vote for N": each ballot may mark up to VoteFor
	// candidates (1 for a classic plurality contest); a ballot marking
	// more is an overvote and counts for nobody.
	Plurality Method = iota
	// Approval lets each ballot mark any number of candidates, each mark
	// counting one vote.
	Approval
)

// String returns the method's name.
func (m Method) String() string {
	if m == Approval {
		return "approval"
	}
	return "plurality"
}

// Tally counts an unranked contest (plurality, vote-for-N or approval) one
// ballot at a time. It works for contests read from any CVR format; the
// zero value is not usable, use NewTally.
type Tally struct {
	Candidates []election.Candidate
	Method     Method
	// VoteFor is the most marks a plurality ballot may have.
	VoteFor int

	// Votes[c] is candidate c's vote count.
	Votes []int64
	// Ballots is the number of ballots added.
	Ballots int64
	// BlankBallots had no marks in the contest.
	BlankBallots int64
	// OvervotedBallots marked more than VoteFor candidates (or carried an
	// overvote mark); they count for nobody.
	OvervotedBallots int64
	// Overvotes are the votes lost to overvoting: VoteFor per overvoted
	// ballot, as results reports count them.
	Overvotes int64
	// Undervotes are the votes left unused by ballots marking fewer than
	// VoteFor candidates (blank ballots included).
	Undervotes int64

	seen []bool
}

// NewTally starts a count. voteFor must be at least 1 for Plurality; it is
// ignored for Approval.
func NewTally(candidates []election.Candidate, method Method, voteFor int) (*Tally, error) {
	if method != Plurality && method != Approval {
		return nil, fmt.Errorf("tabulate: unknown counting method %d", int(method))
	}
	if method == Plurality && voteFor < 1 {
		return nil, fmt.Errorf("tabulate: a plurality contest needs voteFor of 1 or more, not %d", voteFor)
	}
	return &Tally{
		Candidates: candidates,
		Method:     method,
		VoteFor:    voteFor,
		Votes:      make([]int64, len(candidates)),
		seen:       make([]bool, len(candidates)),
	}, nil
}

// Add counts one ballot's marks in the contest. Ranks are ignored; a
// candidate marked twice counts once; marks for excluded candidates are
// ignored as if blank.
func (t *Tally) Add(marks []election.Mark) error { return t.AddCount(marks, 1) }

// AddCount counts n ballots that all carry marks, as n calls of Add would:
// CVRs grouped by their markings are counted once per group.
func (t *Tally) AddCount(marks []election.Mark, n int64) error {
	if n < 0 {
		return fmt.Errorf("tabulate: ballot count %d is negative", n)
	}
	for _, m := range marks {
		if m.Choice != election.Overvote && (m.Choice < 0 || int(m.Choice) >= len(t.Candidates)) {
			return fmt.Errorf("tabulate: choice %d is not a candidate of this contest (it has %d)", m.Choice, len(t.Candidates))
		}
	}
	t.Ballots += n
	overvote := false
	var chosen []int
	for _, m := range marks {
		if m.Choice == election.Overvote {
			overvote = true
			continue
		}
		c := int(m.Choice)
		if t.Candidates[c].Excluded || t.seen[c] {
			continue
		}
		t.seen[c] = true
		chosen = append(chosen, c)
	}
	for _, c := range chosen {
		t.seen[c] = false
	}
	if len(chosen) == 0 && !overvote {
		t.BlankBallots += n
	}
	if t.Method == Plurality && (overvote || len(chosen) > t.VoteFor) {
		t.OvervotedBallots += n
		t.Overvotes += n * int64(t.VoteFor)
		return nil
	}
	if t.Method == Plurality && len(chosen) < t.VoteFor {
		t.Undervotes += n * int64(t.VoteFor-len(chosen))
	}
	for _, c := range chosen {
		t.Votes[c] += n
	}
	return nil
}

// TallyResult is the outcome of an unranked count.
type TallyResult struct {
	// Order lists the candidates by votes, most first; equal counts keep
	// candidate order. Excluded candidates and the write-in pseudo-candidate
	// are included (they hold votes) but never win.
	Order []int
	// Winners are the candidates elected outright.
	Winners []int
	// Tied are the candidates tied for the last seat(s) that remain when
	// the seats cannot be filled without breaking a tie; TiedSeats is how
	// many seats they share. The law, not the software, breaks such ties.
	Tied      []int
	TiedSeats int
}

// Result ranks the candidates and fills seats (VoteFor for plurality; for
// approval pass the number of seats). Undeclared write-ins and excluded
// candidates cannot win.
func (t *Tally) Result(seats int) TallyResult {
	var r TallyResult
	r.Order = make([]int, len(t.Candidates))
	for i := range r.Order {
		r.Order[i] = i
	}
	slices.SortStableFunc(r.Order, func(a, b int) int {
		switch {
		case t.Votes[a] > t.Votes[b]:
			return -1
		case t.Votes[a] < t.Votes[b]:
			return 1
		}
		return 0
	})
	var eligible []int
	for _, c := range r.Order {
		if !t.Candidates[c].Excluded && !t.Candidates[c].WriteIn {
			eligible = append(eligible, c)
		}
	}
	if seats <= 0 {
		return r
	}
	if seats >= len(eligible) {
		r.Winners = eligible
		return r
	}
	// Everyone with more votes than the first loser wins; a tie across the
	// boundary is reported, not broken.
	boundary := t.Votes[eligible[seats-1]]
	next := t.Votes[eligible[seats]]
	for _, c := range eligible {
		v := t.Votes[c]
		switch {
		case v > boundary || v == boundary && boundary != next:
			r.Winners = append(r.Winners, c)
		case v == boundary:
			r.Tied = append(r.Tied, c)
		}
	}
	if len(r.Tied) > 0 {
		r.TiedSeats = seats - len(r.Winners)
	}
	return r
}

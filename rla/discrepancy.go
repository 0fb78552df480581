package rla

import (
	"math"
	"sort"

	"github.com/canvass/canvass/election"
)

// ComparisonOutcome is a contest's reported outcome in terms of the
// election package's CVRs, for computing ballot-level discrepancies between
// a CVR and the audit board's reading of the same paper ballot (the MVR,
// itself an election.CVR).
type ComparisonOutcome struct {
	// Contest is the contest's index in Election.Contests, as in
	// election.ContestMarks.Contest.
	Contest int
	// VoteFor is how many candidates a voter may mark. A ballot with more
	// marks, or with an election.Overvote marker, is read as blank.
	VoteFor int
	// Votes are the reported votes, indexed by election.Choice.
	Votes []int
	// Winners and Losers partition the candidates.
	Winners, Losers []election.Choice
}

// NewComparisonOutcome builds the outcome of contest (an index into
// Election.Contests) from its reported votes, indexed by election.Choice,
// with the given number of winners. Winners are the candidates with the
// most votes; a tie for the last winning place is an error, because no
// comparison audit can confirm a tie: count it by hand.
func NewComparisonOutcome(contest, voteFor int, votes []int, winners int) (*ComparisonOutcome, error) {
	if voteFor < 1 {
		return nil, invalidf("vote-for is %d; it must be at least 1", voteFor)
	}
	if winners < 1 || winners >= len(votes) {
		return nil, invalidf("%d winners among %d candidates; there must be at least one winner and one loser", winners, len(votes))
	}
	idx := make([]int, len(votes))
	for i := range idx {
		if votes[i] < 0 {
			return nil, invalidf("candidate %d has %d votes; votes cannot be negative", i, votes[i])
		}
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return votes[idx[a]] > votes[idx[b]] })
	if votes[idx[winners-1]] == votes[idx[winners]] {
		return nil, invalidf("candidates %d and %d tie for the last winning place with %d votes; a tie must be settled by a full hand count", idx[winners-1], idx[winners], votes[idx[winners]])
	}
	o := &ComparisonOutcome{Contest: contest, VoteFor: voteFor, Votes: append([]int(nil), votes...)}
	for i, ix := range idx {
		if i < winners {
			o.Winners = append(o.Winners, election.Choice(ix))
		} else {
			o.Losers = append(o.Losers, election.Choice(ix))
		}
	}
	return o, nil
}

// marks reads the choices r records in the outcome's contest as a set. A
// record without the contest, an overvote marker, or more marks than
// VoteFor reads as no vote at all: that is how the machine count and the
// audit both treat an overvote, and Arlo treats a contest missing on either
// side as all zeros. Only first-rank marks are read: ranked contests are
// audited through assertions (see KaplanMarkov and ALPHA).
func (o *ComparisonOutcome) marks(r *election.CVR) map[election.Choice]bool {
	ms, ok := r.Marks(o.Contest)
	if !ok {
		return nil
	}
	set := map[election.Choice]bool{}
	for _, m := range ms {
		if m.Rank > 1 {
			continue
		}
		if m.Choice == election.Overvote {
			return nil
		}
		if m.Choice >= 0 {
			set[m.Choice] = true
		}
	}
	if len(set) > o.VoteFor {
		return nil
	}
	return set
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ArloDiscrepancy is a ballot's discrepancy as Arlo's SuperSimple computes
// it.
type ArloDiscrepancy struct {
	// Votes is the overstatement in votes, (v_w − a_w) − (v_l − a_l), of
	// the pair with the largest weighted discrepancy.
	Votes int
	// Weighted is Votes divided by that pair's reported margin in votes;
	// SuperSimpleDraw takes it.
	Weighted float64
}

// PairDiscrepancy is the overstatement, in votes, of one (winner, loser)
// pair's margin on one ballot.
type PairDiscrepancy struct {
	Winner, Loser election.Choice
	// Votes is (v_w − a_w) − (v_l − a_l), from −2 to 2.
	Votes int
}

// PairDiscrepancies returns the overstatement of every (winner, loser)
// pair on one ballot, winners and losers in outcome order: the input to an
// ALPHA comparison audit of each pair's assertion (ω = Votes/2). A nil cvr
// (phantom) or audited ballot (not found) is a two-vote overstatement of
// every pair.
func (o *ComparisonOutcome) PairDiscrepancies(cvr, audited *election.CVR) []PairDiscrepancy {
	out := make([]PairDiscrepancy, 0, len(o.Winners)*len(o.Losers))
	var c, a map[election.Choice]bool
	if cvr != nil && audited != nil {
		c, a = o.marks(cvr), o.marks(audited)
	}
	for _, w := range o.Winners {
		for _, l := range o.Losers {
			e := 2
			if cvr != nil && audited != nil {
				e = (b2i(c[w]) - b2i(a[w])) - (b2i(c[l]) - b2i(a[l]))
			}
			out = append(out, PairDiscrepancy{Winner: w, Loser: l, Votes: e})
		}
	}
	return out
}

// ArloDiscrepancy compares a CVR with the audited ballot as Arlo does
// (audit_math/supersimple.py, discrepancy): for each (winner, loser) pair,
// e = (v_w − a_w) − (v_l − a_l) weighted by 1/(V_w − V_l), keeping the
// worst pair. A nil cvr (a phantom: a ballot on the manifest with no CVR)
// or a nil audited ballot (not found, or no consensus) is a two-vote
// overstatement of the closest pair: the worst case.
func (o *ComparisonOutcome) ArloDiscrepancy(cvr, audited *election.CVR) ArloDiscrepancy {
	if cvr == nil || audited == nil {
		minMargin := math.MaxInt
		for _, w := range o.Winners {
			for _, l := range o.Losers {
				minMargin = min(minMargin, o.Votes[w]-o.Votes[l])
			}
		}
		return ArloDiscrepancy{Votes: 2, Weighted: 2 / float64(minMargin)}
	}
	c, a := o.marks(cvr), o.marks(audited)
	best := ArloDiscrepancy{Weighted: math.Inf(-1)}
	for _, w := range o.Winners {
		for _, l := range o.Losers {
			e := (b2i(c[w]) - b2i(a[w])) - (b2i(c[l]) - b2i(a[l]))
			weighted := float64(e) / float64(o.Votes[w]-o.Votes[l])
			if weighted > best.Weighted {
				best = ArloDiscrepancy{Votes: e, Weighted: weighted}
			}
		}
	}
	return best
}

// CORLADiscrepancy compares a CVR with the audited ballot as ColoradoRLA
// does (ComparisonAudit.computeAuditedBallotDiscrepancy): the largest over
// (winner, loser) pairs of (loser change − winner change), where a change
// is +1 if the audit found a vote the CVR lacked and −1 the reverse, in
// raw votes (not weighted by the pair's margin). The result is an
// understatement (negative) only if every pair's margin widened; otherwise
// it is floored at zero.
//
// A nil cvr is a phantom record: 2. A nil audited ballot (not found, or no
// consensus, which Colorado treats alike) is the worst reading the paper
// could have had, a vote for a loser: 2 if the CVR has a vote for a
// winner, 1 otherwise.
func (o *ComparisonOutcome) CORLADiscrepancy(cvr, audited *election.CVR) int {
	if cvr == nil {
		return 2
	}
	c := o.marks(cvr)
	if audited == nil {
		for _, w := range o.Winners {
			if c[w] {
				return 2
			}
		}
		return 1
	}
	a := o.marks(audited)
	raw := math.MinInt
	understatement := true
	for _, w := range o.Winners {
		wc := b2i(a[w]) - b2i(c[w])
		for _, l := range o.Losers {
			lc := b2i(a[l]) - b2i(c[l])
			d := lc - wc
			raw = max(raw, d)
			if d >= 0 {
				understatement = false
			}
		}
	}
	if understatement {
		return raw
	}
	return max(0, raw)
}

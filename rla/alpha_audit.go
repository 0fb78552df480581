package rla

import "math"

// Polling draw markers, for draws that are not a vote for a candidate.
const (
	// NoVote is a sampled ballot with no vote for any candidate in the
	// contest (blank, overvoted, or without the contest).
	NoVote = -1
	// NotFound is a sampled ballot that could not be found, or a phantom.
	// It counts as a vote for every loser.
	NotFound = -2
)

// maxALPHADraws bounds the sample size searches, which walk the
// martingale one draw at a time: an audit that needs more draws than this
// is reported as a full hand count. 2²² (4,194,304) draws is far beyond any sample a
// polling or comparison audit could hand count.
const maxALPHADraws = 1 << 22

// ALPHAOptions tune ALPHA audits of a contest. Nil pointers mean the
// defaults documented on each field.
type ALPHAOptions struct {
	// Estimator defaults to ShrinkTrunc for polling and to
	// OptimalComparison for comparison audits when Set is false.
	Estimator Estimator
	// EstimatorSet says Estimator was chosen explicitly.
	EstimatorSet bool
	// Eta is the initial alternative mean. Polling: the pair's reported
	// assorter mean (1 + v)/2. Comparison: the assorter's value for a
	// clean ballot, 1/(2 − v).
	Eta *float64
	// D (default 100), F (default 0) and C (default (η − ½)/2) are the
	// shrink_trunc weights; P2 (default 10⁻⁴) the two-vote overstatement
	// rate of the optimal comparison estimator.
	D, F, C, P2 *float64
	// WithReplacement audits a sample drawn with replacement (μ_j = ½
	// throughout); the default is without replacement, SHANGRLA's usual
	// design.
	WithReplacement bool
}

func (o *ALPHAOptions) configure(n int, eta float64, u float64, comparison bool) ALPHA {
	if o == nil {
		o = &ALPHAOptions{}
	}
	a := NewALPHA(n, eta)
	if o.WithReplacement {
		a.N = 0
	}
	a.U = u
	if comparison {
		a.Estimator = OptimalComparison
	}
	if o.EstimatorSet {
		a.Estimator = o.Estimator
	}
	if o.Eta != nil {
		a.Eta = *o.Eta
	}
	a.C = (a.Eta - a.T) / 2
	set := func(dst *float64, src *float64) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.D, o.D)
	set(&a.F, o.F)
	set(&a.C, o.C)
	set(&a.P2, o.P2)
	return a
}

// pollingValue is the plurality assorter (winner − loser + 1)/2 for a draw.
func pollingValue(d int, p pair) float64 {
	switch d {
	case p.w:
		return 1
	case p.l, NotFound:
		return 0
	}
	return 0.5
}

func checkPollingDraws(c *Contest, draws []int) error {
	for i, d := range draws {
		if d != NoVote && d != NotFound && (d < 0 || d >= len(c.Tally)) {
			return invalidf("draw %d: candidate index %d is out of range", i+1, d)
		}
	}
	return nil
}

// ALPHAPollingRisk measures the risk of an ALPHA ballot-polling audit of
// contest c from the draws in order (tally indices, NoVote or NotFound),
// testing the plurality assorter of every (winner, loser) pair over the
// contest's ballots; the risk is the largest pair's. A not-found ballot
// counts as a vote for every loser (assorter value 0). The audit is
// confirmed when the risk is at most α.
func ALPHAPollingRisk(alpha float64, c *Contest, draws []int, o *ALPHAOptions) (Risk, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return Risk{}, err
	}
	if err := c.Validate(); err != nil {
		return Risk{}, err
	}
	if err := checkPollingDraws(c, draws); err != nil {
		return Risk{}, err
	}
	if !(o != nil && o.WithReplacement) && len(draws) > c.Ballots {
		return Risk{}, invalidf("%d draws without replacement from %d ballots; set with_replacement or check the draws", len(draws), c.Ballots)
	}
	worst := 0.0
	for _, p := range c.pairs() {
		v := float64(c.Tally[p.w].Votes-c.Tally[p.l].Votes) / float64(c.Ballots)
		a := o.configure(c.Ballots, (1+v)/2, 1, false)
		if v <= 0 {
			worst = 1
			continue
		}
		x := make([]float64, len(draws))
		for i, d := range draws {
			x[i] = pollingValue(d, p)
		}
		pv, err := a.PValue(x)
		if err != nil {
			return Risk{}, err
		}
		worst = math.Max(worst, pv)
	}
	r := Risk{Risk: worst, Confirmed: worst <= alpha}
	if !(o != nil && o.WithReplacement) && len(draws) == c.Ballots {
		// Every ballot has been drawn: the martingale has decided, and
		// the audit is a full hand count.
		r.FullHandCount = true
	}
	return r, nil
}

// ALPHAPollingSampleSize is the number of further draws after which an
// ALPHA polling audit would confirm if the sample went on tracking the
// reported shares exactly: each further draw is the vote (winner, loser or
// neither) whose count lags furthest behind its reported share of the
// draws so far, ties going to the loser, then neither, then the winner.
// It is the largest over pairs, and the ballots left (with FullHandCount)
// when the audit would not confirm before every ballot is drawn.
func ALPHAPollingSampleSize(alpha float64, c *Contest, draws []int, o *ALPHAOptions) (Size, error) {
	if _, err := ALPHAPollingRisk(alpha, c, draws, o); err != nil {
		return Size{}, err
	}
	left := max(0, c.Ballots-len(draws))
	limit := left
	if o != nil && o.WithReplacement {
		limit = c.Ballots
	}
	limit = min(limit, maxALPHADraws)
	worst := 0
	for _, p := range c.pairs() {
		vw, vl := c.Tally[p.w].Votes, c.Tally[p.l].Votes
		v := float64(vw-vl) / float64(c.Ballots)
		if v <= 0 {
			return Size{Size: left, FullHandCount: true}, nil
		}
		a := o.configure(c.Ballots, (1+v)/2, 1, false)
		if err := a.check(); err != nil {
			return Size{}, err
		}
		st := newAlphaState(&a)
		for _, d := range draws {
			st.add(pollingValue(d, p))
		}
		if st.pValue() <= alpha {
			continue
		}
		share := [3]float64{float64(vl) / float64(c.Ballots), 1 - float64(vw+vl)/float64(c.Ballots), float64(vw) / float64(c.Ballots)}
		value := [3]float64{0, 0.5, 1}
		var count [3]float64
		n := 0
		for ; n < limit; n++ {
			k := 0
			best := math.Inf(-1)
			for i := range share {
				if lag := float64(n+1)*share[i] - count[i]; lag > best {
					k, best = i, lag
				}
			}
			count[k]++
			st.add(value[k])
			if st.pValue() <= alpha {
				n++
				break
			}
		}
		if st.pValue() > alpha {
			return Size{Size: left, FullHandCount: true}, nil
		}
		worst = max(worst, n)
	}
	return Size{Size: min(worst, left), FullHandCount: worst >= left && left > 0}, nil
}

// ComparisonAssertion is one assertion audited by ballot-level comparison
// with an assorter (SHANGRLA): a plurality pair, a supermajority, or a
// RAIRE NEB or NEN assertion. This is the interface for auditing IRV
// assertions by comparison: RAIRE gives the assertions, the caller computes
// each sampled ballot's overstatement ω = A(CVR) − A(MVR), and this type
// turns them into a risk.
type ComparisonAssertion struct {
	// Margin is the assorter margin v = 2Ā − 1 over the ballots in the
	// population, Ā the assorter's mean over the CVRs (for a plurality
	// pair or a RAIRE assertion, the margin in votes over the ballot
	// count: the diluted margin).
	Margin float64
	// Upper is the assorter's upper bound u; zero means 1 (plurality,
	// NEB and NEN assorters).
	Upper float64
}

func (c ComparisonAssertion) upper() float64 {
	if c.Upper == 0 {
		return 1
	}
	return c.Upper
}

// UpperBound is the comparison assorter's upper bound 2/(2 − v/u).
func (c ComparisonAssertion) UpperBound() float64 {
	return 2 / (2 - c.Margin/c.upper())
}

// Value is the comparison assorter B = (1 − ω/u)/(2 − v/u) for a ballot
// whose overstatement is ω = A(CVR) − A(MVR). For u = 1, ω is half the
// overstatement in votes: 1 for a two-vote overstatement, ½ for one vote.
func (c ComparisonAssertion) Value(omega float64) float64 {
	u := c.upper()
	return (1 - omega/u) / (2 - c.Margin/u)
}

// KaplanMarkov returns the Kaplan–Markov (Colorado) test of the same
// assertion, whose discrepancy counts are in votes (2ω/u).
func (c ComparisonAssertion) KaplanMarkov(gamma float64) KaplanMarkov {
	return KaplanMarkov{DilutedMargin: c.Margin / c.upper(), Gamma: gamma}
}

func (c ComparisonAssertion) check(n int) error {
	u := c.upper()
	switch {
	case !(u > 0) || math.IsInf(u, 0):
		return invalidf("assertion: upper bound %v must be positive and finite", u)
	case math.IsNaN(c.Margin) || c.Margin > u:
		return invalidf("assertion: margin %v must be a number no larger than the upper bound %v", c.Margin, u)
	case n < 0:
		return invalidf("assertion: population size %d is negative", n)
	}
	return nil
}

// ALPHA returns the ALPHA test of the assertion over a population of n
// ballots (0: with replacement), configured from o (nil for defaults: the
// optimal comparison estimator with p2 = 10⁻⁴).
func (c ComparisonAssertion) ALPHA(n int, o *ALPHAOptions) ALPHA {
	return o.configure(n, c.Value(0), c.UpperBound(), true)
}

// Risk is the ALPHA p-value of the assertion after ballots with the given
// overstatements ω, in draw order. A margin of zero or less gives 1.
func (c ComparisonAssertion) Risk(n int, overstatements []float64, o *ALPHAOptions) (float64, error) {
	if err := c.check(n); err != nil {
		return 0, err
	}
	if !(c.Margin > 0) {
		return 1, nil
	}
	a := c.ALPHA(n, o)
	x := make([]float64, len(overstatements))
	u := c.upper()
	for i, w := range overstatements {
		if !(w >= -u && w <= u) {
			return 0, invalidf("assertion: overstatement %d is %v; it must be in [−u, u] = [%v, %v]", i+1, w, -u, u)
		}
		x[i] = c.Value(w)
	}
	return a.PValue(x)
}

// SampleSize is the number of further clean ballots after the given
// overstatements that brings the risk to alpha: an optimistic size, like
// Colorado's, which assumes no further discrepancies. It is limit if they
// never would within limit ballots.
func (c ComparisonAssertion) SampleSize(alpha float64, n int, overstatements []float64, limit int, o *ALPHAOptions) (int, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return 0, err
	}
	if err := c.check(n); err != nil {
		return 0, err
	}
	if !(c.Margin > 0) {
		return limit, nil
	}
	a := c.ALPHA(n, o)
	if err := a.check(); err != nil {
		return 0, err
	}
	st := newAlphaState(&a)
	u := c.upper()
	for i, w := range overstatements {
		if !(w >= -u && w <= u) {
			return 0, invalidf("assertion: overstatement %d is %v; it must be in [−u, u] = [%v, %v]", i+1, w, -u, u)
		}
		st.add(c.Value(w))
	}
	if st.pValue() <= alpha {
		return 0, nil
	}
	if a.N > 0 {
		limit = min(limit, a.N-len(overstatements))
	}
	clean := c.Value(0)
	for k := 1; k <= limit; k++ {
		st.add(clean)
		if st.pValue() <= alpha {
			return k, nil
		}
	}
	return max(limit, 0), nil
}

// ALPHAComparisonRisk measures the risk of an ALPHA ballot-level
// comparison audit of contest c: every (winner, loser) pair's assertion is
// tested with the same overstatements, in votes (−2..2) and draw order,
// which is conservative when the counts are each ballot's worst pair (as
// Colorado counts them). Not-found ballots and phantoms must be entered as
// two-vote overstatements. The risk is the largest pair's.
func ALPHAComparisonRisk(alpha float64, c *Contest, overstatements []int, o *ALPHAOptions) (Risk, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return Risk{}, err
	}
	if err := c.Validate(); err != nil {
		return Risk{}, err
	}
	omega, err := omegas(overstatements)
	if err != nil {
		return Risk{}, err
	}
	if !(o != nil && o.WithReplacement) && len(overstatements) > c.Ballots {
		return Risk{}, invalidf("%d draws without replacement from %d ballots; set with_replacement or check the draws", len(overstatements), c.Ballots)
	}
	worst := 0.0
	for _, p := range c.pairs() {
		ca := ComparisonAssertion{Margin: float64(c.Tally[p.w].Votes-c.Tally[p.l].Votes) / float64(c.Ballots)}
		pv, err := ca.Risk(c.Ballots, omega, o)
		if err != nil {
			return Risk{}, err
		}
		worst = math.Max(worst, pv)
	}
	r := Risk{Risk: worst, Confirmed: worst <= alpha}
	if c.MinMargin() <= 0 {
		r.FullHandCount = true
	}
	return r, nil
}

// ALPHAComparisonSampleSize is the number of further clean ballots that
// would confirm the outcome (the largest over pairs; see
// ComparisonAssertion.SampleSize), or the ballots left, with
// FullHandCount, when no number of clean ballots would.
func ALPHAComparisonSampleSize(alpha float64, c *Contest, overstatements []int, o *ALPHAOptions) (Size, error) {
	if _, err := ALPHAComparisonRisk(alpha, c, overstatements, o); err != nil {
		return Size{}, err
	}
	omega, _ := omegas(overstatements)
	left := max(0, c.Ballots-len(overstatements))
	if c.MinMargin() <= 0 {
		return Size{Size: left, FullHandCount: true}, nil
	}
	limit := left
	if o != nil && o.WithReplacement {
		limit = c.Ballots
	}
	limit = min(limit, maxALPHADraws)
	worst := 0
	for _, p := range c.pairs() {
		ca := ComparisonAssertion{Margin: float64(c.Tally[p.w].Votes-c.Tally[p.l].Votes) / float64(c.Ballots)}
		n, err := ca.SampleSize(alpha, c.Ballots, omega, limit+1, o)
		if err != nil {
			return Size{}, err
		}
		worst = max(worst, n)
	}
	if worst > limit || worst >= maxALPHADraws {
		return Size{Size: left, FullHandCount: true}, nil
	}
	return Size{Size: min(worst, left), FullHandCount: worst >= left && left > 0}, nil
}

func omegas(votes []int) ([]float64, error) {
	out := make([]float64, len(votes))
	for i, v := range votes {
		if v < -2 || v > 2 {
			return nil, invalidf("overstatement %d is %d; it must be a whole number of votes from −2 to 2", i+1, v)
		}
		out[i] = float64(v) / 2
	}
	return out, nil
}

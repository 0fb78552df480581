package rla

import "math"

// Size is a sample size recommendation.
type Size struct {
	// Size is the number of further ballots (batches, for MACRO) to
	// audit, capped at what is left of the ballot count.
	Size int
	// FullHandCount is set when the size reaches the ballot count or the
	// risk limit cannot be met by sampling.
	FullHandCount bool
}

// SuperSimpleSampleSize returns Arlo's SuperSimple sample size
// (audit_math/supersimple.py, get_sample_sizes): the number of further
// ballots to audit given the discrepancies found so far (nil, or a zero
// sample size, before the first round).
//
// Before sampling it assumes discrepancy rates r1 = s1 = 0.001 and
// r2 = s2 = 0.0001; afterwards the observed overstatement rates o1/n and
// o2/n, with understatements taken as zero (so that they cannot shrink the
// sample). With μ the diluted margin,
//
//	n0 = ⌈ln α / (ln(1−μ/2γ) − r1 ln(1−1/2γ) − r2 ln(1−1/γ) − s1 ln(1+1/2γ) − s2 ln(1+1/γ))⌉,
//
// the expected counts are o1 = ⌈r1·n0⌉, u1 = ⌈s1·n0⌉ and o2, u2 = r2·n0,
// s2·n0 rounded half up (computed exactly, in rationals), and the total
// size is the Kaplan–Markov optimistic size for those counts. The result
// is min(total, ballots) less the ballots already sampled. A non-negative
// denominator means the observed error rate is too high for sampling to
// ever confirm: the size is every remaining ballot and FullHandCount is set.
func SuperSimpleSampleSize(alpha float64, c *Contest, d *Discrepancies) (Size, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return Size{}, err
	}
	if err := c.Validate(); err != nil {
		return Size{}, err
	}
	if err := d.check(); err != nil {
		return Size{}, err
	}
	return superSimpleSize(alpha, c, d, Gamma)
}

func superSimpleSize(alpha float64, c *Contest, d *Discrepancies, g float64) (Size, error) {
	km := KaplanMarkov{DilutedMargin: c.DilutedMargin(), Gamma: g}
	if err := km.check(); err != nil {
		return Size{}, err
	}
	sampled := 0
	if d != nil {
		sampled = d.SampleSize
	}
	remaining := max(0, c.Ballots-sampled)
	full := Size{Size: remaining, FullHandCount: true}
	mu := km.DilutedMargin
	if !(mu > 0) {
		return full, nil
	}
	// Rates as exact fractions num/den, so that ⌈r·n0⌉ and the half-up
	// rounding are exact, as with Arlo's Decimal arithmetic.
	var r1n, r2n, s1n, s2n, den int64
	if sampled == 0 {
		r1n, r2n, s1n, s2n, den = 10, 1, 10, 1, 10000
	} else {
		r1n, r2n, den = int64(d.O1), int64(d.O2), int64(d.SampleSize)
	}
	fr := func(n int64) float64 { return float64(n) / float64(den) }
	denom := math.Log1p(-mu/(2*g)) -
		fr(r1n)*math.Log1p(-1/(2*g)) -
		fr(r2n)*math.Log1p(-1/g) -
		fr(s1n)*math.Log1p(1/(2*g)) -
		fr(s2n)*math.Log1p(1/g)
	if denom >= 0 {
		return full, nil
	}
	n0f := math.Ceil(math.Log(alpha) / denom)
	if n0f > math.MaxInt32 {
		return full, nil
	}
	n0 := int64(n0f)
	ceilDiv := func(a, b int64) int64 { return (a + b - 1) / b }
	halfUp := func(a, b int64) int64 { return (2*a + b) / (2 * b) }
	est := Discrepancies{
		O1: int(ceilDiv(r1n*n0, den)),
		U1: int(ceilDiv(s1n*n0, den)),
		O2: int(halfUp(r2n*n0, den)),
		U2: int(halfUp(s2n*n0, den)),
	}
	total := km.OptimisticSize(alpha, est)
	size := max(0, min(total, c.Ballots)-sampled)
	return Size{Size: size, FullHandCount: size >= remaining}, nil
}

// SuperSimpleDraw is one distinct audited ballot in a SuperSimple sample.
type SuperSimpleDraw struct {
	// Weighted is the ballot's discrepancy weighted by the margins, as
	// ComparisonOutcome.ArloDiscrepancy returns it: the largest over
	// (winner, loser) pairs of the overstatement in votes divided by the
	// pair's margin in votes.
	Weighted float64
	// Times is how many times the ballot was drawn.
	Times int
}

// SuperSimpleRisk measures the risk of an Arlo SuperSimple audit from the
// audited ballots (audit_math/supersimple.py, compute_risk):
//
//	p = ∏ [(1 − 1/U) / (1 − max(e,0)·V/(2γ))]^times,  U = 2γ/μ, V = μ·N,
//
// with e each ballot's weighted discrepancy. Understatements count as zero,
// as in Arlo. The audit is confirmed when 0 < p < α. When the draws reach
// the ballot count the audit has become a full hand count: risk 0 and
// confirmed, unless a ballot overstated the margin by its whole size
// (which only a full count can settle), in which case risk 1.
func SuperSimpleRisk(alpha float64, c *Contest, draws []SuperSimpleDraw) (Risk, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return Risk{}, err
	}
	if err := c.Validate(); err != nil {
		return Risk{}, err
	}
	mu := c.DilutedMargin()
	if !(mu > 0) {
		return Risk{Risk: 1, FullHandCount: true}, nil
	}
	g := Gamma
	u := 2 * g / mu
	v := mu * float64(c.Ballots)
	lp := 0.0
	n := 0
	net := 0.0
	for i, d := range draws {
		if d.Times < 0 || math.IsNaN(d.Weighted) || math.IsInf(d.Weighted, 0) {
			return Risk{}, invalidf("draw %d: times %d and weighted discrepancy %v; times must be ≥ 0 and the discrepancy finite", i+1, d.Times, d.Weighted)
		}
		n += d.Times
		e := math.Max(d.Weighted, 0)
		net += d.Weighted * v * float64(d.Times)
		lp += float64(d.Times) * (math.Log1p(-1/u) - math.Log1p(-e*v/(2*g)))
	}
	p := math.Exp(lp)
	if math.IsNaN(p) {
		p = 1
	}
	if n >= c.Ballots {
		if net < v {
			return Risk{Risk: 0, Confirmed: true, FullHandCount: true}, nil
		}
		return Risk{Risk: 1, FullHandCount: true}, nil
	}
	return Risk{Risk: math.Min(1, p), Confirmed: p > 0 && p < alpha}, nil
}

// SuperSimpleRiskOfCounts is SuperSimpleRisk for a sample summarized as
// counts of one- and two-vote discrepancies in the closest pair's margin
// (what `canvass rla risk` reads). Understatements do not lower the risk.
func SuperSimpleRiskOfCounts(alpha float64, c *Contest, d Discrepancies) (Risk, error) {
	if err := d.check(); err != nil {
		return Risk{}, err
	}
	if err := c.Validate(); err != nil {
		return Risk{}, err
	}
	v := float64(c.MinMargin())
	if v <= 0 {
		return Risk{Risk: 1, FullHandCount: true}, nil
	}
	clean := d.SampleSize - d.O1 - d.O2 - d.U1 - d.U2
	draws := []SuperSimpleDraw{
		{Weighted: 0, Times: clean + d.U1 + d.U2},
		{Weighted: 1 / v, Times: d.O1},
		{Weighted: 2 / v, Times: d.O2},
	}
	r, err := SuperSimpleRisk(alpha, c, draws)
	if err != nil {
		return r, err
	}
	if d.SampleSize >= c.Ballots {
		// The per-draw form cannot see understatements; the count form
		// can, so settle the full count on the net change.
		r.Confirmed = d.netOverstatement() < c.MinMargin()
		r.Risk = 0
		if !r.Confirmed {
			r.Risk = 1
		}
	}
	return r, nil
}

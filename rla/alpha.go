package rla

import (
	"math"
)

// Estimator selects how ALPHA chooses η_j, the alternative mean it bets on
// before the j-th draw.
type Estimator int

const (
	// ShrinkTrunc is SHANGRLA's shrink_trunc: the sample mean shrunk
	// towards η with weight d, then towards u with weight f/sd,
	// truncated below at μ_j + c/√(d+j−1) and above at u(1−ε).
	ShrinkTrunc Estimator = iota
	// FixedAlternative is SHANGRLA's fixed_alternative_mean: the mean of
	// the population not yet sampled if the whole population's mean is
	// η, (Nη − S_{j−1})/(N − j + 1), or η when sampling with
	// replacement.
	FixedAlternative
	// OptimalComparison is SHANGRLA's optimal_comparison, the constant η
	// that is optimal for a ballot-level comparison audit whose errors
	// are two-vote overstatements at rate p2:
	// η = (1 − u(1−p2))/(2 − 2u) + u(1−p2) − ½.
	OptimalComparison
)

// String names the estimator as the CLI spells it.
func (e Estimator) String() string {
	switch e {
	case ShrinkTrunc:
		return "shrink_trunc"
	case FixedAlternative:
		return "fixed"
	case OptimalComparison:
		return "optimal"
	}
	return "unknown"
}

// ALPHA is the ALPHA test supermartingale (Stark 2023, "ALPHA: audit that
// learns from previously hand-audited ballots") with SHANGRLA's semantics
// (shangrla/core/NonnegMean.py, alpha_mart): a test of the hypothesis that
// the mean of a population of N values in [0, U] is at most T, from values
// drawn in order. Fields are used as given; NewALPHA fills in SHANGRLA's
// defaults.
type ALPHA struct {
	// N is the population size; 0 means sampling with replacement (an
	// infinite population: μ_j = T throughout).
	N int
	// T is the hypothesized mean (½ for an assorter) and U the upper
	// bound of the values.
	T, U float64
	// Eta is the initial alternative mean η, in (T, U).
	Eta       float64
	Estimator Estimator
	// D, F, C and MinSD are shrink_trunc's weights: D the weight of η
	// against one observation, F the weight of the sample's standard
	// deviation pulling η towards U, C the scale of the lower margin
	// above μ_j, MinSD the floor on the standard deviation.
	D, F, C, MinSD float64
	// P2 is the two-vote overstatement rate OptimalComparison assumes.
	P2 float64
}

// NewALPHA returns an ALPHA test with SHANGRLA's defaults: T = ½, U = 1,
// shrink_trunc with d = 100, f = 0, c = (η − T)/2, minimum sd 10⁻⁶, and
// p2 = 10⁻⁴ for the optimal comparison estimator.
func NewALPHA(n int, eta float64) ALPHA {
	return ALPHA{N: n, T: 0.5, U: 1, Eta: eta, Estimator: ShrinkTrunc, D: 100, F: 0, C: (eta - 0.5) / 2, MinSD: 1e-6, P2: 1e-4}
}

func (a *ALPHA) check() error {
	switch {
	case a.N < 0:
		return invalidf("ALPHA: population size %d is negative", a.N)
	case !(a.U > 0) || math.IsInf(a.U, 0):
		return invalidf("ALPHA: upper bound u = %v must be positive and finite", a.U)
	case !(a.T > 0 && a.T < a.U):
		return invalidf("ALPHA: hypothesized mean t = %v must be in (0, u = %v)", a.T, a.U)
	case math.IsNaN(a.Eta) || a.Eta > a.U:
		return invalidf("ALPHA: eta = %v must be a number no larger than u = %v", a.Eta, a.U)
	case a.Estimator < ShrinkTrunc || a.Estimator > OptimalComparison:
		return invalidf("ALPHA: unknown estimator %d", a.Estimator)
	case a.Estimator == ShrinkTrunc && (!(a.D >= 0) || !(a.F >= 0) || !(a.C >= 0) || !(a.MinSD > 0) || math.IsInf(a.D, 0) || math.IsInf(a.F, 0) || math.IsInf(a.C, 0)):
		return invalidf("ALPHA: shrink_trunc needs d, f, c ≥ 0 and minsd > 0 (got d = %v, f = %v, c = %v, minsd = %v)", a.D, a.F, a.C, a.MinSD)
	case a.Estimator == OptimalComparison && (!(a.P2 >= 0 && a.P2 < 1) || a.U == 1):
		return invalidf("ALPHA: the optimal comparison estimator needs 0 ≤ p2 < 1 and u ≠ 1 (got p2 = %v, u = %v)", a.P2, a.U)
	}
	return nil
}

// alphaState runs the martingale one value at a time, so that sample size
// searches need not keep the draws.
type alphaState struct {
	a   *ALPHA
	j   int     // draws so far
	s   float64 // their sum
	t   float64 // the running product T_j
	max float64 // the largest (masked) T_j so far
	// Running mean and sum of squares, in SHANGRLA's Welford loop (which
	// divides by i+1 where Welford divides by i+2; reproduced so that
	// shrink_trunc with f > 0 matches SHANGRLA).
	wMean, wM2 float64
	sdPrev     float64 // sd_j for the next draw
	etaOpt     float64
}

func newAlphaState(a *ALPHA) *alphaState {
	st := &alphaState{a: a, t: 1}
	if a.Estimator == OptimalComparison {
		u, p2 := a.U, a.P2
		st.etaOpt = (1-u*(1-p2))/(2-2*u) + u*(1-p2) - 0.5
	}
	st.sdPrev = 1
	return st
}

// mu is the mean of the values not yet drawn if the null is true.
func (st *alphaState) mu() float64 {
	a := st.a
	if a.N == 0 {
		return a.T
	}
	return (float64(a.N)*a.T - st.s) / float64(a.N-st.j)
}

// eta is the alternative for the next draw.
func (st *alphaState) eta(m float64) float64 {
	a := st.a
	jj := float64(st.j + 1)
	switch a.Estimator {
	case FixedAlternative:
		if a.N == 0 {
			return a.Eta
		}
		return (float64(a.N)*a.Eta - st.s) / float64(a.N-st.j)
	case OptimalComparison:
		return st.etaOpt
	}
	sd := st.sdPrev
	weighted := ((a.D*a.Eta+st.s)/(a.D+jj-1) + a.U*a.F/sd) / (1 + a.F/sd)
	lower := m + a.C/math.Sqrt(a.D+jj-1)
	return math.Min(a.U*(1-epsilon), math.Max(weighted, lower))
}

const epsilon = 2.220446049250313e-16 // numpy's finfo(float).eps

// isClose is numpy's isclose(a, b, atol, rtol).
func isClose(a, b, atol, rtol float64) bool {
	return math.Abs(a-b) <= atol+rtol*math.Abs(b)
}

// add draws x and returns the masked T_j.
func (st *alphaState) add(x float64) float64 {
	a := st.a
	m := st.mu()
	eta := st.eta(m)
	u := a.U
	st.t *= (x*eta/m + (u-x)*(u-eta)/(u-m)) / u
	// Update the running sd as SHANGRLA does, for the next draw.
	if st.j == 0 {
		st.wMean, st.wM2 = x, 0
	} else {
		prev := st.wMean
		st.wMean += (x - st.wMean) / float64(st.j)
		st.wM2 += (x - prev) * (x - st.wMean)
	}
	st.j++
	st.s += x
	sd := math.Sqrt(st.wM2 / float64(st.j))
	st.sdPrev = math.Max(sd, a.MinSD)
	if st.j == 1 {
		st.sdPrev = 1 // SHANGRLA sets the first two sds to 1
	}
	// SHANGRLA's masks, applied to the running product in its order.
	tj := st.t
	if m > u {
		tj = 0
	}
	if isClose(0, m, 2*epsilon, 1e-5) {
		tj = 1
	}
	if isClose(u, m, 1e-8, 1e-6) {
		tj = 1
	}
	if isClose(0, tj, 2*epsilon, 1e-5) {
		tj = 1
	}
	if m < 0 {
		tj = math.Inf(1)
	}
	// numpy's max propagates NaN, and SHANGRLA's min(1, 1/NaN) is 1.
	if st.j == 1 || math.IsNaN(tj) || tj > st.max {
		st.max = tj
	}
	return tj
}

// pValue is min(1, 1/max T_j), with SHANGRLA's rule that a sample whose
// total already exceeds N·T rejects the null (only known at the end).
func (st *alphaState) pValue() float64 {
	a := st.a
	mx := st.max
	if a.N > 0 && st.j > 0 && st.s > float64(a.N)*a.T {
		mx = math.Inf(1)
	}
	if st.j == 0 {
		return 1
	}
	p := 1 / mx
	if math.IsNaN(p) || p > 1 {
		return 1
	}
	return p
}

// PValue returns the ALPHA p-value min(1, 1/max_j T_j) for the values x,
// drawn in order, where
//
//	T_j = ∏_{i≤j} [x_i η_i/μ_i + (u − x_i)(u − η_i)/(u − μ_i)] / u,
//	μ_i = (N·t − S_{i−1})/(N − i + 1)  (t with replacement),
//
// with SHANGRLA's conventions where μ_i leaves [0, u].
func (a ALPHA) PValue(x []float64) (float64, error) {
	if err := a.check(); err != nil {
		return 0, err
	}
	if a.N > 0 && len(x) > a.N {
		return 0, invalidf("ALPHA: %d draws from a population of %d without replacement", len(x), a.N)
	}
	st := newAlphaState(&a)
	for i, v := range x {
		if !(v >= 0 && v <= a.U) {
			return 0, invalidf("ALPHA: draw %d is %v; values must be in [0, u = %v]", i+1, v, a.U)
		}
		st.add(v)
	}
	return st.pValue(), nil
}

// SampleSize returns the number of draws after which the p-value first
// falls to alpha or below when the draws are the values of pattern
// repeated in order (SHANGRLA's deterministic sample size for a given
// "trajectory"), or limit if it never does within limit draws. A
// population without replacement is never drawn past N.
func (a ALPHA) SampleSize(alpha float64, pattern []float64, limit int) (int, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return 0, err
	}
	if err := a.check(); err != nil {
		return 0, err
	}
	if len(pattern) == 0 {
		return 0, invalidf("ALPHA: an empty pattern of draws")
	}
	for i, v := range pattern {
		if !(v >= 0 && v <= a.U) {
			return 0, invalidf("ALPHA: pattern value %d is %v; values must be in [0, u = %v]", i+1, v, a.U)
		}
	}
	if a.N > 0 {
		limit = min(limit, a.N)
	}
	st := newAlphaState(&a)
	for j := 0; j < limit; j++ {
		st.add(pattern[j%len(pattern)])
		if st.pValue() <= alpha {
			return j + 1, nil
		}
	}
	return limit, nil
}

// KaplanMarkovPValue is SHANGRLA's kaplan_markov test with offset g for
// the hypothesis that the mean is at most t: the smallest over j of
// ∏_{i≤j} (t+g)/(x_i+g), capped at 1 (optional stopping, values in random
// order).
func KaplanMarkovPValue(x []float64, t, g float64) float64 {
	p, best := 1.0, 1.0
	for _, v := range x {
		p *= (t + g) / (v + g)
		best = math.Min(best, p)
	}
	return best
}

// KaplanWaldPValue is SHANGRLA's kaplan_wald test with g: the smallest over
// j of ∏_{i≤j} 1/((1−g)x_i/t + g), capped at 1.
func KaplanWaldPValue(x []float64, t, g float64) float64 {
	p, best := 1.0, 1.0
	for _, v := range x {
		p /= (1-g)*v/t + g
		best = math.Min(best, p)
	}
	return best
}

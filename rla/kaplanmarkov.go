package rla

import "math"

// Gamma is the error inflation factor γ that Arlo and ColoradoRLA use in
// their Kaplan–Markov comparison audits.
const Gamma = 1.03905

// Discrepancies counts what a ballot-comparison sample found, in votes of
// the margin being audited: O1 and O2 are one- and two-vote
// overstatements (the machine count favoured the reported winner), U1 and
// U2 one- and two-vote understatements.
type Discrepancies struct {
	// SampleSize is the number of ballots audited, counting a ballot
	// drawn k times k times.
	SampleSize     int
	O1, O2, U1, U2 int
}

// Add records one audited ballot drawn times times whose discrepancy is
// votes (−2..2; 0 is a clean ballot).
func (d *Discrepancies) Add(votes, times int) {
	d.SampleSize += times
	switch votes {
	case 1:
		d.O1 += times
	case 2:
		d.O2 += times
	case -1:
		d.U1 += times
	case -2:
		d.U2 += times
	}
}

func (d *Discrepancies) check() error {
	if d == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"sample_size", d.SampleSize}, {"o1", d.O1}, {"o2", d.O2}, {"u1", d.U1}, {"u2", d.U2}} {
		if f.v < 0 || f.v > math.MaxInt32 {
			return invalidf("discrepancies: %s is %d; it must be between 0 and %d", f.name, f.v, math.MaxInt32)
		}
	}
	if n := d.O1 + d.O2 + d.U1 + d.U2; n > d.SampleSize {
		return invalidf("discrepancies: %d discrepancies in a sample of %d ballots; sample_size must count every audited ballot", n, d.SampleSize)
	}
	return nil
}

// netOverstatement is the net change in the margin, in votes, that the
// discrepancies imply.
func (d *Discrepancies) netOverstatement() int {
	return d.O1 + 2*d.O2 - d.U1 - 2*d.U2
}

// KaplanMarkov is the Kaplan–Markov comparison test (Stark 2009; Lindeman
// and Stark 2012 "super-simple") for one assertion: a contest's closest
// winner–loser pair, or any assorter with a margin, such as a RAIRE NEB or
// NEN assertion. It is the math ColoradoRLA's Audit.java implements.
type KaplanMarkov struct {
	// DilutedMargin is μ, the margin in votes divided by the number of
	// ballots in the population sampled.
	DilutedMargin float64
	// Gamma is the error inflation factor γ > 1; zero means Gamma.
	Gamma float64
}

func (k KaplanMarkov) gamma() float64 {
	if k.Gamma == 0 {
		return Gamma
	}
	return k.Gamma
}

func (k KaplanMarkov) check() error {
	if !(k.gamma() > 1) || math.IsInf(k.gamma(), 0) {
		return invalidf("gamma is %v; it must be a number greater than 1", k.gamma())
	}
	if math.IsNaN(k.DilutedMargin) || k.DilutedMargin > 1 {
		return invalidf("diluted margin is %v; it must be at most 1", k.DilutedMargin)
	}
	return nil
}

// PValue returns the Kaplan–Markov p-value after d.SampleSize draws:
//
//	min(1, (1−μ/2γ)^n (1−1/2γ)^−o1 (1−1/γ)^−o2 (1+1/2γ)^−u1 (1+1/γ)^−u2)
//
// unrounded (Colorado rounds it to three decimals: see RoundRisk). A
// margin of zero or less gives 1: no sample can confirm a tie or a reversed
// outcome.
func (k KaplanMarkov) PValue(d Discrepancies) float64 {
	mu, g := k.DilutedMargin, k.gamma()
	if !(mu > 0) {
		return 1
	}
	lp := float64(d.SampleSize)*math.Log1p(-mu/(2*g)) -
		float64(d.O1)*math.Log1p(-1/(2*g)) -
		float64(d.O2)*math.Log1p(-1/g) -
		float64(d.U1)*math.Log1p(1/(2*g)) -
		float64(d.U2)*math.Log1p(1/g)
	return math.Min(1, math.Exp(lp))
}

// OptimisticSize is Colorado's optimistic sample size: the total number of
// ballots that would confirm the outcome if no further discrepancies turn
// up,
//
//	max(o1+o2+u1+u2, ⌈−2γ(ln α + o1 ln(1−1/2γ) + o2 ln(1−1/γ) + u1 ln(1+1/2γ) + u2 ln(1+1/γ))/μ⌉).
//
// Understatements count, as in Colorado. A margin of zero or less makes the
// size infinite (math.MaxInt32).
func (k KaplanMarkov) OptimisticSize(alpha float64, d Discrepancies) int {
	mu, g := k.DilutedMargin, k.gamma()
	if !(mu > 0) {
		return math.MaxInt32
	}
	s := -2 * g * (math.Log(alpha) +
		float64(d.O1)*math.Log1p(-1/(2*g)) +
		float64(d.O2)*math.Log1p(-1/g) +
		float64(d.U1)*math.Log1p(1/(2*g)) +
		float64(d.U2)*math.Log1p(1/g)) / mu
	return max(d.O1+d.O2+d.U1+d.U2, ceilInt(s))
}

// EstimatedSize is Colorado's estimated sample size: the optimistic size
// scaled up by the overstatement rate seen so far,
// ⌈optimistic × (1 + (o1+o2)/n)⌉, or the optimistic size before any ballot
// is audited.
func (k KaplanMarkov) EstimatedSize(alpha float64, d Discrepancies) int {
	opt := k.OptimisticSize(alpha, d)
	if d.SampleSize == 0 || opt == math.MaxInt32 {
		return opt
	}
	return ceilInt(float64(opt) * (1 + float64(d.O1+d.O2)/float64(d.SampleSize)))
}

// ceilInt returns ⌈x⌉ as an int, saturating at math.MaxInt32 so that an
// impossible audit reads as "more ballots than any contest has".
func ceilInt(x float64) int {
	c := math.Ceil(x)
	switch {
	case math.IsNaN(c) || c >= math.MaxInt32:
		return math.MaxInt32
	case c <= math.MinInt32:
		return math.MinInt32
	}
	return int(c)
}

// RoundRisk rounds a p-value to three decimals, halves up, as ColoradoRLA
// reports it (BigDecimal.setScale(3, HALF_UP)).
func RoundRisk(p float64) float64 {
	// Scaling by 1000 is exact enough: a p-value within 1e-16 of a
	// rounding boundary is indistinguishable from it in float64 anyway.
	return math.Floor(p*1000+0.5) / 1000
}

// CORLAResult is the state of a Colorado comparison audit of one contest.
type CORLAResult struct {
	// Risk is the p-value rounded to three decimals, as Colorado reports
	// it; RiskUnrounded the same before rounding.
	Risk, RiskUnrounded float64
	// Optimistic and Estimated are Colorado's total sample sizes (see
	// KaplanMarkov), capped at the ballot count.
	Optimistic, Estimated int
	// Remaining is the number of further ballots to audit: the estimated
	// size less the ballots audited, never negative.
	Remaining int
	// Confirmed follows Colorado's stopping rule: the optimistic size is
	// no more than the number of ballots audited.
	Confirmed bool
	// FullHandCount is set when the estimated size reaches the ballot
	// count or the margin is not positive.
	FullHandCount bool
}

// CORLA computes Colorado's comparison audit state for contest c after the
// discrepancies d (nil before any ballot is audited), with error inflation
// gamma (zero means Gamma). The diluted margin is c's smallest winner–loser
// margin over c.Ballots, which for Colorado is the manifest ballot count of
// every county the contest is in.
//
// When the audited ballots reach the ballot count the audit has become a
// full hand count: it confirms, with risk 0, only if the net overstatement
// is smaller than the margin.
func CORLA(alpha float64, c *Contest, d *Discrepancies, gamma float64) (CORLAResult, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return CORLAResult{}, err
	}
	if err := c.Validate(); err != nil {
		return CORLAResult{}, err
	}
	if err := d.check(); err != nil {
		return CORLAResult{}, err
	}
	var dd Discrepancies
	if d != nil {
		dd = *d
	}
	km := KaplanMarkov{DilutedMargin: c.DilutedMargin(), Gamma: gamma}
	if err := km.check(); err != nil {
		return CORLAResult{}, err
	}
	var r CORLAResult
	r.RiskUnrounded = km.PValue(dd)
	r.Risk = RoundRisk(r.RiskUnrounded)
	opt := km.OptimisticSize(alpha, dd)
	est := km.EstimatedSize(alpha, dd)
	r.Optimistic, r.Estimated = min(opt, c.Ballots), min(est, c.Ballots)
	r.Remaining = max(0, r.Estimated-dd.SampleSize)
	r.Confirmed = c.MinMargin() > 0 && opt-dd.SampleSize <= 0
	r.FullHandCount = est >= c.Ballots
	if dd.SampleSize >= c.Ballots {
		r.FullHandCount = true
		r.Remaining = 0
		r.Confirmed = dd.netOverstatement() < c.MinMargin()
		if r.Confirmed {
			r.Risk, r.RiskUnrounded = 0, 0
		} else {
			r.Risk, r.RiskUnrounded = 1, 1
		}
	}
	return r, nil
}

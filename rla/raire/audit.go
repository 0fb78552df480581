package raire

import (
	"errors"
	"fmt"
	"github.com/canvass/canvass/rla"
	"math"
)

// Score is colorado-rla's score of a ballot (its preference list) for an
// assertion: +1 if the ballot counts for the assertion's winner, -1 if it
// counts for its loser, 0 otherwise. For NEB(w,l) a ballot counts for w
// when w is its first preference and for l when it ranks l above w (or l
// without w); for NEN(w,l,S) a ballot counts for its first preference in
// S. (SHANGRLA's assorter is (1+Score)/2.)
func (a Assertion) Score(prefs []int) int {
	if a.Kind == NEB {
		if len(prefs) > 0 && prefs[0] == a.Winner {
			return 1
		}
		for _, c := range prefs {
			if c == a.Winner {
				return 0
			}
			if c == a.Loser {
				return -1
			}
		}
		return 0
	}
	s := setOf(a.Continuing)
	for _, c := range prefs {
		if s.has(c) {
			switch c {
			case a.Winner:
				return 1
			case a.Loser:
				return -1
			}
			return 0
		}
	}
	return 0
}

// Comparison is one sampled ballot of a comparison audit: what its CVR
// says and what the audit board read on the paper.
type Comparison struct {
	// CVR is the CVR's preference list; ignored when NoCVR.
	CVR []int
	// Audited is the paper ballot's preference list as the audit board
	// read it (the ACVR); ignored when NotFound.
	Audited []int
	// NoCVR marks a phantom: a ballot in the manifest with no CVR. Its CVR
	// is taken to count for every assertion's winner (score +1), the worst
	// case.
	NoCVR bool
	// NotFound marks a ballot the board could not find or could not agree
	// on. It is taken to count for every assertion's loser (score -1), the
	// worst case, so a missing ballot never helps the reported outcome.
	NotFound bool
	// Times is how many times the ballot was drawn (with replacement);
	// 0 means once.
	Times int
}

// Discrepancy returns score(CVR) - score(audited) for the assertion, in
// -2..2: 1 and 2 are one- and two-vote overstatements of the winner's
// margin, -1 and -2 understatements.
func (a Assertion) Discrepancy(c Comparison) int {
	cvr, paper := 1, -1
	if !c.NoCVR {
		cvr = a.Score(c.CVR)
	}
	if !c.NotFound {
		paper = a.Score(c.Audited)
	}
	return cvr - paper
}

// ColoradoGamma is the error inflation factor γ colorado-rla uses.
const ColoradoGamma = rla.Gamma

// AssertionRisk is the state of one assertion in a comparison audit.
type AssertionRisk struct {
	Assertion Scored
	// DilutedMargin is μ = margin / ballots in the audit universe.
	DilutedMargin float64
	// SampleSize counts the ballots drawn, with multiplicity.
	SampleSize int
	// Discrepancies counts the sample's over- and understatements of this
	// assertion's margin (its SampleSize equals SampleSize above).
	Discrepancies rla.Discrepancies
	// Risk is the Kaplan-Markov bound for the sample, at most 1.
	Risk float64
	// Optimistic is colorado-rla's optimistic sample size: the total
	// sample at which the assertion would be confirmed if no further
	// discrepancies were found.
	Optimistic int
	// Confirmed is Risk ≤ the risk limit.
	Confirmed bool
}

// AuditReport is the state of an IRV contest's comparison audit.
type AuditReport struct {
	Assertions []AssertionRisk
	// Risk is the largest assertion risk: the contest's measured risk.
	Risk float64
	// Optimistic is the largest assertion's optimistic sample size: the
	// sample that confirms the contest if no further discrepancies occur.
	Optimistic int
	// Confirmed is true when every assertion is confirmed.
	Confirmed bool
}

// AuditConfig sets the parameters of a comparison audit of assertions.
type AuditConfig struct {
	// RiskLimit is α.
	RiskLimit float64
	// Gamma is γ; 0 means ColoradoGamma.
	Gamma float64
	// Ballots is the number of ballots in the audit universe, the
	// denominator of each diluted margin (raire's total_auditable_ballots).
	Ballots int64
}

// MeasureRisk measures the risk of each assertion against a sample of ballot
// comparisons with Colorado's Kaplan-Markov formula (the CORLA math applied
// per assertion, as colorado-rla does for IRV):
//
//	risk = min(1, (1-1/U)^n (1-1/2γ)^-o1 (1-1/γ)^-o2 (1+1/2γ)^-u1 (1+1/γ)^-u2), U = 2γ/μ
//
// The contest is confirmed when every assertion's risk is at most α. Risks
// are not rounded (colorado-rla rounds them to 3 decimals for display).
func MeasureRisk(assertions []Scored, cfg AuditConfig, sample []Comparison) (*AuditReport, error) {
	if !(cfg.RiskLimit > 0 && cfg.RiskLimit < 1) {
		return nil, fmt.Errorf("risk limit %v is not strictly between 0 and 1", cfg.RiskLimit)
	}
	gamma := cfg.Gamma
	if gamma == 0 {
		gamma = ColoradoGamma
	}
	if !(gamma > 1) || math.IsInf(gamma, 0) {
		return nil, fmt.Errorf("gamma %v must be a number greater than 1", gamma)
	}
	if cfg.Ballots <= 0 {
		return nil, fmt.Errorf("ballots %d: give the number of ballots in the audit universe", cfg.Ballots)
	}
	if len(assertions) == 0 {
		return nil, errors.New("no assertions to audit")
	}
	rep := &AuditReport{Confirmed: true}
	for _, a := range assertions {
		if a.Margin <= 0 {
			return nil, fmt.Errorf("assertion %v has margin %d; only assertions with a positive margin can be audited", a.Assertion, a.Margin)
		}
		ar := AssertionRisk{Assertion: a, DilutedMargin: float64(a.Margin) / float64(cfg.Ballots)}
		for _, c := range sample {
			times := max(c.Times, 1)
			ar.SampleSize += times
			switch a.Assertion.Discrepancy(c) {
			case 1:
				ar.Discrepancies.O1 += times
			case 2:
				ar.Discrepancies.O2 += times
			case -1:
				ar.Discrepancies.U1 += times
			case -2:
				ar.Discrepancies.U2 += times
			}
		}
		ar.Discrepancies.SampleSize = ar.SampleSize
		km := rla.KaplanMarkov{DilutedMargin: ar.DilutedMargin, Gamma: gamma}
		ar.Risk = km.PValue(ar.Discrepancies)
		ar.Optimistic = km.OptimisticSize(cfg.RiskLimit, ar.Discrepancies)
		ar.Confirmed = ar.Risk <= cfg.RiskLimit
		rep.Assertions = append(rep.Assertions, ar)
		rep.Risk = max(rep.Risk, ar.Risk)
		rep.Optimistic = max(rep.Optimistic, ar.Optimistic)
		rep.Confirmed = rep.Confirmed && ar.Confirmed
	}
	return rep, nil
}

// Package raire generates and audits RAIRE assertions for instant-runoff
// (IRV) contests.
//
// RAIRE (Blom, Stuckey and Teague, "RAIRE: Risk-limiting audits for IRV
// elections", arXiv:1903.08804) turns the claim "candidate w won this IRV
// contest" into a small set of pairwise assertions that a risk-limiting audit
// can test like plurality margins:
//
//   - NEB(w, l), "w is not eliminated before l": w's first preferences
//     outnumber every ballot that could ever count for l while w continues
//     (ballots ranking l above w, or ranking l and not w).
//   - NEN(w, l, S), "w is not eliminated next when exactly S continues": with
//     only S continuing, w's tally exceeds l's.
//
// If every assertion holds, no elimination order with another winner is
// possible. Solve finds such a set whose hardest assertion is as easy to
// audit as possible (the difficulty of the set), searching over suffixes of
// elimination orders as the paper describes and trimming the result as
// raire-rs does. Check verifies any assertion set independently.
//
// MeasureRisk scores ballots against assertions the way colorado-rla does (+1,
// 0 or -1 per ballot), turns CVR-versus-paper differences into one- and
// two-vote over- and understatements and measures each assertion's risk with
// the Kaplan-Markov bound; the contest is confirmed when every assertion is.
//
// The package does no I/O: problems come from DecodeProblem (raire-rs JSON),
// ReadArlo (Arlo's .raire text) or a Builder fed with election CVRs, and the
// caller decides where results go.
package raire

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Vote is a group of identical ballots: N ballots ranking Prefs in order of
// preference (Prefs[0] first). Prefs holds candidate indices and never
// repeats one; an empty Prefs is an exhausted (blank) ballot, which counts
// toward the ballot total but for no candidate.
type Vote struct {
	N     int64 `json:"n"`
	Prefs []int `json:"prefs"`
}

// AuditType names the difficulty measure, spelled as raire-rs spells the
// variants of its "audit" object.
type AuditType string

// The difficulty measures raire-rs supports.
const (
	// OneOnMargin is N/(w-l): proportional to the expected sample size of a
	// ballot-comparison audit.
	OneOnMargin AuditType = "OneOnMargin"
	// OneOnMarginSq is (N/(w-l))²: proportional to the expected sample
	// size of a ballot-polling audit.
	OneOnMarginSq AuditType = "OneOnMarginSq"
	// MACRO is the expected sample size of a comparison audit with no
	// discrepancies: -ln(α)·2γ·N/(w-l).
	MACRO AuditType = "MACRO"
	// BRAVO is the average sample number of a BRAVO ballot-polling audit:
	// (½·ln 2s - ln α)/((w·ln 2s + l·ln(2-2s))/N), s = w/(w+l).
	BRAVO AuditType = "BRAVO"
)

// Audit says how to measure how hard an assertion is to audit.
type Audit struct {
	// Type selects the measure.
	Type AuditType
	// TotalAuditableBallots is N, the number of ballots the audit samples
	// from (the denominator of every diluted margin). It must be at least
	// the number of ballots in the votes.
	TotalAuditableBallots int64
	// RiskLimit is α, used by MACRO and BRAVO (raire-rs calls it
	// "confidence").
	RiskLimit float64
	// Gamma is the error inflation factor γ used by MACRO.
	Gamma float64
}

// Difficulty returns the measure for an assertion whose winner has tally w
// and whose loser has tally l. It is +Inf when w ≤ l: such an assertion is
// false and cannot be audited.
func (a Audit) Difficulty(w, l int64) float64 {
	if w <= l {
		return math.Inf(1)
	}
	n := float64(a.TotalAuditableBallots)
	switch a.Type {
	case OneOnMarginSq:
		d := n / float64(w-l)
		return d * d
	case MACRO:
		return -math.Log(a.RiskLimit) * 2 * a.Gamma * n / float64(w-l)
	case BRAVO:
		wf, lf := float64(w), float64(l)
		twoS := 2 * wf / (wf + lf)
		ln2s := math.Log(twoS)
		perBallot := wf * ln2s
		if l > 0 { // l·ln(2-2s) tends to 0 with l; ln 0 would make it NaN
			perBallot += lf * math.Log(2-twoS)
		}
		return (0.5*ln2s - math.Log(a.RiskLimit)) / (perBallot / n)
	default:
		return n / float64(w-l)
	}
}

// validate reports a precise error for an audit that cannot be used.
func (a Audit) validate() error {
	switch a.Type {
	case OneOnMargin, OneOnMarginSq:
	case MACRO:
		if !(a.Gamma >= 1) || math.IsInf(a.Gamma, 0) {
			return fmt.Errorf("audit.error_inflation_factor: %v is not a number ≥ 1; Colorado uses 1.03905", a.Gamma)
		}
		fallthrough
	case BRAVO:
		if !(a.RiskLimit > 0 && a.RiskLimit < 1) {
			return fmt.Errorf("audit.confidence: risk limit %v is not strictly between 0 and 1 (e.g. 0.05)", a.RiskLimit)
		}
	default:
		return fmt.Errorf("audit.type: %q is not one of OneOnMargin, OneOnMarginSq, MACRO, BRAVO", a.Type)
	}
	if a.TotalAuditableBallots <= 0 {
		return fmt.Errorf("audit.total_auditable_ballots: %d is not a positive ballot count", a.TotalAuditableBallots)
	}
	return nil
}

// TrimAlgorithm says how Solve removes assertions that the search found but
// that are not needed, named as raire-rs names them.
type TrimAlgorithm string

// The trim algorithms.
const (
	// TrimNone keeps every assertion the search found.
	TrimNone TrimAlgorithm = "None"
	// MinimizeTree expands each alternative winner's tree of elimination
	// orders only until an assertion rules a branch out, and keeps one
	// assertion per pruned branch: the smallest tree for a person to
	// check, at the cost of sometimes more assertions.
	MinimizeTree TrimAlgorithm = "MinimizeTree"
	// MinimizeAssertions expands the trees as far as the assertions can
	// still decide anything and keeps as few assertions as it can: fewer
	// assertions to audit, at the cost of a larger tree to check.
	MinimizeAssertions TrimAlgorithm = "MinimizeAssertions"
)

// Problem is one IRV contest to generate assertions for, in the shape of
// raire-rs's RaireProblem.
type Problem struct {
	// NumCandidates is the number of candidates; they are 0..NumCandidates-1.
	NumCandidates int
	// Candidates optionally names them (len NumCandidates); it is used in
	// messages and text output only.
	Candidates []string
	// Votes are the ballots, grouped.
	Votes []Vote
	// Winner is the reported winner, or -1 to take the computed one. A
	// reported winner the votes do not elect is an error (WrongWinner).
	Winner int
	// Audit selects the difficulty measure.
	Audit Audit
	// Trim selects the trim algorithm; empty means MinimizeTree, raire-rs's
	// default.
	Trim TrimAlgorithm
	// DifficultyEstimate, when positive, is a difficulty the caller expects
	// to need anyway: the search accepts any assertion at most this hard
	// without looking for an easier one, which is faster and may give
	// more or different assertions but never a harder set than
	// max(estimate, optimum).
	DifficultyEstimate float64
	// TimeLimit, when positive, bounds the time Solve spends (raire-rs's
	// time_limit_seconds); on expiry Solve fails with a Timeout error,
	// except while trimming, where it returns the untrimmed assertions.
	TimeLimit time.Duration
	// Metadata is opaque JSON carried from input to output, as raire-rs
	// carries its "metadata".
	Metadata json.RawMessage
}

// MaxCandidates bounds NumCandidates. Continuing sets are 64-bit masks; real
// IRV contests have far fewer candidates, and the search is exponential in
// the number of candidates anyway.
const MaxCandidates = 64

// Validate checks that p is well formed: candidate indices in range and not
// repeated within a vote, non-negative counts, a usable audit and a ballot
// total that covers the votes. Errors name the field (votes[i].prefs[j]).
func (p *Problem) Validate() error {
	if p.NumCandidates < 1 {
		return &Error{Kind: ErrInvalidNumberOfCandidates, Detail: fmt.Sprintf("num_candidates: %d; an IRV contest needs at least one candidate", p.NumCandidates)}
	}
	if p.NumCandidates > MaxCandidates {
		return &Error{Kind: ErrInvalidNumberOfCandidates, Detail: fmt.Sprintf("num_candidates: %d exceeds the supported maximum of %d", p.NumCandidates, MaxCandidates)}
	}
	if p.Candidates != nil && len(p.Candidates) != p.NumCandidates {
		return &Error{Kind: ErrWrongCandidateNames, Detail: fmt.Sprintf("candidates: %d names given for num_candidates %d; give one name per candidate or none", len(p.Candidates), p.NumCandidates)}
	}
	if p.Winner < -1 || p.Winner >= p.NumCandidates {
		return &Error{Kind: ErrInvalidCandidateNumber, Detail: fmt.Sprintf("winner: %d is not a candidate index in 0..%d", p.Winner, p.NumCandidates-1)}
	}
	var total int64
	for i, v := range p.Votes {
		if v.N < 0 {
			return &Error{Kind: ErrInvalidBallotCount, Detail: fmt.Sprintf("votes[%d].n: %d is negative; give the number of ballots with this ranking", i, v.N)}
		}
		if total > math.MaxInt64-v.N {
			return &Error{Kind: ErrInvalidBallotCount, Detail: fmt.Sprintf("votes[%d].n: the ballot total overflows a 64-bit count", i)}
		}
		total += v.N
		var seen uint64
		for j, c := range v.Prefs {
			if c < 0 || c >= p.NumCandidates {
				return &Error{Kind: ErrInvalidCandidateNumber, Detail: fmt.Sprintf("votes[%d].prefs[%d]: %d is not a candidate index in 0..%d", i, j, c, p.NumCandidates-1)}
			}
			if seen&(1<<uint(c)) != 0 {
				return &Error{Kind: ErrInvalidCandidateNumber, Detail: fmt.Sprintf("votes[%d].prefs[%d]: candidate %d is ranked twice; list each candidate once, in order of preference", i, j, c)}
			}
			seen |= 1 << uint(c)
		}
	}
	if err := p.Audit.validate(); err != nil {
		return &Error{Kind: ErrInvalidAudit, Detail: err.Error()}
	}
	if p.Audit.TotalAuditableBallots < total {
		return &Error{Kind: ErrInvalidBallotCount, Detail: fmt.Sprintf("audit.total_auditable_ballots: %d is less than the %d ballots in votes; it must count every ballot the audit samples from", p.Audit.TotalAuditableBallots, total)}
	}
	switch p.Trim {
	case "", TrimNone, MinimizeTree, MinimizeAssertions:
	default:
		return &Error{Kind: ErrInvalidTrimAlgorithm, Detail: fmt.Sprintf("trim_algorithm: %q is not one of None, MinimizeTree, MinimizeAssertions", p.Trim)}
	}
	if p.TimeLimit < 0 {
		return &Error{Kind: ErrInvalidTimeout, Detail: fmt.Sprintf("time_limit_seconds: %v is not a positive number of seconds", p.TimeLimit.Seconds())}
	}
	if p.DifficultyEstimate < 0 || math.IsNaN(p.DifficultyEstimate) {
		return &Error{Kind: ErrInvalidAudit, Detail: fmt.Sprintf("difficulty_estimate: %v is not a non-negative number", p.DifficultyEstimate)}
	}
	return nil
}

// name returns a readable label for candidate c.
func (p *Problem) name(c int) string {
	if c >= 0 && c < len(p.Candidates) && p.Candidates[c] != "" {
		return p.Candidates[c]
	}
	return fmt.Sprint(c)
}

// ErrorKind names a failure the way raire-rs names its RaireError variants,
// so that the JSON output {"Err": ...} matches.
type ErrorKind string

// The failures Solve and Validate report.
const (
	ErrInvalidNumberOfCandidates ErrorKind = "InvalidNumberOfCandidates"
	ErrInvalidCandidateNumber    ErrorKind = "InvalidCandidateNumber"
	ErrWrongCandidateNames       ErrorKind = "WrongCandidateNames"
	ErrInvalidTimeout            ErrorKind = "InvalidTimeout"
	ErrTimeoutCheckingWinner     ErrorKind = "TimeoutCheckingWinner"
	ErrTimeoutFindingAssertions  ErrorKind = "TimeoutFindingAssertions"
	ErrTiedWinners               ErrorKind = "TiedWinners"
	ErrWrongWinner               ErrorKind = "WrongWinner"
	ErrCouldNotRuleOut           ErrorKind = "CouldNotRuleOut"
	ErrInternalRuledOutWinner    ErrorKind = "InternalErrorRuledOutWinner"
	ErrInternalDidntRuleOutLoser ErrorKind = "InternalErrorDidntRuleOutLoser"
	// The following are canvass's own: raire-rs rejects such input while
	// parsing it, before it has a RaireError to report.
	ErrInvalidBallotCount   ErrorKind = "InvalidBallotCount"
	ErrInvalidAudit         ErrorKind = "InvalidAudit"
	ErrInvalidTrimAlgorithm ErrorKind = "InvalidTrimAlgorithm"
)

// Error is a RAIRE failure. Candidates carries the candidate list of the
// variants that have one (TiedWinners, WrongWinner, CouldNotRuleOut);
// Difficulty the difficulty reached when TimeoutFindingAssertions struck.
type Error struct {
	Kind       ErrorKind
	Candidates []int
	Difficulty float64
	// Detail explains the failure for a person.
	Detail string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	return string(e.Kind)
}

// Is lets errors.Is match an *Error by kind: errors.Is(err,
// &raire.Error{Kind: raire.ErrWrongWinner}).
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Kind == e.Kind
}

package tabulate

import (
	"errors"
	"fmt"
	"strings"
)

// WinnerElectionMode says how a ranked-choice contest elects its winners.
// The names are RCTab's configuration values.
type WinnerElectionMode int

const (
	// SingleWinnerMajority is instant-runoff voting: eliminate until a
	// candidate has a majority of the continuing votes.
	SingleWinnerMajority WinnerElectionMode = iota
	// MultiWinnerAllowOnlyOneWinnerPerRound is single transferable vote
	// electing at most one candidate (the highest) per round.
	MultiWinnerAllowOnlyOneWinnerPerRound
	// MultiWinnerAllowMultipleWinnersPerRound is single transferable vote
	// electing everyone at or over the threshold in a round.
	MultiWinnerAllowMultipleWinnersPerRound
	// BottomsUp eliminates until as many candidates remain as there are
	// seats; no threshold, no surplus transfer.
	BottomsUp
	// BottomsUpUsingPercentageThreshold eliminates until every remaining
	// candidate holds more than a set percentage of the continuing votes
	// (source notes T8).
	BottomsUpUsingPercentageThreshold
	// MultiPassIRV runs one instant-runoff count per seat, excluding the
	// winners of earlier passes.
	MultiPassIRV
)

var modeNames = []string{
	"singleWinnerMajority",
	"multiWinnerAllowOnlyOneWinnerPerRound",
	"multiWinnerAllowMultipleWinnersPerRound",
	"bottomsUp",
	"bottomsUpUsingPercentageThreshold",
	"multiPassIrv",
}

// String returns RCTab's name for the mode.
func (m WinnerElectionMode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("WinnerElectionMode(%d)", int(m))
}

// surplus reports whether the mode transfers winners' surpluses (STV).
func (m WinnerElectionMode) surplus() bool {
	return m == MultiWinnerAllowOnlyOneWinnerPerRound || m == MultiWinnerAllowMultipleWinnersPerRound
}

// singleSeat reports whether each count elects one winner by majority
// (single-winner IRV and each pass of multi-pass IRV).
func (m WinnerElectionMode) singleSeat() bool {
	return m == SingleWinnerMajority || m == MultiPassIRV
}

// TiebreakMode says how a tie for last place (or, when electing, for first)
// is resolved. The names are RCTab's configuration values.
type TiebreakMode int

const (
	// TiebreakRandom sorts the tied names and draws one with
	// java.util.Random(randomSeed).nextDouble().
	TiebreakRandom TiebreakMode = iota
	// TiebreakStopCountingAndAsk takes the decision from the caller.
	TiebreakStopCountingAndAsk
	// TiebreakPreviousRoundCountsThenRandom compares the tied candidates'
	// tallies in earlier rounds, latest first; a tie that no earlier round
	// separates is drawn at random (from the sorted names for a tie in
	// round 1, source notes T3).
	TiebreakPreviousRoundCountsThenRandom
	// TiebreakPreviousRoundCountsThenAsk is like the above but asks the
	// caller when the earlier rounds do not decide.
	TiebreakPreviousRoundCountsThenAsk
	// TiebreakUseCandidateOrder elects the candidate listed first and
	// eliminates the one listed last; it never picks the undeclared
	// write-in (source notes T2).
	TiebreakUseCandidateOrder
	// TiebreakGeneratePermutation shuffles the sorted list of declared
	// candidates (excluded ones included, the write-in never) once with
	// java.util.Random(randomSeed) and uses that order (source notes T1, T2).
	TiebreakGeneratePermutation
)

var tiebreakNames = []string{
	"random",
	"stopCountingAndAsk",
	"previousRoundCountsThenRandom",
	"previousRoundCountsThenAsk",
	"useCandidateOrder",
	"generatePermutation",
}

// String returns RCTab's name for the mode.
func (t TiebreakMode) String() string {
	if t >= 0 && int(t) < len(tiebreakNames) {
		return tiebreakNames[t]
	}
	return fmt.Sprintf("TiebreakMode(%d)", int(t))
}

// NeedsSeed reports whether the mode draws random numbers.
func (t TiebreakMode) NeedsSeed() bool {
	return t == TiebreakRandom || t == TiebreakPreviousRoundCountsThenRandom || t == TiebreakGeneratePermutation
}

// OvervoteRule says what happens when counting reaches a rank with more than
// one candidate marked. The names are RCTab's configuration values.
type OvervoteRule int

const (
	// AlwaysSkipToNextRank ignores the overvoted rank.
	AlwaysSkipToNextRank OvervoteRule = iota
	// ExhaustImmediately makes the ballot inactive.
	ExhaustImmediately
	// ExhaustIfMultipleContinuing makes the ballot inactive if two or more
	// of the marked candidates are continuing, counts it for the one
	// continuing candidate if there is exactly one, and skips the rank if
	// none is continuing.
	ExhaustIfMultipleContinuing
)

var overvoteNames = []string{"alwaysSkipToNextRank", "exhaustImmediately", "exhaustIfMultipleContinuing"}

// String returns RCTab's name for the rule.
func (o OvervoteRule) String() string {
	if o >= 0 && int(o) < len(overvoteNames) {
		return overvoteNames[o]
	}
	return fmt.Sprintf("OvervoteRule(%d)", int(o))
}

func parseName(kind, s string, names []string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%s: %q is not one of %s", kind, s, strings.Join(names, ", "))
}

// ParseWinnerElectionMode returns the mode with RCTab name s.
func ParseWinnerElectionMode(s string) (WinnerElectionMode, error) {
	i, err := parseName("winnerElectionMode", s, modeNames)
	return WinnerElectionMode(i), err
}

// ParseTiebreakMode returns the mode with RCTab name s.
func ParseTiebreakMode(s string) (TiebreakMode, error) {
	i, err := parseName("tiebreakMode", s, tiebreakNames)
	return TiebreakMode(i), err
}

// ParseOvervoteRule returns the rule with RCTab name s.
func ParseOvervoteRule(s string) (OvervoteRule, error) {
	i, err := parseName("overvoteRule", s, overvoteNames)
	return OvervoteRule(i), err
}

// UnlimitedSkippedRanks is the MaxSkippedRanks value for RCTab's "unlimited".
const UnlimitedSkippedRanks = -1

// Rules are the counting rules of a ranked-choice contest, RCTab's "rules"
// section in typed form.
type Rules struct {
	Mode WinnerElectionMode
	// NumberOfWinners is the number of seats; 0 for
	// BottomsUpUsingPercentageThreshold.
	NumberOfWinners int

	Tiebreak TiebreakMode
	// RandomSeed seeds java.util.Random for the random tiebreak modes.
	RandomSeed int64
	// TiebreakDecisions answer the "ask" tiebreak modes in order: the
	// first tie that needs a decision takes the first name, and so on.
	TiebreakDecisions []string

	Overvote OvervoteRule
	// MaxSkippedRanks is how many consecutive ranks a voter may leave blank
	// before the ballot becomes inactive; UnlimitedSkippedRanks for no limit.
	MaxSkippedRanks int
	// ExhaustOnDuplicateCandidate makes a ballot inactive when counting
	// reaches a second ranking of a candidate (overvoted ranks and a second
	// explicit overvote included), checked before the overvote decision
	// (source notes T14); otherwise the repeat is passed over like any
	// ranking of a non-continuing candidate.
	ExhaustOnDuplicateCandidate bool

	// BatchElimination eliminates in one round every candidate who cannot
	// catch up even with all the votes of the candidates below them.
	BatchElimination bool
	// ContinueUntilTwoCandidatesRemain keeps eliminating after a
	// single-seat winner is found, until two candidates remain.
	ContinueUntilTwoCandidatesRemain bool
	// FirstRoundDeterminesThreshold fixes a single-seat or percentage
	// threshold at its round-1 value.
	FirstRoundDeterminesThreshold bool
	// NonIntegerWinningThreshold uses V/(S+1) truncated to DecimalPlaces
	// digits plus 10^-DecimalPlaces (Hagenbach-Bischoff) instead of
	// floor(V/(S+1))+1 (Droop).
	NonIntegerWinningThreshold bool
	// HareQuota divides by S instead of S+1.
	HareQuota bool
	// CutoffElimination eliminates every continuing candidate below the
	// round's threshold in one round, in any mode; a cutoff that would
	// remove everyone is an error (source notes T9, T10).
	CutoffElimination bool
	// PercentageThreshold is the bottoms-up percentage, e.g. 15 for 15%;
	// its scale sets the factor's (source notes T7).
	PercentageThreshold Decimal

	// DecimalPlaces is the scale of surplus fractions, transfers and
	// non-integer thresholds (RCTab's decimalPlacesForVoteArithmetic).
	DecimalPlaces int
	// StopAfterRound ends counting after this round if it is positive.
	StopAfterRound int
}

// ErrInvalidRules is wrapped by every error Validate returns.
var ErrInvalidRules = errors.New("invalid tabulation rules")

// Validate checks that the rules are consistent enough to count with. The
// rctab package applies RCTab's fuller configuration checks; these are the
// ones the engine itself depends on.
func (r *Rules) Validate() error {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if r.Mode < SingleWinnerMajority || r.Mode > MultiPassIRV {
		add("unknown winner election mode %d", int(r.Mode))
	}
	if r.Tiebreak < TiebreakRandom || r.Tiebreak > TiebreakGeneratePermutation {
		add("unknown tiebreak mode %d", int(r.Tiebreak))
	}
	if r.Overvote < AlwaysSkipToNextRank || r.Overvote > ExhaustIfMultipleContinuing {
		add("unknown overvote rule %d", int(r.Overvote))
	}
	switch r.Mode {
	case SingleWinnerMajority:
		// Several seats are counted like
		// MultiWinnerAllowMultipleWinnersPerRound, as RCTab does (source
		// notes V7).
		if r.NumberOfWinners < 1 {
			add("%s needs at least 1 winner, not %d", r.Mode, r.NumberOfWinners)
		}
	case BottomsUpUsingPercentageThreshold:
		if r.NumberOfWinners != 0 {
			add("%s needs numberOfWinners 0, not %d", r.Mode, r.NumberOfWinners)
		}
		if r.PercentageThreshold.Sign() <= 0 || r.PercentageThreshold.Cmp(DecimalFromInt(100)) > 0 {
			add("percentage threshold %s must be above 0 and at most 100", r.PercentageThreshold)
		}
	default:
		if r.NumberOfWinners < 1 {
			add("%s needs at least 1 winner, not %d", r.Mode, r.NumberOfWinners)
		}
	}
	if r.DecimalPlaces < 1 || r.DecimalPlaces > 20 {
		add("decimal places %d must be 1 to 20", r.DecimalPlaces)
	}
	if r.MaxSkippedRanks < UnlimitedSkippedRanks {
		add("max skipped ranks %d must be 0 or more (or unlimited)", r.MaxSkippedRanks)
	}
	if r.NonIntegerWinningThreshold && r.HareQuota {
		add("nonIntegerWinningThreshold and hareQuota cannot be combined")
	}
	if r.StopAfterRound < 0 {
		add("stop after round %d must not be negative", r.StopAfterRound)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidRules, strings.Join(problems, "; "))
	}
	return nil
}

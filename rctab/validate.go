package rctab

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/tabulate"
)

// Providers are the cvrFileSources provider names RCTab accepts.
var Providers = []string{"cdf", "clearBallot", "dominion", "ess", "genericCsv", "hart"}

// folderProviders read a folder rather than a file.
var folderProviders = map[string]bool{"dominion": true, "hart": true}

// TabulatorVersions are the tabulatorVersion values RCTab's command line
// runs: "TEST" and its own version, the RCTab release the source notes
// describe (source notes V1; RCTab ContestConfig.validateTabulatorVersion,
// TabulatorSession.checkConfigVersionMatchesApp).
var TabulatorVersions = []string{"TEST", "2.0.1"}

// reservedLabels may not be a label, a candidate name or an alias, in any
// case (source notes V5; RCTab ContestConfig.stringConflictsWithReservedString).
var reservedLabels = []string{"residual surplus", "exhausted", "uncounted"}

const (
	maxColumnIndex = 1000
	maxRowIndex    = 100000
	// RCTab's randomSeed range, ±2^47.
	minSeed = -1 << 47
	maxSeed = 1<<47 - 1
)

// validateSettings applies RCTab's configuration checks (those of its
// ContestConfig.validate) and returns every problem found, each naming the
// setting and what is expected.
func validateSettings(cfg *Config) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	o, r := &cfg.Output, &cfg.Rules

	if o.ContestName == "" {
		add("outputSettings.contestName: missing; give the contest a name")
	}
	switch {
	case cfg.TabulatorVersion == "":
		add("tabulatorVersion: missing; RCTab runs a configuration only if it names its version (%s)", strings.Join(TabulatorVersions, " or "))
	case !slices.Contains(TabulatorVersions, cfg.TabulatorVersion):
		add("tabulatorVersion: %q; RCTab runs only configurations of its own version (%s): open and save the file in RCTab %s, or set it to TEST", cfg.TabulatorVersion, strings.Join(TabulatorVersions, " or "), TabulatorVersions[1])
	}

	mode, modeErr := tabulate.ParseWinnerElectionMode(r.WinnerElectionMode)
	switch {
	case r.WinnerElectionMode == "":
		add("rules.winnerElectionMode: missing; expected one of singleWinnerMajority, multiWinnerAllowOnlyOneWinnerPerRound, multiWinnerAllowMultipleWinnersPerRound, bottomsUp, bottomsUpUsingPercentageThreshold, multiPassIrv")
	case modeErr != nil:
		add("rules.%v", modeErr)
	}
	tb, tbErr := tabulate.ParseTiebreakMode(r.TiebreakMode)
	switch {
	case r.TiebreakMode == "":
		add("rules.tiebreakMode: missing; expected one of random, stopCountingAndAsk, previousRoundCountsThenRandom, previousRoundCountsThenAsk, useCandidateOrder, generatePermutation")
	case tbErr != nil:
		add("rules.%v", tbErr)
	}
	ov, ovErr := tabulate.ParseOvervoteRule(r.OvervoteRule)
	switch {
	case r.OvervoteRule == "":
		add("rules.overvoteRule: missing; expected one of alwaysSkipToNextRank, exhaustImmediately, exhaustIfMultipleContinuing")
	case ovErr != nil:
		add("rules.%v", ovErr)
	}

	// A given seed is range-checked whether or not the tie-break mode uses
	// it (source notes V10).
	if tbErr == nil && tb.NeedsSeed() && !r.Set["randomSeed"] {
		add("rules.randomSeed: missing; tiebreakMode %s needs a random seed (a whole number from %d to %d)", tb, int64(minSeed), int64(maxSeed))
	}
	if r.Set["randomSeed"] && (r.RandomSeed < minSeed || r.RandomSeed > maxSeed) {
		add("rules.randomSeed: %d is out of range; expected %d to %d", r.RandomSeed, int64(minSeed), int64(maxSeed))
	}

	if !r.Set["numberOfWinners"] {
		add("rules.numberOfWinners: missing; expected the number of seats")
	} else if r.NumberOfWinners < 0 {
		add("rules.numberOfWinners: %d is negative; expected the number of seats", r.NumberOfWinners)
	} else if modeErr == nil {
		switch mode {
		case tabulate.SingleWinnerMajority:
			// RCTab accepts several seats here and counts them like
			// multiWinnerAllowMultipleWinnersPerRound (source notes V7).
			if r.NumberOfWinners < 1 {
				add("rules.numberOfWinners: %d, but winnerElectionMode singleWinnerMajority needs 1", r.NumberOfWinners)
			}
		case tabulate.BottomsUpUsingPercentageThreshold:
			if r.NumberOfWinners != 0 {
				add("rules.numberOfWinners: %d, but winnerElectionMode bottomsUpUsingPercentageThreshold needs 0 (the threshold decides how many win)", r.NumberOfWinners)
			}
		default:
			if r.NumberOfWinners < 2 {
				add("rules.numberOfWinners: %d, but winnerElectionMode %s needs 2 or more; use singleWinnerMajority for one seat", r.NumberOfWinners, mode)
			}
		}
	}
	pctSet := r.Set["multiSeatBottomsUpPercentageThreshold"]
	if modeErr == nil && mode == tabulate.BottomsUpUsingPercentageThreshold {
		if !pctSet {
			add("rules.multiSeatBottomsUpPercentageThreshold: missing; bottomsUpUsingPercentageThreshold needs a percentage from 1 to 100")
		} else if p := r.MultiSeatBottomsUpPercentageThreshold; p.Cmp(tabulate.DecimalFromInt(1)) < 0 || p.Cmp(tabulate.DecimalFromInt(100)) > 0 {
			add("rules.multiSeatBottomsUpPercentageThreshold: %s is out of range; expected 1 to 100", p)
		}
	}
	// In other modes RCTab ignores the percentage (source notes V9).

	if !r.Set["decimalPlacesForVoteArithmetic"] {
		add("rules.decimalPlacesForVoteArithmetic: missing; expected 1 to 20")
	} else if d := r.DecimalPlacesForVoteArithmetic; d < 1 || d > 20 {
		add("rules.decimalPlacesForVoteArithmetic: %d is out of range; expected 1 to 20", d)
	}
	if !r.Set["maxSkippedRanksAllowed"] {
		add("rules.maxSkippedRanksAllowed: missing; expected 0 to 2147483647 or \"unlimited\"")
	}
	if !r.Set["maxRankingsAllowed"] {
		add("rules.maxRankingsAllowed: missing; expected 1 to 2147483647 or \"max\"")
	}
	if r.Set["stopTabulationEarlyAfterRound"] && r.StopTabulationEarlyAfterRound < 1 {
		add("rules.stopTabulationEarlyAfterRound: %d; expected a round number, 1 or more (or leave it empty)", r.StopTabulationEarlyAfterRound)
	}

	if modeErr == nil {
		singleOrPasses := mode == tabulate.SingleWinnerMajority || mode == tabulate.MultiPassIRV
		stv := mode == tabulate.MultiWinnerAllowOnlyOneWinnerPerRound || mode == tabulate.MultiWinnerAllowMultipleWinnersPerRound
		// singleWinnerMajority with several seats is counted as STV and
		// refuses the single-seat options (source notes V7).
		manySingle := mode == tabulate.SingleWinnerMajority && r.NumberOfWinners > 1
		if r.BatchElimination && (!singleOrPasses || manySingle) {
			add("rules.batchElimination: only allowed with singleWinnerMajority (one seat) or multiPassIrv, not %s with %d seats", mode, r.NumberOfWinners)
		}
		// RCTab refuses continueUntilTwoCandidatesRemain only for several
		// seats outside multi-pass IRV; the percentage mode (0 seats)
		// accepts it, and it changes nothing there (source notes V8).
		if r.ContinueUntilTwoCandidatesRemain && r.NumberOfWinners > 1 && mode != tabulate.MultiPassIRV {
			add("rules.continueUntilTwoCandidatesRemain: only allowed with one seat or multiPassIrv, not %s with %d seats", mode, r.NumberOfWinners)
		}
		if r.DoesFirstRoundDetermineThreshold && (mode != tabulate.SingleWinnerMajority && mode != tabulate.BottomsUpUsingPercentageThreshold || manySingle) {
			add("rules.doesFirstRoundDetermineThreshold: only allowed with singleWinnerMajority (one seat) or bottomsUpUsingPercentageThreshold, not %s with %d seats", mode, r.NumberOfWinners)
		}
		if r.NonIntegerWinningThreshold && !stv {
			add("rules.nonIntegerWinningThreshold: only allowed with the multi-winner modes (multiWinnerAllowOnlyOneWinnerPerRound, multiWinnerAllowMultipleWinnersPerRound), not %s", mode)
		}
		if r.HareQuota && !stv {
			add("rules.hareQuota: only allowed with the multi-winner modes (multiWinnerAllowOnlyOneWinnerPerRound, multiWinnerAllowMultipleWinnersPerRound), not %s", mode)
		}
		// cutoffElimination is accepted in every mode (source notes T10).
	}
	if r.NonIntegerWinningThreshold && r.HareQuota {
		add("rules: nonIntegerWinningThreshold and hareQuota cannot both be set; choose one threshold formula")
	}

	problems = append(problems, validateCandidates(cfg)...)
	problems = append(problems, validateSources(cfg, ovErr == nil && ov == tabulate.ExhaustIfMultipleContinuing)...)
	return problems
}

func validateCandidates(cfg *Config) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if len(cfg.Candidates) == 0 {
		add("candidates: none declared; list every candidate (name, and aliases for codes used in the CVRs)")
		return problems
	}
	owner := map[string]int{}
	included := 0
	for i, c := range cfg.Candidates {
		at := fmt.Sprintf("candidates[%d]", i+1)
		if strings.TrimSpace(c.Name) == "" {
			add("%s.name: missing; every candidate needs a name", at)
			continue
		}
		if !c.Excluded {
			included++
		}
		// RCTab accepts a candidate named like the write-in pseudo-candidate
		// (source notes V6); canvass cannot count both, so it refuses the
		// name only when a source enables write-ins, a deliberate choice.
		if c.Name == election.UndeclaredWriteInName && writeInsEnabled(cfg) {
			add("%s.name: %q is the name of the undeclared write-in pseudo-candidate, which this configuration enables; rename the candidate", at, c.Name)
		}
		// Names and aliases form one pool: any string twice is an error,
		// an alias repeating its own candidate's name too (source notes V6).
		for j, k := range append([]string{c.Name}, c.Aliases...) {
			if prev, dup := owner[k]; dup {
				if prev == i {
					add("%s.aliases[%d]: %q repeats this candidate's name or another of its aliases; names and aliases must be unique", at, j, k)
				} else {
					add("%s: %q also identifies candidates[%d] (%q); names and aliases must be unique", at, k, prev+1, cfg.Candidates[prev].Name)
				}
				continue
			}
			owner[k] = i
			// No name or alias may equal a reserved word or any source's
			// label, ignoring case (source notes V5).
			for _, w := range reservedLabels {
				if strings.EqualFold(k, w) {
					add("%s: %q is reserved by RCTab (residual surplus, exhausted, uncounted, in any case); rename it", at, k)
				}
			}
			for si, src := range cfg.Sources {
				for _, l := range sourceLabels(&src) {
					if strings.EqualFold(k, l.v) {
						add("%s: %q is also cvrFileSources[%d].%s (ignoring case); a candidate cannot be a label", at, k, si+1, l.name)
					}
				}
			}
		}
	}
	if included == 0 {
		add("candidates: every candidate is excluded; nothing to count")
	}
	return problems
}

// writeInsEnabled reports whether the undeclared write-in pseudo-candidate
// exists: some source has a write-in label or treats blanks as write-ins
// (source notes P3; RCTab ContestConfig.undeclaredWriteInsEnabled).
func writeInsEnabled(cfg *Config) bool {
	for _, s := range cfg.Sources {
		if s.UndeclaredWriteInLabel != "" || s.TreatBlankAsUndeclaredWriteIn {
			return true
		}
	}
	return false
}

type label struct{ name, v string }

// sourceLabels returns a source's labels that are set.
func sourceLabels(s *Source) []label {
	var out []label
	for _, l := range []label{
		{"overvoteLabel", s.OvervoteLabel}, {"skippedRankLabel", s.UndervoteLabel}, {"undeclaredWriteInLabel", s.UndeclaredWriteInLabel},
	} {
		if l.v != "" {
			out = append(out, l)
		}
	}
	return out
}

func validateSources(cfg *Config, ifMultiple bool) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if len(cfg.Sources) == 0 {
		add("cvrFileSources: none given; add at least one CVR source (provider and filePath)")
		return problems
	}
	known := map[string]bool{}
	for _, p := range Providers {
		known[p] = true
	}
	seen := map[string]int{}
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		at := fmt.Sprintf("cvrFileSources[%d]", i+1)
		switch {
		case s.Provider == "":
			add("%s.provider: missing; expected one of %s", at, strings.Join(Providers, ", "))
		case !known[s.Provider]:
			add("%s.provider: %q is not one of %s", at, s.Provider, strings.Join(Providers, ", "))
		}
		if s.Path == "" {
			// Missing, or refused when parsed.
			if s.FilePath == "" {
				add("%s.filePath: missing; give the CVR %s", at, fileOrFolder(s.Provider))
			}
		} else {
			if prev, dup := seen[s.Path]; dup {
				add("%s.filePath: %q is also cvrFileSources[%d]; list each CVR source once", at, s.FilePath, prev+1)
			}
			seen[s.Path] = i
			st, err := cfg.source().Stat(s.Path)
			switch {
			case err != nil:
				add("%s.filePath: %q does not exist (looked for %s); paths are relative to the configuration file", at, s.FilePath, s.Path)
			case folderProviders[s.Provider] && !st.IsDir():
				add("%s.filePath: %q is a file, but provider %s reads a folder of CVR files", at, s.FilePath, s.Provider)
			case known[s.Provider] && !folderProviders[s.Provider] && st.IsDir():
				add("%s.filePath: %q is a folder, but provider %s reads a single CVR file", at, s.FilePath, s.Provider)
			}
		}
		ess := s.Provider == "ess"
		generic := s.Provider == "genericCsv"
		// dominion, hart, clearBallot and cdf: the column and row settings
		// must be blank (source notes V3).
		other := known[s.Provider] && !ess && !generic
		switch {
		case ess && s.ContestID != "":
			add("%s.contestId: must be empty for provider ess (an ES&S file holds one contest)", at)
		case generic && s.ContestID != "":
			add("%s.contestId: must be empty for provider genericCsv (a generic CSV file holds one contest)", at)
		case other && s.ContestID == "":
			add("%s.contestId: missing; provider %s needs the ID of the contest to count", at, s.Provider)
		}
		if s.Provider == "cdf" {
			// Source notes V4; RCTab ContestConfig.validateCvrFileSources.
			if ext := strings.ToLower(filepath.Ext(s.FilePath)); s.FilePath != "" && ext != ".json" && ext != ".xml" {
				add("%s.filePath: %q; provider cdf reads a .json or .xml file", at, s.FilePath)
			}
			if cfg.Output.TabulateByPrecinct {
				add("%s: provider cdf cannot be combined with outputSettings.tabulateByPrecinct; turn it off", at)
			}
			if cfg.Output.TabulateByBatch {
				add("%s: provider cdf cannot be combined with outputSettings.tabulateByBatch; turn it off", at)
			}
		}
		if other {
			for _, f := range []struct {
				name string
				set  bool
			}{
				{"firstVoteColumnIndex", s.FirstVoteColumnIndex != 0},
				{"firstVoteRowIndex", s.FirstVoteRowIndex != 0},
				{"idColumnIndex", s.IDColumnIndex != 0},
				{"precinctColumnIndex", s.PrecinctColumnIndex != 0},
				{"batchColumnIndex", s.BatchColumnIndex != 0},
				{"overvoteDelimiter", s.OvervoteDelimiter != ""},
				{"skippedRankLabel", s.UndervoteLabel != ""},
				{"overvoteLabel", s.OvervoteLabel != "" && s.Provider != "cdf"},
				{"treatBlankAsUndeclaredWriteIn", s.TreatBlankAsUndeclaredWriteIn},
			} {
				if f.set {
					add("%s.%s: not used with provider %s; leave it empty", at, f.name, s.Provider)
				}
			}
		}
		if ess || generic {
			if s.FirstVoteColumnIndex == 0 {
				add("%s.firstVoteColumnIndex: missing; provider %s needs the column (from 1) of the first ranking", at, s.Provider)
			}
			if s.FirstVoteRowIndex == 0 {
				add("%s.firstVoteRowIndex: missing; provider %s needs the row (from 1) of the first ballot", at, s.Provider)
			}
		}
		if ess {
			if cfg.Output.TabulateByPrecinct && s.PrecinctColumnIndex == 0 {
				add("%s.precinctColumnIndex: missing; tabulateByPrecinct needs the precinct column of ES&S files", at)
			}
			if cfg.Output.TabulateByBatch && s.BatchColumnIndex == 0 {
				add("%s.batchColumnIndex: missing; tabulateByBatch needs the batch column of ES&S files", at)
			}
		}
		// RCTab range-checks the id and precinct columns of ES&S only, and
		// the batch column of neither (source notes V2, V3); a negative
		// index is refused anyway, as canvass cannot read it.
		for _, f := range []struct {
			name    string
			v       int
			max     int
			checked bool
		}{
			{"firstVoteColumnIndex", s.FirstVoteColumnIndex, maxColumnIndex, true},
			{"firstVoteRowIndex", s.FirstVoteRowIndex, maxRowIndex, true},
			{"idColumnIndex", s.IDColumnIndex, maxColumnIndex, ess},
			{"precinctColumnIndex", s.PrecinctColumnIndex, maxColumnIndex, ess},
			{"batchColumnIndex", s.BatchColumnIndex, maxColumnIndex, false},
		} {
			if f.v < 0 || f.checked && f.v > f.max {
				add("%s.%s: %d is out of range; expected 1 to %d", at, f.name, f.v, f.max)
			}
		}
		if s.OvervoteDelimiter != "" {
			if s.OvervoteLabel != "" {
				add("%s.overvoteDelimiter: cannot be combined with overvoteLabel; an ES&S file marks overvotes one way or the other", at)
			}
			if strings.Contains(s.OvervoteDelimiter, `\`) {
				add("%s.overvoteDelimiter: %q contains a backslash, which is not allowed", at, s.OvervoteDelimiter)
			} else if !hasDelimiterChar(s.OvervoteDelimiter) {
				add("%s.overvoteDelimiter: %q would split candidate names; it needs a character other than letters, digits, hyphen, period, comma, apostrophe, quote and space", at, s.OvervoteDelimiter)
			}
		}
		if s.OvervoteLabel != "" {
			if ifMultiple {
				add("%s.overvoteLabel: overvoteRule exhaustIfMultipleContinuing needs to know which candidates an overvote marks, which an overvote label does not say; use alwaysSkipToNextRank or exhaustImmediately", at)
			}
		}
		if ess && ifMultiple && s.OvervoteDelimiter == "" {
			add("%s.overvoteDelimiter: missing; overvoteRule exhaustIfMultipleContinuing needs it to read which candidates an ES&S overvote marks", at)
		}
		// A source's labels differ from each other and from RCTab's
		// reserved words, ignoring case (source notes V5).
		labels := map[string]string{}
		for _, l := range sourceLabels(s) {
			key := strings.ToLower(l.v)
			if prev, dup := labels[key]; dup {
				add("%s.%s: %q is also the %s (ignoring case); each label must be different", at, l.name, l.v, prev)
			}
			labels[key] = l.name
			for _, w := range reservedLabels {
				if strings.EqualFold(l.v, w) {
					add("%s.%s: %q is reserved by RCTab (residual surplus, exhausted, uncounted, in any case); choose another label", at, l.name, l.v)
				}
			}
		}
	}
	return problems
}

func fileOrFolder(provider string) string {
	if folderProviders[provider] {
		return "folder"
	}
	return "file"
}

// hasDelimiterChar reports whether s has a character that cannot be part of
// a candidate name: anything but letters, digits, hyphen, period, comma,
// apostrophe, quote and space.
func hasDelimiterChar(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("-.,'\" \t\n\v\f\r", r):
			// Java's \s counts as a name character too, so a tab is no
			// delimiter (source notes V14).
		default:
			return true
		}
	}
	return false
}

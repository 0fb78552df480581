package rctab

import (
	"fmt"
	"strings"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/tabulate"
)

// Providers are the cvrFileSources provider names RCTab accepts.
var Providers = []string{"cdf", "clearBallot", "dominion", "ess", "genericCsv", "hart"}

// folderProviders read a folder rather than a file.
var folderProviders = map[string]bool{"dominion": true, "hart": true}

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

	if tbErr == nil && tb.NeedsSeed() {
		if !r.Set["randomSeed"] {
			add("rules.randomSeed: missing; tiebreakMode %s needs a random seed (a whole number from %d to %d)", tb, int64(minSeed), int64(maxSeed))
		} else if r.RandomSeed < minSeed || r.RandomSeed > maxSeed {
			add("rules.randomSeed: %d is out of range; expected %d to %d", r.RandomSeed, int64(minSeed), int64(maxSeed))
		}
	}

	if !r.Set["numberOfWinners"] {
		add("rules.numberOfWinners: missing; expected the number of seats")
	} else if r.NumberOfWinners < 0 {
		add("rules.numberOfWinners: %d is negative; expected the number of seats", r.NumberOfWinners)
	} else if modeErr == nil {
		switch mode {
		case tabulate.SingleWinnerMajority:
			if r.NumberOfWinners != 1 {
				add("rules.numberOfWinners: %d, but winnerElectionMode singleWinnerMajority elects exactly 1; use a multi-winner mode for more seats", r.NumberOfWinners)
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
	} else if pctSet {
		add("rules.multiSeatBottomsUpPercentageThreshold: only used with winnerElectionMode bottomsUpUsingPercentageThreshold; remove it")
	}

	if !r.Set["decimalPlacesForVoteArithmetic"] {
		add("rules.decimalPlacesForVoteArithmetic: missing; expected 1 to 20")
	} else if d := r.DecimalPlacesForVoteArithmetic; d < 1 || d > 20 {
		add("rules.decimalPlacesForVoteArithmetic: %d is out of range; expected 1 to 20", d)
	}
	if !r.Set["maxSkippedRanksAllowed"] {
		add("rules.maxSkippedRanksAllowed: missing; expected 0 to 1000000 or \"unlimited\"")
	}
	if !r.Set["maxRankingsAllowed"] {
		add("rules.maxRankingsAllowed: missing; expected 1 to 1000000 or \"max\"")
	}
	if r.Set["stopTabulationEarlyAfterRound"] && r.StopTabulationEarlyAfterRound < 1 {
		add("rules.stopTabulationEarlyAfterRound: %d; expected a round number, 1 or more (or leave it empty)", r.StopTabulationEarlyAfterRound)
	}

	if modeErr == nil {
		singleOrPasses := mode == tabulate.SingleWinnerMajority || mode == tabulate.MultiPassIRV
		stv := mode == tabulate.MultiWinnerAllowOnlyOneWinnerPerRound || mode == tabulate.MultiWinnerAllowMultipleWinnersPerRound
		if r.BatchElimination && !singleOrPasses {
			add("rules.batchElimination: only allowed with singleWinnerMajority or multiPassIrv, not %s", mode)
		}
		if r.ContinueUntilTwoCandidatesRemain && !singleOrPasses {
			add("rules.continueUntilTwoCandidatesRemain: only allowed with singleWinnerMajority or multiPassIrv, not %s", mode)
		}
		if r.DoesFirstRoundDetermineThreshold && mode != tabulate.SingleWinnerMajority && mode != tabulate.BottomsUpUsingPercentageThreshold {
			add("rules.doesFirstRoundDetermineThreshold: only allowed with singleWinnerMajority or bottomsUpUsingPercentageThreshold, not %s", mode)
		}
		if r.NonIntegerWinningThreshold && !stv {
			add("rules.nonIntegerWinningThreshold: only allowed with the multi-winner modes (multiWinnerAllowOnlyOneWinnerPerRound, multiWinnerAllowMultipleWinnersPerRound), not %s", mode)
		}
		if r.HareQuota && !stv {
			add("rules.hareQuota: only allowed with the multi-winner modes (multiWinnerAllowOnlyOneWinnerPerRound, multiWinnerAllowMultipleWinnersPerRound), not %s", mode)
		}
		if r.CutoffElimination && mode != tabulate.BottomsUpUsingPercentageThreshold {
			add("rules.cutoffElimination: only allowed with bottomsUpUsingPercentageThreshold, not %s", mode)
		}
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
		if c.Name == election.UndeclaredWriteInName {
			add("%s.name: %q is reserved for undeclared write-ins; use undeclaredWriteInLabel in the CVR source instead", at, c.Name)
		}
		for _, k := range append([]string{c.Name}, c.Aliases...) {
			if prev, dup := owner[k]; dup && prev != i {
				add("%s: %q also identifies candidates[%d] (%q); names and aliases must be unique", at, k, prev+1, cfg.Candidates[prev].Name)
				continue
			}
			owner[k] = i
		}
	}
	if included == 0 {
		add("candidates: every candidate is excluded; nothing to count")
	}
	for i, s := range cfg.Sources {
		if s.UndeclaredWriteInLabel == "" {
			continue
		}
		if prev, ok := owner[s.UndeclaredWriteInLabel]; ok {
			add("cvrFileSources[%d].undeclaredWriteInLabel: %q is also candidates[%d] (%q); a label cannot be both", i+1, s.UndeclaredWriteInLabel, prev+1, cfg.Candidates[prev].Name)
		}
	}
	return problems
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
	for i, s := range cfg.Sources {
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
		switch {
		case ess && s.ContestID != "":
			add("%s.contestId: must be empty for provider ess (an ES&S file holds one contest)", at)
		case !ess && !generic && known[s.Provider] && s.ContestID == "":
			add("%s.contestId: missing; provider %s needs the ID of the contest to count", at, s.Provider)
		}
		if ess {
			if s.FirstVoteColumnIndex == 0 {
				add("%s.firstVoteColumnIndex: missing; provider ess needs the column (from 1) of the first ranking", at)
			}
			if s.FirstVoteRowIndex == 0 {
				add("%s.firstVoteRowIndex: missing; provider ess needs the row (from 1) of the first ballot", at)
			}
			if cfg.Output.TabulateByPrecinct && s.PrecinctColumnIndex == 0 {
				add("%s.precinctColumnIndex: missing; tabulateByPrecinct needs the precinct column of ES&S files", at)
			}
			if cfg.Output.TabulateByBatch && s.BatchColumnIndex == 0 {
				add("%s.batchColumnIndex: missing; tabulateByBatch needs the batch column of ES&S files", at)
			}
		}
		for _, f := range []struct {
			name string
			v    int
			max  int
		}{
			{"firstVoteColumnIndex", s.FirstVoteColumnIndex, maxColumnIndex},
			{"firstVoteRowIndex", s.FirstVoteRowIndex, maxRowIndex},
			{"idColumnIndex", s.IDColumnIndex, maxColumnIndex},
			{"precinctColumnIndex", s.PrecinctColumnIndex, maxColumnIndex},
			{"batchColumnIndex", s.BatchColumnIndex, maxColumnIndex},
		} {
			if f.v < 0 || f.v > f.max {
				add("%s.%s: %d is out of range; expected 1 to %d", at, f.name, f.v, f.max)
			}
		}
		if s.OvervoteDelimiter != "" {
			if !ess {
				add("%s.overvoteDelimiter: only used with provider ess; remove it", at)
			}
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
			if !ess && s.Provider != "cdf" {
				add("%s.overvoteLabel: only used with providers ess and cdf; remove it", at)
			}
			if ifMultiple {
				add("%s.overvoteLabel: overvoteRule exhaustIfMultipleContinuing needs to know which candidates an overvote marks, which an overvote label does not say; use alwaysSkipToNextRank or exhaustImmediately", at)
			}
		}
		if ess && ifMultiple && s.OvervoteDelimiter == "" {
			add("%s.overvoteDelimiter: missing; overvoteRule exhaustIfMultipleContinuing needs it to read which candidates an ES&S overvote marks", at)
		}
		if s.UndervoteLabel != "" && !ess {
			add("%s.skippedRankLabel: only used with provider ess; remove it", at)
		}
		if s.TreatBlankAsUndeclaredWriteIn && !ess {
			add("%s.treatBlankAsUndeclaredWriteIn: only used with provider ess; remove it", at)
		}
		if s.IDColumnIndex != 0 && !ess && !generic {
			add("%s.idColumnIndex: only used with providers ess and genericCsv; remove it", at)
		}
		labels := map[string]string{}
		for _, l := range []struct{ name, v string }{
			{"overvoteLabel", s.OvervoteLabel}, {"skippedRankLabel", s.UndervoteLabel}, {"undeclaredWriteInLabel", s.UndeclaredWriteInLabel},
		} {
			if l.v == "" {
				continue
			}
			if prev, dup := labels[l.v]; dup {
				add("%s.%s: %q is also the %s; each label must be different", at, l.name, l.v, prev)
			}
			labels[l.v] = l.name
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
		case strings.ContainsRune("-.,'\" ", r):
		default:
			return true
		}
	}
	return false
}

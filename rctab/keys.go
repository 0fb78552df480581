package rctab

import (
	"encoding/json"
	"sort"
	"strings"
)

// The keys RCTab's configuration reader knows, object by object.
var (
	topKeys    = []string{"tabulatorVersion", "outputSettings", "cvrFileSources", "candidates", "rules"}
	outputKeys = []string{"contestName", "outputDirectory", "contestDate", "contestJurisdiction", "contestOffice",
		"tabulateByPrecinct", "tabulateByBatch", "generateCdfJson"}
	sourceKeys = []string{"provider", "filePath", "contestId", "firstVoteColumnIndex", "firstVoteRowIndex",
		"idColumnIndex", "batchColumnIndex", "precinctColumnIndex", "overvoteDelimiter", "overvoteLabel",
		"skippedRankLabel", "undeclaredWriteInLabel", "treatBlankAsUndeclaredWriteIn"}
	candidateKeys = []string{"name", "aliases", "excluded"}
	rulesKeys     = []string{"tiebreakMode", "overvoteRule", "winnerElectionMode", "randomSeed", "numberOfWinners",
		"multiSeatBottomsUpPercentageThreshold", "decimalPlacesForVoteArithmetic", "maxSkippedRanksAllowed",
		"maxRankingsAllowed", "nonIntegerWinningThreshold", "doesFirstRoundDetermineThreshold", "hareQuota",
		"batchElimination", "continueUntilTwoCandidatesRemain", "cutoffElimination", "exhaustOnDuplicateCandidate",
		"stopTabulationEarlyAfterRound", "rulesDescription"}
)

// checkKeys looks at every key of m that is not in known. RCTab ignores
// such keys (source notes V6, V12), so a misspelled setting silently falls
// back to its default and can change the count. canvass therefore refuses
// a key that is a near miss of a known one ("did you mean"), a deliberate
// canvass choice, and only warns about other unknown keys, which RCTab
// mode must accept; ignored explains keys RCTab is known to ignore.
func (p *parser) checkKeys(m map[string]json.RawMessage, at string, known []string, ignored map[string]string) {
	var unknown []string
	for k := range m {
		if !containsString(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		if why, ok := ignored[k]; ok {
			p.warnings = append(p.warnings, at+k+": "+why)
			continue
		}
		if guess := closestKey(k, known); guess != "" {
			p.add("%s%s: not an RCTab setting; did you mean %q? RCTab would ignore it and count with the default", at, k, guess)
			continue
		}
		p.warnings = append(p.warnings, at+k+": not an RCTab setting; ignored, as RCTab ignores it")
	}
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// closestKey returns the known key nearest to k, ignoring case, spaces,
// hyphens and underscores, if it is near enough to be a misspelling: at most
// two edits, or three for keys of 15 letters or more.
func closestKey(k string, known []string) string {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch r {
			case ' ', '_', '-':
				return -1
			}
			return r
		}, strings.ToLower(s))
	}
	nk := norm(k)
	best, bestD := "", 1<<30
	for _, c := range known {
		d := editDistance(nk, norm(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(nk) >= 15 {
		limit = 3
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package rctab

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baseConfig is a valid configuration; tests edit it with replacements.
const baseConfig = `{
  "tabulatorVersion": "1.3.999",
  "outputSettings": {"contestName": "Test", "contestDate": "2024-01-01", "tabulateByPrecinct": false},
  "cvrFileSources": [{"provider": "genericCsv", "filePath": "cvr.csv", "firstVoteColumnIndex": "2", "firstVoteRowIndex": 2, "undeclaredWriteInLabel": ""}],
  "candidates": [{"name": "A", "aliases": ["a1"]}, {"name": "B", "excluded": false}, {"name": "C", "excluded": "true"}],
  "rules": {
    "tiebreakMode": "random", "randomSeed": "42", "overvoteRule": "exhaustImmediately",
    "winnerElectionMode": "singleWinnerMajority", "numberOfWinners": 1,
    "decimalPlacesForVoteArithmetic": "4", "maxSkippedRanksAllowed": "unlimited", "maxRankingsAllowed": "max",
    "minimumVoteThreshold": "0", "someFutureKey": {"x": 1}, "stopTabulationEarlyAfterRound": ""
  }
}`

func parseWith(t *testing.T, edits ...string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cvr.csv"), []byte("id,A,B,C\n1,1,2,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := baseConfig
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("edit %q not found", edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	return ParseConfig([]byte(text), nil, filepath.Join(dir, "config.json"))
}

func TestParseConfig(t *testing.T) {
	cfg, err := parseWith(t)
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Rules
	if r.RandomSeed != 42 || r.NumberOfWinners != 1 || r.DecimalPlacesForVoteArithmetic != 4 || r.MaxSkippedRanksAllowed != -1 || !r.MaxRankingsIsMax {
		t.Errorf("rules parsed wrong: %+v", r)
	}
	if cfg.MaxRankings() != 3 {
		t.Errorf("max rankings %d, want 3 (the declared candidates)", cfg.MaxRankings())
	}
	if !cfg.Candidates[2].Excluded || cfg.Candidates[0].Aliases[0] != "a1" {
		t.Errorf("candidates parsed wrong: %+v", cfg.Candidates)
	}
	s := cfg.Sources[0]
	if s.FirstVoteColumnIndex != 2 || s.FirstVoteRowIndex != 2 || s.Path != filepath.Join(cfg.Dir, "cvr.csv") {
		t.Errorf("source parsed wrong: %+v", s)
	}
	if r.Set["stopTabulationEarlyAfterRound"] {
		t.Error("an empty string should leave stopTabulationEarlyAfterRound unset")
	}
}

func TestConfigProblems(t *testing.T) {
	tests := []struct {
		name  string
		edits []string
		want  string
	}{
		{"not json", []string{`"tabulatorVersion"`, `tabulatorVersion`}, "not valid JSON"},
		{"unknown mode", []string{`"singleWinnerMajority"`, `"instantRunoff"`}, `rules.winnerElectionMode: "instantRunoff" is not one of`},
		{"missing seed", []string{`"randomSeed": "42", `, ``}, "rules.randomSeed: missing"},
		{"seed out of range", []string{`"42"`, `"140737488355328"`}, "rules.randomSeed: 140737488355328 is out of range"},
		{"seats for single winner", []string{`"numberOfWinners": 1`, `"numberOfWinners": 2`}, "singleWinnerMajority elects exactly 1"},
		{"decimal places", []string{`"decimalPlacesForVoteArithmetic": "4"`, `"decimalPlacesForVoteArithmetic": 21`}, "decimalPlacesForVoteArithmetic: 21 is out of range"},
		{"not a number", []string{`"decimalPlacesForVoteArithmetic": "4"`, `"decimalPlacesForVoteArithmetic": "four"`}, `"four" is not a whole number`},
		{"skipped ranks", []string{`"unlimited"`, `"-1"`}, "maxSkippedRanksAllowed: -1 is out of range"},
		{"rankings", []string{`"max"`, `0`}, "maxRankingsAllowed: 0 is out of range"},
		{"boolean", []string{`"excluded": "true"`, `"excluded": "yes"`}, "candidates[3].excluded: expected true or false"},
		{"batch elimination in STV", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"multiWinnerAllowMultipleWinnersPerRound", "numberOfWinners": 2, "batchElimination": true`}, "batchElimination: only allowed"},
		{"hare and hb", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"multiWinnerAllowMultipleWinnersPerRound", "numberOfWinners": 2, "hareQuota": true, "nonIntegerWinningThreshold": true`}, "cannot both be set"},
		{"percentage missing", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"bottomsUpUsingPercentageThreshold", "numberOfWinners": 0`}, "multiSeatBottomsUpPercentageThreshold: missing"},
		{"percentage range", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"bottomsUpUsingPercentageThreshold", "numberOfWinners": 0, "multiSeatBottomsUpPercentageThreshold": "150"`}, "is out of range; expected 1 to 100"},
		{"percentage elsewhere", []string{`"numberOfWinners": 1`, `"numberOfWinners": 1, "multiSeatBottomsUpPercentageThreshold": 10`}, "only used with winnerElectionMode bottomsUpUsingPercentageThreshold"},
		{"cutoff", []string{`"numberOfWinners": 1`, `"numberOfWinners": 1, "cutoffElimination": true`}, "cutoffElimination: only allowed"},
		{"duplicate alias", []string{`["a1"]`, `["B"]`}, `"B" also identifies candidates[1]`},
		{"reserved name", []string{`{"name": "B", "excluded": false}`, `{"name": "Undeclared Write-ins"}`}, "is reserved for undeclared write-ins"},
		{"no candidates", []string{`[{"name": "A", "aliases": ["a1"]}, {"name": "B", "excluded": false}, {"name": "C", "excluded": "true"}]`, `[]`}, "candidates: none declared"},
		{"all excluded", []string{`{"name": "A", "aliases": ["a1"]}, {"name": "B", "excluded": false}`, `{"name": "A", "excluded": true}, {"name": "B", "excluded": true}`}, "every candidate is excluded"},
		{"missing file", []string{`"cvr.csv"`, `"nope.csv"`}, `"nope.csv" does not exist`},
		{"unknown provider", []string{`"genericCsv"`, `"scantron"`}, `provider: "scantron" is not one of`},
		{"contest id for ess", []string{`"provider": "genericCsv"`, `"provider": "ess", "contestId": "1"`}, "must be empty for provider ess"},
		{"contest id for cdf", []string{`"provider": "genericCsv"`, `"provider": "cdf"`}, "provider cdf needs the ID of the contest"},
		{"folder provider on a file", []string{`"provider": "genericCsv"`, `"provider": "dominion", "contestId": "1"`}, "reads a folder"},
		{"delimiter", []string{`"undeclaredWriteInLabel": ""`, `"overvoteDelimiter": "a b"`}, "would split candidate names"},
		{"overvote label with exhaust if multiple", []string{`"exhaustImmediately"`, `"exhaustIfMultipleContinuing"`, `"undeclaredWriteInLabel": ""`, `"overvoteLabel": "OV"`}, "exhaustIfMultipleContinuing needs to know"},
		{"label collides with a candidate", []string{`"undeclaredWriteInLabel": ""`, `"undeclaredWriteInLabel": "a1"`}, "a label cannot be both"},
		{"stop round", []string{`"stopTabulationEarlyAfterRound": ""`, `"stopTabulationEarlyAfterRound": 0`}, "stopTabulationEarlyAfterRound: 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWith(t, tt.edits...)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error is not an ErrInvalidConfig: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not say %q:\n%v", tt.want, err)
			}
		})
	}
}

func TestSanitizeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"MINNEAPOLIS W-1 P-02": "MINNEAPOLIS_W-1_P-02",
		"no precinct id":       "no_precinct_id",
		"../../etc/passwd":     ".._.._etc_passwd",
		"Précinct 4/5":         "Pr_cinct_4_5",
		"a.b_c-d":              "a.b_c-d",
	} {
		if got := SanitizeFileName(in); got != want {
			t.Errorf("SanitizeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseConfig checks that no configuration text makes the parser panic
// and that every rejection is a *ConfigError listing at least one problem.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(baseConfig))
	entries, _ := filepath.Glob(filepath.Join(fixtureRoot, "*", "*_config.json"))
	for _, e := range entries {
		if b, err := os.ReadFile(e); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"rules": []}`))
	f.Add([]byte(`[]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, nil, filepath.Join(dir, "c.json"))
		if err == nil {
			if cfg == nil || len(cfg.Candidates) == 0 || len(cfg.Sources) == 0 {
				t.Fatalf("accepted an incomplete configuration: %+v", cfg)
			}
			return
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || len(ce.Problems) == 0 {
			t.Fatalf("rejection is not a ConfigError with problems: %v", err)
		}
	})
}

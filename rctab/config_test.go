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
  "tabulatorVersion": "TEST",
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
	// "max" sets no rank limit; the CVR export still has one column per
	// declared candidate (source notes A).
	if cfg.MaxRankings() != 0 || cfg.ExportColumns() != 3 {
		t.Errorf("max rankings %d, export columns %d; want 0 (no limit) and 3 (the declared candidates)", cfg.MaxRankings(), cfg.ExportColumns())
	}
	// RCTab ignores unknown keys; canvass warns about them.
	if len(cfg.Warnings) != 2 || !strings.Contains(strings.Join(cfg.Warnings, "\n"), "rules.someFutureKey") {
		t.Errorf("warnings %q, want minimumVoteThreshold and someFutureKey", cfg.Warnings)
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
		{"seats for single winner", []string{`"numberOfWinners": 1`, `"numberOfWinners": 0`}, "singleWinnerMajority needs 1"},
		{"decimal places", []string{`"decimalPlacesForVoteArithmetic": "4"`, `"decimalPlacesForVoteArithmetic": 21`}, "decimalPlacesForVoteArithmetic: 21 is out of range"},
		{"not a number", []string{`"decimalPlacesForVoteArithmetic": "4"`, `"decimalPlacesForVoteArithmetic": "four"`}, `"four" is not a whole number`},
		{"skipped ranks", []string{`"unlimited"`, `"-1"`}, "maxSkippedRanksAllowed: -1 is out of range"},
		{"rankings", []string{`"max"`, `0`}, "maxRankingsAllowed: 0 is out of range"},
		{"boolean", []string{`"excluded": "true"`, `"excluded": "yes"`}, "candidates[3].excluded: expected true or false"},
		{"batch elimination in STV", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"multiWinnerAllowMultipleWinnersPerRound", "numberOfWinners": 2, "batchElimination": true`}, "batchElimination: only allowed"},
		{"hare and hb", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"multiWinnerAllowMultipleWinnersPerRound", "numberOfWinners": 2, "hareQuota": true, "nonIntegerWinningThreshold": true`}, "cannot both be set"},
		{"percentage missing", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"bottomsUpUsingPercentageThreshold", "numberOfWinners": 0`}, "multiSeatBottomsUpPercentageThreshold: missing"},
		{"percentage range", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"bottomsUpUsingPercentageThreshold", "numberOfWinners": 0, "multiSeatBottomsUpPercentageThreshold": "150"`}, "is out of range; expected 1 to 100"},
		{"duplicate alias", []string{`["a1"]`, `["B"]`}, `"B" also identifies candidates[1]`},
		{"write-in name with write-ins", []string{`{"name": "B", "excluded": false}`, `{"name": "Undeclared Write-ins"}`, `"undeclaredWriteInLabel": ""`, `"undeclaredWriteInLabel": "UWI"`}, "is the name of the undeclared write-in pseudo-candidate"},
		{"no candidates", []string{`[{"name": "A", "aliases": ["a1"]}, {"name": "B", "excluded": false}, {"name": "C", "excluded": "true"}]`, `[]`}, "candidates: none declared"},
		{"all excluded", []string{`{"name": "A", "aliases": ["a1"]}, {"name": "B", "excluded": false}`, `{"name": "A", "excluded": true}, {"name": "B", "excluded": true}`}, "every candidate is excluded"},
		{"missing file", []string{`"cvr.csv"`, `"nope.csv"`}, `"nope.csv" does not exist`},
		{"unknown provider", []string{`"genericCsv"`, `"scantron"`}, `provider: "scantron" is not one of`},
		{"contest id for ess", []string{`"provider": "genericCsv"`, `"provider": "ess", "contestId": "1"`}, "must be empty for provider ess"},
		{"contest id for cdf", []string{`"provider": "genericCsv"`, `"provider": "cdf"`}, "provider cdf needs the ID of the contest"},
		{"folder provider on a file", []string{`"provider": "genericCsv"`, `"provider": "dominion", "contestId": "1"`}, "reads a folder"},
		{"delimiter", []string{`"undeclaredWriteInLabel": ""`, `"overvoteDelimiter": "a b"`}, "would split candidate names"},
		{"overvote label with exhaust if multiple", []string{`"exhaustImmediately"`, `"exhaustIfMultipleContinuing"`, `"undeclaredWriteInLabel": ""`, `"overvoteLabel": "OV"`}, "exhaustIfMultipleContinuing needs to know"},
		{"label collides with a candidate", []string{`"undeclaredWriteInLabel": ""`, `"undeclaredWriteInLabel": "a1"`}, "a candidate cannot be a label"},
		{"stop round", []string{`"stopTabulationEarlyAfterRound": ""`, `"stopTabulationEarlyAfterRound": 0`}, "stopTabulationEarlyAfterRound: 0"},
		// Source notes section 3, configuration validation.
		{"V1 tabulatorVersion missing", []string{`"tabulatorVersion": "TEST",`, ``}, "tabulatorVersion: missing"},
		{"V1 tabulatorVersion other", []string{`"TEST"`, `"1.3.999"`}, `tabulatorVersion: "1.3.999"`},
		{"V2 genericCsv needs firstVoteRowIndex", []string{`"firstVoteRowIndex": 2, `, ``}, "firstVoteRowIndex: missing; provider genericCsv"},
		{"V2 genericCsv contestId", []string{`"provider": "genericCsv"`, `"provider": "genericCsv", "contestId": "x"`}, "contestId: must be empty for provider genericCsv"},
		{"V3 index keys for cdf", []string{`"provider": "genericCsv", "filePath": "cvr.csv"`, `"provider": "cdf", "filePath": "cvr.json", "contestId": "1"`}, "firstVoteColumnIndex: not used with provider cdf"},
		{"V4 cdf extension", []string{`"provider": "genericCsv", "filePath": "cvr.csv", "firstVoteColumnIndex": "2", "firstVoteRowIndex": 2`, `"provider": "cdf", "filePath": "cvr.csv", "contestId": "1"`}, `provider cdf reads a .json or .xml file`},
		{"V4 cdf with precincts", []string{`"provider": "genericCsv", "filePath": "cvr.csv", "firstVoteColumnIndex": "2", "firstVoteRowIndex": 2`, `"provider": "cdf", "filePath": "cvr.csv", "contestId": "1"`, `"tabulateByPrecinct": false`, `"tabulateByPrecinct": true`}, "cannot be combined with outputSettings.tabulateByPrecinct"},
		{"V5 labels differ ignoring case", []string{`"undeclaredWriteInLabel": ""`, `"undeclaredWriteInLabel": "X", "overvoteLabel": "x"`}, "ignoring case"},
		{"V5 reserved candidate name", []string{`{"name": "B", "excluded": false}`, `{"name": "UNCOUNTED"}`}, "is reserved by RCTab"},
		{"V6 alias repeats own name", []string{`["a1"]`, `["A"]`}, `"A" repeats this candidate's name`},
		{"V7 batch with several single-winner seats", []string{`"numberOfWinners": 1`, `"numberOfWinners": 2, "batchElimination": true`}, "batchElimination: only allowed"},
		{"V8 continue until two with seats", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"bottomsUp", "numberOfWinners": 2, "continueUntilTwoCandidatesRemain": true`}, "continueUntilTwoCandidatesRemain: only allowed"},
		{"V10 seed out of range when unused", []string{`"tiebreakMode": "random", "randomSeed": "42"`, `"tiebreakMode": "useCandidateOrder", "randomSeed": "140737488355328"`}, "rules.randomSeed: 140737488355328 is out of range"},
		{"V11 Max in capitals", []string{`"max"`, `"Max"`}, `maxRankingsAllowed: "Max" is not a whole number`},
		{"V11 rankings above 2^31-1", []string{`"max"`, `"2147483648"`}, "maxRankingsAllowed: 2147483648 is out of range"},
		{"V14 tab delimiter", []string{`"undeclaredWriteInLabel": ""`, `"overvoteDelimiter": "\t"`}, "would split candidate names"},
		{"misspelled key", []string{`"stopTabulationEarlyAfterRound": ""`, `"stopTabulationEarlyAfterRound": "", "maxRankingAllowed": 3`}, `rules.maxRankingAllowed: not an RCTab setting; did you mean "maxRankingsAllowed"?`},
		{"misspelled key with a space", []string{`"randomSeed": "42"`, `"randomSeed": "42", "random Seed": 7`}, `did you mean "randomSeed"?`},
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

// TestConfigAcceptsWhatRCTabAccepts: settings canvass used to refuse but
// RCTab accepts (source notes V6-V12, T10), and the warnings canvass gives.
func TestConfigAcceptsWhatRCTabAccepts(t *testing.T) {
	tests := []struct {
		name    string
		edits   []string
		check   func(*Config) bool
		warning string
	}{
		{"V6 name Undeclared Write-ins without write-ins", []string{`{"name": "B", "excluded": false}`, `{"name": "Undeclared Write-ins"}`}, nil, ""},
		{"V6 code is ignored", []string{`{"name": "B", "excluded": false}`, `{"name": "B", "code": "b7"}`},
			func(c *Config) bool { return len(c.Candidates[1].Aliases) == 0 }, "candidates[2].code: RCTab 2 ignores"},
		{"V7 singleWinnerMajority with two seats", []string{`"numberOfWinners": 1`, `"numberOfWinners": 2`}, nil, ""},
		{"V8 continue until two in percentage mode", []string{`"singleWinnerMajority", "numberOfWinners": 1`, `"bottomsUpUsingPercentageThreshold", "numberOfWinners": 0, "multiSeatBottomsUpPercentageThreshold": 10, "continueUntilTwoCandidatesRemain": true`}, nil, ""},
		{"V9 percentage in another mode", []string{`"numberOfWinners": 1`, `"numberOfWinners": 1, "multiSeatBottomsUpPercentageThreshold": 10`}, nil, ""},
		{"V11 unlimited in capitals", []string{`"unlimited"`, `"UNLIMITED"`}, func(c *Config) bool { return c.Rules.MaxSkippedRanksAllowed == -1 }, ""},
		{"V11 large limits", []string{`"max"`, `"2147483647"`}, func(c *Config) bool { return c.MaxRankings() == 2147483647 }, ""},
		{"V12 undervoteLabel is ignored", []string{`"undeclaredWriteInLabel": ""`, `"undervoteLabel": "skip"`},
			func(c *Config) bool { return c.Sources[0].UndervoteLabel == "" }, "undervoteLabel: RCTab's command line ignores"},
		{"T10 cutoffElimination in any mode", []string{`"numberOfWinners": 1`, `"numberOfWinners": 1, "cutoffElimination": true`}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseWith(t, tt.edits...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil && !tt.check(cfg) {
				t.Errorf("parsed wrong: %+v", cfg)
			}
			if tt.warning != "" && !strings.Contains(strings.Join(cfg.Warnings, "\n"), tt.warning) {
				t.Errorf("warnings %q lack %q", cfg.Warnings, tt.warning)
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

package rctab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestESSRulesEndToEnd runs an RCTab configuration over a small ES&S
// workbook written from the rules, and checks the reports by hand:
//   - maxRankingsAllowed 2 reads columns B and C only, so the unknown "Zed"
//     in column D is never read (source notes A);
//   - row 3 is a <row> element with no cells: a ballot with no rankings,
//     counted in the total and in the undervotes; row 4 has no <row>
//     element and is no ballot, and takes no ID number (C);
//   - row 6 has no precinct cell: precinct missing_precinct_id, its own
//     slice report (G).
//
// Ballots: A>B (p1), empty, B (p1), B (no precinct). Round 1: A 1, B 2 of 3
// active: B wins with a majority. Total 4, undervotes 1.
func TestESSRulesEndToEnd(t *testing.T) {
	dir := t.TempDir()
	f := excelize.NewFile()
	set := func(cell, v string) {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "Precinct")
	set("B1", "Choice 1")
	set("C1", "Choice 2")
	set("D1", "Choice 3")
	set("A2", "p1")
	set("B2", "A")
	set("C2", "B")
	set("D2", "Zed")
	// A row height writes <row r="3"> with no cells.
	if err := f.SetRowHeight("Sheet1", 3, 20); err != nil {
		t.Fatal(err)
	}
	set("A5", "p1")
	set("B5", "B")
	set("B6", "B")
	if err := f.SaveAs(filepath.Join(dir, "cvr.xlsx")); err != nil {
		t.Fatal(err)
	}
	cfg := `{"tabulatorVersion": "TEST", "outputSettings": {"contestName": "ESS rules", "tabulateByPrecinct": true},
	 "cvrFileSources": [{"provider": "ess", "filePath": "cvr.xlsx", "firstVoteColumnIndex": 2, "firstVoteRowIndex": 2,
	                     "precinctColumnIndex": 1, "overvoteLabel": "overvote", "skippedRankLabel": "undervote"}],
	 "candidates": [{"name": "A"}, {"name": "B"}, {"name": "C"}],
	 "rules": {"tiebreakMode": "useCandidateOrder", "overvoteRule": "exhaustImmediately", "winnerElectionMode": "singleWinnerMajority",
	           "numberOfWinners": 1, "decimalPlacesForVoteArithmetic": 4, "maxSkippedRanksAllowed": 1, "maxRankingsAllowed": 2}}`
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := Run(nil, path, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	detailed := string(out.Files[DetailedCSV])
	for _, want := range []string{
		"Total Number of Ballots,4\n",
		"Number of Undervotes (No Rankings),1\n",
		"Winner(s),B\n",
	} {
		if !strings.Contains(detailed, want) {
			t.Errorf("detailed report lacks %q:\n%s", want, detailed)
		}
	}
	if _, ok := out.Files["Tabulate by Precinct/missing_precinct_id_precinct_detailed_report.csv"]; !ok {
		t.Errorf("no missing_precinct_id slice report; files %v", keys(out.Files))
	}
	export := string(out.Files[CVRExportCSV])
	for _, want := range []string{
		",cvr.xlsx-1,,,,p1,,A,B\n",
		",cvr.xlsx-2,,,,missing_precinct_id,,undervote,undervote\n",
		",cvr.xlsx-3,,,,p1,,B,undervote\n",
		",cvr.xlsx-4,,,,missing_precinct_id,,B,undervote\n",
	} {
		if !strings.Contains(export, want) {
			t.Errorf("rctab_cvr.csv lacks %q:\n%s", want, export)
		}
	}
}

// TestP8ESSDelimitedCellKeepsOrder checks source notes P8 for ES&S: the
// cell "B|A" names B, then A, and rctab_cvr.csv prints them in that order
// (candidates are declared A, B; canvass used to sort by candidate). The
// count is unchanged: rank 1 is an overvote, exhausted at once, so A wins
// with the second ballot.
func TestP8ESSDelimitedCellKeepsOrder(t *testing.T) {
	dir := t.TempDir()
	f := excelize.NewFile()
	for cell, v := range map[string]string{"A1": "Choice 1", "B1": "Choice 2", "A2": "B|A", "A3": "A"} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(filepath.Join(dir, "cvr.xlsx")); err != nil {
		t.Fatal(err)
	}
	cfg := `{"tabulatorVersion": "TEST", "outputSettings": {"contestName": "P8"},
	 "cvrFileSources": [{"provider": "ess", "filePath": "cvr.xlsx", "firstVoteColumnIndex": 1, "firstVoteRowIndex": 2, "overvoteDelimiter": "|"}],
	 "candidates": [{"name": "A"}, {"name": "B"}],
	 "rules": {"tiebreakMode": "useCandidateOrder", "overvoteRule": "exhaustImmediately", "winnerElectionMode": "singleWinnerMajority",
	           "numberOfWinners": 1, "decimalPlacesForVoteArithmetic": 4, "maxSkippedRanksAllowed": 1, "maxRankingsAllowed": "max"}}`
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := Run(nil, path, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	export := string(out.Files[CVRExportCSV])
	if want := ",cvr.xlsx-1,,,,,,\"B\nA\",undervote\n"; !strings.Contains(export, want) {
		t.Errorf("rctab_cvr.csv lacks %q:\n%s", want, export)
	}
	if !slicesEqual(out.Winners, []string{"A"}) {
		t.Errorf("winners %v, want [A]", out.Winners)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

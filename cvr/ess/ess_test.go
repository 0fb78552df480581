package ess

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

func TestRegistered(t *testing.T) { fixture.CheckRegistered(t, "ess", Read) }

// TestFixtures reads the CVR of every RCTab fixture configured with the
// "ess" provider and checks it against RCTab's expected report (ballots,
// undervotes, round-1 tally) and against cells read by eye.
func TestFixtures(t *testing.T) {
	type want struct {
		ballot   int // 0-based
		supplied string
		precinct string
		batch    string
		marks    string
	}
	tests := []struct {
		name    string
		report  string // expected report, if not NAME_expected_detailed_report.csv
		noRound bool   // the round-1 model does not apply
		want    []want
		slices  map[string]int // precinct -> ballots, from RCTab's slice reports
		ranks   int
	}{
		{name: "2013_minneapolis_mayor", ranks: 3, want: []want{
			{0, "", "MINNEAPOLIS W-7 P-10", "", "1:BETSY HODGES"},
			{1, "", "MINNEAPOLIS W-10 P-06", "", "1:BOB FINE 2:MARK ANDREW"},
			{2, "", "MINNEAPOLIS W-10 P-09", "", "1:KURTIS W. HANNA 2:BOB FINE 3:MIKE GOULD"},
		}, slices: map[string]int{"MINNEAPOLIS W-13 P-09": 987, "MINNEAPOLIS W-1 P-01": 519}},
		{name: "2013_minneapolis_park", ranks: 3, want: []want{
			{0, "", "MINNEAPOLIS W-11 P-05", "", "1:JOHN ERWIN 2:TOM NORDYKE 3:ANNIE YOUNG"},
			{4, "", "MINNEAPOLIS W-7 P-04D", "", ""},
			{26, "", "MINNEAPOLIS W-3 P-04", "", "1:JOHN ERWIN 2:JOHN ERWIN 3:JASON STONE"},
		}},
		// Bottoms-up elects by threshold, but round 1 is still first choices.
		{name: "2013_minneapolis_park_bottoms_up"},
		{name: "batch_example", want: []want{
			{0, "", "", "MINNEAPOLIS W-10 P-02", "1:Jacob Frey 2:Nekima Levy-Pounds 3:Raymond Dehn"},
			{10, "", "", "MINNEAPOLIS W-6 P-03", "1:Undeclared Write-ins"},
		}},
		{name: "precinct_example", want: []want{
			{10, "", "MINNEAPOLIS W-6 P-03", "", "1:Undeclared Write-ins"},
		}, slices: map[string]int{"MINNEAPOLIS W-1 P-02": 1}},
		{name: "continue_tabulation_test", ranks: 15, want: []want{
			{0, "", "", "", "1:Haadoow, Hamza A. 2:Vail, Christopher L."},
		}},
		{name: "conversions_from_ess", report: "-", want: []want{
			{9, "", "", "", "1:Sedale Threatt 2:George Gervin"},
		}},
		{name: "duplicate_test", want: []want{
			{8, "", "", "", "1:Durian 2:Durian 3:Banana"},
		}},
		{name: "excluded_test"},
		{name: "exhaust_if_multiple_continuing", want: []want{
			{0, "1", "", "", "1:A 1:D 2:B 3:C"},
			{6, "7", "", "", "1:C 2:A 2:D 3:A"},
		}},
		{name: "more_winners_than_candidates", want: []want{{9, "10", "", "", "1:Sedale Threatt 2:George Gervin"}}},
		{name: "multi_seat_bottoms_up_with_dynamic_threshold", ranks: 5, want: []want{
			{17, "18", "", "", "1:G 2:F 3:H"},
		}},
		{name: "sequential_with_continue_until_two", report: "sequential_with_continue_until_two_1_expected_detailed_report.csv"},
		{name: "skip_to_next_test", ranks: 4, want: []want{
			{0, "1", "", "", "1:overvote 3:C 4:D"},
			{7, "8", "", "", "1:C 2:overvote 3:A"},
		}},
		{name: "stop_tabulation_early_test", ranks: 1},
		{name: "test_set_allow_only_one_winner_per_round"},
		{name: "tiebreak_previous_round_counts_then_random_test", ranks: 2},
		{name: "tiebreak_seed_test"},
		{name: "tiebreak_use_permutation_in_config_test"},
		{name: "uwi_cannot_win_test", want: []want{
			{0, "", "", "", "1:Undeclared Write-ins"},
			{8, "", "", "", "1:B"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && strings.HasPrefix(tt.name, "2013_minneapolis") {
				t.Skip("80,101-ballot workbook; run without -short")
			}
			fc := fixture.LoadConfig(t, tt.name)
			if fc.Sources[0].Provider != "ess" {
				t.Fatalf("provider %q", fc.Sources[0].Provider)
			}
			e, ballots, err := fixture.ReadAll(t, Read, fc.Sources[0].Source)
			if err != nil {
				t.Fatal(err)
			}
			switch tt.report {
			case "":
				fixture.CheckReport(t, fc, e, ballots)
			case "-":
			default:
				fixture.CheckReportFile(t, fixture.Path(t, tt.name, tt.report), fc, e, ballots)
			}
			c := e.Contests[0]
			if tt.ranks != 0 && c.Ranks != tt.ranks {
				t.Errorf("Ranks = %d, want %d", c.Ranks, tt.ranks)
			}
			for _, w := range tt.want {
				b := ballots[w.ballot]
				if got := fixture.Describe(c, b.Marks); got != w.marks {
					t.Errorf("ballot %d: marks %q, want %q", w.ballot, got, w.marks)
				}
				if b.SuppliedID != w.supplied || b.Precinct != w.precinct || b.Batch != w.batch {
					t.Errorf("ballot %d: id %q precinct %q batch %q, want %q %q %q", w.ballot, b.SuppliedID, b.Precinct, b.Batch, w.supplied, w.precinct, w.batch)
				}
				wantID := fmt.Sprintf("%s-%d", filepath.Base(fc.Sources[0].Path), w.ballot+1)
				if b.ID != wantID {
					t.Errorf("ballot %d: ID %q, want %q", w.ballot, b.ID, wantID)
				}
			}
			slices := map[string]int{}
			for _, b := range ballots {
				slices[b.Precinct]++
			}
			for k, n := range tt.slices {
				if slices[k] != n {
					t.Errorf("precinct %s: %d ballots, RCTab's slice report has %d", k, slices[k], n)
				}
			}
		})
	}
}

// TestUnconfiguredTestSets reads the NIST-style test set workbooks, which
// RCTab's fixtures tabulate from CDF copies of the same ballots: the
// workbook must give the same totals and round-1 tally as the CDF run.
func TestUnconfiguredTestSets(t *testing.T) {
	for _, name := range []string{
		"test_set_0_skipped_first_choice", "test_set_1_exhaust_at_overvote",
		"test_set_3_skipped_choice_exhaust", "test_set_4_skipped_choice_next",
		"test_set_5_two_skipped_choice_exhaust", "test_set_6_duplicate_exhaust",
	} {
		t.Run(name, func(t *testing.T) {
			fc := fixture.LoadConfig(t, name)
			// The workbooks use letters where the configuration
			// names "Candidate A Name": aliases, as a user would.
			for i := range fc.Candidates {
				fc.Candidates[i].Aliases = []string{strings.Fields(fc.Candidates[i].Name)[1]}
			}
			src := cvr.Source{
				Path:            fixture.Path(t, name, name+"_cvr.xlsx"),
				FirstVoteColumn: 2, FirstVoteRow: 2, IDColumn: 1,
				OvervoteLabel: "overvote", UndervoteLabel: "undervote",
				Candidates: fc.Candidates,
			}
			e, ballots, err := fixture.ReadAll(t, Read, src)
			if err != nil {
				t.Fatal(err)
			}
			fixture.CheckReport(t, fc, e, ballots)
			for i, b := range ballots {
				if b.SuppliedID != fmt.Sprint(i+1) {
					t.Errorf("ballot %d has ID %q", i, b.SuppliedID)
				}
			}
		})
	}
}

// TestConversionFromESS reproduces RCTab's normalized CVR export for
// simple_ess_cvr.xlsx line for line.
func TestConversionFromESS(t *testing.T) {
	const name = "conversions_from_ess"
	fc := fixture.LoadConfig(t, name)
	e, ballots, err := fixture.ReadAll(t, Read, fc.Sources[0].Source)
	if err != nil {
		t.Fatal(err)
	}
	c := e.Contests[0]
	var got bytes.Buffer
	got.WriteString("Source Filepath,CVR Provider,Contest Id,RCTab CVR Id,Tabulator Id,Batch Id,Vendor Id,Precinct,Precinct Portion,Rank 1,Rank 2,Rank 3\n")
	for _, b := range ballots {
		ranks := make([][]string, 3)
		for _, m := range b.Marks {
			n := "overvote"
			if m.Choice >= 0 {
				n = c.Candidates[m.Choice].Name
			}
			ranks[m.Rank-1] = append(ranks[m.Rank-1], n)
		}
		fmt.Fprintf(&got, "%s,ess,%s,%s,%s,%s,%s,%s,%s", "../_shared/simple_ess_cvr.xlsx", c.ID, b.ID, b.Tabulator, b.Batch, b.SuppliedID, b.Precinct, b.PrecinctPortion)
		for _, r := range ranks {
			switch len(r) {
			case 0:
				got.WriteString(",undervote")
			case 1:
				got.WriteString("," + r[0])
			default:
				got.WriteString(",overvote")
			}
		}
		got.WriteByte('\n')
	}
	want, err := os.ReadFile(fixture.Path(t, name, name+"_expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("normalized export differs:\n%s\nwant:\n%s", got.String(), want)
	}
}

// TestInvalidSources runs the ES&S sources of RCTab's invalid_sources_test:
// every one must fail with a precise error.
func TestInvalidSources(t *testing.T) {
	fc := fixture.LoadConfig(t, "invalid_sources_test")
	wants := []struct {
		msg   string
		row   int
		field string
		unk   bool
	}{
		{msg: "cannot open the ES&S CVR file"},
		{msg: "cannot open the ES&S CVR file"},
		{msg: "no ES&S CVR file given"},
		{msg: `"Rando 1" is not a declared candidate`, row: 2, field: `column D "3rd Choice"`, unk: true},
	}
	if len(fc.Sources) != len(wants) {
		t.Fatalf("%d sources", len(fc.Sources))
	}
	for i, src := range fc.Sources {
		e := &election.Election{}
		calls := 0
		err := Read(src.Source, e, func(*election.CVR) error { calls++; return nil })
		var ce *cvr.Error
		if !errors.As(err, &ce) {
			t.Errorf("source %d: error %v, want a *cvr.Error", i, err)
			continue
		}
		w := wants[i]
		if !strings.Contains(err.Error(), w.msg) || ce.Row != w.row || ce.Field != w.field || errors.Is(err, cvr.ErrUnknownCandidate) != w.unk {
			t.Errorf("source %d: %q (row %d field %q), want %q at row %d field %q", i, err, ce.Row, ce.Field, w.msg, w.row, w.field)
		}
		if len(e.Contests) != 0 {
			t.Errorf("source %d: failed read left a contest", i)
		}
		if calls != 0 {
			t.Errorf("source %d: handler called %d times before the error", i, calls)
		}
	}
}

// book writes a workbook with the given rows (nil cells are left out) and
// returns its path.
func book(t testing.TB, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		for c, v := range row {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "cvr.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCases covers the rules on small generated workbooks.
func TestCases(t *testing.T) {
	abc := []election.Candidate{{Name: "A"}, {Name: "B", Aliases: []string{"42"}}, {Name: "C"}}
	hdr := []any{"Cast Vote Record", "Precinct", "Ballot Style", "Mayor Choice 1 of 3 (45)", "Mayor Choice 2 of 3 (45)", "Mayor Choice 3 of 3 (45)"}
	labels := cvr.Source{Candidates: abc, OvervoteLabel: "overvote", UndervoteLabel: "undervote", UndeclaredWriteInLabel: "UWI", IDColumn: 1, PrecinctColumn: 2}
	with := func(s cvr.Source, f func(*cvr.Source)) cvr.Source { f(&s); return s }
	tests := []struct {
		name     string
		rows     [][]any
		src      cvr.Source
		want     []string // marks per ballot
		ids      string   // "ID/SuppliedID/Precinct" of each ballot, space-separated
		cands    string
		contest  string
		ranks    int
		preRanks int // contest already in the election with this many Ranks
		errMsg   string
		errRow   int
		field    string
		unk      bool
		large    bool
	}{
		{name: "labels", src: labels, rows: [][]any{hdr,
			{1, "P1", "S", "A", "undervote", "B"},
			{2, "P1", "S", "overvote", "UWI", " C "},
			{3, "P2", "S", "undervote", "undervote", "undervote"}},
			want: []string{"1:A 3:B", "1:overvote 2:Undeclared Write-ins 3:C", ""},
			ids:  "cvr.xlsx-1/1/P1 cvr.xlsx-2/2/P1 cvr.xlsx-3/3/P2", contest: "Mayor", ranks: 3},
		{name: "numeric alias cell", src: labels, rows: [][]any{hdr, {1, 7, "S", 42, nil, "A"}},
			want: []string{"1:B 3:A"}, ids: "cvr.xlsx-1/1/7"},
		{name: "blank row is not a ballot", src: labels, rows: [][]any{hdr, {1, "P", "S", "A"}, {}, {nil, "", nil, " "}, {4, "P", "S", "B"}},
			// The absent row 3 takes no number; the present blank row 4
			// does (source notes C), though outside RCTab mode it is no
			// ballot.
			want: []string{"1:A", "1:B"}, ids: "cvr.xlsx-1/1/P cvr.xlsx-3/4/P"},
		{name: "missing precinct", src: labels, rows: [][]any{hdr, {1, nil, "S", "A"}},
			want: []string{"1:A"}, ids: "cvr.xlsx-1/1/"},
		{name: "delimiter", src: with(labels, func(s *cvr.Source) { s.OvervoteDelimiter = "|" }), rows: [][]any{hdr,
			{1, "P", "S", "B|A", "C| undervote", "A|"}},
			want: []string{"1:A 1:B 2:C 3:A"}},
		{name: "treat blank as write-in", src: with(labels, func(s *cvr.Source) { s.TreatBlankAsUndeclaredWriteIn = true }),
			rows: [][]any{hdr, {1, "P", "S", nil, "A"}, {2, "P", "S", "undervote", "B"}},
			want: []string{"1:Undeclared Write-ins 2:A 3:Undeclared Write-ins", "2:B 3:Undeclared Write-ins"}},
		{name: "count column is not a ranking", src: cvr.Source{Candidates: abc, FirstVoteColumn: 2, PrecinctColumn: 1, UndervoteLabel: "undervote"},
			rows: [][]any{{"Precinct", "1ST CHOICE MAYOR MINNEAPOLIS", "2ND CHOICE MAYOR MINNEAPOLIS", "COUNT"}, {"W-1", "A", "undervote", 1}},
			want: []string{"1:A"}, contest: "MAYOR MINNEAPOLIS", ranks: 2},
		{name: "next contest ends the rankings", src: cvr.Source{Candidates: abc, FirstVoteColumn: 2},
			rows: [][]any{{"id", "Mayor Choice 1", "Mayor Choice 2", "Council Choice 1", "Council Choice 2"}, {1, "A", "B", "Zed", "Q"}},
			want: []string{"1:A 2:B"}, ranks: 2},
		{name: "unrecognized headers: all headed columns", src: cvr.Source{Candidates: abc, FirstVoteColumn: 2},
			rows: [][]any{{"id", "First", "Second", "Third", "Count"}, {1, "A", "B", "C", 1}},
			want: []string{"1:A 2:B 3:C"}, ranks: 3},
		{name: "caller's Ranks cap the columns", src: cvr.Source{Candidates: abc, FirstVoteColumn: 2}, preRanks: 2,
			rows: [][]any{{"id", "Choice 1", "Choice 2", "Choice 3"}, {1, "A", "B", "C"}},
			want: []string{"1:A 2:B"}, ranks: 2, cands: "A,B,C"},
		{name: "caller's Ranks beyond the header", src: cvr.Source{Candidates: abc, FirstVoteColumn: 2, PrecinctColumn: 1}, preRanks: 35,
			rows: [][]any{{"Precinct", "1ST CHOICE MAYOR", "2ND CHOICE MAYOR", "COUNT"}, {"P", "A", "B", 1}},
			want: []string{"1:A 2:B"}, ranks: 35},
		{name: "no header row", src: cvr.Source{Candidates: abc, FirstVoteColumn: 2, FirstVoteRow: 1},
			rows: [][]any{{1, "A", "B"}, {2, "C", nil, "A", "B"}},
			want: []string{"1:A 2:B", "1:C 3:A 4:B"}},
		{name: "discovery uses ES&S labels", src: cvr.Source{FirstVoteColumn: 2},
			rows: [][]any{{"Cast Vote Record", "Choice 1", "Choice 2", "Choice 3"}, {1, "Zed", "undervote", "overvote"}, {2, "UWI", "Amy", "Zed"}},
			want: []string{"1:Zed 3:overvote", "1:Undeclared Write-ins 2:Amy 3:Zed"}, cands: "Zed,Undeclared Write-ins,Amy", contest: "cvr"},

		{name: "unknown candidate", src: labels, rows: [][]any{hdr, {1, "P", "S", "A", "Zed"}},
			errMsg: `"Zed" is not a declared candidate`, errRow: 2, field: `column E "Mayor Choice 2 of 3 (45)"`, unk: true},
		{name: "label not configured", src: cvr.Source{Candidates: abc, IDColumn: 1}, rows: [][]any{hdr, {1, "P", "S", "undervote"}},
			errMsg: `"undervote" is not a declared candidate`, errRow: 2, field: `column D "Mayor Choice 1 of 3 (45)"`, unk: true},
		{name: "empty part between delimiters", src: with(labels, func(s *cvr.Source) { s.OvervoteDelimiter = "|" }),
			rows: [][]any{hdr, {1, "P", "S", "A||B"}}, errMsg: "empty name between overvote delimiters", errRow: 2, field: `column D "Mayor Choice 1 of 3 (45)"`},
		{name: "missing ID", src: labels, rows: [][]any{hdr, {1, "P", "S", "A"}, {nil, "P", "S", "A"}},
			errMsg: "the ballot ID is missing", errRow: 3, field: `column A "Cast Vote Record"`},
		{name: "first vote column past header", src: cvr.Source{FirstVoteColumn: 9}, rows: [][]any{hdr, {1, "P", "S", "A"}},
			errMsg: "firstVoteColumnIndex is 9 but the header row has 6 columns", errRow: 1},
		{name: "empty sheet", src: labels, rows: nil, errMsg: "not an ES&S CVR spreadsheet"},
		{name: "negative index", src: cvr.Source{BatchColumn: -2}, rows: [][]any{hdr}, errMsg: "batchColumnIndex is -2"},
		{name: "oversized cell", src: labels, rows: [][]any{hdr, {1, "P", "S", strings.Repeat("€", 30000)}},
			errMsg: "too large", errRow: 2, field: `column D "Mayor Choice 1 of 3 (45)"`, large: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			src.Path = book(t, tt.rows)
			e := &election.Election{}
			if tt.preRanks > 0 {
				// As the RCTab runner would: fix Ranks to maxRankingsAllowed and
				// let the reader add the declared candidates.
				e.Contests = append(e.Contests, &election.Contest{Ranks: tt.preRanks})
			}
			var got, ids []string
			err := Read(src, e, func(rec *election.CVR) error {
				got = append(got, fixture.Describe(e.Contests[rec.Contests[0].Contest], rec.Contests[0].Marks))
				ids = append(ids, rec.ID+"/"+rec.SuppliedID+"/"+rec.Precinct)
				return nil
			})
			if tt.errMsg != "" {
				var ce *cvr.Error
				if !errors.As(err, &ce) {
					t.Fatalf("error %v (%T), want a *cvr.Error", err, err)
				}
				if !strings.Contains(err.Error(), tt.errMsg) || ce.Row != tt.errRow || ce.Field != tt.field || ce.Path != src.Path {
					t.Errorf("error %q (row %d field %q), want %q at row %d field %q", err, ce.Row, ce.Field, tt.errMsg, tt.errRow, tt.field)
				}
				if errors.Is(err, cvr.ErrUnknownCandidate) != tt.unk || errors.Is(err, cvr.ErrTooLarge) != tt.large {
					t.Errorf("error %q: unknown %v, too large %v", err, errors.Is(err, cvr.ErrUnknownCandidate), errors.Is(err, cvr.ErrTooLarge))
				}
				if len(e.Contests) != 0 {
					t.Errorf("failed read left %d contests", len(e.Contests))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("marks %q, want %q", got, tt.want)
			}
			if tt.ids != "" && strings.Join(ids, " ") != tt.ids {
				t.Errorf("ids %q, want %q", strings.Join(ids, " "), tt.ids)
			}
			c := e.Contests[0]
			if tt.cands != "" {
				var names []string
				for _, cand := range c.Candidates {
					names = append(names, cand.Name)
				}
				if strings.Join(names, ",") != tt.cands {
					t.Errorf("candidates %v, want %s", names, tt.cands)
				}
			}
			if tt.contest != "" && c.Name != tt.contest {
				t.Errorf("contest name %q, want %q", c.Name, tt.contest)
			}
			if tt.ranks != 0 && c.Ranks != tt.ranks {
				t.Errorf("Ranks %d, want %d", c.Ranks, tt.ranks)
			}
		})
	}
}

func TestNotAWorkbook(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "cvr.xlsx")
	if err := os.WriteFile(csv, []byte("Cast Vote Record,Choice 1\n1,A\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Read(cvr.Source{Path: csv}, &election.Election{}, func(*election.CVR) error { return nil })
	var ce *cvr.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "not an ES&S CVR spreadsheet") || ce.Path != csv {
		t.Errorf("got %v", err)
	}
}

// TestParseRankHeader pins the header conventions seen in ES&S exports.
func TestParseRankHeader(t *testing.T) {
	tests := []struct {
		in      string
		contest string
		rank    int
		ok      bool
	}{
		{"For Mayor Choice 1 (45)", "For Mayor", 1, true},
		{"Mayor Choice 2 of 3 (45)", "Mayor", 2, true},
		{"1ST CHOICE MAYOR MINNEAPOLIS", "MAYOR MINNEAPOLIS", 1, true},
		{"3RD CHOICE PARK AND RECREATION COMMISSIONER AT LARGE MINNEAPOLIS", "PARK AND RECREATION COMMISSIONER AT LARGE MINNEAPOLIS", 3, true},
		{" 4th Choice", "", 4, true},
		{"Choice 12", "", 12, true},
		{"2", "", 2, true},
		{"2nd", "", 2, true},
		{"COUNT", "COUNT", 0, false},
		{"Ballot Style", "Ballot Style", 0, false},
		{"0", "0", 0, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		c, r, ok := parseRankHeader(tt.in)
		if c != tt.contest || r != tt.rank || ok != tt.ok {
			t.Errorf("parseRankHeader(%q) = %q, %d, %v; want %q, %d, %v", tt.in, c, r, ok, tt.contest, tt.rank, tt.ok)
		}
	}
}

// BenchmarkESSMinneapolis reads the 80,101 ballots of the 2013 Minneapolis
// mayoral election from its ES&S workbook.
func BenchmarkESSMinneapolis(b *testing.B) {
	fc := fixture.LoadConfig(b, "2013_minneapolis_mayor")
	src := fc.Sources[0].Source
	st, err := os.Stat(src.Path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Read(src, &election.Election{}, func(*election.CVR) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 80101 {
			b.Fatalf("read %d ballots", n)
		}
	}
}

// rewritePart copies the workbook at path, passing the named part through
// edit, and returns the new file's path.
func rewritePart(t *testing.T, path, part string, edit func([]byte) []byte) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		data := b.Bytes()
		if f.Name == part {
			data = edit(data)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	np := filepath.Join(t.TempDir(), "damaged.xlsx")
	if err := os.WriteFile(np, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return np
}

// TestDamagedSheet checks that a worksheet whose XML breaks off is an
// error, not a silently shorter list of ballots: excelize's iterator stops
// quietly at the first XML error.
func TestDamagedSheet(t *testing.T) {
	rows := [][]any{{"Cast Vote Record", "Choice 1", "Choice 2"}}
	for i := 1; i <= 20; i++ {
		rows = append(rows, []any{i, "A", "B"})
	}
	good := book(t, rows)
	src := cvr.Source{FirstVoteColumn: 2, IDColumn: 1, Candidates: []election.Candidate{{Name: "A"}, {Name: "B"}}}
	cut := func(marker string, keep int, extra string) func([]byte) []byte {
		return func(b []byte) []byte {
			i := bytes.Index(b, []byte(marker))
			if i < 0 {
				t.Fatalf("no %q in the sheet", marker)
			}
			return append(append([]byte(nil), b[:i+keep]...), extra...)
		}
	}
	tests := []struct {
		name string
		edit func([]byte) []byte
		msg  string
	}{
		{"cut inside a row", cut(`<row r="12"`, 30, ""), "the part ends inside"},
		{"garbage between rows", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`<row r="8"`), []byte(`<<garbage/><row r="8"`), 1)
		}, "'<' inside a start tag"},
		{"cut after a whole row", cut(`<row r="15"`, 0, ""), "ends after row 14 without closing the sheet data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := src
			s.Path = rewritePart(t, good, "xl/worksheets/sheet1.xml", tt.edit)
			e := &election.Election{}
			n := 0
			err := Read(s, e, func(*election.CVR) error { n++; return nil })
			var ce *cvr.Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "the workbook is damaged") {
				t.Fatalf("after %d ballots: %v; want an error mentioning %q", n, err, tt.msg)
			}
			if len(e.Contests) != 0 {
				t.Error("failed read left a contest")
			}
		})
	}
	// The undamaged original reads in full.
	s := src
	s.Path = good
	n := 0
	if err := Read(s, &election.Election{}, func(*election.CVR) error { n++; return nil }); err != nil || n != 20 {
		t.Fatalf("original: %d ballots, %v", n, err)
	}
}

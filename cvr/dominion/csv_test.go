package dominion

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

func TestCSV(t *testing.T) {
	type want struct {
		id, supplied, tab, batch, portion, style string
		marks                                    map[string][]string // contest name -> rank:name; absent = contest not on ballot
	}
	tests := []struct {
		name       string
		src        cvr.Source
		contests   []string
		candidates map[string][]string
		records    []want
	}{
		{
			name:     "plurality, every contest",
			src:      cvr.Source{Path: "testdata/dominion_cvr.csv", UndeclaredWriteInLabel: "Write-in"},
			contests: []string{"Mayor", "Council"},
			candidates: map[string][]string{
				"Mayor":   {"Ann", "Bob", election.UndeclaredWriteInName},
				"Council": {"Cy", "Di", "Ed"},
			},
			records: []want{
				{"1-1-1", "1-1-1", "1", "1", "Ward 1", "Ballot 1", map[string][]string{"Mayor": {"1:Ann"}, "Council": {"1:Cy", "1:Di"}}},
				{"1-1-2", "1-1-2", "1", "1", "Ward 1", "Ballot 1", map[string][]string{"Mayor": {"1:Bob"}, "Council": {"1:Ed"}}},
				{"1-1-3", "1-1-3", "1", "1", "Ward 2", "Ballot 2", map[string][]string{"Mayor": {"1:Ann", "1:Bob"}}},
				{"2-5-1", "2-5-1", "2", "5", "Ward 2", "Ballot 2", map[string][]string{"Council": nil}},
				{"2-5-2", "2-5-2", "2", "5", "Ward 2", "Ballot 2", map[string][]string{"Mayor": {"1:" + election.UndeclaredWriteInName}, "Council": {"1:Cy"}}},
			},
		},
		{
			name:     "one contest skips ballots without it",
			src:      cvr.Source{Path: "testdata/dominion_cvr.csv", ContestID: "Council"},
			contests: []string{"Council"},
			records: []want{
				{"1-1-1", "1-1-1", "1", "1", "Ward 1", "Ballot 1", map[string][]string{"Council": {"1:Cy", "1:Di"}}},
				{"1-1-2", "1-1-2", "1", "1", "Ward 1", "Ballot 1", map[string][]string{"Council": {"1:Ed"}}},
				{"2-5-1", "2-5-1", "2", "5", "Ward 2", "Ballot 2", map[string][]string{"Council": nil}},
				{"2-5-2", "2-5-2", "2", "5", "Ward 2", "Ballot 2", map[string][]string{"Council": {"1:Cy"}}},
			},
		},
		{
			name: "declared candidates with aliases",
			src: cvr.Source{Path: "testdata/dominion_cvr.csv", ContestID: "Mayor (Vote For=1)", UndeclaredWriteInLabel: "Write-in",
				Candidates: []election.Candidate{{Name: "Bob Burns", Aliases: []string{"Bob"}}, {Name: "Ann Ames", Aliases: []string{"Ann"}}}},
			contests:   []string{"Mayor"},
			candidates: map[string][]string{"Mayor": {"Bob Burns", "Ann Ames", election.UndeclaredWriteInName}},
			records: []want{
				{"1-1-1", "1-1-1", "1", "1", "Ward 1", "Ballot 1", map[string][]string{"Mayor": {"1:Ann Ames"}}},
				{"1-1-2", "1-1-2", "1", "1", "Ward 1", "Ballot 1", map[string][]string{"Mayor": {"1:Bob Burns"}}},
				{"1-1-3", "1-1-3", "1", "1", "Ward 2", "Ballot 2", map[string][]string{"Mayor": {"1:Bob Burns", "1:Ann Ames"}}},
				{"2-5-2", "2-5-2", "2", "5", "Ward 2", "Ballot 2", map[string][]string{"Mayor": {"1:" + election.UndeclaredWriteInName}}},
			},
		},
		{
			name:       "IRV with spanning contest header",
			src:        cvr.Source{Path: "testdata/dominion_irv.csv"},
			contests:   []string{"Council"},
			candidates: map[string][]string{"Council": {"Alice", "Bob", "Chuan"}},
			records: []want{
				{"1-1-1", "1-1-1", "1", "1", "P1", "B1", map[string][]string{"Council": {"1:Alice", "2:Bob", "3:Chuan"}}},
				{"1-1-2", "1-1-2", "1", "1", "P1", "B1", map[string][]string{"Council": {"1:Chuan"}}},
				{"1-1-3", "1-1-3", "1", "1", "P1", "B1", map[string][]string{"Council": {"1:Alice", "1:Bob", "3:Chuan"}}},
				{"1-1-4", "1-1-4", "1", "1", "P1", "B1", map[string][]string{"Council": nil}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &election.Election{}
			recs := fixture.Collect(t, ReadCSV, tc.src, e)
			var got []string
			for _, c := range e.Contests {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tc.contests) {
				t.Fatalf("contests %q, want %q", got, tc.contests)
			}
			for name, cands := range tc.candidates {
				c, _, _ := e.Contest(name)
				var got []string
				for _, cand := range c.Candidates {
					got = append(got, cand.Name)
				}
				if !slices.Equal(got, cands) {
					t.Errorf("%s candidates %q, want %q", name, got, cands)
				}
			}
			if len(recs) != len(tc.records) {
				t.Fatalf("records = %d, want %d", len(recs), len(tc.records))
			}
			for i, w := range tc.records {
				r := recs[i]
				if r.ID != w.id || r.SuppliedID != w.supplied || r.Tabulator != w.tab || r.Batch != w.batch || r.PrecinctPortion != w.portion || r.BallotStyle != w.style {
					t.Errorf("record %d = %+v, want %+v", i, r, w)
				}
				if len(r.Contests) != len(w.marks) {
					t.Errorf("record %s holds %d contests, want %d", r.ID, len(r.Contests), len(w.marks))
				}
				for cname, marks := range w.marks {
					_, idx, _ := e.Contest(cname)
					if _, ok := r.Marks(idx); !ok {
						t.Errorf("record %s lacks %s", r.ID, cname)
					}
					if got := fixture.Names(e, r, idx); !slices.Equal(got, marks) {
						t.Errorf("record %s %s = %q, want %q", r.ID, cname, got, marks)
					}
				}
			}
			if e.Name == "" {
				t.Error("election name from row 1 not kept")
			}
		})
	}
	e := &election.Election{}
	fixture.Collect(t, ReadCSV, cvr.Source{Path: "testdata/dominion_irv.csv"}, e)
	if c := e.Contests[0]; c.Ranks != 3 || c.VoteFor != 1 {
		t.Errorf("IRV contest shape %d ranks, vote for %d; want 3 and 1", c.Ranks, c.VoteFor)
	}
}

func TestCSVBadInput(t *testing.T) {
	good, err := os.ReadFile("testdata/dominion_cvr.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(good), "\n")
	with := func(i int, line string) string {
		l := slices.Clone(lines)
		l[i] = line
		return strings.Join(l, "\n")
	}
	tests := []struct {
		name  string
		body  string
		src   cvr.Source
		want  string
		row   int
		field string
		is    error
	}{
		{name: "header rows missing", body: strings.Join(lines[:2], "\n"), want: "file ends inside the four header rows", row: 3},
		{name: "no contests", body: with(1, ",,,,,,,,,,,,,"), want: "no contest names", row: 2},
		{name: "missing column", body: with(3, strings.Replace(lines[3], `"BatchId"`, `"Batch"`, 1)), want: "column missing", row: 4, field: "BatchId"},
		{name: "bad vote cell", body: with(5, strings.Replace(lines[5], "0,1,0,0,0,1", "0,2,0,0,0,1", 1)), want: `expected 1 (marked), 0 (not marked) or an empty cell`, row: 6, field: "Mayor / Bob"},
		{name: "short row", body: with(6, "3,1,1,3,1-1-3"), want: "row has 5 cells", row: 7},
		{name: "empty record id", body: with(6, "3,1,1,,1-1-3,Mail,Ward 2,Ballot 2,1,1,0,,,"), want: "empty", row: 7, field: "RecordId"},
		{name: "unknown contest", body: string(good), src: cvr.Source{ContestID: "Sheriff"}, want: `no contest named "Sheriff"; the export has "Mayor", "Council"`, row: 2},
		{name: "undeclared choice", body: string(good), src: cvr.Source{ContestID: "Mayor", Candidates: []election.Candidate{{Name: "Ann"}}}, want: `choice "Bob" matches no declared candidate`, row: 3, is: cvr.ErrUnknownCandidate},
		{name: "ranked choice without rank", body: strings.Replace(string(good), "Mayor (Vote For=1)", "Mayor (Number of positions=1, Number of ranks=3)", -1), want: "expected a ranked choice", row: 3, field: "Mayor / Ann"},
		{name: "oversized cell", body: with(5, strings.Replace(lines[5], "Ward 1", strings.Repeat("w", cvr.MaxFieldBytes+1), 1)), want: "longer than", row: 6, is: cvr.ErrTooLarge},
		// Quotes are lazy so that ="…" cells parse; a stray quote then
		// swallows the rest of its line and the cell count catches it.
		{name: "bad quoting", body: with(5, `2,1,1,2,"1-1-2" x,Election Day,Ward 1,Ballot 1,0,1,0,0,0,1`), want: "row has 5 cells", row: 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cvr.csv")
			if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			tc.src.Path = path
			err := ReadCSV(tc.src, &election.Election{}, func(*election.CVR) error { return nil })
			var ce *cvr.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want *cvr.Error", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			if tc.row != 0 && ce.Row != tc.row {
				t.Errorf("row = %d, want %d", ce.Row, tc.row)
			}
			if tc.field != "" && ce.Field != tc.field {
				t.Errorf("field = %q, want %q", ce.Field, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error does not wrap %v", tc.is)
			}
			if ce.Path != path {
				t.Errorf("path = %q", ce.Path)
			}
		})
	}
}

// TestCSVCutInHeader: a Dominion CSV cut inside its four header rows, or
// holding only them, used to count 0 ballots (and so elect by tie-break);
// both are errors now (issue 11). Inputs: testdata/damaged, the first bytes
// of testdata/dominion_cvr.csv.
func TestCSVCutInHeader(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"cut_in_header.csv", "row 4: row 4 has 8 columns but row 2 describes 14; the file looks cut inside its four header rows"},
		{"header_only.csv", "row 5: no ballot rows after the four header rows"},
	} {
		n := 0
		err := ReadCSV(cvr.Source{Path: filepath.Join("testdata", "damaged", tt.file)}, &election.Election{}, func(*election.CVR) error { n++; return nil })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %d ballots, error %v; want %q", tt.file, n, err, tt.want)
		}
	}
}

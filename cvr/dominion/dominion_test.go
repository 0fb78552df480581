package dominion

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

func byID(recs []*election.CVR) map[string]election.CVR {
	m := map[string]election.CVR{}
	for _, r := range recs {
		m[r.ID] = *r
	}
	return m
}

// TestConversionMatchesRCTab compares every ballot of the Alaska export with
// RCTab's normalized CVR (conversions_from_dominion_expected.csv): ids,
// tabulator, batch, vendor id, precinct portion and the candidates at each
// rank.
func TestConversionMatchesRCTab(t *testing.T) {
	src := fixture.LoadConfig(t, "conversions_from_dominion").Sources[0].Source
	e := &election.Election{}
	recs := fixture.Collect(t, Read, src, e)
	if len(e.Contests) != 1 {
		t.Fatalf("contests = %d, want 1", len(e.Contests))
	}
	c := e.Contests[0]
	rows := fixture.ExpectedConversion(t, "conversions_from_dominion")
	if len(rows) != len(recs) || len(recs) != 1000 {
		t.Fatalf("read %d records, RCTab has %d (want 1000)", len(recs), len(rows))
	}
	for i, row := range rows {
		rec := recs[i]
		want := []string{row[3], row[4], row[5], row[6], row[7], row[8]}
		got := []string{rec.ID, rec.Tabulator, rec.Batch, rec.SuppliedID, rec.Precinct, rec.PrecinctPortion}
		if !slices.Equal(got, want) {
			t.Fatalf("record %d: id/tabulator/batch/vendor/precinct/portion = %q, RCTab %q", i+1, got, want)
		}
		marks, ok := rec.Marks(0)
		if !ok {
			t.Fatalf("record %d (%s) lacks the contest", i+1, rec.ID)
		}
		for rank := 1; rank <= 5; rank++ {
			cell := row[8+rank]
			var wantNames []string
			if cell != "undervote" {
				wantNames = strings.Split(cell, "\n")
			}
			var gotNames []string
			for _, m := range marks {
				if int(m.Rank) != rank {
					continue
				}
				cand := c.Candidates[m.Choice]
				name := cand.Name
				if cand.WriteIn {
					name = "12" // RCTab's CSV keeps the UWI label
				}
				gotNames = append(gotNames, name)
			}
			sort.Strings(wantNames)
			sort.Strings(gotNames)
			if !slices.Equal(gotNames, wantNames) {
				t.Fatalf("record %d (%s) rank %d: %q, RCTab %q", i+1, rec.ID, rank, gotNames, wantNames)
			}
		}
	}
}

func TestFixtures(t *testing.T) {
	type firstChoices map[string]int
	tests := []struct {
		fixture    string
		ballots    int
		undervotes int
		// first-round tallies by first marked rank when it holds one
		// candidate (the fixtures' expected reports)
		first   firstChoices
		id      string   // one record to check in detail
		marks   []string // its marks as rank:name
		portion string
		style   string
	}{
		{
			fixture: "dominion_alaska", ballots: 1000, undervotes: 55,
			id:      "42-1-1",
			marks:   []string{"1:Michael R. Bloomberg", "2:Joseph R. Biden", "3:" + election.UndeclaredWriteInName, "4:Elizabeth Warren", "5:Tulsi Gabbard"},
			portion: "Precinct 1", style: "Ballot 1 - Type 1",
		},
		{
			fixture: "dominion_multi_file", ballots: 25, undervotes: 8,
			first: firstChoices{"Aaron Peskin": 9, "Danny Sauter": 4, "Stephen (Lulu) Schwartz": 3, "Spencer Simonson": 1},
			id:    "27-892-56",
			marks: []string{"1:Stephen (Lulu) Schwartz", "2:Aaron Peskin", "3:Danny Sauter", "4:Spencer Simonson"},
		},
		{
			fixture: "dominion_no_precinct_data", ballots: 1000, undervotes: 57,
			id:      "9-4-61",
			portion: "Campbell County",
		},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			src := fixture.LoadConfig(t, tc.fixture).Sources[0].Source
			e := &election.Election{}
			recs := fixture.Collect(t, Read, src, e)
			if len(recs) != tc.ballots {
				t.Errorf("ballots = %d, want %d", len(recs), tc.ballots)
			}
			under := 0
			first := firstChoices{}
			for _, r := range recs {
				ms, ok := r.Marks(0)
				if !ok {
					t.Fatalf("%s lacks the contest", r.ID)
				}
				if len(ms) == 0 {
					under++
					continue
				}
				n := 0
				for _, m := range ms {
					if m.Rank == ms[0].Rank {
						n++
					}
				}
				if n == 1 {
					first[e.Contests[0].Candidates[ms[0].Choice].Name]++
				}
			}
			if under != tc.undervotes {
				t.Errorf("undervotes = %d, want %d", under, tc.undervotes)
			}
			for name, n := range tc.first {
				if first[name] != n {
					t.Errorf("first choices for %s = %d, want %d", name, first[name], n)
				}
			}
			rec, ok := byID(recs)[tc.id]
			if !ok {
				t.Fatalf("no record %s", tc.id)
			}
			if tc.marks != nil && !slices.Equal(fixture.Names(e, &rec, 0), tc.marks) {
				t.Errorf("%s marks = %q, want %q", tc.id, fixture.Names(e, &rec, 0), tc.marks)
			}
			if tc.portion != "" && rec.PrecinctPortion != tc.portion {
				t.Errorf("%s portion = %q, want %q", tc.id, rec.PrecinctPortion, tc.portion)
			}
			if tc.style != "" && rec.BallotStyle != tc.style {
				t.Errorf("%s ballot style = %q, want %q", tc.id, rec.BallotStyle, tc.style)
			}
			if rec.Precinct != "" {
				t.Errorf("%s precinct = %q; RCTab leaves Dominion precincts empty", tc.id, rec.Precinct)
			}
		})
	}
}

// TestMultiFileOrderAndModified checks the file order (CvrExport_1, _2, _3,
// _6) and that a session whose Original is not current is read from its
// Modified block.
func TestMultiFileOrderAndModified(t *testing.T) {
	src := cvr.Source{Path: fixture.Path(t, "dominion_multi_file", "dominion_multi_file_input_data")}
	e := &election.Election{}
	recs := fixture.Collect(t, Read, src, e)
	if len(recs) != 315 {
		t.Fatalf("sessions = %d, want 315 (all sessions, every contest)", len(recs))
	}
	var files []string
	for _, r := range recs {
		base := filepath.Base(r.Source)
		if len(files) == 0 || files[len(files)-1] != base {
			files = append(files, base)
		}
	}
	if want := []string{"CvrExport_1.json", "CvrExport_2.json", "CvrExport_3.json", "CvrExport_6.json"}; !slices.Equal(files, want) {
		t.Errorf("file order %q, want %q", files, want)
	}
	if len(e.Contests) != 42 {
		t.Errorf("contests = %d, want the manifest's 42", len(e.Contests))
	}
	c13, idx, ok := e.Contest("13")
	if !ok || c13.Name != "BOARD OF SUPERVISORS DISTRICT 3" || c13.Ranks != 4 || c13.VoteFor != 1 {
		t.Fatalf("contest 13 = %+v", c13)
	}
	var cands []string
	for _, c := range c13.Candidates {
		cands = append(cands, c.Name+"#"+c.ID)
	}
	want := []string{"AARON PESKIN#27", "DANNY SAUTER#28", "SPENCER SIMONSEN#29", "STEPHEN (LULU) SCHWARTZ#30", election.UndeclaredWriteInName + "#122"}
	if !slices.Equal(cands, want) {
		t.Errorf("contest 13 candidates %q, want %q", cands, want)
	}
	if !c13.Candidates[4].WriteIn {
		t.Error("manifest candidate of Type WriteIn is not the write-in")
	}
	// 27-892-58 and 26-876-51: Original not current; the Modified block
	// drops a write-in from contest 8 and a second mark from contest 32.
	rec := byID(recs)["27-892-58"]
	_, i8, _ := e.Contest("8")
	if ms, ok := rec.Marks(i8); !ok || len(ms) != 0 || rec.PrecinctPortion != "PCT 9409" {
		t.Errorf("27-892-58 contest 8 = %v %v, portion %q; want the Modified block's empty contest in PCT 9409", ms, ok, rec.PrecinctPortion)
	}
	rec = byID(recs)["26-876-51"]
	c32, i32, _ := e.Contest("32")
	if ms, _ := rec.Marks(i32); len(ms) != 1 || c32.Candidates[ms[0].Choice].ID != "88" {
		t.Errorf("26-876-51 contest 32 = %v, want only candidate 88", ms)
	}
	n13 := 0
	for _, r := range recs {
		if _, ok := r.Marks(idx); ok {
			n13++
		}
	}
	if n13 != 25 {
		t.Errorf("records holding contest 13 = %d, want 25", n13)
	}
}

// writeExport makes an export folder with small manifests and body as
// CvrExport.json.
func writeExport(t testing.TB, body string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		contestManifest:         `{"Version":"5.10","List":[{"Description":"Mayor","Id":1,"VoteFor":1,"NumOfRanks":3},{"Description":"Council","Id":2,"VoteFor":2,"NumOfRanks":0}]}`,
		candidateManifest:       `{"Version":"5.10","List":[{"Description":"Ann","Id":10,"ContestId":1,"Type":"Regular"},{"Description":"Bob","Id":11,"ContestId":1,"Type":"Regular"},{"Description":"Write-in","Id":12,"ContestId":1,"Type":"WriteIn"},{"Description":"Cy","Id":20,"ContestId":2},{"Description":"Di","Id":21,"ContestId":2}]}`,
		precinctPortionManifest: `{"Version":"5.10","List":[{"Description":"Ward 1","Id":7,"PrecinctId":1}]}`,
		ballotTypeManifest:      `{"Version":"5.10","List":[{"Description":"Style A","Id":3}]}`,
		"CvrExport.json":        body,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func session(tab, batch, rec int, original string) string {
	return `{"TabulatorId":` + itoa(tab) + `,"BatchId":` + itoa(batch) + `,"RecordId":` + itoa(rec) + `,"ImageMask":"x\\y","Original":` + original + `}`
}

func itoa(n int) string { return strconv.Itoa(n) }

const cardMayor = `{"PrecinctPortionId":7,"BallotTypeId":3,"IsCurrent":true,"Cards":[{"Id":1,"Contests":[{"Id":1,"Marks":[{"CandidateId":11,"Rank":1,"IsAmbiguous":false},{"CandidateId":10,"Rank":2,"IsAmbiguous":true},{"CandidateId":12,"Rank":2,"IsAmbiguous":false},{"CandidateId":10,"Rank":3,"IsAmbiguous":false}]}]}]}`

func TestSessionRules(t *testing.T) {
	notCurrent := `{"PrecinctPortionId":7,"IsCurrent":false,"Cards":[{"Contests":[{"Id":1,"Marks":[{"CandidateId":10,"Rank":1}]}]}]}`
	modified := `{"PrecinctPortionId":7,"IsCurrent":true,"Cards":[{"Contests":[{"Id":1,"Marks":[{"CandidateId":11,"Rank":1},{"CandidateId":10,"Rank":1}]}]}]}`
	twoCards := `{"PrecinctPortionId":7,"IsCurrent":true,"Cards":[{"Contests":[{"Id":2,"Marks":[{"CandidateId":20,"Rank":1},{"CandidateId":21,"Rank":1}]}]},{"Contests":[{"Id":1,"Marks":[]}]}]}`
	noMayor := `{"PrecinctPortionId":7,"IsCurrent":true,"Cards":[{"Contests":[{"Id":2,"Marks":[{"CandidateId":20,"Rank":1}]}]}]}`
	body := `{"Version":"5.10","ElectionId":"Test","Sessions":[` +
		session(1, 2, 3, cardMayor) + "," +
		`{"TabulatorId":1,"BatchId":2,"RecordId":4,"Original":` + notCurrent + `,"Modified":` + modified + `},` +
		`{"TabulatorId":1,"BatchId":2,"RecordId":5,"Original":` + notCurrent + `},` +
		session(1, 2, 6, twoCards) + "," +
		session(1, 2, 7, noMayor) +
		`]}`
	dir := writeExport(t, body)

	t.Run("one contest", func(t *testing.T) {
		e := &election.Election{}
		recs := fixture.Collect(t, Read, cvr.Source{Path: dir, ContestID: "1"}, e)
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		// 1-2-5 was outstacked and never adjudicated; 1-2-7 lacks the contest.
		if want := []string{"1-2-3", "1-2-4", "1-2-6"}; !slices.Equal(ids, want) {
			t.Fatalf("records %q, want %q", ids, want)
		}
		got := fixture.Names(e, recs[0], 0)
		want := []string{"1:Bob", "2:" + election.UndeclaredWriteInName, "3:Ann"}
		if !slices.Equal(got, want) {
			t.Errorf("1-2-3 marks %q, want %q (ambiguous mark skipped)", got, want)
		}
		if got, want := fixture.Names(e, recs[1], 0), []string{"1:Ann", "1:Bob"}; !slices.Equal(got, want) {
			t.Errorf("1-2-4 marks %q, want the Modified overvote %q", got, want)
		}
		if ms, ok := recs[2].Marks(0); !ok || len(ms) != 0 {
			t.Errorf("1-2-6 should hold contest 1 with no marks, got %v %v", ms, ok)
		}
		if recs[0].BallotStyle != "Style A" || recs[0].PrecinctPortion != "Ward 1" || recs[0].SuppliedID != "3" {
			t.Errorf("1-2-3 = %+v", recs[0])
		}
	})
	t.Run("every contest", func(t *testing.T) {
		e := &election.Election{}
		recs := fixture.Collect(t, Read, cvr.Source{Path: dir}, e)
		if len(recs) != 4 || len(e.Contests) != 2 {
			t.Fatalf("records %d contests %d, want 4 and 2", len(recs), len(e.Contests))
		}
		if got, want := fixture.Names(e, recs[2], 1), []string{"1:Cy", "1:Di"}; !slices.Equal(got, want) {
			t.Errorf("1-2-6 council marks %q, want %q", got, want)
		}
		if _, ok := recs[3].Marks(0); ok {
			t.Error("1-2-7 should not hold the mayor contest")
		}
		if e.Contests[1].VoteFor != 2 || e.Contests[0].Ranks != 3 {
			t.Errorf("contest shapes: %+v %+v", e.Contests[0], e.Contests[1])
		}
	})
	t.Run("declared candidates", func(t *testing.T) {
		e := &election.Election{}
		src := cvr.Source{Path: dir, ContestID: "1", UndeclaredWriteInLabel: "12", Candidates: []election.Candidate{{Name: "Ann Ames", Aliases: []string{"10"}}, {Name: "Bob Burns", Aliases: []string{"11"}}}}
		recs := fixture.Collect(t, Read, src, e)
		if got, want := fixture.Names(e, recs[0], 0), []string{"1:Bob Burns", "2:" + election.UndeclaredWriteInName, "3:Ann Ames"}; !slices.Equal(got, want) {
			t.Errorf("marks %q, want %q", got, want)
		}
		if n := len(e.Contests[0].Candidates); n != 3 {
			t.Errorf("candidates = %d, want 2 declared + write-in", n)
		}
		toks, err := CandidateTokens(src, e.Contests[0])
		if err != nil {
			t.Fatal(err)
		}
		if toks[0] != "10" || toks[1] != "11" || len(toks) != 2 {
			t.Errorf("tokens = %v", toks)
		}
	})
}

func TestBadInput(t *testing.T) {
	good := `{"Sessions":[` + session(1, 2, 3, cardMayor) + `]}`
	tests := []struct {
		name   string
		setup  func(t *testing.T) cvr.Source
		want   string // in the message
		record int
		field  string
		is     error
	}{
		{
			name:  "missing folder",
			setup: func(t *testing.T) cvr.Source { return cvr.Source{Path: filepath.Join(t.TempDir(), "nope")} },
			want:  "folder not found",
		},
		{
			name: "a file, not a folder",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: filepath.Join(writeExport(t, good), "CvrExport.json")}
			},
			want: "is a file; the dominion provider reads the export folder",
		},
		{
			name: "no CvrExport",
			setup: func(t *testing.T) cvr.Source {
				dir := writeExport(t, good)
				os.Remove(filepath.Join(dir, "CvrExport.json"))
				return cvr.Source{Path: dir}
			},
			want: "no CvrExport.json or CvrExport_N.json",
		},
		{
			name: "missing manifest",
			setup: func(t *testing.T) cvr.Source {
				dir := writeExport(t, good)
				os.Remove(filepath.Join(dir, candidateManifest))
				return cvr.Source{Path: dir}
			},
			want: "missing manifest",
		},
		{
			name: "manifest entry without Id",
			setup: func(t *testing.T) cvr.Source {
				dir := writeExport(t, good)
				os.WriteFile(filepath.Join(dir, contestManifest), []byte(`{"List":[{"Id":1,"Description":"A"},{"Description":"B"}]}`), 0o644)
				return cvr.Source{Path: dir}
			},
			want: "required key is missing", record: 2, field: "List[1].Id",
		},
		{
			name:  "unknown contest",
			setup: func(t *testing.T) cvr.Source { return cvr.Source{Path: writeExport(t, good), ContestID: "9"} },
			want:  `no contest with Id "9"; the manifest lists 1 (Mayor), 2 (Council)`,
		},
		{
			name: "truncated export",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, good[:len(good)-30]), ContestID: "1"}
			},
			want: "unexpected end of input", record: 1,
		},
		{
			name: "rank is a string",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, `{"Sessions":[`+session(1, 2, 3, strings.Replace(cardMayor, `"Rank":3`, `"Rank":"3"`, 1))+`]}`), ContestID: "1"}
			},
			want: "expected an integer", record: 1, field: "Sessions[0].Original.Cards[0].Contests[0].Marks[3].Rank",
		},
		{
			name: "rank zero",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, `{"Sessions":[`+session(1, 2, 3, strings.Replace(cardMayor, `"Rank":3`, `"Rank":0`, 1))+`]}`), ContestID: "1"}
			},
			want: "expected a rank from 1", record: 1, field: "Sessions[0].Original.Cards[0].Contests[0].Marks[3].Rank",
		},
		{
			name: "candidate not in manifest",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, `{"Sessions":[`+session(1, 2, 3, strings.Replace(cardMayor, `"CandidateId":11`, `"CandidateId":99`, 1))+`]}`), ContestID: "1"}
			},
			want: "candidate Id 99 is not listed for contest 1", record: 1, field: "Sessions[0].Original.Cards[0].Contests[0].Marks[0].CandidateId", is: cvr.ErrUnknownCandidate,
		},
		{
			name: "candidate matches no declared candidate",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, good), ContestID: "1", Candidates: []election.Candidate{{Name: "Ann", Aliases: []string{"10"}}}}
			},
			want: "candidate Id 11 in contest 1 (Mayor) matches no declared candidate", record: 1, is: cvr.ErrUnknownCandidate,
		},
		{
			name: "precinct portion not in manifest",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, `{"Sessions":[`+session(1, 2, 3, strings.Replace(cardMayor, `"PrecinctPortionId":7`, `"PrecinctPortionId":8`, 1))+`]}`), ContestID: "1"}
			},
			want: "precinct portion Id 8 is not in PrecinctPortionManifest.json", record: 1, field: "Sessions[0].Original.PrecinctPortionId",
		},
		{
			name: "missing TabulatorId",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, `{"Sessions":[{"BatchId":1,"RecordId":1,"Original":`+cardMayor+`}]}`)}
			},
			want: "required key is missing", record: 1, field: "Sessions[0].TabulatorId",
		},
		{
			name: "oversized string",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, `{"Sessions":[{"ImageMask":"`+strings.Repeat("x", cvr.MaxFieldBytes+1)+`"}]}`)}
			},
			want: "longer than", record: 1, is: cvr.ErrTooLarge,
		},
		{
			name:  "not JSON",
			setup: func(t *testing.T) cvr.Source { return cvr.Source{Path: writeExport(t, `TabulatorNum,BatchId`)} },
			want:  "malformed JSON: expected an object",
		},
		{
			name:  "no Sessions",
			setup: func(t *testing.T) cvr.Source { return cvr.Source{Path: writeExport(t, `{"Version":"1"}`)} },
			want:  "no Sessions array",
		},
		{
			name:  "trailing garbage",
			setup: func(t *testing.T) cvr.Source { return cvr.Source{Path: writeExport(t, good+`]`)} },
			want:  "after the end of the JSON value",
		},
		{
			name: "candidates without contest",
			setup: func(t *testing.T) cvr.Source {
				return cvr.Source{Path: writeExport(t, good), Candidates: []election.Candidate{{Name: "Ann"}}}
			},
			want: "set the source's contest ID",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.setup(t)
			calls := 0
			err := Read(src, &election.Election{}, func(*election.CVR) error { calls++; return nil })
			var ce *cvr.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want *cvr.Error", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if tc.record != 0 && ce.Record != tc.record {
				t.Errorf("record = %d, want %d (%v)", ce.Record, tc.record, err)
			}
			if tc.field != "" && ce.Field != tc.field {
				t.Errorf("field = %q, want %q", ce.Field, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
			if ce.Path == "" {
				t.Error("error names no file")
			}
		})
	}
}

func TestHandlerErrorStops(t *testing.T) {
	body := `{"Sessions":[` + session(1, 2, 3, cardMayor) + "," + session(1, 2, 4, cardMayor) + `]}`
	dir := writeExport(t, body)
	stop := errors.New("stop")
	calls := 0
	err := Read(cvr.Source{Path: dir}, &election.Election{}, func(*election.CVR) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("err %v after %d calls; want the handler's error after 1", err, calls)
	}
}

// TestR14FileOrder: in RCTab mode only CvrExport.json is read when it
// exists, and numbered files are ordered by path as text (_10 before _2),
// as RCTab's gatherCvrsForContest does (source notes R14); canvass's own
// mode reads CvrExport.json and then the numbered files by number.
func TestR14FileOrder(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"CvrExport_2.json", "CvrExport_10.json", "CvrExport_1.json", "CvrExport_x.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := func(paths []string) []string {
		var out []string
		for _, p := range paths {
			out = append(out, filepath.Base(p))
		}
		return out
	}
	for _, tt := range []struct {
		rctab bool
		want  []string
	}{
		{false, []string{"CvrExport_1.json", "CvrExport_2.json", "CvrExport_10.json"}},
		{true, []string{"CvrExport_1.json", "CvrExport_10.json", "CvrExport_2.json"}},
	} {
		files, err := exportFiles(cvr.Source{RCTab: tt.rctab}, dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := base(files); !slices.Equal(got, tt.want) {
			t.Errorf("RCTab %v: files %q, want %q", tt.rctab, got, tt.want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "CvrExport.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		rctab bool
		want  []string
	}{
		{false, []string{"CvrExport.json", "CvrExport_1.json", "CvrExport_2.json", "CvrExport_10.json"}},
		{true, []string{"CvrExport.json"}},
	} {
		files, err := exportFiles(cvr.Source{RCTab: tt.rctab}, dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := base(files); !slices.Equal(got, tt.want) {
			t.Errorf("with CvrExport.json, RCTab %v: files %q, want %q", tt.rctab, got, tt.want)
		}
	}
}

// TestBOutstackCondition7: a contest record whose OutstackConditionIds
// hold 7 is dropped in RCTab mode and counted otherwise; both modes report
// how many there were through Source.Warn (source notes B).
func TestBOutstackCondition7(t *testing.T) {
	contest := func(outstack string, cand int) string {
		return `{"PrecinctPortionId":7,"IsCurrent":true,"Cards":[{"Contests":[{"Id":1,"OutstackConditionIds":` + outstack + `,"Marks":[{"CandidateId":` + itoa(cand) + `,"Rank":1,"OutstackConditionIds":[7]}]}]}]}`
	}
	body := `{"Sessions":[` + session(1, 1, 1, contest("[7]", 10)) + "," + session(1, 1, 2, contest("[3]", 11)) + "," + session(1, 1, 3, contest("null", 10)) + `]}`
	dir := writeExport(t, body)
	for _, tt := range []struct {
		rctab bool
		ids   []string
		warn  string
	}{
		{true, []string{"1-1-2", "1-1-3"}, "1 outstack cast vote records (contest records whose OutstackConditionIds hold 7) were not counted, as RCTab drops them"},
		{false, []string{"1-1-1", "1-1-2", "1-1-3"}, "1 contest records have OutstackConditionIds holding 7; they were counted, but RCTab drops them"},
	} {
		var warnings []string
		src := cvr.Source{Path: dir, ContestID: "1", RCTab: tt.rctab, Warn: func(m string) { warnings = append(warnings, m) }}
		var ids []string
		err := Read(src, &election.Election{}, func(r *election.CVR) error { ids = append(ids, r.ID); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, tt.ids) || len(warnings) != 1 || warnings[0] != tt.warn {
			t.Errorf("RCTab %v: records %q, warnings %q; want %q and %q", tt.rctab, ids, warnings, tt.ids, tt.warn)
		}
	}
}

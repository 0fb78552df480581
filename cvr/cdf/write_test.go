package cdf

import (
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/dominion"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
	"github.com/canvass/canvass/internal/java"
	"github.com/xuri/excelize/v2"
)

// readESS is a minimal reader of the ES&S spreadsheets three fixtures use,
// enough to rebuild their CVRs for the writer test (the real ES&S reader
// lives in package ess). Cells hold a candidate name, the skipped-rank
// label, the overvote label or the undeclared write-in label.
func readESS(t *testing.T, s fixture.Source, ranks int, contestName string, e *election.Election) []*election.CVR {
	t.Helper()
	x, err := excelize.OpenFile(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	c, idx, err := cvrread.ContestFor(s.Source, e, contestName, contestName)
	if err != nil {
		t.Fatal(err)
	}
	if s.UndeclaredWriteInLabel != "" {
		c.WriteIn()
	}
	cell := func(row []string, col int) string {
		if col < 1 || col > len(row) {
			return ""
		}
		return strings.TrimSpace(row[col-1])
	}
	firstCol, firstRow := cmp.Or(s.FirstVoteColumn, 4), cmp.Or(s.FirstVoteRow, 2)
	var out []*election.CVR
	for r := firstRow - 1; r < len(rows); r++ {
		row := rows[r]
		rec := &election.CVR{
			ID:       filepath.Base(s.Path) + "-" + strconv.Itoa(r-firstRow+2),
			Source:   s.Path,
			Precinct: cell(row, s.PrecinctColumn),
			Batch:    cell(row, s.BatchColumn),
			Contests: []election.ContestMarks{{Contest: idx}},
		}
		for k := 0; k < ranks; k++ {
			v := cell(row, firstCol+k)
			var ch election.Choice
			switch {
			case v == "" || v == s.UndervoteLabel:
				continue
			case v == s.OvervoteLabel:
				ch = election.Overvote
			case v == s.UndeclaredWriteInLabel:
				ch = c.WriteIn()
			default:
				var ok bool
				if ch, ok = c.Lookup(v); !ok {
					t.Fatalf("%s row %d: %q is not a declared candidate", s.Path, r+1, v)
				}
			}
			rec.Contests[0].Marks = append(rec.Contests[0].Marks, election.Mark{Rank: int32(k + 1), Choice: ch})
		}
		cvrread.SortMarks(rec.Contests[0].Marks)
		out = append(out, rec)
	}
	return out
}

// expectedAllocations recovers, from an expected report, where each CVR
// counted in each round: the positions marked allocable, with their votes.
// (RCTab marks a position allocable only when the CVR's own text for the
// candidate is the candidate's name, so allocations invisible in the file
// cannot change the output either.)
func expectedAllocations(t *testing.T, doc map[string]any, c *election.Contest) (int, [][][]Allocation) {
	t.Helper()
	bySel := map[string]election.Choice{}
	for k, cand := range c.Candidates {
		name := cand.Name
		if cand.WriteIn {
			name = election.UndeclaredWriteInName
		}
		bySel["cs-"+cdfID(name)] = election.Choice(k)
	}
	cvrs := doc["CVR"].([]any)
	rounds := len(cvrs[0].(map[string]any)["CVRSnapshot"].([]any)) - 1
	out := make([][][]Allocation, len(cvrs))
	for i, cv := range cvrs {
		snaps := cv.(map[string]any)["CVRSnapshot"].([]any)
		if len(snaps) != rounds+1 {
			t.Fatalf("CVR %d has %d snapshots, others %d", i, len(snaps), rounds+1)
		}
		out[i] = make([][]Allocation, rounds)
		for r := 1; r <= rounds; r++ {
			out[i][r-1] = []Allocation{}
			for _, ct := range snaps[r].(map[string]any)["CVRContest"].([]any) {
				for _, s := range ct.(map[string]any)["CVRContestSelection"].([]any) {
					sm := s.(map[string]any)
					for _, p := range sm["SelectionPosition"].([]any) {
						pm := p.(map[string]any)
						if pm["IsAllocable"] != "yes" {
							continue
						}
						ch, ok := bySel[sm["ContestSelectionId"].(string)]
						if !ok {
							t.Fatalf("allocable selection %v names no candidate", sm["ContestSelectionId"])
						}
						votes := "1"
						if f, ok := pm["FractionalVotes"].(string); ok {
							votes = "0" + f
						}
						rank, _ := pm["Rank"].(json.Number).Int64()
						out[i][r-1] = append(out[i][r-1], Allocation{Rank: int32(rank), Choice: ch, Votes: votes})
					}
				}
			}
		}
	}
	return rounds, out
}

func dropKeys(v any, keys ...string) any {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range keys {
			delete(x, k)
		}
		for _, e := range x {
			dropKeys(e, keys...)
		}
	case []any:
		for _, e := range x {
			dropKeys(e, keys...)
		}
	}
	return v
}

var generatedLine = regexp.MustCompile(`(?m)^  "GeneratedDate" : .*$`)

// TestWriteMatchesRCTab rebuilds every expected cdf_cvr.json among the
// fixtures from the fixture's own CVR files and compares the result with
// RCTab's, as parsed JSON (GeneratedDate and generatedBy ignored) and byte
// for byte.
func TestWriteMatchesRCTab(t *testing.T) {
	root := fixture.Root(t)
	matches, err := filepath.Glob(filepath.Join(root, "*", "*_expected_cdf_cvr.json"))
	if err != nil || len(matches) < 14 {
		t.Fatalf("expected CDF files: %d (%v)", len(matches), err)
	}
	for _, m := range matches {
		name := filepath.Base(filepath.Dir(m))
		t.Run(name, func(t *testing.T) {
			cfg := fixture.LoadConfig(t, name)
			srcs := cfg.Sources
			want, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(want))
			dec.UseNumber()
			var wantDoc map[string]any
			if err := dec.Decode(&wantDoc); err != nil {
				t.Fatal(err)
			}

			e := &election.Election{}
			var cvrs []*election.CVR
			var srcOf []int
			var extra []string
			for si, s := range srcs {
				var recs []*election.CVR
				switch s.Provider {
				case "cdf":
					recs = fixture.Collect(t, Read, s.Source, e)
				case "dominion":
					recs = fixture.Collect(t, dominion.Read, s.Source, e)
				case "ess":
					recs = readESS(t, s, cfg.IntRule("maxRankingsAllowed", 3), cfg.ContestName, e)
				default:
					t.Fatalf("provider %q", s.Provider)
				}
				for range recs {
					srcOf = append(srcOf, si)
				}
				cvrs = append(cvrs, recs...)
				if s.OvervoteLabel != "" {
					extra = append(extra, s.OvervoteLabel)
				}
			}
			if len(e.Contests) != 1 {
				t.Fatalf("contests = %d, want 1", len(e.Contests))
			}
			c := e.Contests[0]
			tokens := make([]map[election.Choice]string, len(srcs))
			for si, s := range srcs {
				switch s.Provider {
				case "cdf":
					tokens[si], err = CandidateTokens(s.Source, c)
				case "dominion":
					tokens[si], err = dominion.CandidateTokens(s.Source, c)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			rounds, alloc := expectedAllocations(t, wantDoc, c)
			generated, err := time.Parse(time.RFC3339, wantDoc["GeneratedDate"].(string))
			if err != nil {
				t.Fatal(err)
			}
			r := &Report{
				Contest:         c,
				ContestIndex:    0,
				ExtraCandidates: extra,
				ContestName:     cfg.ContestName,
				Jurisdiction:    cfg.Jurisdiction,
				Generated:       generated,
				Precincts:       cfg.TabulateByPrecinct,
				Rounds:          rounds,
				Allocations: func(i, round int) ([]Allocation, bool) {
					return alloc[i][round-1], true
				},
				Token: func(i int, ch election.Choice) string {
					return tokens[srcOf[i]][ch]
				},
			}
			var got bytes.Buffer
			if err := WriteJSON(&got, r, cvrs); err != nil {
				t.Fatal(err)
			}
			dec = json.NewDecoder(bytes.NewReader(got.Bytes()))
			dec.UseNumber()
			var gotDoc map[string]any
			if err := dec.Decode(&gotDoc); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			dropKeys(gotDoc, "GeneratedDate", "generatedBy")
			dropKeys(wantDoc, "GeneratedDate", "generatedBy")
			if !reflect.DeepEqual(gotDoc, wantDoc) {
				gb, _ := json.MarshalIndent(gotDoc, "", " ")
				wb, _ := json.MarshalIndent(wantDoc, "", " ")
				gl, wl := strings.Split(string(gb), "\n"), strings.Split(string(wb), "\n")
				for k := 0; k < len(gl) && k < len(wl); k++ {
					if gl[k] != wl[k] {
						t.Fatalf("parsed JSON differs at line %d:\n got %s\nwant %s", k+1, gl[k], wl[k])
					}
				}
				t.Fatalf("parsed JSON differs in length: %d vs %d lines", len(gl), len(wl))
			}
			gotText := generatedLine.ReplaceAll(got.Bytes(), nil)
			wantText := generatedLine.ReplaceAll(want, nil)
			if name == "batch_example" {
				// This 2020 file was edited by hand: its GpUnit array
				// closes with "}]," where Jackson writes "} ],".
				wantText = bytes.Replace(wantText, []byte("\n  }],\n"), []byte("\n  } ],\n"), 1)
			}
			if !bytes.Equal(gotText, wantText) {
				t.Errorf("same values but different bytes than RCTab's file")
			}
			roundTrip(t, got.Bytes(), r, cvrs)
		})
	}
}

// roundTrip reads a written report back and checks that every CVR keeps its
// marks and precinct. RCTab's files are only self-consistent when each
// selection's text is the candidate's name (no aliases, no vendor ids), so
// other reports are not read back.
func roundTrip(t *testing.T, report []byte, r *Report, cvrs []*election.CVR) {
	t.Helper()
	for i, rec := range cvrs {
		ms, _ := rec.Marks(int(r.ContestIndex))
		for _, m := range ms {
			if m.Choice >= 0 && !r.Contest.Candidates[m.Choice].WriteIn && r.Token(i, m.Choice) != "" && r.Token(i, m.Choice) != r.Contest.Candidates[m.Choice].Name {
				return
			}
		}
	}
	path := filepath.Join(t.TempDir(), "cdf_cvr.json")
	if err := os.WriteFile(path, report, 0o644); err != nil {
		t.Fatal(err)
	}
	e := &election.Election{}
	back := fixture.Collect(t, Read, cvr.Source{Path: path, ContestID: orDefault(r.ContestName, r.Contest.Name), OvervoteLabel: "overvote"}, e)
	if len(back) != len(cvrs) {
		t.Fatalf("read back %d CVRs, wrote %d", len(back), len(cvrs))
	}
	for i, rec := range cvrs {
		ms, _ := rec.Marks(int(r.ContestIndex))
		bms, ok := back[i].Marks(0)
		if !ok {
			t.Fatalf("read-back CVR %d lacks the contest", i)
		}
		want, got := fixture.MarkNames(r.Contest, ms), fixture.MarkNames(e.Contests[0], bms)
		if strings.Join(want, "|") != strings.Join(got, "|") {
			t.Fatalf("CVR %s read back as %q, was %q", rec.ID, got, want)
		}
		if r.Precincts && back[i].Precinct != rec.Precinct {
			t.Fatalf("CVR %s precinct read back as %q, was %q", rec.ID, back[i].Precinct, rec.Precinct)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	c := &election.Contest{Name: "Mayor", Candidates: []election.Candidate{{Name: "Ann"}}}
	rec := &election.CVR{ID: "1", Contests: []election.ContestMarks{{Contest: 0, Marks: []election.Mark{{Rank: 1, Choice: 0}}}}}
	tests := []struct {
		name string
		r    Report
		cvrs []*election.CVR
		want string
	}{
		{"no contest", Report{}, nil, "Report.Contest is nil"},
		{"precinct missing", Report{Contest: c, Precincts: true}, []*election.CVR{rec}, "has no precinct"},
		{"choice out of range", Report{Contest: c}, []*election.CVR{{ID: "2", Contests: []election.ContestMarks{{Marks: []election.Mark{{Rank: 1, Choice: 4}}}}}}, "marks choice 4"},
		{"votes above one", Report{Contest: c, Rounds: 1, Allocations: func(int, int) ([]Allocation, bool) {
			return []Allocation{{Rank: 1, Choice: 0, Votes: "1.5"}}, true
		}}, []*election.CVR{rec}, "at most 1"},
		{"votes not decimal", Report{Contest: c, Rounds: 1, Allocations: func(int, int) ([]Allocation, bool) {
			return []Allocation{{Rank: 1, Choice: 0, Votes: "half"}}, true
		}}, []*election.CVR{rec}, "expected a decimal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteJSON(&bytes.Buffer{}, &tc.r, tc.cvrs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestJavaHelpers(t *testing.T) {
	if h := java.HashCode("MINNEAPOLIS W-9 P-02"); h == 0 {
		t.Error("hash")
	}
	// "Aa" and "BB" collide in Java; HashMap order then follows insertion.
	if java.HashCode("Aa") != java.HashCode("BB") {
		t.Error("Aa and BB must collide as in Java")
	}
	if got := java.HashOrder([]string{"BB", "Aa"}, java.HashMapCapacity(2)); got[0] != "BB" {
		t.Errorf("order %q", got)
	}
	tests := []struct {
		a, b string
		less bool
	}{
		{"Undeclared Write-ins", "Unused Display Name", true},
		{"Yinka Dare", "overvote", true},
		{"\uffff", "\U0001F600", false}, // UTF-16 order puts the surrogate pair first
		{"a", "ab", true},
	}
	for _, tc := range tests {
		if (java.Compare(tc.a, tc.b) < 0) != tc.less {
			t.Errorf("java.Compare(%q, %q) < 0 = %v", tc.a, tc.b, !tc.less)
		}
	}
	if got := cdfID("Stephen (Lulu) Schwartz"); got != "stephen__lulu__schwartz" {
		t.Errorf("cdfID = %q", got)
	}
	for v, want := range map[string]string{"1": "1|", "1.0000": "1|", "0.9063": "0|.9063", ".5": "0|.5", "0": "0|.0"} {
		n, f, err := splitVotes(v)
		if err != nil || strconv.FormatInt(n, 10)+"|"+f != want {
			t.Errorf("splitVotes(%q) = %d %q %v, want %s", v, n, f, err, want)
		}
	}
}

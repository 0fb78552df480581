package resultsite

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	mayorJSON = "../testdata/rctab/2013_minneapolis_mayor/2013_minneapolis_mayor_expected_detailed_report.json"
	parkJSON  = "../testdata/rctab/2013_minneapolis_park/2013_minneapolis_park_expected_detailed_report.json"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// minneapolis is the snapshot the tests (and the screenshot) render.
func minneapolis(t testing.TB) Snapshot {
	return Snapshot{
		Origin:       "results.minneapolismn.example/2013-general",
		ElectionID:   "2013-11-05-minneapolis",
		ElectionName: "Municipal General Election",
		Jurisdiction: "City of Minneapolis",
		Date:         "2013-11-05",
		Version:      2,
		PublishedAt:  time.Date(2013, 11, 6, 4, 12, 0, 0, time.UTC),
		Contests: []Contest{
			{ID: "mayor", Name: "Mayor", SummaryJSON: readFile(t, mayorJSON)},
			{ID: "park-board", Name: "Park and Recreation Commissioner at Large", SummaryJSON: readFile(t, parkJSON)},
		},
		Checkpoint:      "results.minneapolismn.example/2013-general\n412\nq2RSM3y1VZ0mCsg3ZfR+Nh1XQ4iJx8o8n0b3QkOfH5c=\n\n— results.minneapolismn.example/2013-general Az3grkrh0WAtd4xWDP8GjiDWhSc/lVsNmGeqQZzjzw7XBnQf1kX3f4bq2+4K9sJc2pHnW6uE0S8sT4F8qz2XvXfJ0QM=\n",
		LogIndex:        411,
		LogURL:          "https://results.minneapolismn.example/log/",
		LogVKey:         "results.minneapolismn.example/2013-general+1f2e3d4c+AQz1lGZ0c8dp8QYgk3j3ZP0uM6rB0tPp3Ae4wR2y8uVx",
		ResultsJSON:     []byte(`{"@type":"ElectionReport"}` + "\n"),
		Files:           []File{{Name: "reports/mayor/detailed_report.json", Data: readFile(t, mayorJSON)}},
		SoftwareVersion: "v0.9.0",
	}
}

func TestRenderMinneapolis(t *testing.T) {
	s := minneapolis(t)
	files, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{IndexFile, StyleFile, ResultsFile, "mayor.csv", "park-board.csv", "reports/mayor/detailed_report.json"} {
		if files[name] == nil {
			t.Errorf("no %s in the snapshot", name)
		}
	}
	if len(files) != 6 {
		t.Errorf("%d files, want 6", len(files))
	}
	checkWellFormed(t, files[IndexFile])
	page := html.UnescapeString(string(files[IndexFile]))

	svgs := svgOf(t, page)
	if len(svgs) != 4 {
		t.Fatalf("%d charts, want 4 (a wide and a narrow one per contest)", len(svgs))
	}
	for i, mayor := range svgs[:2] {
		for r := 1; r <= 33; r++ {
			if !strings.Contains(mayor, "<title>Round "+itoa(r)+":") {
				t.Errorf("mayor chart %d has no round %d", i, r)
			}
		}
		if strings.Contains(mayor, "<title>Round 34:") {
			t.Errorf("mayor chart %d has a round 34", i)
		}
		if !strings.Contains(mayor, "<title>Round 33: BETSY HODGES 38,852; MARK ANDREW 24,942; Inactive ballots 15,668; elected: BETSY HODGES</title>") {
			t.Errorf("mayor chart %d: no round 33 with the winner", i)
		}
		for _, want := range []string{"BETSY HODGES was elected in round 33 with 38,852 votes", "threshold to win: 31,898 votes in the final round", ">threshold to win", `role="img"`, "<desc id="} {
			if !strings.Contains(mayor, want) {
				t.Errorf("mayor chart %d does not contain %q", i, want)
			}
		}
	}
	if !strings.Contains(svgs[2], ">threshold 14,866</text>") {
		t.Error("the park board chart does not label its constant threshold")
	}
	for _, want := range []string{
		"Winner: <strong>BETSY HODGES</strong>",
		"Winners: <strong>JOHN ERWIN, ANNIE YOUNG, MEG FORNEY</strong>",
		"Final round (round 33)",
		"36 candidates · 33 rounds · threshold 31,898 · 80,101 ballots",
		`<pre class="checkpoint">results.minneapolismn.example/2013-general` + "\n412\n",
		"canvass log verify --url https://results.minneapolismn.example/log/ --vkey results.minneapolismn.example/2013-general+1f2e3d4c+",
		"canvass log prove --url https://results.minneapolismn.example/log/ --index 411",
		"Snapshot 2 · published",
		`<link rel="stylesheet" href="style.css" />`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not contain %q", want)
		}
	}
	// Every candidate of the mayor's race is in the round table.
	sum, err := ParseSummary(s.Contests[0].SummaryJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Candidates) != 36 { // 35 and the undeclared write-ins
		t.Errorf("%d mayoral candidates, want 36", len(sum.Candidates))
	}
	for _, c := range sum.Candidates {
		if !strings.Contains(page, "<tr class=\"out\"><th scope=\"row\"><span class=\"name\">"+c.Name+"</span>") && c.Name != "BETSY HODGES" && c.Name != "MARK ANDREW" {
			t.Errorf("no eliminated row for %s", c.Name)
		}
	}
	// The downloads carry the SHA-256 of what they link to.
	for name, data := range files {
		if name == IndexFile || name == StyleFile {
			continue
		}
		if !strings.Contains(page, `<a href="`+name+`">`) || !strings.Contains(page, sha256hex(data)) {
			t.Errorf("the downloads do not list %s with its SHA-256", name)
		}
	}
	for _, bad := range []string{"<script", " style=", "javascript:", "src=", "onload", "onclick", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	if os.Getenv("RESULTSITE_OUT") != "" {
		for name, data := range files {
			p := filepath.Join(os.Getenv("RESULTSITE_OUT"), name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, data, 0o644)
		}
	}
}

func TestBanners(t *testing.T) {
	for _, tc := range []struct {
		official, test bool
		want, notWant  []string
	}{
		{false, false, []string{`class="badge unofficial"`, "unofficial results</title>"}, []string{`class="banner test"`, `class="badge official"`, "TEST"}},
		{true, false, []string{`class="badge official"`, "official results</title>"}, []string{`class="banner test"`, "UNOFFICIAL", "TEST"}},
		{false, true, []string{`class="banner test"`, "TEST RESULTS — NOT REAL", "<title>TEST — ", `class="badge unofficial"`}, []string{`class="badge official"`}},
	} {
		s := minneapolis(t)
		s.Official, s.TestMode = tc.official, tc.test
		files, err := Render(s)
		if err != nil {
			t.Fatal(err)
		}
		page := string(files[IndexFile])
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("official=%v test=%v: page lacks %q", tc.official, tc.test, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(page, w) {
				t.Errorf("official=%v test=%v: page contains %q", tc.official, tc.test, w)
			}
		}
	}
	s := minneapolis(t)
	s.Official, s.TestMode = true, true
	if _, err := Render(s); !errors.Is(err, ErrInvalidSnapshot) {
		t.Errorf("official test results: err = %v, want ErrInvalidSnapshot", err)
	}
}

func TestDeterministic(t *testing.T) {
	a, err := Render(minneapolis(t))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := Render(minneapolis(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) {
			t.Fatalf("%d files, then %d", len(a), len(b))
		}
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Fatalf("%s differs between two renders", name)
			}
		}
	}
}

// TestCSVSums checks that each round's column of the CSV adds up to the
// sum of that round's tally in RCTab's report, exactly.
func TestCSVSums(t *testing.T) {
	files, err := Render(minneapolis(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ csv, json string }{{"mayor.csv", mayorJSON}, {"park-board.csv", parkJSON}} {
		recs, err := csv.NewReader(bytes.NewReader(files[tc.csv])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		sum, err := ParseSummary(readFile(t, tc.json))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(recs[0]), len(sum.Rounds)+1; got != want {
			t.Fatalf("%s: %d columns, want %d", tc.csv, got, want)
		}
		if got, want := len(recs)-1, len(sum.Candidates); got != want {
			t.Errorf("%s: %d candidate rows, want %d", tc.csv, got, want)
		}
		for r, round := range sum.Rounds {
			if recs[0][r+1] != "Round "+itoa(r+1) {
				t.Errorf("%s: column %d is %q", tc.csv, r+1, recs[0][r+1])
			}
			got, want := new(big.Rat), new(big.Rat)
			for _, rec := range recs[1:] {
				if rec[r+1] != "" {
					got.Add(got, mustRat(t, rec[r+1]))
				}
			}
			for _, v := range round.Votes {
				want.Add(want, mustRat(t, v))
			}
			if got.Cmp(want) != 0 || got.Sign() == 0 {
				t.Errorf("%s: round %d sums to %s, RCTab's tally to %s", tc.csv, r+1, got.FloatString(4), want.FloatString(4))
			}
		}
	}
	// One known number, to be sure the sums are not both wrong.
	if !bytes.Contains(files["mayor.csv"], []byte("BETSY HODGES,28951,")) || !bytes.HasPrefix(files["mayor.csv"], []byte("Candidate,Round 1,Round 2,")) {
		t.Errorf("mayor.csv starts:\n%.300s", files["mayor.csv"])
	}
}

func TestPlurality(t *testing.T) {
	s := minneapolis(t)
	s.Contests = []Contest{{ID: "question-1", Name: "Question 1", Votes: []CandidateVotes{{"Yes", 41234}, {"No", 30001}}, Winners: []string{"Yes"}, Ballots: 80101}}
	files, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, files[IndexFile])
	page := string(files[IndexFile])
	for _, want := range []string{"Winner: <strong>Yes</strong>", "Plurality · 1 seat · 2 candidates · 80,101 ballots", "57.9%", "41,234"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<svg class=\"chart ") {
		t.Error("a plurality contest has a round-by-round chart")
	}
	if got, want := string(files["question-1.csv"]), "Candidate,Votes\nYes,41234\nNo,30001\n"; got != want {
		t.Errorf("question-1.csv = %q, want %q", got, want)
	}
}

func TestRenderErrors(t *testing.T) {
	for name, mod := range map[string]func(*Snapshot){
		"no name":           func(s *Snapshot) { s.ElectionName = "" },
		"version 0":         func(s *Snapshot) { s.Version = 0 },
		"bad date":          func(s *Snapshot) { s.Date = "11/05/2013" },
		"no contests":       func(s *Snapshot) { s.Contests = nil },
		"bad contest id":    func(s *Snapshot) { s.Contests[0].ID = "../mayor" },
		"duplicate id":      func(s *Snapshot) { s.Contests[1].ID = "mayor" },
		"bad summary":       func(s *Snapshot) { s.Contests[0].SummaryJSON = []byte(`{}`) },
		"ranked and plural": func(s *Snapshot) { s.Contests[0].Winners = []string{"X"} },
		"unknown winner": func(s *Snapshot) {
			s.Contests[0] = Contest{ID: "q", Name: "Q", Votes: []CandidateVotes{{"Yes", 1}}, Winners: []string{"No"}}
		},
		"file traversal":      func(s *Snapshot) { s.Files[0].Name = "../etc/passwd" },
		"file clash":          func(s *Snapshot) { s.Files[0].Name = "mayor.csv" },
		"file wrong hash":     func(s *Snapshot) { s.Files[0].SHA256 = strings.Repeat("0", 64) },
		"linked file no hash": func(s *Snapshot) { s.Files = []File{{Name: "reports/x.json", Size: 3}} },
	} {
		s := minneapolis(t)
		mod(&s)
		if _, err := Render(s); !errors.Is(err, ErrInvalidSnapshot) {
			t.Errorf("%s: err = %v, want ErrInvalidSnapshot", name, err)
		}
	}
}

func TestParseSummaryErrors(t *testing.T) {
	good := strings.ReplaceAll(string(readFile(t, parkJSON)), `" : `, `": `)
	for _, tc := range []struct{ old, new, field string }{
		{`"jsonFormatVersion": "1"`, `"jsonFormatVersion": "2"`, "jsonFormatVersion"},
		{`"round": 2,`, `"round": 3,`, "results[1].round"},
		{`"CASPER HILL": "1280"`, `"CASPER HILL": "-1280"`, `results[0].tally["CASPER HILL"]`},
		{`"CASPER HILL": "1280"`, `"CASPER HILL": 1280`, "results.tally"},
		{`"eliminated": "CASPER HILL"`, `"eliminated": "NOBODY"`, "results[1].tallyResults[0].eliminated"},
		{`"numWinners": 3`, `"numWinners": -1`, "summary.numWinners"},
		{`"numWinners": 3`, `"numWinners": 2`, "3 candidates elected, but summary.numWinners is 2"},
		{`"totalNumBallots": "80101"`, `"totalNumBallots": "8e4"`, "summary.totalNumBallots"},
		{`"overvotes": "0"`, `"overvote": "0"`, ""},
		{`"threshold": "14866"`, `"threshold": "x"`, "threshold"},
		{`"round": 1,`, `"round": 1, "extra": true,`, `unknown field "extra"`},
		{`"elected": "JOHN ERWIN"`, `"elected": "JOHN ERWIN", "eliminated": "JOHN ERWIN"`, "both elected and eliminated"},
	} {
		in := strings.Replace(good, tc.old, tc.new, 1)
		if in == good {
			t.Fatalf("%q is not in the fixture", tc.old)
		}
		_, err := ParseSummary([]byte(in))
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s → %s: %v", tc.old, tc.new, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidSummary) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s → %s: err = %v, want one naming %s", tc.old, tc.new, err, tc.field)
		}
	}
	if _, err := ParseSummary([]byte(good + "{}")); err == nil {
		t.Error("trailing data accepted")
	}
	s, err := ParseSummary([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Winners, ", "); got != "JOHN ERWIN, ANNIE YOUNG, MEG FORNEY" {
		t.Errorf("winners %s", got)
	}
	if s.Rounds[10].Inactive != "17375.0000" || s.Rounds[0].Inactive != "67" {
		t.Errorf("inactive %s, %s", s.Rounds[0].Inactive, s.Rounds[10].Inactive)
	}
}

func FuzzParseSummary(f *testing.F) {
	f.Add(readFile(f, parkJSON))
	f.Add([]byte(`{"config":{},"jsonFormatVersion":"1","results":[{"round":1,"tally":{"A":"1"},"tallyResults":[{"elected":"A"}]}],"summary":{"numWinners":1,"totalNumBallots":"1"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSummary(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidSummary) {
				t.Fatalf("error %v does not wrap ErrInvalidSummary", err)
			}
			return
		}
		if len(s.Rounds) == 0 || s.Seats < len(s.Winners) {
			t.Fatalf("accepted a summary with %d rounds, %d seats and %d winners", len(s.Rounds), s.Seats, len(s.Winners))
		}
		// Whatever parses renders, and renders well-formed.
		files, err := Render(Snapshot{ElectionName: "E", Version: 1, Contests: []Contest{{ID: "c", Name: "C", SummaryJSON: data}}})
		if err != nil {
			t.Fatal(err)
		}
		checkWellFormed(t, files[IndexFile])
	})
}

// checkWellFormed parses the page as XML, strictly: every element closed
// and properly nested, attributes quoted, entities known to HTML.
func checkWellFormed(t testing.TB, page []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	depth := 0
	ids := map[string]bool{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, col := d.InputPos()
			t.Fatalf("page is not well-formed at line %d col %d: %v", line, col, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			for _, a := range tok.Attr {
				if a.Name.Local == "id" {
					if ids[a.Value] {
						t.Fatalf("two elements have the id %q", a.Value)
					}
					ids[a.Value] = true
				}
			}
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Fatalf("page ends at depth %d", depth)
	}
}

func svgOf(t *testing.T, page string) []string {
	var out []string
	for {
		i := strings.Index(page, `<svg class="chart `)
		if i < 0 {
			return out
		}
		j := strings.Index(page[i:], "</svg>")
		if j < 0 {
			t.Fatal("unterminated svg")
		}
		out = append(out, page[i:i+j+6])
		page = page[i+j:]
	}
}

func mustRat(t *testing.T, s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("%q is not a number", s)
	}
	return r
}

func BenchmarkRender(b *testing.B) {
	s := minneapolis(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(s); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAllRCTabReports renders every expected RCTab JSON report in
// testdata/rctab: every rule variant RCTab's own tests cover.
func TestAllRCTabReports(t *testing.T) {
	names, err := filepath.Glob("../testdata/rctab/*/*detailed_report.json")
	if err != nil || len(names) < 30 {
		t.Fatalf("%d reports found (%v)", len(names), err)
	}
	for _, name := range names {
		data := readFile(t, name)
		s, err := ParseSummary(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		files, err := Render(Snapshot{ElectionName: "E", Version: 1, Contests: []Contest{{ID: "c", Name: s.Contest, SummaryJSON: data}}})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkWellFormed(t, files[IndexFile])
		if len(s.Winners) == 0 && !bytes.Contains(files[IndexFile], []byte("No winner declared")) {
			t.Errorf("%s: no winner, and the page does not say so", name)
		}
	}
}

package synthetic

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var small = Spec{Ballots: 5000, Candidates: 13, MaxRanks: 5, Precincts: 7, BatchSize: 100, Seed: 7}

func TestDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteGenericCSV(&a, small); err != nil {
		t.Fatal(err)
	}
	if err := WriteGenericCSV(&b, small); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same spec produced different CSV files")
	}
	other := small
	other.Seed++
	var c bytes.Buffer
	WriteGenericCSV(&c, other)
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("different seeds produced the same file")
	}
}

// TestCSVShape checks the CSV parses, has one row per ballot, and that the
// voter behaviours the benchmark is meant to exercise all occur at about
// their stated rates.
func TestCSVShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteGenericCSV(&buf, small); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != small.Ballots+1 {
		t.Fatalf("got %d rows, want %d", len(rows), small.Ballots+1)
	}
	if got, want := len(rows[0]), 3+small.Candidates; got != want {
		t.Fatalf("header has %d columns, want %d", got, want)
	}
	var blank, skipped, over, full int
	for _, row := range rows[1:] {
		seen := map[int]int{}
		max := 0
		for _, cell := range row[3:] {
			if cell == "" {
				continue
			}
			r, err := strconv.Atoi(cell)
			if err != nil || r < 1 || r > small.MaxRanks {
				t.Fatalf("bad rank cell %q in %v", cell, row)
			}
			seen[r]++
			if r > max {
				max = r
			}
		}
		if len(seen) == 0 {
			blank++
			continue
		}
		if len(seen) < max {
			skipped++
		}
		for _, n := range seen {
			if n > 1 {
				over++
			}
		}
		if max == small.MaxRanks {
			full++
		}
	}
	n := float64(small.Ballots)
	check := func(name string, got int, lo, hi float64) {
		if f := float64(got) / n; f < lo || f > hi {
			t.Errorf("%s: %d ballots (%.4f), want a rate in [%.3f, %.3f]", name, got, f, lo, hi)
		}
	}
	check("blank", blank, 0.005, 0.03)
	check("skipped rank", skipped, 0.008, 0.04)
	check("overvote", over, 0.001, 0.015)
	check("full ranking", full, 0.3, 0.6)
}

// TestCDFMatchesCSVAndSchema checks the CDF report validates against the
// NIST CVR schema and holds the same rankings as the CSV for every ballot
// (apart from duplicate rankings, which CSV cannot express).
func TestCDFMatchesCSVAndSchema(t *testing.T) {
	s := small
	s.Ballots = 800
	var cdf, csvBuf bytes.Buffer
	if err := WriteCDFJSON(&cdf, s, "Synthetic Mayor"); err != nil {
		t.Fatal(err)
	}
	if err := WriteGenericCSV(&csvBuf, s); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("../testdata/nist/cast_vote_records.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(cdf.Bytes()))
	if err != nil {
		t.Fatalf("CDF output is not JSON: %v", err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("CDF output does not validate: %v", err)
	}
	var rep struct {
		CVR []struct {
			BallotPrePrintedID string `json:"BallotPrePrintedId"`
			CVRSnapshot        []struct {
				CVRContest []struct {
					CVRContestSelection []struct {
						ContestSelectionID string `json:"ContestSelectionId"`
						SelectionPosition  []struct{ Rank int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(cdf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(&csvBuf).ReadAll()
	if len(rep.CVR) != s.Ballots || len(rows) != s.Ballots+1 {
		t.Fatalf("CDF has %d CVRs, CSV %d rows; want %d", len(rep.CVR), len(rows)-1, s.Ballots)
	}
	for i, cvr := range rep.CVR {
		row := rows[i+1]
		if cvr.BallotPrePrintedID != row[0] {
			t.Fatalf("ballot %d: CDF id %q, CSV id %q", i, cvr.BallotPrePrintedID, row[0])
		}
		fromCDF := map[string]string{}
		for _, sel := range cvr.CVRSnapshot[0].CVRContest[0].CVRContestSelection {
			cand, _ := strconv.Atoi(sel.ContestSelectionID[len("cs-"):])
			if _, dup := fromCDF[strconv.Itoa(cand)]; !dup {
				fromCDF[strconv.Itoa(cand)] = strconv.Itoa(sel.SelectionPosition[0].Rank)
			}
		}
		for j, cell := range row[3:] {
			if got := fromCDF[strconv.Itoa(j+1)]; got != cell {
				t.Fatalf("ballot %s candidate %d: CDF rank %q, CSV rank %q", row[0], j+1, got, cell)
			}
		}
	}
}

func TestRCTabConfig(t *testing.T) {
	for _, p := range []string{"genericCsv", "cdf"} {
		b, err := RCTabConfig(small, "Synthetic Mayor", "x", p)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		if got := len(v["candidates"].([]any)); got != small.Candidates {
			t.Fatalf("%s: %d candidates, want %d", p, got, small.Candidates)
		}
	}
	if _, err := RCTabConfig(small, "x", "x", "ess"); err == nil {
		t.Fatal("unsupported provider accepted")
	}
}

func TestValidate(t *testing.T) {
	bad := []Spec{{}, {Ballots: 1, Candidates: 1, MaxRanks: 1, Precincts: 1, BatchSize: 1},
		{Ballots: 1, Candidates: 3, MaxRanks: 9, Precincts: 1, BatchSize: 1}}
	for _, s := range bad {
		if s.Validate() == nil {
			t.Errorf("%+v: accepted", s)
		}
	}
	if err := Default.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultFingerprint pins the first ballots of the default benchmark
// contest, so a change to the generator (which would silently change every
// recorded benchmark figure) is noticed.
func TestDefaultFingerprint(t *testing.T) {
	s := Default
	s.Ballots = 1000
	var buf bytes.Buffer
	WriteGenericCSV(&buf, s)
	got := fmt.Sprintf("%x", sha256.Sum256(buf.Bytes()))
	const want = "b407fcaef4c3be4ebe1ec61ca7bedbb367acd7294ae454834bb137c6604c9ca9"
	if got != want {
		t.Fatalf("default contest changed: sha256 %s, pinned %s", got, want)
	}
}

func BenchmarkGenericCSV(b *testing.B) {
	s := Default
	s.Ballots = 100_000
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		WriteGenericCSV(&buf, s)
	}
	b.SetBytes(int64(buf.Len()))
}

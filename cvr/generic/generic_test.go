package generic

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

func TestRegistered(t *testing.T) { fixture.CheckRegistered(t, "genericCsv", Read) }

// TestFixtures reads every RCTab fixture that uses a generic CSV and checks
// the result against RCTab's expected report and against cells read by eye.
func TestFixtures(t *testing.T) {
	type markWant struct {
		ballot  int // 0-based
		id      string
		precint string
		batch   string
		marks   string // "rank:candidate ..." in canonical order
	}
	tests := []struct {
		name   string
		report bool
		want   []markWant
		slices map[string]int // precinct or batch -> ballots, from RCTab's slice reports
	}{
		{name: "generic_csv_test", report: true, want: []markWant{
			{0, "R_3QEQ85E7gV2DuyG", "p1", "b1", "1:Cucumber 2:Broccoli"},
			{2, "R_22G3akvxq7ggl01", "p1", "b1", "1:Cauliflower 2:Cucumber 3:Lettuce 4:Undeclared Write-ins 5:Broccoli"},
			{25, "R_33dwoHsyajiIzbF", "", "", "1:Cucumber 2:Broccoli 3:Cauliflower 4:Lettuce"},
		}, slices: map[string]int{"precinct p1": 13, "precinct p2": 10, "precinct ": 3, "batch b1": 13, "batch b2": 10, "batch ": 3}},
		{name: "csv_missing_header_test", report: true, want: []markWant{
			{0, "", "", "", "1:Cucumber 2:Broccoli"},
			{3, "", "", "", "1:Cauliflower 2:Broccoli 3:Cucumber 4:Lettuce"},
		}},
		// The file ranks four candidates where the rules allow three;
		// enforcing that is the tabulator's job, so the file must parse.
		{name: "max_ranking_enforcement", want: []markWant{
			{0, "", "", "", "1:Candidate A 2:Candidate B 3:Candidate C 4:Candidate D"},
			{4, "", "", "", "1:Candidate A 2:Candidate B 3:Candidate C"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := fixture.LoadConfig(t, tt.name)
			if fc.Sources[0].Provider != "genericCsv" {
				t.Fatalf("provider %q", fc.Sources[0].Provider)
			}
			e, ballots, err := fixture.ReadAll(t, Read, fc.Sources[0].Source)
			if err != nil {
				t.Fatal(err)
			}
			if tt.report {
				fixture.CheckReport(t, fc, e, ballots)
			}
			c := e.Contests[0]
			for _, w := range tt.want {
				b := ballots[w.ballot]
				if got := fixture.Describe(c, b.Marks); got != w.marks {
					t.Errorf("ballot %d: marks %q, want %q", w.ballot, got, w.marks)
				}
				if b.SuppliedID != w.id || b.Precinct != w.precint || b.Batch != w.batch {
					t.Errorf("ballot %d: id %q precinct %q batch %q, want %q %q %q", w.ballot, b.SuppliedID, b.Precinct, b.Batch, w.id, w.precint, w.batch)
				}
				wantID := fmt.Sprintf("%s-%d", filepath.Base(fc.Sources[0].Path), w.ballot+1)
				if b.ID != wantID || b.Source != fc.Sources[0].Path {
					t.Errorf("ballot %d: ID %q source %q, want %q %q", w.ballot, b.ID, b.Source, wantID, fc.Sources[0].Path)
				}
			}
			slices := map[string]int{}
			for _, b := range ballots {
				slices["precinct "+b.Precinct]++
				slices["batch "+b.Batch]++
			}
			for k, n := range tt.slices {
				if slices[k] != n {
					t.Errorf("%s: %d ballots, RCTab's slice report has %d", k, slices[k], n)
				}
			}
		})
	}
}

// TestCases covers the rules on small inline files.
func TestCases(t *testing.T) {
	declared := []election.Candidate{{Name: "A"}, {Name: "B", Aliases: []string{"bee"}}, {Name: "C", Excluded: true}}
	tests := []struct {
		name   string
		src    cvr.Source
		in     string
		want   []string // marks per ballot
		cands  string   // candidate names after reading
		ranks  int
		errMsg string // substring of the error, if one is expected
		errRow int
		field  string
		unk    bool // error wraps ErrUnknownCandidate
		large  bool // error wraps ErrTooLarge
	}{
		{name: "discover from header", in: "id,X,Y,Z\n1,1,2,\n2,,,\n3,2,1,3\n",
			src:  cvr.Source{FirstVoteColumn: 2},
			want: []string{"1:X 2:Y", "", "1:Y 2:X 3:Z"}, cands: "X,Y,Z", ranks: 3},
		{name: "default first column follows id column", in: "id,X,Y\n1,1,2\n",
			src: cvr.Source{IDColumn: 1}, want: []string{"1:X 2:Y"}, cands: "X,Y"},
		{name: "default first column with nothing configured", in: "X,Y\n2,1\n",
			want: []string{"1:Y 2:X"}, cands: "X,Y"},
		{name: "overvote is same rank twice", in: "A,B,C\n1,1,2\n",
			src: cvr.Source{Candidates: declared}, want: []string{"1:A 1:B 2:C"}, cands: "A,B,C"},
		{name: "alias and spaces", in: "A, bee ,C\r\n 2 ,1,\r\n",
			src: cvr.Source{Candidates: declared}, want: []string{"1:B 2:A"}},
		{name: "write-in column", in: "A,Write-In\n2,1\n",
			src:  cvr.Source{Candidates: declared, UndeclaredWriteInLabel: "Write-In"},
			want: []string{"1:Undeclared Write-ins 2:A"}, cands: "A,B,C,Undeclared Write-ins"},
		{name: "unused unknown column is fine", in: "A,Nobody\n1,\n",
			src: cvr.Source{Candidates: declared}, want: []string{"1:A"}},
		{name: "skipped rank and high rank", in: "A,B\n3,7\n",
			src: cvr.Source{Candidates: declared}, want: []string{"3:A 7:B"}},
		{name: "header row lower down", in: "title line\nA,B\n1,2\n",
			src: cvr.Source{Candidates: declared, FirstVoteRow: 3}, want: []string{"1:A 2:B"}},
		{name: "lines of empty fields are not ballots", in: "A,B\n1,2\n,\n , \n,,,,\n\"\",\n2,1\n",
			src: cvr.Source{Candidates: declared}, want: []string{"1:A 2:B", "1:B 2:A"}},
		{name: "quoted fields", in: "\"id, with comma\",A,B\n\"x,y\",\"1\",2\n",
			src: cvr.Source{Candidates: declared, FirstVoteColumn: 2, IDColumn: 1}, want: []string{"1:A 2:B"}},

		{name: "unknown candidate", in: "A,Nobody\n1,2\n",
			src: cvr.Source{Candidates: declared}, errMsg: `"Nobody" is not a declared candidate`, errRow: 2, field: `column 2 "Nobody"`, unk: true},
		{name: "ranked column without header", in: "A,\n1,2\n",
			src: cvr.Source{Candidates: declared}, errMsg: "no candidate name", errRow: 2, field: "column 2", unk: true},
		{name: "not a number", in: "A,B\n1,x\n", src: cvr.Source{Candidates: declared},
			errMsg: `rank "x" is not a whole number`, errRow: 2, field: `column 2 "B"`},
		{name: "decimal", in: "A,B\n1,2.0\n", src: cvr.Source{Candidates: declared},
			errMsg: `rank "2.0" is not a whole number`, errRow: 2, field: `column 2 "B"`},
		{name: "zero", in: "A,B\n\n1,0\n", src: cvr.Source{Candidates: declared},
			errMsg: `rank "0" is zero`, errRow: 3, field: `column 2 "B"`},
		{name: "negative", in: "A,B\n-1,2\n", src: cvr.Source{Candidates: declared},
			errMsg: `rank "-1" is negative`, errRow: 2, field: `column 1 "A"`},
		{name: "huge", in: "A,B\n1,99999999999999999999\n", src: cvr.Source{Candidates: declared},
			errMsg: "larger than 1000000", errRow: 2, field: `column 2 "B"`},
		{name: "short row", in: "A,B\n1,2\n1\n", src: cvr.Source{Candidates: declared},
			errMsg: "has 1 fields but the header has 2", errRow: 3},
		{name: "long row", in: "A,B\n1,2,3\n", src: cvr.Source{Candidates: declared},
			errMsg: "has 3 fields but the header has 2", errRow: 2},
		{name: "duplicate header", in: "A,B,A\n1,2,3\n", src: cvr.Source{Candidates: declared},
			errMsg: `candidate "A" also heads column 1`, errRow: 1, field: `column 3 "A"`},
		{name: "empty file", in: "", errMsg: "expected a header row"},
		{name: "first column past header", in: "A,B\n1,2\n", src: cvr.Source{FirstVoteColumn: 5},
			errMsg: "firstVoteColumnIndex is 5 but the header row has only 2 columns", errRow: 1},
		{name: "first row 1", in: "A,B\n1,2\n", src: cvr.Source{FirstVoteRow: 1}, errMsg: "must be 2 or more"},
		{name: "negative index", in: "A,B\n1,2\n", src: cvr.Source{PrecinctColumn: -1}, errMsg: "precinctColumnIndex is -1"},
		{name: "unterminated quote", in: "A,B\n1,\"2\n", errMsg: "never closes", errRow: 2, field: "column 2"},
		{name: "oversized field", in: "A,B\n1," + strings.Repeat("9", cvr.MaxFieldBytes+1) + "\n",
			errMsg: "longer than", errRow: 2, field: "column 2", large: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.src.Path = "dir/" + strings.ReplaceAll(tt.name, " ", "_") + ".csv"
			e := &election.Election{}
			var got []string
			err := ReadFrom(strings.NewReader(tt.in), tt.src, e, func(rec *election.CVR) error {
				got = append(got, fixture.Describe(e.Contests[rec.Contests[0].Contest], rec.Contests[0].Marks))
				return nil
			})
			if tt.errMsg != "" {
				var ce *cvr.Error
				if !errors.As(err, &ce) {
					t.Fatalf("error %v (%T), want a *cvr.Error", err, err)
				}
				if !strings.Contains(ce.Error(), tt.errMsg) || ce.Row != tt.errRow || ce.Field != tt.field || ce.Path != tt.src.Path {
					t.Errorf("error %q (row %d, field %q), want %q at row %d field %q", ce, ce.Row, ce.Field, tt.errMsg, tt.errRow, tt.field)
				}
				if errors.Is(err, cvr.ErrUnknownCandidate) != tt.unk {
					t.Errorf("errors.Is(ErrUnknownCandidate) = %v, want %v", !tt.unk, tt.unk)
				}
				if errors.Is(err, cvr.ErrTooLarge) != tt.large {
					t.Errorf("errors.Is(ErrTooLarge) = %v, want %v", !tt.large, tt.large)
				}
				if len(e.Contests) != 0 {
					t.Errorf("failed read left %d contests in the election", len(e.Contests))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("marks %q, want %q", got, tt.want)
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
			if tt.ranks != 0 && c.Ranks != tt.ranks {
				t.Errorf("Ranks %d, want %d", c.Ranks, tt.ranks)
			}
			if c.ID != "" || c.Name != strings.ReplaceAll(tt.name, " ", "_") {
				t.Errorf("contest ID %q name %q", c.ID, c.Name)
			}
		})
	}
}

// TestSharedElection reads two files into one election: the second adds
// to the first one's contest, and a failure in the second leaves the first
// one's contest as it was.
func TestSharedElection(t *testing.T) {
	e := &election.Election{}
	src := cvr.Source{Path: "one.csv", ContestID: "Mayor"}
	h := func(*election.CVR) error { return nil }
	if err := ReadFrom(strings.NewReader("A,B\n1,2\n"), src, e, h); err != nil {
		t.Fatal(err)
	}
	src.Path = "two.csv"
	if err := ReadFrom(strings.NewReader("B,C\n1,2\n"), src, e, h); err != nil {
		t.Fatal(err)
	}
	if len(e.Contests) != 1 || len(e.Contests[0].Candidates) != 3 {
		t.Fatalf("got %d contests, %+v", len(e.Contests), e.Contests[0].Candidates)
	}
	src.Path = "three.csv"
	err := ReadFrom(strings.NewReader("D,E\n1,2\nx,1\n"), src, e, h)
	if err == nil {
		t.Fatal("no error")
	}
	c := e.Contests[0]
	if len(c.Candidates) != 3 {
		t.Errorf("failed read left %d candidates, want 3", len(c.Candidates))
	}
	if _, ok := c.Lookup("D"); ok {
		t.Error("failed read left candidate D findable")
	}
	if ch, ok := c.Lookup("C"); !ok || ch != 2 {
		t.Errorf("Lookup(C) = %d, %v after restore", ch, ok)
	}
}

// TestHandlerError checks that an error from the handler stops reading and
// comes back unchanged.
func TestHandlerError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := ReadFrom(strings.NewReader("A\n1\n1\n1\n"), cvr.Source{Path: "x.csv"}, &election.Election{}, func(*election.CVR) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("got %v after %d records", err, n)
	}
}

func TestMissingFile(t *testing.T) {
	err := Read(cvr.Source{Path: filepath.Join(t.TempDir(), "nope.csv")}, &election.Election{}, func(*election.CVR) error { return nil })
	var ce *cvr.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "cannot open") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v", err)
	}
}

// FuzzGenericCSV checks that no input panics the reader and that every
// failure is a *cvr.Error that leaves the election untouched.
func FuzzGenericCSV(f *testing.F) {
	for _, name := range []string{"generic_csv_test/generic_csv_test_cvr.csv", "csv_missing_header_test/csv_missing_header_test_cvr.csv", "max_ranking_enforcement/max_ranking_enforcement_cvr.csv"} {
		b, err := os.ReadFile(fixture.Path(f, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(2), true)
	}
	f.Add([]byte("A,B\n1,1\n\"x\",2\n"), uint8(1), false)
	f.Add([]byte("id,A\n1,-1\n"), uint8(2), true)
	f.Add([]byte("id,p,Lettuce,A\n1, ,1,2\n,,,\n2,,2,1\n"), uint8(0x80|3), true)
	f.Fuzz(func(t *testing.T, data []byte, firstCol uint8, declare bool) {
		// The high bit of firstCol selects RCTab mode.
		src := cvr.Source{Path: "fuzz.csv", FirstVoteColumn: int(firstCol % 6), IDColumn: 1, PrecinctColumn: 2, UndeclaredWriteInLabel: "Write-In", RCTab: firstCol&0x80 != 0}
		if declare {
			src.Candidates = []election.Candidate{{Name: "Lettuce"}, {Name: "Broccoli"}, {Name: "A"}}
		}
		e := &election.Election{}
		err := ReadFrom(bytes.NewReader(data), src, e, func(rec *election.CVR) error {
			c := e.Contests[rec.Contests[0].Contest]
			for _, m := range rec.Contests[0].Marks {
				if m.Rank < 1 || int(m.Choice) >= len(c.Candidates) || m.Choice < 0 {
					t.Fatalf("bad mark %+v", m)
				}
			}
			return nil
		})
		fixture.CheckFailedRead(t, err, e)
	})
}

// writeBenchCSV writes a deterministic generic CSV of n ballots: an ID,
// precinct and batch column, then 13 candidates ranked up to 5 deep, with
// undervotes, overvotes (a repeated rank) and skipped ranks mixed in.
func writeBenchCSV(w io.Writer, n int) error {
	const ncand = 13
	rng := rand.New(rand.NewPCG(2013, 80101))
	var b bytes.Buffer
	b.WriteString("Ballot ID,Precinct,Batch")
	for c := 0; c < ncand; c++ {
		fmt.Fprintf(&b, ",Candidate %02d", c+1)
	}
	b.WriteByte('\n')
	cells := make([]int, ncand)
	for i := 0; i < n; i++ {
		clear(cells)
		kind := rng.IntN(100)
		depth := 1 + rng.IntN(5)
		switch {
		case kind < 2: // undervote: nothing ranked
			depth = 0
		}
		perm := rng.Perm(ncand)
		rank := 1
		for k := 0; k < depth; k++ {
			if kind >= 2 && kind < 7 && k == 1 {
				rank++ // skipped rank
			}
			cells[perm[k]] = rank
			if !(kind >= 7 && kind < 10 && k == 0) {
				rank++ // otherwise the next candidate shares rank 1: overvote
			}
		}
		fmt.Fprintf(&b, "B%07d,P-%03d,%d", i+1, rng.IntN(400), i/500)
		for _, r := range cells {
			b.WriteByte(',')
			if r > 0 {
				b.WriteByte(byte('0' + r))
			}
		}
		b.WriteByte('\n')
		if b.Len() > 1<<20 {
			if _, err := w.Write(b.Bytes()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// BenchmarkGenericCSV1M parses a 1,000,000-ballot generic CSV (13
// candidates, up to 5 rankings) from memory, as the tabulator would, and
// reports throughput, allocations and liveMB: the heap the reader holds
// at its last ballot (after a collection), beyond the input itself.
func BenchmarkGenericCSV1M(b *testing.B) {
	var buf bytes.Buffer
	if err := writeBenchCSV(&buf, 1_000_000); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var live uint64
	marks := 0
	for b.Loop() {
		e := &election.Election{}
		marks = 0
		n := 0
		err := ReadFrom(bytes.NewReader(data), cvr.Source{Path: "bench.csv", IDColumn: 1, PrecinctColumn: 2, BatchColumn: 3, FirstVoteColumn: 4}, e, func(rec *election.CVR) error {
			marks += len(rec.Contests[0].Marks)
			n++
			if n == 1_000_000 {
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				live = max(live, ms.HeapAlloc-min(base, ms.HeapAlloc))
				b.StartTimer()
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != 1_000_000 {
			b.Fatalf("read %d ballots", n)
		}
	}
	b.ReportMetric(float64(marks), "marks")
	b.ReportMetric(float64(live)/(1<<20), "liveMB")
}

// TestBenchFileShape keeps the benchmark honest: the generated file has the
// promised mix of ballots.
func TestBenchFileShape(t *testing.T) {
	var buf bytes.Buffer
	if err := writeBenchCSV(&buf, 20000); err != nil {
		t.Fatal(err)
	}
	var under, over, skipped, deep int
	e := &election.Election{}
	err := ReadFrom(&buf, cvr.Source{Path: "b.csv", IDColumn: 1, PrecinctColumn: 2, BatchColumn: 3}, e, func(rec *election.CVR) error {
		ms := rec.Contests[0].Marks
		if len(ms) == 0 {
			under++
			return nil
		}
		if len(ms) > 1 && ms[0].Rank == ms[1].Rank {
			over++
		}
		for i := 1; i < len(ms); i++ {
			if ms[i].Rank > ms[i-1].Rank+1 {
				skipped++
				break
			}
		}
		if len(ms) == 5 {
			deep++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Contests[0].Candidates) != 13 || under == 0 || over == 0 || skipped == 0 || deep == 0 {
		t.Errorf("candidates %d, undervotes %d, overvotes %d, skipped %d, five-deep %d", len(e.Contests[0].Candidates), under, over, skipped, deep)
	}
}

// TestWriteBenchFile writes the benchmark's 1,000,000-ballot file to the
// path in CANVASS_BENCH_CSV, for whole-program measurements (see
// docs/cvr-formats-ess-csv.md). It does nothing otherwise.
func TestWriteBenchFile(t *testing.T) {
	path := os.Getenv("CANVASS_BENCH_CSV")
	if path == "" {
		t.Skip("set CANVASS_BENCH_CSV to write the benchmark file")
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeBenchCSV(f, 1_000_000); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

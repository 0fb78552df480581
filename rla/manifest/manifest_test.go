package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readFile(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestReadArloFiles(t *testing.T) {
	tests := []struct {
		file string
		want *Arlo
	}{
		{"arlo-hybrid.csv", &Arlo{
			HasContainer: true, HasTabulator: true, HasCVR: true,
			Batches: []ArloBatch{
				{Row: 2, Container: "Box 1", Tabulator: "TABULATOR1", Name: "Batch 1", Ballots: 1250, CVR: CVRYes},
				{Row: 3, Container: "Box 1", Tabulator: "TABULATOR1", Name: "Batch 2", Ballots: 37, CVR: CVRNo},
				{Row: 4, Container: "Box 2", Tabulator: "TABULATOR2", Name: "Batch 1", Ballots: 0, CVR: CVRYes},
			},
		}},
		{"arlo-simple.csv", &Arlo{
			Batches: []ArloBatch{
				{Row: 2, Name: "Batch 1", Ballots: 120},
				{Row: 3, Name: "Batch 2", Ballots: 85},
				{Row: 4, Name: `Batch "3"`, Ballots: 12},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := ReadArlo(tt.file, readFile(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Path = tt.file
			if !reflect.DeepEqual(m, tt.want) {
				t.Fatalf("got %+v\nwant %+v", m, tt.want)
			}
		})
	}
}

// TestReadArloErrors checks that each kind of bad input gets a precise
// message naming the file, row and column.
func TestReadArloErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `m.csv: the file is empty; a manifest starts with a header row`},
		{"no rows", "Batch Name,Number of Ballots\n", `m.csv: no batches after the header row; a manifest lists at least one batch`},
		{"bad count", "Batch Name,Number of Ballots\nB1,10\nB2,12a\n",
			`m.csv: row 3: column "Number of Ballots": expected a whole number ≥ 0 (at most 2147483647, digits with optional thousands commas), got "12a"`},
		{"negative", "Batch Name,Number of Ballots\nB1,-1\n", `m.csv: row 2: column "Number of Ballots": expected a whole number ≥ 0 (at most 2147483647, digits with optional thousands commas), got "-1"`},
		{"fraction", "Batch Name,Number of Ballots\nB1,1.5\n", `got "1.5"`},
		{"bad commas", "Batch Name,Number of Ballots\nB1,\"1,23\"\n", `got "1,23"`},
		{"too big", "Batch Name,Number of Ballots\nB1,2147483648\n", `got "2147483648"`},
		{"empty count", "Batch Name,Number of Ballots\nB1,\n", `m.csv: row 2: column "Number of Ballots": expected a whole number`},
		{"empty name", "Batch Name,Number of Ballots\n,4\n", `m.csv: row 2: column "Batch Name": expected a batch name, got an empty cell`},
		{"missing column", "Batch,Ballots\nB1,4\n",
			`m.csv: row 1: missing column "Batch Name" and "Number of Ballots"; the header row has "Batch", "Ballots" but must name "Container" (optional), "Tabulator" (optional), "Batch Name", "Number of Ballots", "CVR" (optional)`},
		{"duplicate column", "Batch Name,Number of Ballots,batch name\nB1,4,x\n", `m.csv: row 1: column "Batch Name": the header names this column twice (cells 1 and 3); remove one`},
		{"duplicate batch", "Tabulator,Batch Name,Number of Ballots\nT1,B1,4\nT2,B1,4\nT1,B1,5\n",
			`m.csv: row 4: column "Batch Name": tabulator "T1" batch "B1" already appears in row 2; each Tabulator + Batch Name must be unique, so merge the rows or rename one`},
		{"duplicate batch no tabulator", "Batch Name,Number of Ballots\nB1,4\n B1 ,4\n", `m.csv: row 3: column "Batch Name": batch "B1" already appears in row 2`},
		{"bad cvr", "Batch Name,Number of Ballots,CVR\nB1,4,maybe\n", `m.csv: row 2: column "CVR": expected yes or no, got "maybe"`},
		{"empty cvr", "Batch Name,Number of Ballots,CVR\nB1,4,\n", `m.csv: row 2: column "CVR": expected yes or no, got ""`},
		{"total row", "Batch Name,Number of Ballots\nB1,4\nB2,5\nTotal,9\n", `m.csv: row 4: the last row looks like a totals row`},
		{"extra cells", "Batch Name,Number of Ballots\nB1,4,oops\n", `m.csv: row 2: row has 3 cells but the header only 2`},
		{"bad quotes", "Batch Name,Number of Ballots\nB1,4\n\"B2,5\n", `m.csv: row 3: `},
		{"bare quote", "Batch Name,Number of Ballots\nB\"1,4\n", `m.csv: row 2: line 2, character 2: bare " in non-quoted-field; check the quotes in this row`},
		{"invalid utf8", "Batch Name,Number of Ballots\nB\xff,4\n", `m.csv: row 2: column "Batch Name": cell is not valid UTF-8 text; save the file as CSV UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadArlo("m.csv", strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error; got %+v", m)
			}
			if m != nil {
				t.Errorf("a manifest came back with the error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error\n got %s\nwant %s", err, tt.want)
			}
			var me *Error
			if !errors.As(err, &me) || me.Path != "m.csv" {
				t.Errorf("error is not a *Error for m.csv: %#v", err)
			}
		})
	}
}

// TestReadArloTolerance covers what Arlo tolerates: header case and white
// space, reordered and unknown columns, blank rows, cell white space and
// thousands separators. An empty Tabulator cell means no tabulator.
func TestReadArloTolerance(t *testing.T) {
	in := " number of ballots ,Notes,BATCH NAME, tabulator\n" +
		"\"12,345\",hello, B 1 ,\n" +
		",,,\n" +
		"\n" +
		"007,,B 2,T9\n"
	m, err := ReadArlo("m.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []ArloBatch{
		{Row: 2, Name: "B 1", Ballots: 12345},
		{Row: 5, Name: "B 2", Tabulator: "T9", Ballots: 7},
	}
	if !reflect.DeepEqual(m.Batches, want) || !m.HasTabulator || m.HasContainer || m.HasCVR {
		t.Fatalf("got %+v, want %+v", m, want)
	}
	if m.Ballots() != 12352 {
		t.Errorf("Ballots() = %d", m.Ballots())
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"12", 12, true}, {"1,234", 1234, true}, {"12,345,678", 12345678, true},
		{"1234,567", 0, false}, {",123", 0, false}, {"1,2345", 0, false}, {"1,", 0, false},
		{"+1", 0, false}, {"1e3", 0, false}, {"١٢", 0, false}, {"1_000", 0, false}, {" 1", 0, false},
		{"2147483647", 2147483647, true}, {"99999999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseCount(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseCount(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReadColorado(t *testing.T) {
	m, err := ReadColorado("colorado-county1.csv", readFile(t, "colorado-county1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ColoradoBatch{
		{"colorado-county1.csv", 2, 1, 13, "1", 3, "Bin 1"},
		{"colorado-county1.csv", 3, 1, 13, "2", 2, "Bin 1"},
		{"colorado-county1.csv", 4, 1, 14, "1", 4, "Bin 2"},
	}
	if !reflect.DeepEqual(m.Batches, want) || m.Ballots() != 9 {
		t.Fatalf("got %+v", m)
	}
}

func TestReadColoradoErrors(t *testing.T) {
	const h = "CountyID,ScannerID,BatchID,NumBallots,StorageLocation\n"
	tests := []struct {
		name, in, want string
	}{
		{"county", h + "x,1,1,3,\n", `c.csv: row 2: column "CountyID": expected a whole-number county id, got "x"`},
		{"scanner", h + "1,-1,1,3,\n", `c.csv: row 2: column "ScannerID": expected a whole-number scanner (tabulator) id, got "-1"`},
		{"batch", h + "1,1,,3,\n", `c.csv: row 2: column "BatchID": expected a batch id, got an empty cell`},
		{"count", h + "1,1,1,3.0,\n", `c.csv: row 2: column "NumBallots": expected a whole number ≥ 0`},
		{"duplicate", h + "1,1,1,3,\n1,1,1,4,\n", `c.csv: row 3: column "BatchID": county 1 scanner 1 batch "1" already appears in row 2`},
		{"missing", "CountyID,ScannerID,NumBallots\n1,1,3\n", `c.csv: row 1: missing column "BatchID"`},
		{"total", h + "1,1,1,3,\nTotal,,,3,\n", `c.csv: row 3: column "CountyID": expected a whole-number county id, got "Total"`},
		{"total location", h + "1,1,1,3,\n1,1,2,3,total\n", `c.csv: row 3: the last row looks like a totals row`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadColorado("c.csv", strings.NewReader(tt.in))
			if err == nil || m != nil {
				t.Fatalf("got %+v, %v; want an error", m, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestStatewide checks ColoradoRLA's numbering: counties in id order
// whatever the file order, rows in file order within a county.
func TestStatewide(t *testing.T) {
	c3, err := ReadColorado("colorado-county3.csv", readFile(t, "colorado-county3.csv"))
	if err != nil {
		t.Fatal(err)
	}
	c1, err := ReadColorado("colorado-county1.csv", readFile(t, "colorado-county1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStatewide(c3, c1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Ballots() != 15 {
		t.Fatalf("Ballots() = %d, want 15", s.Ballots())
	}
	// County 1: scanner 13 batch 1 (1-3), scanner 13 batch 2 (4-5),
	// scanner 14 batch 1 (6-9); county 3: scanner 1 batch A (10-14),
	// scanner 2 batch A (15).
	tests := []struct {
		n               int64
		county, scanner int64
		batch           string
		position        int
	}{
		{1, 1, 13, "1", 1}, {3, 1, 13, "1", 3}, {4, 1, 13, "2", 1}, {5, 1, 13, "2", 2},
		{6, 1, 14, "1", 1}, {9, 1, 14, "1", 4}, {10, 3, 1, "A", 1}, {14, 3, 1, "A", 5}, {15, 3, 2, "A", 1},
	}
	for _, tt := range tests {
		loc, err := s.Locate(tt.n)
		if err != nil {
			t.Fatal(err)
		}
		if loc.CountyID != tt.county || loc.ScannerID != tt.scanner || loc.BatchID != tt.batch || loc.Position != tt.position {
			t.Errorf("Locate(%d) = county %d scanner %d batch %s position %d, want %+v", tt.n, loc.CountyID, loc.ScannerID, loc.BatchID, loc.Position, tt)
		}
	}
	for _, n := range []int64{0, 16, -1} {
		if _, err := s.Locate(n); err == nil {
			t.Errorf("Locate(%d) accepted", n)
		}
	}
	// Ballot 2 of county 3 batch A has no CVR: a phantom.
	sel, err := s.Select([]int64{11, 1}, func(l Location) bool { return !(l.CountyID == 3 && l.Position == 2) })
	if err != nil {
		t.Fatal(err)
	}
	if !sel[0].Phantom || sel[1].Phantom || sel[0].Position != 2 || sel[1].Number != 1 {
		t.Errorf("Select = %+v", sel)
	}
	// A county in two files has no defined row order.
	if _, err := NewStatewide(c1, &Colorado{Path: "other.csv", Batches: []ColoradoBatch{{CountyID: 1, BatchID: "9", Ballots: 1}}}); err == nil {
		t.Error("county in two files accepted")
	}
}

func TestCheckCounts(t *testing.T) {
	m, err := ReadArlo("m.csv", strings.NewReader("Tabulator,Batch Name,Number of Ballots\nT1,B1,10\nT1,B2,5\nT2,B1,7\nT2,B3,0\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cvrs map[BatchKey]int64
		want CountCheck
	}{
		{"agree", map[BatchKey]int64{{"T1", "B1"}: 10, {"T1", "B2"}: 5, {"T2", "B1"}: 7}, CountCheck{ManifestBallots: 22, CVRBallots: 22}},
		{"differ", map[BatchKey]int64{{"T1", "B1"}: 9, {"T2", "B1"}: 7, {"T9", "B9"}: 2, {"T2", "B3"}: 1},
			CountCheck{ManifestBallots: 22, CVRBallots: 19, Mismatches: []CountMismatch{
				{Key: BatchKey{"T1", "B1"}, Row: 2, Manifest: 10, CVRs: 9},
				{Key: BatchKey{"T1", "B2"}, Row: 3, Manifest: 5, CVRs: 0},
				{Key: BatchKey{"T2", "B3"}, Row: 5, Manifest: 0, CVRs: 1},
				{Key: BatchKey{"T9", "B9"}, Manifest: 0, CVRs: 2},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckCounts(m.Counts(), tt.cvrs)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			if got.OK() != (len(tt.want.Mismatches) == 0) {
				t.Errorf("OK() = %v", got.OK())
			}
		})
	}
	got := CheckCounts(m.Counts(), tests[1].cvrs)
	const report = `manifest: 22 ballots; CVRs: 19 ballots; 4 batch(es) differ:
  tabulator "T1" batch "B1" (manifest row 2): manifest 10, CVRs 9 (-1)
  tabulator "T1" batch "B2" (manifest row 3): manifest 5, CVRs 0 (-5)
  tabulator "T2" batch "B3" (manifest row 5): manifest 0, CVRs 1 (+1)
  tabulator "T9" batch "B9" (not in the manifest): manifest 0, CVRs 2 (+2)
`
	if r := got.Report(); r != report {
		t.Errorf("Report:\n%s\nwant:\n%s", r, report)
	}
	// Without tabulators in the manifest, CVRs match on batch names.
	plain, err := ReadArlo("p.csv", strings.NewReader("Batch Name,Number of Ballots\nB1,17\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := CheckCounts(plain.Counts(), map[BatchKey]int64{{"T1", "B1"}: 10, {"T2", "B1"}: 7})
	if !c.OK() || !c.ByBatchOnly {
		t.Errorf("batch-only check: %+v", c)
	}
}

func TestColoradoCounts(t *testing.T) {
	m, err := ReadColorado("c.csv", readFile(t, "colorado-county1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	c := CheckCounts(m.Counts(1), map[BatchKey]int64{{"13", "1"}: 3, {"13", "2"}: 2, {"14", "1"}: 4})
	if !c.OK() {
		t.Errorf("%s", c.Report())
	}
	if n := len(m.Counts(2)); n != 0 {
		t.Errorf("county 2 has %d batches", n)
	}
}

func TestReadWeights(t *testing.T) {
	in := "Tabulator,Batch Name,Weight\nT1,B1,0.4\n,B2,80/200\nT1,B3,2.5e-1\nT1,B4,0\n"
	ws, err := ReadWeights("w.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2/5", "2/5", "1/4", "0"}
	for i, w := range ws {
		if w.Weight.RatString() != want[i] {
			t.Errorf("row %d weight %s, want %s", w.Row, w.Weight.RatString(), want[i])
		}
	}
	if ws[1].Tabulator != "" || ws[1].Batch != "B2" || ws[1].Row != 3 {
		t.Errorf("row 3 = %+v", ws[1])
	}
	bad := []struct{ in, want string }{
		{"Batch Name,Weight\nB1,-1\n", `w.csv: row 2: column "Weight": expected a number ≥ 0 such as 0.25, 2.5e-1 or 1/4, got "-1"`},
		{"Batch Name,Weight\nB1,1e999\n", `got "1e999"`},
		{"Batch Name,Weight\nB1,inf\n", `got "inf"`},
		{"Batch Name,Weight\nB1,1/0\n", `w.csv: row 2: column "Weight": expected a number ≥ 0 with a non-zero denominator, got "1/0"`},
		{"Batch Name,Weight\nB1,1\nB1,2\n", `w.csv: row 3: column "Batch Name": batch "B1" already appears in row 2`},
		{"Batch Name,Weight\n", `w.csv: no batches after the header row`},
	}
	for _, b := range bad {
		if _, err := ReadWeights("w.csv", strings.NewReader(b.in)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ReadWeights(%q) error %v, want %s", b.in, err, b.want)
		}
	}
}

func TestFileTooLarge(t *testing.T) {
	saved := maxFileBytes
	maxFileBytes = 1 << 20
	defer func() { maxFileBytes = saved }()
	r := &endless{header: []byte("Batch Name,Number of Ballots\n")}
	_, err := ReadArlo("big.csv", r)
	if !errors.Is(err, ErrTooLarge) || err.Error() != "big.csv: file is larger than 1 MiB: too large" {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
}

// endless is a reader of a header and then distinct rows forever.
type endless struct {
	header  []byte
	pending []byte
	n       int
}

func (e *endless) Read(p []byte) (int, error) {
	if e.header != nil {
		e.pending, e.header = e.header, nil
	}
	if len(e.pending) == 0 {
		e.n++
		e.pending = fmt.Appendf(nil, "B%d,1\n", e.n)
	}
	c := copy(p, e.pending)
	e.pending = e.pending[c:]
	return c, nil
}

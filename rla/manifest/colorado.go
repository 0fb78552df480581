package manifest

import (
	"fmt"
	"io"
	"sort"
	"strconv"
)

// Colorado's manifest column names.
const (
	ColCountyID        = "CountyID"
	ColScannerID       = "ScannerID"
	ColBatchID         = "BatchID"
	ColNumBallots      = "NumBallots"
	ColStorageLocation = "StorageLocation"
)

var coloradoColumns = []column{
	{ColCountyID, true},
	{ColScannerID, true},
	{ColBatchID, true},
	{ColNumBallots, true},
	{ColStorageLocation, false},
}

// ColoradoBatch is one row of a Colorado manifest.
type ColoradoBatch struct {
	// Path and Row locate the row (the header is row 1).
	Path            string
	Row             int
	CountyID        int64
	ScannerID       int64
	BatchID         string
	Ballots         int
	StorageLocation string
}

// Colorado is a ballot manifest in ColoradoRLA's CSV format.
type Colorado struct {
	Path    string
	Batches []ColoradoBatch
}

// Ballots returns the manifest's total ballot count.
func (m *Colorado) Ballots() int64 {
	var n int64
	for _, b := range m.Batches {
		n += int64(b.Ballots)
	}
	return n
}

// Counts returns the batches of one county as BatchCounts for
// CheckCounts, the scanner id standing for the CVRs' tabulator number.
func (m *Colorado) Counts(county int64) []BatchCount {
	var out []BatchCount
	for _, b := range m.Batches {
		if b.CountyID == county {
			out = append(out, BatchCount{Key: BatchKey{Tabulator: strconv.FormatInt(b.ScannerID, 10), Batch: b.BatchID}, Ballots: int64(b.Ballots), Row: b.Row})
		}
	}
	return out
}

// ReadColorado reads a ColoradoRLA ballot manifest: a CSV file whose
// header names CountyID, ScannerID, BatchID, NumBallots and optionally
// StorageLocation (any order and letter case; other columns ignored).
// CountyID and ScannerID are whole numbers, as ColoradoRLA stores them;
// BatchID is text; NumBallots a whole number ≥ 0. Each CountyID +
// ScannerID + BatchID must be unique. Cells are stripped of surrounding
// white space and empty rows skipped, as for Arlo manifests. path only
// names the file in errors.
func ReadColorado(path string, r io.Reader) (*Colorado, error) {
	const (
		cCounty = iota
		cScanner
		cBatch
		cBallots
		cStorage
	)
	t, err := openTable(path, r, coloradoColumns)
	if err != nil {
		return nil, err
	}
	m := &Colorado{Path: path}
	type key struct {
		county, scanner int64
		batch           string
	}
	seen := make(map[key]int)
	err = t.batchRows(func() error {
		b := ColoradoBatch{Path: path, Row: t.row, BatchID: t.cell(cBatch), StorageLocation: t.cell(cStorage)}
		var ok bool
		if b.CountyID, ok = parseID(t.cell(cCounty)); !ok {
			return t.errorf(ColCountyID, "expected a whole-number county id, got %q", t.cell(cCounty))
		}
		if b.ScannerID, ok = parseID(t.cell(cScanner)); !ok {
			return t.errorf(ColScannerID, "expected a whole-number scanner (tabulator) id, got %q", t.cell(cScanner))
		}
		if b.BatchID == "" {
			return t.errorf(ColBatchID, "expected a batch id, got an empty cell")
		}
		if b.Ballots, ok = parseCount(t.cell(cBallots)); !ok {
			return t.errorf(ColNumBallots, "%s", countError(t.cell(cBallots)))
		}
		k := key{b.CountyID, b.ScannerID, b.BatchID}
		if prev, dup := seen[k]; dup {
			return t.errorf(ColBatchID, "county %d scanner %d batch %q already appears in row %d; each CountyID + ScannerID + BatchID must be unique", b.CountyID, b.ScannerID, b.BatchID, prev)
		}
		seen[k] = t.row
		m.Batches = append(m.Batches, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// parseID parses a whole-number id of ASCII digits.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// Statewide is the concatenation of county manifests that ColoradoRLA
// numbers ballots over: batches sorted by county id, each county's rows
// in file order, ballots numbered 1..N through them.
type Statewide struct {
	Batches []ColoradoBatch
	// end[i] is the number of the last ballot of Batches[i].
	end []int64
}

// NewStatewide concatenates manifests. A county may appear in only one
// file (a county's upload replaces its earlier one in ColoradoRLA), so
// that the order of its rows is defined.
func NewStatewide(ms ...*Colorado) (*Statewide, error) {
	fileOf := make(map[int64]string)
	s := &Statewide{}
	for _, m := range ms {
		for _, b := range m.Batches {
			if f, ok := fileOf[b.CountyID]; ok && f != m.Path {
				return nil, fmt.Errorf("county %d appears in both %s and %s; give each county's batches in one file", b.CountyID, f, m.Path)
			}
			fileOf[b.CountyID] = m.Path
			s.Batches = append(s.Batches, b)
		}
	}
	sort.SliceStable(s.Batches, func(i, j int) bool { return s.Batches[i].CountyID < s.Batches[j].CountyID })
	s.end = make([]int64, len(s.Batches))
	var n int64
	for i, b := range s.Batches {
		n += int64(b.Ballots)
		s.end[i] = n
	}
	return s, nil
}

// Ballots returns N, the number of ballots across all counties.
func (s *Statewide) Ballots() int64 {
	if len(s.end) == 0 {
		return 0
	}
	return s.end[len(s.end)-1]
}

// Location is where a numbered ballot is: its batch, and its 1-based
// position in the batch (the ballot number minus the number of the
// batch's first ballot, plus one).
type Location struct {
	ColoradoBatch
	Position int
}

// Locate returns the location of ballot number n (1..Ballots()).
func (s *Statewide) Locate(n int64) (Location, error) {
	if n < 1 || n > s.Ballots() {
		return Location{}, fmt.Errorf("ballot number %d is outside 1..%d, the manifests' ballots", n, s.Ballots())
	}
	i := sort.Search(len(s.end), func(i int) bool { return s.end[i] >= n })
	start := s.end[i] - int64(s.Batches[i].Ballots) + 1
	return Location{ColoradoBatch: s.Batches[i], Position: int(n - start + 1)}, nil
}

// Selection is a drawn ballot number, where it is, and whether it is a
// phantom: a ballot the manifest lists but no CVR describes, which the
// audit must treat as the worst case.
type Selection struct {
	Number int64
	Location
	Phantom bool
}

// Select locates drawn ballot numbers. hasCVR reports whether the CVRs
// include a record for a location (ColoradoRLA looks one up by county,
// scanner, batch and record position); when hasCVR is nil no selection is
// marked phantom.
func (s *Statewide) Select(numbers []int64, hasCVR func(Location) bool) ([]Selection, error) {
	out := make([]Selection, 0, len(numbers))
	for _, n := range numbers {
		loc, err := s.Locate(n)
		if err != nil {
			return nil, err
		}
		out = append(out, Selection{Number: n, Location: loc, Phantom: hasCVR != nil && !hasCVR(loc)})
	}
	return out, nil
}

package manifest

import (
	"fmt"
	"io"
	"strings"
)

// Arlo's manifest column names.
const (
	ColContainer = "Container"
	ColTabulator = "Tabulator"
	ColBatchName = "Batch Name"
	ColBallots   = "Number of Ballots"
	ColCVR       = "CVR"
)

var arloColumns = []column{
	{ColContainer, false},
	{ColTabulator, false},
	{ColBatchName, true},
	{ColBallots, true},
	{ColCVR, false},
}

// CVRFlag is a batch's CVR column: whether the batch's ballots have cast
// vote records (hybrid audits sample the two kinds separately).
type CVRFlag uint8

// The values of the CVR column.
const (
	CVRUnknown CVRFlag = iota // the manifest has no CVR column
	CVRYes
	CVRNo
)

// String returns the flag as a manifest cell: "yes", "no" or "".
func (f CVRFlag) String() string {
	switch f {
	case CVRYes:
		return "yes"
	case CVRNo:
		return "no"
	}
	return ""
}

// ArloBatch is one row of an Arlo manifest.
type ArloBatch struct {
	// Row is the batch's row in the file (the header is row 1).
	Row       int
	Container string
	// Tabulator is empty when the manifest has no Tabulator column or
	// the cell is empty; Arlo then records None.
	Tabulator string
	Name      string
	Ballots   int
	CVR       CVRFlag
}

// Arlo is a jurisdiction's ballot manifest in Arlo's CSV format.
type Arlo struct {
	Path string
	// Which optional columns the header has.
	HasContainer, HasTabulator, HasCVR bool
	Batches                            []ArloBatch
}

// Ballots returns the manifest's total ballot count.
func (m *Arlo) Ballots() int64 {
	var n int64
	for _, b := range m.Batches {
		n += int64(b.Ballots)
	}
	return n
}

// Counts returns the manifest's batches as BatchCounts for CheckCounts.
func (m *Arlo) Counts() []BatchCount {
	out := make([]BatchCount, len(m.Batches))
	for i, b := range m.Batches {
		out[i] = BatchCount{Key: BatchKey{Tabulator: b.Tabulator, Batch: b.Name}, Ballots: int64(b.Ballots), Row: b.Row}
	}
	return out
}

// ReadArlo reads an Arlo ballot manifest: a CSV file whose header names
// "Batch Name" and "Number of Ballots" and optionally "Container",
// "Tabulator" and "CVR", in any order and letter case; other columns are
// ignored. As in Arlo, cells are stripped of surrounding white space, rows
// whose cells are all empty are skipped, Tabulator + Batch Name must be
// unique, a count is a whole number ≥ 0 (thousands commas allowed), CVR is
// yes/no (or y/n, any case), and a final row that mentions "total" is
// refused as a spreadsheet totals row. path only names the file in errors.
func ReadArlo(path string, r io.Reader) (*Arlo, error) {
	const (
		cContainer = iota
		cTabulator
		cBatch
		cBallots
		cCVR
	)
	t, err := openTable(path, r, arloColumns)
	if err != nil {
		return nil, err
	}
	m := &Arlo{Path: path, HasContainer: t.has(cContainer), HasTabulator: t.has(cTabulator), HasCVR: t.has(cCVR)}
	seen := make(map[BatchKey]int)
	err = t.batchRows(func() error {
		b := ArloBatch{Row: t.row, Container: t.cell(cContainer), Tabulator: t.cell(cTabulator), Name: t.cell(cBatch)}
		if b.Name == "" {
			return t.errorf(ColBatchName, "expected a batch name, got an empty cell")
		}
		var ok bool
		if b.Ballots, ok = parseCount(t.cell(cBallots)); !ok {
			return t.errorf(ColBallots, "%s", countError(t.cell(cBallots)))
		}
		if m.HasCVR {
			switch strings.ToLower(t.cell(cCVR)) {
			case "yes", "y":
				b.CVR = CVRYes
			case "no", "n":
				b.CVR = CVRNo
			default:
				return t.errorf(ColCVR, "expected yes or no, got %q", t.cell(cCVR))
			}
		}
		k := BatchKey{Tabulator: b.Tabulator, Batch: b.Name}
		if prev, dup := seen[k]; dup {
			what := fmt.Sprintf("batch %q", b.Name)
			if b.Tabulator != "" {
				what = fmt.Sprintf("tabulator %q batch %q", b.Tabulator, b.Name)
			}
			return t.errorf(ColBatchName, "%s already appears in row %d; each Tabulator + Batch Name must be unique, so merge the rows or rename one", what, prev)
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

package cvrread

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/internal/csvscan"
)

// RowOptions say how Ballots treats rows.
type RowOptions struct {
	// KeepBlank makes a line of empty or blank fields (",,,,") a ballot
	// with no rankings, as RCTab's generic CSV reader counts it (source
	// notes R7); otherwise such a line, as spreadsheets export formatted
	// empty rows, is not a ballot. Physically empty lines are never
	// ballots.
	KeepBlank bool
	// BareID makes the ballot ID the bare ordinal ("1", "2", ...), RCTab's
	// generic CSV ID (source notes R8), instead of "<file name>-<ordinal>".
	BareID bool
}

// Ballots calls ballot for each ballot row of the CSV file path that sc
// reads, after its header of width columns: with the row's fields, its
// 1-based line and its ballot ID (the file name, a hyphen and the
// ballot's ordinal among the rows, "cvr.csv-1", or the bare ordinal, see
// RowOptions). A row of another width is an *cvr.Error. The ID's memory is
// reused.
func Ballots(sc *csvscan.Scanner, path string, width int, opt RowOptions, ballot func(fields [][]byte, row int, id []byte) error) error {
	id := []byte(filepath.Base(path) + "-")
	if opt.BareID {
		id = id[:0]
	}
	prefix, ordinal := len(id), 0
	for {
		f, err := sc.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return CSVError(path, err)
		}
		row := sc.Line()
		if !opt.KeepBlank && BlankRecord(f) {
			continue
		}
		if len(f) != width {
			return &cvr.Error{Path: path, Row: row, Err: fmt.Errorf("has %d fields but the header has %d; expected one field per header column", len(f), width)}
		}
		ordinal++
		id = strconv.AppendInt(id[:prefix], int64(ordinal), 10)
		if err := ballot(f, row, id); err != nil {
			return err
		}
	}
}

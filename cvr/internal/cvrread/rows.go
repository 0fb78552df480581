package cvrread

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/internal/csvscan"
)

// Ballots calls ballot for each ballot row of the CSV file path that sc
// reads, after its header of width columns: with the row's fields, its
// 1-based line and its ballot ID (RCTab's: the file name, a hyphen and the
// ballot's ordinal among the rows, "cvr.csv-1"). A line of empty fields
// (",,,,", as spreadsheets export formatted empty rows) is not a ballot; a
// row of another width is an *cvr.Error. The ID's memory is reused.
func Ballots(sc *csvscan.Scanner, path string, width int, ballot func(fields [][]byte, row int, id []byte) error) error {
	id := []byte(filepath.Base(path) + "-")
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
		if BlankRecord(f) {
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

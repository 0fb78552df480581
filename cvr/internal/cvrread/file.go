package cvrread

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/internal/csvscan"
)

// OpenFile opens src.Path, the CVR file of a single-file format such as
// "generic CSV" or "Clear Ballot" (format names it in errors). A missing
// path or a file that cannot be opened is an *cvr.Error telling the user to
// check the source's filePath.
func OpenFile(src cvr.Source, format string) (fs.File, error) {
	if src.Path == "" {
		return nil, &cvr.Error{Path: "(no filePath)", Err: fmt.Errorf("no %s CVR file given; set filePath", format)}
	}
	f, err := src.Open(src.Path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &cvr.Error{Path: src.Path, Err: fmt.Errorf("cannot open the %s CVR file: %w; check filePath", format, err)}
	}
	return f, nil
}

// CSVError turns an error from a csvscan.Scanner reading the file at path
// into an *cvr.Error at the line and column it names: a field or record over
// the scanner's limits wraps cvr.ErrTooLarge, malformed quoting is "not a valid
// CSV file", anything else is a read error.
func CSVError(path string, err error) error {
	line, col, _ := csvscan.Position(err)
	field := ""
	if col > 0 {
		field = fmt.Sprintf("column %d", col)
	}
	if errors.Is(err, csvscan.ErrTooLarge) {
		return &cvr.Error{Path: path, Row: line, Field: field, Err: fmt.Errorf("%w: %s", cvr.ErrTooLarge, err)}
	}
	var se *csvscan.SyntaxError
	if errors.As(err, &se) {
		return &cvr.Error{Path: path, Row: line, Field: field, Err: fmt.Errorf("not a valid CSV file: %s", err)}
	}
	return &cvr.Error{Path: path, Err: fmt.Errorf("reading the file: %w", err)}
}

// Package manifest reads ballot manifests, the lists of ballot batches
// (where each batch is stored and how many ballots it holds) that an audit
// samples from: Arlo's CSV and Colorado's CSV. It also maps Colorado draw
// numbers to ballots across county manifests, checks manifest totals
// against CVR counts, and reads the batch weights used for sampling with
// probability proportional to an error bound.
//
// Readers take an io.Reader and the file's name (for error messages) and
// never open files themselves. Bad input is reported as *Error, naming the
// file, the row and the column, and nothing is returned with it.
package manifest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a problem with a manifest file: the file, the 1-based row (the
// line on which the CSV record starts; the header is row 1), the column
// and what was expected there. Row 0 and an empty Column mean the problem
// concerns the whole file or row.
type Error struct {
	Path   string
	Row    int
	Column string
	Err    error
}

// Error formats the problem as "file: row N: column "C": what was wrong".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying problem, such as ErrTooLarge.
func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is wrapped by errors about a file, cell or number larger
// than this package accepts; the limits keep a hostile file from
// exhausting memory and are far above any real manifest.
var ErrTooLarge = errors.New("too large")

const (
	// MaxFileBytes bounds a manifest file.
	MaxFileBytes = 256 << 20
	// MaxCellBytes bounds one cell.
	MaxCellBytes = 64 << 10
	// MaxBallotsPerBatch bounds one batch's ballot count, so that every
	// position fits the samplers' 32-bit positions.
	MaxBallotsPerBatch = 1<<31 - 1
)

// maxFileBytes is MaxFileBytes, lowered by tests.
var maxFileBytes int64 = MaxFileBytes

// column describes one column a format knows.
type column struct {
	name     string
	required bool
}

// table reads a CSV file whose first record is a header naming columns.
type table struct {
	path  string
	cr    *csv.Reader
	lim   *limitedReader
	cols  []column
	index []int // index[c] is the position of cols[c] in a record, or -1
	row   int   // row of the last record read
	width int   // number of header cells
	cells []string
}

// limitedReader fails once more than n bytes have been read, so a huge
// file is refused instead of silently truncated.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// A file of exactly the limit is fine; one more byte is not.
		var one [1]byte
		if n, err := l.r.Read(one[:]); n == 0 && err == io.EOF {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("file is larger than %d MiB: %w", maxFileBytes>>20, ErrTooLarge)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// openTable reads the header of a CSV file and matches it to cols.
// Header cells are matched ignoring case and surrounding white space;
// columns the format does not know are ignored.
func openTable(path string, r io.Reader, cols []column) (*table, error) {
	lim := &limitedReader{r: r, n: maxFileBytes}
	br := bufio.NewReader(lim)
	// Spreadsheet programs often start UTF-8 files with a byte order mark.
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	t := &table{path: path, cr: cr, lim: lim, cols: cols, index: make([]int, len(cols))}
	header, err := t.next()
	if err == io.EOF {
		return nil, &Error{Path: path, Err: errors.New("the file is empty; a manifest starts with a header row")}
	}
	if err != nil {
		return nil, err
	}
	t.width = len(header)
	for c := range t.index {
		t.index[c] = -1
	}
	for i, h := range header {
		name := pyStrip(h)
		for c, col := range cols {
			if !strings.EqualFold(name, col.name) {
				continue
			}
			if t.index[c] >= 0 {
				return nil, &Error{Path: path, Row: t.row, Column: col.name, Err: fmt.Errorf("the header names this column twice (cells %d and %d); remove one", t.index[c]+1, i+1)}
			}
			t.index[c] = i
		}
	}
	var missing []string
	for c, col := range cols {
		if col.required && t.index[c] < 0 {
			missing = append(missing, strconv.Quote(col.name))
		}
	}
	if len(missing) > 0 {
		var want []string
		for _, col := range cols {
			w := strconv.Quote(col.name)
			if !col.required {
				w += " (optional)"
			}
			want = append(want, w)
		}
		var found []string
		for _, h := range header {
			found = append(found, strconv.Quote(pyStrip(h)))
		}
		return nil, &Error{Path: path, Row: t.row, Err: fmt.Errorf("missing column %s; the header row has %s but must name %s", strings.Join(missing, " and "), strings.Join(found, ", "), strings.Join(want, ", "))}
	}
	return t, nil
}

// next returns the next record's cells, each stripped of surrounding
// white space as Arlo strips them, or io.EOF.
func (t *table) next() ([]string, error) {
	rec, err := t.cr.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if errors.Is(pe.Err, ErrTooLarge) {
				return nil, &Error{Path: t.path, Err: pe.Err}
			}
			return nil, &Error{Path: t.path, Row: pe.StartLine, Err: fmt.Errorf("line %d, character %d: %v; check the quotes in this row", pe.Line, pe.Column, pe.Err)}
		}
		if errors.Is(err, ErrTooLarge) {
			return nil, &Error{Path: t.path, Err: err}
		}
		return nil, &Error{Path: t.path, Err: err}
	}
	t.row, _ = t.cr.FieldPos(0)
	t.cells = t.cells[:0]
	for i, c := range rec {
		if len(c) > MaxCellBytes {
			return nil, &Error{Path: t.path, Row: t.row, Column: t.columnName(i), Err: fmt.Errorf("cell is larger than %d KiB: %w", MaxCellBytes>>10, ErrTooLarge)}
		}
		if !utf8.ValidString(c) {
			return nil, &Error{Path: t.path, Row: t.row, Column: t.columnName(i), Err: errors.New("cell is not valid UTF-8 text; save the file as CSV UTF-8")}
		}
		t.cells = append(t.cells, pyStrip(c))
	}
	return t.cells, nil
}

// columnName names record position i for an error message.
func (t *table) columnName(i int) string {
	for c, idx := range t.index {
		if idx == i {
			return t.cols[c].name
		}
	}
	return fmt.Sprintf("#%d", i+1)
}

// cell returns the value of column c in the current record ("" when the
// column is absent or the row is short).
func (t *table) cell(c int) string {
	i := t.index[c]
	if i < 0 || i >= len(t.cells) {
		return ""
	}
	return t.cells[i]
}

// has reports whether the header names column c.
func (t *table) has(c int) bool { return t.index[c] >= 0 }

// rows calls f for each data record, skipping rows whose cells are all
// empty (spreadsheets often end with such rows).
func (t *table) rows(f func() error) error {
	for {
		cells, err := t.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		empty := true
		for _, c := range cells {
			if c != "" {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		// Cells past the header's width are a sign of a shifted row.
		for i := t.width; i < len(cells); i++ {
			if cells[i] != "" {
				return t.errorf("", "row has %d cells but the header only %d; remove the extra cells or name them in the header", len(cells), t.width)
			}
		}
		if err := f(); err != nil {
			return err
		}
	}
}

// batchRows calls f for each data row, as rows does, where each row is a
// batch of a ballot manifest. Then it refuses a manifest without batches,
// and one whose last batch row looks like a spreadsheet's totals row,
// whose ballots would be counted twice.
func (t *table) batchRows(f func() error) error {
	n, lastRow, lastTotal := 0, 0, false
	err := t.rows(func() error {
		if err := f(); err != nil {
			return err
		}
		n, lastRow, lastTotal = n+1, t.row, looksLikeTotal(t.cells)
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return &Error{Path: t.path, Err: fmt.Errorf("no batches after the header row; a manifest lists at least one batch")}
	}
	if lastTotal {
		return &Error{Path: t.path, Row: lastRow, Err: fmt.Errorf("the last row looks like a totals row (it mentions \"total\"); remove it, since its ballots would be counted twice")}
	}
	return nil
}

// errorf returns an *Error at the current row.
func (t *table) errorf(column, format string, args ...any) error {
	return &Error{Path: t.path, Row: t.row, Column: column, Err: fmt.Errorf(format, args...)}
}

// pyStrip removes the characters Python's str.strip() removes: Unicode
// white space and the ASCII separators \x1c-\x1f.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
	})
}

// parseCount parses a ballot count: ASCII digits, optionally grouped in
// threes by commas ("1,234"), at most MaxBallotsPerBatch.
func parseCount(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	digits := s
	if strings.Contains(s, ",") {
		groups := strings.Split(s, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, false
			}
		}
		digits = strings.Join(groups, "")
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n > MaxBallotsPerBatch {
		return 0, false
	}
	return int(n), true
}

// countError is the message for a bad ballot count.
func countError(got string) string {
	return fmt.Sprintf("expected a whole number ≥ 0 (at most %d, digits with optional thousands commas), got %q", MaxBallotsPerBatch, got)
}

// looksLikeTotal reports whether a row seems to be a spreadsheet's totals
// row, which would double-count every ballot.
func looksLikeTotal(cells []string) bool {
	for _, c := range cells {
		if strings.Contains(strings.ToLower(c), "total") {
			return true
		}
	}
	return false
}

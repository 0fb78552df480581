package ess

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The worksheet is read with a streaming tokenizer of our own (xmlscan.go)
// rather than excelize's row iterator, for three reasons:
//   - RCTab's rules depend on what the XML holds, not on what a
//     spreadsheet shows: a <row> element with no cells is a ballot while a
//     missing row number is not (source notes C), and a cell with an empty
//     value differs from no cell (R2, R3). excelize returns both as empty.
//   - Damage must be an error. excelize reads a missing sharedStrings.xml or
//     an out-of-range index as a blank cell, a non-numeric index as string
//     0, and drops rows that come out of order (issue 11).
//   - Speed: excelize's encoding/xml decoding took about 80% of the time.
//
// TestSheetMatchesExcelize checks the values against excelize's, cell by
// cell, on every ES&S workbook of the RCTab fixtures.

// Limits of the SpreadsheetML grid (Excel's, and excelize's).
const (
	maxSheetRows = 1048576
	maxSheetCols = 16384
)

// sheetRow is one <row> element: its number and the cells that have a
// value, by 0-based column. vals[i] is meaningful only when has[i].
type sheetRow struct {
	num  int
	vals []string
	has  []bool
}

// width is one past the last column with a value.
func (r *sheetRow) width() int { return len(r.vals) }

// cell returns column i's value and whether the cell has one.
func (r *sheetRow) cell(i int) (string, bool) {
	if i < 0 || i >= len(r.vals) {
		return "", false
	}
	return r.vals[i], r.has[i]
}

// sheetError is damage found in a workbook part: what was found, where.
type sheetError struct {
	part string
	row  int    // 1-based row number, 0 if none
	cell string // cell reference, "" if none
	off  int64  // byte offset in the part, -1 if unknown
	msg  string
}

func (e *sheetError) Error() string {
	var b strings.Builder
	b.WriteString(e.msg)
	switch {
	case e.cell != "":
		fmt.Fprintf(&b, " (cell %s of %s", e.cell, e.part)
	default:
		fmt.Fprintf(&b, " (%s", e.part)
	}
	if e.off >= 0 {
		fmt.Fprintf(&b, ", byte %d", e.off)
	}
	b.WriteString(")")
	return b.String()
}

// sheetReader streams the rows of one worksheet part.
type sheetReader struct {
	sc   scanner
	part string
	sst  []string // shared strings
	// hasSST is false when the workbook has no shared strings part.
	hasSST bool

	started bool // inside <sheetData>
	done    bool
	row     sheetRow
	prevRow int
	val     []byte // the current cell's <v>
	inline  []byte // the current cell's <is>
	cellRef string
}

func newSheetReader(r io.Reader, part string, sst []string, hasSST bool) *sheetReader {
	return &sheetReader{sc: scanner{r: r, buf: make([]byte, scanBuf)}, part: part, sst: sst, hasSST: hasSST}
}

func (s *sheetReader) fail(off int64, format string, args ...any) error {
	return &sheetError{part: s.part, row: s.row.num, cell: s.cellRef, off: off, msg: fmt.Sprintf(format, args...)}
}

func (s *sheetReader) xmlErr(err error) error {
	return &sheetError{part: s.part, row: s.row.num, cell: s.cellRef, off: -1, msg: err.Error()}
}

// next reads the next <row>. It returns false at the end of the sheet data.
// The row's slices are reused by the next call.
func (s *sheetReader) next() (*sheetRow, bool, error) {
	if s.done {
		return nil, false, nil
	}
	sc := &s.sc
	s.cellRef = ""
	for !s.started {
		if err := sc.next(); err != nil {
			return nil, false, s.xmlErr(err)
		}
		switch sc.kind {
		case tokEOF:
			return nil, false, s.fail(sc.at, "the worksheet ends before its sheet data; the file is cut short or is not a worksheet")
		case tokStart:
			if string(sc.name) == "sheetData" {
				if sc.self {
					s.done = true
					return nil, false, nil
				}
				s.started = true
			}
		case tokEnd:
			if string(sc.name) == "worksheet" {
				// No sheet data at all: an empty sheet.
				s.done = true
				return nil, false, nil
			}
		}
	}
	for {
		if err := sc.next(); err != nil {
			return nil, false, s.xmlErr(err)
		}
		switch sc.kind {
		case tokEOF:
			return nil, false, s.fail(sc.at, "the worksheet XML ends after row %d without closing the sheet data; the file is cut short", s.prevRow)
		case tokText:
			if len(trimSpace(sc.text)) > 0 {
				return nil, false, s.fail(sc.at, "unexpected text %q between rows", clip(sc.text))
			}
		case tokEnd:
			if string(sc.name) != "sheetData" {
				return nil, false, s.fail(sc.at, "unexpected </%s> after row %d; expected <row> or </sheetData>", sc.name, s.prevRow)
			}
			s.done = true
			return nil, false, nil
		case tokStart:
			if string(sc.name) != "row" {
				// Not part of SpreadsheetML's sheet data.
				return nil, false, s.fail(sc.at, "unexpected <%s> after row %d; expected <row>", sc.name, s.prevRow)
			}
			if err := s.readRow(); err != nil {
				return nil, false, err
			}
			return &s.row, true, nil
		}
	}
}

// readRow reads a row whose start tag was just read.
func (s *sheetReader) readRow() error {
	sc := &s.sc
	at := sc.at
	r, ok, err := attr(sc.attrs, "r")
	if err != nil {
		return s.fail(at, "%v", err)
	}
	num := s.prevRow + 1
	if ok {
		n, err := strconv.Atoi(string(r))
		if err != nil || n < 1 || n > maxSheetRows {
			return s.fail(at, "row number %q is not a number from 1 to %d", clip(r), maxSheetRows)
		}
		num = n
	}
	if num <= s.prevRow {
		s.row.num = num
		return s.fail(at, "row %d comes after row %d; the rows of a worksheet must be in increasing order", num, s.prevRow)
	}
	if num > maxSheetRows {
		return s.fail(at, "more than %d rows", maxSheetRows)
	}
	s.prevRow = num
	s.row.num = num
	for i := range s.row.vals {
		s.row.vals[i], s.row.has[i] = "", false
	}
	s.row.vals, s.row.has = s.row.vals[:0], s.row.has[:0]
	if sc.self {
		return nil
	}
	col := -1
	for {
		if err := sc.next(); err != nil {
			return s.xmlErr(err)
		}
		switch sc.kind {
		case tokEOF:
			return s.fail(sc.at, "the worksheet XML ends inside row %d; the file is cut short", num)
		case tokText:
			if len(trimSpace(sc.text)) > 0 {
				return s.fail(sc.at, "unexpected text %q in row %d", clip(sc.text), num)
			}
		case tokEnd:
			if string(sc.name) != "row" {
				return s.fail(sc.at, "unexpected </%s> in row %d; expected </row>", sc.name, num)
			}
			s.cellRef = ""
			return nil
		case tokStart:
			if string(sc.name) != "c" {
				// Row extensions (extLst) carry no values.
				if err := sc.skip(); err != nil {
					return s.xmlErr(err)
				}
				continue
			}
			var err error
			if col, err = s.readCell(col); err != nil {
				return err
			}
		}
	}
}

// readCell reads a cell whose start tag was just read; prev is the 0-based
// column of the row's previous cell. It returns this cell's column.
func (s *sheetReader) readCell(prev int) (int, error) {
	sc := &s.sc
	at := sc.at
	ref, rawTyp, hasRef, _, err := attr2(sc.attrs, "r", "t")
	if err != nil {
		return 0, s.fail(at, "%v", err)
	}
	col := prev + 1
	if hasRef {
		c, r, ok := parseRef(ref)
		if !ok {
			s.cellRef = ""
			return 0, s.fail(at, "cell reference %q in row %d is not a cell name such as B%d", clip(ref), s.row.num, s.row.num)
		}
		s.cellRef = string(ref)
		if r != s.row.num {
			return 0, s.fail(at, "the cell is in row %d but lies inside <row r=\"%d\">; the worksheet is damaged", r, s.row.num)
		}
		col = c
	} else {
		s.cellRef = cellName(col, s.row.num)
	}
	if col <= prev {
		return 0, s.fail(at, "the cell comes after column %s in row %d; cells of a row must be in increasing column order", colLetter(prev), s.row.num)
	}
	if col >= maxSheetCols {
		return 0, s.fail(at, "column beyond %s, the last column of a worksheet", colLetter(maxSheetCols-1))
	}
	// The attribute bytes are in the scanner's buffer, which reading the
	// children may overwrite.
	var typBuf [16]byte
	typ := typBuf[:copy(typBuf[:], rawTyp)]
	if len(rawTyp) > len(typBuf) {
		return 0, s.fail(at, "unknown cell type %q", clip(rawTyp))
	}
	var hasVal, hasIS bool
	if !sc.self {
	loop:
		for {
			if err := sc.next(); err != nil {
				return 0, s.xmlErr(err)
			}
			switch sc.kind {
			case tokEOF:
				return 0, s.fail(sc.at, "the worksheet XML ends inside a cell; the file is cut short")
			case tokText:
				if len(trimSpace(sc.text)) > 0 {
					return 0, s.fail(sc.at, "unexpected text %q in a cell", clip(sc.text))
				}
			case tokEnd:
				if string(sc.name) != "c" {
					return 0, s.fail(sc.at, "unexpected </%s> in a cell; expected </c>", sc.name)
				}
				break loop
			case tokStart:
				switch string(sc.name) {
				case "v":
					if s.val, err = s.readText(s.val[:0], "v"); err != nil {
						return 0, err
					}
					hasVal = true
				case "is":
					hasIS = true
					if s.inline, err = s.readRich(s.inline[:0], "is"); err != nil {
						return 0, err
					}
				default: // a formula <f>, extensions
					if err := sc.skip(); err != nil {
						return 0, s.xmlErr(err)
					}
				}
			}
		}
	}
	val, inline := s.val, s.inline
	var v string
	switch string(typ) {
	case "s":
		if !hasVal {
			return col, nil
		}
		idx, err := strconv.Atoi(string(trimSpaceBoth(val)))
		if err != nil || idx < 0 {
			return 0, s.fail(at, "the cell's shared-string index %q is not a number; the worksheet is damaged", clip(val))
		}
		if !s.hasSST {
			return 0, s.fail(at, "the cell refers to shared string %d but the workbook has no shared strings part (xl/sharedStrings.xml); the file is damaged or incomplete: re-export the CVR file", idx)
		}
		if idx >= len(s.sst) {
			return 0, s.fail(at, "the cell refers to shared string %d but the workbook has %d shared strings (0 to %d); the file is damaged: re-export the CVR file", idx, len(s.sst), len(s.sst)-1)
		}
		v = s.sst[idx]
	case "inlineStr":
		if !hasIS {
			if !hasVal {
				return col, nil
			}
			v = string(val)
		} else {
			v = string(unescapeOOXML(inline))
		}
	case "b":
		if !hasVal {
			return col, nil
		}
		switch string(val) {
		case "1":
			v = "TRUE"
		case "0":
			v = "FALSE"
		default:
			v = string(val)
		}
	case "", "n":
		if !hasVal {
			return col, nil
		}
		v = numberText(val)
	default: // "str", "e", "d"
		if !hasVal {
			return col, nil
		}
		v = string(val)
	}
	s.set(col, v)
	return col, nil
}

func (s *sheetReader) set(col int, v string) {
	for len(s.row.vals) <= col {
		s.row.vals = append(s.row.vals, "")
		s.row.has = append(s.row.has, false)
	}
	s.row.vals[col], s.row.has[col] = v, true
}

// readText reads the character data of an element named name up to its end
// tag, appending it to dst with references replaced.
func (s *sheetReader) readText(dst []byte, name string) ([]byte, error) {
	sc := &s.sc
	if sc.self {
		return dst, nil
	}
	for {
		if err := sc.next(); err != nil {
			return dst, s.xmlErr(err)
		}
		switch sc.kind {
		case tokEOF:
			return dst, s.fail(sc.at, "the part ends inside <%s>; the file is cut short", name)
		case tokText:
			var err error
			if dst, err = appendText(dst, sc.text, sc.cdata); err != nil {
				return dst, s.fail(sc.at, "%v", err)
			}
		case tokStart:
			return dst, s.fail(sc.at, "unexpected <%s> inside <%s>", sc.name, name)
		case tokEnd:
			if string(sc.name) != name {
				return dst, s.fail(sc.at, "unexpected </%s>; expected </%s>", sc.name, name)
			}
			return dst, nil
		}
	}
}

// readRich reads rich text (a shared string <si> or an inline <is>): the
// text of its <t> elements, directly or in runs <r>, leaving out phonetic
// runs <rPh>. The OOXML escapes are not yet undone.
func (s *sheetReader) readRich(dst []byte, name string) ([]byte, error) {
	sc := &s.sc
	if sc.self {
		return dst, nil
	}
	depth := 0 // inside <r>
	for {
		if err := sc.next(); err != nil {
			return dst, s.xmlErr(err)
		}
		switch sc.kind {
		case tokEOF:
			return dst, s.fail(sc.at, "the part ends inside <%s>; the file is cut short", name)
		case tokText:
			if len(trimSpace(sc.text)) > 0 {
				return dst, s.fail(sc.at, "unexpected text %q inside <%s>", clip(sc.text), name)
			}
		case tokStart:
			switch {
			case string(sc.name) == "t":
				var err error
				if dst, err = s.readText(dst, "t"); err != nil {
					return dst, err
				}
			case string(sc.name) == "r" && depth == 0 && !sc.self:
				depth++
			default: // rPr, rPh, phoneticPr
				if err := sc.skip(); err != nil {
					return dst, s.xmlErr(err)
				}
			}
		case tokEnd:
			switch {
			case string(sc.name) == "r" && depth == 1:
				depth--
			case string(sc.name) == name && depth == 0:
				return dst, nil
			default:
				return dst, s.fail(sc.at, "unexpected </%s> inside <%s>", sc.name, name)
			}
		}
	}
}

// readSST reads a shared strings part. limit bounds the total text.
func readSST(r io.Reader, part string, limit int64) ([]string, error) {
	s := &sheetReader{sc: scanner{r: r, buf: make([]byte, scanBuf)}, part: part}
	sc := &s.sc
	var out []string
	var buf []byte
	var total int64
	inSST := false
	for {
		if err := sc.next(); err != nil {
			return nil, s.xmlErr(err)
		}
		switch sc.kind {
		case tokEOF:
			if !inSST {
				return nil, s.fail(sc.at, "no <sst> element; the shared strings part is damaged")
			}
			return nil, s.fail(sc.at, "the shared strings part ends after %d strings without </sst>; the file is cut short", len(out))
		case tokStart:
			switch {
			case !inSST && string(sc.name) == "sst":
				if sc.self {
					return out, nil
				}
				inSST = true
			case inSST && string(sc.name) == "si":
				var err error
				if buf, err = s.readRich(buf[:0], "si"); err != nil {
					return nil, err
				}
				total += int64(len(buf)) + 16
				if total > limit {
					return nil, s.fail(sc.at, "the shared strings exceed %d bytes", limit)
				}
				out = append(out, string(unescapeOOXML(buf)))
			default:
				if err := sc.skip(); err != nil {
					return nil, s.xmlErr(err)
				}
			}
		case tokEnd:
			if inSST && string(sc.name) == "sst" {
				return out, nil
			}
			return nil, s.fail(sc.at, "unexpected </%s> in the shared strings", sc.name)
		}
	}
}

// parseRef parses a cell reference such as "AB12" into a 0-based column and
// a 1-based row.
func parseRef(b []byte) (col, row int, ok bool) {
	i := 0
	for i < len(b) && i < 3 {
		c := b[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		i++
	}
	if i == 0 || i == len(b) {
		return 0, 0, false
	}
	for _, c := range b[i:] {
		if c < '0' || c > '9' || row > maxSheetRows {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
	}
	if row < 1 || col > maxSheetCols {
		return 0, 0, false
	}
	return col - 1, row, true
}

func cellName(col, row int) string { return colLetter(col) + strconv.Itoa(row) }

func trimSpaceBoth(b []byte) []byte { return bytes.TrimRight(trimSpace(b), " \t\r\n") }

// numberText gives a numeric cell's value as excelize shows a cell with
// the General format: the shortest decimal form of the double, or 15
// significant digits when the text holds more.
func numberText(v []byte) string {
	if len(v) > 0 && len(v) <= 15 && (v[0] != '0' || len(v) == 1) {
		digits := true
		for _, c := range v {
			if c < '0' || c > '9' {
				digits = false
				break
			}
		}
		if digits {
			return string(v)
		}
	}
	s := string(v)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return s
	}
	if sigDigits(s) > 15 {
		return strconv.FormatFloat(f, 'G', 15, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func sigDigits(s string) int {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimLeft(strings.TrimLeft(s, "+-"), "0.")
	return len(strings.ReplaceAll(s, ".", ""))
}

// errNoSheet is returned when a workbook names no worksheet.
var errNoSheet = errors.New("the workbook has no worksheets")

// workbook is the parts of an xlsx zip the reader uses.
type workbook struct {
	zr        *zip.Reader
	sheetPart string
	sheetName string
	sst       []string
	hasSST    bool
}

// openWorkbook finds the first worksheet and reads the shared strings.
func openWorkbook(zr *zip.Reader) (*workbook, error) {
	wb := &workbook{zr: zr}
	sheetPart, sheetName, rels, err := firstSheet(zr)
	if err != nil {
		return nil, err
	}
	wb.sheetPart, wb.sheetName = sheetPart, sheetName
	part := sharedStringsPart(rels)
	if zf := findPart(zr, part); zf != nil {
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", part, err)
		}
		defer rc.Close()
		if wb.sst, err = readSST(io.LimitReader(rc, maxUnzipped), zf.Name, maxUnzipped); err != nil {
			return nil, err
		}
		wb.hasSST = true
	}
	return wb, nil
}

// rows opens the first worksheet for reading.
func (wb *workbook) rows() (*sheetReader, io.Closer, error) {
	zf := findPart(wb.zr, wb.sheetPart)
	if zf == nil {
		return nil, nil, fmt.Errorf("the workbook lists worksheet %s but does not contain it", wb.sheetPart)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", wb.sheetPart, err)
	}
	ahead := newAheadReader(io.LimitReader(rc, maxUnzipped), rc)
	return newSheetReader(ahead, zf.Name, wb.sst, wb.hasSST), ahead, nil
}

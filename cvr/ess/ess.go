// Package ess reads ranked cast vote records exported by ES&S voting
// systems as an Excel workbook (.xlsx), RCTab's "ess" provider.
//
// The first worksheet holds one ballot per row from the first vote row on,
// under a header row such as
//
//	Cast Vote Record | Precinct | Ballot Style | Mayor Choice 1 of 3 (45) | Mayor Choice 2 of 3 (45) | ...
//
// Each vote cell holds a candidate name (or an alias such as a candidate
// code), the overvote label, the undervote (skipped rank) label, the
// undeclared write-in label, several candidates joined by the overvote
// delimiter ("A|B"), or nothing. The sheet is streamed row by row, so
// memory does not grow with the number of ballots.
package ess

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

func init() { cvr.Register("ess", Read) }

// Default positions, 1-based, used when the source leaves them zero. They
// fit ES&S's usual layout: Cast Vote Record, Precinct, Ballot Style, then
// the rankings.
const (
	DefaultFirstVoteColumn = 4
	DefaultFirstVoteRow    = 2
)

// Labels assumed when a source declares no candidates (a file read without
// an RCTab configuration): ES&S's own spellings, so that they do not turn
// into candidates.
const (
	DefaultOvervoteLabel          = "overvote"
	DefaultUndervoteLabel         = "undervote"
	DefaultUndeclaredWriteInLabel = "UWI"
)

// Limits on what is unpacked from the workbook. Worksheets larger than
// xmlInMemory are streamed from a temporary file rather than held in
// memory; the total bounds a "zip bomb".
const (
	maxUnzipped = 4 << 30
	xmlInMemory = 16 << 20
)

// Read reads the ES&S workbook src.Path into e and calls h for each
// ballot, in sheet order. See docs/cvr-formats-ess-csv.md for every option.
//
// Each record's ID is RCTab's: the file name, a hyphen and the ballot's
// 1-based position below the header ("cvr.xlsx-1"); SuppliedID is the
// ID column's cell. The record passed to h, and its slices, are reused for
// the next ballot. On error nothing read from the file remains in e.
func Read(src cvr.Source, e *election.Election, h cvr.Handler) error {
	if src.Path == "" {
		return &cvr.Error{Path: "(no filePath)", Err: errors.New("no ES&S CVR file given; set filePath")}
	}
	// The workbook is read into memory once, through the source's opener
	// (so that it is hashed as read): excelize needs all of it anyway, and
	// the raw zip is read again after excelize from the same bytes, to
	// confirm that the sheet was read to its end (see damage.go).
	raw, err := readWorkbook(src)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return &cvr.Error{Path: src.Path, Err: fmt.Errorf("cannot open the ES&S CVR file: %w; check filePath", pe.Err)}
		}
		return &cvr.Error{Path: src.Path, Err: fmt.Errorf("reading the ES&S CVR file: %w", err)}
	}
	f, err := openBook(raw)
	if err != nil {
		return notESS(src.Path, err)
	}
	defer f.Close()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return notESS(src.Path, err)
	}
	return readBook(f, zr, src, e, h)
}

func readWorkbook(src cvr.Source) ([]byte, error) {
	f, err := src.Open(src.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Sized from the file when it can be, so that reading allocates once.
	var buf bytes.Buffer
	if st, err := f.Stat(); err == nil && st.Size() > 0 && st.Size() < maxUnzipped {
		buf.Grow(int(st.Size()) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), err
}

// openBook parses the workbook raw, turning a panic inside excelize into an
// error.
func openBook(raw []byte) (f *excelize.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("the xlsx parser failed: %v", p)
		}
	}()
	return excelize.OpenReader(bytes.NewReader(raw), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: xmlInMemory})
}

func notESS(path string, err error) error {
	return &cvr.Error{Path: path, Err: fmt.Errorf("not an ES&S CVR spreadsheet: %v; expected an Excel .xlsx workbook", err)}
}

// readBook reads the first worksheet of f, undoing changes to e on error.
// zr is the same workbook as a zip archive, used to check that excelize
// read the whole sheet; nil skips the check.
func readBook(f *excelize.File, zr *zip.Reader, src cvr.Source, e *election.Election, h cvr.Handler) error {
	return cvrread.Undoable(e, func(snap *cvrread.Snapshot) error { return read(f, zr, src, e, h, snap) })
}

// reader holds the state of one read.
type reader struct {
	src      cvr.Source
	path     string
	firstCol int // 1-based
	firstRow int // 1-based; the header is the row above
	window   int // number of vote columns; -1 = to the end of each row
	header   []string
	choices  *cvrread.Choices
	contest  int32
	over     string
	under    string
	uwi      string
}

func read(f *excelize.File, zr *zip.Reader, src cvr.Source, e *election.Election, h cvr.Handler, snap *cvrread.Snapshot) error {
	r := &reader{src: src, path: src.Path, firstCol: src.FirstVoteColumn}
	if r.firstCol == 0 {
		r.firstCol = DefaultFirstVoteColumn
	}
	if r.firstRow = src.FirstVoteRow; r.firstRow == 0 {
		r.firstRow = DefaultFirstVoteRow
	}
	firstRow := r.firstRow
	for _, p := range []struct {
		name string
		v    int
		max  int
	}{{"firstVoteColumnIndex", r.firstCol, excelize.MaxColumns}, {"firstVoteRowIndex", firstRow, excelize.TotalRows},
		{"idColumnIndex", src.IDColumn, excelize.MaxColumns}, {"precinctColumnIndex", src.PrecinctColumn, excelize.MaxColumns},
		{"batchColumnIndex", src.BatchColumn, excelize.MaxColumns}} {
		if p.v < 0 || p.v > p.max {
			return r.fail(0, "", "%s is %d; expected a 1-based index from 1 to %d (or 0 for the default)", p.name, p.v, p.max)
		}
	}
	r.over, r.under, r.uwi = src.OvervoteLabel, src.UndervoteLabel, src.UndeclaredWriteInLabel
	if src.Candidates == nil {
		r.over = cmp(r.over, DefaultOvervoteLabel)
		r.under = cmp(r.under, DefaultUndervoteLabel)
		r.uwi = cmp(r.uwi, DefaultUndeclaredWriteInLabel)
	}

	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return notESS(r.path, errors.New("the workbook has no worksheets"))
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return notESS(r.path, err)
	}
	defer rows.Close()

	var (
		rec    election.CVR
		cms    [1]election.ContestMarks
		marks  []election.Mark
		idBuf  = []byte(filepath.Base(r.path) + "-")
		prefix = len(idBuf)
		strs   = cvrread.NewInterner()
		rowNum int
		ready  bool // the contest and vote columns are known
	)
	for {
		more, cells, err := nextRow(rows)
		if !more {
			break
		}
		rowNum++
		if err != nil {
			return r.fail(rowNum, "", "cannot read the row: %v; the workbook may be damaged (re-export it, or copy the data into a new workbook)", err)
		}
		for i, c := range cells {
			if len(c) > cvr.MaxFieldBytes {
				return r.fail(rowNum, r.colName(i), "%w: the cell holds %d bytes; expected at most %d", cvr.ErrTooLarge, len(c), cvr.MaxFieldBytes)
			}
		}
		if rowNum < firstRow {
			if rowNum == firstRow-1 {
				r.header = append([]string(nil), cells...)
			}
			continue
		}
		if !ready {
			if err := r.setup(src, e, snap); err != nil {
				return err
			}
			ready = true
		}
		if cvrread.BlankRecord(cells) {
			// An empty row is spreadsheet formatting, not a ballot.
			continue
		}
		marks = marks[:0]
		n := r.window
		if n < 0 {
			n = max(0, len(cells)-(r.firstCol-1))
		}
		for rank := 1; rank <= n; rank++ {
			i := r.firstCol - 1 + rank - 1
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			if marks, err = r.cell(marks, cell, rank, rowNum, i); err != nil {
				return err
			}
		}
		cvrread.SortMarks(marks)

		idBuf = strconv.AppendInt(idBuf[:prefix], int64(rowNum-firstRow+1), 10)
		rec = election.CVR{ID: string(idBuf), Source: r.path}
		if c := src.IDColumn; c > 0 {
			if c > len(cells) || cells[c-1] == "" {
				return r.fail(rowNum, r.colName(c-1), "the ballot ID is missing; expected an ID in every row of column %s (idColumnIndex %d)", colLetter(c-1), c)
			}
			rec.SuppliedID = cells[c-1]
		}
		// A blank precinct or batch stays empty; RCTab reports such
		// ballots in a slice named "no precinct id" ("no batch id").
		if c := src.PrecinctColumn; c > 0 && c <= len(cells) {
			rec.Precinct = strs.InternString(cells[c-1])
		}
		if c := src.BatchColumn; c > 0 && c <= len(cells) {
			rec.Batch = strs.InternString(cells[c-1])
		}
		cms[0] = election.ContestMarks{Contest: r.contest, Marks: marks}
		rec.Contests = cms[:]
		if err := h(&rec); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return r.fail(rowNum+1, "", "cannot read the worksheet: %v; the workbook may be damaged", err)
	}
	if zr != nil {
		if err := checkComplete(zr, rowNum); err != nil {
			return r.fail(rowNum+1, "", "the worksheet is damaged: %v; re-export the CVR file (or copy its data into a new workbook)", err)
		}
	}
	if rowNum < firstRow-1 {
		return notESS(r.path, fmt.Errorf("the first worksheet %q has %d rows; expected a header in row %d and ballots from row %d (firstVoteRowIndex)", sheets[0], rowNum, firstRow-1, firstRow))
	}
	if !ready {
		// A header and no ballots: still define the contest.
		return r.setup(src, e, snap)
	}
	return nil
}

// nextRow advances rows and returns the next row's cells. A panic inside
// excelize on a malformed workbook becomes an error, so that a bad file
// cannot crash a server that reads it.
func nextRow(rows *excelize.Rows) (more bool, cells []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			more, err = true, fmt.Errorf("the xlsx parser failed: %v", p)
		}
	}()
	if !rows.Next() {
		return false, nil, nil
	}
	cells, err = rows.Columns()
	return true, cells, err
}

// setup finds the vote columns and the contest, once the header is known.
func (r *reader) setup(src cvr.Source, e *election.Election, snap *cvrread.Snapshot) error {
	name := ""
	r.window = -1 // no header: every cell from the first vote column on
	if !cvrread.BlankRecord(r.header) {
		if r.firstCol > len(r.header) {
			return r.fail(r.firstRow-1, "", "firstVoteColumnIndex is %d but the header row has %d columns; expected the first ranking column (e.g. \"Choice 1\") at or before column %s", r.firstCol, len(r.header), colLetter(len(r.header)-1))
		}
		r.window, name = voteColumns(r.header, r.firstCol-1)
	}
	if src.ContestID != "" {
		name = src.ContestID
	}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(r.path), filepath.Ext(r.path))
	}
	c, ci, err := cvrread.ContestFor(src, e, src.ContestID, name)
	if err != nil {
		return r.fail(0, "", "%v", err)
	}
	snap.Track(c, int(ci))
	if err := cvrread.DeclareCandidates(c, src.Candidates); err != nil {
		return r.fail(0, "", "%v", err)
	}
	r.contest = ci
	r.choices = cvrread.NewChoices(c, src.Candidates != nil)
	switch {
	case !snap.Created(int(ci)) && c.Ranks > 0:
		// The caller fixed the number of rankings (RCTab's
		// maxRankingsAllowed): like RCTab, read no further columns.
		if r.window < 0 || r.window > c.Ranks {
			r.window = c.Ranks
		}
	case snap.Created(int(ci)) && r.window > 0:
		c.Ranks = r.window
	}
	return nil
}

// voteColumns returns how many columns from 0-based column first hold
// rankings, judging by the header, and the contest title the headers give.
//
// ES&S heads ranking columns with the rank and usually the contest:
// "Mayor Choice 1 of 3 (45)", "1ST CHOICE MAYOR MINNEAPOLIS", "2nd
// Choice", or just "2". When the first vote column's header reads like
// that, the ranking columns are the run of headers that follow it with the
// same contest and rising ranks; a column about something else (the COUNT
// column of ES&S's "Marked Sheet" export, another contest) ends the run.
// Otherwise every headed column from first on is a ranking column, except
// a final COUNT column.
func voteColumns(header []string, first int) (n int, contest string) {
	last := len(header) - 1
	for last >= first && cvrread.JavaTrim(header[last]) == "" {
		last--
	}
	c0, prev, ok := parseRankHeader(header[first])
	n = 1
	for i := first + 1; i <= last; i++ {
		h := cvrread.JavaTrim(header[i])
		if strings.EqualFold(h, "count") {
			break
		}
		if ok {
			c, rank, isRank := parseRankHeader(h)
			if !isRank || c != c0 || rank <= prev {
				break
			}
			prev = rank
		}
		n++
	}
	return n, c0
}

// parseRankHeader reads a ranking column header: the rank, and what is
// left once the rank, the words "choice" and "rank", an "of N" and a
// trailing "(id)" are removed.
func parseRankHeader(h string) (contest string, rank int, ok bool) {
	s := cvrread.JavaTrim(h)
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndexByte(s, '('); i >= 0 {
			s = s[:i]
		}
	}
	words := strings.Fields(s)
	out := words[:0:0]
	for i := 0; i < len(words); i++ {
		w := words[i]
		if rank == 0 {
			if n, isOrd := ordinal(w); isOrd {
				rank = n
				if i+2 < len(words) && strings.EqualFold(words[i+1], "of") {
					if _, isNum := ordinal(words[i+2]); isNum {
						i += 2
					}
				}
				continue
			}
		}
		if strings.EqualFold(w, "choice") || strings.EqualFold(w, "rank") {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " "), rank, rank > 0
}

// ordinal parses "3", "3rd", "3RD" and the like.
func ordinal(w string) (int, bool) {
	i := 0
	n := 0
	for i < len(w) && i < 6 && w[i] >= '0' && w[i] <= '9' {
		n = n*10 + int(w[i]-'0')
		i++
	}
	if i == 0 || n == 0 {
		return 0, false
	}
	switch strings.ToLower(w[i:]) {
	case "", "st", "nd", "rd", "th":
		return n, true
	}
	return 0, false
}

// cell appends the marks of one vote cell at rank.
func (r *reader) cell(marks []election.Mark, cell string, rank, row, col int) ([]election.Mark, error) {
	tok := cvrread.JavaTrim(cell)
	if tok == "" {
		if r.src.TreatBlankAsUndeclaredWriteIn {
			marks = append(marks, election.Mark{Rank: int32(rank), Choice: r.choices.WriteIn()})
		}
		return marks, nil
	}
	if d := r.src.OvervoteDelimiter; d != "" && strings.Contains(tok, d) {
		parts := strings.Split(tok, d)
		// Java's String.split, which RCTab uses, drops trailing empty
		// parts.
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		for _, p := range parts {
			p = cvrread.JavaTrim(p)
			if p == "" {
				return nil, r.fail(row, r.colName(col), "%s has an empty name between overvote delimiters %q; expected candidate names separated by %q", cvrread.Quote(tok), d, d)
			}
			var err error
			if marks, err = r.token(marks, p, rank, row, col); err != nil {
				return nil, err
			}
		}
		return marks, nil
	}
	return r.token(marks, tok, rank, row, col)
}

// token appends the mark one candidate name or label stands for.
func (r *reader) token(marks []election.Mark, tok string, rank, row, col int) ([]election.Mark, error) {
	var ch election.Choice
	switch {
	case r.under != "" && tok == r.under:
		return marks, nil
	case r.over != "" && tok == r.over:
		ch = election.Overvote
	case r.uwi != "" && tok == r.uwi:
		ch = r.choices.WriteIn()
	default:
		c, ok, err := r.choices.Lookup(tok)
		if err != nil {
			return nil, r.fail(row, r.colName(col), "%v", err)
		}
		if !ok {
			return nil, r.fail(row, r.colName(col), "%w: %s is not a declared candidate, alias or label; add it to the candidates (or as an alias), or set the overvote, undervote or undeclared write-in label", cvr.ErrUnknownCandidate, cvrread.Quote(tok))
		}
		ch = c
	}
	return append(marks, election.Mark{Rank: int32(rank), Choice: ch}), nil
}

func (r *reader) fail(row int, field, format string, args ...any) error {
	return &cvr.Error{Path: r.path, Row: row, Field: field, Err: fmt.Errorf(format, args...)}
}

// colName names 0-based column i for errors: its letter and header.
func (r *reader) colName(i int) string {
	if i < len(r.header) && cvrread.JavaTrim(r.header[i]) != "" {
		return fmt.Sprintf("column %s %s", colLetter(i), cvrread.Quote(cvrread.JavaTrim(r.header[i])))
	}
	return "column " + colLetter(i)
}

// colLetter returns the spreadsheet letter of 0-based column i.
func colLetter(i int) string {
	s, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return s
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

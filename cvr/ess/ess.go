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
	"hash/maphash"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

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

// maxUnzipped bounds what is unpacked from any one part of the workbook,
// against a "zip bomb".
const maxUnzipped = 4 << 30

// Read reads the ES&S workbook src.Path into e and calls h for each
// ballot, in sheet order. See docs/cvr-formats-ess-csv.md for every option.
//
// Each record's ID is RCTab's: the file name with every character outside
// A-Z a-z 0-9 _ - . replaced by "_", a hyphen and the ballot's 1-based
// position among the <row> elements from the first vote row on
// ("cvr.xlsx-1"); SuppliedID is the ID column's cell. The record passed to
// h, and its slices, are reused for the next ballot. On error nothing read
// from the file remains in e.
func Read(src cvr.Source, e *election.Election, h cvr.Handler) error {
	if src.Path == "" {
		return &cvr.Error{Path: "(no filePath)", Err: errors.New("no ES&S CVR file given; set filePath")}
	}
	// The compressed workbook is read into memory once, through the
	// source's opener (so that it is hashed as read); the worksheet inside
	// it is decompressed and tokenized as a stream.
	raw, err := readWorkbook(src)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return &cvr.Error{Path: src.Path, Err: fmt.Errorf("cannot open the ES&S CVR file: %w; check filePath", pe.Err)}
		}
		return &cvr.Error{Path: src.Path, Err: fmt.Errorf("reading the ES&S CVR file: %w", err)}
	}
	return readBytes(raw, src, e, h)
}

// readBytes reads the workbook raw, undoing changes to e on error.
func readBytes(raw []byte, src cvr.Source, e *election.Election, h cvr.Handler) error {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return notESS(src.Path, err)
	}
	wb, err := openWorkbook(zr)
	if err != nil {
		var se *sheetError
		if errors.As(err, &se) {
			return damaged(src.Path, se)
		}
		return notESS(src.Path, err)
	}
	return cvrread.Undoable(e, func(snap *cvrread.Snapshot) error { return read(wb, src, e, h, snap) })
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

func notESS(path string, err error) error {
	return &cvr.Error{Path: path, Err: fmt.Errorf("not an ES&S CVR spreadsheet: %v; expected an Excel .xlsx workbook", err)}
}

// damaged turns damage found in a workbook part into an error at its row
// and cell.
func damaged(path string, se *sheetError) error {
	field := ""
	if se.cell != "" {
		field = "cell " + se.cell
	}
	return &cvr.Error{Path: path, Row: se.row, Field: field, Err: fmt.Errorf("the workbook is damaged: %v; re-export the CVR file (or copy its data into a new workbook)", se)}
}

// Placeholders RCTab's ES&S reader gives a ballot whose configured precinct
// or batch column has no value (source notes G).
const (
	MissingPrecinct = "missing_precinct_id"
	MissingBatch    = "missing_batch_id"
)

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

func read(wb *workbook, src cvr.Source, e *election.Election, h cvr.Handler, snap *cvrread.Snapshot) error {
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
	}{{"firstVoteColumnIndex", r.firstCol, maxSheetCols}, {"firstVoteRowIndex", firstRow, maxSheetRows},
		{"idColumnIndex", src.IDColumn, maxSheetCols}, {"precinctColumnIndex", src.PrecinctColumn, maxSheetCols},
		{"batchColumnIndex", src.BatchColumn, maxSheetCols}} {
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

	rows, closer, err := wb.rows()
	if err != nil {
		return notESS(r.path, err)
	}
	defer closer.Close()

	var (
		rec     election.CVR
		cms     [1]election.ContestMarks
		marks   []election.Mark
		idBuf   = []byte(SanitizeFileName(filepath.Base(r.path)) + "-")
		prefix  = len(idBuf)
		strs    = cvrread.NewInterner()
		lastRow int
		k       int  // present rows from the first vote row on
		ready   bool // the contest and vote columns are known
		ids     map[uint64]int
		seed    = maphash.MakeSeed()
	)
	if src.IDColumn > 0 {
		ids = map[uint64]int{}
	}
	for {
		row, more, err := rows.next()
		if err != nil {
			var se *sheetError
			if errors.As(err, &se) {
				return damaged(r.path, se)
			}
			return r.fail(lastRow+1, "", "cannot read the worksheet: %v; the workbook may be damaged", err)
		}
		if !more {
			break
		}
		rowNum := row.num
		lastRow = rowNum
		for i, c := range row.vals {
			if len(c) > cvr.MaxFieldBytes {
				return r.fail(rowNum, r.colName(i), "%w: the cell holds %d bytes; expected at most %d", cvr.ErrTooLarge, len(c), cvr.MaxFieldBytes)
			}
		}
		if rowNum < firstRow {
			if rowNum == firstRow-1 {
				r.header = append([]string(nil), row.vals...)
			}
			continue
		}
		if !ready {
			if err := r.setup(src, e, snap); err != nil {
				return err
			}
			ready = true
		}
		// Every <row> from the first vote row on takes a number, and in
		// RCTab mode is a ballot even with no cells (source notes C).
		k++
		if !src.RCTab && cvrread.BlankRecord(row.vals) {
			// Outside RCTab mode an empty row is spreadsheet
			// formatting, not a ballot.
			continue
		}
		if marks, err = r.votes(marks[:0], row); err != nil {
			return err
		}
		// In RCTab mode the marks are already in rank order (one column
		// per rank) and the parts of a delimited cell stay in the cell's
		// order, as RCTab prints them (source notes P8).
		cvrread.SortMarksRCTab(marks, src.RCTab)

		idBuf = strconv.AppendInt(idBuf[:prefix], int64(k), 10)
		rec = election.CVR{ID: string(idBuf), Source: r.path}
		if c := src.IDColumn; c > 0 {
			v, has := row.cell(c - 1)
			if !has || cvrread.JavaTrim(v) == "" {
				return r.fail(rowNum, r.colName(c-1), "the ballot ID is missing; expected an ID in every row of column %s (idColumnIndex %d)", colLetter(c-1), c)
			}
			hv := maphash.String(seed, v)
			if prev, dup := ids[hv]; dup {
				return r.fail(rowNum, r.colName(c-1), "%w: ballot ID %s is also the ID of row %d; each ballot must have its own ID: re-export the CVR file, or remove the repeated ballot", cvr.ErrDuplicateID, cvrread.Quote(v), prev)
			}
			ids[hv] = rowNum
			rec.SuppliedID = v
		}
		rec.Precinct = r.slice(row, src.PrecinctColumn, MissingPrecinct, &strs)
		rec.Batch = r.slice(row, src.BatchColumn, MissingBatch, &strs)
		cms[0] = election.ContestMarks{Contest: r.contest, Marks: marks}
		rec.Contests = cms[:]
		if err := h(&rec); err != nil {
			return err
		}
	}
	if lastRow < firstRow-1 {
		return notESS(r.path, fmt.Errorf("the first worksheet %q has no row %d or later; expected a header in row %d and ballots from row %d (firstVoteRowIndex)", wb.sheetName, max(firstRow-1, 1), firstRow-1, firstRow))
	}
	if !ready {
		// A header and no ballots: still define the contest.
		return r.setup(src, e, snap)
	}
	return nil
}

// slice returns the precinct (or batch) in 1-based column c of row: the
// cell's value, or when the cell has none RCTab's placeholder in RCTab
// mode and "" otherwise.
func (r *reader) slice(row *sheetRow, c int, placeholder string, strs *cvrread.Interner) string {
	if c <= 0 {
		return ""
	}
	v, has := row.cell(c - 1)
	if !has {
		if r.src.RCTab {
			return placeholder
		}
		return ""
	}
	return strs.InternString(v)
}

// votes appends the marks of the vote cells of row.
func (r *reader) votes(marks []election.Mark, row *sheetRow) ([]election.Mark, error) {
	first := r.firstCol - 1 // 0-based
	n := r.window
	fillTo := -1 // RCTab "max": blanks before the last present vote cell
	switch {
	case r.src.RCTab && r.src.MaxRankings > 0:
		// A numeric maxRankingsAllowed: exactly that many columns
		// (source notes A, R2).
		n = r.src.MaxRankings
	case r.src.RCTab:
		// "max": every cell to the end of the row.
		n = max(0, row.width()-first)
		fillTo = n
	case n < 0:
		n = max(0, row.width()-first)
	}
	for rank := 1; rank <= n; rank++ {
		i := first + rank - 1
		v, has := row.cell(i)
		if !has {
			// No value in the sheet: a blank position. RCTab fills
			// with write-ins every blank up to N, or with "max" only
			// blanks before a later present vote cell (R2).
			if r.src.TreatBlankAsUndeclaredWriteIn && (fillTo < 0 || rank < fillTo) {
				marks = append(marks, election.Mark{Rank: int32(rank), Choice: r.choices.WriteIn()})
			}
			continue
		}
		var err error
		if marks, err = r.cell(marks, v, rank, row.num, i); err != nil {
			return nil, err
		}
	}
	return marks, nil
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

// cell appends the marks of one vote cell at rank: a cell that has a value.
func (r *reader) cell(marks []election.Mark, cell string, rank, row, col int) ([]election.Mark, error) {
	tok := cvrread.JavaTrim(cell)
	if tok == "" {
		if r.src.RCTab {
			// RCTab reads a present cell of spaces as the candidate ""
			// (source notes R3): an unrecognized candidate unless ""
			// is an alias.
			return r.token(marks, tok, rank, row, col)
		}
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
			if r.src.RCTab && len(parts) > 1 && r.under != "" && p == r.under {
				// Source notes R4.
				return nil, r.fail(row, r.colName(col), "%s holds the skipped-rank label %q among candidates joined by %q; expected only candidate names in an overvoted cell: correct the cell", cvrread.Quote(tok), r.under, d)
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
	var which int32
	switch {
	case r.under != "" && tok == r.under:
		return marks, nil
	case r.over != "" && tok == r.over:
		ch = election.Overvote
	case r.uwi != "" && tok == r.uwi:
		ch = r.choices.WriteIn()
	default:
		c, t, ok, err := r.choices.LookupToken(tok)
		if err != nil {
			return nil, r.fail(row, r.colName(col), "%v", err)
		}
		if !ok {
			return nil, r.fail(row, r.colName(col), "%w: %s is not a declared candidate, alias or label; add it to the candidates (or as an alias), or set the overvote, undervote or undeclared write-in label", cvr.ErrUnknownCandidate, cvrread.Quote(tok))
		}
		ch = c
		if r.src.RCTab {
			// RCTab's duplicate and overvote checks compare the cell's
			// text (source notes T14, T15).
			which = t
		}
	}
	return append(marks, election.Mark{Rank: int32(rank), Choice: ch, Token: which}), nil
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
	if i < 0 {
		return "?"
	}
	var b [4]byte
	n := len(b)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}

// SanitizeFileName replaces every character of name outside A-Z, a-z,
// 0-9, "_", "-" and "." with "_", as RCTab does for the computed CVR ID
// (source notes R1).
func SanitizeFileName(name string) string {
	var b strings.Builder
	for _, c := range name {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

package dominion

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

// maxCSVLine bounds one physical line of a CSV export, so that a file with no
// line breaks cannot make the CSV parser buffer it whole.
const maxCSVLine = 16 << 20

// ReadCSV reads Dominion's CSV CVR export, the layout Colorado's RLA tool and
// Arlo take for ballot-comparison audits. It is registered as
// "dominion-csv".
//
// The file has four header rows:
//
//  1. the election name and the Democracy Suite version;
//  2. above each vote column, its contest: "Name (Vote For=N)" or, for a
//     ranked contest, "Name (Number of positions=N, Number of ranks=R)"
//     (a blank cell continues the contest to its left);
//  3. above each vote column, its choice; in a ranked contest "Choice(k)"
//     is the column for rank k;
//  4. the names of the leading columns — CvrNumber, TabulatorNum, BatchId,
//     RecordId, ImprintedId, CountingGroup, PrecinctPortion, BallotType (the
//     first four are required) — and then party names, which are ignored.
//
// Each further row is a ballot. Vote cells hold 1 (marked), 0 (not marked)
// or nothing (the contest is not on this ballot's card). Excel-protected
// cells written ="…" are unwrapped. A ballot whose vote cells for a contest
// are all empty does not have that contest; when src.ContestID selects one
// contest such ballots are not emitted.
//
// Contest IDs are the contest names without the "(Vote For=N)" suffix.
// Candidates come from row 3, or from src.Candidates when set, in which case
// every choice must match a declared name or alias (or the
// UndeclaredWriteInLabel). CVR.ID is "tabulator-batch-record" (as for the
// JSON export), SuppliedID the ImprintedId (else the CvrNumber).
func ReadCSV(src cvr.Source, e *election.Election, h cvr.Handler) error {
	// A ballot (tabulator-batch-record) given twice is an error naming
	// both rows (issue 11).
	h, done := cvrread.UniqueIDs(h, "TabulatorNum-BatchId-RecordId", func(r *election.CVR) string { return r.ID })
	f, err := src.Open(src.Path)
	if err != nil {
		return &cvr.Error{Path: src.Path, Err: err}
	}
	defer f.Close()
	if err := readCSV(src, e, h, f); err != nil {
		return err
	}
	return done()
}

// csvColumn is one vote column.
type csvColumn struct {
	contest int // index into csvReader.contests
	choice  election.Choice
	rank    int32
	header  string // "Contest / Choice", for errors
}

type csvContest struct {
	name    string
	header  string
	voteFor int
	ranks   int
	first   int // first and last vote column (absolute)
	last    int
	slot    int32 // index in e.Contests; -1 when not selected
	contest *election.Contest
}

// lineGuard fails a read once a physical line exceeds maxCSVLine bytes.
type lineGuard struct {
	r    io.Reader
	line int
}

func (g *lineGuard) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	for _, c := range b[:n] {
		if c == '\n' {
			g.line = 0
		} else if g.line++; g.line > maxCSVLine {
			return 0, fmt.Errorf("a line longer than %d bytes: %w", maxCSVLine, cvr.ErrTooLarge)
		}
	}
	return n, err
}

func unwrapCell(s string) string {
	if strings.HasPrefix(s, "=\"") && strings.HasSuffix(s, "\"") && len(s) >= 3 {
		s = s[2 : len(s)-1]
	}
	return strings.TrimSpace(s)
}

func readCSV(src cvr.Source, e *election.Election, h cvr.Handler, r io.Reader) error {
	cr := csv.NewReader(bufio.NewReaderSize(&lineGuard{r: r}, 64<<10))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	path := src.Path
	csvErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &cvr.Error{Path: path, Row: pe.StartLine, Err: fmt.Errorf("malformed CSV: %v", pe.Err)}
		}
		// A read error, or lineGuard's ErrTooLarge.
		return &cvr.Error{Path: path, Err: err}
	}
	var header [4][]string
	for i := range header {
		row, err := cr.Read()
		if err == io.EOF {
			return &cvr.Error{Path: path, Row: i + 1, Err: errors.New("file ends inside the four header rows; expected election name, contests, choices, then column names (Dominion CSV CVR export)")}
		}
		if err != nil {
			return csvErr(err)
		}
		for k, c := range row {
			if len(c) > cvr.MaxFieldBytes {
				return &cvr.Error{Path: path, Row: i + 1, Field: "column " + strconv.Itoa(k+1), Err: fmt.Errorf("cell longer than %d bytes: %w", cvr.MaxFieldBytes, cvr.ErrTooLarge)}
			}
			row[k] = unwrapCell(c)
		}
		header[i] = row
	}
	if e.Name == "" && len(header[0]) > 0 {
		e.Name = header[0][0]
	}
	contestRow, choiceRow, colRow := header[1], header[2], header[3]
	first := -1
	for i, c := range contestRow {
		if c != "" {
			first = i
			break
		}
	}
	if first < 0 {
		return &cvr.Error{Path: path, Row: 2, Err: errors.New("no contest names; row 2 of a Dominion CSV export names each vote column's contest, e.g. \"Mayor (Vote For=1)\"")}
	}
	meta := map[string]int{}
	for i := 0; i < first && i < len(colRow); i++ {
		meta[colRow[i]] = i
	}
	for _, req := range []string{"TabulatorNum", "BatchId", "RecordId"} {
		if _, ok := meta[req]; !ok {
			return &cvr.Error{Path: path, Row: 4, Field: req, Err: fmt.Errorf("column missing; row 4 must name the leading columns CvrNumber, TabulatorNum, BatchId, RecordId, ImprintedId, … before the first contest column (%d)", first+1)}
		}
	}
	col := func(name string) int {
		if i, ok := meta[name]; ok {
			return i
		}
		return -1
	}
	cTab, cBatch, cRec := col("TabulatorNum"), col("BatchId"), col("RecordId")
	cImp, cNum, cPortion, cType := col("ImprintedId"), col("CvrNumber"), col("PrecinctPortion"), col("BallotType")

	// Group vote columns into contests.
	var contests []*csvContest
	byHeader := map[string]int{}
	var columns []csvColumn
	cur := -1
	for i := first; i < len(contestRow); i++ {
		hd := contestRow[i]
		if hd == "" {
			if cur < 0 {
				continue
			}
		} else {
			k, ok := byHeader[hd]
			if !ok {
				name, voteFor, ranks := parseContestHeader(hd)
				k = len(contests)
				contests = append(contests, &csvContest{name: name, header: hd, voteFor: voteFor, ranks: ranks, first: i, slot: -1})
				byHeader[hd] = k
			}
			cur = k
		}
		contests[cur].last = i
		columns = append(columns, csvColumn{contest: cur})
	}
	// Columns beyond the last header cell are not vote columns.
	nCols := first + len(columns)
	if len(colRow) < nCols {
		// The file was cut inside the header: row 4 stops before the
		// vote columns the contest row describes (issue 11).
		return &cvr.Error{Path: path, Row: 4, Err: fmt.Errorf("row 4 has %d columns but row 2 describes %d; the file looks cut inside its four header rows: export it again", len(colRow), nCols)}
	}

	// Select contests and build their candidates.
	selected := 0
	for k, c := range contests {
		if src.ContestID != "" && src.ContestID != c.name && src.ContestID != c.header {
			continue
		}
		selected++
		ec, idx, err := cvrread.ContestFor(src, e, c.name, c.name)
		if err != nil { // only declared candidates can clash
			return &cvr.Error{Path: path, Row: 2, Field: c.header, Err: fmt.Errorf("declared candidates: %w", err)}
		}
		if src.Candidates != nil && src.UndeclaredWriteInLabel != "" {
			ec.WriteIn()
		}
		if ec.VoteFor == 0 {
			ec.VoteFor = c.voteFor
		}
		if ec.Ranks == 0 {
			ec.Ranks = c.ranks
		}
		c.slot, c.contest = idx, ec
		for i := c.first; i <= c.last; i++ {
			colIdx := i - first
			raw := ""
			if i < len(choiceRow) {
				raw = choiceRow[i]
			}
			name, rank := raw, int32(1)
			field := c.name + " / " + raw
			if c.ranks > 1 {
				var ok bool
				name, rank, ok = splitRankedChoice(raw)
				if !ok {
					return &cvr.Error{Path: path, Row: 3, Field: field, Err: fmt.Errorf("expected a ranked choice like \"Name(1)\" in ranked contest %q (column %d)", c.name, i+1)}
				}
			}
			if name == "" {
				return &cvr.Error{Path: path, Row: 3, Field: field, Err: fmt.Errorf("choice name missing above vote column %d", i+1)}
			}
			ch, err := csvChoice(src, ec, name)
			if err != nil {
				return &cvr.Error{Path: path, Row: 3, Field: field, Err: err}
			}
			columns[colIdx] = csvColumn{contest: k, choice: ch, rank: rank, header: field}
		}
	}
	if src.ContestID != "" && selected == 0 {
		var names []string
		for _, c := range contests {
			names = append(names, strconv.Quote(c.name))
		}
		return &cvr.Error{Path: path, Row: 2, Err: fmt.Errorf("no contest named %q; the export has %s", src.ContestID, strings.Join(names, ", "))}
	}

	var rec election.CVR
	present := make([]bool, len(contests))
	rows := 0
	for {
		row, err := cr.Read()
		if err == io.EOF {
			if rows == 0 {
				// Counting nothing would elect by tie-break (issue 11).
				return &cvr.Error{Path: path, Row: 5, Err: errors.New("no ballot rows after the four header rows; the file is empty or was cut short: export it again")}
			}
			return nil
		}
		if err != nil {
			return csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue // blank line
		}
		rows++
		if len(row) < nCols {
			return &cvr.Error{Path: path, Row: line, Err: fmt.Errorf("row has %d cells; the header rows describe %d columns", len(row), nCols)}
		}
		for k := nCols; k < len(row); k++ {
			if unwrapCell(row[k]) != "" {
				return &cvr.Error{Path: path, Row: line, Field: "column " + strconv.Itoa(k+1), Err: errors.New("value in a column that the header rows do not describe")}
			}
		}
		cell := func(i int) string {
			if i < 0 {
				return ""
			}
			return unwrapCell(row[i])
		}
		for k, c := range row {
			if len(c) > cvr.MaxFieldBytes {
				return &cvr.Error{Path: path, Row: line, Field: "column " + strconv.Itoa(k+1), Err: fmt.Errorf("cell longer than %d bytes: %w", cvr.MaxFieldBytes, cvr.ErrTooLarge)}
			}
		}
		rec.Reset()
		rec.Source = path
		rec.Tabulator, rec.Batch = cell(cTab), cell(cBatch)
		record := cell(cRec)
		for _, f := range []struct{ name, v string }{{"TabulatorNum", rec.Tabulator}, {"BatchId", rec.Batch}, {"RecordId", record}} {
			if f.v == "" {
				return &cvr.Error{Path: path, Row: line, Field: f.name, Err: errors.New("empty; every ballot row names its tabulator, batch and record")}
			}
		}
		rec.ID = rec.Tabulator + "-" + rec.Batch + "-" + record
		rec.SuppliedID = cell(cImp)
		if rec.SuppliedID == "" {
			rec.SuppliedID = cell(cNum)
		}
		rec.PrecinctPortion, rec.BallotStyle = cell(cPortion), cell(cType)
		for k := range present {
			present[k] = false
		}
		for ci, colDef := range columns {
			c := contests[colDef.contest]
			v := cell(first + ci)
			switch v {
			case "":
				continue
			case "0":
				present[colDef.contest] = true
				continue
			case "1":
				present[colDef.contest] = true
			default:
				return &cvr.Error{Path: path, Row: line, Field: contestHeaderField(c, colDef, choiceRow, first+ci), Err: fmt.Errorf("expected 1 (marked), 0 (not marked) or an empty cell (contest not on the ballot), found %q", v)}
			}
			if c.slot < 0 {
				continue
			}
			cm := rec.MarksFor(c.slot)
			cm.Marks = append(cm.Marks, election.Mark{Rank: colDef.rank, Choice: colDef.choice})
		}
		emit := src.ContestID == ""
		for k, c := range contests {
			if c.slot < 0 || !present[k] {
				continue
			}
			emit = true
			cm := rec.MarksFor(c.slot)
			cvrread.SortMarks(cm.Marks)
			cm.Marks = cvrread.DedupeMarks(cm.Marks)
		}
		if !emit {
			continue
		}
		if err := h(&rec); err != nil {
			return err
		}
	}
}

func contestHeaderField(c *csvContest, col csvColumn, choiceRow []string, i int) string {
	if col.header != "" {
		return col.header
	}
	choice := ""
	if i < len(choiceRow) {
		choice = choiceRow[i]
	}
	return c.name + " / " + choice
}

// csvChoice maps a choice name from row 3 to a choice of c.
func csvChoice(src cvr.Source, c *election.Contest, name string) (election.Choice, error) {
	if src.UndeclaredWriteInLabel != "" && name == src.UndeclaredWriteInLabel {
		return c.WriteIn(), nil
	}
	if ch, ok := c.Lookup(name); ok {
		return ch, nil
	}
	if src.Candidates != nil {
		return 0, fmt.Errorf("choice %q matches no declared candidate's name or alias: %w; add it as an alias of the right candidate", name, cvr.ErrUnknownCandidate)
	}
	return c.AddCandidate(election.Candidate{Name: name})
}

// parseContestHeader splits "Name (Vote For=N)" and
// "Name (Number of positions=N, Number of ranks=R)". Any other text is a
// contest name with unknown VoteFor.
func parseContestHeader(h string) (name string, voteFor, ranks int) {
	open := strings.LastIndex(h, " (")
	if open < 0 || !strings.HasSuffix(h, ")") {
		return h, 0, 0
	}
	inner := h[open+2 : len(h)-1]
	if v, ok := strings.CutPrefix(inner, "Vote For="); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return strings.TrimSpace(h[:open]), n, 0
		}
		return h, 0, 0
	}
	pos, rk, ok := strings.Cut(inner, ",")
	if !ok {
		return h, 0, 0
	}
	p, ok1 := strings.CutPrefix(strings.TrimSpace(pos), "Number of positions=")
	r, ok2 := strings.CutPrefix(strings.TrimSpace(rk), "Number of ranks=")
	pn, err1 := strconv.Atoi(strings.TrimSpace(p))
	rn, err2 := strconv.Atoi(strings.TrimSpace(r))
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return h, 0, 0
	}
	return strings.TrimSpace(h[:open]), pn, rn
}

// splitRankedChoice splits "Alice(2)" into "Alice" and rank 2.
func splitRankedChoice(s string) (string, int32, bool) {
	if !strings.HasSuffix(s, ")") {
		return "", 0, false
	}
	open := strings.LastIndexByte(s, '(')
	if open < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[open+1 : len(s)-1])
	if err != nil || n < 1 || n > 1<<20 {
		return "", 0, false
	}
	return strings.TrimSpace(s[:open]), int32(n), true
}

// Package generic reads ranked cast vote records from a generic CSV file,
// RCTab's "genericCsv" provider.
//
// The first row names the candidates, one column each, from the first vote
// column on; earlier columns may hold a ballot ID, precinct and batch. Each
// later row is one ballot whose cell under a candidate is the rank the voter
// gave that candidate (1 = first choice), or blank if the voter did not rank
// them. Two candidates with the same rank are an overvote at that rank:
//
//	Response ID,precinct_id,batch_id,Lettuce,Broccoli,Cucumber,Write-In
//	R_3QEQ85E7gV2DuyG,p1,b1,,2,1,
//	R_22G3akvxq7ggl01,p1,b1,3,1,2,4
//
// A column whose header equals the source's undeclared write-in label
// collects undeclared write-ins.
package generic

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/csvscan"
)

func init() { cvr.Register("genericCsv", Read) }

// The precinct and batch RCTab's generic CSV reader gives a record whose
// configured precinct or batch cell is blank (source notes R9).
const (
	NoPrecinctID = "no precinct id"
	NoBatchID    = "no batch id"
)

// MaxRank is the largest rank a cell may hold: RCTab's upper bound for
// maxRankingsAllowed. Larger numbers are typing errors, not rankings.
const MaxRank = 1_000_000

// maxColumns bounds the header; a real file has a few dozen columns.
const maxColumns = 1 << 14

// Read reads the generic CSV file src.Path into e and calls h for each
// ballot, in file order. See the package documentation for the format and
// docs/cvr-formats-ess-csv.md for every option.
//
// The record passed to h, and its slices, are reused for the next ballot.
// On error nothing read from the file remains in e.
func Read(src cvr.Source, e *election.Election, h cvr.Handler) error {
	f, err := cvrread.OpenFile(src, "generic CSV")
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadFrom(f, src, e, h)
}

// ReadFrom is Read for an already open file; src.Path names it in errors
// and in the computed record IDs.
func ReadFrom(r io.Reader, src cvr.Source, e *election.Election, h cvr.Handler) error {
	done := func() error { return nil }
	if src.IDColumn > 0 {
		// A ballot ID given twice is an error naming both rows (issue 11).
		h, done = cvrread.UniqueIDs(h, "idColumnIndex", func(r *election.CVR) string { return r.SuppliedID })
	}
	return cvrread.Undoable(e, func(snap *cvrread.Snapshot) error {
		if err := read(r, src, e, h, snap); err != nil {
			return err
		}
		return done()
	})
}

// column is one vote column of the header.
type column struct {
	header string
	choice election.Choice
	ok     bool  // choice is valid; otherwise ranking here is an error
	token  int32 // election.Mark.Token of the header, in RCTab mode
}

func read(r io.Reader, src cvr.Source, e *election.Election, h cvr.Handler, snap *cvrread.Snapshot) error {
	path := src.Path
	fail := func(row int, field string, format string, args ...any) error {
		return &cvr.Error{Path: path, Row: row, Field: field, Err: fmt.Errorf(format, args...)}
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"firstVoteColumnIndex", src.FirstVoteColumn}, {"firstVoteRowIndex", src.FirstVoteRow},
		{"idColumnIndex", src.IDColumn}, {"precinctColumnIndex", src.PrecinctColumn}, {"batchColumnIndex", src.BatchColumn}} {
		if p.v < 0 || p.v > maxColumns && p.name != "firstVoteRowIndex" {
			return fail(0, "", "%s is %d; expected a 1-based index (or 0 for the default)", p.name, p.v)
		}
	}
	firstCol := src.FirstVoteColumn
	if firstCol == 0 {
		// Vote columns start after the last configured column.
		firstCol = max(src.IDColumn, src.PrecinctColumn, src.BatchColumn) + 1
	}
	firstRow := src.FirstVoteRow
	if firstRow == 0 {
		firstRow = 2
	}
	if src.RCTab {
		// RCTab's reader takes the first record as the header and every
		// later record as a ballot; firstVoteRowIndex is only validated
		// (source notes R6).
		firstRow = 2
	}
	if firstRow < 2 {
		return fail(0, "", "firstVoteRowIndex is %d; a generic CSV needs the candidate names in the row above the first ballot, so it must be 2 or more", firstRow)
	}

	sc := csvscan.NewScanner(r, csvscan.Limits{MaxField: cvr.MaxFieldBytes, MaxFields: maxColumns})

	// The header is the record just above the first ballot.
	var hdr [][]byte
	for n := 1; n < firstRow; n++ {
		f, err := sc.Next()
		if err == io.EOF {
			return fail(0, "", "not a generic CSV CVR file: it has %d rows; expected a header row naming the candidates (row %d) and ballots below it", n-1, firstRow-1)
		}
		if err != nil {
			return cvrread.CSVError(path, err)
		}
		hdr = f
	}
	hdrLine := sc.Line()
	header := make([]string, len(hdr))
	for i, b := range hdr {
		if src.RCTab {
			// RCTab uses header names untrimmed, and every one from the
			// first vote column on must be non-blank (source notes R10).
			header[i] = string(b)
			if i >= firstCol-1 && len(cvrread.JavaTrim(b)) == 0 {
				return fail(hdrLine, cvrread.ColumnName(i, ""), "header cell is blank; RCTab requires a candidate name in every column from firstVoteColumnIndex on: name the candidate or remove the column")
			}
			continue
		}
		header[i] = string(cvrread.JavaTrim(b))
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"firstVoteColumnIndex", firstCol}, {"idColumnIndex", src.IDColumn}, {"precinctColumnIndex", src.PrecinctColumn}, {"batchColumnIndex", src.BatchColumn}} {
		if p.v > len(header) {
			return fail(hdrLine, "", "%s is %d but the header row has only %d columns; check the configuration", p.name, p.v, len(header))
		}
	}

	name := src.ContestID
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	contest, ci, err := cvrread.ContestFor(src, e, src.ContestID, name)
	if err != nil {
		return fail(0, "", "%v", err)
	}
	snap.Track(contest, int(ci))
	if err := cvrread.DeclareCandidates(contest, src.Candidates); err != nil {
		return fail(0, "", "%v", err)
	}
	created := snap.Created(int(ci))
	ch := cvrread.NewChoices(contest, src.Candidates != nil)

	cols := make([]column, 0, len(header)-firstCol+1)
	seen := make(map[string]int)
	for i := firstCol - 1; i < len(header); i++ {
		hname := header[i]
		col := column{header: hname}
		if hname != "" {
			if prev, dup := seen[hname]; dup {
				return fail(hdrLine, cvrread.ColumnName(i, hname), "candidate %s also heads column %d; expected each candidate to have one column", cvrread.Quote(hname), prev+1)
			}
			seen[hname] = i
			if src.UndeclaredWriteInLabel != "" && hname == src.UndeclaredWriteInLabel {
				col.choice, col.ok = ch.WriteIn(), true
			} else {
				c, t, ok, err := ch.LookupToken(hname)
				if err != nil {
					return fail(hdrLine, cvrread.ColumnName(i, hname), "%v", err)
				}
				col.choice, col.ok = c, ok
				if src.RCTab {
					// The header is the CVR's token (source notes T14, T15).
					col.token = t
				}
			}
		}
		cols = append(cols, col)
	}
	if created {
		contest.Ranks = len(cols)
	}

	var (
		rec   election.CVR
		cms   [1]election.ContestMarks
		marks []election.Mark
		strs  = cvrread.NewInterner()
	)
	return cvrread.Ballots(sc, path, len(header), cvrread.RowOptions{KeepBlank: src.RCTab, BareID: src.RCTab}, func(f [][]byte, row int, id []byte) error {
		marks = marks[:0]
		for j, cell := range f[firstCol-1:] {
			if len(cell) == 0 {
				continue
			}
			var rank int
			if len(cell) == 1 && cell[0] > '0' && cell[0] <= '9' {
				rank = int(cell[0] - '0') // the common case
			} else {
				if cell[0] <= ' ' || cell[len(cell)-1] <= ' ' {
					if cell = cvrread.JavaTrim(cell); len(cell) == 0 {
						continue
					}
				}
				var perr string
				if rank, perr = parseRank(cell); perr != "" {
					return fail(row, cvrread.ColumnName(firstCol-1+j, cols[j].header), "%s", perr)
				}
			}
			col := &cols[j]
			if !col.ok {
				if col.header == "" {
					return fail(row, cvrread.ColumnName(firstCol-1+j, ""), "%w: ranked a column with no candidate name in the header; name the candidate in row %d", cvr.ErrUnknownCandidate, hdrLine)
				}
				return fail(row, cvrread.ColumnName(firstCol-1+j, col.header), "%w: %s is not a declared candidate; add it (or an alias) to the candidates, or set it as the undeclared write-in label", cvr.ErrUnknownCandidate, cvrread.Quote(col.header))
			}
			marks = append(marks, election.Mark{Rank: int32(rank), Choice: col.choice, Token: col.token})
		}
		cvrread.SortMarksRCTab(marks, src.RCTab)

		rec = election.CVR{ID: string(id), Source: path}
		// Like RCTab, keep these cells as they are, spaces included.
		if src.IDColumn > 0 {
			rec.SuppliedID = string(f[src.IDColumn-1])
		}
		// A blank precinct or batch stays empty; in RCTab mode a blank or
		// whitespace-only cell becomes "no precinct id" ("no batch id"),
		// an ordinary slice, as RCTab's reader names it (source notes G,
		// R9).
		if src.PrecinctColumn > 0 {
			rec.Precinct = strs.Intern(f[src.PrecinctColumn-1])
			if src.RCTab && len(cvrread.JavaTrim(f[src.PrecinctColumn-1])) == 0 {
				rec.Precinct = NoPrecinctID
			}
		}
		if src.BatchColumn > 0 {
			rec.Batch = strs.Intern(f[src.BatchColumn-1])
			if src.RCTab && len(cvrread.JavaTrim(f[src.BatchColumn-1])) == 0 {
				rec.Batch = NoBatchID
			}
		}
		cms[0] = election.ContestMarks{Contest: ci, Marks: marks}
		rec.Contests = cms[:]
		return h(&rec)
	})
}

// parseRank parses a rank cell: a whole number from 1 to MaxRank. It
// returns a message saying what was expected when the cell is not one.
func parseRank(b []byte) (int, string) {
	n := 0
	for i, c := range b {
		if c < '0' || c > '9' {
			if i == 0 && c == '-' && len(b) > 1 {
				return 0, fmt.Sprintf("rank %s is negative; expected a whole number from 1 to %d or a blank cell", cvrread.Quote(string(b)), MaxRank)
			}
			return 0, fmt.Sprintf("rank %s is not a whole number; expected a rank from 1 to %d or a blank cell", cvrread.Quote(string(b)), MaxRank)
		}
		n = n*10 + int(c-'0')
		if n > MaxRank {
			return 0, fmt.Sprintf("rank %s is larger than %d; expected a rank from 1 to %d or a blank cell", cvrread.Quote(string(b)), MaxRank, MaxRank)
		}
	}
	if n == 0 {
		return 0, fmt.Sprintf("rank %s is zero; ranks start at 1 (leave the cell blank for no ranking)", cvrread.Quote(string(b)))
	}
	return n, ""
}

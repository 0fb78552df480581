// Package clearballot reads ranked cast vote records exported by Clear
// Ballot's ClearVote as CSV, RCTab's "clearBallot" provider.
//
// The header names the ballot's fixed columns (RowNumber, BoxID,
// BoxPosition, BallotID, PrecinctID, BallotStyleID, PrecinctStyleName,
// ScanComputerName, Status, Remade) and then one column per contest, rank
// and candidate:
//
//	Choice_1_1:Democratic Primary:1:Vote For 1:Michael Bennet:Democratic
//
// that is Choice_<n>_<x>:<contest>:<rank>:Vote For <n>:<candidate>:<party>.
// A ballot's cell is 1 where the voter marked that candidate at that rank
// and 0 (or blank) elsewhere. The reader takes the columns of the contest
// the source selects and ignores the rest.
package clearballot

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/csvscan"
)

func init() { cvr.Register("clearBallot", Read) }

// MaxRank bounds the rank in a column header, as RCTab bounds
// maxRankingsAllowed.
const MaxRank = 1_000_000

// maxColumns bounds the header. A county-wide export has one column per
// contest, rank and candidate: thousands, not millions.
const maxColumns = 1 << 20

// Names of the fixed columns the reader uses.
const (
	colBallotID     = "BallotID"
	colBoxID        = "BoxID"
	colPrecinctID   = "PrecinctID"
	colBallotStyle  = "BallotStyleID"
	colScanComputer = "ScanComputerName"
)

// Read reads the Clear Ballot CSV file src.Path into e and calls h for
// each ballot, in file order. src.ContestID names the contest (as it
// appears in the column headers); it may be empty when the file holds only
// one contest. See docs/cvr-formats-ess-csv.md for every option.
//
// The record passed to h, and its slices, are reused for the next ballot.
// On error nothing read from the file remains in e.
func Read(src cvr.Source, e *election.Election, h cvr.Handler) error {
	f, err := cvrread.OpenFile(src, "Clear Ballot")
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadFrom(f, src, e, h)
}

// ReadFrom is Read for an already open file; src.Path names it in errors
// and in the computed record IDs.
func ReadFrom(r io.Reader, src cvr.Source, e *election.Election, h cvr.Handler) error {
	// A BallotID given twice is an error naming both rows (issue 11).
	h, done := cvrread.UniqueIDs(h, colBallotID, func(r *election.CVR) string { return r.SuppliedID })
	return cvrread.Undoable(e, func(snap *cvrread.Snapshot) error {
		if err := read(r, src, e, h, snap); err != nil {
			return err
		}
		return done()
	})
}

// choiceColumn is one column of the selected contest.
type choiceColumn struct {
	index  int // 0-based column
	header string
	rank   int32
	name   string
	choice election.Choice
	ok     bool
	token  int32 // election.Mark.Token of the candidate field, in RCTab mode
}

// header is a parsed "Choice_..." column header.
type header struct {
	contest   string
	rank      int
	voteFor   int
	candidate string
}

// parseHeader splits a choice column header. Fields are separated by
// colons; a candidate name containing a colon keeps it, since the party is
// always the last field.
func parseHeader(h string) (header, string) {
	f := strings.Split(h, ":")
	if len(f) < 6 {
		return header{}, fmt.Sprintf("has %d colon-separated fields; expected Choice_<n>_<x>:<contest>:<rank>:Vote For <n>:<candidate>:<party>", len(f))
	}
	var c header
	c.contest = f[1]
	rank, err := strconv.Atoi(f[2])
	if err != nil || rank < 1 || rank > MaxRank {
		return header{}, fmt.Sprintf("rank %s is not a whole number from 1 to %d; expected Choice_<n>_<x>:<contest>:<rank>:Vote For <n>:<candidate>:<party>", cvrread.Quote(f[2]), MaxRank)
	}
	c.rank = rank
	if v, ok := strings.CutPrefix(f[3], "Vote For "); ok {
		c.voteFor, _ = strconv.Atoi(v)
	}
	c.candidate = strings.Join(f[4:len(f)-1], ":")
	return c, ""
}

func read(r io.Reader, src cvr.Source, e *election.Election, h cvr.Handler, snap *cvrread.Snapshot) error {
	path := src.Path
	fail := func(row int, field string, format string, args ...any) error {
		return &cvr.Error{Path: path, Row: row, Field: field, Err: fmt.Errorf(format, args...)}
	}
	sc := csvscan.NewScanner(r, csvscan.Limits{MaxField: cvr.MaxFieldBytes, MaxFields: maxColumns, MaxRecord: 256 << 20})

	hdr, err := sc.Next()
	if err == io.EOF {
		return fail(0, "", "not a Clear Ballot CVR file: it is empty; expected a header row (RowNumber,BoxID,...,Choice_1_1:...)")
	}
	if err != nil {
		return cvrread.CSVError(path, err)
	}
	hdrLine := sc.Line()
	fixed := map[string]int{}
	var contests []string
	var parsed []header
	var heads []int // indexes of choice columns
	for i, b := range hdr {
		name := string(cvrread.JavaTrim(b))
		if !strings.HasPrefix(name, "Choice_") {
			if _, dup := fixed[name]; !dup {
				fixed[name] = i
			}
			continue
		}
		f := strings.SplitN(name, ":", 3)
		if len(f) < 2 {
			return fail(hdrLine, cvrread.ColumnName(i, name), "choice column header has no contest; expected Choice_<n>_<x>:<contest>:<rank>:Vote For <n>:<candidate>:<party>")
		}
		if !slices.Contains(contests, f[1]) {
			contests = append(contests, f[1])
		}
		if src.RCTab {
			// RCTab splits every choice header, of every contest, into
			// exactly six colon-separated fields (trailing empty ones
			// dropped, as Java's split does), and fails the source
			// otherwise (source notes R13).
			parts := strings.Split(name, ":")
			for len(parts) > 0 && parts[len(parts)-1] == "" {
				parts = parts[:len(parts)-1]
			}
			if len(parts) != 6 {
				return fail(hdrLine, cvrread.ColumnName(i, name), "choice column header has %d colon-separated fields (an empty party or a colon in a name counts); RCTab needs exactly six, Choice_<n>_<x>:<contest>:<rank>:Vote For <n>:<candidate>:<party>, and fails the file otherwise", len(parts))
			}
		}
		heads = append(heads, i)
		parsed = append(parsed, header{contest: f[1]})
	}
	for _, need := range []string{colBallotID, colPrecinctID} {
		if _, ok := fixed[need]; !ok {
			return fail(hdrLine, "", "not a Clear Ballot CVR file: the header has no %s column; expected RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,ScanComputerName,Status,Remade then Choice_ columns", need)
		}
	}
	if len(heads) == 0 {
		return fail(hdrLine, "", "not a Clear Ballot CVR file: the header has no Choice_ columns; expected columns such as Choice_1_1:<contest>:<rank>:Vote For 1:<candidate>:<party>")
	}
	contestID := src.ContestID
	if contestID == "" {
		if len(contests) > 1 {
			return fail(hdrLine, "", "the file holds %d contests (%s); set contestId to the one to read", len(contests), quoteList(contests))
		}
		contestID = contests[0]
	}
	if !slices.Contains(contests, contestID) {
		return fail(hdrLine, "", "contest %s is not in the file; set contestId to one of %s", cvrread.Quote(contestID), quoteList(contests))
	}

	contest, ci, err := cvrread.ContestFor(src, e, contestID, contestID)
	if err != nil {
		return fail(0, "", "%v", err)
	}
	snap.Track(contest, int(ci))
	if err := cvrread.DeclareCandidates(contest, src.Candidates); err != nil {
		return fail(0, "", "%v", err)
	}
	created := snap.Created(int(ci))
	ch := cvrread.NewChoices(contest, src.Candidates != nil)

	var cols []choiceColumn
	type key struct {
		rank int
		name string
	}
	seen := map[key]int{}
	maxRank, voteFor := 0, 0
	for k, i := range heads {
		if parsed[k].contest != contestID {
			continue
		}
		name := string(cvrread.JavaTrim(hdr[i]))
		p, msg := parseHeader(name)
		if msg != "" {
			return fail(hdrLine, cvrread.ColumnName(i, name), "%s", msg)
		}
		if prev, dup := seen[key{p.rank, p.candidate}]; dup {
			return fail(hdrLine, cvrread.ColumnName(i, name), "candidate %s has a second column for rank %d (the first is column %d); expected one column per rank and candidate", cvrread.Quote(p.candidate), p.rank, prev+1)
		}
		seen[key{p.rank, p.candidate}] = i
		maxRank, voteFor = max(maxRank, p.rank), max(voteFor, p.voteFor)
		col := choiceColumn{index: i, header: name, rank: int32(p.rank), name: p.candidate}
		if src.UndeclaredWriteInLabel != "" && p.candidate == src.UndeclaredWriteInLabel {
			col.choice, col.ok = ch.WriteIn(), true
		} else {
			c, t, ok, err := ch.LookupToken(p.candidate)
			if err != nil {
				return fail(hdrLine, cvrread.ColumnName(i, name), "%v", err)
			}
			col.choice, col.ok = c, ok
			if src.RCTab {
				// The header's candidate field is the CVR's token
				// (source notes T14, T15).
				col.token = t
			}
		}
		cols = append(cols, col)
	}
	if created {
		contest.Ranks, contest.VoteFor = maxRank, voteFor
	}

	get := func(f [][]byte, name string) []byte {
		if i, ok := fixed[name]; ok {
			return f[i]
		}
		return nil
	}
	var (
		rec   election.CVR
		cms   [1]election.ContestMarks
		marks []election.Mark
		strs  = cvrread.NewInterner()
	)
	return cvrread.Ballots(sc, path, len(hdr), cvrread.RowOptions{}, func(f [][]byte, row int, id []byte) error {
		marks = marks[:0]
		for k := range cols {
			col := &cols[k]
			cell := f[col.index]
			if src.RCTab && (len(cell) != 1 || cell[0] != '1') {
				// RCTab parses each choice cell as an integer: 1 is a
				// mark, any other integer none; an empty or non-numeric
				// cell fails the source (source notes R13).
				n, err := strconv.ParseInt(string(cell), 10, 32)
				if err != nil {
					return fail(row, cvrread.ColumnName(col.index, col.header), "cell is %s; RCTab reads a choice cell as a whole number (1 marked, any other number not) and fails the file on anything else", cvrread.Quote(string(cell)))
				}
				if n != 1 { // Java's parseInt reads "+1" as 1 too
					continue
				}
			} else if len(cell) != 1 || cell[0] != '1' {
				if t := cvrread.JavaTrim(cell); len(t) == 0 || len(t) == 1 && t[0] == '0' {
					continue
				} else if len(t) != 1 || t[0] != '1' {
					return fail(row, cvrread.ColumnName(col.index, col.header), "cell is %s; expected 1 (marked) or 0 (not marked)", cvrread.Quote(string(t)))
				}
			}
			if !col.ok {
				return fail(row, cvrread.ColumnName(col.index, col.header), "%w: %s is not a declared candidate; add it (or an alias) to the candidates, or set it as the undeclared write-in label", cvr.ErrUnknownCandidate, cvrread.Quote(col.name))
			}
			marks = append(marks, election.Mark{Rank: col.rank, Choice: col.choice, Token: col.token})
		}
		cvrread.SortMarksRCTab(marks, src.RCTab)

		rec = election.CVR{
			ID:          string(id),
			SuppliedID:  string(get(f, colBallotID)),
			Source:      path,
			Tabulator:   strs.Intern(get(f, colScanComputer)),
			Batch:       strs.Intern(get(f, colBoxID)),
			Precinct:    strs.Intern(get(f, colPrecinctID)),
			BallotStyle: strs.Intern(get(f, colBallotStyle)),
		}
		if src.RCTab {
			// RCTab computes no ID for Clear Ballot records: the ID is the
			// BallotID cell; and there is no batch (source notes R11).
			rec.ID, rec.Batch = rec.SuppliedID, ""
		}
		cms[0] = election.ContestMarks{Contest: ci, Marks: marks}
		rec.Contests = cms[:]
		return h(&rec)
	})
}

func quoteList(ss []string) string {
	const show = 10
	var q []string
	for i, s := range ss {
		if i == show {
			q = append(q, fmt.Sprintf("and %d more", len(ss)-show))
			break
		}
		q = append(q, cvrread.Quote(s))
	}
	return strings.Join(q, ", ")
}

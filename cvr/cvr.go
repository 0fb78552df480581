// Package cvr reads cast vote records exported by voting systems. Each vendor
// format lives in its own subpackage (cvr/ess, cvr/dominion, cvr/hart,
// cvr/clearballot, cvr/cdf, cvr/generic); all of them produce the types of
// package election and report bad input as *Error.
//
// Readers stream: they call a function for each record and may reuse the
// record's memory once it returns, so that memory stays proportional to what
// the caller keeps rather than to the size of the file.
//
// Readers open every file through Source.Open, so that a source can be an
// fs.FS (an upload, a zip) that no path may leave, and so that a Recorder
// set on the source commits to the bytes actually read. What the readers
// share beyond that is in cvr/internal/cvrread.
package cvr

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/evidence"
)

// Source describes one CVR input and how to interpret it. Its fields mirror
// RCTab's cvrFileSources entries so that an RCTab configuration maps onto it
// directly; a reader ignores the fields that do not apply to its format.
type Source struct {
	// FS holds the files Path names, so that a count can read an uploaded
	// package or a zip without unpacking it and a source can never name a
	// file outside it. Nil means the operating system's files, with Path
	// as given on a command line.
	FS fs.FS
	// Record, when set, commits to every file the reader opens, from the
	// bytes it reads, for the results manifest.
	Record *evidence.Recorder
	// Path is the file (ES&S, Clear Ballot, CDF, generic CSV) or folder
	// (Dominion, Hart) to read.
	Path string
	// ContestID selects one contest. Empty means every contest the source
	// holds (single-contest formats such as ES&S and generic CSV always
	// hold one).
	ContestID string

	// OvervoteLabel is the cell text that means "overvote, choices not
	// reported"; UndervoteLabel the text that means "no mark at this rank";
	// UndeclaredWriteInLabel the text or code of an undeclared write-in.
	OvervoteLabel          string
	UndervoteLabel         string
	UndeclaredWriteInLabel string
	// OvervoteDelimiter separates the candidates of an overvoted ES&S cell
	// ("A|B").
	OvervoteDelimiter string
	// TreatBlankAsUndeclaredWriteIn makes an empty ES&S cell a write-in.
	TreatBlankAsUndeclaredWriteIn bool

	// Column and row positions, 1-based, for spreadsheet-like formats
	// (ES&S, generic CSV). Zero means "absent" for the ID, precinct and
	// batch columns and "the format's default" for the first vote
	// column and row.
	FirstVoteColumn int
	FirstVoteRow    int
	IDColumn        int
	PrecinctColumn  int
	BatchColumn     int

	// Candidates, when not nil, are the declared candidates of the
	// selected contest (an RCTab configuration's list, with aliases). A
	// token in the file that names none of them is an error, as in RCTab.
	// When nil, readers take candidates from the file's own manifests or
	// headers.
	Candidates []election.Candidate

	// RCTab makes the reader produce records exactly as RCTab's reader for
	// the provider does where a reader's own reading differs (record IDs,
	// placeholder precincts and batches, repeated marks kept; the ES&S
	// reader: every <row> is a ballot, an empty cell is the candidate "");
	// see the RCTab source notes cited by each reader. Without it readers
	// apply canvass's own, documented choices. The rctab package sets it.
	RCTab bool
	// MaxRankings is RCTab's numeric maxRankingsAllowed, 0 for "max" or
	// none. With RCTab set, the ES&S reader reads only this many vote
	// columns (source notes A).
	MaxRankings int
	// Warn, when set, receives things the reader accepted but an operator
	// should know about (records RCTab drops, for example). Nil discards
	// them.
	Warn func(msg string)
}

// Warnf sends a formatted warning to src.Warn, if set.
func (src Source) Warnf(format string, args ...any) {
	if src.Warn != nil {
		src.Warn(fmt.Sprintf(format, args...))
	}
}

// Error is a problem with an input file. It names the file and, where known,
// the place in it and what was expected there, so that an election official
// can find and fix the record.
type Error struct {
	// Path is the file (for folder formats, the file inside the folder).
	Path string
	// Row is the 1-based line or spreadsheet row; Record the 1-based
	// record (ballot) number for formats without rows; Offset the byte
	// offset. Zero means unknown.
	Row    int
	Record int
	Offset int64
	// Field names the column, element or key.
	Field string
	// Err says what was wrong and what was expected.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Path == "" {
		b.WriteString("input")
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Record > 0 {
		fmt.Fprintf(&b, ": record %d", e.Record)
	}
	if e.Offset > 0 {
		fmt.Fprintf(&b, ": byte %d", e.Offset)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrUnknownCandidate is wrapped by errors about a CVR token that names no
// declared candidate.
var ErrUnknownCandidate = errors.New("unknown candidate")

// ErrTooLarge is wrapped by errors about a field or record larger than a
// reader accepts; such limits keep a hostile file from exhausting memory.
var ErrTooLarge = errors.New("too large")

// ErrDuplicateID is wrapped by errors about two ballots of one source with
// the same supplied ID.
var ErrDuplicateID = errors.New("duplicate ballot ID")

// MaxFieldBytes bounds any single field (cell, attribute, string) a reader
// keeps. Real CVR fields are far smaller.
const MaxFieldBytes = 64 << 10

// Handler receives each record. The reader may reuse rec after Handler
// returns; copy what must outlive the call. A non-nil error stops reading
// and is returned by the reader.
type Handler func(rec *election.CVR) error

// Reader reads one source. It fills e with the contests (and their
// candidates) the source defines, calls h for each record in file order,
// and returns an *Error, or an error from h, on failure.
//
// A reader adds contests to e only if they are not already there (matched
// by ID), so several sources of one election can share e.
type Reader func(src Source, e *election.Election, h Handler) error

var readers = map[string]Reader{}

// Register makes a reader available under format. Format subpackages call it
// from init; it panics on a duplicate, which is a programming error.
func Register(format string, r Reader) {
	if _, dup := readers[format]; dup {
		panic("cvr: reader registered twice: " + format)
	}
	readers[format] = r
}

// Lookup returns the reader for format.
func Lookup(format string) (Reader, error) {
	r, ok := readers[format]
	if !ok {
		return nil, fmt.Errorf("unknown CVR format %q (known: %s)", format, strings.Join(Formats(), ", "))
	}
	return r, nil
}

// Formats lists the registered format names.
func Formats() []string {
	var fs []string
	for f := range readers {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	return fs
}

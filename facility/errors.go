package facility

import (
	"strconv"
	"strings"
)

// Error is a refused input: a CSV export or a site description that does
// not follow its documented format. Nothing from a file that produced an
// Error may be imported.
type Error struct {
	// File is the file name as the caller gave it.
	File string
	// Row is the 1-based CSV record number, the header being row 1; 0 when
	// the problem is not in one row (an empty file, a site description).
	Row int
	// Line is the 1-based line on which the record or JSON value starts;
	// it differs from Row only when a quoted field spans lines. 0 if not
	// known.
	Line int
	// Column is the CSV column name, or the JSON path in a site
	// description (e.g. "doors[2].room"); empty when the problem is the
	// whole row or file.
	Column string
	// Value is the offending value as read, if there is one.
	Value string
	// Expected says what the format requires there.
	Expected string
	// Fix says what to do about it.
	Fix string
}

// Error renders the problem on one line: where, what was found, what was
// expected and what to do.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Row > 0 {
		b.WriteString(": row ")
		b.WriteString(strconv.Itoa(e.Row))
		if e.Line > 0 && e.Line != e.Row {
			b.WriteString(" (line ")
			b.WriteString(strconv.Itoa(e.Line))
			b.WriteString(")")
		}
	} else if e.Line > 0 {
		b.WriteString(": line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Column != "" {
		if e.Row > 0 {
			b.WriteString(", column ")
		} else {
			b.WriteString(": ")
		}
		b.WriteString(strconv.Quote(e.Column))
	}
	if e.Value != "" {
		b.WriteString(": got ")
		b.WriteString(strconv.Quote(e.Value))
	}
	b.WriteString(": expected ")
	b.WriteString(e.Expected)
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// fixRow is the usual advice for a bad CSV row.
const fixRow = "correct the row in the export and import the file again (nothing from this file was imported)"

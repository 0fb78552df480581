// Package csvout writes CSV in the dialects canvass's outputs promise:
// RCTab's (Apache Commons CSV's default format with "\n" records, which
// quotes a few more fields than encoding/csv and so must be reproduced to
// match RCTab's files byte for byte) and a minimal one that leaves every
// field without a comma, quote or line break exactly as given (audit
// samples, whose IDs people compare by eye).
package csvout

import (
	"bufio"
	"io"
	"strings"
)

// Dialect decides which fields are quoted. A quoted field doubles its
// quotes; records end with "\n".
type Dialect int

const (
	// RCTab quotes as Apache Commons CSV does: an empty first field (so a
	// lone empty value is not mistaken for a blank line), a field starting
	// with a character at or below '#', one ending at or below a space,
	// and one containing a comma, quote, CR or LF.
	RCTab Dialect = iota
	// Minimal quotes only fields containing a comma, quote, CR or LF.
	Minimal
)

// NeedsQuotes reports whether field f, the first of its record if first,
// is quoted.
func (d Dialect) NeedsQuotes(f string, first bool) bool {
	if strings.ContainsAny(f, ",\"\r\n") {
		return true
	}
	if d == Minimal {
		return false
	}
	if f == "" {
		return first
	}
	return f[0] <= '#' || f[len(f)-1] <= ' '
}

// AppendRecord appends one record, with its "\n", to dst.
func (d Dialect) AppendRecord(dst []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		if !d.NeedsQuotes(f, i == 0) {
			dst = append(dst, f...)
			continue
		}
		dst = append(dst, '"')
		for j := 0; j < len(f); j++ {
			if f[j] == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, f[j])
		}
		dst = append(dst, '"')
	}
	return append(dst, '\n')
}

// Writer writes records in one dialect through a buffer.
type Writer struct {
	w   *bufio.Writer
	d   Dialect
	buf []byte
}

// NewWriter returns a Writer of dialect d writing to w.
func NewWriter(w io.Writer, d Dialect) *Writer {
	return &Writer{w: bufio.NewWriter(w), d: d}
}

// Record writes one record; no fields make a blank line. Errors are
// reported by Flush.
func (c *Writer) Record(fields ...string) {
	c.buf = c.d.AppendRecord(c.buf[:0], fields...)
	c.w.Write(c.buf)
}

// Flush writes out what is buffered and returns the first write error.
func (c *Writer) Flush() error { return c.w.Flush() }

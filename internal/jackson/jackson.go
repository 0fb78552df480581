// Package jackson writes JSON laid out exactly as Jackson's
// DefaultPrettyPrinter lays it out, the printer RCTab writes its reports
// and CDF exports with. Matching the layout, not just the content, lets
// anyone diff a canvass file against RCTab's byte for byte.
//
// The layout: object members on their own lines, indented two spaces per
// enclosing object; "key" : value; arrays inline ("[ a, b ]", "[ {" for
// arrays of objects); empty containers as "{ }" and "[ ]"; no newline at
// the end.
package jackson

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// Writer streams one JSON document. Calls must nest properly (every Begin
// has its End, every object member starts with Field); the first write
// error stops all output and is returned by Err and Flush.
type Writer struct {
	w     *bufio.Writer
	stack []frame
	depth int // enclosing objects
	err   error
}

type frame struct {
	object bool
	n      int
}

// NewWriter returns a Writer writing to w through a small buffer, for the
// many short reports of one count.
func NewWriter(w io.Writer) *Writer { return NewWriterSize(w, 4096) }

// NewWriterSize returns a Writer writing to w through a buffer of size
// bytes, for large documents such as a CDF export.
func NewWriterSize(w io.Writer, size int) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, size)}
}

// Flush writes out what is buffered and returns the first error.
func (j *Writer) Flush() error {
	if j.err == nil {
		j.err = j.w.Flush()
	}
	return j.err
}

// Err returns the first write error.
func (j *Writer) Err() error { return j.err }

func (j *Writer) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *Writer) indent(n int) {
	j.raw("\n")
	for i := 0; i < n; i++ {
		j.raw("  ")
	}
}

// value writes what precedes a value inside an array.
func (j *Writer) value() {
	if len(j.stack) == 0 {
		return
	}
	f := &j.stack[len(j.stack)-1]
	if f.object {
		return // Field wrote the separator
	}
	if f.n == 0 {
		j.raw(" ")
	} else {
		j.raw(", ")
	}
	f.n++
}

// BeginObject opens an object.
func (j *Writer) BeginObject() {
	j.value()
	j.raw("{")
	j.stack = append(j.stack, frame{object: true})
	j.depth++
}

// Field starts the member name of the object being written; its value
// follows.
func (j *Writer) Field(name string) {
	f := &j.stack[len(j.stack)-1]
	if f.n > 0 {
		j.raw(",")
	}
	f.n++
	j.indent(j.depth)
	j.quote(name)
	j.raw(" : ")
}

// EndObject closes the object being written.
func (j *Writer) EndObject() {
	f := j.stack[len(j.stack)-1]
	j.stack = j.stack[:len(j.stack)-1]
	j.depth--
	if f.n == 0 {
		j.raw(" }")
		return
	}
	j.indent(j.depth)
	j.raw("}")
}

// BeginArray opens an array.
func (j *Writer) BeginArray() {
	j.value()
	j.raw("[")
	j.stack = append(j.stack, frame{})
}

// EndArray closes the array being written.
func (j *Writer) EndArray() {
	j.stack = j.stack[:len(j.stack)-1]
	j.raw(" ]")
}

// String writes a string value.
func (j *Writer) String(s string) {
	j.value()
	j.quote(s)
}

// Int writes an integer value.
func (j *Writer) Int(n int64) {
	j.value()
	j.raw(strconv.FormatInt(n, 10))
}

// quote writes s as a JSON string with Jackson's escapes: quote, backslash
// and control characters only; everything else as UTF-8. Bytes that are
// not UTF-8 are written as U+FFFD, the character Java's decoder would have
// read them as.
func (j *Writer) quote(s string) {
	if j.err != nil {
		return
	}
	b := j.w
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteString(s[i : i+n])
			}
			i += n
			continue
		}
		i++
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c >= 0x20:
			b.WriteByte(c)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\r':
			b.WriteString(`\r`)
		default:
			fmt.Fprintf(b, `\u%04X`, c)
		}
	}
	j.err = b.WriteByte('"')
}

package tabulate

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/canvass/canvass/internal/java"
)

// This file holds the two text formats RCTab's reports are written in: JSON
// as Jackson's default pretty printer lays it out, and CSV as Apache
// Commons CSV's default format quotes it. Matching the layout exactly (not
// just the content) lets anyone diff a canvass report against RCTab's.

// jsonValue is a node of a JSON document under construction.
type jsonValue interface{ isJSON() }

type (
	jsonString string
	jsonInt    int64
	// jsonObject's keys are written in Java's natural string order, as
	// RCTab's ObjectMapper (ORDER_MAP_ENTRIES_BY_KEYS) writes its maps.
	jsonObject map[string]jsonValue
	jsonArray  []jsonValue
)

func (jsonString) isJSON() {}
func (jsonInt) isJSON()    {}
func (jsonObject) isJSON() {}
func (jsonArray) isJSON()  {}

// writeJSON writes v the way Jackson's DefaultPrettyPrinter does: two-space
// indentation, " : " between key and value, arrays of objects opened on the
// same line ("[ {"), empty containers as "{ }" and "[ ]", and no newline at
// the end.
func writeJSON(w io.Writer, v jsonValue) error {
	bw := bufio.NewWriter(w)
	writeJSONValue(bw, v, 0)
	return bw.Flush()
}

func writeJSONValue(w *bufio.Writer, v jsonValue, depth int) {
	switch x := v.(type) {
	case jsonString:
		writeJSONString(w, string(x))
	case jsonInt:
		w.WriteString(strconv.FormatInt(int64(x), 10))
	case jsonObject:
		if len(x) == 0 {
			w.WriteString("{ }")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, java.Compare)
		w.WriteString("{\n")
		for i, k := range keys {
			indent(w, depth+1)
			writeJSONString(w, k)
			w.WriteString(" : ")
			writeJSONValue(w, x[k], depth+1)
			if i < len(keys)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		indent(w, depth)
		w.WriteByte('}')
	case jsonArray:
		if len(x) == 0 {
			w.WriteString("[ ]")
			return
		}
		w.WriteString("[ ")
		for i, e := range x {
			if i > 0 {
				w.WriteString(", ")
			}
			writeJSONValue(w, e, depth)
		}
		w.WriteString(" ]")
	}
}

func indent(w *bufio.Writer, depth int) {
	for i := 0; i < depth; i++ {
		w.WriteString("  ")
	}
}

// writeJSONString quotes s with Jackson's escapes: quote, backslash and
// control characters only; everything else is written as UTF-8.
func writeJSONString(w *bufio.Writer, s string) {
	w.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			w.WriteString(`\"`)
		case '\\':
			w.WriteString(`\\`)
		case '\b':
			w.WriteString(`\b`)
		case '\f':
			w.WriteString(`\f`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			w.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(w, `\u%04X`, r)
			} else {
				w.WriteRune(r)
			}
		}
	}
	w.WriteByte('"')
}

// csvWriter writes records the way Apache Commons CSV's default format
// does with "\n" as the record separator (which is what RCTab's reports
// contain): a field is quoted only when it must be.
type csvWriter struct {
	w *bufio.Writer
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: bufio.NewWriter(w)} }

// record writes one line. An empty record is a blank line.
func (c *csvWriter) record(fields ...string) {
	for i, f := range fields {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if csvNeedsQuotes(f, i == 0) {
			c.w.WriteByte('"')
			c.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
			c.w.WriteByte('"')
		} else {
			c.w.WriteString(f)
		}
	}
	c.w.WriteByte('\n')
}

func (c *csvWriter) flush() error { return c.w.Flush() }

// csvNeedsQuotes applies Commons CSV's minimal quoting: quote an empty first
// field (so a lone empty value is not mistaken for a blank line), a field
// starting with a character at or below '#', one ending at or below a
// space, and one containing a comma, quote, CR or LF.
func csvNeedsQuotes(f string, first bool) bool {
	if f == "" {
		return first
	}
	if f[0] <= '#' {
		return true
	}
	if strings.ContainsAny(f, ",\"\r\n") {
		return true
	}
	return f[len(f)-1] <= ' '
}

// javaDoubleString formats v as Java's Double.toString does for the values
// reports use (percentages in [0, 100] with at most two decimals): the
// shortest representation, always with a fractional part.
func javaDoubleString(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// AppendCSVRecord appends one record (with its "\n") to dst in the CSV
// dialect of RCTab's files, quoting fields exactly where Apache Commons
// CSV would. Other packages use it to write RCTab-compatible CSV, such as
// the normalized CVR export.
func AppendCSVRecord(dst []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		if csvNeedsQuotes(f, i == 0) {
			dst = append(dst, '"')
			for j := 0; j < len(f); j++ {
				if f[j] == '"' {
					dst = append(dst, '"')
				}
				dst = append(dst, f[j])
			}
			dst = append(dst, '"')
		} else {
			dst = append(dst, f...)
		}
	}
	return append(dst, '\n')
}

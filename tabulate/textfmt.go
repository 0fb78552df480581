package tabulate

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/canvass/canvass/internal/csvout"
	"github.com/canvass/canvass/internal/jackson"
	"github.com/canvass/canvass/internal/java"
)

// This file adapts the two text formats RCTab's reports are written in to
// the report writers: JSON as Jackson's default pretty printer lays it out
// (package jackson), and CSV as Apache Commons CSV's default format quotes
// it (package csvout).

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

// writeJSON writes v the way Jackson's DefaultPrettyPrinter does (see
// package jackson).
func writeJSON(w io.Writer, v jsonValue) error {
	j := jackson.NewWriter(w)
	writeJSONValue(j, v)
	return j.Flush()
}

func writeJSONValue(j *jackson.Writer, v jsonValue) {
	switch x := v.(type) {
	case jsonString:
		j.String(string(x))
	case jsonInt:
		j.Int(int64(x))
	case jsonObject:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, java.Compare)
		j.BeginObject()
		for _, k := range keys {
			j.Field(k)
			writeJSONValue(j, x[k])
		}
		j.EndObject()
	case jsonArray:
		j.BeginArray()
		for _, e := range x {
			writeJSONValue(j, e)
		}
		j.EndArray()
	}
}

// csvWriter writes RCTab's CSV dialect (see package csvout) under the
// names the report writers use.
type csvWriter struct{ w *csvout.Writer }

func newCSVWriter(w io.Writer) csvWriter { return csvWriter{csvout.NewWriter(w, csvout.RCTab)} }

// record writes one line. An empty record is a blank line.
func (c csvWriter) record(fields ...string) { c.w.Record(fields...) }

func (c csvWriter) flush() error { return c.w.Flush() }

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

package draw

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// WriteCSV writes the sample as CSV: the header (none for BallotNumber),
// then each row as it is drawn. A field is quoted ("" for a quote) only
// when it holds a comma, quote, carriage return or line feed, and lines
// end in \n: the bytes Python's csv module writes with
// lineterminator="\n", so plain fields are byte for byte as given.
func WriteCSV[R Row](w io.Writer, s Sample[R]) error {
	bw := bufio.NewWriter(w)
	if s.Columns != nil {
		if err := writeRecord(bw, s.Columns); err != nil {
			return err
		}
	}
	for r := range s.Rows {
		// Stop drawing as soon as the reader is gone.
		if err := writeRecord(bw, r.Fields()); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeRecord writes one CSV line; its error is the writer's first
// (bufio keeps it), so one check per line suffices.
func writeRecord(w *bufio.Writer, fields []string) error {
	for i, f := range fields {
		if i > 0 {
			w.WriteByte(',')
		}
		if !strings.ContainsAny(f, ",\"\r\n") {
			w.WriteString(f)
			continue
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		w.WriteByte('"')
	}
	return w.WriteByte('\n')
}

// WriteJSON writes the sample as a JSON array of its rows, indented by two
// spaces, with "&", "<" and ">" as they are, and a final newline: the
// bytes encoding/json writes for the whole slice with SetIndent("", "  ")
// and SetEscapeHTML(false), but streamed row by row.
func WriteJSON[R Row](w io.Writer, s Sample[R]) error {
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Elements sit one level deep, so their own lines carry one indent.
	enc.SetIndent("  ", "  ")
	n := 0
	for r := range s.Rows {
		buf.Reset()
		if err := enc.Encode(r); err != nil {
			return err
		}
		if n == 0 {
			bw.WriteString("[\n  ")
		} else {
			bw.WriteString(",\n  ")
		}
		if _, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		bw.WriteString("[]\n")
	} else {
		bw.WriteString("\n]\n")
	}
	return bw.Flush()
}

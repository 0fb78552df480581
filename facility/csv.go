package facility

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxField is the largest CSV field, in bytes, that the parsers accept.
const MaxField = 1024

// row is one data record of a CSV export.
type row struct {
	num    int // 1-based record number, header = 1
	line   int // line the record starts on
	fields []string
}

// table is a CSV export whose header has been checked.
type table struct {
	file string
	cols map[string]int // column name -> field index
	rows []row
}

// get returns the value of column col in r, or "" if the column is absent.
func (t *table) get(r row, col string) string {
	i, ok := t.cols[col]
	if !ok {
		return ""
	}
	return r.fields[i]
}

func (t *table) has(col string) bool {
	_, ok := t.cols[col]
	return ok
}

func (t *table) err(r row, col, value, expected string) *Error {
	return &Error{File: t.file, Row: r.num, Line: r.line, Column: col, Value: value, Expected: expected, Fix: fixRow}
}

// headerList renders the documented header: required columns, then the
// optional ones in brackets.
func headerList(required, optional []string) string {
	s := strings.Join(required, ",")
	for _, o := range optional {
		s += "[," + o + "]"
	}
	return s
}

// readTable reads a whole CSV export: RFC 4180 quoting, UTF-8, a header
// row naming each column exactly once from required and optional (all of
// required present, in any order), and records with as many fields as the
// header. A UTF-8 byte order mark at the start is skipped.
func readTable(r io.Reader, file string, required, optional []string) (*table, error) {
	want := headerList(required, optional)
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	t := &table{file: file, cols: map[string]int{}}
	num := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, num+1, err)
		}
		num++
		line, _ := cr.FieldPos(0)
		for i, f := range rec {
			if !utf8.ValidString(f) {
				return nil, &Error{File: file, Row: num, Line: line, Column: t.colName(i, num), Value: strings.ToValidUTF8(f, "\uFFFD"),
					Expected: "UTF-8 text", Fix: "export the file as UTF-8 and import it again (nothing from this file was imported)"}
			}
			if len(f) > MaxField {
				return nil, &Error{File: file, Row: num, Line: line, Column: t.colName(i, num), Value: strings.ToValidUTF8(f[:32], "") + "…",
					Expected: "a field of at most 1024 bytes", Fix: fixRow}
			}
		}
		if num == 1 {
			if err := t.setHeader(rec, line, required, optional, want); err != nil {
				return nil, err
			}
			continue
		}
		if len(rec) != len(t.cols) {
			return nil, &Error{File: file, Row: num, Line: line, Value: strings.Join(rec, ","),
				Expected: plural(len(t.cols), "field") + " as in the header, got " + plural(len(rec), "field"), Fix: fixRow}
		}
		t.rows = append(t.rows, row{num: num, line: line, fields: rec})
	}
	if num == 0 {
		return nil, &Error{File: file, Expected: "a header row " + want + " followed by data rows; the file is empty",
			Fix: "export the file again with its header row"}
	}
	return t, nil
}

// colName names field i of record num for an error message.
func (t *table) colName(i, num int) string {
	if num > 1 {
		for name, j := range t.cols {
			if j == i {
				return name
			}
		}
	}
	if num == 1 {
		return ""
	}
	return "field " + itoa(i+1)
}

func (t *table) setHeader(rec []string, line int, required, optional []string, want string) error {
	for i, name := range rec {
		known := false
		for _, c := range required {
			known = known || c == name
		}
		for _, c := range optional {
			known = known || c == name
		}
		if !known {
			return &Error{File: t.file, Row: 1, Line: line, Column: name,
				Expected: "only the columns " + want + " (exact, lower-case names)",
				Fix:      "rename or remove the column in the header and import the file again (nothing from this file was imported)"}
		}
		if _, dup := t.cols[name]; dup {
			return &Error{File: t.file, Row: 1, Line: line, Column: name,
				Expected: "each column once; it appears again as field " + itoa(i+1),
				Fix:      "remove the second column and import the file again (nothing from this file was imported)"}
		}
		t.cols[name] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return &Error{File: t.file, Row: 1, Line: line, Column: c, Value: strings.Join(rec, ","),
				Expected: "a header row " + want + "; required column " + c + " is missing",
				Fix:      "add the column (or fix its name) and import the file again (nothing from this file was imported)"}
		}
	}
	return nil
}

// csvError turns an encoding/csv error into an Error.
func csvError(file string, num int, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &Error{File: file, Expected: "a readable file (" + err.Error() + ")", Fix: "read the file again (nothing from this file was imported)"}
	}
	e := &Error{File: file, Row: num, Line: pe.StartLine, Fix: fixRow}
	where := " (the problem is at line " + itoa(pe.Line) + ", byte " + itoa(pe.Column) + ")"
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		e.Expected = "RFC 4180 quoting: a field containing a double quote must itself be enclosed in double quotes, with each quote inside written twice (\"\")" + where
	case errors.Is(pe.Err, csv.ErrQuote):
		e.Expected = "RFC 4180 quoting: a quoted field must end with a double quote followed by a comma or the end of the line" + where
	default:
		e.Expected = "RFC 4180 CSV (" + pe.Err.Error() + ")" + where
	}
	return e
}

// checkText refuses values an export should never contain: leading or
// trailing white space, control characters (line breaks included, so a
// report stays one line per finding), and, if required, an empty value.
func (t *table) checkText(r row, col string, required bool) (string, error) {
	v := t.get(r, col)
	if v == "" {
		if required {
			return "", t.err(r, col, "", "a non-empty value")
		}
		return "", nil
	}
	if strings.TrimSpace(v) != v {
		return "", t.err(r, col, v, "no leading or trailing spaces")
	}
	for _, c := range v {
		if unicode.IsControl(c) {
			return "", t.err(r, col, v, "no control characters (tabs, line breaks)")
		}
	}
	return v, nil
}

// checkTime parses an RFC 3339 time with a UTC offset and returns it in UTC.
func (t *table) checkTime(r row, col string) (time.Time, error) {
	v := t.get(r, col)
	ts, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || !rfc3339Shape(v) {
		return time.Time{}, t.err(r, col, v, "an RFC 3339 time with a UTC offset, e.g. 2021-05-23T18:00:00-06:00 or 2021-05-24T00:00:00Z")
	}
	ts = ts.UTC()
	if ts.Year() < 1970 || ts.Year() > 9999 {
		return time.Time{}, t.err(r, col, v, "a time between the years 1970 and 9999")
	}
	return ts, nil
}

// rfc3339Shape reports whether v is laid out exactly as RFC 3339 requires:
// YYYY-MM-DDTHH:MM:SS, an optional fraction, then Z or ±HH:MM (time.Parse
// alone also accepts one-digit hours).
func rfc3339Shape(v string) bool {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(v) < len(layout)+1 {
		return false
	}
	for i := 0; i < len(layout); i++ {
		c := v[i]
		if layout[i] == 'd' {
			if c < '0' || c > '9' {
				return false
			}
		} else if c != layout[i] {
			return false
		}
	}
	rest := v[len(layout):]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	if rest == "Z" {
		return true
	}
	return len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && isDigits(rest[1:3]) && rest[3] == ':' && isDigits(rest[4:6])
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkEnum returns the value of col if it is one of allowed.
func (t *table) checkEnum(r row, col string, allowed ...string) (string, error) {
	v := t.get(r, col)
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", t.err(r, col, v, "one of "+strings.Join(allowed, ", ")+" (lower case)")
}

// dupCheck refuses exact duplicate rows (a double import): rows whose
// values, times compared as instants, are all equal.
type dupCheck struct {
	t    *table
	seen map[string]int
}

func (d *dupCheck) check(r row, key string) error {
	if d.seen == nil {
		d.seen = map[string]int{}
	}
	if first, ok := d.seen[key]; ok {
		return &Error{File: d.t.file, Row: r.num, Line: r.line, Value: strings.Join(r.fields, ","),
			Expected: "no exact duplicate rows: this row repeats row " + itoa(first),
			Fix:      "the export was probably appended twice; remove the repeated rows and import the file again (nothing from this file was imported)"}
	}
	d.seen[key] = r.num
	return nil
}

func key(t time.Time, fields ...string) string {
	return t.Format(time.RFC3339Nano) + "\x00" + strings.Join(fields, "\x00")
}

func itoa(n int) string { return strconv.Itoa(n) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return itoa(n) + " " + word + "s"
}

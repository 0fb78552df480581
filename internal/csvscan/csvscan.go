// Package csvscan splits comma-separated text into records with as little
// copying and allocation as possible, for CVR files with millions of rows.
//
// The dialect is RFC 4180 as Apache Commons CSV reads it (the library
// behind RCTab's CSV readers): fields are separated by commas, records by
// LF or CRLF; a field that starts with a double quote runs to the matching
// closing quote, with "" standing for one quote and line breaks allowed
// inside; a quote inside an unquoted field is an ordinary character; empty
// lines are skipped. A UTF-8 byte order mark at the start is dropped.
//
// Fields are returned as byte slices that alias the Scanner's buffers and
// are valid only until the next call to Next. Unquoted records (the common
// case) are returned without copying.
package csvscan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is wrapped by errors about a field, record or header wider
// than the Scanner's limits; the limits keep a hostile file from exhausting
// memory.
var ErrTooLarge = errors.New("too large")

// SyntaxError is a malformed record: an unterminated quoted field or text
// between a closing quote and the next comma.
type SyntaxError struct {
	// Line is the 1-based line on which the problem was found.
	Line int
	// Column is the 1-based field number.
	Column int
	// Msg says what was wrong and what was expected.
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

// Limits bound what one record may hold.
type Limits struct {
	// MaxField is the largest field in bytes.
	MaxField int
	// MaxFields is the largest number of fields in a record.
	MaxFields int
	// MaxRecord is the largest record in bytes, separators included.
	MaxRecord int
}

// Scanner reads records from an io.Reader.
type Scanner struct {
	r      io.Reader
	lim    Limits
	buf    []byte
	pos    int // start of unconsumed data in buf
	end    int // end of valid data in buf
	eof    bool
	rerr   error // read error other than io.EOF, reported once data runs out
	line   int   // 1-based line number of buf[pos]
	start  int   // line on which the last record returned began
	fields [][]byte
	ends   []int  // field end offsets into scratch, for quoted records
	quoted []byte // unescaped text of quoted records
	begun  bool
}

// NewScanner returns a Scanner reading from r within lim. Zero limits take
// generous defaults (1 MiB fields, 1<<16 fields, 64 MiB records).
func NewScanner(r io.Reader, lim Limits) *Scanner {
	if lim.MaxField <= 0 {
		lim.MaxField = 1 << 20
	}
	if lim.MaxFields <= 0 {
		lim.MaxFields = 1 << 16
	}
	if lim.MaxRecord <= 0 {
		lim.MaxRecord = 64 << 20
	}
	return &Scanner{r: r, lim: lim, buf: make([]byte, 256<<10), line: 1}
}

// Line returns the 1-based line on which the record last returned by Next
// began.
func (s *Scanner) Line() int { return s.start }

// Next returns the fields of the next non-empty record, or io.EOF after the
// last one. The slices are valid until the following call.
func (s *Scanner) Next() ([][]byte, error) {
	if !s.begun {
		s.begun = true
		if err := s.fillAtLeast(3); err != nil {
			return nil, err
		}
		if bytes.HasPrefix(s.buf[s.pos:s.end], []byte("\xEF\xBB\xBF")) {
			s.pos += 3
		}
	}
	for {
		i := bytes.IndexByte(s.buf[s.pos:s.end], '\n')
		if i < 0 {
			if !s.eof {
				if err := s.fillMore(); err != nil {
					return nil, err
				}
				continue
			}
			if s.rerr != nil {
				// A partial last line may be cut short: never pass it on.
				return nil, s.rerr
			}
			if s.pos == s.end {
				return nil, io.EOF
			}
			i = s.end - s.pos // last line without a terminator
		}
		line := s.buf[s.pos : s.pos+i]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			s.consume(i)
			continue
		}
		s.start = s.line
		if bytes.IndexByte(line, '"') >= 0 {
			return s.nextQuoted()
		}
		if len(line) > s.lim.MaxRecord {
			return nil, s.tooLarge(fmt.Sprintf("record is longer than %d bytes", s.lim.MaxRecord), 0)
		}
		f := s.fields[:0]
		for {
			j := bytes.IndexByte(line, ',')
			if j < 0 {
				f = append(f, line)
				break
			}
			f = append(f, line[:j])
			line = line[j+1:]
			if len(f) >= s.lim.MaxFields {
				return nil, s.tooLarge(fmt.Sprintf("record has more than %d fields", s.lim.MaxFields), 0)
			}
		}
		for k, fld := range f {
			if len(fld) > s.lim.MaxField {
				return nil, s.tooLarge(fmt.Sprintf("field is longer than %d bytes", s.lim.MaxField), k+1)
			}
		}
		s.fields = f
		s.consume(i)
		return f, nil
	}
}

// consume drops n bytes of one line and its terminator.
func (s *Scanner) consume(n int) {
	s.pos += n
	if s.pos < s.end {
		s.pos++ // the '\n'
	}
	s.line++
}

func (s *Scanner) tooLarge(msg string, col int) error {
	return &limitError{line: s.start, col: col, msg: msg}
}

// limitError wraps ErrTooLarge with the place it happened.
type limitError struct {
	line, col int
	msg       string
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return ErrTooLarge }

// Position reports the line and field of an error returned by Next, if it
// has one.
func Position(err error) (line, column int, ok bool) {
	var se *SyntaxError
	if errors.As(err, &se) {
		return se.Line, se.Column, true
	}
	var le *limitError
	if errors.As(err, &le) {
		return le.line, le.col, true
	}
	return 0, 0, false
}

// nextQuoted parses a record containing quotes, which may span lines. If
// the buffered data ends before the record does, it reads more and starts
// over; the buffer at least doubles each time, so the work stays linear.
func (s *Scanner) nextQuoted() ([][]byte, error) {
	for {
		n, lines, err := s.parseQuoted()
		if err == errNeedMore {
			if err := s.grow(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if n > s.lim.MaxRecord {
			return nil, &limitError{line: s.start, msg: fmt.Sprintf("record is longer than %d bytes", s.lim.MaxRecord)}
		}
		f := s.fields[:0]
		prev := 0
		for _, e := range s.ends {
			f = append(f, s.quoted[prev:e:e])
			prev = e
		}
		s.fields = f
		s.pos += n
		s.line += lines
		return f, nil
	}
}

var errNeedMore = errors.New("need more data")

// parseQuoted parses one record starting at s.pos into s.quoted and s.ends.
// It returns the bytes consumed (terminator included) and the number of
// line breaks consumed.
func (s *Scanner) parseQuoted() (n, lines int, err error) {
	data := s.buf[s.pos:s.end]
	s.quoted = s.quoted[:0]
	s.ends = s.ends[:0]
	i := 0
	fieldStart := 0
	endField := func() error {
		if len(s.quoted)-fieldStart > s.lim.MaxField {
			return &limitError{line: s.start, col: len(s.ends) + 1, msg: fmt.Sprintf("field is longer than %d bytes", s.lim.MaxField)}
		}
		if len(s.ends) >= s.lim.MaxFields {
			return &limitError{line: s.start, col: 0, msg: fmt.Sprintf("record has more than %d fields", s.lim.MaxFields)}
		}
		s.ends = append(s.ends, len(s.quoted))
		fieldStart = len(s.quoted)
		return nil
	}
	for {
		if i > s.lim.MaxRecord {
			return 0, 0, &limitError{line: s.start, msg: fmt.Sprintf("record is longer than %d bytes", s.lim.MaxRecord)}
		}
		// At the start of a field.
		if i < len(data) && data[i] == '"' {
			quoteLine := s.line + lines
			i++
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					if !s.eof {
						return 0, 0, errNeedMore
					}
					if s.rerr != nil {
						return 0, 0, s.rerr
					}
					return 0, 0, &SyntaxError{Line: quoteLine, Column: len(s.ends) + 1,
						Msg: fmt.Sprintf("quoted field opened on line %d never closes; expected a closing \" before the end of the file", quoteLine)}
				}
				chunk := data[i : i+j]
				lines += bytes.Count(chunk, []byte{'\n'})
				s.quoted = append(s.quoted, chunk...)
				i += j + 1
				if i >= len(data) {
					if !s.eof {
						return 0, 0, errNeedMore
					}
					break
				}
				if data[i] == '"' { // "" is an escaped quote
					s.quoted = append(s.quoted, '"')
					i++
					continue
				}
				break
			}
			// After the closing quote: a comma, a line end or the end.
			switch {
			case i >= len(data):
				if err := endField(); err != nil {
					return 0, 0, err
				}
				return i, lines, nil
			case data[i] == ',':
				i++
				if err := endField(); err != nil {
					return 0, 0, err
				}
				continue
			case data[i] == '\n':
				if err := endField(); err != nil {
					return 0, 0, err
				}
				return i + 1, lines + 1, nil
			case data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n':
				if err := endField(); err != nil {
					return 0, 0, err
				}
				return i + 2, lines + 1, nil
			case data[i] == '\r' && i+1 >= len(data):
				if !s.eof {
					return 0, 0, errNeedMore
				}
				if err := endField(); err != nil {
					return 0, 0, err
				}
				return len(data), lines, nil
			default:
				return 0, 0, &SyntaxError{Line: s.line + lines, Column: len(s.ends) + 1,
					Msg: fmt.Sprintf("unexpected %q after a closing quote; expected a comma or the end of the line (write a quote inside a quoted field as \"\")", data[i])}
			}
		}
		// An unquoted field runs to the next comma or line end.
		j := bytes.IndexAny(data[i:], ",\n")
		if j < 0 {
			if !s.eof {
				return 0, 0, errNeedMore
			}
			s.quoted = append(s.quoted, data[i:]...)
			if err := endField(); err != nil {
				return 0, 0, err
			}
			return len(data), lines, nil
		}
		fld := data[i : i+j]
		i += j
		if data[i] == ',' {
			s.quoted = append(s.quoted, fld...)
			i++
			if err := endField(); err != nil {
				return 0, 0, err
			}
			continue
		}
		// '\n' ends the record.
		if len(fld) > 0 && fld[len(fld)-1] == '\r' {
			fld = fld[:len(fld)-1]
		}
		s.quoted = append(s.quoted, fld...)
		if err := endField(); err != nil {
			return 0, 0, err
		}
		return i + 1, lines + 1, nil
	}
}

// fillAtLeast reads until n bytes are buffered or the input ends.
func (s *Scanner) fillAtLeast(n int) error {
	for s.end-s.pos < n && !s.eof {
		if err := s.fillMore(); err != nil {
			return err
		}
	}
	return nil
}

// fillMore reads more input into the buffer, moving unconsumed data to the
// front and doubling the buffer when it is full.
func (s *Scanner) fillMore() error {
	have := s.end - s.pos
	if have > s.lim.MaxRecord {
		s.start = s.line
		return &limitError{line: s.line, msg: fmt.Sprintf("record is longer than %d bytes", s.lim.MaxRecord)}
	}
	s.compact(2 * have)
	s.read()
	return nil
}

// grow makes room for at least twice the unconsumed data and reads until
// the buffer is full or the input ends, so that a record parsed over and
// over while it grows costs linear time overall.
func (s *Scanner) grow() error {
	have := s.end - s.pos
	if have > s.lim.MaxRecord {
		return &limitError{line: s.start, msg: fmt.Sprintf("record is longer than %d bytes", s.lim.MaxRecord)}
	}
	s.compact(2*have + 1)
	for !s.eof && s.end < len(s.buf) {
		s.read()
	}
	return nil
}

// compact moves unconsumed data to the front of a buffer of at least size
// bytes.
func (s *Scanner) compact(size int) {
	if size > len(s.buf) {
		nb := make([]byte, size)
		s.end = copy(nb, s.buf[s.pos:s.end])
		s.pos = 0
		s.buf = nb
		return
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
}

// read performs one read into the free end of the buffer.
func (s *Scanner) read() {
	for tries := 0; tries < 100; tries++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = err
			}
			return
		}
		if n > 0 {
			return
		}
	}
	s.eof = true
	s.rerr = io.ErrNoProgress
}

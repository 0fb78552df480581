// Package jsonscan is a streaming JSON scanner for cast vote record exports
// that are too large to decode into memory (a county's Dominion export runs
// to gigabytes) and too slow to walk with encoding/json's token API.
//
// A Scanner reads one JSON text from an io.Reader through a fixed buffer. The
// caller walks the document it expects: ObjectKey and ArrayElem iterate
// containers, Int, Bool, String and ID read scalars, and Skip validates and
// discards any value the caller does not need. Nothing is kept beyond the
// buffer, so memory does not grow with the input. Every error carries the
// byte offset at which the input stopped making sense.
//
// Slices returned by the Scanner (keys, strings, IDs) alias its buffer and are
// valid only until the next call.
package jsonscan

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrTooLarge is wrapped by errors about a string, number or nesting depth
// beyond the Scanner's limits.
var ErrTooLarge = errors.New("too large")

// SyntaxError is malformed or unexpected JSON at Offset (bytes from the start
// of the input).
type SyntaxError struct {
	Offset int64
	Msg    string
	Err    error // ErrTooLarge, a read error, or nil
}

// Error returns the message; the offset is in Offset.
func (e *SyntaxError) Error() string { return e.Msg }

// Unwrap returns the underlying cause (ErrTooLarge or a read error), if any.
func (e *SyntaxError) Unwrap() error { return e.Err }

// MaxDepth bounds the nesting that Skip accepts, so that a hostile file of
// brackets cannot make it loop without end or use unbounded memory.
const MaxDepth = 1000

// Scanner reads one JSON text.
type Scanner struct {
	r       io.Reader
	buf     []byte
	pos     int   // next unread byte in buf
	end     int   // bytes of buf holding data
	base    int64 // input offset of buf[0]
	eof     bool
	readErr error
	max     int    // longest string or number accepted
	scratch []byte // unescaped strings
	stack   []frame
}

// New returns a Scanner reading r. maxString bounds any single string or
// number (its encoded length); the buffer is sized so that such a token
// always fits.
func New(r io.Reader, maxString int) *Scanner {
	size := 256 << 10
	if size < 2*maxString+64 {
		size = 2*maxString + 64
	}
	return &Scanner{r: r, buf: make([]byte, size), max: maxString}
}

// Offset is the input offset of the next byte the Scanner will look at.
func (s *Scanner) Offset() int64 { return s.base + int64(s.pos) }

func (s *Scanner) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: s.Offset(), Msg: fmt.Sprintf(format, args...)}
}

// fill reads more input after discarding the bytes before keep (an index
// into buf, <= pos). It reports whether any new byte arrived.
func (s *Scanner) fill(keep int) bool {
	if s.eof {
		return false
	}
	if keep > 0 {
		n := copy(s.buf, s.buf[keep:s.end])
		s.base += int64(keep)
		s.pos -= keep
		s.end = n
	}
	for empty := 0; s.end < len(s.buf); empty++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == nil && n == 0 && empty == 100 {
			err = io.ErrNoProgress
		}
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.readErr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	return false
}

func (s *Scanner) failRead() error {
	if s.readErr != nil {
		return &SyntaxError{Offset: s.Offset(), Msg: "reading input: " + s.readErr.Error(), Err: s.readErr}
	}
	return s.errorf("unexpected end of input")
}

// peek skips white space and returns the next byte without consuming it.
func (s *Scanner) peek() (byte, error) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
				return c, nil
			}
			s.pos++
		}
		if !s.fill(s.pos) {
			return 0, s.failRead()
		}
	}
}

// Peek returns the first byte of the next value ('{', '[', '"', 't', 'f',
// 'n', '-' or a digit) without consuming it.
func (s *Scanner) Peek() (byte, error) { return s.peek() }

// Iter tracks the position within one object or array. The zero Iter is
// ready for the container's first call.
type Iter struct{ n int }

// ObjectKey advances to the next key of the object whose opening brace the
// first call consumes. It returns ok=false at the closing brace. The key is
// unescaped and, like every returned slice, valid until the next call.
func (s *Scanner) ObjectKey(it *Iter) (key []byte, ok bool, err error) {
	c, err := s.peek()
	if err != nil {
		return nil, false, err
	}
	if it.n == 0 {
		if c != '{' {
			return nil, false, s.errorf("expected an object ('{'), found %s", describe(c))
		}
		s.pos++
		if c, err = s.peek(); err != nil {
			return nil, false, err
		}
		if c == '}' {
			s.pos++
			it.n = -1
			return nil, false, nil
		}
	} else {
		if it.n < 0 {
			return nil, false, nil
		}
		switch c {
		case '}':
			s.pos++
			it.n = -1
			return nil, false, nil
		case ',':
			s.pos++
			if c, err = s.peek(); err != nil {
				return nil, false, err
			}
		default:
			return nil, false, s.errorf("expected ',' or '}' after an object member, found %s", describe(c))
		}
	}
	if c != '"' {
		return nil, false, s.errorf("expected a quoted object key, found %s", describe(c))
	}
	key, err = s.str()
	if err != nil {
		return nil, false, err
	}
	// key may be moved by the refill in peek; remember where it ends.
	if c, err = s.peekKeepKey(&key); err != nil {
		return nil, false, err
	}
	if c != ':' {
		return nil, false, s.errorf("expected ':' after object key %q, found %s", key, describe(c))
	}
	s.pos++
	it.n++
	return key, true, nil
}

// peekKeepKey is peek for the byte after a key, keeping key valid if the
// buffer must be refilled.
func (s *Scanner) peekKeepKey(key *[]byte) (byte, error) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				s.pos++
				continue
			}
			return c, nil
		}
		// Copy the key out of the buffer before it moves.
		s.scratch = append(s.scratch[:0], *key...)
		*key = s.scratch
		if !s.fill(s.pos) {
			return 0, s.failRead()
		}
	}
}

// ArrayElem advances to the next element of the array whose opening bracket
// the first call consumes. It returns false at the closing bracket; after
// true the caller must consume exactly one value.
func (s *Scanner) ArrayElem(it *Iter) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	if it.n == 0 {
		if c != '[' {
			return false, s.errorf("expected an array ('['), found %s", describe(c))
		}
		s.pos++
		if c, err = s.peek(); err != nil {
			return false, err
		}
		if c == ']' {
			s.pos++
			it.n = -1
			return false, nil
		}
		it.n++
		return true, nil
	}
	if it.n < 0 {
		return false, nil
	}
	switch c {
	case ']':
		s.pos++
		it.n = -1
		return false, nil
	case ',':
		s.pos++
		it.n++
		return true, nil
	}
	return false, s.errorf("expected ',' or ']' after an array element, found %s", describe(c))
}

// Null consumes a null and reports true, or consumes nothing and reports
// false when the next value is not null.
func (s *Scanner) Null() (bool, error) {
	c, err := s.peek()
	if err != nil || c != 'n' {
		return false, err
	}
	return true, s.literal("null")
}

func (s *Scanner) literal(lit string) error {
	for s.end-s.pos <= len(lit) && s.fill(s.pos) {
	}
	if s.end-s.pos < len(lit) || string(s.buf[s.pos:s.pos+len(lit)]) != lit {
		return s.errorf("invalid literal; expected %s", lit)
	}
	s.pos += len(lit)
	if s.pos < s.end && isIdentByte(s.buf[s.pos]) {
		return s.errorf("invalid literal; expected %s", lit)
	}
	return nil
}

// Bool reads true or false.
func (s *Scanner) Bool() (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	switch c {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	}
	return false, s.errorf("expected true or false, found %s", describe(c))
}

// number returns the text of the number at pos, consuming it.
func (s *Scanner) number() ([]byte, error) {
	start := s.pos
	i := s.pos
	for {
		for i < s.end && isNumByte(s.buf[i]) {
			i++
		}
		if i < s.end || s.eof {
			break
		}
		if i-start > s.max {
			return nil, &SyntaxError{Offset: s.base + int64(start), Msg: "number longer than the limit", Err: ErrTooLarge}
		}
		off := i - start
		s.pos = start
		s.fill(start)
		start = s.pos
		i = start + off
	}
	if i-start > s.max {
		return nil, &SyntaxError{Offset: s.base + int64(start), Msg: "number longer than the limit", Err: ErrTooLarge}
	}
	s.pos = i
	num := s.buf[start:i]
	if !validNumber(num) {
		s.pos = start
		return nil, s.errorf("malformed number %q", num)
	}
	return num, nil
}

// Int reads a number that must be an integer fitting in int64.
func (s *Scanner) Int() (int64, error) {
	c, err := s.peek()
	if err != nil {
		return 0, err
	}
	if c != '-' && (c < '0' || c > '9') {
		return 0, s.errorf("expected an integer, found %s", describe(c))
	}
	start := s.Offset()
	num, err := s.number()
	if err != nil {
		return 0, err
	}
	n, ok := parseInt(num)
	if !ok {
		return 0, &SyntaxError{Offset: start, Msg: fmt.Sprintf("expected an integer, found %s", num)}
	}
	return n, nil
}

// parseInt is a fast path for the short decimal integers that fill CVR
// exports.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		if len(b) > 18 {
			n, err := strconv.ParseInt(string(b), 10, 64)
			if err != nil {
				return 0, false
			}
			if neg {
				n = -n
			}
			return n, true
		}
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Number reads any JSON number and returns its text.
func (s *Scanner) Number() ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	if c != '-' && (c < '0' || c > '9') {
		return nil, s.errorf("expected a number, found %s", describe(c))
	}
	return s.number()
}

// String reads a string and returns it unescaped. It must be valid UTF-8.
func (s *Scanner) String() ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	if c != '"' {
		return nil, s.errorf("expected a string, found %s", describe(c))
	}
	start := s.Offset()
	b, err := s.str()
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		return nil, &SyntaxError{Offset: start, Msg: "string is not valid UTF-8"}
	}
	return b, nil
}

// Scalar reads a string or a number and returns its text (a string
// unescaped, a number as written). Vendor identifiers appear as either.
func (s *Scanner) Scalar() ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	if c == '"' {
		return s.String()
	}
	if c == '-' || (c >= '0' && c <= '9') {
		return s.number()
	}
	return nil, s.errorf("expected a string or a number, found %s", describe(c))
}

// strTable marks the bytes that end the fast scan of a string.
var strTable = func() (t [256]bool) {
	for i := 0; i < ' '; i++ {
		t[i] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

// str reads the string whose opening quote is at pos.
func (s *Scanner) str() ([]byte, error) {
	start := s.pos + 1
	i := start
	for {
		for i < s.end && !strTable[s.buf[i]] {
			i++
		}
		if i < s.end {
			break
		}
		if i-start > s.max {
			return nil, &SyntaxError{Offset: s.base + int64(start-1), Msg: fmt.Sprintf("string longer than %d bytes", s.max), Err: ErrTooLarge}
		}
		off := i - start
		s.pos = start - 1
		if !s.fill(s.pos) {
			return nil, s.failRead()
		}
		start = s.pos + 1
		i = start + off
	}
	if i-start > s.max {
		return nil, &SyntaxError{Offset: s.base + int64(start-1), Msg: fmt.Sprintf("string longer than %d bytes", s.max), Err: ErrTooLarge}
	}
	switch c := s.buf[i]; {
	case c == '"':
		s.pos = i + 1
		return s.buf[start:i], nil
	case c < ' ':
		s.pos = i
		return nil, s.errorf("control character 0x%02x in string; it must be escaped", c)
	}
	return s.strEscaped(start, i)
}

// strEscaped finishes a string with escapes, unescaping into scratch.
func (s *Scanner) strEscaped(start, i int) ([]byte, error) {
	out := append(s.scratch[:0], s.buf[start:i]...)
	for {
		if len(out) > s.max {
			return nil, &SyntaxError{Offset: s.base + int64(start-1), Msg: fmt.Sprintf("string longer than %d bytes", s.max), Err: ErrTooLarge}
		}
		for i+12 > s.end && !s.eof {
			// Keep escapes (up to \uXXXX\uXXXX) whole in the buffer.
			s.pos = i
			s.fill(i)
			i = s.pos
		}
		if i >= s.end {
			s.pos = i
			return nil, s.failRead()
		}
		c := s.buf[i]
		switch {
		case c == '"':
			s.pos = i + 1
			s.scratch = out
			return out, nil
		case c < ' ':
			s.pos = i
			return nil, s.errorf("control character 0x%02x in string; it must be escaped", c)
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= s.end {
			s.pos = i
			return nil, s.failRead()
		}
		switch e := s.buf[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s.buf[i+2 : min(i+6, s.end)])
			if !ok {
				s.pos = i
				return nil, s.errorf("invalid \\u escape in string")
			}
			n := 6
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if i+12 <= s.end && s.buf[i+6] == '\\' && s.buf[i+7] == 'u' {
					r2, ok2 = hex4(s.buf[i+8 : i+12])
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r, n = dec, 12
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			i += n
			continue
		default:
			s.pos = i
			return nil, s.errorf("invalid escape \\%c in string", e)
		}
		i += 2
	}
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// Skip consumes and validates one value of any type.
func (s *Scanner) Skip() error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != '{' && c != '[' {
		return s.skipScalar(c)
	}
	// Containers are walked with an explicit stack, kept in the Scanner so
	// that skipping does not allocate.
	base := len(s.stack)
	defer func() { s.stack = s.stack[:base] }()
	for {
		if c == '{' || c == '[' {
			if len(s.stack)-base == MaxDepth {
				return &SyntaxError{Offset: s.Offset(), Msg: fmt.Sprintf("values nested more than %d deep", MaxDepth), Err: ErrTooLarge}
			}
			s.stack = append(s.stack, frame{obj: c == '{'})
		} else if err := s.skipScalar(c); err != nil {
			return err
		}
		// Advance the innermost container to its next value, popping
		// finished containers.
		for len(s.stack) > base {
			f := &s.stack[len(s.stack)-1]
			var ok bool
			if f.obj {
				_, ok, err = s.ObjectKey(&f.it)
			} else {
				ok, err = s.ArrayElem(&f.it)
			}
			if err != nil {
				return err
			}
			if ok {
				break
			}
			s.stack = s.stack[:len(s.stack)-1]
		}
		if len(s.stack) == base {
			return nil
		}
		if c, err = s.peek(); err != nil {
			return err
		}
	}
}

type frame struct {
	obj bool
	it  Iter
}

func (s *Scanner) skipScalar(c byte) error {
	switch {
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := s.number()
		return err
	}
	return s.errorf("expected a value, found %s", describe(c))
}

// End checks that only white space follows the value just read.
func (s *Scanner) End() error {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
				return s.errorf("unexpected %s after the end of the JSON value", describe(c))
			}
			s.pos++
		}
		if !s.fill(s.pos) {
			if s.readErr != nil {
				return s.failRead()
			}
			return nil
		}
	}
}

func isNumByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func isIdentByte(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
}

// validNumber checks the JSON number grammar.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(b)
}

func describe(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if c == '-' || (c >= '0' && c <= '9') {
		return "a number"
	}
	if c >= ' ' && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

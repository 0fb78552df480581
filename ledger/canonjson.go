package ledger

import (
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Canonical JSON, as canvass writes log entries:
//
//   - UTF-8, no byte order mark, no insignificant white space;
//   - object keys sorted by their UTF-8 bytes, each key at most once;
//   - strings escape only '"', '\\' and the control characters below
//     U+0020: \b \f \n \r \t by name, the others as \u00xx with lower-case
//     hex; every other character, including '<', '>', '&', U+2028 and
//     U+2029, is written as itself;
//   - numbers are integers in the range ±(2^53−1) (exactly representable
//     in every JSON implementation), in decimal without sign for positive
//     values, leading zeroes, fraction or exponent; "-0" is not allowed;
//   - true, false and null as themselves.
//
// Input from clients is parsed leniently as to white space, key order and
// string escapes, and then re-encoded canonically. Anything whose meaning
// could differ between JSON implementations is rejected rather than
// canonicalized: duplicate keys, non-integer or out-of-range numbers,
// invalid UTF-8 and unpaired UTF-16 surrogates.

// maxSafeInteger is 2^53−1, the largest integer that every JSON
// implementation (including IEEE-754 based ones) represents exactly.
const maxSafeInteger = 1<<53 - 1

// maxJSONDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxJSONDepth = 32

// JSONError reports malformed or non-canonical JSON at a byte offset.
type JSONError struct {
	// Offset is the 0-based byte offset in the input where the problem
	// was found.
	Offset int
	// Msg says what was expected.
	Msg string
}

// Error implements error.
func (e *JSONError) Error() string {
	return fmt.Sprintf("byte %d: %s", e.Offset, e.Msg)
}

// parseJSON parses one JSON value that must fill b (surrounding white space
// allowed). Objects become map[string]any, arrays []any, strings string,
// numbers int64, and true/false/null bool/nil.
func parseJSON(b []byte) (any, error) {
	p := jsonParser{b: b}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.errorf("unexpected %s after the end of the JSON value", p.describe())
	}
	return v, nil
}

type jsonParser struct {
	b []byte
	i int
	// strict accepts only canonical JSON, so that a stored entry can be
	// checked without re-encoding it.
	strict bool
}

// parseCanonicalJSON parses b, which must be canonical JSON exactly:
// it succeeds if and only if parseJSON succeeds and appendCanonical
// reproduces b (FuzzCanonicalize checks this equivalence).
func parseCanonicalJSON(b []byte) (any, error) {
	p := jsonParser{b: b, strict: true}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if p.i != len(p.b) {
		return nil, p.errorf("unexpected %s after the end of the JSON value", p.describe())
	}
	return v, nil
}

// notCanonical reports a deviation from canonical form in strict mode.
func (p *jsonParser) notCanonical(what string) error {
	return p.errorf("not canonical JSON: %s", what)
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return &JSONError{Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

// describe names the byte at the cursor for error messages.
func (p *jsonParser) describe() string {
	if p.i >= len(p.b) {
		return "end of input"
	}
	c := p.b[p.i]
	if c >= 0x20 && c < 0x7f {
		return strconv.Quote(string(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *jsonParser) space() {
	if p.strict {
		return // any white space is then a syntax error where it occurs
	}
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("JSON nested more than %d levels deep", maxJSONDepth)
	}
	if p.i >= len(p.b) {
		return nil, p.errorf("unexpected end of input; expected a JSON value")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	default:
		return nil, p.errorf("unexpected %s; expected a JSON value", p.describe())
	}
}

func (p *jsonParser) literal(word string) error {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return p.errorf("invalid literal; expected %q", word)
	}
	p.i += len(word)
	return nil
}

func (p *jsonParser) object(depth int) (any, error) {
	p.i++ // '{'
	m := make(map[string]any)
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, nil
	}
	prev, first := "", true
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.errorf("unexpected %s; expected a string object key", p.describe())
		}
		keyAt := p.i
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, &JSONError{Offset: keyAt, Msg: fmt.Sprintf("duplicate object key %q", k)}
		}
		if p.strict && !first && k < prev {
			return nil, &JSONError{Offset: keyAt, Msg: fmt.Sprintf("not canonical JSON: key %q after %q (keys must be sorted)", k, prev)}
		}
		prev, first = k, false
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.errorf("unexpected %s; expected ':' after object key", p.describe())
		}
		p.i++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errorf("unexpected end of input; expected ',' or '}'")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, nil
		default:
			return nil, p.errorf("unexpected %s; expected ',' or '}'", p.describe())
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	p.i++ // '['
	a := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errorf("unexpected end of input; expected ',' or ']'")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return nil, p.errorf("unexpected %s; expected ',' or ']'", p.describe())
		}
	}
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	if p.i == digits {
		return nil, p.errorf("invalid number; expected a digit")
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return nil, &JSONError{Offset: start, Msg: "only integers are allowed (no fraction or exponent)"}
	}
	text := string(p.b[start:p.i])
	if p.i-digits > 1 && p.b[digits] == '0' {
		return nil, &JSONError{Offset: start, Msg: fmt.Sprintf("number %s has a leading zero", text)}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n > maxSafeInteger || n < -maxSafeInteger {
		return nil, &JSONError{Offset: start, Msg: fmt.Sprintf("integer %s is outside ±(2^53−1)", text)}
	}
	if n == 0 && text[0] == '-' {
		return nil, &JSONError{Offset: start, Msg: "-0 is not allowed; write 0"}
	}
	return n, nil
}

// str parses a string at the cursor, which is at the opening quote.
func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.b[start:p.i]
			if !utf8.Valid(s) {
				return "", p.invalidUTF8(start)
			}
			p.i++
			return string(s), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errorf("control character 0x%02x in string; escape it", c)
		}
		p.i++
	}
	buf := append([]byte(nil), p.b[start:p.i]...)
	for {
		if p.i >= len(p.b) {
			return "", p.errorf("unexpected end of input inside a string")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return "", p.invalidUTF8(start)
			}
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character 0x%02x in string; escape it", c)
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		// Escape sequence.
		if p.i+1 >= len(p.b) {
			return "", p.errorf("unexpected end of input in escape sequence")
		}
		e := p.b[p.i+1]
		if p.strict && (e == '/' || e == 'u') {
			// Canonical form escapes with \u only the control characters
			// that have no short escape, in lower-case hex.
			r, ok := hex4(p.b, p.i+2)
			if e == '/' || !ok || r >= 0x20 || r == '\b' || r == '\f' || r == '\n' || r == '\r' || r == '\t' ||
				string(p.b[p.i+2:p.i+6]) != fmt.Sprintf("%04x", r) {
				return "", p.notCanonical("unnecessary or upper-case escape sequence")
			}
		}
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, n, err := p.unicodeEscape()
			if err != nil {
				return "", err
			}
			buf = utf8.AppendRune(buf, r)
			p.i += n
			continue
		default:
			return "", p.errorf("invalid escape sequence \\%c", e)
		}
		p.i += 2
	}
}

// unicodeEscape decodes \uXXXX (and a following low surrogate when the
// first is a high surrogate) at the cursor, returning the rune and the
// number of bytes consumed.
func (p *jsonParser) unicodeEscape() (rune, int, error) {
	r1, ok := hex4(p.b, p.i+2)
	if !ok {
		return 0, 0, p.errorf("invalid \\u escape; expected 4 hex digits")
	}
	if !utf16.IsSurrogate(r1) {
		return r1, 6, nil
	}
	if r1 >= 0xdc00 {
		return 0, 0, p.errorf("unpaired UTF-16 surrogate \\u%04x", r1)
	}
	if p.i+7 < len(p.b) && p.b[p.i+6] == '\\' && p.b[p.i+7] == 'u' {
		if r2, ok := hex4(p.b, p.i+8); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				return r, 12, nil
			}
		}
	}
	return 0, 0, p.errorf("unpaired UTF-16 surrogate \\u%04x", r1)
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (p *jsonParser) invalidUTF8(start int) error {
	s := p.b[start:]
	off := start
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n <= 1 {
			break
		}
		s = s[n:]
		off += n
	}
	return &JSONError{Offset: off, Msg: "invalid UTF-8 in string"}
}

// appendCanonical appends the canonical encoding of v, which must hold
// only the types parseJSON produces (int and uint64 are accepted too).
func appendCanonical(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if v {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case uint64:
		return strconv.AppendUint(dst, v, 10)
	case string:
		return appendCanonicalString(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonical(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys) // Go compares strings bytewise, as canonical form requires.
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonicalString(dst, k)
			dst = append(dst, ':')
			dst = appendCanonical(dst, v[k])
		}
		return append(dst, '}')
	default:
		panic(fmt.Sprintf("ledger: cannot encode %T as canonical JSON", v))
	}
}

const hexDigits = "0123456789abcdef"

func appendCanonicalString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Canonicalize parses JSON text and returns its canonical encoding, or an
// error for input that has no single canonical meaning (see the package's
// canonical JSON rules).
func Canonicalize(b []byte) ([]byte, error) {
	v, err := parseJSON(b)
	if err != nil {
		return nil, err
	}
	return appendCanonical(nil, v), nil
}

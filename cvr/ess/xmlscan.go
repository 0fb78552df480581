package ess

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// scanner is a small pull tokenizer for the XML parts of a workbook. It
// knows only what SpreadsheetML needs: start and end tags with their
// attributes, character data (with entity references and CDATA sections),
// comments and processing instructions (skipped). A document type
// declaration is refused. It reads through a buffer of bounded size, so
// memory does not grow with the length of the part; a single token larger
// than maxToken is an error.
//
// Token bytes (names, attributes, text) point into the buffer and are valid
// only until the next call.
type scanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte
	end  int   // end of buffered data
	base int64 // offset in the part of buf[0]
	eof  bool
	err  error // read error other than io.EOF

	kind  tokKind
	name  []byte // local name of a tag
	attrs []byte // raw attributes of a start tag
	self  bool   // start tag ends with "/>"
	text  []byte // raw character data (entities not yet replaced)
	cdata bool   // text is a CDATA section (no entities)
	at    int64  // offset of the token's first byte
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText
)

const (
	scanBuf  = 64 << 10
	maxToken = 64 << 20
)

// errSyntax marks malformed XML.
var errSyntax = errors.New("malformed XML")

// fill moves the unread bytes to the front of the buffer and reads more,
// growing the buffer when it is full. It returns false at the end of the
// input.
func (s *scanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.base += int64(s.pos)
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxToken {
			s.err = fmt.Errorf("an XML token at offset %d is longer than %d bytes", s.base, maxToken)
			s.eof = true
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			if err != io.EOF {
				s.err = err
			}
			s.eof = true
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// find returns the offset from s.pos of the first sep at or after offset
// from, reading more input as needed; -1 at the end of the input.
func (s *scanner) find(from int, sep []byte) int {
	for {
		if i := bytes.Index(s.buf[s.pos+from:s.end], sep); i >= 0 {
			return from + i
		}
		from = max(from, s.end-s.pos-len(sep)+1)
		if !s.fill() {
			return -1
		}
	}
}

// has makes sure that n bytes are buffered from s.pos, if the input has them.
func (s *scanner) has(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

func (s *scanner) syntax(at int64, format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", errSyntax, at, fmt.Sprintf(format, args...))
}

// next reads the next token into s.
func (s *scanner) next() error {
	for {
		if s.err != nil {
			return s.err
		}
		if !s.has(1) {
			if s.err != nil {
				return s.err
			}
			s.kind = tokEOF
			return nil
		}
		s.at = s.base + int64(s.pos)
		if s.buf[s.pos] != '<' {
			i := s.find(0, []byte{'<'})
			if i < 0 {
				i = s.end - s.pos
			}
			s.kind, s.text, s.cdata = tokText, s.buf[s.pos:s.pos+i], false
			s.pos += i
			return nil
		}
		if !s.has(2) {
			return s.syntax(s.at, "the part ends inside a tag")
		}
		switch s.buf[s.pos+1] {
		case '?':
			i := s.find(2, []byte("?>"))
			if i < 0 {
				return s.syntax(s.at, "unterminated processing instruction")
			}
			s.pos += i + 2
			continue
		case '!':
			switch {
			case s.has(4) && bytes.Equal(s.buf[s.pos:s.pos+4], []byte("<!--")):
				i := s.find(4, []byte("-->"))
				if i < 0 {
					return s.syntax(s.at, "unterminated comment")
				}
				s.pos += i + 3
				continue
			case s.has(9) && bytes.Equal(s.buf[s.pos:s.pos+9], []byte("<![CDATA[")):
				i := s.find(9, []byte("]]>"))
				if i < 0 {
					return s.syntax(s.at, "unterminated CDATA section")
				}
				s.kind, s.text, s.cdata = tokText, s.buf[s.pos+9:s.pos+i], true
				s.pos += i + 3
				return nil
			}
			return s.syntax(s.at, "a document type declaration or unknown markup; a workbook part has none")
		case '/':
			i := s.find(2, []byte{'>'})
			if i < 0 {
				return s.syntax(s.at, "the part ends inside an end tag")
			}
			name := trimRightSpace(s.buf[s.pos+2 : s.pos+i])
			if !validName(name) {
				return s.syntax(s.at, "bad end tag %q", clip(s.buf[s.pos:s.pos+i+1]))
			}
			s.kind, s.name = tokEnd, localName(name)
			s.pos += i + 1
			return nil
		}
		// A start tag: find its '>' outside quoted attribute values.
		i, quote := 1, byte(0)
		for {
			if s.pos+i >= s.end {
				if !s.fill() {
					return s.syntax(s.at, "the part ends inside a start tag")
				}
				continue
			}
			c := s.buf[s.pos+i]
			if quote != 0 {
				if c == quote {
					quote = 0
				} else if j := bytes.IndexByte(s.buf[s.pos+i:s.end], quote); j > 0 {
					i += j
					continue
				}
			} else if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				break
			} else if c == '<' {
				return s.syntax(s.at, "'<' inside a start tag")
			}
			i++
		}
		tag := s.buf[s.pos+1 : s.pos+i]
		s.self = len(tag) > 0 && tag[len(tag)-1] == '/'
		if s.self {
			tag = tag[:len(tag)-1]
		}
		j := 0
		for j < len(tag) && !isSpace(tag[j]) {
			j++
		}
		if !validName(tag[:j]) {
			return s.syntax(s.at, "bad start tag %q", clip(s.buf[s.pos:s.pos+i+1]))
		}
		s.kind, s.name, s.attrs = tokStart, localName(tag[:j]), tag[j:]
		if err := checkAttrs(s.attrs); err != nil {
			return s.syntax(s.at, "in <%s>: %v", s.name, err)
		}
		s.pos += i + 1
		return nil
	}
}

// skip skips the element whose start tag was just read.
func (s *scanner) skip() error {
	if s.self {
		return nil
	}
	depth := 1
	for depth > 0 {
		if err := s.next(); err != nil {
			return err
		}
		switch s.kind {
		case tokEOF:
			return s.syntax(s.at, "the part ends inside an element")
		case tokStart:
			if !s.self {
				depth++
			}
		case tokEnd:
			depth--
		}
	}
	return nil
}

func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c == '<' || c == '>' || c == '/' || c == '"' || c == '\'' || c == '=' || c == '&' {
			return false
		}
	}
	return true
}

func localName(b []byte) []byte {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// attr returns the raw value of the attribute with local name key (and
// no namespace prefix) in the attribute text attrs, and whether it is
// there. Malformed attribute text is an error.
func attr(attrs []byte, key string) ([]byte, bool, error) {
	v, _, ok, _, err := attr2(attrs, key, "")
	return v, ok, err
}

// checkAttrs checks that attrs is a list of name="value" pairs.
func checkAttrs(attrs []byte) error {
	for {
		attrs = trimSpace(attrs)
		if len(attrs) == 0 {
			return nil
		}
		eq := bytes.IndexByte(attrs, '=')
		if eq <= 0 || !validName(trimRightSpace(attrs[:eq])) {
			return fmt.Errorf("bad attribute %q", clip(attrs))
		}
		rest := trimSpace(attrs[eq+1:])
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return fmt.Errorf("attribute %q has no quoted value", clip(attrs[:eq]))
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return fmt.Errorf("attribute %q is not closed", clip(attrs[:eq]))
		}
		if bytes.IndexByte(rest[1:1+end], '<') >= 0 {
			return fmt.Errorf("'<' in the value of attribute %q", clip(attrs[:eq]))
		}
		attrs = rest[end+2:]
		if len(attrs) > 0 && !isSpace(attrs[0]) {
			return fmt.Errorf("no space before %q", clip(attrs))
		}
	}
}

// attr2 is attr for two keys at once.
func attr2(attrs []byte, key1, key2 string) (v1, v2 []byte, ok1, ok2 bool, err error) {
	for {
		attrs = trimSpace(attrs)
		if len(attrs) == 0 {
			return v1, v2, ok1, ok2, nil
		}
		eq := bytes.IndexByte(attrs, '=')
		if eq <= 0 {
			return nil, nil, false, false, fmt.Errorf("%w: bad attribute %q", errSyntax, clip(attrs))
		}
		name := trimRightSpace(attrs[:eq])
		rest := trimSpace(attrs[eq+1:])
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return nil, nil, false, false, fmt.Errorf("%w: attribute %q has no quoted value", errSyntax, name)
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return nil, nil, false, false, fmt.Errorf("%w: attribute %q is not closed", errSyntax, name)
		}
		switch {
		case !ok1 && string(name) == key1:
			v1, ok1 = rest[1:1+end], true
		case !ok2 && key2 != "" && string(name) == key2:
			v2, ok2 = rest[1:1+end], true
		}
		attrs = rest[end+2:]
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// appendText appends character data raw to dst, replacing entity and
// character references. cdata text is copied as it is.
func appendText(dst, raw []byte, cdata bool) ([]byte, error) {
	if cdata {
		return append(dst, raw...), nil
	}
	for {
		i := bytes.IndexByte(raw, '&')
		if i < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		j := bytes.IndexByte(raw, ';')
		if j < 0 || j > 12 {
			return dst, fmt.Errorf("%w: '&' without an entity reference in %q", errSyntax, clip(raw))
		}
		ent := raw[1:j]
		raw = raw[j+1:]
		switch string(ent) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error
			switch {
			case len(ent) > 2 && ent[0] == '#' && ent[1] == 'x':
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			case len(ent) > 1 && ent[0] == '#':
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			default:
				return dst, fmt.Errorf("%w: unknown entity &%s;", errSyntax, ent)
			}
			if err != nil || !validXMLChar(rune(n)) {
				return dst, fmt.Errorf("%w: bad character reference &%s;", errSyntax, ent)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
}

func validXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// unescapeOOXML replaces the escapes "_xHHHH_" that SpreadsheetML uses for
// characters XML cannot hold, as excelize (and Excel) read them: "_x005F_"
// is an underscore, any other four hex digits the UTF-16 code unit they
// name (a lone surrogate reads as nothing).
func unescapeOOXML(b []byte) []byte {
	if !bytes.Contains(b, []byte("_x")) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if i+7 <= len(b) && b[i] == '_' && b[i+1] == 'x' && b[i+6] == '_' && isHex4(b[i+2:i+6]) {
			n, _ := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
			if r := rune(n); r < 0xD800 || r > 0xDFFF {
				out = utf8.AppendRune(out, r)
			}
			i += 7
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

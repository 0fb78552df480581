package sampler

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// PyRepr returns Python 3's repr() of the string s, which is how Arlo's ids
// render their strings when they are hashed: single quotes unless s holds a
// single quote and no double quote; backslash and the chosen quote escaped;
// \t, \n and \r by name; other non-printable characters as \xNN, \uNNNN or
// \UNNNNNNNN (lowercase hex); printable non-ASCII characters unchanged.
//
// s must be valid UTF-8 (Python strings decoded from a file always are);
// each invalid byte is rendered as \xNN of the byte, which no Python string
// produces, so ids holding one never collide with a real Python rendering.
func PyRepr(s string) string {
	return string(appendPyRepr(make([]byte, 0, len(s)+2), s))
}

// appendPyRepr appends PyRepr(s) to b.
func appendPyRepr(b []byte, s string) []byte {
	quote := byte('\'')
	if containsByte(s, '\'') && !containsByte(s, '"') {
		quote = '"'
	}
	b = append(b, quote)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == quote || c == '\\':
				b = append(b, '\\', c)
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < ' ' || c == 0x7f:
				b = appendHexEscape(b, 'x', uint32(c), 2)
			default:
				b = append(b, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = appendHexEscape(b, 'x', uint32(s[i]), 2)
			i++
			continue
		}
		switch {
		case pyPrintable(r):
			b = append(b, s[i:i+size]...)
		case r <= 0xff:
			b = appendHexEscape(b, 'x', uint32(r), 2)
		case r <= 0xffff:
			b = appendHexEscape(b, 'u', uint32(r), 4)
		default:
			b = appendHexEscape(b, 'U', uint32(r), 8)
		}
		i += size
	}
	return append(b, quote)
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func appendHexEscape(b []byte, kind byte, v uint32, width int) []byte {
	b = append(b, '\\', kind)
	var tmp [8]byte
	hex := strconv.AppendUint(tmp[:0], uint64(v), 16)
	for n := len(hex); n < width; n++ {
		b = append(b, '0')
	}
	return append(b, hex...)
}

// pyPrintable mirrors Python's str.isprintable for one non-ASCII character:
// every character except those in the categories Cc, Cf, Cs, Co, Cn
// (unassigned), Zl, Zp and Zs (Python counts only the ASCII space as a
// printable separator). Go's Unicode tables may be a version apart from a
// given Python's; only characters assigned in one version and not the
// other can render differently.
func pyPrintable(r rune) bool {
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Cs, unicode.Co, unicode.Zl, unicode.Zp, unicode.Zs) {
		return false
	}
	// Unassigned code points belong to no category.
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// SyntaxError reports malformed input (a request body, checkpoint, note or
// policy file) and where it is.
type SyntaxError struct {
	Line   int    // 1-based line number in the input
	Offset int    // byte offset of the offending line or byte from the start of the input
	Msg    string // what is wrong and what was expected
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d (byte %d): %s", e.Line, e.Offset, e.Msg)
}

func syntaxErr(line, off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Line: line, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// EmptyTreeHash is the RFC 6962 root hash of the empty tree, the SHA-256
// of the empty string. A checkpoint of size 0 must carry it.
var EmptyTreeHash = tlog.Hash(sha256.Sum256(nil))

// Maximum sizes of what a checkpoint or note may contain. They bound the
// work and memory one request can cost; the signed-note spec asks
// verifiers to accept at least 16 signatures.
const (
	maxExtensionLines = 32
	maxSignatures     = 100
)

// Checkpoint is the note text of a c2sp.org/tlog-checkpoint.
type Checkpoint struct {
	Origin     string    // unique identity of the log
	Size       uint64    // number of leaves; at most 2^63-1
	Hash       tlog.Hash // RFC 6962 root hash of the tree of that size
	Extensions []string  // optional, opaque extension lines
}

// Text returns the checkpoint's note text, newline-terminated.
func (c Checkpoint) Text() []byte {
	var b bytes.Buffer
	b.WriteString(c.Origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatUint(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(c.Hash[:]))
	b.WriteByte('\n')
	for _, e := range c.Extensions {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ParseCheckpoint parses a checkpoint note text (without signatures): the
// origin line, the tree size in decimal without leading zeroes, the base64
// root hash, and optional non-empty extension lines, each ending in a
// newline. Tree sizes above 2^63-1 are refused because no consistency proof
// could be checked for them.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	return parseCheckpoint(text, 1, 0)
}

// parseCheckpoint parses text that starts at line firstLine and byte base
// of some larger input, so errors point into that input.
func parseCheckpoint(text []byte, firstLine, base int) (Checkpoint, error) {
	if err := checkNoteBytes(text, firstLine, base); err != nil {
		return Checkpoint{}, err
	}
	if len(text) == 0 {
		return Checkpoint{}, syntaxErr(firstLine, base, "checkpoint is empty; want origin, tree size and root hash lines")
	}
	if text[len(text)-1] != '\n' {
		return Checkpoint{}, syntaxErr(firstLine+bytes.Count(text, []byte{'\n'}), base+len(text), "checkpoint text must end with a newline")
	}
	var c Checkpoint
	off := 0
	for i := 0; off < len(text); i++ {
		line := firstLine + i
		end := bytes.IndexByte(text[off:], '\n')
		s := string(text[off : off+end])
		at := base + off
		off += end + 1
		switch {
		case i == 0:
			if s == "" {
				return Checkpoint{}, syntaxErr(line, at, "checkpoint origin line is empty")
			}
			c.Origin = s
		case i == 1:
			n, err := parseDecimal(s)
			if err != nil {
				return Checkpoint{}, syntaxErr(line, at, "checkpoint tree size %q: %v", truncate(s), err)
			}
			c.Size = n
		case i == 2:
			h, err := parseHash(s)
			if err != nil {
				return Checkpoint{}, syntaxErr(line, at, "checkpoint root hash %q: %v", truncate(s), err)
			}
			c.Hash = h
		default:
			if s == "" {
				return Checkpoint{}, syntaxErr(line, at, "checkpoint extension line is empty; a blank line can only separate the text from the signatures")
			}
			if len(c.Extensions) == maxExtensionLines {
				return Checkpoint{}, syntaxErr(line, at, "checkpoint has more than %d extension lines", maxExtensionLines)
			}
			c.Extensions = append(c.Extensions, s)
		}
		if i < 2 && off == len(text) {
			return Checkpoint{}, syntaxErr(line+1, base+off, "checkpoint ends after %d line(s); want origin, tree size and root hash lines", i+1)
		}
	}
	return c, nil
}

// parseDecimal parses a tree size: ASCII digits without leading zeroes
// (except "0" itself), at most 2^63-1.
func parseDecimal(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty; want a decimal number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("want ASCII decimal digits only")
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("leading zeroes are not allowed")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > math.MaxInt64 {
		return 0, fmt.Errorf("exceeds the largest supported tree size 2^63-1")
	}
	return n, nil
}

// decodeBase64 decodes canonical standard base64. encoding/base64 skips
// CR and LF even in strict mode; they are refused here so that every
// accepted encoding is the canonical one.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("base64 contains a line break")
	}
	return base64.StdEncoding.Strict().DecodeString(s)
}

// parseHash decodes a canonical standard-base64 SHA-256 hash.
func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := decodeBase64(s)
	if err != nil {
		return h, fmt.Errorf("not canonical standard base64")
	}
	if len(raw) != len(h) {
		return h, fmt.Errorf("decodes to %d bytes, want %d", len(raw), len(h))
	}
	copy(h[:], raw)
	return h, nil
}

// checkNoteBytes enforces the signed-note rule that a note is valid UTF-8
// with no ASCII control characters other than newline.
func checkNoteBytes(b []byte, firstLine, base int) error {
	line := firstLine
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				line++
			} else if c < 0x20 {
				return syntaxErr(line, base+i, "control character 0x%02x; notes may contain no control characters other than newline (did the file get CRLF line endings?)", c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return syntaxErr(line, base+i, "invalid UTF-8 byte 0x%02x", c)
		}
		i += size
	}
	return nil
}

// sigLine is one parsed signature line of a note.
type sigLine struct {
	name string
	id   uint32
	raw  []byte // signature bytes after the key ID
	text string // the whole line without its newline
}

// splitNote splits a signed note into its text (with final newline) and
// signature lines, checking the structure that golang.org/x/mod/sumdb/note
// would reject, so that callers can report where a note is malformed.
// firstLine and base locate msg inside a larger input.
func splitNote(msg []byte, firstLine, base int) (text []byte, sigs []sigLine, err error) {
	if err := checkNoteBytes(msg, firstLine, base); err != nil {
		return nil, nil, err
	}
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return nil, nil, syntaxErr(firstLine, base, "signed note has no blank line separating the text from the signature lines")
	}
	text, block := msg[:split+1], msg[split+2:]
	line := firstLine + bytes.Count(text, []byte{'\n'}) + 1
	off := split + 2
	if len(block) == 0 {
		return nil, nil, syntaxErr(line, base+off, "signed note has no signature lines after the blank line")
	}
	if block[len(block)-1] != '\n' {
		return nil, nil, syntaxErr(line+bytes.Count(block, []byte{'\n'}), base+len(msg), "last signature line must end with a newline")
	}
	for len(block) > 0 {
		i := bytes.IndexByte(block, '\n')
		l := string(block[:i])
		block = block[i+1:]
		if len(sigs) == maxSignatures {
			return nil, nil, syntaxErr(line, base+off, "signed note has more than %d signatures", maxSignatures)
		}
		s, err := parseSigLine(l)
		if err != nil {
			return nil, nil, syntaxErr(line, base+off, "%v", err)
		}
		sigs = append(sigs, s)
		line++
		off += i + 1
	}
	return text, sigs, nil
}

// parseSigLine parses "— <key name> <base64(key ID || signature)>".
func parseSigLine(l string) (sigLine, error) {
	rest, ok := strings.CutPrefix(l, "— ")
	if !ok {
		return sigLine{}, fmt.Errorf("signature line %q must start with an em dash (U+2014) and a space", truncate(l))
	}
	name, b64, ok := strings.Cut(rest, " ")
	if !ok {
		return sigLine{}, fmt.Errorf("signature line %q: want \"— <key name> <base64 signature>\"", truncate(l))
	}
	if err := checkKeyName(name); err != nil {
		return sigLine{}, fmt.Errorf("signature line: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < 5 {
		return sigLine{}, fmt.Errorf("signature from %s is not base64 of a 4-byte key ID and a signature", truncate(name))
	}
	return sigLine{name: name, id: uint32(raw[0])<<24 | uint32(raw[1])<<16 | uint32(raw[2])<<8 | uint32(raw[3]), raw: raw[4:], text: l}, nil
}

package pullsheet

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// A minimal PDF 1.4 writer: uncompressed content streams, the standard
// Type 1 fonts Helvetica and Helvetica-Bold with WinAnsiEncoding (which
// every reader has, so nothing is embedded), text, lines and rectangles.
// That is all a printed pull sheet needs; pulling in a PDF library for it
// would add a dependency the project does not allow by default.

// Fonts of a page, by resource name.
const (
	fontRegular = "F1"
	fontBold    = "F2"
)

// Page size: US Letter, in points.
const (
	pageWidth  = 612.0
	pageHeight = 792.0
)

// page is one page's content stream under construction.
type page struct {
	b bytes.Buffer
}

// num writes a coordinate with at most two decimals: PDF readers need no
// more, and fixed formatting keeps the output byte-for-byte reproducible.
func num(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// text shows s at (x, y), the baseline's left end, in font at size.
func (p *page) text(x, y float64, font string, size float64, s string) {
	fmt.Fprintf(&p.b, "BT /%s %s Tf %s %s Td ", font, num(size), num(x), num(y))
	p.b.Write(literal(s))
	p.b.WriteString(" Tj ET\n")
}

// rect strokes a rectangle with its lower left corner at (x, y).
func (p *page) rect(x, y, w, h, lineWidth float64) {
	fmt.Fprintf(&p.b, "%s w %s %s %s %s re S\n", num(lineWidth), num(x), num(y), num(w), num(h))
}

// line strokes a line.
func (p *page) line(x1, y1, x2, y2, lineWidth float64) {
	fmt.Fprintf(&p.b, "%s w %s %s m %s %s l S\n", num(lineWidth), num(x1), num(y1), num(x2), num(y2))
}

// fill paints a rectangle in a shade of grey (0 black, 1 white).
func (p *page) fill(x, y, w, h, grey float64) {
	fmt.Fprintf(&p.b, "q %s g %s %s %s %s re f Q\n", num(grey), num(x), num(y), num(w), num(h))
}

// winAnsi maps the code points of WinAnsiEncoding's 0x80–0x9F row to
// their bytes; 0x20–0x7E and 0xA0–0xFF are Latin-1's.
var winAnsi = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
	'‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93,
	'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B,
	'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// encode converts UTF-8 text to WinAnsiEncoding bytes. Characters the
// encoding does not have (and control characters, and invalid UTF-8)
// become '?', so the sheet shows that something was there.
func encode(s string) []byte {
	out := make([]byte, 0, len(s))
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		switch {
		case r == utf8.RuneError && n <= 1:
			out = append(out, '?')
		case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
		default:
			if b, ok := winAnsi[r]; ok {
				out = append(out, b)
			} else {
				out = append(out, '?')
			}
		}
	}
	return out
}

// literal is s as a PDF literal string: WinAnsi bytes, with '(', ')' and
// '\' escaped and bytes outside printable ASCII written in octal, so the
// file stays ASCII.
func literal(s string) []byte {
	var b bytes.Buffer
	b.WriteByte('(')
	for _, c := range encode(s) {
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7E:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.Bytes()
}

// helvetica are Helvetica's advance widths (thousandths of the font
// size) of the printable ASCII characters 0x20–0x7E, from the font's
// standard metrics.
var helvetica = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
}

// width is an upper bound of s's width in points at size: exact for
// ASCII in Helvetica, 10% more for Helvetica-Bold (whose glyphs are at
// most that much wider), and a full em for any other character.
func width(s string, font string, size float64) float64 {
	w := 0
	for _, c := range encode(s) {
		if c >= 0x20 && c <= 0x7E {
			w += helvetica[c-0x20]
		} else {
			w += 1000
		}
	}
	x := float64(w) * size / 1000
	if font == fontBold {
		x *= 1.1
	}
	return x
}

// fit shortens s with a trailing "..." until it fits in max points.
func fit(s string, font string, size, max float64) string {
	if width(s, font, size) <= max {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		if t := string(r) + "..."; width(t, font, size) <= max {
			return t
		}
	}
	return ""
}

// writePDF writes pages as a PDF 1.4 document whose Info dictionary
// carries title. Objects: 1 the catalog, 2 the page tree, 3 and 4 the
// fonts, 5 the Info dictionary, then each page and its content stream.
func writePDF(w io.Writer, title string, pages []*page) error {
	var b bytes.Buffer
	// The comment of high bytes marks the file as binary for transfer
	// programs, as the specification recommends.
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	nobj := 5 + 2*len(pages)
	offsets := make([]int, nobj+1)
	obj := func(n int, body string) {
		offsets[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	var kids bytes.Buffer
	for i := range pages {
		if i > 0 {
			kids.WriteByte(' ')
		}
		fmt.Fprintf(&kids, "%d 0 R", 6+2*i)
	}
	obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), len(pages)))
	obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj(4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	obj(5, fmt.Sprintf("<< /Title %s /Producer (canvass) >>", literal(title)))
	for i, p := range pages {
		pn, cn := 6+2*i, 7+2*i
		obj(pn, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /%s 3 0 R /%s 4 0 R >> >> /Contents %d 0 R >>",
			num(pageWidth), num(pageHeight), fontRegular, fontBold, cn))
		offsets[cn] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d >>\nstream\n", cn, p.b.Len())
		b.Write(p.b.Bytes())
		b.WriteString("\nendstream\nendobj\n")
	}
	xref := b.Len()
	// Each cross-reference line is exactly 20 bytes: the offset, the
	// generation, the type and a two-byte end of line.
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", nobj+1)
	for n := 1; n <= nobj; n++ {
		fmt.Fprintf(&b, "%010d 00000 n \n", offsets[n])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", nobj+1, xref)
	_, err := w.Write(b.Bytes())
	return err
}

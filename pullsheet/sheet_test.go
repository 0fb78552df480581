package pullsheet

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// testSheet has three containers, a batch too long for one page, names
// that need escaping and characters WinAnsi lacks, and a ballot audited
// in an earlier round.
func testSheet() *Sheet {
	s := &Sheet{Audit: "State General (a-1)", Jurisdiction: "County Ä", Round: 2, Note: "Seed 12345678901234567890; 97 draws",
		Signers: []string{"Dee Democrat", "Rex Republican"}}
	t := 1000
	add := func(container, tab, batch string, n int) {
		for p := 1; p <= n; p++ {
			t++
			s.Ballots = append(s.Ballots, Ballot{Container: container, Tabulator: tab, Batch: batch, Position: p * 3,
				Tickets: []string{fmt.Sprintf("0.%06d", t)}, Board: "bd-1"})
		}
	}
	add("Box (1)", "T1", "B01", 4)
	add("Box (1)", "T2", "B02", 3)
	add(`Box \2 é € 日本`, "T1", "B10", 70)
	add("", "", "loose", 2)
	s.Ballots[1].AlreadyAudited = true
	s.Ballots[2].Tickets = append(s.Ballots[2].Tickets, "0.999999")
	// Arlo's tickets are 20 characters: five do not fit on one line.
	s.Ballots[5].Tickets = nil
	for i := range 5 {
		s.Ballots[5].Tickets = append(s.Ballots[5].Tickets, fmt.Sprintf("0.%018d", 123456789012345678+i))
	}
	return s
}

// pdfFile is a parsed PDF: its objects by number, from the xref table.
type pdfFile struct {
	data    []byte
	objects map[int][]byte // body between "n 0 obj\n" and "\nendobj"
	size    int
}

// parsePDF checks the file's structure byte by byte: the header, the
// trailer, startxref pointing at the xref table, every xref line 20
// bytes, every object at its offset, and every stream's /Length.
func parsePDF(t *testing.T, data []byte) *pdfFile {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-1.4\n")) {
		t.Fatalf("header %q", data[:min(20, len(data))])
	}
	m := regexp.MustCompile(`trailer\n<< /Size (\d+) /Root 1 0 R /Info 5 0 R >>\nstartxref\n(\d+)\n%%EOF\n$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no trailer at the end: %q", data[max(0, len(data)-120):])
	}
	size, _ := strconv.Atoi(string(m[1]))
	xref, _ := strconv.Atoi(string(m[2]))
	head := fmt.Sprintf("xref\n0 %d\n", size)
	if xref >= len(data) || !bytes.HasPrefix(data[xref:], []byte(head)) {
		t.Fatalf("startxref %d does not point at %q", xref, head)
	}
	table := data[xref+len(head):]
	if !bytes.HasPrefix(table, []byte("0000000000 65535 f \n")) {
		t.Fatalf("xref entry 0: %q", table[:20])
	}
	f := &pdfFile{data: data, objects: map[int][]byte{}, size: size}
	line := regexp.MustCompile(`^(\d{10}) 00000 n \n$`)
	for n := 1; n < size; n++ {
		e := table[20*n : 20*n+20]
		lm := line.FindSubmatch(e)
		if lm == nil {
			t.Fatalf("xref entry %d is not a 20-byte in-use line: %q", n, e)
		}
		off, _ := strconv.Atoi(string(lm[1]))
		start := fmt.Sprintf("%d 0 obj\n", n)
		if off >= xref || !bytes.HasPrefix(data[off:], []byte(start)) {
			t.Fatalf("object %d: offset %d holds %q", n, off, data[off:min(off+20, len(data))])
		}
		end := bytes.Index(data[off:], []byte("\nendobj\n"))
		if end < 0 {
			t.Fatalf("object %d has no endobj", n)
		}
		f.objects[n] = data[off+len(start) : off+end]
	}
	if !bytes.HasPrefix(table[20*size:], []byte("trailer\n")) {
		t.Fatalf("%d xref entries, then %q", size, table[20*size:min(len(table), 20*size+10)])
	}
	lengthRe := regexp.MustCompile(`^<< /Length (\d+) >>\nstream\n`)
	for n, body := range f.objects {
		lm := lengthRe.FindSubmatch(body)
		if lm == nil {
			if bytes.Contains(body, []byte("stream")) {
				t.Errorf("object %d: a stream without a /Length dictionary", n)
			}
			continue
		}
		length, _ := strconv.Atoi(string(lm[1]))
		rest := body[len(lm[0]):]
		if len(rest) != length+len("\nendstream") || !bytes.HasSuffix(rest, []byte("\nendstream")) {
			t.Errorf("object %d: /Length %d, but %d bytes before endstream", n, length, len(rest)-len("\nendstream"))
		}
	}
	return f
}

// pages returns the content streams of the pages in page-tree order.
func (f *pdfFile) pages(t *testing.T) [][]byte {
	t.Helper()
	m := regexp.MustCompile(`^<< /Type /Pages /Kids \[([^\]]*)\] /Count (\d+) >>$`).FindSubmatch(f.objects[2])
	if m == nil {
		t.Fatalf("page tree %q", f.objects[2])
	}
	kids := regexp.MustCompile(`(\d+) 0 R`).FindAllSubmatch(m[1], -1)
	if count, _ := strconv.Atoi(string(m[2])); count != len(kids) {
		t.Fatalf("/Count %d, %d kids", count, len(kids))
	}
	var out [][]byte
	for _, k := range kids {
		n, _ := strconv.Atoi(string(k[1]))
		pm := regexp.MustCompile(`^<< /Type /Page /Parent 2 0 R .* /Contents (\d+) 0 R >>$`).FindSubmatch(f.objects[n])
		if pm == nil {
			t.Fatalf("object %d is not a page: %q", n, f.objects[n])
		}
		c, _ := strconv.Atoi(string(pm[1]))
		body := f.objects[c]
		out = append(out, body[bytes.Index(body, []byte("stream\n"))+7:len(body)-len("\nendstream")])
	}
	return out
}

// showText returns the strings a content stream shows, decoded from PDF
// literal syntax (escapes and octal) to WinAnsi bytes.
func showText(t *testing.T, content []byte) []string {
	t.Helper()
	var out []string
	for i := 0; i < len(content); i++ {
		if content[i] != '(' {
			continue
		}
		var s []byte
		j := i + 1
		for ; j < len(content) && content[j] != ')'; j++ {
			c := content[j]
			if c == '(' {
				t.Fatalf("unescaped '(' in a string at %d", j)
			}
			if c == '\\' {
				j++
				switch d := content[j]; {
				case d >= '0' && d <= '7':
					v, err := strconv.ParseUint(string(content[j:j+3]), 8, 8)
					if err != nil {
						t.Fatalf("octal escape %q", content[j:j+3])
					}
					s = append(s, byte(v))
					j += 2
				case d == '(' || d == ')' || d == '\\':
					s = append(s, d)
				default:
					t.Fatalf("unexpected escape \\%c", d)
				}
				continue
			}
			if c < 0x20 || c > 0x7E {
				t.Fatalf("raw byte %#x in a string", c)
			}
			s = append(s, c)
		}
		if !bytes.HasPrefix(content[j+1:], []byte(" Tj ET\n")) {
			t.Fatalf("string not shown with Tj: %q", content[i:min(j+10, len(content))])
		}
		out = append(out, string(s))
		i = j
	}
	return out
}

func TestSheetStructure(t *testing.T) {
	s := testSheet()
	var b bytes.Buffer
	if err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	f := parsePDF(t, b.Bytes())
	pages := f.pages(t)
	// Three containers on their own pages, and B10's 70 ballots do not
	// fit on one.
	if len(pages) < 4 {
		t.Fatalf("%d pages", len(pages))
	}
	if f.size != 6+2*len(pages) {
		t.Errorf("/Size %d for %d pages", f.size, len(pages))
	}
	for _, font := range []string{"Helvetica", "Helvetica-Bold"} {
		if !bytes.Contains(b.Bytes(), []byte("/BaseFont /"+font+" /Encoding /WinAnsiEncoding")) {
			t.Errorf("font %s with WinAnsiEncoding not declared", font)
		}
	}
	var all []string
	containerPage := map[string]int{}
	boxes := 0
	for i, p := range pages {
		texts := showText(t, p)
		all = append(all, texts...)
		want := fmt.Sprintf("Page %d of %d", i+1, len(pages))
		if !contains(texts, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
		if !contains(texts, "Ballot pull sheet: County \xc4") || !contains(texts, "Audit State General (a-1), round 2") {
			t.Errorf("page %d lacks the heading: %q", i+1, texts[:min(3, len(texts))])
		}
		for _, x := range texts {
			if strings.HasPrefix(x, "Container ") {
				c := strings.SplitN(strings.TrimPrefix(x, "Container "), ",", 2)[0]
				if p0, ok := containerPage[c]; ok && p0 != i && !strings.HasSuffix(x, ", continued") {
					t.Errorf("container %q's groups on pages %d and %d without a continuation", c, p0+1, i+1)
				}
				if _, ok := containerPage[c]; !ok {
					containerPage[c] = i
				}
			}
		}
		boxes += bytes.Count(p, []byte(" 10 10 re S\n"))
	}
	// Each container starts a page.
	if len(containerPage) != 3 || containerPage["Box (1)"] != 0 || containerPage["-"] != len(pages)-1 {
		t.Errorf("containers %v", containerPage)
	}
	// A box per ballot to pull; the audited one has none.
	if boxes != len(s.Ballots)-1 {
		t.Errorf("%d boxes for %d ballots to pull", boxes, len(s.Ballots)-1)
	}
	// Every ticket is shown whole, on the ballot's line or the lines
	// below it; none is cut.
	shown := map[string]bool{}
	for _, x := range all {
		for _, f := range strings.Fields(x) {
			shown[f] = true
		}
	}
	for _, bl := range s.Ballots {
		for _, tk := range bl.Tickets {
			if !shown[tk] {
				t.Errorf("ballot %s %s %d: ticket %s not shown", bl.Container, bl.Batch, bl.Position, tk)
			}
		}
	}
	if !contains(all, "0.123456789012345678 0.123456789012345679") || !contains(all, "0.123456789012345680 0.123456789012345681") || !contains(all, "0.123456789012345682") {
		t.Errorf("five long tickets not wrapped two to a line")
	}
	// Escaped and re-encoded names round-trip; 日本 is not in WinAnsi.
	for _, want := range []string{"Box (1)", "Box \\2 \xe9 \x80 ??", "Container Box \\2 \xe9 \x80 ??, tabulator T1, batch B10 (70 ballots), board bd-1",
		"Container Box \\2 \xe9 \x80 ??, tabulator T1, batch B10 (70 ballots), board bd-1, continued", "Container -, batch loose (2 ballots), board bd-1",
		"Audit board sign-off", "Dee Democrat", "Rex Republican", "Name (printed)", "Signature", "Date", "audited"} {
		if !contains(all, want) {
			t.Errorf("no text %q", want)
		}
	}
	if !strings.Contains(strings.Join(all, "\n"), fmt.Sprintf("%d ballots to pull, 1 already audited", len(s.Ballots)-1)) {
		t.Errorf("no summary line")
	}
	// The signature block ends the last page.
	last := showText(t, pages[len(pages)-1])
	if !contains(last, "Audit board sign-off") {
		t.Error("the signature block is not on the last page")
	}
	// Same sheet, same bytes.
	var again bytes.Buffer
	Write(&again, testSheet())
	if !bytes.Equal(again.Bytes(), b.Bytes()) {
		t.Error("two writes of one sheet differ")
	}
	pdftotext(t, b.Bytes(), []string{"Ballot pull sheet: County Ä", "Box (1)", "0.001001", "0.001078", "Audit board sign-off",
		"Dee Democrat", fmt.Sprintf("Page %d of %d", len(pages), len(pages)), "Box \\2 é € ??"})
}

func TestEmptySheet(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, &Sheet{Audit: "A", Jurisdiction: "J", Round: 1}); err != nil {
		t.Fatal(err)
	}
	f := parsePDF(t, b.Bytes())
	pages := f.pages(t)
	texts := showText(t, pages[0])
	if len(pages) != 1 || !contains(texts, "No ballots to pull in this round.") || !contains(texts, "Page 1 of 1") {
		t.Errorf("%d pages: %q", len(pages), texts)
	}
	// Two blank signature lines when no signer is known.
	if n := strings.Count(strings.Join(texts, "\n"), "Name (printed)"); n != 2 {
		t.Errorf("%d signature lines", n)
	}
	if err := Write(&b, nil); err == nil {
		t.Error("a nil sheet was written")
	}
}

func TestEncode(t *testing.T) {
	for in, want := range map[string]string{
		"abc":          "abc",
		"é ü ÿ":        "\xe9 \xfc \xff",
		"€ – — “x” …":  "\x80 \x96 \x97 \x93x\x94 \x85",
		"日本 \x01 \xff": "?? ? ?",
	} {
		if got := string(encode(in)); got != want {
			t.Errorf("encode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(literal(`a(b)c\d` + "é")); got != `(a\(b\)c\\d\351)` {
		t.Errorf("literal: %s", got)
	}
	if w := width("Helvetica", fontRegular, 10); w < 40 || w > 50 {
		t.Errorf("width %v", w)
	}
	if s := fit(strings.Repeat("W", 100), fontRegular, 10, 50); !strings.HasSuffix(s, "...") || width(s, fontRegular, 10) > 50 {
		t.Errorf("fit: %q", s)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pdftotext checks, when poppler's pdftotext is installed, that a real
// PDF reader finds the text. CI does not install it, so the structural
// checks above are what CI relies on.
func pdftotext(t *testing.T, pdf []byte, want []string) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext not installed (Debian poppler-utils): text not checked by a PDF reader")
		return
	}
	path := filepath.Join(t.TempDir(), "sheet.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	if bytes.Contains(out, []byte("Syntax Error")) || bytes.Contains(out, []byte("Syntax Warning")) {
		t.Errorf("pdftotext complains: %s", out)
	}
	for _, w := range want {
		if !bytes.Contains(out, []byte(w)) {
			t.Errorf("pdftotext does not find %q in:\n%.2000s", w, out)
		}
	}
}

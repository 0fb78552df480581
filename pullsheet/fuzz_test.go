package pullsheet

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzSheet writes sheets of arbitrary names and tickets: the PDF must
// always parse back (xref offsets, stream lengths, every string escaped)
// and show every ticket whole, WinAnsi-encoded.
func FuzzSheet(f *testing.F) {
	f.Add("Box (1)", "T\\1", "B)01", "0.123456789012345678", 3, "Dee")
	f.Add("日本", "", "", "", 1, "")
	f.Add("\x00\xff\n\r", "€–—", "%%EOF", "xref", 0, "startxref")
	f.Fuzz(func(t *testing.T, container, tab, batch, ticket string, n int, signer string) {
		n = n%120 + 1
		if n < 1 {
			n = -n + 1
		}
		s := &Sheet{Audit: container, Jurisdiction: batch, Round: n, Note: ticket, Signers: []string{signer}}
		for i := range n {
			s.Ballots = append(s.Ballots, Ballot{Container: container, Tabulator: tab, Batch: batch, Position: i, Tickets: []string{ticket, ticket}, AlreadyAudited: i%7 == 3})
		}
		var b bytes.Buffer
		if err := Write(&b, s); err != nil {
			t.Fatal(err)
		}
		f := parsePDF(t, b.Bytes())
		var all []string
		for _, p := range f.pages(t) {
			all = append(all, showText(t, p)...)
		}
		want := string(encode(ticket))
		if strings.TrimSpace(want) == "" || strings.ContainsAny(want, " ") {
			return
		}
		found := false
		for _, x := range all {
			found = found || strings.Contains(x, want)
		}
		if !found {
			t.Errorf("ticket %q not shown", want)
		}
	})
}

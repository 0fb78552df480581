package sampler

import (
	"testing"
	"unicode/utf8"
)

// The expected renderings are Python 3's repr() of the same strings.
func TestPyRepr(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "''"},
		{"Batch 1", "'Batch 1'"},
		{"J'ville", `"J'ville"`},
		{`Say "hi"`, `'Say "hi"'`},
		{`it's "both"`, `'it\'s "both"'`},
		{`back\slash`, `'back\\slash'`},
		{`J'ville\`, `"J'ville\\"`},
		{"tab\tnl\ncr\r", `'tab\tnl\ncr\r'`},
		{"\x00\x01\x1f\x7f", `'\x00\x01\x1f\x7f'`},
		{"é ☃ 😊 日本", "'é ☃ 😊 日本'"},
		{"\u0085", `'\x85'`},           // C1 control
		{"\u00a0", `'\xa0'`},           // no-break space: Zs, not printable
		{"\u00ad", `'\xad'`},           // soft hyphen: Cf
		{"\u200b", `'\u200b'`},         // zero-width space: Cf
		{"\u2028", `'\u2028'`},         // line separator: Zl
		{"\u3000", `'\u3000'`},         // ideographic space: Zs
		{"\ue000", `'\ue000'`},         // private use: Co
		{"\U000f0000", `'\U000f0000'`}, // supplementary private use
		{"\U000e0001", `'\U000e0001'`}, // language tag: Cf
		{"\u0378", `'\u0378'`},         // unassigned: Cn
		{"\ufeff", `'\ufeff'`},         // BOM: Cf
		{"\"", `'"'`},
		{"'", `"'"`},
	}
	for _, tt := range tests {
		if got := PyRepr(tt.in); got != tt.want {
			t.Errorf("PyRepr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestArloID(t *testing.T) {
	tests := []struct {
		j, tab, b string
		pos       int
		want      string
	}{
		{"Adams County", "", "Batch 1", 3, "(('Adams County', None, 'Batch 1'), 3)"},
		{"J1", "TABULATOR1", "B-7", 12, "(('J1', 'TABULATOR1', 'B-7'), 12)"},
		{"J'ville 1", "", "Batch 2", 18, `(("J'ville 1", None, 'Batch 2'), 18)`},
	}
	for _, tt := range tests {
		if got := ArloID(tt.j, tt.tab, tt.b, tt.pos); got != tt.want {
			t.Errorf("ArloID = %s, want %s", got, tt.want)
		}
	}
}

// FuzzPyRepr checks properties of every rendering: quoted, valid UTF-8,
// and free of raw control characters, which Python never leaves in a repr.
func FuzzPyRepr(f *testing.F) {
	for _, s := range []string{"", "a", "J'ville", `"'\`, "\x00\xff", "é☃😊", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := PyRepr(s)
		if len(r) < 2 || r[0] != r[len(r)-1] || (r[0] != '\'' && r[0] != '"') {
			t.Fatalf("PyRepr(%q) = %s: not quoted", s, r)
		}
		if !utf8.ValidString(r) {
			t.Fatalf("PyRepr(%q) = %q: invalid UTF-8", s, r)
		}
		for _, c := range r {
			if c < ' ' || c == 0x7f || (c >= 0x80 && !pyPrintable(c)) {
				t.Fatalf("PyRepr(%q) = %q holds unescaped %U", s, r, c)
			}
		}
		if utf8.ValidString(s) && len(r) < len(s)+2 {
			t.Fatalf("PyRepr(%q) = %q is shorter than its input", s, r)
		}
	})
}

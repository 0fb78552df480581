package cvrread_test

import (
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr/internal/cvrread"
)

func TestJavaTrim(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"  Ann  ", "Ann"},
		{"\t\r\n\x00Ann Lee\x1f ", "Ann Lee"},
		{"\u00a0Ann\u00a0", "\u00a0Ann\u00a0"}, // Java's trim keeps Unicode spaces
		{" \u3000", "\u3000"},
		{"   ", ""},
		{"\x7f", "\x7f"}, // DEL is above ' '
	} {
		if got := cvrread.JavaTrim(tt.in); got != tt.want {
			t.Errorf("JavaTrim(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := cvrread.JavaTrim([]byte(tt.in)); string(got) != tt.want {
			t.Errorf("JavaTrim([]byte(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
	b := []byte("  x ")
	if got := cvrread.JavaTrim(b); &got[0] != &b[2] {
		t.Error("JavaTrim copied the bytes; it must return a subslice")
	}
	s := " x "
	if n := testing.AllocsPerRun(100, func() { s = cvrread.JavaTrim(s) }); n != 0 {
		t.Errorf("JavaTrim allocates %v times", n)
	}
}

func TestBlankRecord(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want bool
	}{
		{nil, true},
		{[]string{""}, true},
		{[]string{"", " ", "\t"}, true},
		{[]string{"", "x"}, false},
		{[]string{"\u00a0"}, false},
	} {
		if got := cvrread.BlankRecord(tt.in); got != tt.want {
			t.Errorf("BlankRecord(%q) = %v", tt.in, got)
		}
		var bs [][]byte
		for _, s := range tt.in {
			bs = append(bs, []byte(s))
		}
		if got := cvrread.BlankRecord(bs); got != tt.want {
			t.Errorf("BlankRecord(%q as bytes) = %v", tt.in, got)
		}
	}
}

func TestQuote(t *testing.T) {
	if got := cvrread.Quote(`say "hi"`); got != `"say \"hi\""` {
		t.Errorf("short: %s", got)
	}
	exact := strings.Repeat("a", 80)
	if got := cvrread.Quote(exact); got != `"`+exact+`"` {
		t.Errorf("80 bytes are shown whole: %s", got)
	}
	long := strings.Repeat("a", 79) + "€€" // "€" is 3 bytes: byte 80 is inside it
	if got, want := cvrread.Quote(long), `"`+strings.Repeat("a", 79)+`"… (85 bytes)`; got != want {
		t.Errorf("long: %s, want %s", got, want)
	}
}

func TestColumnName(t *testing.T) {
	if got := cvrread.ColumnName(0, ""); got != "column 1" {
		t.Errorf("no header: %s", got)
	}
	if got := cvrread.ColumnName(3, "Mayor"); got != `column 4 "Mayor"` {
		t.Errorf("header: %s", got)
	}
}

package csvscan

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func scanAll(t testing.TB, r io.Reader, lim Limits) ([][]string, []int, error) {
	t.Helper()
	s := NewScanner(r, lim)
	var recs [][]string
	var lines []int
	for {
		f, err := s.Next()
		if err == io.EOF {
			return recs, lines, nil
		}
		if err != nil {
			return recs, lines, err
		}
		rec := make([]string, len(f))
		for i, b := range f {
			rec[i] = string(b)
		}
		recs = append(recs, rec)
		lines = append(lines, s.Line())
	}
}

func TestScanner(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  [][]string
		lines []int
	}{
		{"simple", "a,b,c\n1,2,3\n", [][]string{{"a", "b", "c"}, {"1", "2", "3"}}, []int{1, 2}},
		{"no final newline", "a,b\n1,2", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"crlf", "a,b\r\n1,2\r\n", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"empty lines skipped", "\n\na\n\r\n\nb\n", [][]string{{"a"}, {"b"}}, []int{3, 6}},
		{"empty fields", ",,\n", [][]string{{"", "", ""}}, []int{1}},
		{"bom", "\xEF\xBB\xBFid,A\n1,2\n", [][]string{{"id", "A"}, {"1", "2"}}, []int{1, 2}},
		{"quoted comma", `"a,b",c` + "\n", [][]string{{"a,b", "c"}}, []int{1}},
		{"escaped quote", `"say ""hi""",x` + "\n", [][]string{{`say "hi"`, "x"}}, []int{1}},
		{"quoted newline", "\"two\nlines\",x\nnext,y\n", [][]string{{"two\nlines", "x"}, {"next", "y"}}, []int{1, 3}},
		{"quoted crlf end", "\"a\"\r\n\"b\"", [][]string{{"a"}, {"b"}}, []int{1, 2}},
		{"quoted at eof with cr", "\"a\"\r", [][]string{{"a"}}, []int{1}},
		{"bare quote is literal", `John "Jack" Smith,x` + "\n", [][]string{{`John "Jack" Smith`, "x"}}, []int{1}},
		{"empty quoted", `"",""` + "\n", [][]string{{"", ""}}, []int{1}},
		{"quoted then unquoted with cr", "\"a\",b\r\nc,d\r\n", [][]string{{"a", "b"}, {"c", "d"}}, []int{1, 2}},
		{"trailing comma", "a,\n", [][]string{{"a", ""}}, []int{1}},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			got, lines, err := scanAll(t, r, Limits{})
			if err != nil {
				t.Errorf("%s (one byte %v): %v", tt.name, oneByte, err)
				continue
			}
			if !equal(got, tt.want) {
				t.Errorf("%s (one byte %v): got %q, want %q", tt.name, oneByte, got, tt.want)
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("%s (one byte %v): lines %v, want %v", tt.name, oneByte, lines, tt.lines)
			}
		}
	}
}

func TestScannerErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		lim      Limits
		line     int
		col      int
		tooLarge bool
		msg      string
	}{
		{"unterminated", "a,b\n\"open,x\nmore\n", Limits{}, 2, 1, false, "never closes"},
		{"junk after quote", "a,b\n1,\"x\"y\n", Limits{}, 2, 2, false, "after a closing quote"},
		{"field too long", "a,b\n1,22222\n", Limits{MaxField: 4}, 2, 2, true, "longer than 4"},
		{"quoted field too long", "a,b\n1,\"22222\"\n", Limits{MaxField: 4}, 2, 2, true, "longer than 4"},
		{"too many fields", "a,b,c,d\n", Limits{MaxFields: 3}, 1, 0, true, "more than 3 fields"},
		{"record too long", strings.Repeat("x", 600<<10) + "\n", Limits{MaxRecord: 512 << 10}, 1, 0, true, "longer than"},
		{"quoted record too long", "\"" + strings.Repeat("x", 600<<10) + "\"\n", Limits{MaxRecord: 512 << 10, MaxField: 1 << 30}, 1, 0, true, "longer than"},
	}
	for _, tt := range tests {
		_, _, err := scanAll(t, strings.NewReader(tt.in), tt.lim)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %q does not mention %q", tt.name, err, tt.msg)
		}
		if got := errors.Is(err, ErrTooLarge); got != tt.tooLarge {
			t.Errorf("%s: errors.Is(ErrTooLarge) = %v", tt.name, got)
		}
		line, col, ok := Position(err)
		if !ok || line != tt.line || col != tt.col {
			t.Errorf("%s: position %d:%d (%v), want %d:%d", tt.name, line, col, ok, tt.line, tt.col)
		}
	}
}

func TestScannerReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("a,b\n1,2\n3,"), iotest.ErrReader(boom))
	recs, _, err := scanAll(t, r, Limits{})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v after %q, want the read error", err, recs)
	}
	if len(recs) != 2 {
		t.Errorf("got %d records before the error, want 2", len(recs))
	}
}

// TestScannerLongRecords crosses buffer boundaries with quoted and unquoted
// records much larger than the initial buffer.
func TestScannerLongRecords(t *testing.T) {
	var b bytes.Buffer
	var want [][]string
	for i := 0; i < 5; i++ {
		long := strings.Repeat("v", 100<<10*(i+1))
		b.WriteString(long + ",\"" + long + "\n\"\"" + "\"\n")
		want = append(want, []string{long, long + "\n\""})
	}
	got, _, err := scanAll(t, iotest.HalfReader(&b), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !equal(got, want) {
		t.Fatalf("long records differ")
	}
}

// encode writes records quoting every field, the opposite extreme of the
// unquoted fast path.
func encode(recs [][]string) string {
	var b strings.Builder
	for _, r := range recs {
		for i, f := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(f, `"`, `""`))
			b.WriteByte('"')
		}
		b.WriteString("\r\n")
	}
	return b.String()
}

// FuzzScanner checks that the scanner never panics, that byte-at-a-time
// reading agrees with buffered reading, and that records survive a round
// trip through fully quoted CSV.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n", "\"a,b\",\"c\"\"d\"\r\n", "x\n\n\"y\nz\"\n", "\xEF\xBB\xBF,\n", "\"open", "a\"b,c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, _, err := scanAll(t, strings.NewReader(in), Limits{})
		slow, _, serr := scanAll(t, iotest.OneByteReader(strings.NewReader(in)), Limits{})
		if (err == nil) != (serr == nil) || !equal(got, slow) {
			t.Fatalf("buffered %q (%v) vs byte reader %q (%v)", got, err, slow, serr)
		}
		if err != nil {
			return
		}
		// Records whose only field is empty vanish as empty lines when
		// re-encoded unquoted, but not when quoted; keep them.
		again, _, err := scanAll(t, strings.NewReader(encode(got)), Limits{})
		if err != nil {
			t.Fatalf("re-encoded %q: %v", got, err)
		}
		if !equal(again, got) {
			t.Fatalf("round trip: %q became %q", got, again)
		}
	})
}

// benchInput is 100,000 records of a generic CSV CVR.
func benchInput() []byte {
	var buf bytes.Buffer
	for i := 0; i < 100000; i++ {
		buf.WriteString("R_3QEQ85E7gV2DuyG,p1,b1,,2,1,,3,4,,,,5,,,,\n")
	}
	return buf.Bytes()
}

func BenchmarkScanner(b *testing.B) {
	data := benchInput()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s := NewScanner(bytes.NewReader(data), Limits{})
		for {
			if _, err := s.Next(); err != nil {
				break
			}
		}
	}
}

// equal reports whether two lists of records hold the same fields.
func equal(a, b [][]string) bool { return slices.EqualFunc(a, b, slices.Equal) }

// BenchmarkEncodingCSV splits the same input as BenchmarkScanner with
// encoding/csv (ReuseRecord), the alternative this package was measured
// against.
func BenchmarkEncodingCSV(b *testing.B) {
	data := benchInput()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			if _, err := r.Read(); err != nil {
				break
			}
		}
	}
}

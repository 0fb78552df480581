package csvout

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

func TestCSVQuoting(t *testing.T) {
	tests := []struct {
		fields []string
		want   string
	}{
		{[]string{"Contest Information"}, "Contest Information\n"},
		{[]string{""}, "\"\"\n"}, // a lone empty field is quoted, unlike a blank line
		{[]string{}, "\n"},
		{[]string{"Jurisdiction", "Minneapolis, MN"}, "Jurisdiction,\"Minneapolis, MN\"\n"},
		{[]string{"JAMES \"JIMMY\" STROUD", "x"}, "\"JAMES \"\"JIMMY\"\" STROUD\",x\n"},
		{[]string{"a", "Joseph R. Biden\nTom Steyer"}, "a,\"Joseph R. Biden\nTom Steyer\"\n"},
		{[]string{"a", "#1"}, "a,\"#1\"\n"},
		{[]string{"a", "!bang"}, "a,\"!bang\"\n"},
		{[]string{"a", " lead"}, "a,\" lead\"\n"},
		{[]string{"a", "trail "}, "a,\"trail \"\n"},
		{[]string{"a", "$5"}, "a,$5\n"},
		{[]string{"†Elect", "-3"}, "†Elect,-3\n"},
		{[]string{"a", "", ""}, "a,,\n"},
	}
	for _, tt := range tests {
		if got := string(RCTab.AppendRecord(nil, tt.fields...)); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.fields, got, tt.want)
		}
	}
}

func TestMinimal(t *testing.T) {
	for fields, want := range map[[3]string]string{
		{"", " lead", "#1"}:      ", lead,#1\n",
		{"a,b", `say "hi"`, "x"}: "\"a,b\",\"say \"\"hi\"\"\",x\n",
	} {
		if got := string(Minimal.AppendRecord(nil, fields[:]...)); got != want {
			t.Errorf("%q: got %q, want %q", fields, got, want)
		}
	}
	var buf bytes.Buffer
	w := NewWriter(&buf, Minimal)
	w.Record("a", "b")
	w.Record()
	if err := w.Flush(); err != nil || buf.String() != "a,b\n\n" {
		t.Errorf("Writer: %q, %v", buf.String(), err)
	}
}

// FuzzAppendRecord checks that any fields written in RCTab's CSV dialect
// read back unchanged with a standard CSV reader.
func FuzzAppendRecord(f *testing.F) {
	f.Add("Joseph R. Biden\nTom Steyer", "", `say "hi"`)
	f.Add("#1", " lead", "trail ")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, s := range []string{a, b, c} {
			if strings.ContainsRune(s, '\r') || !validUTF8(s) {
				return // Go's reader normalizes CR; RCTab's fields have none
			}
		}
		line := RCTab.AppendRecord(nil, a, b, c)
		r := csv.NewReader(bytes.NewReader(line))
		r.FieldsPerRecord = -1
		rec, err := r.Read()
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if !slices.Equal(rec, []string{a, b, c}) {
			t.Fatalf("%q read back as %q", line, rec)
		}
	})
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "") == s }

package ledger

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{}`, `{}`},
		{` { "b" : 1 , "a" : [ true , false , null ] } `, `{"a":[true,false,null],"b":1}`},
		{`{"b":{"z":1,"y":2},"a":"x"}`, `{"a":"x","b":{"y":2,"z":1}}`},
		// Keys sort by UTF-8 bytes: "Z" < "a" < "é".
		{`{"é":1,"a":2,"Z":3}`, `{"Z":3,"a":2,"é":1}`},
		{`"\u0041\/\b\f\n\r\t\u0001\u001f"`, `"A/\b\f\n\r\t\u0001\u001f"`},
		{`"<>&\u2028\u2029"`, "\"<>&\u2028\u2029\""},
		{`"\ud83d\ude00"`, `"😀"`},
		{`"😀"`, `"😀"`},
		{`"\"\\"`, `"\"\\"`},
		{"\"\x7f\"", "\"\x7f\""},
		{`-9007199254740991`, `-9007199254740991`},
		{`9007199254740991`, `9007199254740991`},
		{`0`, `0`},
		{`[]`, `[]`},
		{"\t[1,\r\n2]\n", `[1,2]`},
	}
	for _, tt := range tests {
		got, err := Canonicalize([]byte(tt.in))
		if err != nil {
			t.Errorf("Canonicalize(%q): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("Canonicalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{``, 0, "unexpected end of input"},
		{`{"a":1,"a":2}`, 7, `duplicate object key "a"`},
		{`1.5`, 0, "only integers"},
		{`1e3`, 0, "only integers"},
		{`01`, 0, "leading zero"},
		{`-0`, 0, "-0 is not allowed"},
		{`9007199254740992`, 0, "outside"},
		{`-9007199254740992`, 0, "outside"},
		{`99999999999999999999999`, 0, "outside"},
		{`"\ud800"`, 1, "unpaired UTF-16 surrogate"},
		{`"\udc00"`, 1, "unpaired UTF-16 surrogate"},
		{`"\ud800\u0041"`, 1, "unpaired UTF-16 surrogate"},
		{"\"a\xffb\"", 2, "invalid UTF-8"},
		{"\"a\\n\xc3\"", 4, "invalid UTF-8"},
		{"\"a\nb\"", 2, "control character"},
		{`"\x"`, 1, "invalid escape"},
		{`"\u12"`, 1, "invalid \\u escape"},
		{`{"a" 1}`, 5, "expected ':'"},
		{`{"a":1,}`, 7, "expected a string object key"},
		{`[1 2]`, 3, "expected ',' or ']'"},
		{`{} {}`, 3, "after the end"},
		{`tru`, 0, "invalid literal"},
		{`{a:1}`, 1, "expected a string object key"},
		{strings.Repeat("[", 40) + strings.Repeat("]", 40), 33, "nested more than"},
		{`"abc`, 4, "end of input inside a string"},
	}
	for _, tt := range tests {
		_, err := Canonicalize([]byte(tt.in))
		var je *JSONError
		if !errors.As(err, &je) {
			t.Errorf("Canonicalize(%q) error = %v, want *JSONError", tt.in, err)
			continue
		}
		if je.Offset != tt.offset || !strings.Contains(je.Msg, tt.msg) {
			t.Errorf("Canonicalize(%q) error = %q at %d, want %q at %d", tt.in, je.Msg, je.Offset, tt.msg, tt.offset)
		}
	}
}

// FuzzCanonicalize checks that canonical output is a fixed point, that it
// means what encoding/json reads from the input, and that nothing panics.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"b":1,"a":[true,false,null,"x"]}`, `"\ud83d\ude00"`, `"\u0000"`, `-12`,
		`{"Type":"login","Payload":{"method":"pw"}}`, `[[[[]]]]`, `1.0`, `{"a":1,"a":1}`,
		"\"\xe2\x80\xa8\"", `"\/"`, `"\u001f"`, `"\u001F"`, `"\u000a"`, `{"b":1,"a":2}`, `{"a":1,"b":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonicalize(in)
		_, serr := parseCanonicalJSON(in)
		if (serr == nil) != (err == nil && string(out) == string(in)) {
			t.Fatalf("strict parse of %q: %v, but canonical form is %q (%v)", in, serr, out, err)
		}
		if err != nil {
			return
		}
		again, err := Canonicalize(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("canonical form %q is not a fixed point: %q, %v", out, again, err)
		}
		var a, b any
		if err := json.Unmarshal(in, &a); err != nil {
			t.Fatalf("encoding/json rejects input %q that canonicalized to %q: %v", in, out, err)
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("encoding/json rejects canonical %q: %v", out, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("meaning changed: %q → %q", in, out)
		}
	})
}

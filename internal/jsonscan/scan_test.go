package jsonscan

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// walk decodes any JSON value into the same shapes encoding/json produces
// (map[string]any, []any, string, json.Number, bool, nil), exercising every
// Scanner method.
func walk(s *Scanner) (any, error) {
	c, err := s.Peek()
	if err != nil {
		return nil, err
	}
	switch {
	case c == '{':
		m := map[string]any{}
		var it Iter
		for {
			k, ok, err := s.ObjectKey(&it)
			if err != nil {
				return nil, err
			}
			if !ok {
				return m, nil
			}
			key := string(k)
			v, err := walk(s)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
	case c == '[':
		a := []any{}
		var it Iter
		for {
			ok, err := s.ArrayElem(&it)
			if err != nil {
				return nil, err
			}
			if !ok {
				return a, nil
			}
			v, err := walk(s)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case c == '"':
		b, err := s.String()
		return string(b), err
	case c == 't' || c == 'f':
		return s.Bool()
	case c == 'n':
		_, err := s.Null()
		return nil, err
	default:
		b, err := s.Number()
		return json.Number(string(b)), err
	}
}

func TestWalkMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, ` 0 `, `-1.5e+3`, `"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"`, `true`, `false`, `null`,
		`{"a":[1,2,{"b":null}],"c":"d","e":{"f":[[],[{}]]}}`,
		"{\n  \"Sessions\" : [ {\n    \"x\" : 1\n  } ]\n}",
		`{"k":"` + strings.Repeat("é", 1000) + `"}`,
	}
	for _, doc := range docs {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(doc)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			s := New(r, 1<<16)
			got, err := walk(s)
			if err == nil {
				err = s.End()
			}
			if err != nil {
				t.Fatalf("%q: %v", doc, err)
			}
			dec := json.NewDecoder(strings.NewReader(doc))
			dec.UseNumber()
			var want any
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("%q: got %s, want %s", doc, gb, wb)
			}
			// Skip accepts the same documents.
			s = New(strings.NewReader(doc), 1<<16)
			if err := s.Skip(); err != nil {
				t.Errorf("Skip %q: %v", doc, err)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		doc    string
		want   string
		offset int64
		large  bool
	}{
		{`{"a" 1}`, "expected ':'", 5, false},
		{`{"a":1,}`, "expected a quoted object key", 7, false},
		{`[1 2]`, "expected ',' or ']'", 3, false},
		{`{"a":tru}`, "invalid literal", 5, false},
		{`{"a":01}`, "malformed number", 5, false},
		{`{"a":"x` + "\x01" + `"}`, "control character", 7, false},
		{`{"a":"\q"}`, `invalid escape \q`, 6, false},
		{`{"a":"` + strings.Repeat("x", 100) + `"}`, "string longer than 64 bytes", 5, true},
		{strings.Repeat("[", MaxDepth+1), "nested more than", MaxDepth, true},
		{`{"a":1} x`, "after the end", 8, false},
		{`{"a":`, "unexpected end of input", 5, false},
	}
	for _, tc := range tests {
		s := New(strings.NewReader(tc.doc), 64)
		err := s.Skip()
		if err == nil {
			err = s.End()
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want *SyntaxError", tc.doc, err)
			continue
		}
		if !strings.Contains(se.Msg, tc.want) || se.Offset != tc.offset {
			t.Errorf("%q: %q at %d, want %q at %d", tc.doc, se.Msg, se.Offset, tc.want, tc.offset)
		}
		if errors.Is(err, ErrTooLarge) != tc.large {
			t.Errorf("%q: ErrTooLarge = %v, want %v", tc.doc, !tc.large, tc.large)
		}
	}
	s := New(strings.NewReader(`1.5`), 64)
	if _, err := s.Int(); err == nil || !strings.Contains(err.Error(), "expected an integer") {
		t.Errorf("Int(1.5) = %v", err)
	}
	s = New(iotest.ErrReader(errors.New("disk on fire")), 64)
	if _, err := s.Peek(); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error not reported: %v", err)
	}
}

// FuzzScanner checks that Skip accepts exactly the documents encoding/json
// accepts (within the Scanner's limits) and never panics.
func FuzzScanner(f *testing.F) {
	for _, d := range []string{`{"a":[1,{"b":"c"}]}`, `"\ud800"`, `[1e5,-0.0,true]`, `{"a":"\u12"}`, "\xff"} {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := New(strings.NewReader(string(b)), 1<<16)
		err := s.Skip()
		if err == nil {
			err = s.End()
		}
		if err != nil && errors.Is(err, ErrTooLarge) {
			return
		}
		// The Scanner does not check UTF-8 inside skipped strings;
		// encoding/json does not either.
		if valid := json.Valid(b); valid != (err == nil) {
			t.Fatalf("json.Valid = %v, Skip error = %v for %q", valid, err, b)
		}
		s = New(strings.NewReader(string(b)), 1<<16)
		if _, err := walk(s); err == nil {
			s.End()
		}
	})
}

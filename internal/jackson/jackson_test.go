package jackson

import (
	"bytes"
	"testing"
)

// The layout Jackson's DefaultPrettyPrinter gives RCTab's reports.
func TestLayout(t *testing.T) {
	var buf bytes.Buffer
	j := NewWriter(&buf)
	j.BeginObject()
	j.Field("a")
	j.BeginArray()
	j.BeginObject()
	j.Field("n")
	j.Int(1)
	j.EndObject()
	j.BeginObject()
	j.EndObject()
	j.EndArray()
	j.Field("e")
	j.BeginArray()
	j.EndArray()
	j.Field("s")
	j.BeginArray()
	j.String("x\"\\\n\x01é\xff")
	j.String("y")
	j.EndArray()
	j.EndObject()
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\" : [ {\n    \"n\" : 1\n  }, { } ],\n  \"e\" : [ ],\n  \"s\" : [ \"x\\\"\\\\\\n\\u0001é\uFFFD\", \"y\" ]\n}"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

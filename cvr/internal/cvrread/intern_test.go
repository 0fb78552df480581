package cvrread_test

import (
	"strconv"
	"testing"
	"unsafe"

	"github.com/canvass/canvass/cvr/internal/cvrread"
)

func TestInterner(t *testing.T) {
	var in cvrread.Interner // the zero value is ready
	a := in.Intern([]byte("W-1 P-01"))
	b := in.Intern([]byte("W-1 P-01"))
	c := in.InternString("W-1 P-01")
	if a != "W-1 P-01" || unsafe.StringData(a) != unsafe.StringData(b) || unsafe.StringData(a) != unsafe.StringData(c) {
		t.Error("equal values do not share one string")
	}
	if in.InternString("") != "" || in.Intern(nil) != "" {
		t.Error("empty value")
	}
	buf := []byte("W-1 P-01")
	if n := testing.AllocsPerRun(100, func() { in.Intern(buf) }); n != 0 {
		t.Errorf("interning a known value allocates %v times", n)
	}
	// A file of unique values: past the bound, values are still returned
	// but no longer remembered.
	for i := range 1<<16 + 10 {
		s := strconv.Itoa(i)
		if got := in.Intern([]byte(s)); got != s {
			t.Fatalf("Intern(%q) = %q", s, got)
		}
	}
	late := []byte(strconv.Itoa(1<<16 + 5))
	first, second := in.Intern(late), in.Intern(late)
	if unsafe.StringData(first) == unsafe.StringData(second) {
		t.Error("a value past the bound was remembered")
	}
	first, second = in.Intern([]byte("7")), in.Intern([]byte("7"))
	if unsafe.StringData(first) != unsafe.StringData(second) {
		t.Error("a value within the bound is no longer shared")
	}
}

package record

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/store"
)

func TestDumperRefusesDisorder(t *testing.T) {
	var b strings.Builder
	d := NewDumper(&b)
	if err := d.Record(store.Record{Kind: "a", ID: "b", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	// A database sorting case-insensitively would return "a" after "B".
	if err := d.Record(store.Record{Kind: "a", ID: "B", Data: []byte(`2`)}); err == nil {
		t.Fatal("Dumper accepted records out of byte order")
	}
	if err := d.Applied(1); err == nil {
		t.Fatal("Dumper wrote the applied line after an ordering error")
	}
	if got := b.String(); got != `{"kind":"a","parent":"","id":"b","data":1}`+"\n" {
		t.Fatalf("wrote %q", got)
	}
}

func TestDumperStrings(t *testing.T) {
	var b strings.Builder
	d := NewDumper(&b)
	d.Record(store.Record{Kind: "k", Parent: "<&>", ID: "é\"\\\t\u2028", Data: []byte(`{}`)})
	d.Applied(7)
	want := `{"kind":"k","parent":"<&>","id":"é\"\\\t\u2028","data":{}}` + "\n" + `{"applied":7}` + "\n"
	if b.String() != want {
		t.Fatalf("got  %s\nwant %s", b.String(), want)
	}
}

func TestValidateSession(t *testing.T) {
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	ok := store.Session{User: "u", Created: now, LastSeen: now}
	if err := ValidateSession(ok); err != nil {
		t.Fatal(err)
	}
	for _, s := range []store.Session{
		{User: "", Created: now, LastSeen: now},
		{User: "u", LastSeen: now}, // zero Created: year 1
		{User: "u", Created: now, LastSeen: now.AddDate(300, 0, 0)},
		{User: "u\x00", Created: now, LastSeen: now},
	} {
		if err := ValidateSession(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateSession(%+v) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestCutoffNanos(t *testing.T) {
	if CutoffNanos(time.Time{}) >= CutoffNanos(time.Unix(0, 0)) {
		t.Fatal("the zero time must be a bound below every storable time")
	}
	far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	if CutoffNanos(far) <= Nanos(time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("a time beyond 2262 must clamp above every storable time")
	}
}

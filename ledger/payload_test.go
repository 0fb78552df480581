package ledger

import (
	"bytes"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// kindTypes are the Go types a payload struct may use for each field kind
// (required, optional).
var kindTypes = map[FieldKind][2]reflect.Type{
	KindString:  {reflect.TypeFor[string](), reflect.TypeFor[string]()},
	KindSHA256:  {reflect.TypeFor[string](), reflect.TypeFor[string]()},
	KindHash:    {reflect.TypeFor[string](), reflect.TypeFor[string]()},
	KindEnum:    {reflect.TypeFor[string](), reflect.TypeFor[string]()},
	KindVKey:    {reflect.TypeFor[string](), reflect.TypeFor[string]()},
	KindCount:   {reflect.TypeFor[int64](), reflect.TypeFor[*int64]()},
	KindFile:    {reflect.TypeFor[FileCommitment](), reflect.TypeFor[*FileCommitment]()},
	KindFiles:   {reflect.TypeFor[[]FileCommitment](), reflect.TypeFor[[]FileCommitment]()},
	KindStrings: {reflect.TypeFor[[]string](), reflect.TypeFor[[]string]()},
}

// TestPayloadStructsMatchCatalogue: every catalogue type has a payload
// struct whose JSON fields are exactly the catalogue's, with the Go type
// of the field's kind, omitempty exactly on optional fields, and no
// payload struct lacks a catalogue entry.
func TestPayloadStructsMatchCatalogue(t *testing.T) {
	for _, et := range Catalogue {
		st, ok := payloadTypes[et.ID]
		if !ok {
			t.Errorf("catalogue type %s has no payload struct", et.ID)
			continue
		}
		fields := map[string]reflect.StructField{}
		for i := range st.NumField() {
			f := st.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				t.Errorf("%s: field %s has no JSON name", st.Name(), f.Name)
				continue
			}
			fields[name] = f
			if (opts == "omitempty") != !slices.ContainsFunc(et.Payload, func(c Field) bool { return c.Name == name && c.Required }) {
				t.Errorf("%s.%s: tag %q; want omitempty exactly on optional fields", st.Name(), f.Name, f.Tag.Get("json"))
			}
		}
		var want []string
		for _, c := range et.Payload {
			want = append(want, c.Name)
			f, ok := fields[c.Name]
			if !ok {
				continue
			}
			i := 1
			if c.Required {
				i = 0
			}
			if wt := kindTypes[c.Kind][i]; f.Type != wt {
				t.Errorf("%s.%s is %v; a %s field (required %v) must be %v", st.Name(), f.Name, f.Type, c.Kind, c.Required, wt)
			}
		}
		if got := slices.Sorted(maps.Keys(fields)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("%s has JSON fields %v; the catalogue's %s has %v", st.Name(), got, et.ID, want)
		}
	}
	for id := range payloadTypes {
		if _, ok := LookupType(id); !ok {
			t.Errorf("payload struct for %s, which is not in the catalogue", id)
		}
	}
}

// TestPayloadRoundTrip: each sample payload decodes into its struct and
// NewEvent turns the struct back into the same canonical payload.
func TestPayloadRoundTrip(t *testing.T) {
	for i, et := range Catalogue {
		ev := sampleEvent(t, i, "rt")
		p, err := ev.DecodePayload()
		if err != nil {
			t.Fatalf("%s: %v", et.ID, err)
		}
		if p.EventType() != et.ID || reflect.TypeOf(p) != payloadTypes[et.ID] {
			t.Fatalf("%s decodes to %T", et.ID, p)
		}
		back, err := NewEvent(p)
		if err != nil {
			t.Fatalf("%s: NewEvent(%+v): %v", et.ID, p, err)
		}
		if back.Type != et.ID || back.Disposition != "success" {
			t.Errorf("%s: NewEvent gives type %q disposition %q", et.ID, back.Type, back.Disposition)
		}
		if got, want := appendCanonical(nil, back.Payload), appendCanonical(nil, ev.Payload); !bytes.Equal(got, want) {
			t.Errorf("%s: round trip\n got %s\nwant %s", et.ID, got, want)
		}
	}
}

func TestNewEventChecksThePayload(t *testing.T) {
	zero := int64(0)
	tests := []struct {
		p     Payload
		field string
	}{
		{SeedRoll{Seed: "123", Witnesses: []string{"LWV"}}, "Payload.rolled_by"},
		{SeedRoll{Seed: "123", RolledBy: []string{""}, Witnesses: []string{"LWV"}}, "Payload.rolled_by[0]"},
		{Logout{Reason: "bored"}, "Payload.reason"},
		{CVRUpload{File: FileCommitment{Name: "cvr.zip", SHA256: "abc", Size: 1}, Format: "x"}, "Payload.file.sha256"},
	}
	for _, tt := range tests {
		_, err := NewEvent(tt.p)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("NewEvent(%+v): %v, want a FieldError for %s", tt.p, err, tt.field)
		}
	}
	// An optional count of zero is recorded, not dropped.
	ev, err := NewEvent(CVRUpload{File: FileCommitment{Name: "cvr.zip", SHA256: testSHA, Size: 0}, Format: "x", Records: &zero})
	if err != nil || ev.Payload["records"] != int64(0) {
		t.Fatalf("records 0: %v %v", ev.Payload, err)
	}
}

// exampleEventType is registered by TestRegisterType the way a file
// adding event types registers them.
type exampleEventType struct {
	Thing string `json:"thing"`
}

func (exampleEventType) EventType() string { return "example-thing" }

// TestRegisterType: a type registered from another file is accepted by
// ParseInput and NewEvent and decodes into its struct.
func TestRegisterType(t *testing.T) {
	saved := slices.Clone(Catalogue)
	defer func() {
		Catalogue = saved
		clear(catalogueIndex)
		for i := range Catalogue {
			catalogueIndex[Catalogue[i].ID] = &Catalogue[i]
		}
		delete(payloadTypes, "example-thing")
	}()
	registerType(EventType{ID: "example-thing", Severity: "info", Description: "An example.",
		Payload: []Field{{Name: "thing", Kind: KindString, Required: true, Doc: "the thing"}}}, exampleEventType{})
	ev, err := ParseInput([]byte(`{"Type":"example-thing","Disposition":"success","Payload":{"thing":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ev.DecodePayload()
	if err != nil || p != (exampleEventType{Thing: "x"}) {
		t.Fatalf("decoded %#v, %v", p, err)
	}
	if _, ok := LookupType("login"); !ok {
		t.Fatal("registering a type lost the core types")
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a type twice did not panic")
		}
	}()
	registerType(EventType{ID: "example-thing"}, exampleEventType{})
}

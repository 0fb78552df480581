package ledger

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEveryCatalogueTypeRoundTrips(t *testing.T) {
	if len(samplePayloads) != len(Catalogue) {
		t.Fatalf("samplePayloads has %d types, the catalogue %d", len(samplePayloads), len(Catalogue))
	}
	for i, et := range Catalogue {
		ev := sampleEvent(t, i, "m")
		if ev.Type != et.ID || ev.Severity != et.Severity {
			t.Errorf("%s: parsed type %q severity %q", et.ID, ev.Type, ev.Severity)
		}
		entry, err := ev.AppendEntry(nil, "county.example/log", uint64(1000+i), fixedNow())
		if err != nil {
			t.Fatalf("%s: %v", et.ID, err)
		}
		back, err := ParseEntry(entry, "county.example/log", uint64(1000+i))
		if err != nil {
			t.Fatalf("%s: stored entry does not parse: %v\n%s", et.ID, err, entry)
		}
		if !reflect.DeepEqual(back, ev) {
			t.Errorf("%s: round trip changed the event:\n got %+v\nwant %+v", et.ID, back, ev)
		}
		if back.ID != EventID("county.example/log", uint64(1000+i)) {
			t.Errorf("%s: Id %q", et.ID, back.ID)
		}
	}
}

func TestParseInputCanonicalizes(t *testing.T) {
	a := `{"Type":"logout","Disposition":"success","UserId":"u","TimeStamp":"2026-11-03T20:00:00.500Z","Payload":{"reason":"timeout"}}`
	b := " {\"Payload\" : {\"reason\":\"timeout\"}, \"TimeStamp\":\"2026-11-03T20:00:00.5000Z\",\n\"UserId\":\"\\u0075\",\"Disposition\":\"success\",\"Type\":\"logout\"} "
	var entries []string
	for _, in := range []string{a, b} {
		ev, err := ParseInput([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		e, err := ev.AppendEntry(nil, "o", 7, fixedNow())
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, string(e))
	}
	want := `{"Disposition":"success","Id":"o/7","Payload":{"reason":"timeout"},"Sequence":7,"Severity":"info","TimeStamp":"2026-11-03T20:00:00.5Z","Type":"logout","UserId":"u"}`
	for _, e := range entries {
		if e != want {
			t.Errorf("entry\n got %s\nwant %s", e, want)
		}
	}
}

func TestParseInputStampsLater(t *testing.T) {
	ev, err := ParseInput([]byte(`{"Type":"logout","Disposition":"na","Payload":{"reason":"shutdown"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !ev.TimeStamp.IsZero() {
		t.Fatalf("TimeStamp %v, want zero until sequenced", ev.TimeStamp)
	}
	e, err := ev.AppendEntry(nil, "o", 0, time.Date(2026, 1, 2, 3, 4, 5, 6000000, time.FixedZone("x", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(e), `"TimeStamp":"2026-01-02T02:04:05.006Z"`) {
		t.Errorf("entry %s: want the UTC time of sequencing", e)
	}
}

func TestParseInputErrors(t *testing.T) {
	base := func(override string) string {
		return `{"Type":"login","Disposition":"success","UserId":"u","Payload":{"method":"pw"}` + override + `}`
	}
	tests := []struct {
		name, in, field, msg string
	}{
		{"not an object", `[1]`, "", "must be a JSON object"},
		{"not JSON", `Type=login`, "", "expected a JSON value"},
		{"unknown type", `{"Type":"vote-flip","Disposition":"success","Payload":{}}`, "Type", `unknown event type "vote-flip"`},
		{"missing type", `{"Disposition":"success","Payload":{}}`, "Type", "missing"},
		{"type not string", `{"Type":5,"Disposition":"success","Payload":{}}`, "Type", "must be a string"},
		{"missing disposition", `{"Type":"login","Payload":{"method":"pw"}}`, "Disposition", "missing"},
		{"bad disposition", `{"Type":"login","Disposition":"ok","Payload":{"method":"pw"}}`, "Disposition", "is not one of"},
		{"other without text", `{"Type":"login","Disposition":"other","Payload":{"method":"pw"}}`, "OtherDisposition", "required"},
		{"other text without other", base(`,"OtherDisposition":"x"`), "OtherDisposition", "allowed only"},
		{"id from client", base(`,"Id":"x"`), "Id", "assigned by the log"},
		{"sequence from client", base(`,"Sequence":3`), "Sequence", "assigned by the log"},
		{"unknown field", base(`,"Colour":"red"`), "Colour", "unknown field"},
		{"empty optional", base(`,"Details":""`), "Details", "must not be empty"},
		{"bad severity", base(`,"Severity":"meh"`), "Severity", "is not one of"},
		{"non-UTC time", base(`,"TimeStamp":"2026-11-03T20:00:00+01:00"`), "TimeStamp", "in UTC"},
		{"bad time", base(`,"TimeStamp":"yesterdayZ"`), "TimeStamp", "not an RFC 3339"},
		{"missing payload", `{"Type":"login","Disposition":"success"}`, "Payload", "missing; type login requires an object with method (string)"},
		{"payload not object", `{"Type":"login","Disposition":"success","Payload":"pw"}`, "Payload", "must be a JSON object"},
		{"missing payload field", `{"Type":"login","Disposition":"success","Payload":{}}`, "Payload.method", "missing"},
		{"unknown payload field", `{"Type":"login","Disposition":"success","Payload":{"method":"pw","password":"hunter2"}}`, "Payload.password", "unknown field for type login"},
		{"bad sha", `{"Type":"software-install","Disposition":"success","Payload":{"component":"c","version":"1","new_sha256":"ABC"}}`, "Payload.new_sha256", "64 lower-case hex"},
		{"upper-case sha", `{"Type":"software-install","Disposition":"success","Payload":{"component":"c","version":"1","new_sha256":"` + strings.ToUpper(testSHA) + `"}}`, "Payload.new_sha256", "64 lower-case hex"},
		{"file missing size", `{"Type":"cvr-upload","Disposition":"success","Payload":{"format":"x","file":{"name":"a","sha256":"` + testSHA + `"}}}`, "Payload.file.size", "missing"},
		{"file negative size", `{"Type":"cvr-upload","Disposition":"success","Payload":{"format":"x","file":{"name":"a","sha256":"` + testSHA + `","size":-1}}}`, "Payload.file.size", "integer ≥ 0"},
		{"file extra", `{"Type":"cvr-upload","Disposition":"success","Payload":{"format":"x","file":{"name":"a","sha256":"` + testSHA + `","size":1,"path":"/tmp"}}}`, "Payload.file.path", "unknown field"},
		{"files empty", `{"Type":"results-publication","Disposition":"success","Payload":{"status":"official","files":[]}}`, "Payload.files", "non-empty array"},
		{"files element", `{"Type":"results-publication","Disposition":"success","Payload":{"status":"official","files":[{"name":"a","sha256":"x","size":1}]}}`, "Payload.files[0].sha256", "64 lower-case hex"},
		{"strings element", `{"Type":"seed-roll","Disposition":"success","Payload":{"seed":"1","rolled_by":["a",""],"witnesses":["b"]}}`, "Payload.rolled_by[1]", "non-empty string"},
		{"enum", `{"Type":"logout","Disposition":"success","Payload":{"reason":"bored"}}`, "Payload.reason", "must be one of user, timeout, revoked, shutdown"},
		{"count not integer", `{"Type":"manifest-upload","Disposition":"success","Payload":{"file":{"name":"a","sha256":"` + testSHA + `","size":1},"ballots":"many"}}`, "Payload.ballots", "integer ≥ 0"},
		{"tree hash", `{"Type":"checkpoint-published","Disposition":"success","Payload":{"origin":"o","size":1,"root":"abc"}}`, "Payload.root", "base64"},
		{"vkey", `{"Type":"key-rotation","Disposition":"success","Payload":{"key_use":"log","new_vkey":"not a key"}}`, "Payload.new_vkey", "verifier key"},
		{"long string", `{"Type":"login","Disposition":"success","Payload":{"method":"` + strings.Repeat("x", 4097) + `"}}`, "Payload.method", "limit is 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseInput([]byte(tt.in))
			if err == nil {
				t.Fatal("accepted")
			}
			var fe *FieldError
			if tt.field != "" {
				if !errors.As(err, &fe) || fe.Field != tt.field {
					t.Fatalf("error %v, want a FieldError for %s", err, tt.field)
				}
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestEntrySizeLimit(t *testing.T) {
	ev := sampleEvent(t, 0, "x")
	ev.Details = ""
	small, err := ev.AppendEntry(nil, "o", 5, fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	// "Details":"…", inserted before "Disposition", costs 13 bytes of
	// syntax plus the text.
	pad := MaxEntrySize - len(small) - len(`"Details":"",`)
	ev.Details = strings.Repeat("d", pad)
	e, err := ev.AppendEntry(nil, "o", 5, fixedNow())
	if err != nil || len(e) != MaxEntrySize {
		t.Fatalf("entry of exactly %d bytes: len %d, err %v", MaxEntrySize, len(e), err)
	}
	ev.Details += "d"
	if _, err := ev.AppendEntry(nil, "o", 5, fixedNow()); err == nil || !strings.Contains(err.Error(), "65536 bytes") || !strings.Contains(err.Error(), "limit is 65535") {
		t.Fatalf("entry of 65536 bytes: err %v", err)
	}
}

func TestParseEntryRejects(t *testing.T) {
	ev := sampleEvent(t, 1, "x")
	good, err := ev.AppendEntry(nil, "o", 3, fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseEntry(good, "o", 3); err != nil {
		t.Fatal(err)
	}
	s := string(good)
	tests := []struct {
		name, entry, origin string
		index               uint64
		msg                 string
	}{
		{"wrong index", s, "o", 4, "Sequence: is 3; the entry is at index 4"},
		{"wrong origin", s, "p", 3, `Id: is "o/3"`},
		{"white space", strings.Replace(s, `,"Id"`, `, "Id"`, 1), "o", 3, "not canonical"},
		{"key order", strings.Replace(strings.Replace(s, `"Disposition":"success",`, ``, 1), `"UserId"`, `"Disposition":"success","UserId"`, 1), "o", 3, "not canonical"},
		{"escaped slash", strings.Replace(s, `"Id":"o/3"`, `"Id":"o\/3"`, 1), "o", 3, "not canonical"},
		{"timestamp", strings.Replace(s, `Z","Type"`, `.0Z","Type"`, 1), "o", 3, "TimeStamp"},
		{"no severity", strings.Replace(s, `"Severity":"info",`, ``, 1), "o", 3, "Severity: missing"},
		{"no id", strings.Replace(s, `"Id":"o/3",`, ``, 1), "o", 3, "Id: missing"},
		{"negative sequence", strings.Replace(s, `"Sequence":3`, `"Sequence":-3`, 1), "o", 3, "Sequence"},
		{"trailing newline", s + "\n", "o", 3, "not canonical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEntry([]byte(tt.entry), tt.origin, tt.index)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseEntry error %v, want %q", err, tt.msg)
			}
		})
	}
}

func FuzzParseInput(f *testing.F) {
	for i := range Catalogue {
		f.Add([]byte(sampleLine(i, "fuzz")))
	}
	f.Add([]byte(`{"Type":"login","Disposition":"other","OtherDisposition":"x","Payload":{"method":"pw"}}`))
	f.Add([]byte(`{"Type":"login"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		ev, err := ParseInput(in)
		if err != nil {
			return
		}
		e, err := ev.AppendEntry(nil, "fuzz.example/log", 42, fixedNow())
		if err != nil {
			if len(in) < MaxEntrySize/2 {
				t.Fatalf("small valid input %q could not be stored: %v", in, err)
			}
			return
		}
		back, err := ParseEntry(e, "fuzz.example/log", 42)
		if err != nil {
			t.Fatalf("stored entry %q of input %q does not verify: %v", e, in, err)
		}
		if !reflect.DeepEqual(back, ev) {
			t.Fatalf("round trip changed %q", in)
		}
	})
}

func FuzzParseEntry(f *testing.F) {
	for i := range Catalogue {
		ev, err := ParseInput([]byte(sampleLine(i, "fuzz")))
		if err != nil {
			f.Fatal(err)
		}
		e, _ := ev.AppendEntry(nil, "o", uint64(i), fixedNow())
		f.Add(e, uint64(i))
	}
	f.Fuzz(func(t *testing.T, entry []byte, index uint64) {
		ev, err := ParseEntry(entry, "o", index)
		if err != nil {
			return
		}
		again, err := ev.AppendEntry(nil, "o", index, fixedNow())
		if err != nil || string(again) != string(entry) {
			t.Fatalf("accepted entry %q re-encodes as %q (%v)", entry, again, err)
		}
	})
}

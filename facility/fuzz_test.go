package facility

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// seeds adds the Mesa testdata file and the given inputs to f's corpus.
func seeds(f *testing.F, file string, extra ...string) {
	b, err := os.ReadFile(filepath.Join("testdata", "mesa", file))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkRefusal asserts that err is an *Error naming the file, with nothing
// returned.
func checkRefusal(t *testing.T, n int, err error) {
	var e *Error
	if !errors.As(err, &e) || e.File != "f" || e.Expected == "" {
		t.Fatalf("error %v is not an *Error about file f", err)
	}
	if n != 0 {
		t.Fatalf("%d records returned with an error", n)
	}
}

// writeCSV renders rows for re-parsing.
func writeCSV(t *testing.T, header []string, rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(header); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func checkSorted[T any](t *testing.T, recs []T, at func(T) time.Time) {
	for i := range recs {
		if at(recs[i]).Location() != time.UTC {
			t.Fatalf("record %d not in UTC", i)
		}
		if i > 0 && at(recs[i]).Before(at(recs[i-1])) {
			t.Fatalf("records %d and %d out of order", i-1, i)
		}
	}
}

func stripSources[T any](recs []T, strip func(*T)) []T {
	out := append([]T(nil), recs...)
	for i := range out {
		strip(&out[i])
	}
	return out
}

func FuzzParseBadges(f *testing.F) {
	seeds(f, "badges.csv", bh, bh+"2021-05-23T18:20:00Z,D,B-1,,denied\n", "time,door,badge_id,name\n2021-05-23T18:20:00.5+02:00,D,\"B,1\",\"A \"\"B\"\"\"\n",
		bh+"2021-05-23T18:20:00Z,D,B-1,Ann,granted\n2021-05-23T18:20:00Z,D,B-1,Ann,granted\n", "\xEF\xBB\xBF"+bh+"x\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ParseBadges(bytes.NewReader(data), "f")
		if err != nil {
			checkRefusal(t, len(recs), err)
			return
		}
		checkSorted(t, recs, func(b Badge) time.Time { return b.Time })
		var rows [][]string
		for _, b := range recs {
			if b.Door == "" || b.BadgeID == "" || (b.Result != Granted && b.Result != Denied) || (b.Name == "" && b.Result != Denied) {
				t.Fatalf("invalid record accepted: %+v", b)
			}
			rows = append(rows, []string{b.Time.Format(time.RFC3339Nano), b.Door, b.BadgeID, b.Name, b.Result})
		}
		again, err := ParseBadges(bytes.NewReader(writeCSV(t, []string{"time", "door", "badge_id", "name", "result"}, rows)), "f")
		if err != nil {
			t.Fatalf("re-parsing the records: %v", err)
		}
		strip := func(b *Badge) { b.Source = Source{} }
		if !reflect.DeepEqual(stripSources(recs, strip), stripSources(again, strip)) {
			t.Fatalf("round trip differs:\n%+v\n%+v", recs, again)
		}
	})
}

func FuzzParseCameras(f *testing.F) {
	seeds(f, "cameras.csv", ch, ch+"2021-05-23T18:00:00Z,C,on\n2021-05-23T17:00:00Z,C,off\n", "status,camera,time\noff,C,2021-05-23T18:00:00-00:00\n", ch+"\"2021-05-23T18:00:00Z\",\"C\nD\",on\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ParseCameras(bytes.NewReader(data), "f")
		if err != nil {
			checkRefusal(t, len(recs), err)
			return
		}
		checkSorted(t, recs, func(c CameraStatus) time.Time { return c.Time })
		var rows [][]string
		for _, c := range recs {
			if c.Camera == "" || (c.Status != On && c.Status != Off) {
				t.Fatalf("invalid record accepted: %+v", c)
			}
			rows = append(rows, []string{c.Time.Format(time.RFC3339Nano), c.Camera, c.Status})
		}
		again, err := ParseCameras(bytes.NewReader(writeCSV(t, cameraColumns, rows)), "f")
		if err != nil {
			t.Fatalf("re-parsing the records: %v", err)
		}
		strip := func(c *CameraStatus) { c.Source = Source{} }
		if !reflect.DeepEqual(stripSources(recs, strip), stripSources(again, strip)) {
			t.Fatalf("round trip differs:\n%+v\n%+v", recs, again)
		}
	})
}

func FuzzParseSeals(f *testing.F) {
	seeds(f, "seals.csv", sh, sh+"2021-05-23T18:00:00Z,EMS,S-1,applied,Ann,ANN\n", sh+"2021-05-23T18:00:00Z,EMS,S-1,broken,Ann,Bo\n2021-05-23T17:00:00Z,EMS,S-1,applied,Ann,Bo\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ParseSeals(bytes.NewReader(data), "f")
		if err != nil {
			checkRefusal(t, len(recs), err)
			return
		}
		checkSorted(t, recs, func(s Seal) time.Time { return s.Time })
		var rows [][]string
		for _, s := range recs {
			if s.Device == "" || s.SealNumber == "" || samePerson(s.Person1, s.Person2) {
				t.Fatalf("invalid record accepted: %+v", s)
			}
			rows = append(rows, []string{s.Time.Format(time.RFC3339Nano), s.Device, s.SealNumber, s.Action, s.Person1, s.Person2})
		}
		again, err := ParseSeals(bytes.NewReader(writeCSV(t, sealColumns, rows)), "f")
		if err != nil {
			t.Fatalf("re-parsing the records: %v", err)
		}
		strip := func(s *Seal) { s.Source = Source{} }
		if !reflect.DeepEqual(stripSources(recs, strip), stripSources(again, strip)) {
			t.Fatalf("round trip differs:\n%+v\n%+v", recs, again)
		}
		// Whatever was accepted analyses without panicking, in order.
		rep := Analyze(Site{}, nil, nil, recs, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		for i := 1; i < len(rep.Findings); i++ {
			if rep.Findings[i].Time.Before(rep.Findings[i-1].Time) {
				t.Fatal("findings out of order")
			}
		}
	})
}

func FuzzParseSite(f *testing.F) {
	seeds(f, "site.json", goodSite, `{"rooms":[],"doors":[],"cameras":[]}`, `{"rooms":[{"id":"a","name":"A","election_equipment":true}],"doors":[{"id":"d","room":"a"}],"cameras":[{"id":"c","rooms":["a"]}]}`,
		`{"rooms":[],"rooms":[]}`, `[`, `{"rooms":[{"id":"\u0000"}]}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSite(bytes.NewReader(data), "f")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "f" || e.Expected == "" {
				t.Fatalf("error %v is not an *Error about file f", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted site does not validate: %v", err)
		}
		js, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseSite(bytes.NewReader(js), "f")
		if err != nil {
			t.Fatalf("re-parsing %s: %v", js, err)
		}
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip differs:\n%+v\n%+v", s, again)
		}
	})
}

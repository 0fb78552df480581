package facility

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

type parseFunc func(string) (int, error)

func parseBadges(s string) (int, error) {
	r, err := ParseBadges(strings.NewReader(s), "in.csv")
	return len(r), err
}

func parseCameras(s string) (int, error) {
	r, err := ParseCameras(strings.NewReader(s), "in.csv")
	return len(r), err
}

func parseSeals(s string) (int, error) {
	r, err := ParseSeals(strings.NewReader(s), "in.csv")
	return len(r), err
}

const (
	bh = "time,door,badge_id,name,result\n"
	ch = "time,camera,status\n"
	sh = "time,device,seal_number,action,person1,person2\n"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		parse  parseFunc
		in     string
		row    int
		column string
		value  string
		expect string // substring of Expected
	}{
		{"empty file", parseBadges, "", 0, "", "", "a header row time,door,badge_id,name[,result]"},
		{"only blank lines", parseCameras, "\n\n", 0, "", "", "the file is empty"},
		{"unknown column", parseCameras, "time,camera,status,room\n", 1, "room", "", "only the columns time,camera,status"},
		{"column case", parseCameras, "Time,camera,status\n", 1, "Time", "", "exact, lower-case names"},
		{"duplicate column", parseCameras, "time,camera,status,camera\n", 1, "camera", "", "each column once"},
		{"missing column", parseSeals, "time,device,seal_number,action,person1\n", 1, "person2", "time,device,seal_number,action,person1", "required column person2 is missing"},
		{"bare quote", parseCameras, ch + "2021-05-23T18:00:00Z,CAM \"1\",on\n", 2, "", "", "must itself be enclosed in double quotes"},
		{"unterminated quote", parseCameras, ch + "2021-05-23T18:00:00Z,\"CAM-1,on\n", 2, "", "", "a quoted field must end with a double quote"},
		{"text after quote", parseCameras, ch + "2021-05-23T18:00:00Z,\"CAM-1\"x,on\n", 2, "", "", "RFC 4180"},
		{"invalid utf-8", parseCameras, ch + "2021-05-23T18:00:00Z,CAM-\xff,on\n", 2, "camera", "CAM-\uFFFD", "UTF-8 text"},
		{"field too long", parseCameras, ch + "2021-05-23T18:00:00Z," + strings.Repeat("x", MaxField+1) + ",on\n", 2, "camera", strings.Repeat("x", 32) + "…", "at most 1024 bytes"},
		{"too few fields", parseCameras, ch + "2021-05-23T18:00:00Z,CAM-1\n", 2, "", "2021-05-23T18:00:00Z,CAM-1", "3 fields as in the header, got 2"},
		{"too many fields", parseCameras, ch + "2021-05-23T18:00:00Z,CAM-1,on,x\n", 2, "", "2021-05-23T18:00:00Z,CAM-1,on,x", "3 fields as in the header, got 4"},
		{"no offset", parseCameras, ch + "2021-05-23T18:00:00,CAM-1,on\n", 2, "time", "2021-05-23T18:00:00", "RFC 3339 time with a UTC offset"},
		{"spreadsheet time", parseBadges, bh + "5/23/2021 18:20,D-SRV,B-1,Ann,granted\n", 2, "time", "5/23/2021 18:20", "RFC 3339"},
		{"empty time", parseBadges, bh + ",D-SRV,B-1,Ann,granted\n", 2, "time", "", "RFC 3339"},
		{"one-digit hour", parseCameras, ch + "2021-05-23T8:00:00Z,CAM-1,on\n", 2, "time", "2021-05-23T8:00:00Z", "RFC 3339"},
		{"lower-case t", parseCameras, ch + "2021-05-23t18:00:00Z,CAM-1,on\n", 2, "time", "2021-05-23t18:00:00Z", "RFC 3339"},
		{"empty fraction", parseCameras, ch + "2021-05-23T18:00:00.Z,CAM-1,on\n", 2, "time", "2021-05-23T18:00:00.Z", "RFC 3339"},
		{"year 0", parseCameras, ch + "0000-01-01T00:00:00+01:00,CAM-1,on\n", 2, "time", "0000-01-01T00:00:00+01:00", "between the years 1970 and 9999"},
		{"bad hour", parseSeals, sh + "2021-05-23T25:00:00Z,EMS,S-1,applied,A,B\n", 2, "time", "2021-05-23T25:00:00Z", "RFC 3339"},
		{"empty door", parseBadges, bh + "2021-05-23T18:20:00Z,,B-1,Ann,granted\n", 2, "door", "", "a non-empty value"},
		{"empty badge", parseBadges, bh + "2021-05-23T18:20:00Z,D,,Ann,granted\n", 2, "badge_id", "", "a non-empty value"},
		{"padded door", parseBadges, bh + "2021-05-23T18:20:00Z, D-SRV,B-1,Ann,granted\n", 2, "door", " D-SRV", "no leading or trailing spaces"},
		{"tab in name", parseBadges, bh + "2021-05-23T18:20:00Z,D,B-1,An\tn,granted\n", 2, "name", "An\tn", "no control characters"},
		{"line break in name", parseBadges, bh + "2021-05-23T18:20:00Z,D,B-1,\"An\nn\",granted\n", 2, "name", "An\nn", "no control characters"},
		{"bad result", parseBadges, bh + "2021-05-23T18:20:00Z,D,B-1,Ann,GRANTED\n", 2, "result", "GRANTED", "one of granted, denied"},
		{"empty result", parseBadges, bh + "2021-05-23T18:20:00Z,D,B-1,Ann,\n", 2, "result", "", "one of granted, denied"},
		{"granted without name", parseBadges, bh + "2021-05-23T18:20:00Z,D,B-1,,granted\n", 2, "name", "", "the card holder's name"},
		{"granted without name, no result column", parseBadges, "time,door,badge_id,name\n2021-05-23T18:20:00Z,D,B-1,\n", 2, "name", "", "the card holder's name"},
		{"bad status", parseCameras, ch + "2021-05-23T18:00:00Z,CAM-1,ON\n", 2, "status", "ON", "one of on, off"},
		{"empty camera", parseCameras, ch + "2021-05-23T18:00:00Z,,on\n", 2, "camera", "", "a non-empty value"},
		{"bad action", parseSeals, sh + "2021-05-23T18:00:00Z,EMS,S-1,tampered,A,B\n", 2, "action", "tampered", "one of applied, verified, broken, removed"},
		{"empty device", parseSeals, sh + "2021-05-23T18:00:00Z,,S-1,applied,A,B\n", 2, "device", "", "a non-empty value"},
		{"empty seal number", parseSeals, sh + "2021-05-23T18:00:00Z,EMS,,applied,A,B\n", 2, "seal_number", "", "a non-empty value"},
		{"one person", parseSeals, sh + "2021-05-23T18:00:00Z,EMS,S-1,applied,Ann Lee,\n", 2, "person2", "", "a non-empty value"},
		{"no person1", parseSeals, sh + "2021-05-23T18:00:00Z,EMS,S-1,applied,,Bo\n", 2, "person1", "", "a non-empty value"},
		{"same person", parseSeals, sh + "2021-05-23T18:00:00Z,EMS,S-1,applied,Ann Lee,ann lee\n", 2, "person2", "ann lee", "a second person different from person1"},
		{"duplicate row", parseCameras, ch + "2021-05-23T18:00:00Z,CAM-1,off\n2021-05-23T19:00:00Z,CAM-1,on\n2021-05-23T18:00:00Z,CAM-1,off\n", 4, "", "2021-05-23T18:00:00Z,CAM-1,off", "this row repeats row 2"},
		{"duplicate instant, other offset", parseSeals, sh + "2021-05-23T18:00:00-06:00,EMS,S-1,applied,A,B\n2021-05-24T00:00:00Z,EMS,S-1,applied,A,B\n", 3, "", "2021-05-24T00:00:00Z,EMS,S-1,applied,A,B", "this row repeats row 2"},
		{"error after a good row", parseBadges, bh + "2021-05-23T18:20:00Z,D,B-1,Ann,granted\n2021-05-23T18:21:00Z,D,B-1,Ann,maybe\n", 3, "result", "maybe", "one of granted, denied"},
	}
	for _, tt := range tests {
		n, err := tt.parse(tt.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %d records, err %v; want an *Error", tt.name, n, err)
			continue
		}
		if n != 0 {
			t.Errorf("%s: %d records returned with the error", tt.name, n)
		}
		if e.File != "in.csv" || e.Row != tt.row || e.Column != tt.column || e.Value != tt.value || !strings.Contains(e.Expected, tt.expect) || e.Fix == "" {
			t.Errorf("%s: got %#v\nwant row %d, column %q, value %q, expected containing %q", tt.name, e, tt.row, tt.column, tt.value, tt.expect)
		}
		if !strings.HasPrefix(err.Error(), "in.csv") {
			t.Errorf("%s: message %q does not start with the file name", tt.name, err)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := ParseCameras(strings.NewReader(ch+"2021-05-23 18:00,CAM-1,on\n"), "cams.csv")
	want := `cams.csv: row 2, column "time": got "2021-05-23 18:00": expected an RFC 3339 time with a UTC offset, e.g. 2021-05-23T18:00:00-06:00 or 2021-05-24T00:00:00Z; correct the row in the export and import the file again (nothing from this file was imported)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	// A record spanning lines: the message gives both the row and the line.
	_, err = ParseCameras(strings.NewReader(ch+"2021-05-23T18:00:00Z,\"CAM\n1\",on\n2021-05-23T18:00:00Z,CAM-1,bad\n"), "cams.csv")
	if err == nil || !strings.HasPrefix(err.Error(), `cams.csv: row 2, column "camera"`) {
		t.Errorf("got %v", err)
	}
	e := &Error{File: "f.csv", Row: 3, Line: 5, Expected: "x"}
	if got := e.Error(); got != "f.csv: row 3 (line 5): expected x" {
		t.Errorf("got %q", got)
	}
}

func TestReadError(t *testing.T) {
	_, err := ParseSeals(iotest.ErrReader(errors.New("disk on fire")), "s.csv")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("got %v", err)
	}
}

func TestParseBadgesGood(t *testing.T) {
	in := "\xEF\xBB\xBFname,badge_id,door,time,result\r\n" + // BOM, CRLF, columns in any order
		"\"Reyes, Morgan\",B-1,D-SRV,2021-05-23T18:20:00-06:00,granted\r\n" +
		"\"Ann \"\"Nan\"\" Lee\",B-2,D-SRV,2021-05-23T18:00:00-06:00,granted\r\n" +
		",B-9,D-SRV,2021-05-23T18:20:00-06:00,denied\r\n" + // unknown card, denied: no name
		"Ann Lee,B-2,D-VLT,2021-05-24T00:00:00Z,denied\r\n"
	got, err := ParseBadges(strings.NewReader(in), "b.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Badge{
		{ts("2021-05-24T00:00:00Z"), "D-SRV", "B-2", `Ann "Nan" Lee`, Granted, Source{"b.csv", 3}},
		{ts("2021-05-24T00:00:00Z"), "D-VLT", "B-2", "Ann Lee", Denied, Source{"b.csv", 5}},
		{ts("2021-05-24T00:20:00Z"), "D-SRV", "B-1", "Reyes, Morgan", Granted, Source{"b.csv", 2}},
		{ts("2021-05-24T00:20:00Z"), "D-SRV", "B-9", "", Denied, Source{"b.csv", 4}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] || got[i].Time.Location() != want[i].Time.Location() {
			t.Errorf("record %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// Without a result column every row is a granted entry.
	got, err = ParseBadges(strings.NewReader("time,door,badge_id,name\n2021-05-23T18:20:00Z,D,B-1,Ann\n"), "b.csv")
	if err != nil || len(got) != 1 || got[0].Result != Granted {
		t.Errorf("got %+v, %v", got, err)
	}
	// A header with no rows is an empty, valid export.
	got, err = ParseBadges(strings.NewReader(bh), "b.csv")
	if err != nil || len(got) != 0 {
		t.Errorf("header only: %+v, %v", got, err)
	}
}

func TestOutOfOrderRowsSortStably(t *testing.T) {
	in := ch +
		"2021-05-23T21:00:00-06:00,CAM-1,on\n" +
		"2021-05-23T18:00:00-06:00,CAM-2,off\n" +
		"2021-05-24T00:00:00Z,CAM-1,off\n" + // same instant as row 3, later in the file
		"2021-05-23T06:00:00-06:00,CAM-1,on\n"
	got, err := ParseCameras(strings.NewReader(in), "c.csv")
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for _, c := range got {
		rows = append(rows, c.Source.Row)
	}
	if want := []int{5, 3, 4, 2}; len(rows) != 4 || rows[0] != want[0] || rows[1] != want[1] || rows[2] != want[2] || rows[3] != want[3] {
		t.Errorf("rows in order %v, want %v", rows, want)
	}
	seals, err := ParseSeals(strings.NewReader(sh+"2021-05-23T18:00:00Z,EMS,S-2,applied,A,B\n2021-05-23T17:00:00Z,EMS,S-1,removed,A,B\n"), "s.csv")
	if err != nil || len(seals) != 2 || seals[0].SealNumber != "S-1" || seals[1].Source.Row != 2 {
		t.Errorf("seals %+v, %v", seals, err)
	}
}

func TestMerge(t *testing.T) {
	a, err := ParseCameras(strings.NewReader(ch+"2021-05-23T18:00:00Z,CAM-1,off\n2021-05-23T20:00:00Z,CAM-1,on\n"), "mon.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseCameras(strings.NewReader(ch+"2021-05-23T19:00:00Z,CAM-2,off\n"), "tue.csv")
	if err != nil {
		t.Fatal(err)
	}
	m, err := MergeCameras(a, b)
	if err != nil || len(m) != 3 || m[1].Camera != "CAM-2" {
		t.Fatalf("merged %+v, %v", m, err)
	}
	overlap, err := ParseCameras(strings.NewReader(ch+"2021-05-23T21:00:00Z,CAM-1,off\n2021-05-23T20:00:00Z,CAM-1,on\n"), "wed.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = MergeCameras(a, b, overlap)
	var e *Error
	if !errors.As(err, &e) || e.File != "wed.csv" || e.Row != 3 || !strings.Contains(e.Expected, "repeats mon.csv row 3") {
		t.Errorf("overlap: %v", err)
	}
	bs := []Badge{swipe("2026-11-01T10:00:00Z", "d", Granted)}
	if _, err := MergeBadges(bs, bs); err == nil {
		t.Error("MergeBadges accepted the same swipe twice")
	}
	ss := []Seal{seal("2026-11-01T10:00:00Z", "T", "1", Applied, "A", "B")}
	if _, err := MergeSeals(ss, ss); err == nil {
		t.Error("MergeSeals accepted the same seal action twice")
	}
	if m, err := MergeSeals(ss, []Seal{seal("2026-11-01T09:00:00Z", "T", "1", Verified, "A", "B")}); err != nil || m[0].Action != Verified {
		t.Errorf("MergeSeals: %+v, %v", m, err)
	}
}

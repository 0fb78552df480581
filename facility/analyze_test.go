package facility

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/mesa")

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadMesa(t *testing.T) (Site, []Badge, []CameraStatus, []Seal) {
	t.Helper()
	dir := filepath.Join("testdata", "mesa")
	site, err := ParseSite(bytes.NewReader(readFile(t, filepath.Join(dir, "site.json"))), "site.json")
	if err != nil {
		t.Fatal(err)
	}
	badges, err := ParseBadges(bytes.NewReader(readFile(t, filepath.Join(dir, "badges.csv"))), "badges.csv")
	if err != nil {
		t.Fatal(err)
	}
	cams, err := ParseCameras(bytes.NewReader(readFile(t, filepath.Join(dir, "cameras.csv"))), "cameras.csv")
	if err != nil {
		t.Fatal(err)
	}
	seals, err := ParseSeals(bytes.NewReader(readFile(t, filepath.Join(dir, "seals.csv"))), "seals.csv")
	if err != nil {
		t.Fatal(err)
	}
	return site, badges, cams, seals
}

func kinds(r Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Kind)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMesa replays the Mesa County weekend: cameras off at 18:00 on a
// Sunday, a colleague's badge into the server room at 18:20, cameras back
// on at 21:00. The report must name the interval and the entry.
func TestMesa(t *testing.T) {
	site, badges, cams, seals := loadMesa(t)
	until := ts("2021-05-24T18:00:00Z")
	rep := Analyze(site, badges, cams, seals, until)
	if want := []string{KindCameraGap, KindBadgeEntry, KindBadgeEntry, KindSealNotResealed}; !equal(kinds(rep), want) {
		t.Fatalf("findings %v, want %v:\n%s", kinds(rep), want, rep.Text())
	}
	if !rep.Start.Equal(ts("2021-05-23T12:00:00Z")) || !rep.Until.Equal(until) {
		t.Errorf("window %v..%v", rep.Start, rep.Until)
	}
	g := rep.Findings[0]
	if g.Room != "server-room" || !g.Time.Equal(ts("2021-05-23T18:00:00-06:00")) || !g.End.Equal(ts("2021-05-23T21:00:00-06:00")) || g.Open {
		t.Errorf("gap %+v, want server-room 18:00-21:00 local, closed", g)
	}
	if len(g.Cameras) != 2 || g.Cameras[0].State != StateOff || g.Cameras[1].State != StateOff || !g.Cameras[0].Since.Equal(g.Time) {
		t.Errorf("gap cameras %+v, want both off since the gap's start", g.Cameras)
	}
	e := rep.Findings[1]
	if e.Badge == nil || e.Badge.BadgeID != "B-2231" || e.Badge.Name != "Jordan Hale" || e.Denied ||
		!e.Time.Equal(ts("2021-05-23T18:20:00-06:00")) || !e.GapStart.Equal(g.Time) || e.Badge.Source != (Source{"badges.csv", 7}) {
		t.Errorf("entry %+v, want Jordan Hale's badge granted at 18:20 local from badges.csv row 7", e)
	}
	if d := rep.Findings[2]; !d.Denied || !d.Time.Equal(ts("2021-05-23T20:45:00-06:00")) || !strings.Contains(d.Text, "DENIED") {
		t.Errorf("denied entry %+v", d)
	}
	if s := rep.Findings[3]; s.Seal.Device != "EMS-SERVER" || !s.Open || !s.End.Equal(until) {
		t.Errorf("seal finding %+v", s)
	}
	// The vault's own camera was off 19:00-21:30 but the hallway camera
	// covers it: no gap, and the denied vault swipe at 18:21 is no finding.
	for _, f := range rep.Findings {
		if f.Room == "ballot-vault" {
			t.Errorf("vault finding despite the hallway camera: %s", f.Text)
		}
	}
	golden(t, filepath.Join("testdata", "mesa", "report.txt"), []byte(rep.Text()))
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "mesa", "report.json"), append(js, '\n'))
	var back Report
	if err := json.Unmarshal(js, &back); err != nil || len(back.Findings) != 4 || back.Findings[1].Badge.BadgeID != "B-2231" {
		t.Errorf("JSON does not round-trip: %v", err)
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readFile(t, path)
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./facility -run Mesa -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// A site with one equipment room covered by two cameras.
var twoCams = Site{
	Rooms:   []Room{{ID: "r", Name: "Tabulation room", ElectionEquipment: true}, {ID: "x", Name: "Break room"}},
	Doors:   []Door{{ID: "d", Room: "r"}, {ID: "dx", Room: "x"}},
	Cameras: []Camera{{ID: "c1", Rooms: []string{"r"}}, {ID: "c2", Rooms: []string{"r", "x"}}},
}

func cam(t, id, status string) CameraStatus {
	return CameraStatus{Time: ts(t), Camera: id, Status: status, Source: Source{"cams.csv", 2}}
}

func swipe(t, door, result string) Badge {
	return Badge{Time: ts(t), Door: door, BadgeID: "B-1", Name: "Ann", Result: result, Source: Source{"badges.csv", 2}}
}

func TestOverlappingCameras(t *testing.T) {
	cams := []CameraStatus{
		cam("2026-11-01T08:00:00Z", "c1", On), cam("2026-11-01T08:00:00Z", "c2", On),
		cam("2026-11-01T10:00:00Z", "c1", Off), // c2 still on: no gap
		cam("2026-11-01T11:00:00Z", "c1", On),
		cam("2026-11-01T12:00:00Z", "c2", Off), // c1 on: no gap
	}
	badges := []Badge{swipe("2026-11-01T10:30:00Z", "d", Granted)}
	rep := Analyze(twoCams, badges, cams, nil, ts("2026-11-01T18:00:00Z"))
	if !rep.OK() {
		t.Fatalf("one camera on should cover the room:\n%s", rep.Text())
	}
	// Now c1 goes off too: a gap from 13:00, still open at until.
	cams = append(cams, cam("2026-11-01T13:00:00Z", "c1", Off))
	badges = append(badges, swipe("2026-11-01T14:00:00Z", "d", Granted), swipe("2026-11-01T14:05:00Z", "dx", Granted))
	rep = Analyze(twoCams, badges, cams, nil, ts("2026-11-01T18:00:00Z"))
	if want := []string{KindCameraGap, KindBadgeEntry}; !equal(kinds(rep), want) {
		t.Fatalf("findings %v, want %v:\n%s", kinds(rep), want, rep.Text())
	}
	g := rep.Findings[0]
	if !g.Time.Equal(ts("2026-11-01T13:00:00Z")) || !g.End.Equal(ts("2026-11-01T18:00:00Z")) || !g.Open {
		t.Errorf("gap %+v, want 13:00 to until, open", g)
	}
	if !strings.Contains(g.Text, "still open") || !strings.Contains(g.Text, `"c2" off since 2026-11-01T12:00:00Z`) {
		t.Errorf("gap text %q", g.Text)
	}
}

func TestUnknownStateAtStart(t *testing.T) {
	// The first record is a swipe at 09:00; c1 reports on only at 10:00 and
	// c2 never reports: 09:00-10:00 is a gap, and the swipe in it is found.
	cams := []CameraStatus{cam("2026-11-01T10:00:00Z", "c1", On)}
	badges := []Badge{swipe("2026-11-01T09:00:00Z", "d", Granted), swipe("2026-11-01T09:30:00Z", "d", Denied), swipe("2026-11-01T10:00:00Z", "d", Granted)}
	rep := Analyze(twoCams, badges, cams, nil, ts("2026-11-01T18:00:00Z"))
	if want := []string{KindCameraGap, KindBadgeEntry, KindBadgeEntry}; !equal(kinds(rep), want) {
		t.Fatalf("findings %v, want %v:\n%s", kinds(rep), want, rep.Text())
	}
	g := rep.Findings[0]
	if !g.Time.Equal(ts("2026-11-01T09:00:00Z")) || !g.End.Equal(ts("2026-11-01T10:00:00Z")) || g.Open {
		t.Errorf("gap %+v", g)
	}
	for _, c := range g.Cameras {
		if c.State != StateUnknown || !c.Since.IsZero() {
			t.Errorf("camera %+v at the start should be unknown", c)
		}
	}
	if !strings.Contains(g.Text, "state unknown") {
		t.Errorf("text %q does not say the state was unknown", g.Text)
	}
	// The swipe at 10:00, the instant c1 came on, is watched.
	if rep.Findings[2].Time.Equal(ts("2026-11-01T10:00:00Z")) || !rep.Findings[2].Denied {
		t.Errorf("third finding %+v, want the denied 09:30 swipe", rep.Findings[2])
	}
}

func TestAnalyzeWindow(t *testing.T) {
	// c1 on before the window: the window starts watched.
	cams := []CameraStatus{cam("2026-10-01T00:00:00Z", "c1", On), cam("2026-11-01T12:00:00Z", "c1", Off), cam("2026-11-01T12:30:00Z", "c1", On)}
	rep := AnalyzeWindow(twoCams, []Badge{swipe("2026-10-02T00:00:00Z", "d", Granted)}, cams, nil, ts("2026-11-01T00:00:00Z"), ts("2026-11-02T00:00:00Z"))
	if want := []string{KindCameraGap}; !equal(kinds(rep), want) {
		t.Fatalf("findings %v, want %v:\n%s", kinds(rep), want, rep.Text())
	}
	if g := rep.Findings[0]; !g.Time.Equal(ts("2026-11-01T12:00:00Z")) || !g.End.Equal(ts("2026-11-01T12:30:00Z")) {
		t.Errorf("gap %+v", g)
	}
	// Without the earlier record the window starts in an unknown state.
	rep = AnalyzeWindow(twoCams, nil, cams[1:], nil, ts("2026-11-01T00:00:00Z"), ts("2026-11-02T00:00:00Z"))
	if len(rep.Findings) != 1 || !rep.Findings[0].Time.Equal(ts("2026-11-01T00:00:00Z")) || !rep.Findings[0].End.Equal(ts("2026-11-01T12:30:00Z")) {
		t.Errorf("findings:\n%s", rep.Text())
	}
	// A seal broken before the window and never resealed is reported; a
	// one-person record before the window is not.
	seals := []Seal{seal("2026-10-01T00:00:00Z", "T", "1", Broken, "A", "B"), seal("2026-10-02T00:00:00Z", "U", "2", Applied, "A", "a")}
	rep = AnalyzeWindow(Site{}, nil, nil, seals, ts("2026-11-01T00:00:00Z"), ts("2026-11-02T00:00:00Z"))
	if want := []string{KindSealNotResealed}; !equal(kinds(rep), want) {
		t.Errorf("findings %v, want %v:\n%s", kinds(rep), want, rep.Text())
	}
	// A window ending before it starts is empty.
	rep = AnalyzeWindow(twoCams, nil, nil, nil, ts("2026-11-02T00:00:00Z"), ts("2026-11-01T00:00:00Z"))
	if !rep.OK() || !rep.Start.Equal(rep.Until) {
		t.Errorf("inverted window: %+v", rep)
	}
}

func TestNoRecordsNoWindow(t *testing.T) {
	rep := Analyze(twoCams, nil, nil, nil, ts("2026-11-01T00:00:00Z"))
	if !rep.OK() || !rep.Start.Equal(rep.Until) {
		t.Errorf("no records: %+v", rep)
	}
	js, err := rep.JSON()
	if err != nil || !bytes.Contains(js, []byte(`"findings": []`)) {
		t.Errorf("empty report JSON %s, %v", js, err)
	}
	if rep.Text() != "" {
		t.Errorf("empty report text %q", rep.Text())
	}
}

func TestUncoveredRoomAndUnknowns(t *testing.T) {
	site := Site{
		Rooms:   []Room{{ID: "vault", Name: "Vault", ElectionEquipment: true}, {ID: "r", Name: "R", ElectionEquipment: true}},
		Doors:   []Door{{ID: "dv", Room: "vault"}, {ID: "d", Room: "r"}},
		Cameras: []Camera{{ID: "c1", Rooms: []string{"r"}}},
	}
	cams := []CameraStatus{cam("2026-11-01T08:00:00Z", "c1", On), cam("2026-11-01T08:10:00Z", "ghost", Off), cam("2026-11-01T08:20:00Z", "ghost", On)}
	badges := []Badge{swipe("2026-11-01T09:00:00Z", "dv", Granted), swipe("2026-11-01T09:05:00Z", "back-door", Denied), swipe("2026-11-01T19:00:00Z", "d", Granted)}
	rep := Analyze(site, badges, cams, nil, ts("2026-11-01T18:00:00Z"))
	want := []string{KindCameraGap, KindUnknownCamera, KindBadgeEntry, KindUnknownDoor, KindAfterUntil}
	if !equal(kinds(rep), want) {
		t.Fatalf("findings %v, want %v:\n%s", kinds(rep), want, rep.Text())
	}
	if g := rep.Findings[0]; g.Room != "vault" || len(g.Cameras) != 0 || !g.Open || !strings.Contains(g.Text, "no camera covers this room") {
		t.Errorf("uncovered room: %+v", g)
	}
	if u := rep.Findings[1]; u.Count != 2 || u.Camera.Camera != "ghost" {
		t.Errorf("unknown camera: %+v", u)
	}
	if u := rep.Findings[3]; !u.Denied || u.Badge.Door != "back-door" {
		t.Errorf("unknown door: %+v", u)
	}
	if a := rep.Findings[4]; a.Count != 1 || !a.Time.Equal(ts("2026-11-01T19:00:00Z")) || !strings.Contains(a.Text, "earliest: badges.csv row 2") {
		t.Errorf("after until: %+v", a)
	}
}

func seal(t, dev, num, action, p1, p2 string) Seal {
	return Seal{Time: ts(t), Device: dev, SealNumber: num, Action: action, Person1: p1, Person2: p2, Source: Source{"seals.csv", 2}}
}

func TestSeals(t *testing.T) {
	seals := []Seal{
		seal("2026-11-01T08:00:00Z", "T1", "100", Applied, "A", "B"),
		seal("2026-11-01T09:00:00Z", "T1", "100", Removed, "A", "B"),
		seal("2026-11-01T09:30:00Z", "T1", "101", Applied, "A", "B"),  // resolved
		seal("2026-11-01T10:00:00Z", "T1", "999", Verified, "A", "B"), // wrong number
		seal("2026-11-01T08:00:00Z", "T2", "200", Applied, "A", "B"),
		seal("2026-11-01T11:00:00Z", "T2", "200", Broken, "C", "D"),
		seal("2026-11-01T11:30:00Z", "T2", "201", Applied, "C", "c"), // one person: does not resolve
		seal("2026-11-01T08:00:00Z", "T3", "300", Broken, "A", "B"),
		seal("2026-11-01T08:30:00Z", "T3", "300", Verified, "A", "B"), // the brief's rule: a verification resolves
	}
	rep := Analyze(Site{}, nil, nil, seals, ts("2026-11-01T18:00:00Z"))
	want := []string{KindSealNumberMismatch, KindSealNotResealed, KindSealOnePerson}
	if !equal(kinds(rep), want) {
		t.Fatalf("findings %v, want %v:\n%s", kinds(rep), want, rep.Text())
	}
	if f := rep.Findings[0]; f.Seal.SealNumber != "999" || !strings.Contains(f.Text, `applied last was "101"`) {
		t.Errorf("mismatch: %s", f.Text)
	}
	if f := rep.Findings[1]; f.Seal.Device != "T2" || !f.Time.Equal(ts("2026-11-01T11:00:00Z")) || !f.Open {
		t.Errorf("not resealed: %s", f.Text)
	}
}

func TestAnalyzeDoesNotModifyInputs(t *testing.T) {
	cams := []CameraStatus{cam("2026-11-01T10:00:00Z", "c1", On), cam("2026-11-01T08:00:00Z", "c1", Off)}
	before := append([]CameraStatus(nil), cams...)
	rep := Analyze(twoCams, nil, cams, nil, ts("2026-11-01T12:00:00Z"))
	if cams[0] != before[0] || cams[1] != before[1] {
		t.Error("Analyze reordered its input")
	}
	if len(rep.Findings) != 1 || !rep.Findings[0].End.Equal(ts("2026-11-01T10:00:00Z")) {
		t.Errorf("unsorted input analysed wrongly:\n%s", rep.Text())
	}
}

func TestAfterUntilNamesTheEarliest(t *testing.T) {
	late := cam("2026-11-02T01:00:00Z", "c1", Off)
	late.Source = Source{"cams.csv", 9}
	rep := Analyze(twoCams, []Badge{swipe("2026-11-02T05:00:00Z", "d", Granted)}, []CameraStatus{cam("2026-11-01T00:00:00Z", "c1", On), late},
		[]Seal{seal("2026-11-03T00:00:00Z", "T", "1", Applied, "A", "B")}, ts("2026-11-02T00:00:00Z"))
	if want := []string{KindAfterUntil}; !equal(kinds(rep), want) {
		t.Fatalf("findings %v, want %v:\n%s", kinds(rep), want, rep.Text())
	}
	if f := rep.Findings[0]; f.Count != 3 || !f.Time.Equal(late.Time) || !strings.Contains(f.Text, "3 records dated after") || !strings.Contains(f.Text, "earliest: cams.csv row 9") {
		t.Errorf("after-until: %s", f.Text)
	}
}

func TestSameInstantLastRecordWins(t *testing.T) {
	// c1 off and on at the same instant: no gap of zero length.
	cams := []CameraStatus{cam("2026-11-01T08:00:00Z", "c1", On), cam("2026-11-01T09:00:00Z", "c1", Off), cam("2026-11-01T09:00:00Z", "c1", On)}
	if rep := Analyze(twoCams, nil, cams, nil, ts("2026-11-01T12:00:00Z")); !rep.OK() {
		t.Errorf("zero-length gap reported:\n%s", rep.Text())
	}
	// On then off at the same instant: off wins, a gap to until.
	cams[1].Status, cams[2].Status = On, Off
	rep := Analyze(twoCams, nil, cams, nil, ts("2026-11-01T12:00:00Z"))
	if len(rep.Findings) != 1 || !rep.Findings[0].Time.Equal(ts("2026-11-01T09:00:00Z")) || !rep.Findings[0].Open {
		t.Errorf("same-instant off:\n%s", rep.Text())
	}
}

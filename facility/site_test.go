package facility

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const goodSite = `{
  "rooms": [{"id": "srv", "name": "Server room", "election_equipment": true},
            {"id": "hall", "name": "Hall", "election_equipment": false}],
  "doors": [{"id": "D1", "room": "srv"}],
  "cameras": [{"id": "C1", "rooms": ["srv", "hall"]}]
}`

func TestParseSiteGood(t *testing.T) {
	s, err := ParseSite(strings.NewReader(goodSite), "site.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rooms) != 2 || !s.Rooms[0].ElectionEquipment || s.Rooms[1].ElectionEquipment || s.Doors[0].Room != "srv" || s.Cameras[0].Rooms[1] != "hall" {
		t.Errorf("site %+v", s)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	s, err = ParseSite(strings.NewReader(`{"rooms":[],"doors":[],"cameras":[]}`), "empty.json")
	if err != nil || len(s.Rooms) != 0 {
		t.Errorf("empty site: %+v, %v", s, err)
	}
}

func TestParseSiteErrors(t *testing.T) {
	room := `{"id": "srv", "name": "Server room", "election_equipment": true}`
	site := func(rooms, doors, cams string) string {
		return `{"rooms": [` + rooms + `], "doors": [` + doors + `], "cameras": [` + cams + `]}`
	}
	tests := []struct {
		name, in, column, value, expect string
		line                            int
	}{
		{"empty", "", "", "", "more JSON", 1},
		{"not json", "rooms: []", "", "", "valid JSON", 1},
		{"truncated", "{\"rooms\": [\n", "rooms", "", "the text ends early", 2},
		{"trailing data", site(room, "", "") + "\n{}", "", "", "nothing after the site object", 2},
		{"array at top", "[]", "", "an array", "a JSON object with members rooms, doors and cameras", 0},
		{"unknown member", `{"rooms":[],"doors":[],"cameras":[],"zones":[]}`, "zones", "", "only the members rooms, doors, cameras", 0},
		{"missing cameras", `{"rooms":[],"doors":[]}`, "cameras", "", "the required member cameras", 0},
		{"rooms null", `{"rooms":null,"doors":[],"cameras":[]}`, "rooms", "null", "an array of objects", 0},
		{"room not object", site(`"srv"`, "", ""), "rooms[0]", "srv", "an object with members id, name, election_equipment", 0},
		{"room unknown member", site(`{"id":"a","name":"A","election_equipment":true,"floor":2}`, "", ""), "rooms[0].floor", "", "only the members id, name, election_equipment", 0},
		{"room missing equipment", site(`{"id":"a","name":"A"}`, "", ""), "rooms[0].election_equipment", "", "the required member election_equipment", 0},
		{"equipment not bool", site(`{"id":"a","name":"A","election_equipment":"yes"}`, "", ""), "rooms[0].election_equipment", "yes", "true or false", 0},
		{"id a number", site(`{"id":7,"name":"A","election_equipment":true}`, "", ""), "rooms[0].id", "7", "a string", 0},
		{"duplicate key", "{\"rooms\": [],\n \"rooms\": [], \"doors\": [], \"cameras\": []}", "rooms", "", `"rooms" appears twice`, 2},
		{"duplicate key in room", site(`{"id":"a","id":"b","name":"A","election_equipment":true}`, "", ""), "rooms[0].id", "", `"id" appears twice`, 1},
		{"empty id", site(`{"id":"","name":"A","election_equipment":true}`, "", ""), "rooms[0].id", "", "a non-empty string", 0},
		{"padded id", site(`{"id":"srv ","name":"A","election_equipment":true}`, "", ""), "rooms[0].id", "srv ", "without leading or trailing spaces", 0},
		{"control in name", site(`{"id":"srv","name":"A\nB","election_equipment":true}`, "", ""), "rooms[0].name", "A\nB", "a name without control characters", 0},
		{"empty name", site(`{"id":"srv","name":"","election_equipment":true}`, "", ""), "rooms[0].name", "", "a name: a non-empty string", 0},
		{"duplicate room", site(room+","+room, "", ""), "rooms[1].id", "srv", "rooms[0] has the same id", 0},
		{"door to unknown room", site(room, `{"id":"D1","room":"vault"}`, ""), "doors[0].room", "vault", "the id of a room listed in rooms", 0},
		{"duplicate door", site(room, `{"id":"D1","room":"srv"},{"id":"D1","room":"srv"}`, ""), "doors[1].id", "D1", "doors[0] has the same id", 0},
		{"door missing room", site(room, `{"id":"D1"}`, ""), "doors[0].room", "", "the required member room", 0},
		{"camera no rooms", site(room, "", `{"id":"C1","rooms":[]}`), "cameras[0].rooms", "", "a non-empty list", 0},
		{"camera rooms string", site(room, "", `{"id":"C1","rooms":"srv"}`), "cameras[0].rooms", "srv", "an array of room ids", 0},
		{"camera room number", site(room, "", `{"id":"C1","rooms":[1]}`), "cameras[0].rooms[0]", "1", "a string", 0},
		{"camera unknown room", site(room, "", `{"id":"C1","rooms":["srv","vault"]}`), "cameras[0].rooms[1]", "vault", "the id of a room listed in rooms", 0},
		{"camera room twice", site(room, "", `{"id":"C1","rooms":["srv","srv"]}`), "cameras[0].rooms[1]", "srv", "each room once per camera", 0},
		{"duplicate camera", site(room, "", `{"id":"C1","rooms":["srv"]},{"id":"C1","rooms":["srv"]}`), "cameras[1].id", "C1", "cameras[0] has the same id", 0},
		{"too deep", `{"rooms":[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]],"doors":[],"cameras":[]}`, "rooms" + strings.Repeat("[0]", 16), "", "at most 16 levels", 1},
		{"invalid utf-8", "{\"rooms\":[\"\xff\"]}", "", "", "UTF-8 text", 0},
		{"too large", `{"rooms":[` + strings.Repeat(" ", MaxSiteSize) + `]}`, "", "", "at most 4 MiB", 0},
	}
	for _, tt := range tests {
		s, err := ParseSite(strings.NewReader(tt.in), "site.json")
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %+v, %v; want an *Error", tt.name, s, err)
			continue
		}
		if e.File != "site.json" || e.Column != tt.column || e.Value != tt.value || !strings.Contains(e.Expected, tt.expect) || e.Line != tt.line || e.Fix == "" {
			t.Errorf("%s: got %#v\nwant column %q, value %q, line %d, expected containing %q", tt.name, e, tt.column, tt.value, tt.line, tt.expect)
		}
	}
}

func TestSiteValidate(t *testing.T) {
	s := Site{Rooms: []Room{{ID: "a", Name: "A"}}, Cameras: []Camera{{ID: "c", Rooms: []string{"b"}}}}
	err := s.Validate()
	if err == nil || err.Error() != `site: "cameras[0].rooms[0]": got "b": expected the id of a room listed in rooms; correct the site description and load it again (nothing was loaded)` {
		t.Errorf("got %v", err)
	}
}

func TestPayloads(t *testing.T) {
	data := []byte(ch + "2021-05-23T19:00:00Z,CAM-1,on\n2021-05-23T18:00:00-06:00,CAM-1,off\n")
	p, recs, err := NewImportPayload(ImportCameras, data, "cams.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := ImportPayload{Kind: "camera", File: FileCommitment{Name: "cams.csv", Size: int64(len(data)), SHA256: Commit("x", data).SHA256},
		Rows: 2, First: "2021-05-23T19:00:00Z", Last: "2021-05-24T00:00:00Z"}
	if p != want || len(recs.Cameras) != 2 || recs.Badges != nil || len(p.File.SHA256) != 64 {
		t.Errorf("payload %+v, want %+v", p, want)
	}
	m := p.Payload()
	if f, ok := m["file"].(map[string]any); !ok || f["size"] != int64(len(data)) || m["rows"] != int64(2) || m["kind"] != "camera" || m["first"] != p.First {
		t.Errorf("ledger payload %#v", m)
	}
	if _, err := ReadImport(p, data); err != nil {
		t.Errorf("ReadImport of the committed file: %v", err)
	}
	tampered := bytes.Replace(data, []byte(",off"), []byte(",on "), 1)
	if _, err := ReadImport(p, tampered); err == nil || !strings.Contains(err.Error(), "the file was changed after it was logged") {
		t.Errorf("tampered file: %v", err)
	}
	lying := p
	lying.Rows = 1
	if _, err := ReadImport(lying, data); err == nil || !strings.Contains(err.Error(), "the event does not describe the file") {
		t.Errorf("wrong row count: %v", err)
	}
	// An empty export: no first/last in the ledger payload.
	p, _, err = NewImportPayload(ImportBadges, []byte(bh), "b.csv")
	if err != nil || p.Rows != 0 {
		t.Fatalf("%+v, %v", p, err)
	}
	if _, ok := p.Payload()["first"]; ok {
		t.Error("empty import payload has first")
	}
	if _, _, err := NewImportPayload("door", data, "x.csv"); err == nil || !strings.Contains(err.Error(), "one of badge, camera, seal") {
		t.Errorf("bad kind: %v", err)
	}
	if _, _, err := NewImportPayload(ImportSeals, data, "x.csv"); err == nil {
		t.Error("a camera export imported as seals")
	}
	sp, site, err := NewSitePayload([]byte(goodSite), "site.json")
	if err != nil || sp.Rooms != 2 || sp.EquipmentRooms != 1 || sp.Doors != 1 || sp.Cameras != 1 || len(site.Rooms) != 2 {
		t.Errorf("site payload %+v, %v", sp, err)
	}
	if sm := sp.Payload(); sm["equipment_rooms"] != int64(1) {
		t.Errorf("site ledger payload %#v", sm)
	}
	if _, _, err := NewSitePayload([]byte("{}"), "site.json"); err == nil {
		t.Error("bad site accepted")
	}
}

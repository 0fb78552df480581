package ledger

// The event types of the facility record (package facility, "canvass
// facility import"): the site description and the imports of the badge,
// camera and tamper-seal exports, one event per file. The payloads are
// exactly facility.SitePayload and facility.ImportPayload as JSON; the
// rows themselves are the committed file's content (docs/facility.md).
// init registers each type with its payload struct (registerType).

func init() {
	zeros := []Payload{FacilitySite{}, FacilityImport{}}
	for i, et := range facilityEvents {
		registerType(et, zeros[i])
	}
}

// FacilitySite is the payload of "facility-site" events: the site
// description in force from the event on.
type FacilitySite struct {
	File           FileCommitment `json:"file"`
	Rooms          int64          `json:"rooms"`
	EquipmentRooms int64          `json:"equipment_rooms"`
	Doors          int64          `json:"doors"`
	Cameras        int64          `json:"cameras"`
}

// EventType implements Payload.
func (FacilitySite) EventType() string { return "facility-site" }

// FacilityImport is the payload of "facility-import" events: one imported
// badge, camera or seal export.
type FacilityImport struct {
	Kind  string         `json:"kind"`
	File  FileCommitment `json:"file"`
	Rows  int64          `json:"rows"`
	First string         `json:"first,omitempty"`
	Last  string         `json:"last,omitempty"`
}

// EventType implements Payload.
func (FacilityImport) EventType() string { return "facility-import" }

var facilityEvents = []EventType{
	{
		ID: "facility-site", Severity: "notice",
		Description: "The description of the site (rooms, which hold election equipment, badge-controlled doors, the rooms each camera covers) was loaded; it is in force from this event on (docs/facility.md). UserId is the operator who ran canvass facility import (Details mark it as an operator action).",
		Payload: []Field{
			{Name: "file", Kind: KindFile, Required: true, Doc: "the site description (JSON), stored by SHA-256"},
			{Name: "rooms", Kind: KindCount, Required: true, Doc: "rooms described"},
			{Name: "equipment_rooms", Kind: KindCount, Required: true, Doc: "rooms marked as holding election equipment"},
			{Name: "doors", Kind: KindCount, Required: true, Doc: "badge-controlled doors described"},
			{Name: "cameras", Kind: KindCount, Required: true, Doc: "cameras described"},
		},
	},
	{
		ID: "facility-import", Severity: "notice",
		Description: "An export of the access-control system (badge swipes), the video system (camera on/off status) or the tamper-seal register was imported, one event per file; the rows are the committed file's content (docs/facility.md). UserId is the operator who ran canvass facility import (Details mark it as an operator action).",
		Payload: []Field{
			{Name: "kind", Kind: KindEnum, Required: true, Enum: []string{"badge", "camera", "seal"}, Doc: "which export"},
			{Name: "file", Kind: KindFile, Required: true, Doc: "the CSV file as imported, stored by SHA-256"},
			{Name: "rows", Kind: KindCount, Required: true, Doc: "data rows in the file"},
			{Name: "first", Kind: KindString, Doc: "the earliest record time, RFC 3339 in UTC (absent when rows is 0)"},
			{Name: "last", Kind: KindString, Doc: "the latest record time, RFC 3339 in UTC (absent when rows is 0)"},
		},
	},
}

package facility

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Log event types (the lead registers them in ledger.Catalogue; the field
// kinds are given next to each payload field).
const (
	// EventSite commits to the site description in force from the event on.
	EventSite = "facility-site"
	// EventImport commits to one imported CSV export.
	EventImport = "facility-import"
)

// What an import holds: the kind field of an ImportPayload.
const (
	ImportBadges  = "badge"
	ImportCameras = "camera"
	ImportSeals   = "seal"
)

// ImportKinds lists the values of ImportPayload.Kind.
var ImportKinds = []string{ImportBadges, ImportCameras, ImportSeals}

// FileCommitment is a ledger file commitment (field kind "file").
type FileCommitment struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Commit returns the commitment to data under name.
func Commit(name string, data []byte) FileCommitment {
	sum := sha256.Sum256(data)
	return FileCommitment{Name: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
}

func (f FileCommitment) payload() map[string]any {
	return map[string]any{"name": f.Name, "sha256": f.SHA256, "size": f.Size}
}

// SitePayload is the payload of a facility-site event.
type SitePayload struct {
	// File is the site description (kind file).
	File FileCommitment `json:"file"`
	// Rooms, EquipmentRooms, Doors and Cameras count what it describes
	// (kind count each).
	Rooms          int64 `json:"rooms"`
	EquipmentRooms int64 `json:"equipment_rooms"`
	Doors          int64 `json:"doors"`
	Cameras        int64 `json:"cameras"`
}

// ImportPayload is the payload of a facility-import event. The rows
// themselves are the committed file's content: the log stays small, and
// the file (which names staff) can be published or withheld by policy
// while its digest is public.
type ImportPayload struct {
	// Kind is ImportBadges, ImportCameras or ImportSeals (kind enum).
	Kind string `json:"kind"`
	// File is the CSV export as imported (kind file).
	File FileCommitment `json:"file"`
	// Rows is the number of data rows (kind count).
	Rows int64 `json:"rows"`
	// First and Last are the earliest and latest record times, RFC 3339
	// in UTC (kind string; omitted when Rows is 0).
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
}

// Records are the parsed rows of one import; only the slice of its kind is
// set.
type Records struct {
	Badges  []Badge
	Cameras []CameraStatus
	Seals   []Seal
}

// NewSitePayload parses a site description and returns the payload of the
// facility-site event committing to it, with the parsed site.
func NewSitePayload(data []byte, name string) (SitePayload, Site, error) {
	s, err := ParseSite(bytes.NewReader(data), name)
	if err != nil {
		return SitePayload{}, Site{}, err
	}
	p := SitePayload{File: Commit(name, data), Rooms: int64(len(s.Rooms)), Doors: int64(len(s.Doors)), Cameras: int64(len(s.Cameras))}
	for _, r := range s.Rooms {
		if r.ElectionEquipment {
			p.EquipmentRooms++
		}
	}
	return p, s, nil
}

// NewImportPayload parses an export of the given kind and returns the
// payload of the facility-import event committing to it, with the records.
// Any error is an *Error and nothing should be logged.
func NewImportPayload(kind string, data []byte, name string) (ImportPayload, Records, error) {
	var recs Records
	var times []time.Time
	var err error
	switch kind {
	case ImportBadges:
		recs.Badges, err = ParseBadges(bytes.NewReader(data), name)
		for _, r := range recs.Badges {
			times = append(times, r.Time)
		}
	case ImportCameras:
		recs.Cameras, err = ParseCameras(bytes.NewReader(data), name)
		for _, r := range recs.Cameras {
			times = append(times, r.Time)
		}
	case ImportSeals:
		recs.Seals, err = ParseSeals(bytes.NewReader(data), name)
		for _, r := range recs.Seals {
			times = append(times, r.Time)
		}
	default:
		return ImportPayload{}, Records{}, &Error{File: name, Column: "kind", Value: kind, Expected: "one of badge, camera, seal", Fix: "say which kind of export the file is"}
	}
	if err != nil {
		return ImportPayload{}, Records{}, err
	}
	p := ImportPayload{Kind: kind, File: Commit(name, data), Rows: int64(len(times))}
	if len(times) > 0 {
		p.First, p.Last = stamp(times[0]), stamp(times[len(times)-1])
	}
	return p, recs, nil
}

// ReadImport is the verifier's side of NewImportPayload: it checks that
// data is the file p commits to (SHA-256 and size), parses it, and checks
// that the row count and first and last times match p.
func ReadImport(p ImportPayload, data []byte) (Records, error) {
	c := Commit(p.File.Name, data)
	if c.SHA256 != p.File.SHA256 || c.Size != p.File.Size {
		return Records{}, &Error{File: p.File.Name, Value: c.SHA256,
			Expected: "the file the log commits to (sha256 " + p.File.SHA256 + ", " + itoa(int(p.File.Size)) + " bytes; this one has " + itoa(int(c.Size)) + " bytes)",
			Fix:      "the file was changed after it was logged: fetch the committed file"}
	}
	q, recs, err := NewImportPayload(p.Kind, data, p.File.Name)
	if err != nil {
		return Records{}, err
	}
	if q != p {
		return Records{}, &Error{File: p.File.Name, Value: describePayload(q),
			Expected: "the row count and times the log records (" + describePayload(p) + ")",
			Fix:      "the event does not describe the file it commits to: the log entry was written wrongly"}
	}
	return recs, nil
}

func describePayload(p ImportPayload) string {
	return p.Kind + ", " + itoa(int(p.Rows)) + " rows, first " + p.First + ", last " + p.Last
}

// Payload returns p as a ledger Event payload (strings, int64 counts and
// map[string]any file commitments).
func (p SitePayload) Payload() map[string]any {
	return map[string]any{"file": p.File.payload(), "rooms": p.Rooms, "equipment_rooms": p.EquipmentRooms, "doors": p.Doors, "cameras": p.Cameras}
}

// Payload returns p as a ledger Event payload; first and last are left
// out when empty, as ledger requires of optional strings.
func (p ImportPayload) Payload() map[string]any {
	m := map[string]any{"kind": p.Kind, "file": p.File.payload(), "rows": p.Rows}
	if p.First != "" {
		m["first"] = p.First
	}
	if p.Last != "" {
		m["last"] = p.Last
	}
	return m
}

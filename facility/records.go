package facility

import (
	"io"
	"slices"
	"strings"
	"time"
)

// Badge results.
const (
	Granted = "granted"
	Denied  = "denied"
)

// Camera statuses.
const (
	On  = "on"
	Off = "off"
)

// Seal actions.
const (
	Applied  = "applied"
	Verified = "verified"
	Broken   = "broken"
	Removed  = "removed"
)

// Source is where a record was read: the file name given to the parser
// and the 1-based CSV record number (the header is row 1).
type Source struct {
	File string `json:"file"`
	Row  int    `json:"row"`
}

// Badge is one key-card swipe at a door.
type Badge struct {
	// Time is when the card was presented, in UTC.
	Time time.Time `json:"time"`
	// Door is the door's id in the site description.
	Door string `json:"door"`
	// BadgeID is the card's id as the access-control system records it.
	BadgeID string `json:"badge_id"`
	// Name is the person the card is issued to; empty only for a denied
	// swipe of a card the system does not know.
	Name string `json:"name,omitempty"`
	// Result is Granted or Denied (Granted when the export has no result
	// column: such systems export entries only).
	Result string `json:"result"`
	Source Source `json:"source"`
}

// CameraStatus is one change of a camera's recording state.
type CameraStatus struct {
	// Time is when the camera's state changed, in UTC.
	Time time.Time `json:"time"`
	// Camera is the camera's id in the site description.
	Camera string `json:"camera"`
	// Status is On or Off.
	Status string `json:"status"`
	Source Source `json:"source"`
}

// Seal is one action on a tamper-evident seal, witnessed by two people.
type Seal struct {
	// Time is when the action happened, in UTC.
	Time time.Time `json:"time"`
	// Device is the sealed equipment (a server, a tabulator, a ballot box).
	Device string `json:"device"`
	// SealNumber is the number printed on the seal.
	SealNumber string `json:"seal_number"`
	// Action is Applied, Verified, Broken or Removed.
	Action string `json:"action"`
	// Person1 and Person2 are the two people present, different names.
	Person1 string `json:"person1"`
	Person2 string `json:"person2"`
	Source  Source `json:"source"`
}

// Column sets of the three CSV formats.
var (
	badgeColumns  = []string{"time", "door", "badge_id", "name"}
	badgeOptional = []string{"result"}
	cameraColumns = []string{"time", "camera", "status"}
	sealColumns   = []string{"time", "device", "seal_number", "action", "person1", "person2"}
)

// ParseBadges reads a badge-swipe export: a CSV file with the header
// time,door,badge_id,name and optionally result (granted or denied). name
// is the file's name, used in errors and in each record's Source. The
// records are returned sorted by time, stably (rows with equal times keep
// the file's order). Any bad row refuses the whole file with an *Error.
func ParseBadges(r io.Reader, name string) ([]Badge, error) {
	t, err := readTable(r, name, badgeColumns, badgeOptional)
	if err != nil {
		return nil, err
	}
	out := make([]Badge, 0, len(t.rows))
	var dups dupCheck
	dups.t = t
	for _, rw := range t.rows {
		var b Badge
		if b.Time, err = t.checkTime(rw, "time"); err != nil {
			return nil, err
		}
		if b.Door, err = t.checkText(rw, "door", true); err != nil {
			return nil, err
		}
		if b.BadgeID, err = t.checkText(rw, "badge_id", true); err != nil {
			return nil, err
		}
		b.Result = Granted
		if t.has("result") {
			if b.Result, err = t.checkEnum(rw, "result", Granted, Denied); err != nil {
				return nil, err
			}
		}
		if b.Name, err = t.checkText(rw, "name", false); err != nil {
			return nil, err
		}
		if b.Name == "" && b.Result == Granted {
			return nil, t.err(rw, "name", "", "the card holder's name (only a denied swipe of an unknown card may have an empty name)")
		}
		if err := dups.check(rw, key(b.Time, b.Door, b.BadgeID, b.Name, b.Result)); err != nil {
			return nil, err
		}
		b.Source = Source{File: name, Row: rw.num}
		out = append(out, b)
	}
	slices.SortStableFunc(out, func(a, b Badge) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// ParseCameras reads a camera-status export: a CSV file with the header
// time,camera,status, status being on or off. Like ParseBadges it sorts
// stably by time and refuses the whole file on any bad row.
func ParseCameras(r io.Reader, name string) ([]CameraStatus, error) {
	t, err := readTable(r, name, cameraColumns, nil)
	if err != nil {
		return nil, err
	}
	out := make([]CameraStatus, 0, len(t.rows))
	dups := dupCheck{t: t}
	for _, rw := range t.rows {
		var c CameraStatus
		if c.Time, err = t.checkTime(rw, "time"); err != nil {
			return nil, err
		}
		if c.Camera, err = t.checkText(rw, "camera", true); err != nil {
			return nil, err
		}
		if c.Status, err = t.checkEnum(rw, "status", On, Off); err != nil {
			return nil, err
		}
		if err := dups.check(rw, key(c.Time, c.Camera, c.Status)); err != nil {
			return nil, err
		}
		c.Source = Source{File: name, Row: rw.num}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b CameraStatus) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// ParseSeals reads a tamper-seal export: a CSV file with the header
// time,device,seal_number,action,person1,person2; action is applied,
// verified, broken or removed, and person1 and person2 are two different
// non-empty names (compared ignoring case). Like ParseBadges it sorts
// stably by time and refuses the whole file on any bad row.
func ParseSeals(r io.Reader, name string) ([]Seal, error) {
	t, err := readTable(r, name, sealColumns, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Seal, 0, len(t.rows))
	dups := dupCheck{t: t}
	for _, rw := range t.rows {
		var s Seal
		if s.Time, err = t.checkTime(rw, "time"); err != nil {
			return nil, err
		}
		if s.Device, err = t.checkText(rw, "device", true); err != nil {
			return nil, err
		}
		if s.SealNumber, err = t.checkText(rw, "seal_number", true); err != nil {
			return nil, err
		}
		if s.Action, err = t.checkEnum(rw, "action", Applied, Verified, Broken, Removed); err != nil {
			return nil, err
		}
		if s.Person1, err = t.checkText(rw, "person1", true); err != nil {
			return nil, err
		}
		if s.Person2, err = t.checkText(rw, "person2", true); err != nil {
			return nil, err
		}
		if samePerson(s.Person1, s.Person2) {
			return nil, t.err(rw, "person2", s.Person2, "a second person different from person1 ("+s.Person1+"): a seal action needs two people present")
		}
		if err := dups.check(rw, key(s.Time, s.Device, s.SealNumber, s.Action, s.Person1, s.Person2)); err != nil {
			return nil, err
		}
		s.Source = Source{File: name, Row: rw.num}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Seal) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// samePerson reports whether two names are the same person's, or either is
// empty: compared ignoring case and surrounding space.
func samePerson(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a == "" || b == "" || strings.EqualFold(a, b)
}

// MergeBadges joins the records of several badge imports into one list
// sorted stably by time (earlier sets first for equal times). An exact
// duplicate across imports — the same swipe imported twice, e.g. from
// overlapping exports — is refused with an *Error naming both rows.
func MergeBadges(sets ...[]Badge) ([]Badge, error) {
	return merge(sets, func(b Badge) time.Time { return b.Time }, func(b Badge) (Source, string) {
		return b.Source, key(b.Time, b.Door, b.BadgeID, b.Name, b.Result)
	})
}

// MergeCameras is MergeBadges for camera-status imports.
func MergeCameras(sets ...[]CameraStatus) ([]CameraStatus, error) {
	return merge(sets, func(c CameraStatus) time.Time { return c.Time }, func(c CameraStatus) (Source, string) {
		return c.Source, key(c.Time, c.Camera, c.Status)
	})
}

// MergeSeals is MergeBadges for seal imports.
func MergeSeals(sets ...[]Seal) ([]Seal, error) {
	return merge(sets, func(s Seal) time.Time { return s.Time }, func(s Seal) (Source, string) {
		return s.Source, key(s.Time, s.Device, s.SealNumber, s.Action, s.Person1, s.Person2)
	})
}

func merge[T any](sets [][]T, timeOf func(T) time.Time, info func(T) (Source, string)) ([]T, error) {
	var out []T
	seen := map[string]Source{}
	for _, set := range sets {
		for _, rec := range set {
			src, k := info(rec)
			if first, ok := seen[k]; ok {
				return nil, &Error{File: src.File, Row: src.Row,
					Expected: "each record imported once: this row repeats " + first.File + " row " + itoa(first.Row),
					Fix:      "the two exports overlap; import only the rows that are new (or drop one of the imports)"}
			}
			seen[k] = src
			out = append(out, rec)
		}
	}
	slices.SortStableFunc(out, func(a, b T) int { return timeOf(a).Compare(timeOf(b)) })
	return out, nil
}

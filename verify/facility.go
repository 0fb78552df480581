package verify

// The facility record (evidence.json "facility", the verifier's facility
// report): the badge, camera and seal exports imported into the log by
// "canvass facility import", analysed again with package facility.

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/canvass/canvass/facility"
	"github.com/canvass/canvass/ledger"
)

// Facility is the facility record of the log: every site description and
// every import, in log order.
type Facility struct {
	Sites   []FacilitySite   `json:"sites"`
	Imports []FacilityImport `json:"imports"`
}

// FacilitySite is a facility-site event.
type FacilitySite struct {
	Entry          uint64  `json:"entry"`
	By             string  `json:"by"`
	File           FileRef `json:"file"`
	Rooms          int     `json:"rooms"`
	EquipmentRooms int     `json:"equipment_rooms"`
	Doors          int     `json:"doors"`
	Cameras        int     `json:"cameras"`
}

// FacilityImport is a facility-import event.
type FacilityImport struct {
	Entry uint64  `json:"entry"`
	By    string  `json:"by"`
	Kind  string  `json:"kind"`
	File  FileRef `json:"file"`
	Rows  int     `json:"rows"`
	First string  `json:"first,omitempty"`
	Last  string  `json:"last,omitempty"`
}

// deriveFacility collects the facility events (they belong to the office,
// not to one election: every package carries them all).
func deriveFacility(events []ledger.Event, commit func(uint64, ...FileRef)) *Facility {
	var f *Facility
	for i := range events {
		e := &events[i]
		p := e.Payload
		if e.Type != facility.EventSite && e.Type != facility.EventImport {
			continue
		}
		if f == nil {
			f = &Facility{Sites: []FacilitySite{}, Imports: []FacilityImport{}}
		}
		idx := uint64(i)
		file := ref(p["file"])
		commit(idx, file)
		if e.Type == facility.EventSite {
			f.Sites = append(f.Sites, FacilitySite{Entry: idx, By: e.UserID, File: file, Rooms: num(p["rooms"]),
				EquipmentRooms: num(p["equipment_rooms"]), Doors: num(p["doors"]), Cameras: num(p["cameras"])})
			continue
		}
		f.Imports = append(f.Imports, FacilityImport{Entry: idx, By: e.UserID, Kind: str(p["kind"]), File: file, Rows: num(p["rows"]),
			First: str(p["first"]), Last: str(p["last"])})
	}
	return f
}

// Finding is the status of a facility report with findings: reported
// loudly, but not a failed claim (the exit status stays 0).
const Finding = "FINDING"

// FacilityReport is the verifier's facility report: the analysis of the
// facility record over the election's window (docs/evidence.md).
type FacilityReport struct {
	// Status is OK (no finding), Finding or Fail (the record cannot be
	// read as the log commits to it). A log without facility events has
	// no report.
	Status string `json:"status"`
	Detail string `json:"detail"`
	// Since and Until bound the analysis: the election's creation and the
	// last log entry.
	Since    time.Time          `json:"since,omitzero"`
	Until    time.Time          `json:"until,omitzero"`
	Findings []facility.Finding `json:"findings"`
}

// checkFacility analyses the facility record: for every room with
// election equipment, every interval in which no camera covering it was
// on and every badge presented at its doors during one, and the seals.
func checkFacility(rep *Report, pkg fs.FS, ev *Evidence, events []ledger.Event) {
	f := ev.Facility
	if f == nil {
		// Nothing to report: no line, no "facility" in --json.
		return
	}
	fr := &FacilityReport{Findings: []facility.Finding{}}
	rep.Facility = fr
	read := func(sum string) ([]byte, error) { return fs.ReadFile(pkg, FilePath(sum)) }
	fail := func(format string, args ...any) {
		fr.Status, fr.Detail = Fail, fmt.Sprintf(format, args...)
	}
	var bs []facility.Badge
	var cs []facility.CameraStatus
	var ss []facility.Seal
	counts := map[string]int{}
	for _, im := range f.Imports {
		data, err := read(im.File.SHA256)
		if err != nil {
			fail("the %s import at entry %d (%s): %v", im.Kind, im.Entry, im.File.Name, err)
			return
		}
		p := facility.ImportPayload{Kind: im.Kind, File: facility.FileCommitment(im.File), Rows: int64(im.Rows), First: im.First, Last: im.Last}
		recs, err := facility.ReadImport(p, data)
		if err != nil {
			fail("the %s import at entry %d: %v", im.Kind, im.Entry, err)
			return
		}
		counts[im.Kind]++
		if bs, err = facility.MergeBadges(bs, recs.Badges); err == nil {
			if cs, err = facility.MergeCameras(cs, recs.Cameras); err == nil {
				ss, err = facility.MergeSeals(ss, recs.Seals)
			}
		}
		if err != nil {
			fail("the %s import at entry %d: %v", im.Kind, im.Entry, err)
			return
		}
	}
	fr.Since = ev.electionTime(events)
	if n := len(events); n > 0 {
		fr.Until = events[n-1].TimeStamp.UTC()
	}
	if len(f.Sites) == 0 {
		fr.Status = Finding
		fr.Detail = fmt.Sprintf("%d imports but no site description: which rooms hold election equipment, and which cameras cover them, is unknown, so no camera gap can be ruled out", len(f.Imports))
		return
	}
	site := f.Sites[len(f.Sites)-1]
	data, err := readCommitted(read, site.File)
	if err != nil {
		fail("the site description at entry %d: %v", site.Entry, err)
		return
	}
	s, err := facility.ParseSite(bytes.NewReader(data), site.File.Name)
	if err != nil {
		fail("the site description at entry %d: %v", site.Entry, err)
		return
	}
	r := facility.AnalyzeWindow(s, bs, cs, ss, fr.Since, fr.Until)
	fr.Findings = r.Findings
	what := fmt.Sprintf("site description of entry %d (%d rooms with election equipment, %d cameras); %d badge, %d camera and %d seal imports; window %s to %s",
		site.Entry, site.EquipmentRooms, site.Cameras, counts[facility.ImportBadges], counts[facility.ImportCameras], counts[facility.ImportSeals],
		fr.Since.Format(time.RFC3339), fr.Until.Format(time.RFC3339))
	if counts[facility.ImportCameras] == 0 {
		what += "; no camera import, so every camera's state is unknown and counted as off"
	}
	if len(r.Findings) == 0 {
		fr.Status, fr.Detail = OK, "no camera gap in a room with election equipment, no badge entry during one, every seal intact ("+what+")"
		return
	}
	kinds := map[string]int{}
	for _, x := range r.Findings {
		kinds[x.Kind]++
	}
	var parts []string
	for k, n := range kinds {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(parts)
	fr.Status = Finding
	fr.Detail = fmt.Sprintf("%d findings (%s): reported, not a failed claim (%s)", len(r.Findings), strings.Join(parts, ", "), what)
}

// electionTime is when the election was created: the start of the
// facility analysis.
func (ev *Evidence) electionTime(events []ledger.Event) time.Time {
	if int(ev.Election.Entry) < len(events) {
		return events[ev.Election.Entry].TimeStamp.UTC()
	}
	return time.Time{}
}

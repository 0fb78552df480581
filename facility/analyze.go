package facility

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Finding kinds, in the order Report sorts findings that share a time.
const (
	// KindCameraGap: no camera covering a room with election equipment
	// was on during [Time, End).
	KindCameraGap = "camera-gap"
	// KindBadgeEntry: a badge was presented at a door into such a room
	// during a camera gap (granted or denied; Denied says which).
	KindBadgeEntry = "badge-entry"
	// KindSealNotResealed: a seal was broken or removed and no seal was
	// applied or verified on the device by two people afterwards.
	KindSealNotResealed = "seal-not-resealed"
	// KindSealNumberMismatch: a seal verified, broken or removed is not
	// the one last applied to the device.
	KindSealNumberMismatch = "seal-number-mismatch"
	// KindSealOnePerson: a seal action with fewer than two different
	// people present.
	KindSealOnePerson = "seal-one-person"
	// KindUnknownDoor: a badge swipe at a door the site does not list, so
	// the room it leads into is unknown.
	KindUnknownDoor = "unknown-door"
	// KindUnknownCamera: status records of a camera the site does not
	// list; they are ignored (which can only widen gaps).
	KindUnknownCamera = "unknown-camera"
	// KindAfterUntil: records dated after the end of the analysis.
	KindAfterUntil = "after-until"
)

var kindRank = map[string]int{
	KindCameraGap: 0, KindBadgeEntry: 1, KindSealNotResealed: 2, KindSealNumberMismatch: 3,
	KindSealOnePerson: 4, KindUnknownDoor: 5, KindUnknownCamera: 6, KindAfterUntil: 7,
}

// Camera states reported in a gap.
const (
	// StateUnknown: the camera has no status record yet; treated as off.
	StateUnknown = "unknown"
	// StateOff: the camera's last record says off.
	StateOff = "off"
)

// CameraState is the state of one camera covering a room when a gap began.
type CameraState struct {
	Camera string `json:"camera"`
	// State is StateOff or StateUnknown.
	State string `json:"state"`
	// Since is the time of the record that switched it off (zero when
	// unknown).
	Since time.Time `json:"since,omitzero"`
}

// Finding is one problem the analysis found.
type Finding struct {
	Kind string `json:"kind"`
	// Time is when the gap began or the record was made.
	Time time.Time `json:"time"`
	// End is when a camera gap or an unsealed interval ended; Open says
	// it had not ended by Until (End is then Until).
	End  time.Time `json:"end,omitzero"`
	Open bool      `json:"open,omitempty"`
	// Room and RoomName identify the room, for gaps and entries.
	Room     string `json:"room,omitempty"`
	RoomName string `json:"room_name,omitempty"`
	// Cameras are the cameras covering the room and their states when
	// the gap began (empty when no camera covers the room).
	Cameras []CameraState `json:"cameras,omitempty"`
	// GapStart is the start of the camera gap a badge entry fell in.
	GapStart time.Time     `json:"gap_start,omitzero"`
	Badge    *Badge        `json:"badge,omitempty"`
	Denied   bool          `json:"denied,omitempty"`
	Seal     *Seal         `json:"seal,omitempty"`
	Camera   *CameraStatus `json:"camera,omitempty"`
	// Count is the number of records a KindAfterUntil or KindUnknownCamera
	// finding stands for.
	Count int `json:"count,omitempty"`
	// Text is the finding on one line, as Report.Text prints it.
	Text string `json:"text"`
}

// Report is the result of Analyze.
type Report struct {
	// Start is the earliest record analysed; Until is the end given to
	// Analyze. The analysis covers [Start, Until].
	Start    time.Time `json:"start"`
	Until    time.Time `json:"until"`
	Findings []Finding `json:"findings"`
}

// OK reports whether the analysis found nothing.
func (r Report) OK() bool { return len(r.Findings) == 0 }

// Text renders the report one line per finding, each ending in a newline;
// it is empty when there are no findings.
func (r Report) Text() string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// JSON renders the report as indented JSON (docs/facility.md).
func (r Report) JSON() ([]byte, error) {
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return json.MarshalIndent(r, "", "  ")
}

type gap struct {
	start, end time.Time
	open       bool
}

// Analyze checks the facility records against the site over the window
// from the earliest record of any kind (not after until) to until; it is
// AnalyzeWindow with that start. See AnalyzeWindow and docs/facility.md.
func Analyze(site Site, badges []Badge, cameras []CameraStatus, seals []Seal, until time.Time) Report {
	until = until.UTC()
	since := until
	for _, t := range []time.Time{first(sorted(badges, func(b Badge) time.Time { return b.Time }), func(b Badge) time.Time { return b.Time }),
		first(sorted(cameras, func(c CameraStatus) time.Time { return c.Time }), func(c CameraStatus) time.Time { return c.Time }),
		first(sorted(seals, func(s Seal) time.Time { return s.Time }), func(s Seal) time.Time { return s.Time })} {
		if !t.IsZero() && t.Before(since) {
			since = t
		}
	}
	return AnalyzeWindow(site, badges, cameras, seals, since, until)
}

// AnalyzeWindow checks the facility records against the site over
// [since, until]. It is conservative: a camera with no record at or
// before since is in an unknown state, counted as off, until its first
// record; a room no camera covers is unwatched throughout; a swipe at a
// door the site does not list is reported; records of cameras the site
// does not list are ignored (which can only widen gaps) and reported.
// Records before since set the cameras' and seals' states but are not
// reported themselves (a seal broken before since and never resealed is
// reported: the device is unsealed in the window); records after until are not analysed and are
// reported together as one KindAfterUntil finding. The inputs need not be
// sorted and are not modified. Findings are sorted by time, then kind,
// room and text. If since is after until, the window is empty. The site
// must be valid (ParseSite or Site.Validate): a door leading into a room
// the site does not list is never in a gap.
func AnalyzeWindow(site Site, badges []Badge, cameras []CameraStatus, seals []Seal, since, until time.Time) Report {
	since, until = since.UTC(), until.UTC()
	if since.After(until) {
		since = until
	}
	rep := Report{Start: since, Until: until, Findings: []Finding{}}
	badges = sorted(badges, func(b Badge) time.Time { return b.Time })
	cameras = sorted(cameras, func(c CameraStatus) time.Time { return c.Time })
	seals = sorted(seals, func(s Seal) time.Time { return s.Time })
	add := func(f Finding) { rep.Findings = append(rep.Findings, f) }

	// Records after until.
	late := 0
	var lateFirst time.Time
	var lateSrc Source
	note := func(t time.Time, s Source) {
		if t.After(until) {
			late++
			if lateFirst.IsZero() || t.Before(lateFirst) {
				lateFirst, lateSrc = t, s
			}
		}
	}
	for _, b := range badges {
		note(b.Time, b.Source)
	}
	for _, c := range cameras {
		note(c.Time, c.Source)
	}
	for _, s := range seals {
		note(s.Time, s.Source)
	}
	if late > 0 {
		add(Finding{Kind: KindAfterUntil, Time: lateFirst, Count: late,
			Text: stamp(lateFirst) + " " + KindAfterUntil + ": " + plural(late, "record") + " dated after the end of the analysis " + stamp(until) +
				" (earliest: " + src(lateSrc) + ") were not analysed; a record from the future means a wrong clock or a forged export"})
	}

	// Cameras: index by id, report unknown ones.
	known := map[string]bool{}
	for _, c := range site.Cameras {
		known[c.ID] = true
	}
	byCam := map[string][]CameraStatus{}
	unknown := map[string]*Finding{}
	var unknownOrder []string
	for _, c := range cameras {
		if c.Time.After(until) {
			continue
		}
		if !known[c.Camera] {
			if f, ok := unknown[c.Camera]; ok {
				f.Count++
				continue
			}
			c := c
			unknown[c.Camera] = &Finding{Kind: KindUnknownCamera, Time: c.Time, Camera: &c, Count: 1}
			unknownOrder = append(unknownOrder, c.Camera)
			continue
		}
		byCam[c.Camera] = append(byCam[c.Camera], c)
	}
	for _, id := range unknownOrder {
		f := unknown[id]
		f.Text = stamp(f.Time) + " " + KindUnknownCamera + ": camera " + strconv.Quote(id) + " is not in the site description; its " +
			plural(f.Count, "status record") + " (first: " + src(f.Camera.Source) + ") were ignored"
		add(*f)
	}

	// Rooms with election equipment: gaps, then entries.
	rooms := map[string]Room{}
	for _, r := range site.Rooms {
		rooms[r.ID] = r
	}
	gaps := map[string][]gap{}
	for _, room := range site.Rooms {
		if !room.ElectionEquipment {
			continue
		}
		var covering []string
		for _, c := range site.Cameras {
			if slices.Contains(c.Rooms, room.ID) {
				covering = append(covering, c.ID)
			}
		}
		slices.Sort(covering)
		covering = slices.Compact(covering)
		var recs []CameraStatus
		for _, id := range covering {
			recs = append(recs, byCam[id]...)
		}
		slices.SortStableFunc(recs, func(a, b CameraStatus) int { return a.Time.Compare(b.Time) })
		gaps[room.ID] = append(gaps[room.ID], roomGaps(covering, recs, rep.Start, until, room, add)...)
	}
	doors := map[string]Door{}
	for _, d := range site.Doors {
		doors[d.ID] = d
	}
	for _, b := range badges {
		if b.Time.After(until) || b.Time.Before(since) {
			continue
		}
		d, ok := doors[b.Door]
		if !ok {
			b := b
			add(Finding{Kind: KindUnknownDoor, Time: b.Time, Badge: &b, Denied: b.Result == Denied,
				Text: stamp(b.Time) + " " + KindUnknownDoor + ": door " + strconv.Quote(b.Door) + " is not in the site description, so the room it leads into is unknown; " +
					who(b) + " [" + src(b.Source) + "]"})
			continue
		}
		for _, g := range gaps[d.Room] {
			if b.Time.Before(g.start) || b.Time.After(g.end) || (!g.open && b.Time.Equal(g.end)) {
				continue
			}
			b := b
			room := rooms[d.Room]
			add(Finding{Kind: KindBadgeEntry, Time: b.Time, Room: room.ID, RoomName: room.Name, GapStart: g.start, Badge: &b, Denied: b.Result == Denied,
				Text: stamp(b.Time) + " " + KindBadgeEntry + ": room " + strconv.Quote(room.ID) + " (" + strconv.Quote(room.Name) + ") through door " + strconv.Quote(b.Door) + ": " +
					who(b) + " while no camera was on (gap from " + stamp(g.start) + ") [" + src(b.Source) + "]"})
		}
	}

	analyzeSeals(seals, since, until, add)

	slices.SortStableFunc(rep.Findings, func(a, b Finding) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(kindRank[a.Kind], kindRank[b.Kind]), cmp.Compare(a.Room, b.Room),
			cmp.Compare(a.Text, b.Text))
	})
	return rep
}

// roomGaps sweeps the status records of the cameras covering room (sorted
// by time, none after until) and returns the intervals in [start, until]
// when none was on,
// adding a KindCameraGap finding for each.
func roomGaps(covering []string, recs []CameraStatus, start, until time.Time, room Room, add func(Finding)) []gap {
	type state struct {
		status string
		since  time.Time
	}
	st := map[string]state{}
	for _, id := range covering {
		st[id] = state{status: StateUnknown}
	}
	var out []gap
	inGap := false
	var gapStart time.Time
	var snapshot []CameraState
	snap := func() []CameraState {
		s := make([]CameraState, 0, len(covering))
		for _, id := range covering {
			s = append(s, CameraState{Camera: id, State: st[id].status, Since: st[id].since})
		}
		return s
	}
	emit := func(end time.Time, open bool) {
		if !end.After(gapStart) {
			return
		}
		out = append(out, gap{start: gapStart, end: end, open: open})
		add(gapFinding(room, gapStart, end, open, snapshot))
	}
	evaluate := func(t time.Time) {
		covered := false
		for _, id := range covering {
			covered = covered || st[id].status == On
		}
		switch {
		case !covered && !inGap:
			inGap, gapStart, snapshot = true, t, snap()
		case covered && inGap:
			inGap = false
			emit(t, false)
		}
	}
	i := 0
	for ; i < len(recs) && !recs[i].Time.After(start); i++ {
		st[recs[i].Camera] = state{status: recs[i].Status, since: recs[i].Time}
	}
	evaluate(start)
	for i < len(recs) {
		t := recs[i].Time
		for ; i < len(recs) && recs[i].Time.Equal(t); i++ {
			st[recs[i].Camera] = state{status: recs[i].Status, since: t}
		}
		evaluate(t)
	}
	if inGap {
		emit(until, true)
	}
	return out
}

func gapFinding(room Room, start, end time.Time, open bool, cams []CameraState) Finding {
	var b strings.Builder
	b.WriteString(stamp(start) + " " + KindCameraGap + ": room " + strconv.Quote(room.ID) + " (" + strconv.Quote(room.Name) + ") had no camera on from " + stamp(start) + " to " + stamp(end))
	if open {
		b.WriteString(" (still open at the end of the analysis)")
	}
	b.WriteString(", " + end.Sub(start).String())
	if len(cams) == 0 {
		b.WriteString("; no camera covers this room")
	}
	for i, c := range cams {
		if i == 0 {
			b.WriteString("; ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(c.Camera))
		if c.State == StateOff {
			b.WriteString(" off since " + stamp(c.Since))
		} else {
			b.WriteString(" state unknown (no record yet, counted as off)")
		}
	}
	return Finding{Kind: KindCameraGap, Time: start, End: end, Open: open, Room: room.ID, RoomName: room.Name, Cameras: cams, Text: b.String()}
}

// analyzeSeals follows each device's seals in time order.
func analyzeSeals(seals []Seal, since, until time.Time, add func(Finding)) {
	type dev struct {
		applied string // number of the seal applied last, "" if none
		open    *Seal  // the first break or removal not yet resolved
	}
	devs := map[string]*dev{}
	for _, s := range seals {
		if s.Time.After(until) {
			continue
		}
		s := s
		d := devs[s.Device]
		if d == nil {
			d = &dev{}
			devs[s.Device] = d
		}
		twoPeople := !samePerson(s.Person1, s.Person2)
		inWindow := !s.Time.Before(since)
		if !twoPeople && inWindow {
			add(Finding{Kind: KindSealOnePerson, Time: s.Time, Seal: &s,
				Text: stamp(s.Time) + " " + KindSealOnePerson + ": device " + strconv.Quote(s.Device) + " seal " + strconv.Quote(s.SealNumber) + " " + s.Action +
					" without two different people (person1 " + strconv.Quote(s.Person1) + ", person2 " + strconv.Quote(s.Person2) + ") [" + src(s.Source) + "]"})
		}
		if inWindow && s.Action != Applied && d.applied != "" && s.SealNumber != d.applied {
			add(Finding{Kind: KindSealNumberMismatch, Time: s.Time, Seal: &s,
				Text: stamp(s.Time) + " " + KindSealNumberMismatch + ": device " + strconv.Quote(s.Device) + " seal " + strconv.Quote(s.SealNumber) + " " + s.Action +
					", but the seal applied last was " + strconv.Quote(d.applied) + " [" + src(s.Source) + "]"})
		}
		switch s.Action {
		case Applied, Verified:
			if twoPeople {
				d.open = nil
			}
			if s.Action == Applied {
				d.applied = s.SealNumber
			}
		case Broken, Removed:
			if d.open == nil {
				d.open = &s
			}
			d.applied = ""
		}
	}
	names := make([]string, 0, len(devs))
	for n := range devs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := devs[n].open
		if s == nil {
			continue
		}
		add(Finding{Kind: KindSealNotResealed, Time: s.Time, End: until, Open: true, Seal: s,
			Text: stamp(s.Time) + " " + KindSealNotResealed + ": device " + strconv.Quote(s.Device) + " seal " + strconv.Quote(s.SealNumber) + " " + s.Action +
				" (" + strconv.Quote(s.Person1) + " and " + strconv.Quote(s.Person2) + "); no seal applied or verified on the device by two people before " + stamp(until) + " [" + src(s.Source) + "]"})
	}
}

// sorted returns recs sorted stably by time, copying only if needed.
func sorted[T any](recs []T, at func(T) time.Time) []T {
	if slices.IsSortedFunc(recs, func(a, b T) int { return at(a).Compare(at(b)) }) {
		return recs
	}
	c := slices.Clone(recs)
	slices.SortStableFunc(c, func(a, b T) int { return at(a).Compare(at(b)) })
	return c
}

// first returns the time of the first record, or the zero time.
func first[T any](recs []T, at func(T) time.Time) time.Time {
	if len(recs) == 0 {
		return time.Time{}
	}
	return at(recs[0])
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func src(s Source) string { return s.File + " row " + itoa(s.Row) }

func who(b Badge) string {
	s := "badge " + strconv.Quote(b.BadgeID)
	if b.Name != "" {
		s += " (" + strconv.Quote(b.Name) + ")"
	}
	if b.Result == Denied {
		return s + " DENIED"
	}
	return s + " granted"
}

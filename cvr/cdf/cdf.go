// Package cdf reads and writes cast vote records in NIST SP 1500-103, the
// Common Data Format (CDF) for CVRs, in both its JSON and XML encodings.
//
// # Reading
//
// Read (registered as "cdf") detects JSON or XML from the first byte and
// reads a CastVoteRecordReport the way RCTab does:
//
//   - A source's ContestID names a contest by its Name (RCTab's rule), or by
//     its @id / ObjectId. Empty reads every contest. A CVR without the
//     selected contest is not emitted; one that lists it with no selections
//     is an undervote.
//   - Of a CVR's snapshots, the one CurrentSnapshotId names is read (the
//     only one when there is a single snapshot).
//   - Each SelectionPosition with HasIndication other than "no" is a mark at
//     its Rank (else the CVRContestSelection's Rank, else 1). IsAllocable,
//     NumberVotes and FractionalVotes are ignored: the tabulator applies the
//     contest's rules. A selection without ContestSelectionId (an
//     unmatched write-in) is ignored.
//   - A ContestSelectionId names a ContestSelection of the Election section;
//     its token is the Name of its first candidate (or a ballot measure's
//     Selection text). A selection with IsWriteIn, or whose id or token is
//     the source's UndeclaredWriteInLabel, is the undeclared write-in; one
//     whose id or token is the OvervoteLabel is an explicit overvote. With
//     declared candidates (cvr.Source.Candidates) the token must match a
//     declared name or alias; without, candidates are the contest's
//     selections, with the selection @id as Candidate.ID.
//   - In RCTab mode (cvr.Source.RCTab) ranks, IsAllocable and write-ins
//     are read as RCTab's readers read them instead (source notes R21-R25):
//     a selection's Rank makes it one mark; IsAllocable "no" is no mark;
//     the write-in is IsWriteIn "true" or a CVRWriteIn position, never the
//     label; see docs/cvr-formats-dominion-hart-cdf.md.
//
// The Election section usually follows the CVRs, so a file is read twice:
// once for the definitions and once streaming the CVRs, one at a time.
// CVR.ID is RCTab's "file.json(n)" (n counts the file's CVRs from 1),
// SuppliedID the BallotPrePrintedId (else UniqueId), Precinct the Name of
// the BallotStyleUnitId's GpUnit (else the id), BallotStyle the
// BallotStyleId, Batch the BatchId and Tabulator the CreatingDeviceId.
//
// # Writing
//
// WriteJSON produces the cdf_cvr.json that RCTab writes when a contest's
// generateCdfJson option is set (and that its --convert-to-cdf produces),
// value for value. The RCTab runner calls it after tabulating:
//
//	err := cdf.WriteJSON(w, &cdf.Report{
//		Contest:      contest,             // the tabulated contest
//		ContestIndex: idx,                 // its index in Election.Contests
//		ContestName:  cfg.ContestName,     // outputSettings.contestName
//		Jurisdiction: cfg.Jurisdiction,    // outputSettings.contestJurisdiction
//		Generated:    time.Now(),
//		Precincts:    cfg.TabulateByPrecinct,
//		Rounds:       len(rounds),         // 0 for a conversion without tabulation
//		Allocations:  func(i, round int) ([]cdf.Allocation, bool) { … },
//		Token:        func(i int, ch election.Choice) string { … },
//	}, cvrs)
//
// See Report for what each field must hold to match RCTab, in particular
// Token (RCTab names selections by the CVR file's own text for the
// candidate, which CandidateTokens and dominion.CandidateTokens recover) and
// Allocations (where each ballot counted at the end of each round).
package cdf

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

func init() { cvr.Register("cdf", Read) }

// maxRecordBytes bounds one CVR (and the Election section), so that a
// corrupt or hostile file cannot make one record use unbounded memory.
const maxRecordBytes = 16 << 20

// maxRecordItems bounds the snapshots, contests, selections and positions
// of one CVR.
const maxRecordItems = 100000

// Read reads the CDF file src.Path, JSON or XML. It is the reader registered
// as "cdf".
func Read(src cvr.Source, e *election.Election, h cvr.Handler) error {
	f, err := src.Open(src.Path)
	if err != nil {
		return &cvr.Error{Path: src.Path, Err: err}
	}
	br := bufio.NewReader(f)
	first, err := firstByte(br)
	f.Close()
	if err != nil {
		return &cvr.Error{Path: src.Path, Err: err}
	}
	switch first {
	case '{':
		return ReadJSON(src, e, h)
	case '<':
		return ReadXML(src, e, h)
	}
	return &cvr.Error{Path: src.Path, Offset: 0, Err: fmt.Errorf("not a CDF file: it starts with %q; expected JSON ('{') or XML ('<') holding a NIST SP 1500-103 CastVoteRecordReport", first)}
}

// readTwice reads the report at src.Path, in the encoding enc names ('<'
// XML, else JSON), in the two passes both encodings need since the Election
// section usually follows the CVRs: the definitions, then the CVRs streamed
// from the start again.
func readTwice(enc byte, src cvr.Source, e *election.Election, h cvr.Handler) error {
	// A ballot ID (BallotPrePrintedId, else UniqueId) given twice is an
	// error naming both CVRs (issue 11).
	h, done := cvrread.UniqueIDs(h, "BallotPrePrintedId/UniqueId", func(r *election.CVR) string { return r.SuppliedID })
	f, err := src.Open(src.Path)
	if err != nil {
		return &cvr.Error{Path: src.Path, Err: err}
	}
	d, err := readDefs(enc, f, src.Path)
	f.Close()
	if err != nil {
		return err
	}
	// Opened again rather than rewound: a file in an fs.FS need not seek,
	// and the second pass is then read (and hashed) like the first.
	if f, err = src.Open(src.Path); err != nil {
		return &cvr.Error{Path: src.Path, Err: err}
	}
	defer f.Close()
	if enc == '<' {
		err = xmlCVRs(src, e, h, d, f)
	} else {
		err = jsonCVRs(src, e, h, d, f)
	}
	if err != nil {
		return err
	}
	return done()
}

// readDefs reads the Election and GpUnit sections of a report in the
// encoding enc names ('<' XML, else JSON).
func readDefs(enc byte, r io.Reader, path string) (*defs, error) {
	if enc == '<' {
		return xmlDefs(r, path)
	}
	return jsonDefs(r, path)
}

// firstByte returns the first byte after white space and a UTF-8 byte order
// mark.
func firstByte(r *bufio.Reader) (byte, error) {
	if b, err := r.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		r.Discard(3)
	}
	for {
		c, err := r.ReadByte()
		if err == io.EOF {
			return 0, errors.New("file is empty; expected a NIST SP 1500-103 CastVoteRecordReport in JSON or XML")
		}
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c, nil
		}
	}
}

// defs is what a report's Election and GpUnit sections define.
type defs struct {
	candidates map[string]string // candidate id -> Name
	contests   []*defContest
	gpUnits    map[string]string // GpUnit id -> Name
}

type defContest struct {
	id, name   string
	voteFor    int
	selections map[string]*defSelection
	order      []*defSelection
}

type defSelection struct {
	id           string
	candidateIDs []string
	text         string // ballot measure Selection
	writeIn      bool
	// writeInText: IsWriteIn is the text "true", the only form RCTab's
	// readers take (source notes R22; a JSON boolean does not count).
	writeInText bool
}

func newDefs() *defs {
	return &defs{candidates: map[string]string{}, gpUnits: map[string]string{}}
}

// token is the text RCTab keeps for a selection: its first candidate's
// Name, or a ballot measure's Selection (Unisyn writes there the id of a
// Candidate holding the text, which is followed).
func (d *defs) token(s *defSelection) string {
	if len(s.candidateIDs) > 0 {
		return d.candidates[s.candidateIDs[0]]
	}
	if name, ok := d.candidates[s.text]; ok && name != "" {
		return name
	}
	return s.text
}

// find returns the contest src.ContestID names: by Name, then by id.
func (d *defs) find(id string) (*defContest, error) {
	var byName []*defContest
	for _, c := range d.contests {
		if c.name == id {
			byName = append(byName, c)
		}
	}
	if len(byName) == 1 {
		return byName[0], nil
	}
	if len(byName) > 1 {
		return nil, fmt.Errorf("%d contests are named %q; name the contest by its @id instead", len(byName), id)
	}
	for _, c := range d.contests {
		if c.id == id {
			return c, nil
		}
	}
	var known []string
	for i, c := range d.contests {
		if i == 10 {
			known = append(known, "…")
			break
		}
		known = append(known, strconv.Quote(c.name))
	}
	if len(known) == 0 {
		return nil, fmt.Errorf("no contest %q: the file's Election section defines no contests", id)
	}
	return nil, fmt.Errorf("no contest named %q; the file defines %s", id, strings.Join(known, ", "))
}

// target is one contest being read.
type target struct {
	def     *defContest
	contest *election.Contest
	index   int32
	choices map[string]election.Choice // selection id -> choice
	// tokens holds, in RCTab mode, which identifier of its candidate each
	// selection's token is (election.Mark.Token), when not the name.
	tokens   map[string]int32
	declared bool
}

const unknownChoice election.Choice = -1000

// prepare adds the contests src selects to e and maps their selections to
// choices. It returns the targets keyed by contest id.
func prepare(src cvr.Source, e *election.Election, d *defs) (map[string]*target, error) {
	var chosen []*defContest
	if src.ContestID == "" {
		if src.Candidates != nil {
			return nil, errors.New("a candidate list applies to one contest; set the source's contest ID (the contest's Name)")
		}
		chosen = d.contests
	} else {
		c, err := d.find(src.ContestID)
		if err != nil {
			return nil, err
		}
		chosen = []*defContest{c}
	}
	out := map[string]*target{}
	for _, dc := range chosen {
		t := &target{def: dc, choices: map[string]election.Choice{}, tokens: map[string]int32{}, declared: src.Candidates != nil}
		c, idx, err := cvrread.ContestFor(src, e, dc.id, dc.name)
		if err != nil { // only declared candidates can clash
			return nil, fmt.Errorf("declared candidates: %w", err)
		}
		t.contest, t.index = c, idx
		if t.declared && src.UndeclaredWriteInLabel != "" {
			c.WriteIn()
		}
		if t.contest.VoteFor == 0 {
			t.contest.VoteFor = dc.voteFor
		}
		for _, s := range dc.order {
			if src.RCTab {
				ch, err := t.choiceRCTab(src, d, s)
				if err != nil {
					return nil, err
				}
				t.choices[s.id] = ch
				continue
			}
			t.choices[s.id] = t.choiceFor(src, d, s)
		}
		out[dc.id] = t
	}
	return out, nil
}

// choiceRCTab is choiceFor as RCTab's CDF readers map a selection (source
// notes R22): the write-in only when IsWriteIn is the text "true" (the
// undeclared write-in label is never consulted), an explicit overvote when
// the candidate's Name equals the overvote label (ids are not compared),
// and a selection with no CandidateIds that is not a write-in fails the
// source.
func (t *target) choiceRCTab(src cvr.Source, d *defs, s *defSelection) (election.Choice, error) {
	c := t.contest
	if s.writeInText {
		return c.WriteIn(), nil
	}
	if len(s.candidateIDs) == 0 {
		return 0, fmt.Errorf("contest %q (%s): selection %q has no CandidateIds and is not a write-in (IsWriteIn \"true\"); RCTab fails such a file: name the selection's candidate", t.def.id, t.def.name, s.id)
	}
	tok := d.candidates[s.candidateIDs[0]]
	if src.OvervoteLabel != "" && tok == src.OvervoteLabel {
		return election.Overvote, nil
	}
	if !t.declared {
		return t.choiceFor(src, d, s), nil
	}
	ch, which, ok := c.LookupToken(tok)
	if !ok {
		return unknownChoice, nil
	}
	if which != 0 {
		t.tokens[s.id] = which
	}
	return ch, nil
}

func (t *target) choiceFor(src cvr.Source, d *defs, s *defSelection) election.Choice {
	c := t.contest
	tok := d.token(s)
	switch {
	case s.writeIn, src.UndeclaredWriteInLabel != "" && (tok == src.UndeclaredWriteInLabel || s.id == src.UndeclaredWriteInLabel):
		return c.WriteIn()
	case src.OvervoteLabel != "" && (tok == src.OvervoteLabel || s.id == src.OvervoteLabel):
		return election.Overvote
	}
	if t.declared {
		if ch, ok := c.Lookup(tok); ok {
			return ch
		}
		return unknownChoice
	}
	for i, cand := range c.Candidates {
		if cand.ID == s.id {
			return election.Choice(i)
		}
	}
	name := tok
	if name == "" {
		name = s.id
		if len(s.candidateIDs) > 0 {
			name = s.candidateIDs[0]
		}
	}
	if ch, err := c.AddCandidate(election.Candidate{Name: name, ID: s.id}); err == nil {
		return ch
	}
	// A repeated name (two selections for one candidate) keeps the first.
	if ch, ok := c.Lookup(name); ok {
		return ch
	}
	ch, err := c.AddCandidate(election.Candidate{Name: name + " [" + s.id + "]"})
	if err != nil {
		return unknownChoice
	}
	return ch
}

// rctabMarks appends the marks of one CVRContest as RCTab's CDF readers
// read them (source notes R22, R23, R24):
//   - XML: a selection whose Status is needs-adjudication is skipped;
//     then a selection without ContestSelectionId fails.
//   - A selection with a Rank is one mark at that rank; its positions,
//     HasIndication included, are ignored.
//   - Otherwise each position is a mark at its own Rank unless
//     HasIndication or IsAllocable is "no"; a missing position Rank fails
//     (and in XML a missing IsAllocable). From a position with a CVRWriteIn
//     element on, the selection's marks are the undeclared write-in.
func (em *emitter) rctabMarks(cm *election.ContestMarks, t *target, ce *contestEntry, si, ci int, pathOf func(snap, contest, sel, pos int, key string) string) error {
	lastSel, writeIn := -1, false
	for k := range ce.sels {
		s := &ce.sels[k]
		if s.needsAdjudication {
			continue
		}
		if s.id == "" {
			return &recErr{field: pathOf(si, ci, s.sel, -1, "ContestSelectionId"), offset: s.offset, err: errors.New("selection has no ContestSelectionId; RCTab fails such a CVR: name the contest selection")}
		}
		first := s.sel != lastSel
		lastSel = s.sel
		if first {
			writeIn = false
		}
		rank := s.selRank
		if rank != 0 {
			if !first {
				continue // one mark per ranked selection
			}
		} else {
			if s.pos < 0 {
				continue // neither Rank nor positions: no mark
			}
			if em.xml && !s.hasAllocable {
				return &recErr{field: pathOf(si, ci, s.sel, s.pos, "IsAllocable"), offset: s.offset, err: errors.New("selection position has no IsAllocable; RCTab's CDF XML reader fails such a CVR: give every SelectionPosition IsAllocable")}
			}
			if s.rank == 0 {
				return &recErr{field: pathOf(si, ci, s.sel, s.pos, "Rank"), offset: s.offset, err: errors.New("selection position has no Rank; RCTab fails such a CVR: give every SelectionPosition a Rank, or the CVRContestSelection one")}
			}
			writeIn = writeIn || s.cvrWriteIn
			if s.noMark || s.notAllocable {
				continue
			}
			rank = s.rank
		}
		if writeIn {
			cm.Marks = append(cm.Marks, election.Mark{Rank: int32(rank), Choice: t.contest.WriteIn()})
			continue
		}
		ch, err := t.resolve(em.d, s.id)
		if err != nil {
			return &recErr{field: pathOf(si, ci, s.sel, -1, "ContestSelectionId"), offset: s.offset, err: err}
		}
		cm.Marks = append(cm.Marks, election.Mark{Rank: int32(rank), Choice: ch, Token: t.tokens[s.id]})
	}
	return nil
}

// resolve maps a selection id of a CVR to a choice.
func (t *target) resolve(d *defs, selID string) (election.Choice, error) {
	ch, ok := t.choices[selID]
	if !ok {
		return 0, fmt.Errorf("ContestSelectionId %q is not a selection of contest %q (%s) in the file's Election section", selID, t.def.id, t.def.name)
	}
	if ch == unknownChoice {
		tok := d.token(t.def.selections[selID])
		return 0, fmt.Errorf("candidate %q (selection %q) matches no declared candidate's name or alias: %w; add it as an alias of the right candidate", tok, selID, cvr.ErrUnknownCandidate)
	}
	return ch, nil
}

// record is one CVR as read from either encoding, before its current
// snapshot is chosen.
type record struct {
	prePrinted, unique, style, styleUnit, batch, device, current string
	batchSeq                                                     string
	snaps                                                        []snapshot
	items                                                        int
}

type snapshot struct {
	id       string
	contests []contestEntry
}

type contestEntry struct {
	id     string
	sels   []selection
	offset int64
}

type selection struct {
	id     string
	rank   int64 // 0 = not given
	noMark bool  // HasIndication "no"
	// Read for RCTab mode (source notes R23, R22): IsAllocable "no",
	// IsAllocable present, a CVRWriteIn element, and pos < 0 for a
	// selection without positions (an entry only its Rank can use).
	notAllocable, hasAllocable, cvrWriteIn bool
	pos                                    int   // position index, for errors
	sel                                    int   // selection index
	offset                                 int64 // where it was read
	selRank                                int64 // the CVRContestSelection's Rank, 0 = not given
	// needsAdjudication: the XML selection's Status is needs-adjudication.
	needsAdjudication bool
}

func (r *record) reset() {
	snaps := r.snaps[:0]
	*r = record{snaps: snaps}
}

func (r *record) grow() error {
	r.items++
	if r.items > maxRecordItems {
		return fmt.Errorf("CVR holds more than %d snapshots, contests and selections: %w", maxRecordItems, cvr.ErrTooLarge)
	}
	return nil
}

// emitter turns records into election.CVRs.
type emitter struct {
	xml     bool // the report is XML (RCTab's two CDF readers differ)
	read    int  // CVRs read, for RCTab's XML numbering
	src     cvr.Source
	d       *defs
	targets map[string]*target
	single  bool
	base    string
	rec     election.CVR
}

// recordPath names a place in the CVR with index cvrIdx, for errors: its
// snapshot, contest, selection and position (each omitted when negative)
// and key (omitted when empty), joined by sep: '.' in the JSON encoding
// ("CVR[0].CVRSnapshot[0].CVRContest[1].Rank"), '/' in the XML one.
func recordPath(sep byte, cvrIdx, snap, contest, sel, pos int, key string) string {
	b := []byte("CVR[" + strconv.Itoa(cvrIdx) + "]")
	for _, part := range [...]struct {
		name string
		i    int
	}{{"CVRSnapshot", snap}, {"CVRContest", contest}, {"CVRContestSelection", sel}, {"SelectionPosition", pos}} {
		if part.i >= 0 {
			b = append(b, sep)
			b = append(b, part.name...)
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(part.i), 10)
			b = append(b, ']')
		}
	}
	if key != "" {
		b = append(b, sep)
		b = append(b, key...)
	}
	return string(b)
}

// recErr locates a problem found after a record was read.
type recErr struct {
	field  string
	offset int64
	err    error
}

func (e *recErr) Error() string { return e.err.Error() }
func (e *recErr) Unwrap() error { return e.err }

// build fills em.rec from r (the n'th CVR of the file, from 1). It reports
// whether the record is emitted. pathOf renders a snapshot/contest/
// selection/position location in the encoding's notation.
func (em *emitter) build(n int, r *record, pathOf func(snap, contest, sel, pos int, key string) string) (bool, error) {
	si := -1
	if em.src.RCTab {
		// RCTab takes the snapshot whose id equals CurrentSnapshotId, with
		// no fallback; JSON fails without one, XML skips the CVR and gives
		// it no number (source notes R21).
		for i := range r.snaps {
			if r.snaps[i].id == r.current {
				si = i
				break
			}
		}
		if si < 0 {
			if em.xml {
				return false, nil
			}
			return false, &recErr{field: pathOf(-1, -1, -1, -1, "CurrentSnapshotId"), err: fmt.Errorf("CurrentSnapshotId %q names none of the CVR's %d CVRSnapshot entries; RCTab needs the current snapshot", r.current, len(r.snaps))}
		}
	}
	switch {
	case si >= 0:
	case r.current != "":
		for i := range r.snaps {
			if r.snaps[i].id == r.current {
				si = i
				break
			}
		}
		if si < 0 {
			return false, &recErr{field: pathOf(-1, -1, -1, -1, "CurrentSnapshotId"), err: fmt.Errorf("CurrentSnapshotId %q names none of the CVR's %d CVRSnapshot entries", r.current, len(r.snaps))}
		}
	case len(r.snaps) == 1:
		si = 0
	case len(r.snaps) == 0:
		return false, &recErr{field: pathOf(-1, -1, -1, -1, "CVRSnapshot"), err: errors.New("CVR has no CVRSnapshot")}
	default:
		return false, &recErr{field: pathOf(-1, -1, -1, -1, "CurrentSnapshotId"), err: fmt.Errorf("CVR has %d snapshots and no CurrentSnapshotId to say which is current", len(r.snaps))}
	}
	snap := &r.snaps[si]
	rec := &em.rec
	rec.Reset()
	found := false
	var seen []*target
	for ci := range snap.contests {
		ce := &snap.contests[ci]
		t, ok := em.targets[ce.id]
		if ok && em.src.RCTab {
			// Only the first CVRContest entry for a contest is read
			// (source notes R21).
			if slices.Contains(seen, t) {
				continue
			}
			seen = append(seen, t)
		}
		if !ok {
			if em.single {
				continue
			}
			return false, &recErr{field: pathOf(si, ci, -1, -1, "ContestId"), offset: ce.offset, err: fmt.Errorf("ContestId %q is not defined in the file's Election section", ce.id)}
		}
		found = true
		cm := rec.MarksFor(t.index)
		if em.src.RCTab {
			if err := em.rctabMarks(cm, t, ce, si, ci, pathOf); err != nil {
				return false, err
			}
			continue
		}
		for k := range ce.sels {
			s := &ce.sels[k]
			if s.noMark || s.id == "" || s.pos < 0 {
				continue
			}
			ch, err := t.resolve(em.d, s.id)
			if err != nil {
				return false, &recErr{field: pathOf(si, ci, s.sel, -1, "ContestSelectionId"), offset: s.offset, err: err}
			}
			rank := s.rank
			if rank == 0 {
				rank = s.selRank
			}
			if rank == 0 {
				rank = 1
			}
			if rank < 1 || rank > 1<<20 {
				return false, &recErr{field: pathOf(si, ci, s.sel, s.pos, "Rank"), offset: s.offset, err: fmt.Errorf("expected a rank from 1 to %d, found %d", 1<<20, rank)}
			}
			cm.Marks = append(cm.Marks, election.Mark{Rank: int32(rank), Choice: ch})
		}
	}
	if em.single && !found {
		if em.src.RCTab && !em.xml {
			// RCTab's JSON reader fails on a CVR whose current snapshot
			// lacks the contest; its XML reader skips it (source notes R21).
			return false, &recErr{field: pathOf(si, -1, -1, -1, "CVRContest"), err: fmt.Errorf("the current snapshot %q has no CVRContest for contest %q; RCTab's CDF JSON reader fails such a CVR", snap.id, em.src.ContestID)}
		}
		return false, nil
	}
	if em.src.RCTab && em.xml {
		// The XML reader numbers only the CVRs it reads (source notes R21).
		em.read++
		n = em.read
	}
	for k := range rec.Contests {
		cm := &rec.Contests[k]
		cvrread.SortMarksRCTab(cm.Marks, em.src.RCTab)
		if !em.src.RCTab {
			// RCTab keeps a repeated mark (source notes T16).
			cm.Marks = cvrread.DedupeMarks(cm.Marks)
		}
	}
	rec.ID = em.base + "(" + strconv.Itoa(n) + ")"
	rec.SuppliedID = r.prePrinted
	if rec.SuppliedID == "" {
		rec.SuppliedID = r.unique
	}
	rec.Source = em.src.Path
	if r.styleUnit != "" {
		rec.Precinct = r.styleUnit
		if name := em.d.gpUnits[r.styleUnit]; name != "" {
			rec.Precinct = name
		}
	}
	rec.BallotStyle, rec.Batch, rec.Tabulator = r.style, r.batch, r.device
	if em.src.RCTab {
		// RCTab's CDF readers (source notes R25): the supplied ID is
		// BallotPrePrintedId in JSON and UniqueId in XML; the batch is
		// BatchSequenceId; there is no tabulator; the precinct is the Name
		// of the BallotStyleUnitId GpUnit; an unknown one gives no precinct
		// in JSON and fails the source in XML.
		rec.SuppliedID = r.prePrinted
		if em.xml {
			rec.SuppliedID = r.unique
		}
		rec.Batch, rec.Tabulator = r.batchSeq, ""
		rec.Precinct = ""
		if r.styleUnit != "" {
			name, ok := em.d.gpUnits[r.styleUnit]
			if !ok && em.xml {
				return false, &recErr{field: "BallotStyleUnitId", err: fmt.Errorf("GpUnit %q is not in the report's GpUnit list; RCTab fails such a CVR: add the GpUnit or correct the id", r.styleUnit)}
			}
			rec.Precinct = name
		}
	}
	return true, nil
}

func newEmitter(src cvr.Source, e *election.Election, d *defs) (*emitter, error) {
	targets, err := prepare(src, e, d)
	if err != nil {
		return nil, err
	}
	return &emitter{src: src, d: d, targets: targets, single: src.ContestID != "", base: filepath.Base(src.Path)}, nil
}

// budget fails reads once more than maxRecordBytes have been read since the
// last reset, bounding what one record (or the definitions) may cost.
type budget struct {
	r    io.Reader
	used int64
	max  int64
}

func (b *budget) Read(p []byte) (int, error) {
	if b.max > 0 && b.used > b.max {
		return 0, fmt.Errorf("a single CVR or section larger than %d bytes: %w", maxRecordBytes, cvr.ErrTooLarge)
	}
	n, err := b.r.Read(p)
	b.used += int64(n)
	return n, err
}

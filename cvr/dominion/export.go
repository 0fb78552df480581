package dominion

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/jsonscan"
)

// maxSessionItems bounds the cards, contests and marks one session may hold,
// so that a hostile or corrupt export cannot make one ballot use unbounded
// memory. A real ballot has at most a few hundred marks.
const maxSessionItems = 100000

// rawMark is one mark as read, before the session's current version is
// known and candidate Ids are resolved.
type rawMark struct {
	slot      int32 // contest slot; -1 until the contest's Id is read
	ambiguous bool
	card      int32 // indices for error messages
	contest   int32
	mark      int32
	cand      int64
	rank      int64
	offset    int64
}

type rawContest struct {
	slot          int32
	card, contest int32
}

// version is a session's Original or Modified block.
type version struct {
	present               bool
	isCurrent, hasCurrent bool
	portion, ballotType   int64
	hasPortion, hasBallot bool
	precinct              int64
	hasPrecinct           bool
	portionOffset         int64
	noCards               bool // Contests directly in the version, no Cards
	marks                 []rawMark
	contests              []rawContest
	items                 int
	// outstacked counts the selected contests whose OutstackConditionIds
	// hold 7 (source notes B).
	outstacked int
}

func (v *version) reset() {
	*v = version{marks: v.marks[:0], contests: v.contests[:0]}
}

// exportParser reads CvrExport files for one source.
type exportParser struct {
	src    cvr.Source
	m      *manifests
	slots  []*slot
	single bool // one contest selected: skip sessions without it
	bySlot map[int64]int32

	s    *jsonscan.Scanner
	loc  location
	orig version
	mod  version
	rec  election.CVR
	// objMarks holds, in RCTab mode, the marks of each contest object of
	// the current version (source notes R16).
	objMarks [][]election.Mark
	// more receives the records after a session's first in RCTab mode
	// (see deliver).
	more cvr.Handler

	// Location within the session, for error messages.
	verName              string
	card, contest, mark  int
	lastTab, lastBatch   int64
	lastTabS, lastBatchS string
	haveTab, haveBatch   bool

	// outstacked counts the contest records of counted sessions whose
	// OutstackConditionIds hold 7: dropped in RCTab mode, counted and
	// reported otherwise (source notes B).
	outstacked int
}

func newExportParser(src cvr.Source, m *manifests, slots []*slot) *exportParser {
	p := &exportParser{src: src, m: m, slots: slots, single: src.ContestID != "", bySlot: map[int64]int32{}}
	for i, sl := range slots {
		p.bySlot[sl.mc.id] = int32(i)
	}
	return p
}

func (p *exportParser) readFile(path string, h cvr.Handler) error {
	f, err := p.src.Open(path)
	if err != nil {
		return &cvr.Error{Path: path, Err: err}
	}
	defer f.Close()
	return p.read(path, f, h)
}

// read parses one CvrExport body from r; path names it in errors.
func (p *exportParser) read(path string, r io.Reader, h cvr.Handler) error {
	p.s = jsonscan.New(r, cvr.MaxFieldBytes)
	p.loc = location{path: path}
	s := p.s
	var root jsonscan.Iter
	found := false
	for {
		key, ok, err := s.ObjectKey(&root)
		if err != nil {
			return p.wrap(err)
		}
		if !ok {
			break
		}
		if string(key) != "Sessions" {
			if err := s.Skip(); err != nil {
				return p.wrap(err)
			}
			continue
		}
		found = true
		var arr jsonscan.Iter
		for i := 0; ; i++ {
			p.loc.record, p.loc.prefix, p.loc.key = 0, "Sessions", ""
			ok, err := s.ArrayElem(&arr)
			if err != nil {
				return p.wrap(err)
			}
			if !ok {
				break
			}
			p.loc.record = i + 1
			emit, err := p.session(i)
			if err != nil {
				return p.wrap(err)
			}
			if emit {
				if err := p.deliver(h, p.more); err != nil {
					return err
				}
			}
		}
		p.loc = location{path: path}
	}
	if err := s.End(); err != nil {
		return p.wrap(err)
	}
	if !found {
		return &cvr.Error{Path: path, Field: "Sessions", Err: errors.New("no Sessions array; expected a Dominion CVR export like {\"Version\": ..., \"ElectionId\": ..., \"Sessions\": [...]}")}
	}
	return nil
}

func (p *exportParser) wrap(err error) error { return wrapErr(err, p.s, &p.loc) }

// setPath records the key path of the value being read.
func (p *exportParser) setPath(key string) {
	sess := "Sessions[" + strconv.Itoa(p.loc.record-1) + "]"
	switch {
	case p.verName == "":
		p.loc.prefix = sess
	case p.card < 0 && p.contest < 0:
		p.loc.prefix = sess + "." + p.verName
	default:
		b := make([]byte, 0, 64)
		b = append(b, sess...)
		b = append(b, '.')
		b = append(b, p.verName...)
		if p.card >= 0 {
			b = append(b, ".Cards["...)
			b = strconv.AppendInt(b, int64(p.card), 10)
			b = append(b, ']')
		}
		if p.contest >= 0 {
			b = append(b, ".Contests["...)
			b = strconv.AppendInt(b, int64(p.contest), 10)
			b = append(b, ']')
		}
		if p.mark >= 0 {
			b = append(b, ".Marks["...)
			b = strconv.AppendInt(b, int64(p.mark), 10)
			b = append(b, ']')
		}
		p.loc.prefix = string(b)
	}
	p.loc.key = key
}

// fail returns err located at key of the current element. Locations are
// built only on failure so that the happy path does not allocate.
func (p *exportParser) fail(key string, err error) error {
	p.setPath(key)
	return err
}

// session parses Sessions[i] and fills p.rec; it reports whether the
// session yields a record.
func (p *exportParser) session(i int) (bool, error) {
	s := p.s
	p.orig.reset()
	p.mod.reset()
	p.verName, p.card, p.contest, p.mark = "", -1, -1, -1
	var tab, batch, record int64
	var haveTab, haveBatch, haveRecord bool
	var it jsonscan.Iter
	for {
		key, ok, err := s.ObjectKey(&it)
		if err != nil {
			return false, p.fail("", err)
		}
		if !ok {
			break
		}
		switch string(key) {
		case "TabulatorId":
			if tab, _, err = readID(s); err != nil {
				return false, p.fail("TabulatorId", err)
			}
			haveTab = true
		case "BatchId":
			if batch, _, err = readID(s); err != nil {
				return false, p.fail("BatchId", err)
			}
			haveBatch = true
		case "RecordId":
			if record, _, err = readID(s); err != nil {
				return false, p.fail("RecordId", err)
			}
			haveRecord = true
		case "Original":
			p.verName = "Original"
			if err := p.version(&p.orig); err != nil {
				return false, err
			}
			p.verName, p.card, p.contest, p.mark = "", -1, -1, -1
		case "Modified":
			p.verName = "Modified"
			if null, err := s.Null(); err != nil {
				return false, p.fail("", err)
			} else if !null {
				if err := p.version(&p.mod); err != nil {
					return false, err
				}
			}
			p.verName, p.card, p.contest, p.mark = "", -1, -1, -1
		default:
			if err := s.Skip(); err != nil {
				return false, p.fail(string(key), err)
			}
		}
	}
	missing := ""
	switch {
	case !haveTab:
		missing = "TabulatorId"
	case !haveBatch:
		missing = "BatchId"
	case !haveRecord:
		missing = "RecordId"
	case !p.orig.present:
		missing = "Original"
	}
	if missing != "" {
		return false, p.fail(missing, errors.New("required key is missing; each session needs TabulatorId, BatchId, RecordId and Original"))
	}

	// RCTab's rule: the Original unless it is not current, then the
	// Modified (adjudicated) version; without one the ballot is not counted.
	v, name := &p.orig, "Original"
	if p.orig.hasCurrent && !p.orig.isCurrent {
		if !p.mod.present {
			return false, nil
		}
		v, name = &p.mod, "Modified"
	}
	p.outstacked += v.outstacked
	if p.single && !v.hasSlot(0) {
		return false, nil
	}
	if !v.hasPortion {
		p.verName = name
		return false, p.fail("PrecinctPortionId", errors.New("required key is missing; the current version of each session names its precinct portion"))
	}
	portion, ok := p.m.portions[v.portion]
	if !ok {
		p.verName = name
		err := p.fail("PrecinctPortionId", fmt.Errorf("precinct portion Id %d is not in %s; export the CVRs and manifests together", v.portion, precinctPortionManifest))
		return false, &cvr.Error{Path: p.loc.path, Record: p.loc.record, Offset: v.portionOffset, Field: p.loc.field(), Err: err}
	}

	rec := &p.rec
	rec.Reset()
	if !p.haveTab || p.lastTab != tab {
		p.lastTab, p.lastTabS, p.haveTab = tab, strconv.FormatInt(tab, 10), true
	}
	if !p.haveBatch || p.lastBatch != batch {
		p.lastBatch, p.lastBatchS, p.haveBatch = batch, strconv.FormatInt(batch, 10), true
	}
	rec.SuppliedID = strconv.FormatInt(record, 10)
	rec.ID = p.lastTabS + "-" + p.lastBatchS + "-" + rec.SuppliedID
	rec.Source = p.loc.path
	rec.Tabulator = p.lastTabS
	rec.Batch = p.lastBatchS
	rec.PrecinctPortion = portion
	if p.src.RCTab && v.hasPrecinct {
		// RCTab's precinct is the Description of the session's PrecinctId
		// in PrecinctManifest.json; a missing manifest or Id fails the
		// source (source notes R15).
		precinct, ok := p.m.precincts[v.precinct]
		if !ok {
			p.verName = name
			why := fmt.Sprintf("precinct Id %d is not in %s", v.precinct, precinctManifest)
			if p.m.precincts == nil {
				why = fmt.Sprintf("the session names precinct Id %d but the folder has no %s", v.precinct, precinctManifest)
			}
			return false, p.fail("PrecinctId", fmt.Errorf("%s; export the CVRs and manifests together", why))
		}
		rec.Precinct = precinct
	}
	if v.hasBallot {
		if p.m.ballotTypes != nil {
			rec.BallotStyle = p.m.ballotTypes[v.ballotType]
		}
		if rec.BallotStyle == "" {
			rec.BallotStyle = strconv.FormatInt(v.ballotType, 10)
		}
	}
	if p.src.RCTab {
		// RCTab makes each contest object its own CVR (source notes
		// R16): a contest repeated on several cards of one session gives
		// several CVRs, with the session's ID each.
		for len(p.objMarks) < len(v.contests) {
			p.objMarks = append(p.objMarks, nil)
		}
		p.objMarks = p.objMarks[:len(v.contests)]
		for j := range p.objMarks {
			p.objMarks[j] = p.objMarks[j][:0]
		}
	} else {
		for _, c := range v.contests {
			rec.MarksFor(p.slots[c.slot].index)
		}
	}
	for k := range v.marks {
		mk := &v.marks[k]
		if mk.ambiguous || mk.slot < 0 {
			continue
		}
		sl := p.slots[mk.slot]
		ch, tok, err := sl.resolve(mk.cand)
		if err != nil {
			return false, p.markErr(name, mk, "CandidateId", err)
		}
		if mk.rank < 1 || mk.rank > 1<<20 {
			return false, p.markErr(name, mk, "Rank", fmt.Errorf("expected a rank from 1 to %d, found %d", 1<<20, mk.rank))
		}
		if p.src.RCTab {
			// Marks are taken as listed, a repeat included (source
			// notes R16, T16); the Id is the CVR's token (T14, T15).
			j := v.object(mk)
			if j < 0 {
				// contestBody records the object of every mark it keeps.
				return false, p.markErr(name, mk, "CandidateId", errors.New("internal error: a mark on no recorded contest object; please report it with the file"))
			}
			p.objMarks[j] = append(p.objMarks[j], election.Mark{Rank: int32(mk.rank), Choice: ch, Token: tok})
			continue
		}
		cm := rec.MarksFor(sl.index)
		cm.Marks = append(cm.Marks, election.Mark{Rank: int32(mk.rank), Choice: ch})
	}
	if p.src.RCTab {
		for j := range p.objMarks {
			cvrread.SortMarksRCTab(p.objMarks[j], true)
		}
		return true, nil
	}
	for k := range rec.Contests {
		cm := &rec.Contests[k]
		cvrread.SortMarks(cm.Marks)
		cm.Marks = cvrread.DedupeMarks(cm.Marks)
	}
	return true, nil
}

// deliver hands the session's record to h: once, or in RCTab mode once per
// contest object, each record holding that object's contest and marks
// (source notes R16). Records after the first go to more, a handler that
// does not check IDs: they repeat the session's.
func (p *exportParser) deliver(h, more cvr.Handler) error {
	if !p.src.RCTab {
		return h(&p.rec)
	}
	v := &p.orig
	if p.orig.hasCurrent && !p.orig.isCurrent {
		v = &p.mod
	}
	for j, c := range v.contests {
		p.rec.Contests = append(p.rec.Contests[:0], election.ContestMarks{Contest: p.slots[c.slot].index, Marks: p.objMarks[j]})
		next := h
		if j > 0 {
			next = more
		}
		if err := next(&p.rec); err != nil {
			return err
		}
	}
	return nil
}

// object returns the index in v.contests of the contest object mk is on,
// or -1.
func (v *version) object(mk *rawMark) int {
	for j, c := range v.contests {
		if c.card == mk.card && c.contest == mk.contest {
			return j
		}
	}
	return -1
}

func (p *exportParser) markErr(ver string, mk *rawMark, key string, err error) error {
	p.verName, p.card, p.contest, p.mark = ver, int(mk.card), int(mk.contest), int(mk.mark)
	p.setPath(key)
	return &cvr.Error{Path: p.loc.path, Record: p.loc.record, Offset: mk.offset, Field: p.loc.field(), Err: err}
}

func (v *version) hasSlot(slot int32) bool {
	for _, c := range v.contests {
		if c.slot == slot {
			return true
		}
	}
	return false
}

func (p *exportParser) grow(v *version) error {
	v.items++
	if v.items > maxSessionItems {
		return fmt.Errorf("session holds more than %d cards, contests and marks: %w", maxSessionItems, cvr.ErrTooLarge)
	}
	return nil
}

// version parses an Original or Modified block.
func (p *exportParser) version(v *version) error {
	s := p.s
	v.present = true
	var it jsonscan.Iter
	for {
		key, ok, err := s.ObjectKey(&it)
		if err != nil {
			return p.fail("", err)
		}
		if !ok {
			return nil
		}
		switch string(key) {
		case "IsCurrent":
			if v.isCurrent, err = s.Bool(); err != nil {
				return p.fail("IsCurrent", err)
			}
			v.hasCurrent = true
		case "PrecinctPortionId":
			v.portionOffset = s.Offset()
			if v.portion, _, err = readID(s); err != nil {
				return p.fail("PrecinctPortionId", err)
			}
			v.hasPortion = true
		case "PrecinctId":
			if null, err := s.Null(); err != nil {
				return p.fail("PrecinctId", err)
			} else if !null {
				if v.precinct, _, err = readID(s); err != nil {
					return p.fail("PrecinctId", err)
				}
				v.hasPrecinct = true
			}
		case "BallotTypeId":
			if null, err := s.Null(); err != nil {
				return p.fail("BallotTypeId", err)
			} else if !null {
				if v.ballotType, _, err = readID(s); err != nil {
					return p.fail("BallotTypeId", err)
				}
				v.hasBallot = true
			}
		case "Cards":
			var cards jsonscan.Iter
			for c := 0; ; c++ {
				p.card, p.contest, p.mark = -1, -1, -1
				ok, err := s.ArrayElem(&cards)
				if err != nil {
					return p.fail("Cards", err)
				}
				if !ok {
					break
				}
				p.card = c
				if err := p.grow(v); err != nil {
					return p.fail("", err)
				}
				if err := p.cardBody(v); err != nil {
					return err
				}
			}
			p.card = -1
		case "Contests":
			// Some exports put the contests directly in the version.
			v.noCards = true
			p.card = -1
			if err := p.contests(v); err != nil {
				return err
			}
		default:
			if err := s.Skip(); err != nil {
				return p.fail(string(key), err)
			}
		}
	}
}

func (p *exportParser) cardBody(v *version) error {
	s := p.s
	var it jsonscan.Iter
	for {
		key, ok, err := s.ObjectKey(&it)
		if err != nil {
			return p.fail("", err)
		}
		if !ok {
			return nil
		}
		if string(key) == "Contests" {
			if err := p.contests(v); err != nil {
				return err
			}
			continue
		}
		if err := s.Skip(); err != nil {
			return p.fail(string(key), err)
		}
	}
}

func (p *exportParser) contests(v *version) error {
	s := p.s
	var arr jsonscan.Iter
	for i := 0; ; i++ {
		p.contest, p.mark = -1, -1
		ok, err := s.ArrayElem(&arr)
		if err != nil {
			return p.fail("Contests", err)
		}
		if !ok {
			p.contest = -1
			return nil
		}
		p.contest = i
		if err := p.grow(v); err != nil {
			return p.fail("", err)
		}
		if err := p.contestBody(v); err != nil {
			return err
		}
	}
}

func (p *exportParser) contestBody(v *version) error {
	s := p.s
	slotIdx := int32(-1)
	known := false // Id read (slotIdx < 0 then means "not selected")
	firstMark := len(v.marks)
	outstack7 := false
	var it jsonscan.Iter
	for {
		key, ok, err := s.ObjectKey(&it)
		if err != nil {
			return p.fail("", err)
		}
		if !ok {
			break
		}
		switch string(key) {
		case "Id":
			id, _, err := readID(s)
			if err != nil {
				return p.fail("Id", err)
			}
			known = true
			if sl, ok := p.bySlot[id]; ok {
				slotIdx = sl
			}
		case "Marks":
			if known && slotIdx < 0 {
				// A contest we are not reading: validate and move on.
				if err := s.Skip(); err != nil {
					return p.fail("Marks", err)
				}
				continue
			}
			if err := p.marks(v, slotIdx); err != nil {
				return err
			}
		case "OutstackConditionIds":
			// Only this contest-level list matters, and only the value 7
			// (source notes B; DominionCvrReader.parseCvrFile).
			if null, err := s.Null(); err != nil {
				return p.fail("OutstackConditionIds", err)
			} else if null {
				continue
			}
			var arr jsonscan.Iter
			for {
				ok, err := s.ArrayElem(&arr)
				if err != nil {
					return p.fail("OutstackConditionIds", err)
				}
				if !ok {
					break
				}
				n, err := s.Int()
				if err != nil {
					return p.fail("OutstackConditionIds", err)
				}
				outstack7 = outstack7 || n == 7
			}
		default:
			if err := s.Skip(); err != nil {
				return p.fail(string(key), err)
			}
		}
	}
	if !known {
		return p.fail("Id", errors.New("required key is missing; each contest on a card names its contest Id"))
	}
	if slotIdx < 0 {
		v.marks = v.marks[:firstMark]
		return nil
	}
	if outstack7 {
		v.outstacked++
		if p.src.RCTab {
			// RCTab skips the contest record entirely: not an undervote,
			// not in the total.
			v.marks = v.marks[:firstMark]
			return nil
		}
	}
	for k := firstMark; k < len(v.marks); k++ {
		v.marks[k].slot = slotIdx
	}
	v.contests = append(v.contests, rawContest{slot: slotIdx, card: int32(p.card), contest: int32(p.contest)})
	return nil
}

func (p *exportParser) marks(v *version, slotIdx int32) error {
	s := p.s
	var arr jsonscan.Iter
	for i := 0; ; i++ {
		p.mark = -1
		ok, err := s.ArrayElem(&arr)
		if err != nil {
			return p.fail("Marks", err)
		}
		if !ok {
			return nil
		}
		p.mark = i
		if err := p.grow(v); err != nil {
			return p.fail("", err)
		}
		mk := rawMark{slot: slotIdx, card: int32(p.card), contest: int32(p.contest), mark: int32(i), offset: s.Offset()}
		var haveCand, haveRank bool
		var it jsonscan.Iter
		for {
			key, ok, err := s.ObjectKey(&it)
			if err != nil {
				return p.fail("", err)
			}
			if !ok {
				break
			}
			switch string(key) {
			case "CandidateId":
				if mk.cand, _, err = readID(s); err != nil {
					return p.fail("CandidateId", err)
				}
				haveCand = true
			case "Rank":
				if mk.rank, err = s.Int(); err != nil {
					return p.fail("Rank", err)
				}
				haveRank = true
			case "IsAmbiguous":
				if mk.ambiguous, err = s.Bool(); err != nil {
					return p.fail("IsAmbiguous", err)
				}
			default:
				if err := s.Skip(); err != nil {
					return p.fail(string(key), err)
				}
			}
		}
		if !haveCand {
			return p.fail("CandidateId", errors.New("required key is missing; each mark names its CandidateId"))
		}
		if !haveRank {
			return p.fail("Rank", errors.New("required key is missing; each mark has a Rank (1 for unranked contests)"))
		}
		v.marks = append(v.marks, mk)
	}
}

package tabulate

import (
	"fmt"
	"slices"

	"github.com/canvass/canvass/election"
)

// Ballots holds the ranked ballots of one contest in a compact, grouped
// form. Every distinct ranking pattern is stored once; every distinct
// (pattern, precinct, batch) combination is a group with a ballot count.
//
// Grouping is exact, not an approximation: ballots with the same rankings
// in the same slice are treated identically by every rule RCTab applies,
// including the per-ballot truncation of fractional surplus transfers
// (each ballot's share is truncated, then multiplied by the count), so a
// group evolves exactly like each of its ballots.
//
// A million ballots of a typical contest collapse to a few hundred thousand
// groups at most, so memory stays proportional to the variety of ballots
// rather than their number.
type Ballots struct {
	numCandidates int
	// maxChoice is the highest candidate index any ballot marks (-1: none).
	maxChoice int32

	// arena holds every pattern's rank entries back to back. An entry is
	// [rank, n | explicitOvervoteFlag, choice_1 ... choice_n].
	arena []int32
	// patterns[i] = [offset into arena, length in arena].
	patterns [][2]int32
	table    patternTable
	small    smallTable

	groups []group
	// plainGroup[p] is the group of pattern p in the first precinct and
	// batch (usually the only ones), found without a map lookup; -1 if none.
	plainGroup []int32
	groupIndex map[[3]int32]int32

	precincts     []string
	precinctIndex map[string]int32
	batches       []string
	batchIndex    map[string]int32

	total int64
	// keepRepeats keeps a candidate marked twice at one rank as two marks.
	keepRepeats bool
	// keepTokens keeps election.Mark.Token: a mark whose Token is not 0
	// is stored as a negative entry, -1-i, where tokens[i] is its
	// (choice, token) pair, so that patterns stay exact and the common
	// mark (a candidate's name, entry = choice) costs nothing extra.
	keepTokens bool
	tokens     [][2]int32
	tokenIndex map[[2]int32]int32

	scratch []int32
	marks   []election.Mark
}

// group is a set of identical ballots.
type group struct {
	pattern  int32
	precinct int32 // index into Ballots.precincts
	batch    int32 // index into Ballots.batches
	count    int64
}

const explicitOvervoteFlag = 1 << 30

// NewBallots returns an empty collection for a contest with numCandidates
// candidates (every election.Choice must be below it).
func NewBallots(numCandidates int) *Ballots {
	return &Ballots{
		numCandidates: numCandidates,
		maxChoice:     -1,
		groupIndex:    make(map[[3]int32]int32),
		precinctIndex: make(map[string]int32),
		batchIndex:    make(map[string]int32),
	}
}

// KeepRepeatedMarks makes later Adds keep a candidate marked twice at one
// rank as two marks, an overvote (or, with ExhaustOnDuplicateCandidate, a
// repeated ranking), as RCTab's CandidateRankingsList does (source notes
// T16). By default the repeat counts once, canvass's choice outside RCTab
// mode. Call it before adding ballots.
func (b *Ballots) KeepRepeatedMarks() { b.keepRepeats = true }

// KeepTokens makes later Adds keep which of a candidate's identifiers each
// mark used (election.Mark.Token), for RCTab's checks that compare the CVR's
// own text rather than the candidate (source notes T14, T15): with
// ExhaustOnDuplicateCandidate a name and an alias of one candidate are not a
// repeat, and with ExhaustIfMultipleContinuing a mark by alias always counts
// as continuing. By default tokens are ignored. Call it before adding
// ballots.
func (b *Ballots) KeepTokens() {
	b.keepTokens = true
	if b.tokenIndex == nil {
		b.tokenIndex = make(map[[2]int32]int32)
	}
}

// choiceOf returns the candidate of a pattern entry.
func (b *Ballots) choiceOf(e int32) int32 {
	if e >= 0 {
		return e
	}
	return b.tokens[-1-e][0]
}

// entry returns the pattern entry of mark m (see keepTokens).
func (b *Ballots) entry(m election.Mark) int32 {
	if !b.keepTokens || m.Token == 0 {
		return int32(m.Choice)
	}
	k := [2]int32{int32(m.Choice), m.Token}
	i, ok := b.tokenIndex[k]
	if !ok {
		i = int32(len(b.tokens))
		b.tokens = append(b.tokens, k)
		b.tokenIndex[k] = i
	}
	return -1 - i
}

// Grow raises the number of candidates the collection accepts to
// numCandidates, for ballots read from files that define candidates (such
// as write-ins) as they go. It never lowers it.
func (b *Ballots) Grow(numCandidates int) {
	b.numCandidates = max(b.numCandidates, numCandidates)
}

// NumCandidates returns the candidate count the collection accepts.
func (b *Ballots) NumCandidates() int { return b.numCandidates }

// MarkedCandidates returns one more than the highest candidate index any
// ballot marks: the fewest candidates a count of these ballots needs.
func (b *Ballots) MarkedCandidates() int { return int(b.maxChoice) + 1 }

// Total returns the number of ballots added.
func (b *Ballots) Total() int64 { return b.total }

// Groups returns the number of distinct (rankings, precinct, batch) groups.
func (b *Ballots) Groups() int { return len(b.groups) }

// Patterns returns the number of distinct ranking patterns.
func (b *Ballots) Patterns() int { return len(b.patterns) }

// Add records one ballot: its marks in the contest and the precinct and
// batch it belongs to (empty if unknown). Marks may be in any order; several
// marks at one rank are an overvote naming those candidates, and a mark for
// election.Overvote is an overvote whose candidates are unknown. A ballot
// with no marks is an undervote.
//
// Add returns the ballot's group, which identifies it in
// Tabulation.Allocations.
func (b *Ballots) Add(marks []election.Mark, precinct, batch string) (int, error) {
	return b.AddCount(marks, precinct, batch, 1)
}

// AddCount records count identical ballots and returns their group.
func (b *Ballots) AddCount(marks []election.Mark, precinct, batch string, count int64) (int, error) {
	if count <= 0 {
		return 0, fmt.Errorf("tabulate: ballot count %d must be positive", count)
	}
	// One pass validates the marks, checks their order and packs the
	// common short ballot into an exact 128-bit key (see smallKey).
	sorted, small := true, len(marks) <= 8
	var key [2]uint64
	for i, m := range marks {
		if m.Rank < 1 {
			return 0, fmt.Errorf("tabulate: rank %d is not positive", m.Rank)
		}
		if m.Choice != election.Overvote && (m.Choice < 0 || int(m.Choice) >= b.numCandidates) {
			return 0, fmt.Errorf("tabulate: choice %d is not a candidate of this contest (it has %d)", m.Choice, b.numCandidates)
		}
		b.maxChoice = max(b.maxChoice, int32(m.Choice))
		if i > 0 {
			prev := marks[i-1]
			if prev.Rank > m.Rank || prev.Rank == m.Rank && (prev.Choice > m.Choice || prev.Choice == m.Choice && prev.Token > m.Token) {
				sorted = false
			}
			if prev.Rank == m.Rank {
				small = false
			}
		}
		if m.Token != 0 && b.keepTokens {
			// An alias mark takes the general path, which keeps its token.
			small = false
		}
		if small {
			if m.Rank > 255 || m.Choice < 0 || m.Choice > 254 {
				small = false
			} else {
				key[i/4] |= (uint64(m.Rank)<<8 | uint64(m.Choice+1)) << (16 * (i % 4))
			}
		}
	}
	if !sorted {
		b.marks = append(b.marks[:0], marks...)
		slices.SortFunc(b.marks, func(x, y election.Mark) int {
			if x.Rank != y.Rank {
				return int(x.Rank - y.Rank)
			}
			if x.Choice != y.Choice {
				return int(x.Choice - y.Choice)
			}
			return int(x.Token - y.Token)
		})
		marks = b.marks
		if small {
			key, small = smallKey(marks)
		}
	}
	var p int32
	if small {
		p = b.small.intern(b, key, marks)
	} else {
		b.scratch = b.encodeMarks(b.scratch[:0], marks)
		p = b.table.intern(b, b.scratch)
	}

	pi := b.sliceIndex(&b.precincts, b.precinctIndex, precinct)
	bi := b.sliceIndex(&b.batches, b.batchIndex, batch)
	var g int32
	if pi == 0 && bi == 0 {
		if g = b.plainGroup[p]; g < 0 {
			g = int32(len(b.groups))
			b.groups = append(b.groups, group{pattern: p})
			b.plainGroup[p] = g
		}
	} else {
		key := [3]int32{p, pi, bi}
		var ok bool
		if g, ok = b.groupIndex[key]; !ok {
			g = int32(len(b.groups))
			b.groups = append(b.groups, group{pattern: p, precinct: pi, batch: bi})
			b.groupIndex[key] = g
		}
	}
	b.groups[g].count += count
	b.total += count
	return int(g), nil
}

func (b *Ballots) sliceIndex(names *[]string, index map[string]int32, name string) int32 {
	// Ballots arrive in runs from the same precinct and batch.
	if n := len(*names); n > 0 && (*names)[n-1] == name {
		return int32(n - 1)
	}
	if len(*names) > 0 && (*names)[0] == name {
		return 0
	}
	if i, ok := index[name]; ok {
		return i
	}
	i := int32(len(*names))
	*names = append(*names, name)
	index[name] = i
	return i
}

// Each calls f for each group, in the order the groups were first seen,
// with the group's marks in canonical order (by rank, then candidate; a
// candidate repeated at one rank once unless KeepRepeatedMarks; Token set
// only with KeepTokens; an overvote whose candidates are unknown as one
// election.Overvote mark at its rank) and its ballot count.
// The marks are reused after f returns.
func (b *Ballots) Each(f func(marks []election.Mark, precinct, batch string, count int64) error) error {
	var marks []election.Mark
	for _, g := range b.groups {
		marks = marks[:0]
		enc := b.pattern(g.pattern)
		for i := 0; i < len(enc); {
			rank, n := enc[i], enc[i+1]
			i += 2
			for _, e := range enc[i : i+int(n&^explicitOvervoteFlag)] {
				m := election.Mark{Rank: rank, Choice: election.Choice(e)}
				if e < 0 {
					t := b.tokens[-1-e]
					m.Choice, m.Token = election.Choice(t[0]), t[1]
				}
				marks = append(marks, m)
			}
			if n&explicitOvervoteFlag != 0 {
				marks = append(marks, election.Mark{Rank: rank, Choice: election.Overvote})
			}
			i += int(n &^ explicitOvervoteFlag)
		}
		if err := f(marks, b.precincts[g.precinct], b.batches[g.batch], g.count); err != nil {
			return err
		}
	}
	return nil
}

// Precincts returns the distinct precinct names seen, in order of first
// appearance ("" for ballots without one).
func (b *Ballots) Precincts() []string { return slices.Clone(b.precincts) }

// Batches returns the distinct batch names seen, in order of first appearance.
func (b *Ballots) Batches() []string { return slices.Clone(b.batches) }

// encodeMarks appends the rank entries of sorted marks to dst. Repeated
// marks for one candidate at one rank count once unless keepRepeats.
func (b *Ballots) encodeMarks(dst []int32, marks []election.Mark) []int32 {
	for i := 0; i < len(marks); {
		rank := marks[i].Rank
		head := len(dst)
		dst = append(dst, rank, 0)
		var n int32
		flag := int32(0)
		var last int32
		for first := true; i < len(marks) && marks[i].Rank == rank; i++ {
			if marks[i].Choice == election.Overvote {
				flag = explicitOvervoteFlag
				continue
			}
			e := b.entry(marks[i])
			if e == last && !first && !b.keepRepeats {
				continue
			}
			last, first = e, false
			dst = append(dst, e)
			n++
		}
		dst[head+1] = n | flag
	}
	return dst
}

// pattern returns the encoded rank entries of pattern p.
func (b *Ballots) pattern(p int32) []int32 {
	loc := b.patterns[p]
	return b.arena[loc[0] : loc[0]+loc[1]]
}

// patternTable interns encoded patterns with open addressing, so that adding
// a ballot whose pattern was seen before allocates nothing.
type patternTable struct {
	slots []patternSlot
	used  int
}

type patternSlot struct {
	hash    uint64
	pattern int32 // pattern index + 1; 0 is empty
}

// hashPattern mixes the encoded entries (a multiply-xorshift hash with a
// final avalanche, so the low bits used to pick a slot are well spread).
func hashPattern(enc []int32) uint64 {
	h := uint64(len(enc)) * 0x9E3779B97F4A7C15
	for _, v := range enc {
		h = (h ^ uint64(uint32(v))) * 0xBF58476D1CE4E5B9
		h ^= h >> 31
	}
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	return h
}

// newPattern stores a pattern not seen before and returns its index.
func (b *Ballots) newPattern(enc []int32) int32 {
	p := int32(len(b.patterns))
	b.patterns = append(b.patterns, [2]int32{int32(len(b.arena)), int32(len(enc))})
	b.arena = append(b.arena, enc...)
	b.plainGroup = append(b.plainGroup, -1)
	return p
}

// smallKey packs the marks of a common ballot (up to eight ranks, each
// below 256 with one candidate below 255) into 128 bits that identify the
// pattern exactly, so that looking it up needs no comparison against stored
// patterns. Other ballots take the general path.
func smallKey(marks []election.Mark) ([2]uint64, bool) {
	var k [2]uint64
	if len(marks) > 8 {
		return k, false
	}
	for i, m := range marks {
		if m.Rank > 255 || m.Choice < 0 || m.Choice > 254 || i > 0 && marks[i-1].Rank == m.Rank {
			return k, false
		}
		e := uint64(m.Rank)<<8 | uint64(m.Choice+1)
		k[i/4] |= e << (16 * (i % 4))
	}
	return k, true
}

// smallTable maps small keys to pattern indices (open addressing).
type smallTable struct {
	slots []smallSlot
	used  int
}

type smallSlot struct {
	key     [2]uint64
	pattern int32 // pattern index + 1; 0 is empty
}

func hashSmall(k [2]uint64) uint64 {
	h := (k[0] ^ 0x9E3779B97F4A7C15) * 0xBF58476D1CE4E5B9
	h ^= h >> 31
	h = (h ^ k[1]) * 0x94D049BB133111EB
	h ^= h >> 29
	h *= 0xFF51AFD7ED558CCD
	return h ^ h>>32
}

func (t *smallTable) intern(b *Ballots, k [2]uint64, marks []election.Mark) int32 {
	if t.used*4 >= len(t.slots)*3 {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := hashSmall(k) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.pattern == 0 {
			b.scratch = b.encodeMarks(b.scratch[:0], marks)
			p := b.newPattern(b.scratch)
			*s = smallSlot{key: k, pattern: p + 1}
			t.used++
			return p
		}
		if s.key == k {
			return s.pattern - 1
		}
	}
}

func (t *smallTable) grow() {
	n := max(1024, len(t.slots)*2)
	old := t.slots
	t.slots = make([]smallSlot, n)
	mask := uint64(n - 1)
	for _, s := range old {
		if s.pattern == 0 {
			continue
		}
		i := hashSmall(s.key) & mask
		for t.slots[i].pattern != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

func (t *patternTable) intern(b *Ballots, enc []int32) int32 {
	if t.used*4 >= len(t.slots)*3 {
		t.grow(b)
	}
	h := hashPattern(enc)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.pattern == 0 {
			p := b.newPattern(enc)
			*s = patternSlot{hash: h, pattern: p + 1}
			t.used++
			return p
		}
		if s.hash == h && slices.Equal(b.pattern(s.pattern-1), enc) {
			return s.pattern - 1
		}
	}
}

func (t *patternTable) grow(b *Ballots) {
	n := max(1024, len(t.slots)*2)
	old := t.slots
	t.slots = make([]patternSlot, n)
	mask := uint64(n - 1)
	for _, s := range old {
		if s.pattern == 0 {
			continue
		}
		i := s.hash & mask
		for t.slots[i].pattern != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

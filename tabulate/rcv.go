package tabulate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/java"
)

// RankedInput is a ranked-choice contest to count.
type RankedInput struct {
	// Candidates are the contest's candidates; a Choice in Ballots is an
	// index into this slice. Excluded candidates take no part; the one
	// marked WriteIn collects undeclared write-ins and can never win.
	Candidates []election.Candidate
	Ballots    *Ballots
	Rules      Rules
	// ByPrecinct and ByBatch ask for the round-by-round counts of each
	// precinct and each batch as well.
	ByPrecinct bool
	ByBatch    bool
	// TrackAllocations records where every group of ballots counted in
	// every round (Tabulation.Allocations), which a CDF export of the count
	// needs. It costs memory proportional to groups × rounds.
	TrackAllocations bool
}

// ErrNoBallots is returned for a contest with no ballots at all: there is
// nothing to count, and every candidate would tie at zero.
var ErrNoBallots = errors.New("tabulate: no ballots to count; check that the CVR files hold ballots for this contest")

// Names for the slice of ballots that have no precinct or batch at all.
// Readers give a blank cell their own placeholder, which is kept as it is
// (source notes G); these names are used only for ballots whose source has
// no precinct (batch) data, which make RCTab's count fail as soon as one
// moves (S2). Which name RCTab would give such a slice otherwise, the notes
// do not say; canvass uses RCTab's generic CSV placeholder.
const (
	NoPrecinctName = "no precinct id"
	NoBatchName    = "no batch id"
)

// RankedChoice counts a ranked-choice contest the way RCTab does, with the
// same decisions, the same tie-breaks and the same decimal arithmetic, so
// that its reports match RCTab's byte for byte.
//
// Counting proceeds in rounds. Each round every active ballot counts for
// its highest-ranked continuing candidate; then either winners are declared
// (and, in the surplus-transferring modes, their surplus is passed on at a
// truncated fractional value) or candidates are eliminated. The per-mode
// rules are documented on WinnerElectionMode and in docs/tabulation.md.
func RankedChoice(in RankedInput) (*Result, error) {
	if err := in.Rules.Validate(); err != nil {
		return nil, err
	}
	if in.Ballots == nil || in.Ballots.Total() == 0 {
		// RCTab refuses a run that read no cast vote records (source notes
		// R26); counting nothing would elect someone by tie-break.
		return nil, ErrNoBallots
	}
	if len(in.Candidates) < in.Ballots.MarkedCandidates() {
		return nil, fmt.Errorf("tabulate: %d candidates given but the ballots mark candidate %d", len(in.Candidates), in.Ballots.MarkedCandidates())
	}
	seen := make(map[string]bool, len(in.Candidates))
	uwi := -1
	for i, c := range in.Candidates {
		if c.Name == "" {
			return nil, fmt.Errorf("tabulate: candidate %d has no name", i+1)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("tabulate: two candidates are named %q; names must be unique", c.Name)
		}
		seen[c.Name] = true
		if c.WriteIn {
			if uwi >= 0 {
				return nil, fmt.Errorf("tabulate: both %q and %q are marked as the undeclared write-in", in.Candidates[uwi].Name, c.Name)
			}
			uwi = i
		}
	}
	dq := &decisionQueue{list: in.Rules.TiebreakDecisions}
	if len(dq.list) > 0 && in.Rules.Tiebreak != TiebreakStopCountingAndAsk && in.Rules.Tiebreak != TiebreakPreviousRoundCountsThenAsk {
		return nil, fmt.Errorf("tabulate: tie-break decisions were supplied but tiebreakMode %s never asks for one", in.Rules.Tiebreak)
	}
	res := &Result{}
	excluded := make([]bool, len(in.Candidates))
	for i, c := range in.Candidates {
		excluded[i] = c.Excluded
	}
	if in.Rules.Mode == MultiPassIRV {
		// Every pass must elect exactly one candidate; a pass with nobody
		// left to count, or one that ends without a winner, makes the
		// whole run fail (source notes T19; RCTab TabulatorSession.tabulate).
		for pass := 1; pass <= in.Rules.NumberOfWinners; pass++ {
			left := 0
			for i := range excluded {
				if !excluded[i] {
					left++
				}
			}
			if left == 0 {
				return nil, fmt.Errorf("tabulate: multi-pass IRV pass %d of %d has no candidate left to count; numberOfWinners cannot exceed the candidates", pass, in.Rules.NumberOfWinners)
			}
			t, err := count(&in, pass, excluded, uwi, dq)
			if err != nil {
				return nil, err
			}
			if len(t.Winners) != 1 {
				return nil, fmt.Errorf("tabulate: multi-pass IRV pass %d ended after round %d without electing a candidate; every pass must elect one (is stopTabulationEarlyAfterRound set?)", pass, len(t.Rounds))
			}
			res.Tabulations = append(res.Tabulations, t)
			res.Winners = append(res.Winners, t.Winners...)
			for _, w := range t.Winners {
				excluded[w] = true
			}
		}
	} else {
		t, err := count(&in, 0, excluded, uwi, dq)
		if err != nil {
			return nil, err
		}
		res.Tabulations = append(res.Tabulations, t)
		res.Winners = t.Winners
	}
	if dq.next < len(dq.list) {
		return nil, fmt.Errorf("tabulate: %d tie-break decisions were supplied but only %d ties needed one; check the list (unused: %s)",
			len(dq.list), dq.next, strings.Join(dq.list[dq.next:], ", "))
	}
	return res, nil
}

// Ballot states. An inactive ballot's status minus one is its Inactive*
// category, so the order of the first four must follow those constants.
const (
	statusActive uint8 = iota
	statusOvervote
	statusSkipped
	statusExhausted
	statusRepeated
	statusFinalSurplus
	statusUndervote
)

// accum sums ballot values exactly: whole ballots in n, fractional values
// (and any value with a scale) in frac, so that the usual case costs an
// integer add and the result has BigDecimal's scale.
type accum struct {
	n    int64
	frac Decimal
}

func (a *accum) add(v Decimal, count int64) {
	if v.isOne() {
		a.n += count
		return
	}
	a.frac = a.frac.Add(v.MulInt(count))
}

func (a *accum) value() Decimal { return DecimalFromInt(a.n).Add(a.frac) }

// sliceAcc accumulates one round over one slice of ballots.
type sliceAcc struct {
	tally     []accum
	inactive  [numInactive]accum
	final     accum
	moved     bool // some ballot moved to final-round surplus
	transfers map[[2]int]*accum
}

func newSliceAcc(nc int) *sliceAcc {
	return &sliceAcc{tally: make([]accum, nc), transfers: make(map[[2]int]*accum)}
}

func (s *sliceAcc) transfer(from, to int, v Decimal, count int64) {
	k := [2]int{from, to}
	a := s.transfers[k]
	if a == nil {
		a = &accum{}
		s.transfers[k] = a
	}
	a.add(v, count)
}

func (s *sliceAcc) counts(inTally []bool) Counts {
	c := Counts{Tally: make([]Decimal, len(s.tally))}
	for i := range s.tally {
		if inTally[i] {
			c.Tally[i] = s.tally[i].value()
		}
	}
	for i := range s.inactive {
		c.Inactive[i] = s.inactive[i].value()
	}
	c.FinalRoundSurplus = s.final.value()
	c.FinalRoundSurplusMoved = s.moved
	if len(s.transfers) > 0 {
		c.Transfers = make(map[int]map[int]Decimal)
		for k, a := range s.transfers {
			if c.Transfers[k[0]] == nil {
				c.Transfers[k[0]] = make(map[int]Decimal)
			}
			c.Transfers[k[0]][k[1]] = a.value()
		}
	}
	return c
}

// counter is the state of one count.
type counter struct {
	in    *RankedInput
	rules *Rules
	b     *Ballots
	nc    int
	mode  WinnerElectionMode
	seats int
	uwi   int

	excluded  []bool
	elimRound []int
	winRound  []int
	winners   []int

	cur    []int32
	status []uint8
	// values[g] is each ballot's current value in group g; nil while every
	// ballot is worth exactly 1.
	values []Decimal
	// kept[w] is what winner w kept of the ballots that passed through it.
	kept          []Decimal
	keptPrecincts [][]Decimal
	keptBatches   [][]Decimal

	threshold Decimal
	pct       Decimal // PercentageThreshold / 100

	// noSlice[g] is set for a group that has no precinct (or batch) at all
	// while slicing by it; nil if there is none.
	noSlice []bool

	rng         *java.Random
	permutation []int // position of each candidate in the tie-break permutation
	decisions   *decisionQueue

	t *Tabulation
}

func count(in *RankedInput, pass int, excluded []bool, uwi int, dq *decisionQueue) (*Tabulation, error) {
	nc := len(in.Candidates)
	c := &counter{
		in:        in,
		rules:     &in.Rules,
		b:         in.Ballots,
		nc:        nc,
		mode:      in.Rules.Mode,
		seats:     in.Rules.NumberOfWinners,
		uwi:       uwi,
		excluded:  slices.Clone(excluded),
		elimRound: make([]int, nc),
		winRound:  make([]int, nc),
		cur:       make([]int32, len(in.Ballots.groups)),
		status:    make([]uint8, len(in.Ballots.groups)),
		kept:      make([]Decimal, nc),
		decisions: dq,
	}
	if c.mode == MultiPassIRV {
		c.seats = 1
	}
	if c.mode == SingleWinnerMajority && c.seats > 1 {
		// RCTab counts singleWinnerMajority with several seats exactly
		// like multiWinnerAllowMultipleWinnersPerRound; only the reports
		// differ (source notes V7).
		c.mode = MultiWinnerAllowMultipleWinnersPerRound
	}
	if c.mode == BottomsUpUsingPercentageThreshold {
		// The factor is p/100 with two more decimal places than the
		// configured text has: "10" gives 0.10, "25.50" gives 0.2550
		// (source notes T7; RCTab
		// ContestConfig.getPercentageFromStringWithAccurateSigFigs).
		p := in.Rules.PercentageThreshold
		p.scale += 2
		c.pct = p
	}
	t := &Tabulation{
		Pass:                pass,
		Mode:                in.Rules.Mode,
		Candidates:          in.Candidates,
		Excluded:            slices.Clone(excluded),
		NumberToElect:       c.seats,
		ConfiguredWinners:   in.Rules.NumberOfWinners,
		PercentageThreshold: in.Rules.PercentageThreshold,
		TotalBallots:        in.Ballots.total,

		FirstRoundDeterminesThreshold: in.Rules.FirstRoundDeterminesThreshold,
	}
	c.t = t
	for i := range c.cur {
		c.cur[i] = -1
	}
	for g, grp := range c.b.groups {
		if c.b.patterns[grp.pattern][1] == 0 {
			c.status[g] = statusUndervote
			t.Undervotes += grp.count
		}
	}
	if in.ByPrecinct {
		t.Precincts = c.newSlices(c.b.precincts, NoPrecinctName, func(g *group) int32 { return g.precinct })
		c.keptPrecincts = make([][]Decimal, len(t.Precincts))
		for i := range c.keptPrecincts {
			c.keptPrecincts[i] = make([]Decimal, nc)
		}
	}
	if in.ByBatch {
		t.Batches = c.newSlices(c.b.batches, NoBatchName, func(g *group) int32 { return g.batch })
		c.keptBatches = make([][]Decimal, len(t.Batches))
		for i := range c.keptBatches {
			c.keptBatches[i] = make([]Decimal, nc)
		}
	}
	c.markNoSlice()
	if in.Rules.Tiebreak.NeedsSeed() {
		c.rng = java.NewRandom(in.Rules.RandomSeed)
		if in.Rules.Tiebreak == TiebreakGeneratePermutation {
			c.makePermutation()
		}
	}
	for r := 1; ; r++ {
		elected, eliminated, err := c.round(r)
		if err != nil {
			return nil, err
		}
		more, err := c.keepGoing(r, elected, eliminated)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	return t, nil
}

// markNoSlice finds the groups with no precinct (batch) while slicing by
// precinct (batch). Readers name a blank cell with a placeholder, so these
// are ballots whose source has no precinct data at all.
func (c *counter) markNoSlice() {
	noP := c.in.ByPrecinct && slices.Contains(c.b.precincts, "")
	noB := c.in.ByBatch && slices.Contains(c.b.batches, "")
	if !noP && !noB {
		return
	}
	c.noSlice = make([]bool, len(c.b.groups))
	for g := range c.b.groups {
		grp := &c.b.groups[g]
		c.noSlice[g] = noP && c.b.precincts[grp.precinct] == "" || noB && c.b.batches[grp.batch] == ""
	}
}

// newSlices prepares one Slice per distinct name, with its ballot and
// undervote counts.
func (c *counter) newSlices(names []string, missing string, sliceOf func(*group) int32) []Slice {
	out := make([]Slice, len(names))
	for i, n := range names {
		if n == "" {
			n = missing
		}
		out[i].Name = n
	}
	for g := range c.b.groups {
		grp := &c.b.groups[g]
		s := sliceOf(grp)
		out[s].TotalBallots += grp.count
		if c.status[g] == statusUndervote {
			out[s].Undervotes += grp.count
		}
	}
	return out
}

// makePermutation builds RCTab's generatePermutation order: the declared
// candidates' names (excluded ones included, the undeclared write-in never)
// sorted, then shuffled with the tie-break generator (source notes T1;
// RCTab ContestConfig.processCandidateData, Tabulator.tabulate). The
// write-in has no position (-1): a permutation tie-break never picks it.
func (c *counter) makePermutation() {
	names := make([]string, 0, c.nc)
	for _, cand := range c.in.Candidates {
		if !cand.WriteIn {
			names = append(names, cand.Name)
		}
	}
	slices.SortFunc(names, java.Compare)
	java.Shuffle(names, c.rng)
	pos := make(map[string]int, c.nc)
	for i, n := range names {
		pos[n] = i
	}
	c.permutation = make([]int, c.nc)
	for i, cand := range c.in.Candidates {
		c.permutation[i] = -1
		if !cand.WriteIn {
			c.permutation[i] = pos[cand.Name]
		}
	}
}

// continuing reports whether ballots may count for candidate x.
func (c *counter) continuing(x int) bool {
	if c.excluded[x] || c.elimRound[x] != 0 {
		return false
	}
	// Winners of a surplus-transferring count pass their ballots on; a
	// single-seat winner keeps them (it matters when counting continues
	// until two candidates remain).
	return c.winRound[x] == 0 || !c.mode.surplus()
}

// scan finds the candidate a ballot counts for, following its rankings from
// the top, or the reason it is inactive.
func (c *counter) scan(enc []int32) (int32, uint8) {
	maxSkip := int32(c.rules.MaxSkippedRanks)
	lastRank := int32(0)
	for i := 0; i < len(enc); {
		rank, n := enc[i], enc[i+1]
		explicit := n&explicitOvervoteFlag != 0
		n &^= explicitOvervoteFlag
		choices := enc[i+2 : i+2+int(n)]
		next := i + 2 + int(n)
		if maxSkip >= 0 && rank-lastRank > maxSkip+1 {
			return -1, statusSkipped
		}
		// RCTab checks for a repeated ranking before deciding what an
		// overvote means, on every mark reached, overvoted ranks included
		// (source notes T14; Tabulator.computeTalliesForRound).
		if c.rules.ExhaustOnDuplicateCandidate && c.repeated(enc[:i], choices, explicit) {
			return -1, statusRepeated
		}
		skip := false
		if explicit || n > 1 {
			switch c.rules.Overvote {
			case ExhaustImmediately:
				return -1, statusOvervote
			case AlwaysSkipToNextRank:
				skip = true
			case ExhaustIfMultipleContinuing:
				if explicit {
					// The candidates of an unnamed overvote are unknown, so
					// the rule cannot apply; configuration validation rejects
					// this combination, and exhausting is the safe reading.
					return -1, statusOvervote
				}
				k := 0
				for _, x := range choices {
					// RCTab asks whether the CVR's token is a continuing
					// candidate; a token that is not a candidate's name
					// (an alias) always counts as continuing (source notes
					// T15; Tabulator.getCandidateStatus).
					if x < 0 || c.continuing(int(x)) {
						k++
					}
				}
				switch {
				case k > 1:
					return -1, statusOvervote
				case k == 0:
					skip = true
				}
			}
		}
		if skip {
			lastRank = rank
			i = next
			continue
		}
		for _, x := range choices {
			// The recipient is the token's candidate.
			if x := c.b.choiceOf(x); c.continuing(int(x)) {
				return x, statusActive
			}
		}
		lastRank = rank
		i = next
	}
	return -1, statusExhausted
}

// repeated reports whether a rank's marks repeat a mark reached before on
// this ballot: a candidate marked at an earlier rank (an overvoted one
// too), twice at this rank, or a second explicit overvote (RCTab remembers
// the "overvote" token like any other). Entries are compared as they are
// stored: with Ballots.KeepTokens a name and an alias of one candidate are
// different entries, as RCTab compares the CVR's own text (source notes T14).
func (c *counter) repeated(before []int32, choices []int32, explicit bool) bool {
	for k, x := range choices {
		if slices.Contains(choices[:k], x) {
			return true
		}
	}
	for i := 0; i < len(before); {
		n := before[i+1]
		prevExplicit := n&explicitOvervoteFlag != 0
		n &^= explicitOvervoteFlag
		prev := before[i+2 : i+2+int(n)]
		i += 2 + int(n)
		if explicit && prevExplicit {
			return true
		}
		for _, x := range choices {
			if slices.Contains(prev, x) {
				return true
			}
		}
	}
	return false
}

// round counts round r and makes its decisions. It reports whether anyone
// was elected or eliminated.
func (c *counter) round(r int) (bool, bool, error) {
	nc := c.nc
	inTally := make([]bool, nc)
	for i := range inTally {
		inTally[i] = !c.excluded[i] && c.elimRound[i] == 0
	}
	// Once every seat of a surplus count is filled, the last winners'
	// surplus has nowhere to go; RCTab reports it as final-round surplus.
	finalRound := c.mode.surplus() && len(c.winners) >= c.seats

	full := newSliceAcc(nc)
	precs := make([]*sliceAcc, len(c.t.Precincts))
	for i := range precs {
		precs[i] = newSliceAcc(nc)
	}
	bats := make([]*sliceAcc, len(c.t.Batches))
	for i := range bats {
		bats[i] = newSliceAcc(nc)
	}
	one := DecimalFromInt(1)
	for g := range c.b.groups {
		grp := &c.b.groups[g]
		st := c.status[g]
		if st == statusUndervote {
			continue
		}
		v := one
		if c.values != nil {
			v = c.values[g]
		}
		// The whole contest, and the ballot's precinct and batch if
		// slicing: an array, so the loops below do not allocate.
		accs := [3]*sliceAcc{full}
		if len(precs) > 0 {
			accs[1] = precs[grp.precinct]
		}
		if len(bats) > 0 {
			accs[2] = bats[grp.batch]
		}
		if st != statusActive {
			for _, s := range accs {
				if s == nil {
					continue
				}
				if st == statusFinalSurplus {
					s.final.add(v, grp.count)
					s.moved = true
				} else {
					s.inactive[st-1].add(v, grp.count)
				}
			}
			continue
		}
		from := int(c.cur[g])
		if from >= 0 && c.continuing(from) {
			for _, s := range accs {
				if s != nil {
					s.tally[from].add(v, grp.count)
				}
			}
			continue
		}
		to, reason := int32(-1), statusExhausted
		if !finalRound {
			// After the last seat is filled no candidate can receive
			// votes: what moves off the last winners is final surplus.
			to, reason = c.scan(c.b.pattern(grp.pattern))
		}
		if c.noSlice != nil && c.noSlice[g] && (from >= 0 || to < 0) {
			// RCTab records a transfer or an inactive ballot under the
			// ballot's precinct (batch) and fails when it has none
			// (source notes S2; Tabulator.computeTalliesForRound).
			return false, false, fmt.Errorf("tabulate: round %d: a ballot with no precinct or batch (its CVR source has none) transfers or becomes inactive while tabulating by precinct or batch; RCTab's count fails here: give every source precinct (batch) data, or turn slicing off", r)
		}
		dest := int(to)
		if to < 0 {
			dest = ToExhausted
		}
		for _, s := range accs {
			if s == nil {
				continue
			}
			if from >= 0 && !v.IsZero() {
				s.transfer(from, dest, v, grp.count)
			}
			switch {
			case to >= 0:
				s.tally[to].add(v, grp.count)
			case finalRound:
				s.final.add(v, grp.count)
				s.moved = true
			default:
				s.inactive[reason-1].add(v, grp.count)
			}
		}
		c.cur[g] = to
		if to < 0 {
			if finalRound {
				c.status[g] = statusFinalSurplus
			} else {
				c.status[g] = reason
			}
		}
	}

	if c.in.TrackAllocations {
		c.t.allocCur = append(c.t.allocCur, slices.Clone(c.cur))
		var vals []Decimal
		if c.values != nil {
			vals = slices.Clone(c.values)
		}
		c.t.allocVal = append(c.t.allocVal, vals)
	}
	round := Round{Number: r, InTally: inTally, Counts: full.counts(inTally)}
	// What left each candidate is reported on the round it left from.
	prevTransfers := round.Counts.Transfers
	round.Counts.Transfers = nil
	if c.mode.surplus() {
		for _, w := range c.winners {
			round.Tally[w] = c.kept[w]
		}
	}
	if err := c.setThreshold(r, &round); err != nil {
		return false, false, err
	}
	if c.mode.surplus() && r > 1 {
		var residual Decimal
		for _, w := range c.winners {
			if round.Tally[w].Cmp(c.threshold) > 0 {
				excess := round.Tally[w].Sub(c.threshold)
				residual = residual.Add(excess)
				round.Tally[w] = c.threshold
				if c.winRound[w] == r-1 {
					if prevTransfers == nil {
						prevTransfers = make(map[int]map[int]Decimal)
					}
					if prevTransfers[w] == nil {
						prevTransfers[w] = make(map[int]Decimal)
					}
					prevTransfers[w][ToResidualSurplus] = excess
				}
			}
		}
		round.ResidualSurplus = residual
	}
	if r > 1 {
		c.t.Rounds[r-2].Transfers = prevTransfers
	}
	c.closeSlices(r, inTally, precs, c.t.Precincts, c.keptPrecincts)
	c.closeSlices(r, inTally, bats, c.t.Batches, c.keptBatches)
	c.t.Rounds = append(c.t.Rounds, round)
	rp := &c.t.Rounds[len(c.t.Rounds)-1]

	winners, err := c.identifyWinners(r, rp)
	if err != nil {
		return false, false, err
	}
	if len(winners) > 0 {
		for _, d := range winners {
			c.winRound[d.Candidate] = r
		}
		c.sortByName(winners)
		rp.Elected = winners
		for _, d := range winners {
			c.winners = append(c.winners, d.Candidate)
		}
		c.t.Winners = append(c.t.Winners, candidatesOf(winners)...)
		if c.mode.surplus() {
			for _, d := range winners {
				c.transferSurplus(d.Candidate, rp)
			}
		}
		return true, false, nil
	}
	if !c.needElimination(inTally) {
		return false, false, nil
	}
	losers, err := c.eliminate(r, rp)
	if err != nil {
		return false, false, err
	}
	for _, d := range losers {
		c.elimRound[d.Candidate] = r
	}
	c.sortByName(losers)
	rp.Eliminated = losers
	return false, len(losers) > 0, nil
}

// closeSlices finishes round r of each slice: winners' tallies are what
// they kept from the slice's ballots, and what left each candidate is
// reported on the previous round.
func (c *counter) closeSlices(r int, inTally []bool, accs []*sliceAcc, out []Slice, kept [][]Decimal) {
	for i, a := range accs {
		counts := a.counts(inTally)
		if c.mode.surplus() {
			for _, w := range c.winners {
				counts.Tally[w] = kept[i][w]
			}
		}
		if r > 1 {
			out[i].Rounds[r-2].Transfers = counts.Transfers
		}
		counts.Transfers = nil
		out[i].Rounds = append(out[i].Rounds, counts)
	}
}

func candidatesOf(ds []Decision) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = d.Candidate
	}
	return out
}

func (c *counter) sortByName(ds []Decision) {
	slices.SortFunc(ds, func(a, b Decision) int {
		return java.Compare(c.in.Candidates[a.Candidate].Name, c.in.Candidates[b.Candidate].Name)
	})
}

// setThreshold computes the round's threshold where the mode recomputes it,
// and records the current threshold on the round.
func (c *counter) setThreshold(r int, round *Round) error {
	active := round.Active()
	d := int32(c.rules.DecimalPlaces)
	switch {
	case c.mode.singleSeat():
		// A majority of the continuing votes, recomputed every round
		// unless fixed at round 1, and frozen once a winner is found.
		if r == 1 || !c.rules.FirstRoundDeterminesThreshold && len(c.winners) == 0 {
			half, err := active.DivDown(DecimalFromInt(2), 0)
			if err != nil {
				return err
			}
			c.threshold = half.Add(DecimalFromInt(1))
		}
	case c.mode == BottomsUpUsingPercentageThreshold:
		if r == 1 || !c.rules.FirstRoundDeterminesThreshold {
			c.threshold = active.Mul(c.pct)
		}
	default:
		// Multi-seat thresholds are fixed from the first round's votes.
		if r == 1 {
			div := int64(c.seats + 1)
			if c.rules.HareQuota {
				div = int64(c.seats)
			}
			dv := DecimalFromInt(div)
			var err error
			switch {
			case c.rules.NonIntegerWinningThreshold:
				var q Decimal
				q, err = active.DivDown(dv, d)
				c.threshold = q.Add(NewDecimal(1, d))
			case c.rules.HareQuota:
				c.threshold, err = active.DivUp(dv, 0)
			default:
				var q Decimal
				q, err = active.DivDown(dv, 0)
				c.threshold = q.Add(DecimalFromInt(1))
			}
			if err != nil {
				return err
			}
		}
	}
	round.Threshold = c.threshold
	return nil
}

// openCandidates returns the candidates still in the race and not yet
// elected, in candidate order.
func (c *counter) openCandidates(round *Round) []int {
	var out []int
	for i, in := range round.InTally {
		if in && c.winRound[i] == 0 {
			out = append(out, i)
		}
	}
	return out
}

func (c *counter) identifyWinners(r int, round *Round) ([]Decision, error) {
	// Nobody is elected in a round where undeclared write-ins still hold
	// votes; they are eliminated first (source notes F; RCTab
	// Tabulator.identifyWinners).
	if c.uwi >= 0 && round.InTally[c.uwi] && round.Tally[c.uwi].Sign() > 0 {
		return nil, nil
	}
	open := c.openCandidates(round)
	if c.mode == BottomsUpUsingPercentageThreshold {
		if len(c.winners) > 0 || len(open) == 0 {
			return nil, nil
		}
		// Everyone is elected only when every continuing candidate has
		// strictly more votes than the threshold (source notes T8; RCTab
		// RoundTally.getCandidatesWithMoreVotesThan).
		for _, x := range open {
			if round.Tally[x].Cmp(c.threshold) <= 0 {
				return nil, nil
			}
		}
		return c.winnersFrom(open), nil
	}
	unfilled := c.seats - len(c.winners)
	if unfilled <= 0 {
		return nil, nil
	}
	if len(open) <= unfilled {
		// Everyone left in the tally wins, the undeclared write-in too
		// (with no votes, by the rule above) (source notes T18).
		return c.decisionsOf(open), nil
	}
	if c.mode == BottomsUp {
		return nil, nil
	}
	var over []int
	for _, x := range open {
		if x != c.uwi && round.Tally[x].Cmp(c.threshold) >= 0 {
			over = append(over, x)
		}
	}
	if len(over) == 0 && c.mode.singleSeat() && len(open) == 2 {
		// With two candidates left the one with more votes wins even
		// without reaching the threshold (which can happen only on a tie
		// or with a threshold fixed at round 1).
		return c.pickTop(r, round, c.withoutWriteIn(open), 1)
	}
	if len(over) > 1 && c.mode == MultiWinnerAllowOnlyOneWinnerPerRound {
		return c.pickTop(r, round, over, 1)
	}
	if len(over) > unfilled {
		return c.pickTop(r, round, over, unfilled)
	}
	return c.decisionsOf(over), nil
}

func (c *counter) withoutWriteIn(xs []int) []int {
	return slices.DeleteFunc(slices.Clone(xs), func(x int) bool { return x == c.uwi })
}

// winnersFrom makes winners of xs, leaving out the undeclared write-in,
// which can never win.
func (c *counter) winnersFrom(xs []int) []Decision { return c.decisionsOf(c.withoutWriteIn(xs)) }

func (c *counter) decisionsOf(xs []int) []Decision {
	out := make([]Decision, len(xs))
	for i, x := range xs {
		out[i] = Decision{Candidate: x}
	}
	return out
}

// pickTop chooses the n candidates of xs with the most votes, breaking ties
// at the boundary.
func (c *counter) pickTop(r int, round *Round, xs []int, n int) ([]Decision, error) {
	rest := slices.Clone(xs)
	var out []Decision
	for len(out) < n && len(rest) > 0 {
		best := round.Tally[rest[0]]
		for _, x := range rest[1:] {
			if round.Tally[x].Cmp(best) > 0 {
				best = round.Tally[x]
			}
		}
		var top []int
		for _, x := range rest {
			if round.Tally[x].Cmp(best) == 0 {
				top = append(top, x)
			}
		}
		if len(out)+len(top) <= n {
			for _, x := range top {
				out = append(out, Decision{Candidate: x})
			}
		} else {
			w, err := c.breakTie(r, top, true)
			if err != nil {
				return nil, err
			}
			out = append(out, Decision{Candidate: w, Tie: true})
			top = []int{w}
		}
		rest = slices.DeleteFunc(rest, func(x int) bool { return slices.Contains(top, x) })
	}
	return out, nil
}

// needElimination reports whether a round without winners must eliminate.
func (c *counter) needElimination(inTally []bool) bool {
	switch {
	case c.mode.singleSeat():
		if len(c.winners) < 1 {
			return true
		}
		if !c.rules.ContinueUntilTwoCandidatesRemain {
			return false
		}
		left := 0
		for _, in := range inTally {
			if in {
				left++
			}
		}
		return left > 2
	case c.mode == BottomsUpUsingPercentageThreshold:
		return len(c.winners) == 0
	}
	return len(c.winners) < c.seats
}

func (c *counter) eliminate(r int, round *Round) ([]Decision, error) {
	open := c.openCandidates(round)
	if len(open) == 0 {
		return nil, nil
	}
	// 1. Undeclared write-ins go first, whenever they hold votes.
	if c.uwi >= 0 && slices.Contains(open, c.uwi) && round.Tally[c.uwi].Sign() > 0 {
		return []Decision{{Candidate: c.uwi}}, nil
	}
	// 2. Cutoff: everyone below the round's threshold at once, in any
	// mode, with no minimum and no maximum; if that is everyone, RCTab's
	// next round has no candidate and the count fails (source notes
	// T9/T10; RCTab Tabulator.doCutoffElimination).
	if c.rules.CutoffElimination {
		var below []int
		for _, x := range open {
			if round.Tally[x].Cmp(c.threshold) < 0 {
				below = append(below, x)
			}
		}
		if len(below) > 0 && len(below) == len(open) && len(c.winners) == 0 {
			return nil, fmt.Errorf("tabulate: round %d: cutoffElimination eliminates every continuing candidate (all are below the threshold %s), leaving nobody to count; RCTab's count fails here too", r, c.threshold)
		}
		if len(below) > 0 {
			return c.decisionsOf(below), nil
		}
	}
	// 3. Batch elimination, when it removes at least two candidates.
	if c.rules.BatchElimination {
		if batch := c.batch(round, c.batchCandidates(round)); len(batch) > 1 {
			return c.decisionsOf(batch), nil
		}
	}
	// 4. The single lowest candidate, breaking a tie if need be.
	low := round.Tally[open[0]]
	for _, x := range open[1:] {
		if round.Tally[x].Cmp(low) < 0 {
			low = round.Tally[x]
		}
	}
	var lowest []int
	for _, x := range open {
		if round.Tally[x].Cmp(low) == 0 {
			lowest = append(lowest, x)
		}
	}
	if len(lowest) == 1 {
		return []Decision{{Candidate: lowest[0]}}, nil
	}
	loser, err := c.breakTie(r, lowest, false)
	if err != nil {
		return nil, err
	}
	return []Decision{{Candidate: loser, Tie: true}}, nil
}

// batchCandidates are the candidates batch elimination looks at: every
// continuing candidate, an already elected single-seat winner included
// (source notes T11; RCTab Tabulator.runBatchElimination).
func (c *counter) batchCandidates(round *Round) []int {
	var out []int
	for i, in := range round.InTally {
		if in && c.continuing(i) {
			out = append(out, i)
		}
	}
	return out
}

// batch returns the largest set of lowest candidates whose combined votes
// are fewer than the votes of the next candidate up: none of them can
// overtake that candidate, so all can go at once. Tied candidates are
// taken together or not at all. A batch that would leave a single
// candidate gives way to the one before it (source notes T11).
func (c *counter) batch(round *Round, cands []int) []int {
	sorted := slices.Clone(cands)
	slices.SortStableFunc(sorted, func(a, b int) int { return round.Tally[a].Cmp(round.Tally[b]) })
	var out, prev, seen []int
	var running Decimal
	for i := 0; i < len(sorted); {
		v := round.Tally[sorted[i]]
		j := i
		for j < len(sorted) && round.Tally[sorted[j]].Cmp(v) == 0 {
			j++
		}
		if len(seen) > 0 && running.Cmp(v) < 0 {
			prev, out = out, slices.Clone(seen)
		}
		running = running.Add(v.MulInt(int64(j - i)))
		seen = append(seen, sorted[i:j]...)
		i = j
	}
	if len(sorted)-len(out) == 1 {
		return prev
	}
	return out
}

// transferSurplus gives every ballot now counting for winner w the value
// it carries on: its current value times the surplus fraction, truncated
// ballot by ballot. The winner keeps the rest.
func (c *counter) transferSurplus(w int, round *Round) {
	d := int32(c.rules.DecimalPlaces)
	votes := round.Tally[w]
	extra := votes.Sub(c.threshold)
	var fraction Decimal
	if extra.Sign() > 0 {
		fraction, _ = extra.DivDown(votes, d)
	}
	if c.values == nil {
		c.values = make([]Decimal, len(c.b.groups))
		for i := range c.values {
			c.values[i] = DecimalFromInt(1)
		}
	}
	for g := range c.b.groups {
		if c.status[g] != statusActive || int(c.cur[g]) != w {
			continue
		}
		grp := &c.b.groups[g]
		old := c.values[g]
		nv := old.MulDown(fraction, d)
		keep := old.Sub(nv).MulInt(grp.count)
		c.values[g] = nv
		c.kept[w] = c.kept[w].Add(keep)
		if c.in.TrackAllocations {
			if c.t.allocKept == nil {
				c.t.allocKept = make(map[int][]keptShare)
			}
			c.t.allocKept[g] = append(c.t.allocKept[g], keptShare{winner: w, from: len(c.t.Rounds) + 1, value: old.Sub(nv)})
		}
		if c.keptPrecincts != nil {
			c.keptPrecincts[grp.precinct][w] = c.keptPrecincts[grp.precinct][w].Add(keep)
		}
		if c.keptBatches != nil {
			c.keptBatches[grp.batch][w] = c.keptBatches[grp.batch][w].Add(keep)
		}
	}
}

// keepGoing decides whether another round follows round r.
func (c *counter) keepGoing(r int, elected, eliminated bool) (bool, error) {
	if c.rules.StopAfterRound > 0 && r >= c.rules.StopAfterRound {
		return false, nil
	}
	if !elected && !eliminated {
		return false, nil
	}
	open := 0
	for i := range c.excluded {
		if !c.excluded[i] && c.elimRound[i] == 0 && c.winRound[i] == 0 {
			open++
		}
	}
	switch {
	case c.mode.singleSeat():
		if c.rules.ContinueUntilTwoCandidatesRemain {
			// Keep going while two or more candidates besides the winner
			// remain, and once more after an elimination to show it.
			return open > 1 || eliminated, nil
		}
		return len(c.winners) == 0 && open > 0, nil
	case c.mode.surplus():
		if len(c.winners) >= c.seats {
			// One more round shows the last winners' surplus moving.
			return elected, nil
		}
		if open == 0 {
			return false, c.noneLeft(r)
		}
		return true, nil
	}
	return len(c.winners) == 0 && open > 0, nil
}

// noneLeft decides a count that has elected everyone it could with seats
// still unfilled. RCTab stops only if the winners are exactly the declared
// candidates (excluded ones counted, the write-in not) and there are more
// seats than candidates not excluded (the write-in counted); otherwise it
// counts a round with nobody in it and fails (source notes T20; RCTab
// Tabulator.shouldContinueTabulating).
func (c *counter) noneLeft(r int) error {
	declared, notExcluded := 0, 0
	for _, cand := range c.in.Candidates {
		if !cand.WriteIn {
			declared++
		}
		if !cand.Excluded {
			notExcluded++
		}
	}
	if len(c.winners) == declared && c.seats > notExcluded {
		return nil
	}
	return fmt.Errorf("tabulate: after round %d every candidate is elected or eliminated but %d of %d seats are unfilled; RCTab's count fails here (numberOfWinners is more than the candidates that can win)", r, c.seats-len(c.winners), c.seats)
}

package rla

import "math"

// Batch is one batch's reported results in a batch comparison audit.
type Batch struct {
	// Name identifies the batch in errors.
	Name string
	// Ballots is the number of ballots in the batch (b_p).
	Ballots int
	// Reported holds the batch's reported votes, parallel to
	// Contest.Tally.
	Reported []int
}

// MACRO is a batch comparison audit of one contest with the MACRO test
// (Stark 2008), as Arlo implements it (audit_math/macro.py).
type MACRO struct {
	Contest *Contest
	Batches []Batch
	// Pending is the number of ballots not yet counted (Arlo's pending
	// ballots). They could all go to the losers, so every margin shrinks
	// by them.
	Pending int
}

// BatchDraw is one batch drawn into the sample, in ticket order.
type BatchDraw struct {
	// Batch is the index into MACRO.Batches of the batch drawn.
	Batch int
	// Audited is the hand count, parallel to Contest.Tally. Nil means the
	// batch could not be counted (not found): the worst case, which makes
	// the risk 1.
	Audited []int
	// Group lists the indices of the batches counted together with this
	// one when the hand count could not separate them (Arlo's combined
	// batches), Batch included; Audited is then the group's total. The
	// group's error is compared with its summed reported tallies but
	// bounded by the drawn batch's own u_p, which assumes the whole error
	// may sit in the drawn batch. Nil means the batch alone.
	Group []int
}

func (m *MACRO) validate() error {
	c := m.Contest
	if err := c.Validate(); err != nil {
		return err
	}
	if len(m.Batches) == 0 {
		return invalidf("batches: a batch comparison audit needs at least one batch")
	}
	if m.Pending < 0 || m.Pending > math.MaxInt32 {
		return invalidf("pending is %d; it must be between 0 and %d", m.Pending, math.MaxInt32)
	}
	va := c.votesAllowed()
	sum := make([]int, len(c.Tally))
	seen := map[string]bool{}
	for i, b := range m.Batches {
		name := b.Name
		if name == "" {
			return invalidf("batch %d has no name", i+1)
		}
		if seen[name] {
			return invalidf("batch %q is listed twice", name)
		}
		seen[name] = true
		if b.Ballots < 0 || b.Ballots > math.MaxInt32 {
			return invalidf("batch %q: ballots is %d; it must be between 0 and %d", name, b.Ballots, math.MaxInt32)
		}
		if err := checkBatchVotes(c, name, "reported", b.Reported, b.Ballots*va); err != nil {
			return err
		}
		for j, v := range b.Reported {
			sum[j] += v
		}
	}
	for j, v := range sum {
		if v > c.Tally[j].Votes {
			return invalidf("batches report %d votes for %q but the contest tally has %d; the tally must include every batch", v, c.Tally[j].Name, c.Tally[j].Votes)
		}
	}
	return nil
}

func checkBatchVotes(c *Contest, batch, what string, votes []int, maxVotes int) error {
	if len(votes) != len(c.Tally) {
		return invalidf("batch %q: %s tally has %d counts for %d candidates", batch, what, len(votes), len(c.Tally))
	}
	total := 0
	for j, v := range votes {
		if v < 0 || v > math.MaxInt32 {
			return invalidf("batch %q: %s votes for %q are %d; they must be between 0 and %d", batch, what, c.Tally[j].Name, v, math.MaxInt32)
		}
		total += v
	}
	if total > maxVotes {
		return invalidf("batch %q: %s tally has %d votes, more than its ballots allow (%d)", batch, what, total, maxVotes)
	}
	return nil
}

// unauditable is the number of ballots whose votes are in the contest
// tally but in no batch: ⌈(contest votes − batch votes)/votes allowed⌉.
func (m *MACRO) unauditable() int {
	contest, batches := 0, 0
	for _, cv := range m.Contest.Tally {
		contest += cv.Votes
	}
	for _, b := range m.Batches {
		for _, v := range b.Reported {
			batches += v
		}
	}
	va := m.Contest.votesAllowed()
	return (contest - batches + va - 1) / va
}

// margins returns V_wl for each pair, reduced by pending and unauditable
// ballots, and whether every one is positive.
func (m *MACRO) margins() ([]pair, []int, bool) {
	ps := m.Contest.pairs()
	loss := m.Pending + m.unauditable()
	vs := make([]int, len(ps))
	ok := true
	for i, p := range ps {
		vs[i] = m.Contest.Tally[p.w].Votes - m.Contest.Tally[p.l].Votes - loss
		if vs[i] <= 0 {
			ok = false
		}
	}
	return ps, vs, ok
}

// ErrorBounds returns each batch's maximum relative overstatement
// u_p = max over pairs of ((v_wp − v_lp) + b_p)/V_wl, and their sum U, with
// V_wl reduced by pending and unauditable ballots. When some V_wl is not
// positive the outcome cannot be confirmed by sampling: U is +Inf.
func (m *MACRO) ErrorBounds() (up []float64, U float64, err error) {
	if err := m.validate(); err != nil {
		return nil, 0, err
	}
	ps, vs, ok := m.margins()
	up = make([]float64, len(m.Batches))
	if !ok {
		for i := range up {
			up[i] = math.Inf(1)
		}
		return up, math.Inf(1), nil
	}
	for i, b := range m.Batches {
		u := math.Inf(-1)
		for k, p := range ps {
			u = math.Max(u, float64(b.Reported[p.w]-b.Reported[p.l]+b.Ballots)/float64(vs[k]))
		}
		up[i] = u
		U += u
	}
	return up, U, nil
}

// MACRORisk measures the risk after the draws, in ticket order:
//
//	p = ∏ (1 − 1/U) / (1 − e_p/u_p),
//
// with e_p = max over pairs of ((v_wp − v_lp) − (a_wp − a_lp))/V_wl, floored
// at 0. The audit is confirmed when 0 < p < α (Arlo's rule). A batch that
// could not be counted, or whose error reaches its bound, makes the risk 1.
//
// When the draws cover every batch the audit has become a full hand count:
// it confirms, with risk 0, if the hand counts keep every winner ahead of
// every loser by more than the pending and unauditable ballots.
func MACRORisk(alpha float64, m *MACRO, draws []BatchDraw) (Risk, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return Risk{}, err
	}
	up, U, err := m.ErrorBounds()
	if err != nil {
		return Risk{}, err
	}
	ps, vs, _ := m.margins()
	c := m.Contest
	// owner[g] is the draw whose hand count covers batch g (−1: none), so
	// that a complete count can be totalled once per count.
	owner := make([]int, len(m.Batches))
	for i := range owner {
		owner[i] = -1
	}
	lp := 0.0
	for i, d := range draws {
		if d.Batch < 0 || d.Batch >= len(m.Batches) {
			return Risk{}, invalidf("draw %d: batch index %d is out of range", i+1, d.Batch)
		}
		b := m.Batches[d.Batch]
		group := d.Group
		if group == nil {
			group = []int{d.Batch}
		}
		reported := make([]int, len(c.Tally))
		inGroup := false
		for _, g := range group {
			if g < 0 || g >= len(m.Batches) {
				return Risk{}, invalidf("draw %d: group batch index %d is out of range", i+1, g)
			}
			inGroup = inGroup || g == d.Batch
			for j, v := range m.Batches[g].Reported {
				reported[j] += v
			}
		}
		if !inGroup {
			return Risk{}, invalidf("draw %d: batch %q is not in its own group", i+1, b.Name)
		}
		if d.Audited == nil {
			lp = math.Inf(1)
			continue
		}
		// Audited totals are not held to the ballot count: Arlo accepts
		// any hand count, and an excess can only raise the risk, since
		// understatements count as zero.
		if err := checkBatchVotes(c, b.Name, "audited", d.Audited, math.MaxInt); err != nil {
			return Risk{}, err
		}
		for _, g := range group {
			owner[g] = i
		}
		if math.IsInf(U, 1) {
			continue
		}
		e := 0.0
		for k, p := range ps {
			e = math.Max(e, float64((reported[p.w]-reported[p.l])-(d.Audited[p.w]-d.Audited[p.l]))/float64(vs[k]))
		}
		taint := 0.0
		if e > 0 {
			taint = e / up[d.Batch]
		}
		if taint >= 1 {
			lp = math.Inf(1)
			continue
		}
		lp += math.Log1p(-1/U) - math.Log1p(-taint)
	}
	if allCounted(owner) {
		r := Risk{Risk: 1, FullHandCount: true}
		if m.handCountConfirms(draws, owner) {
			r = Risk{Risk: 0, Confirmed: true, FullHandCount: true}
		}
		return r, nil
	}
	if math.IsInf(U, 1) {
		return Risk{Risk: 1, FullHandCount: true}, nil
	}
	p := math.Min(1, math.Exp(lp))
	return Risk{Risk: p, Confirmed: p > 0 && p < alpha}, nil
}

func allCounted(owner []int) bool {
	for _, o := range owner {
		if o < 0 {
			return false
		}
	}
	return true
}

// handCountConfirms reports whether complete hand counts (each batch
// covered by the draw owner names, each count added once) keep every winner
// ahead of every loser by more than the ballots that were never counted.
func (m *MACRO) handCountConfirms(draws []BatchDraw, owner []int) bool {
	c := m.Contest
	total := make([]int, len(c.Tally))
	done := map[int]bool{}
	for _, o := range owner {
		if done[o] {
			continue
		}
		done[o] = true
		for j, v := range draws[o].Audited {
			total[j] += v
		}
	}
	loss := m.Pending + m.unauditable()
	for _, p := range c.pairs() {
		if total[p.w]-total[p.l] <= loss {
			return false
		}
	}
	return true
}

// MACROSampleSize returns the number of further batch draws Arlo
// recommends: ⌈(ln α − ln p)/ln(1 − 1/U)⌉ + 1, with p the risk after the
// draws so far (1 before any), capped at the number of batches. It is 0
// once the audit is confirmed, and every batch (with FullHandCount) when
// some margin is exhausted by pending and unauditable ballots or the risk
// can no longer fall.
func MACROSampleSize(alpha float64, m *MACRO, draws []BatchDraw) (Size, error) {
	r, err := MACRORisk(alpha, m, draws)
	if err != nil {
		return Size{}, err
	}
	_, U, _ := m.ErrorBounds()
	nb := len(m.Batches)
	distinct := map[int]bool{}
	for _, d := range draws {
		for _, g := range append([]int{d.Batch}, d.Group...) {
			distinct[g] = true
		}
	}
	left := nb - len(distinct)
	switch {
	case r.Confirmed:
		return Size{}, nil
	case r.FullHandCount || math.IsInf(U, 1) || !(r.Risk > 0) || U <= 1:
		return Size{Size: left, FullHandCount: true}, nil
	}
	n := ceilInt((math.Log(alpha)-math.Log(r.Risk))/math.Log1p(-1/U)) + 1
	n = min(n, nb)
	return Size{Size: n, FullHandCount: n >= left}, nil
}

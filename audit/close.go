package audit

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/raire"
)

// Decisions for a contest at the end of a round.
const (
	Confirmed     = "confirmed"
	AnotherRound  = "another-round"
	FullHandCount = "full-hand-count"
	// Opportunistic contests have their risk measured but decide nothing.
	Opportunistic = "opportunistic"
	// NotMeasured is an opportunistic contest of a batch-comparison audit:
	// the batches were drawn in proportion to another contest's error
	// bounds, so MACRO's risk does not apply to it.
	NotMeasured = "not-measured"
)

// RoundResult is the state of the audit when a round closes.
type RoundResult struct {
	Round int `json:"round"`
	// Draws is the number of draws of every round so far.
	Draws    int            `json:"draws"`
	Contests []ContestRound `json:"contests"`
	// Done is set when no targeted contest needs another round.
	Done bool `json:"done"`
	// NextSize is the next round's number of draws (0 when Done): the
	// largest over targeted contests needing another round of their
	// size scaled from the contest's ballots to all the audit's ballots.
	NextSize int `json:"next_size,omitempty"`
	// Ballots and Batches are every audited ballot or batch so far, in
	// order of first draw, CVR reading beside board reading.
	Ballots []AuditedBallot `json:"ballots,omitempty"`
	Batches []AuditedBatch  `json:"batches,omitempty"`
}

// Discrepancies counts a contest's (or assertion's) discrepancies so far,
// each ballot as many times as it was drawn.
type Discrepancies struct {
	O1 int `json:"o1"`
	O2 int `json:"o2"`
	U1 int `json:"u1"`
	U2 int `json:"u2"`
	// NotFound counts ballots not found or without consensus, Phantoms
	// manifest ballots without a CVR; both are two-vote overstatements
	// (the rla request's not_found), and neither is in O2.
	NotFound int `json:"not_found"`
	Phantoms int `json:"phantoms"`
}

// ContestRound is one contest's state when a round closes.
type ContestRound struct {
	Contest  string `json:"contest"`
	Targeted bool   `json:"targeted"`
	Math     string `json:"math"`
	// Ballots is the contest's ballot count; DilutedMargin its smallest
	// margin over it.
	Ballots       int64   `json:"ballots"`
	DilutedMargin float64 `json:"diluted_margin"`
	// SampleSize counts the draws that fell in the contest's
	// jurisdictions (with repeats); BallotsAudited the distinct ballots
	// (batches, for MACRO).
	SampleSize     int           `json:"sample_size"`
	BallotsAudited int           `json:"ballots_audited"`
	Discrepancies  Discrepancies `json:"discrepancies"`
	// SampleVotes are the votes a polling sample found.
	SampleVotes rla.Counts `json:"sample_votes,omitempty"`
	// Risk is the measured risk (the largest assertion's, for IRV).
	Risk         float64 `json:"risk"`
	RiskLimitMet bool    `json:"risk_limit_met"`
	Decision     string  `json:"decision"`
	// DecidedIn is the round in which the contest was confirmed or sent
	// to a full hand count.
	DecidedIn int `json:"decided_in,omitempty"`
	// NextSize is the contest's further ballots (batch draws) if it needs
	// another round.
	NextSize   int              `json:"next_size,omitempty"`
	Assertions []AssertionRound `json:"assertions,omitempty"`
	// Request is the `canvass rla risk` / `canvass rla size` input that
	// gives Risk and NextSize (absent for IRV, whose assertions each
	// have one, and before any draw fell in the contest).
	Request json.RawMessage `json:"request,omitempty"`
}

// AssertionRound is one RAIRE assertion's state when a round closes.
type AssertionRound struct {
	Assertion     string          `json:"assertion"`
	DilutedMargin float64         `json:"diluted_margin"`
	Discrepancies Discrepancies   `json:"discrepancies"`
	Risk          float64         `json:"risk"`
	RiskLimitMet  bool            `json:"risk_limit_met"`
	NextSize      int             `json:"next_size,omitempty"`
	FullHandCount bool            `json:"full_hand_count,omitempty"`
	Request       json.RawMessage `json:"request,omitempty"`
}

// AuditedBallot is one sampled ballot with its readings.
type AuditedBallot struct {
	BallotKey
	Container string   `json:"container,omitempty"`
	Tickets   []string `json:"ticket_numbers"`
	// Round is the round that first drew it.
	Round    int              `json:"round"`
	CVR      string           `json:"cvr,omitempty"`
	Phantom  bool             `json:"phantom,omitempty"`
	Contests []AuditedContest `json:"contests"`
}

// AuditedContest is one contest on an audited ballot.
type AuditedContest struct {
	Contest      string `json:"contest"`
	CVRReading   string `json:"cvr_reading,omitempty"`
	BoardReading string `json:"board_reading"`
	Comment      string `json:"comment,omitempty"`
	// Discrepancy is the overstatement in votes (−2..2) of the worst
	// pair (the worst assertion for IRV; polling: 0), and Kind names it:
	// o1, o2, u1, u2, not-found, phantom, or empty for none.
	Discrepancy int    `json:"discrepancy"`
	Kind        string `json:"kind,omitempty"`
}

// AuditedBatch is one sampled batch with its hand tally.
type AuditedBatch struct {
	Jurisdiction string         `json:"jurisdiction"`
	Batch        string         `json:"batch"`
	Ballots      int            `json:"ballots"`
	Tickets      []string       `json:"ticket_numbers"`
	Round        int            `json:"round"`
	NotFound     bool           `json:"not_found,omitempty"`
	Comment      string         `json:"comment,omitempty"`
	Contests     []BatchContest `json:"contests"`
}

// BatchContest is one contest's reported and hand-counted votes in an
// audited batch.
type BatchContest struct {
	Contest  string     `json:"contest"`
	Reported rla.Counts `json:"reported"`
	Audited  rla.Counts `json:"audited,omitempty"`
}

func discrepancyKind(v int) string {
	return map[int]string{2: "o2", 1: "o1", -1: "u1", -2: "u2"}[v]
}

func (d *Discrepancies) add(kind string) {
	switch kind {
	case "not-found":
		d.NotFound++
	case "phantom":
		d.Phantoms++
	case "o2":
		d.O2++
	case "o1":
		d.O1++
	case "u1":
		d.U1++
	case "u2":
		d.U2++
	}
}

// ballotEval is one distinct ballot's evaluation in one contest.
type ballotEval struct {
	in bool // the ballot is in the contest's jurisdictions
	// kind is "not-found" or "phantom" for the worst case.
	kind string
	// disc is the worst pair's overstatement (comparison), or per
	// assertion (IRV).
	disc  int
	discs []int
	// votes are the candidates a polling ballot counts for; noVote for
	// none.
	votes []int
}

type drawnBallot struct {
	key     BallotKey
	ji      int // the jurisdiction's index in Audit.jurs
	first   *SampledBallot
	tickets []string
	round   int
	reading *BallotReading
}

// checkRounds checks that the rounds are one continuing sample.
func (a *Audit) checkRounds(rounds []*Round) error {
	if len(rounds) == 0 {
		return fmt.Errorf("%w: no round to close", ErrInvalid)
	}
	skip := 0
	for i, r := range rounds {
		if r.Number != i+1 || r.Skip != skip || r.Seed != rounds[0].Seed {
			return fmt.Errorf("%w: round %d does not continue the rounds before it (number %d, skip %d, seed %q)", ErrInvalid, i+1, r.Number, r.Skip, r.Seed)
		}
		n := len(r.Ballots)
		if a.def.Type == BatchComparison {
			n = len(r.Batches)
		}
		if n != r.Count {
			return fmt.Errorf("%w: round %d has %d draws but count %d", ErrInvalid, r.Number, n, r.Count)
		}
		skip += r.Count
	}
	return nil
}

// Close closes the last of the rounds from the boards' readings: it
// computes every contest's discrepancies and risk over all the rounds'
// draws and decides, per targeted contest, confirmed, another round or a
// full hand count. Earlier rounds are closed again on the way, so that a
// contest confirmed (or sent to a hand count) in an earlier round keeps
// that decision. Every sampled ballot must have a reading for every
// contest of its jurisdiction; readings of ballots not in the sample are
// refused.
func (a *Audit) Close(rounds []*Round, readings *Readings) (*RoundResult, error) {
	if err := a.checkRounds(rounds); err != nil {
		return nil, err
	}
	if a.def.Type == BatchComparison {
		return a.closeBatches(rounds, readings)
	}
	if readings == nil {
		readings = &Readings{}
	}
	if len(readings.Batches) > 0 {
		return nil, fmt.Errorf("%w: batch readings given to a %s audit", ErrInvalid, a.def.Type)
	}
	// Distinct ballots in order of first draw, and each draw's ballot.
	index := map[BallotKey]int{}
	var ballots []*drawnBallot
	var draws []int
	var cum []int
	for _, r := range rounds {
		for i := range r.Ballots {
			b := &r.Ballots[i]
			k := b.Key()
			bi, ok := index[k]
			if !ok {
				ji, known := a.jurIndex[k.Jurisdiction]
				if !known {
					return nil, fmt.Errorf("%w: round %d draws from jurisdiction %q, not in the audit", ErrInvalid, r.Number, k.Jurisdiction)
				}
				bi = len(ballots)
				index[k] = bi
				ballots = append(ballots, &drawnBallot{key: k, ji: ji, first: b, round: r.Number})
			}
			ballots[bi].tickets = append(ballots[bi].tickets, b.Ticket)
			draws = append(draws, bi)
		}
		cum = append(cum, len(draws))
	}
	for i := range readings.Ballots {
		rd := &readings.Ballots[i]
		bi, ok := index[rd.BallotKey]
		if !ok {
			return nil, fmt.Errorf("%w: readings: ballots[%d]: %v was not drawn in any round", ErrInvalid, i, rd.BallotKey)
		}
		if ballots[bi].reading != nil {
			return nil, fmt.Errorf("%w: readings: ballots[%d]: %v has two readings; give the latest revision only", ErrInvalid, i, rd.BallotKey)
		}
		ballots[bi].reading = rd
		for _, name := range slices.Sorted(maps.Keys(rd.Contests)) {
			ci, ok := a.contestIndex[name]
			if !ok || !a.contests[ci].jurs[ballots[bi].ji] {
				return nil, fmt.Errorf("%w: readings: ballots[%d]: %v: contest %q is not audited in %q", ErrInvalid, i, rd.BallotKey, name, rd.Jurisdiction)
			}
		}
	}
	// Evaluate every ballot in every contest once.
	evals := make([][]ballotEval, len(a.contests))
	var missing []string
	for ci, c := range a.contests {
		evals[ci] = make([]ballotEval, len(ballots))
		for bi, b := range ballots {
			if !c.jurs[b.ji] {
				continue
			}
			var rd *Reading
			if b.reading != nil {
				if r, ok := b.reading.Contests[c.def.Name]; ok {
					rd = &r
				}
			}
			if rd == nil {
				if len(missing) < 3 {
					missing = append(missing, fmt.Sprintf("%v contest %q", b.key, c.def.Name))
				}
				continue
			}
			if err := a.checkReading(c, rd); err != nil {
				return nil, fmt.Errorf("%w: reading of %v, contest %q: %v", ErrInvalid, b.key, c.def.Name, err)
			}
			evals[ci][bi] = a.evaluate(c, b, rd)
		}
	}
	if n := countMissing(a, ballots); n > 0 {
		return nil, fmt.Errorf("%w: %d contest readings are missing, e.g. %v; every sampled ballot needs a reading of every contest of its jurisdiction before the round closes", ErrInvalid, n, missing)
	}
	var prev *RoundResult
	for k := range rounds {
		res, err := a.closeOne(rounds[k].Number, cum[k], prev, func(ci int, visit func(e *ballotEval, bi int)) {
			for _, bi := range draws[:cum[k]] {
				if e := &evals[ci][bi]; e.in {
					visit(e, bi)
				}
			}
		})
		if err != nil {
			return nil, err
		}
		prev = res
	}
	for bi, b := range ballots {
		ab := AuditedBallot{BallotKey: b.key, Container: b.first.Container, Tickets: b.tickets, Round: b.round, CVR: b.first.CVR, Phantom: b.first.Phantom}
		for ci, c := range a.contests {
			if !c.jurs[b.ji] {
				continue
			}
			rd := b.reading.Contests[c.def.Name]
			e := &evals[ci][bi]
			ac := AuditedContest{Contest: c.def.Name, BoardReading: rd.describe(c.def.Kind == IRV), Comment: rd.Comment, Discrepancy: e.disc, Kind: e.kind}
			if a.def.Type == BallotComparison {
				ac.CVRReading = c.describeCVR(a.cvrAt(a.jurs[b.ji], b.key.Tabulator, b.key.Batch, b.key.Position))
			}
			ab.Contests = append(ab.Contests, ac)
		}
		prev.Ballots = append(prev.Ballots, ab)
	}
	return prev, nil
}

func countMissing(a *Audit, ballots []*drawnBallot) int {
	n := 0
	for _, b := range ballots {
		for _, c := range a.contests {
			if !c.jurs[b.ji] {
				continue
			}
			if b.reading == nil {
				n++
				continue
			}
			if _, ok := b.reading.Contests[c.def.Name]; !ok {
				n++
			}
		}
	}
	return n
}

// evaluate compares one ballot's reading of contest c with its CVR.
func (a *Audit) evaluate(c *contest, b *drawnBallot, rd *Reading) ballotEval {
	e := ballotEval{in: true}
	var cvr *election.CVR
	if a.def.Type == BallotComparison {
		cvr = a.cvrAt(a.jurs[b.ji], b.key.Tabulator, b.key.Batch, b.key.Position)
	}
	switch {
	case a.def.Type == BallotPolling:
		if rd.lost() {
			e.kind = "not-found"
			return e
		}
		if rd.Status == "" && len(rd.Choices) <= c.votesAllowed() {
			for _, ch := range rd.Choices {
				e.votes = append(e.votes, c.candidate(ch))
			}
		}
		return e
	case cvr == nil:
		e.kind, e.disc = "phantom", 2
	case rd.lost():
		e.kind, e.disc = "not-found", 2
	}
	if e.kind != "" {
		if c.def.Kind == IRV {
			e.discs = make([]int, len(c.assertions))
			for i := range e.discs {
				e.discs[i] = 2
			}
		}
		return e
	}
	mvr := c.mvr(rd)
	if c.def.Kind == IRV {
		cvrMarks, _ := cvr.Marks(c.index)
		mvrMarks, _ := mvr.Marks(c.index)
		cmp := raire.Comparison{CVR: raire.Ranking(c.ec, cvrMarks, OvervoteRule), Audited: raire.Ranking(c.ec, mvrMarks, OvervoteRule)}
		e.discs = make([]int, len(c.assertions))
		for i, s := range c.assertions {
			e.discs[i] = s.Assertion.Discrepancy(cmp)
			if i == 0 || e.discs[i] > e.disc {
				e.disc = e.discs[i]
			}
		}
	} else {
		// The worst (winner, loser) pair's overstatement in raw votes,
		// as Colorado counts it; counted against the closest pair's
		// margin it never understates a discrepancy.
		e.disc = c.outcome.CORLADiscrepancy(cvr, mvr)
	}
	e.kind = discrepancyKind(e.disc)
	return e
}

// comparisonState accumulates one assertion (or plurality contest) over
// the draws.
type comparisonState struct {
	d              Discrepancies
	n              int
	overstatements []int
}

func (s *comparisonState) add(v int, kind string) {
	s.n++
	s.d.add(kind)
	s.overstatements = append(s.overstatements, v)
}

type discrepancyJSON struct {
	SampleSize int `json:"sample_size"`
	O1         int `json:"o1"`
	O2         int `json:"o2"`
	U1         int `json:"u1"`
	U2         int `json:"u2"`
}

// comparisonRequest is the rla request for a comparison assertion or
// contest after the draws in s.
func (a *Audit) comparisonRequest(tally rla.Counts, ballots int64, winners, votesAllowed int, s *comparisonState) map[string]any {
	req := map[string]any{"method": a.def.Math, "risk_limit": a.def.RiskLimit, "ballots": ballots, "tally": rla.Counts(tally),
		"winners": winners, "votes_allowed": votesAllowed}
	a.withReplacement(req)
	if s.n == 0 {
		return req
	}
	if a.def.Math == "alpha-comparison" {
		req["overstatements"] = s.overstatements
		return req
	}
	req["discrepancies"] = discrepancyJSON{s.n, s.d.O1, s.d.O2, s.d.U1, s.d.U2}
	req["not_found"] = s.d.NotFound + s.d.Phantoms
	return req
}

// withReplacement tells an ALPHA request how the audit draws, for its
// sizes (round 1's included) as for its risks: rla's ALPHA defaults to
// without replacement, the audit to with.
func (a *Audit) withReplacement(req map[string]any) {
	if a.def.Math == "alpha" || a.def.Math == "alpha-comparison" {
		req["with_replacement"] = !a.def.WithoutReplacement
	}
}

// measured is what an rla request answered.
type measured struct {
	risk     rla.Risk
	size     int
	fullSize bool
	request  json.RawMessage
}

// measure runs an rla request exactly as `canvass rla risk` and `canvass
// rla size` do: encoded, decoded by rla.DecodeRequest, and asked.
func (a *Audit) measure(req map[string]any, sampled bool) (measured, error) {
	data, err := json.Marshal(req)
	if err != nil {
		return measured{}, err
	}
	r, err := rla.DecodeRequest(data)
	if err != nil {
		return measured{}, fmt.Errorf("rla request %s: %w", data, err)
	}
	m := measured{request: data, risk: rla.Risk{Risk: 1}}
	if sampled {
		if m.risk, err = r.Risk(); err != nil {
			return measured{}, fmt.Errorf("rla risk %s: %w", data, err)
		}
	}
	sz, err := r.Size()
	if err != nil {
		return measured{}, fmt.Errorf("rla size %s: %w", data, err)
	}
	if sz.BRAVO != nil {
		// Later polling rounds take Arlo's 90% size: the largest of its
		// options, so the audit is likelier to finish in that round.
		m.size, m.fullSize = sz.BRAVO.P90, sz.BRAVO.FullHandCount
	} else {
		m.size, m.fullSize = sz.Size.Size, sz.Size.FullHandCount
	}
	return m, nil
}

// closeOne closes one round from the draws visit walks, carrying the
// decisions of prev.
func (a *Audit) closeOne(number, drawn int, prev *RoundResult, visit func(ci int, f func(e *ballotEval, bi int))) (*RoundResult, error) {
	res := &RoundResult{Round: number, Draws: drawn}
	for ci, c := range a.contests {
		cr := ContestRound{Contest: c.def.Name, Targeted: c.def.Targeted, Math: a.def.Math, Ballots: c.ballots}
		distinct := map[int]bool{}
		var m measured
		var err error
		if c.def.Kind == IRV {
			states := make([]comparisonState, len(c.assertions))
			visit(ci, func(e *ballotEval, bi int) {
				distinct[bi] = true
				cr.SampleSize++
				cr.Discrepancies.add(e.kind)
				for i := range states {
					states[i].add(e.discs[i], kindOf(e.kind, e.discs[i]))
				}
			})
			m, err = a.measureIRV(c, &cr, states)
		} else if a.def.Type == BallotComparison {
			var s comparisonState
			visit(ci, func(e *ballotEval, bi int) {
				distinct[bi] = true
				s.add(e.disc, e.kind)
			})
			cr.SampleSize, cr.Discrepancies = s.n, s.d
			cr.DilutedMargin = c.rc.DilutedMargin()
			m, err = a.measure(a.comparisonRequest(c.rc.Tally, c.ballots, c.rc.Winners, c.rc.VotesAllowed, &s), s.n > 0)
			cr.Request = m.request
		} else {
			m, err = a.measurePolling(c, &cr, ci, visit, distinct)
		}
		if err != nil {
			return nil, fmt.Errorf("contest %q: %w", c.def.Name, err)
		}
		cr.BallotsAudited = len(distinct)
		cr.Risk, cr.RiskLimitMet = m.risk.Risk, m.risk.Confirmed
		a.decide(&cr, m, prev, res)
		res.Contests = append(res.Contests, cr)
	}
	a.finish(res)
	return res, nil
}

// kindOf is the kind of one assertion's discrepancy on a ballot.
func kindOf(ballotKind string, v int) string {
	if ballotKind == "not-found" || ballotKind == "phantom" {
		return ballotKind
	}
	return discrepancyKind(v)
}

// measureIRV measures every assertion of an IRV contest; the contest's
// risk is the largest, and it is confirmed when every assertion is.
func (a *Audit) measureIRV(c *contest, cr *ContestRound, states []comparisonState) (measured, error) {
	out := measured{risk: rla.Risk{Confirmed: true}}
	for i, s := range c.assertions {
		as := s.Assertion
		// A two-candidate tally whose margin is the assertion's: the
		// same diluted margin, so the same risk formula.
		tally := rla.Counts{{Name: c.candidates[as.Winner], Votes: int(s.Margin)}, {Name: c.candidates[as.Loser], Votes: 0}}
		m, err := a.measure(a.comparisonRequest(tally, c.ballots, 1, 1, &states[i]), states[i].n > 0)
		if err != nil {
			return measured{}, fmt.Errorf("assertion %s: %w", c.assertionText(s), err)
		}
		dm := float64(s.Margin) / float64(c.ballots)
		if i == 0 || dm < cr.DilutedMargin {
			cr.DilutedMargin = dm
		}
		cr.Assertions = append(cr.Assertions, AssertionRound{Assertion: c.assertionText(s), DilutedMargin: dm, Discrepancies: states[i].d,
			Risk: m.risk.Risk, RiskLimitMet: m.risk.Confirmed, NextSize: m.size, FullHandCount: m.fullSize || m.risk.FullHandCount, Request: m.request})
		out.risk.Risk = max(out.risk.Risk, m.risk.Risk)
		out.risk.Confirmed = out.risk.Confirmed && m.risk.Confirmed
		if !m.risk.Confirmed {
			out.size = max(out.size, m.size)
			out.fullSize = out.fullSize || m.fullSize
			out.risk.FullHandCount = out.risk.FullHandCount || m.risk.FullHandCount
		}
	}
	return out, nil
}

// measurePolling measures a ballot-polling contest.
func (a *Audit) measurePolling(c *contest, cr *ContestRound, ci int, visit func(int, func(*ballotEval, int)), distinct map[int]bool) (measured, error) {
	votes := make([]int, len(c.candidates))
	var order []*string
	visit(ci, func(e *ballotEval, bi int) {
		distinct[bi] = true
		cr.SampleSize++
		if e.kind == "not-found" {
			cr.Discrepancies.NotFound++
			order = append(order, nil)
			return
		}
		name := ""
		for _, v := range e.votes {
			votes[v]++
			name = c.candidates[v]
		}
		order = append(order, &name)
	})
	cr.DilutedMargin = c.rc.DilutedMargin()
	for i, name := range c.candidates {
		cr.SampleVotes = append(cr.SampleVotes, rla.CandidateVotes{Name: name, Votes: votes[i]})
	}
	req := map[string]any{"method": a.def.Math, "risk_limit": a.def.RiskLimit, "ballots": c.ballots, "tally": rla.Counts(c.rc.Tally),
		"winners": c.rc.Winners, "votes_allowed": c.rc.VotesAllowed}
	a.withReplacement(req)
	if cr.SampleSize > 0 {
		if a.def.Math == "alpha" {
			req["draws"] = order
		} else {
			req["sample"] = cr.SampleVotes
			req["sample_size"] = cr.SampleSize
			req["not_found"] = cr.Discrepancies.NotFound
		}
	}
	m, err := a.measure(req, cr.SampleSize > 0)
	cr.Request = m.request
	return m, err
}

// decide sets a contest's decision.
func (a *Audit) decide(cr *ContestRound, m measured, prev *RoundResult, res *RoundResult) {
	if prev != nil {
		for _, p := range prev.Contests {
			if p.Contest == cr.Contest && (p.Decision == Confirmed || p.Decision == FullHandCount) {
				cr.Decision, cr.DecidedIn = p.Decision, p.DecidedIn
				return
			}
		}
	}
	switch {
	case !cr.Targeted:
		cr.Decision = Opportunistic
	case m.risk.Confirmed:
		cr.Decision, cr.DecidedIn = Confirmed, res.Round
	case m.risk.FullHandCount || m.fullSize:
		cr.Decision, cr.DecidedIn = FullHandCount, res.Round
	default:
		// Capped at the contest's ballots, as round 1's options are and
		// as `canvass rla size` prints it.
		cr.Decision, cr.NextSize = AnotherRound, min(max(m.size, 1), int(cr.Ballots))
	}
}

// finish sets the round's next size from its contests, sending a contest
// to a full hand count when its round would draw more than the sampler
// can or, without replacement, more than the ballots left.
func (a *Audit) finish(res *RoundResult) {
	res.Done = true
	for i := range res.Contests {
		cr := &res.Contests[i]
		if cr.Decision != AnotherRound {
			continue
		}
		n := a.scale(cr.NextSize, cr.Ballots)
		limit := a.drawLimit() - int64(res.Draws)
		if n > limit {
			cr.Decision, cr.DecidedIn, cr.NextSize = FullHandCount, res.Round, 0
			continue
		}
		res.Done = false
		res.NextSize = max(res.NextSize, int(n))
	}
}

// drawLimit is the most draws (all rounds together) the audit's sampler
// can make: draw.MaxDraws; without replacement, at most every ballot; for
// Arlo's PPEB batch draw, fewer than the batches (Arlo audits every batch
// otherwise).
func (a *Audit) drawLimit() int64 {
	limit := int64(draw.MaxDraws)
	if a.def.WithoutReplacement {
		limit = min(limit, a.total)
	}
	if a.def.Type == BatchComparison {
		batches := 0
		for _, j := range a.jurs {
			batches += len(j.batches)
		}
		limit = min(limit, int64(batches-1))
	}
	return limit
}

// scale turns a contest's size into draws over the whole audit: the
// contest's jurisdictions hold ballots of the audit's total, and a uniform
// draw lands in them in that proportion, so ⌈size·total/ballots⌉ draws give
// the contest size draws on average.
func (a *Audit) scale(size int, ballots int64) int64 {
	if a.def.Type == BatchComparison || ballots <= 0 {
		return int64(size)
	}
	return (int64(size)*a.total + ballots - 1) / ballots
}

// SizeOption is a first-round size the audit-admin may choose.
type SizeOption struct {
	// Key is "asn", "0.7", "0.8" or "0.9" (BRAVO: Arlo's options) or
	// "size" (every other math).
	Key string `json:"key"`
	// Draws is the round's number of draws over the whole audit.
	Draws int `json:"draws"`
	// Contests maps each targeted contest to its own size.
	Contests map[string]int `json:"contests"`
	// FullHandCount is set when some targeted contest cannot be audited
	// by sampling.
	FullHandCount bool `json:"full_hand_count,omitempty"`
}

// FirstRoundSizes returns the first round's size options: for BRAVO,
// Arlo's average sample number and 70%, 80% and 90% sizes; otherwise the
// math's size. Each is the largest over targeted contests of the contest's
// size scaled to the whole audit.
func (a *Audit) FirstRoundSizes() ([]SizeOption, error) {
	keys := []string{"size"}
	if a.def.Math == "bravo" {
		keys = []string{"asn", "0.7", "0.8", "0.9"}
	}
	opts := make([]SizeOption, len(keys))
	for i, k := range keys {
		opts[i] = SizeOption{Key: k, Contests: map[string]int{}}
	}
	for _, c := range a.targeted() {
		var sizes []int
		full := false
		switch {
		case c.def.Kind == IRV:
			for _, s := range c.assertions {
				tally := rla.Counts{{Name: c.candidates[s.Assertion.Winner], Votes: int(s.Margin)}, {Name: c.candidates[s.Assertion.Loser]}}
				sz, err := a.firstSize(a.comparisonRequest(tally, c.ballots, 1, 1, &comparisonState{}))
				if err != nil {
					return nil, err
				}
				if len(sizes) == 0 {
					sizes = []int{0}
				}
				sizes[0] = max(sizes[0], sz.Size.Size)
				full = full || sz.Size.FullHandCount
			}
		case a.def.Type == BatchComparison:
			req := map[string]any{"method": "macro", "risk_limit": a.def.RiskLimit, "ballots": c.ballots, "tally": rla.Counts(c.rc.Tally),
				"winners": c.rc.Winners, "votes_allowed": c.rc.VotesAllowed, "batches": a.macroBatches(c, nil)}
			sz, err := a.firstSize(req)
			if err != nil {
				return nil, err
			}
			sizes, full = []int{sz.Size.Size}, sz.Size.FullHandCount
		default:
			req := map[string]any{"method": a.def.Math, "risk_limit": a.def.RiskLimit, "ballots": c.ballots, "tally": rla.Counts(c.rc.Tally),
				"winners": c.rc.Winners, "votes_allowed": c.rc.VotesAllowed}
			a.withReplacement(req)
			sz, err := a.firstSize(req)
			if err != nil {
				return nil, err
			}
			if b := sz.BRAVO; b != nil {
				sizes, full = []int{b.ASN, b.P70, b.P80, b.P90}, b.FullHandCount
			} else {
				sizes, full = []int{sz.Size.Size}, sz.Size.FullHandCount
			}
		}
		for i := range opts {
			size := min(sizes[i], int(c.ballots))
			opts[i].Contests[c.def.Name] = size
			n := a.scale(size, c.ballots)
			opts[i].Draws = max(opts[i].Draws, int(n))
			opts[i].FullHandCount = opts[i].FullHandCount || full || n > a.drawLimit()
		}
	}
	return opts, nil
}

func (a *Audit) firstSize(req map[string]any) (rla.SizeReport, error) {
	data, err := json.Marshal(req)
	if err != nil {
		return rla.SizeReport{}, err
	}
	r, err := rla.DecodeRequest(data)
	if err != nil {
		return rla.SizeReport{}, fmt.Errorf("rla request %s: %w", data, err)
	}
	return r.Size()
}

// macroBatches lists a contest's batches for a macro request, with the
// hand counts of the sampled ones.
func (a *Audit) macroBatches(c *contest, audited map[[2]int]*BatchReading) []rla.BatchInput {
	out := make([]rla.BatchInput, len(c.macro.Batches))
	for i, b := range c.macro.Batches {
		in := rla.BatchInput{Name: b.Name, Ballots: b.Ballots}
		for k, name := range c.candidates {
			in.Reported = append(in.Reported, rla.CandidateVotes{Name: name, Votes: b.Reported[k]})
		}
		if rd := audited[c.macroAt[i]]; rd != nil {
			if rd.NotFound {
				in.NotFound = true
			} else {
				counts := map[string]int{}
				for _, cv := range rd.Tallies[c.def.Name] {
					counts[cv.Name] += cv.Votes
				}
				for _, name := range c.candidates {
					in.Audited = append(in.Audited, rla.CandidateVotes{Name: name, Votes: counts[name]})
				}
			}
		}
		out[i] = in
	}
	return out
}

// closeBatches closes a batch-comparison round.
func (a *Audit) closeBatches(rounds []*Round, readings *Readings) (*RoundResult, error) {
	if readings == nil {
		readings = &Readings{}
	}
	if len(readings.Ballots) > 0 {
		return nil, fmt.Errorf("%w: ballot readings given to a batch-comparison audit", ErrInvalid)
	}
	type drawnBatch struct {
		at      [2]int
		first   *SampledBatch
		tickets []string
		round   int
		reading *BatchReading
	}
	index := map[[2]int]int{}
	var batches []*drawnBatch
	var draws []int
	var cum []int
	for _, r := range rounds {
		for i := range r.Batches {
			sb := &r.Batches[i]
			ji, ok := a.jurIndex[sb.Jurisdiction]
			if !ok {
				return nil, fmt.Errorf("%w: round %d draws from jurisdiction %q, not in the audit", ErrInvalid, r.Number, sb.Jurisdiction)
			}
			bi, ok := a.jurs[ji].index[batchKey{"", sb.Batch}]
			if !ok {
				return nil, fmt.Errorf("%w: round %d draws batch %q of %q, not in its manifest", ErrInvalid, r.Number, sb.Batch, sb.Jurisdiction)
			}
			at := [2]int{ji, bi}
			k, ok := index[at]
			if !ok {
				k = len(batches)
				index[at] = k
				batches = append(batches, &drawnBatch{at: at, first: sb, round: r.Number})
			}
			batches[k].tickets = append(batches[k].tickets, sb.Ticket)
			draws = append(draws, k)
		}
		cum = append(cum, len(draws))
	}
	for i := range readings.Batches {
		rd := &readings.Batches[i]
		ji, ok := a.jurIndex[rd.Jurisdiction]
		k := -1
		if ok {
			if bi, ok := a.jurs[ji].index[batchKey{"", rd.Batch}]; ok {
				if x, ok := index[[2]int{ji, bi}]; ok {
					k = x
				}
			}
		}
		if k < 0 {
			return nil, fmt.Errorf("%w: readings: batches[%d]: %q batch %q was not drawn in any round", ErrInvalid, i, rd.Jurisdiction, rd.Batch)
		}
		if batches[k].reading != nil {
			return nil, fmt.Errorf("%w: readings: batches[%d]: %q batch %q has two tallies; give the finalized one", ErrInvalid, i, rd.Jurisdiction, rd.Batch)
		}
		b := batches[k]
		if !rd.NotFound {
			j := a.jurs[b.at[0]]
			for _, c := range a.contests {
				if !c.jurs[b.at[0]] {
					continue
				}
				counts, ok := rd.Tallies[c.def.Name]
				if !ok {
					return nil, fmt.Errorf("%w: readings: batches[%d]: %q batch %q has no hand tally of contest %q (give zeros if the contest is not on its ballots)", ErrInvalid, i, rd.Jurisdiction, rd.Batch, c.def.Name)
				}
				total := 0
				for _, cv := range counts {
					if c.candidate(cv.Name) < 0 {
						return nil, fmt.Errorf("%w: readings: batches[%d]: contest %q has no candidate %q", ErrInvalid, i, c.def.Name, cv.Name)
					}
					total += cv.Votes
				}
				if total > j.batches[b.at[1]].ballots*c.votesAllowed() {
					return nil, fmt.Errorf("%w: readings: batches[%d]: contest %q has %d votes, more than the batch's %d ballots allow", ErrInvalid, i, c.def.Name, total, j.batches[b.at[1]].ballots)
				}
			}
			for _, name := range slices.Sorted(maps.Keys(rd.Tallies)) {
				ci, ok := a.contestIndex[name]
				if !ok || !a.contests[ci].jurs[b.at[0]] {
					return nil, fmt.Errorf("%w: readings: batches[%d]: contest %q is not audited in %q", ErrInvalid, i, name, rd.Jurisdiction)
				}
			}
		}
		b.reading = rd
	}
	for _, b := range batches {
		if b.reading == nil {
			return nil, fmt.Errorf("%w: %q batch %q has no finalized hand tally; every sampled batch needs one before the round closes", ErrInvalid, b.first.Jurisdiction, b.first.Batch)
		}
	}
	var prev *RoundResult
	for k, r := range rounds {
		res := &RoundResult{Round: r.Number, Draws: cum[k]}
		for _, c := range a.contests {
			cr := ContestRound{Contest: c.def.Name, Targeted: c.def.Targeted, Math: a.def.Math, Ballots: int64(len(c.macro.Batches)), DilutedMargin: c.rc.DilutedMargin()}
			cr.Ballots = c.ballots
			if !c.def.Targeted {
				cr.Decision, cr.Risk = NotMeasured, 1
				res.Contests = append(res.Contests, cr)
				continue
			}
			audited := map[[2]int]*BatchReading{}
			times := map[string]int{}
			distinct := map[int]bool{}
			var sample rla.Counts
			for _, bk := range draws[:cum[k]] {
				b := batches[bk]
				if !c.jurs[b.at[0]] {
					continue
				}
				cr.SampleSize++
				audited[b.at] = b.reading
				name := macroBatchName(b.first.Jurisdiction, b.first.Batch)
				if !distinct[bk] {
					distinct[bk] = true
					sample = append(sample, rla.CandidateVotes{Name: name})
				}
				times[name]++
				if b.reading.NotFound {
					cr.Discrepancies.NotFound++
				}
			}
			for i := range sample {
				sample[i].Votes = times[sample[i].Name]
			}
			cr.BallotsAudited = len(distinct)
			req := map[string]any{"method": "macro", "risk_limit": a.def.RiskLimit, "ballots": c.ballots, "tally": rla.Counts(c.rc.Tally),
				"winners": c.rc.Winners, "votes_allowed": c.rc.VotesAllowed, "batches": a.macroBatches(c, audited)}
			if len(sample) > 0 {
				req["sample"] = sample
			}
			m, err := a.measure(req, len(sample) > 0)
			if err != nil {
				return nil, fmt.Errorf("contest %q: %w", c.def.Name, err)
			}
			cr.Request = m.request
			cr.Risk, cr.RiskLimitMet = m.risk.Risk, m.risk.Confirmed
			if cr.Discrepancies.NotFound > 0 {
				// MACRO's risk stays 1 while a drawn batch is uncounted,
				// whatever is drawn next: only a hand count can settle
				// the contest (unless the batch is found and its tally
				// entered, which changes the readings and so this result).
				m.fullSize = true
			}
			a.decide(&cr, m, prev, res)
			res.Contests = append(res.Contests, cr)
		}
		a.finish(res)
		prev = res
	}
	for _, b := range batches {
		j := a.jurs[b.at[0]]
		ab := AuditedBatch{Jurisdiction: j.name, Batch: b.first.Batch, Ballots: b.first.Ballots, Tickets: b.tickets, Round: b.round,
			NotFound: b.reading.NotFound, Comment: b.reading.Comment}
		for _, c := range a.contests {
			if !c.jurs[b.at[0]] {
				continue
			}
			in := a.macroBatches(c, map[[2]int]*BatchReading{b.at: b.reading})[slices.Index(c.macroAt, b.at)]
			ab.Contests = append(ab.Contests, BatchContest{c.def.Name, in.Reported, in.Audited})
		}
		prev.Batches = append(prev.Batches, ab)
	}
	return prev, nil
}

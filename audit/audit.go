package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/manifest"
	"github.com/canvass/canvass/rla/raire"
)

// Audit is a prepared audit: the definition checked against the inputs,
// with every contest's reported results and margins. It is a pure function
// of the definition and the inputs and is not changed by any method.
type Audit struct {
	def          Definition
	jurs         []*jurisdiction
	jurIndex     map[string]int
	contests     []*contest
	contestIndex map[string]int
	total        int64
	statewide    *manifest.Statewide
	election     *election.Election
	// byElectionIndex maps an election contest index to the audited
	// contest (comparison audits).
	byElectionIndex map[int32]*contest
}

type contest struct {
	def        ContestDefinition
	index      int // in the election (comparison); -1 otherwise
	ec         *election.Contest
	candidates []string
	jurs       []bool // indexed like Audit.jurs
	ballots    int64
	phantoms   int64
	votes      []int // reported votes per candidate (IRV: first preferences)
	rc         rla.Contest
	outcome    *rla.ComparisonOutcome
	assertions []raire.Scored
	winners    []int
	// Batch comparison: the MACRO batches (jurisdiction and batch index
	// of each) and each batch's error bound u_p.
	macro      *rla.MACRO
	macroAt    [][2]int
	batchBound map[[2]int]float64
}

func (c *contest) spans(name string) bool { return slices.Contains(c.def.Jurisdictions, name) }

func (c *contest) candidate(name string) int { return slices.Index(c.candidates, name) }

func (c *contest) votesAllowed() int {
	switch c.def.Kind {
	case Approval:
		return max(len(c.candidates), 1)
	case VoteForN:
		if c.def.VotesAllowed > 0 {
			return c.def.VotesAllowed
		}
		return c.def.winners()
	}
	return 1
}

// Prepare checks the inputs against the definition and each other and
// computes the reported results. Every problem with the uploads is
// returned at once as InputErrors; a definition problem as *FieldError;
// a contest that cannot be audited (a tie, a RAIRE failure) as an error
// naming it.
func Prepare(def *Definition, in *Inputs) (*Audit, error) {
	if err := def.Validate(); err != nil {
		return nil, err
	}
	a := &Audit{def: *def, jurIndex: map[string]int{}, contestIndex: map[string]int{}, election: in.Election}
	a.def.Contests = slices.Clone(def.Contests)
	for i, c := range def.Contests {
		a.contestIndex[c.Name] = i
		a.contests = append(a.contests, &contest{def: c, index: -1})
	}
	if def.Type == BallotComparison {
		if in.Election == nil {
			return nil, fmt.Errorf("%w: a ballot-comparison audit needs the election the CVRs refer to", ErrInvalid)
		}
		for _, c := range a.contests {
			ec, idx, ok := in.Election.Contest(c.def.Name)
			if !ok {
				return nil, fmt.Errorf("%w: contest %q is not in the election's CVRs", ErrInvalid, c.def.Name)
			}
			if ec.Ranked() != (c.def.Kind == IRV) {
				return nil, fmt.Errorf("%w: contest %q is %s in the election but kind %q in the audit", ErrInvalid, c.def.Name, map[bool]string{true: "ranked", false: "not ranked"}[ec.Ranked()], c.def.Kind)
			}
			c.ec, c.index = ec, idx
			if a.byElectionIndex == nil {
				a.byElectionIndex = map[int32]*contest{}
			}
			a.byElectionIndex[int32(idx)] = c
			for _, cand := range ec.Candidates {
				c.candidates = append(c.candidates, cand.Name)
			}
			// Marks beyond the votes allowed are an overvote: a definition
			// allowing fewer votes than the CVRs would silently drop
			// every full ballot from the tally.
			if ec.VoteFor > 0 && c.def.Kind != IRV && ec.VoteFor != c.votesAllowed() {
				return nil, fmt.Errorf("%w: contest %q allows %d votes in the election's CVRs but %d in the audit (kind %q); give the kind, winners and votes_allowed the CVRs have", ErrInvalid, c.def.Name, ec.VoteFor, c.votesAllowed(), c.def.Kind)
			}
		}
	} else {
		for _, c := range a.contests {
			for _, cv := range c.def.Reported {
				c.candidates = append(c.candidates, cv.Name)
			}
		}
	}
	var errs InputErrors
	given := map[string]int{}
	for i := range in.Jurisdictions {
		name := in.Jurisdictions[i].Name
		if _, dup := given[name]; dup {
			errs = append(errs, &InputError{Jurisdiction: name, Msg: "uploads are given twice for this jurisdiction"})
			continue
		}
		given[name] = i
		if !slices.ContainsFunc(def.Jurisdictions, func(j JurisdictionConfig) bool { return j.Name == name }) {
			errs = append(errs, &InputError{Jurisdiction: name, Msg: "is not a jurisdiction of the audit"})
		}
	}
	for _, cfg := range def.Jurisdictions {
		i, ok := given[cfg.Name]
		if !ok {
			errs = append(errs, &InputError{Jurisdiction: cfg.Name, Msg: "has uploaded nothing; every jurisdiction needs a ballot manifest"})
			continue
		}
		a.jurIndex[cfg.Name] = len(a.jurs)
		j := a.loadJurisdiction(cfg, &in.Jurisdictions[i], &errs)
		a.jurs = append(a.jurs, j)
		if def.Type == BatchComparison {
			a.loadTallies(j, &in.Jurisdictions[i], &errs)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, j := range a.jurs {
		a.total += j.ballots
	}
	for _, c := range a.contests {
		c.jurs = make([]bool, len(a.jurs))
		for _, name := range c.def.Jurisdictions {
			j := a.jurs[a.jurIndex[name]]
			c.jurs[a.jurIndex[name]] = true
			c.ballots += j.ballots
			c.phantoms += j.phantoms
		}
		if err := a.report(c); err != nil {
			return nil, fmt.Errorf("contest %q: %w", c.def.Name, err)
		}
	}
	if def.Sampler == SamplerCorla {
		ms := make([]*manifest.Colorado, len(a.jurs))
		for i, j := range a.jurs {
			ms[i] = j.colorado
		}
		s, err := manifest.NewStatewide(ms...)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		a.statewide = s
	}
	return a, nil
}

// ErrTie is wrapped by the error for a contest whose reported outcome is a
// tie: no sample can confirm it, so it must be counted by hand.
var ErrTie = errors.New("the reported outcome is a tie; count the contest by hand")

// report computes a contest's reported results.
func (a *Audit) report(c *contest) error {
	c.votes = make([]int, len(c.candidates))
	switch a.def.Type {
	case BallotPolling:
		for i, cv := range c.def.Reported {
			c.votes[i] = cv.Votes
		}
	case BatchComparison:
		for ji, j := range a.jurs {
			if !c.jurs[ji] {
				continue
			}
			for _, b := range j.batches {
				for k, v := range b.tally[a.contestIndex[c.def.Name]] {
					c.votes[k] += v
				}
			}
		}
		for i, cv := range c.def.Reported {
			if c.votes[i] != cv.Votes {
				return fmt.Errorf("%w: the batch tallies give %q %d votes but the reported tally %d", ErrInvalid, cv.Name, c.votes[i], cv.Votes)
			}
		}
	case BallotComparison:
		if c.def.Kind == IRV {
			return a.reportIRV(c)
		}
		allowed := c.votesAllowed()
		for ji, j := range a.jurs {
			if !c.jurs[ji] {
				continue
			}
			for i := range j.cvrs {
				marks, ok := j.cvrs[i].Marks(c.index)
				if !ok {
					continue
				}
				for _, ch := range countedChoices(marks, allowed) {
					c.votes[ch]++
				}
			}
		}
		if err := c.checkGiven(); err != nil {
			return err
		}
	}
	c.rc = rla.Contest{Ballots: int(c.ballots), Winners: c.def.winners(), VotesAllowed: c.votesAllowed()}
	for i, name := range c.candidates {
		c.rc.Tally = append(c.rc.Tally, rla.CandidateVotes{Name: name, Votes: c.votes[i]})
	}
	if err := c.rc.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if c.rc.MinMargin() <= 0 {
		return ErrTie
	}
	c.winners, _ = c.rc.Outcome()
	if a.def.Type == BallotComparison {
		o, err := rla.NewComparisonOutcome(c.index, c.votesAllowed(), c.votes, c.def.winners())
		if err != nil {
			return err
		}
		c.outcome = o
	}
	if a.def.Type == BatchComparison {
		return a.prepareMACRO(c)
	}
	return nil
}

// checkGiven compares the tally computed from the CVRs with the one the
// definition gives, if any.
func (c *contest) checkGiven() error {
	if len(c.def.Reported) == 0 {
		return nil
	}
	given := map[string]int{}
	for _, cv := range c.def.Reported {
		if c.candidate(cv.Name) < 0 {
			return fmt.Errorf("%w: the reported tally names %q, who is not a candidate in the CVRs", ErrInvalid, cv.Name)
		}
		given[cv.Name] = cv.Votes
	}
	for i, name := range c.candidates {
		if given[name] != c.votes[i] {
			return fmt.Errorf("%w: the CVRs give %q %d votes but the reported tally %d", ErrInvalid, name, c.votes[i], given[name])
		}
	}
	return nil
}

// countedChoices returns the candidates a CVR's marks count for in an
// unranked contest: none when the marks are an overvote (the Overvote
// marker, or more distinct candidates than allowed), as
// rla.ComparisonOutcome reads ballots.
func countedChoices(marks []election.Mark, allowed int) []election.Choice {
	var out []election.Choice
	for _, m := range marks {
		if m.Choice < 0 {
			return nil
		}
		if !slices.Contains(out, m.Choice) {
			out = append(out, m.Choice)
		}
	}
	if len(out) > allowed {
		return nil
	}
	return out
}

// OvervoteRule is how IRV rankings are read from CVRs and readings:
// Colorado's, an overvoted rank ends the ranking.
const OvervoteRule = raire.ExhaustAtOvervote

func (a *Audit) reportIRV(c *contest) error {
	b, err := raire.NewBuilder(a.election, c.index, OvervoteRule)
	if err != nil {
		return err
	}
	for ji, j := range a.jurs {
		if !c.jurs[ji] {
			continue
		}
		for i := range j.cvrs {
			if b.Add(&j.cvrs[i]) {
				marks, _ := j.cvrs[i].Marks(c.index)
				if r := raire.Ranking(c.ec, marks, OvervoteRule); len(r) > 0 {
					c.votes[r[0]]++
				}
			}
		}
	}
	if err := c.checkGiven(); err != nil {
		return err
	}
	p := b.Problem(raire.Audit{Type: raire.OneOnMargin, TotalAuditableBallots: c.ballots})
	res, err := raire.Solve(context.Background(), p)
	if err != nil {
		var re *raire.Error
		if errors.As(err, &re) && re.Kind == raire.ErrTiedWinners {
			return fmt.Errorf("%w (RAIRE: %v)", ErrTie, err)
		}
		return fmt.Errorf("RAIRE found no assertions to audit: %w; count the contest by hand", err)
	}
	c.assertions = res.Assertions
	c.winners = []int{res.Winner}
	c.rc = rla.Contest{Ballots: int(c.ballots)}
	for i, name := range c.candidates {
		c.rc.Tally = append(c.rc.Tally, rla.CandidateVotes{Name: name, Votes: c.votes[i]})
	}
	return nil
}

// ContestReport is a contest's reported results, as audited.
type ContestReport struct {
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	Targeted      bool     `json:"targeted"`
	Jurisdictions []string `json:"jurisdictions"`
	// Ballots is the manifest ballot count of the contest's
	// jurisdictions: the denominator of every diluted margin.
	Ballots int64 `json:"ballots"`
	// Phantoms are manifest ballots without a CVR in those jurisdictions.
	Phantoms int64 `json:"phantoms"`
	// Tally is the reported tally (IRV: first preferences).
	Tally        rla.Counts `json:"tally"`
	Winners      []string   `json:"winners"`
	VotesAllowed int        `json:"votes_allowed"`
	// MinMargin is the smallest winner–loser margin in votes (IRV: the
	// smallest assertion margin), DilutedMargin the same over Ballots.
	MinMargin     int64             `json:"min_margin"`
	DilutedMargin float64           `json:"diluted_margin"`
	Assertions    []AssertionReport `json:"assertions,omitempty"`
}

// AssertionReport is one RAIRE assertion of an IRV contest.
type AssertionReport struct {
	// Text is e.g. "NEB Alice > Bob" or "NEN Alice > Bob {Alice, Bob, Carol}".
	Text          string  `json:"assertion"`
	Margin        int64   `json:"margin"`
	DilutedMargin float64 `json:"diluted_margin"`
}

func (c *contest) assertionText(s raire.Scored) string {
	as := s.Assertion
	t := fmt.Sprintf("%s %s > %s", as.Kind, c.candidates[as.Winner], c.candidates[as.Loser])
	if as.Kind == raire.NEN {
		names := make([]string, len(as.Continuing))
		for i, k := range as.Continuing {
			names[i] = c.candidates[k]
		}
		t += " {" + strings.Join(names, ", ") + "}"
	}
	return t
}

// Contests returns every contest's reported results, in definition order.
func (a *Audit) Contests() []ContestReport {
	out := make([]ContestReport, len(a.contests))
	for i, c := range a.contests {
		r := ContestReport{Name: c.def.Name, Kind: c.def.Kind, Targeted: c.def.Targeted, Jurisdictions: c.def.Jurisdictions,
			Ballots: c.ballots, Phantoms: c.phantoms, Tally: c.rc.Tally, VotesAllowed: c.votesAllowed()}
		for _, w := range c.winners {
			r.Winners = append(r.Winners, c.candidates[w])
		}
		if c.def.Kind == IRV {
			r.VotesAllowed = 1
			for k, s := range c.assertions {
				if k == 0 || s.Margin < r.MinMargin {
					r.MinMargin = s.Margin
				}
				r.Assertions = append(r.Assertions, AssertionReport{c.assertionText(s), s.Margin, float64(s.Margin) / float64(c.ballots)})
			}
		} else {
			r.MinMargin = int64(c.rc.MinMargin())
		}
		r.DilutedMargin = float64(r.MinMargin) / float64(c.ballots)
		out[i] = r
	}
	return out
}

// Definition returns a copy of the audit's definition.
func (a *Audit) Definition() Definition { return a.def }

// Ballots returns the number of ballots in all the audit's manifests.
func (a *Audit) Ballots() int64 { return a.total }

// cvrAt returns the CVR of the ballot at a position of a batch, or nil for
// a phantom.
func (a *Audit) cvrAt(j *jurisdiction, tabulator, batchName string, position int) *election.CVR {
	k := batchKey{tabulator, batchName}
	if j.byBatch {
		k.tabulator = ""
	}
	bi, ok := j.index[k]
	if !ok {
		return nil
	}
	b := &j.batches[bi]
	if position < 1 || position > len(b.cvrs) {
		return nil
	}
	return &j.cvrs[b.cvrs[position-1]]
}

// macroBatchName names a batch in MACRO requests: Arlo identifies batches
// by jurisdiction and name.
func macroBatchName(jurisdiction, batch string) string {
	return jurisdiction + " / " + batch
}

// prepareMACRO builds the contest's MACRO batches and error bounds.
func (a *Audit) prepareMACRO(c *contest) error {
	ci := a.contestIndex[c.def.Name]
	c.macro = &rla.MACRO{Contest: &c.rc}
	c.batchBound = map[[2]int]float64{}
	seen := map[string]bool{}
	for ji, j := range a.jurs {
		if !c.jurs[ji] {
			continue
		}
		for bi, b := range j.batches {
			name := macroBatchName(j.name, b.key.batch)
			if seen[name] {
				return fmt.Errorf("%w: two batches are both named %q in MACRO requests; rename one", ErrInvalid, name)
			}
			seen[name] = true
			reported := b.tally[ci]
			if reported == nil {
				reported = make([]int, len(c.candidates))
			}
			c.macro.Batches = append(c.macro.Batches, rla.Batch{Name: name, Ballots: b.ballots, Reported: reported})
			c.macroAt = append(c.macroAt, [2]int{ji, bi})
		}
	}
	up, _, err := c.macro.ErrorBounds()
	if err != nil {
		return err
	}
	for i, at := range c.macroAt {
		c.batchBound[at] = up[i]
	}
	return nil
}

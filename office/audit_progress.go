package office

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/store"
)

// The progress of an audit, per county, for the round dashboards (state
// and county views) and GET /api/v1/audits/{a}/progress. Everything here
// is read from the projection and the stored rounds and results; nothing
// is written.

// AuditProgress is an audit's state for its dashboards.
type AuditProgress struct {
	Audit        string  `json:"audit"`
	Name         string  `json:"name"`
	Election     string  `json:"election"`
	Jurisdiction string  `json:"jurisdiction"`
	Type         string  `json:"type"`
	Math         string  `json:"math"`
	RiskLimit    float64 `json:"risk_limit"`
	Sampler      string  `json:"sampler"`
	// SeedEntered is set once the seed request executed; before that
	// SeedReady tells whether a seed request would be accepted now, and
	// SeedBlocker why not.
	SeedEntered bool   `json:"seed_entered"`
	SeedReady   bool   `json:"seed_ready"`
	SeedBlocker string `json:"seed_blocker,omitempty"`
	// Round is the latest round drawn (0 before any), RoundOpen whether it
	// is still open; Closed counts closed rounds.
	Round     int  `json:"round"`
	RoundOpen bool `json:"round_open"`
	Closed    int  `json:"closed"`
	Done      bool `json:"done"`
	// Ballots is the audit's manifest ballots, once every jurisdiction's
	// records are in (0 before).
	Ballots int64 `json:"ballots"`
	// Next is the next round's size, when one can be drawn now.
	Next *NextRound `json:"next_round,omitempty"`
	// Contests are the audit's contests with the last closed round's
	// measurements.
	Contests []ContestProgress `json:"contests"`
	// Jurisdictions are the counties the user may see (all of them for a
	// user of the audit's own jurisdiction), in definition order; Totals
	// sums them.
	Jurisdictions []CountyProgress `json:"jurisdictions"`
	Totals        CountyProgress   `json:"totals"`
}

// NextRound is what the next draw would be: the first round's size
// options, or the size the last close asked for (Draws).
type NextRound struct {
	Draws   int                `json:"draws"`
	Options []audit.SizeOption `json:"options,omitempty"`
}

// ContestProgress is one contest with its state after the last close.
type ContestProgress struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Targeted bool   `json:"targeted"`
	// The rest is set once a round closed.
	Risk          *float64             `json:"risk,omitempty"`
	RiskLimitMet  bool                 `json:"risk_limit_met,omitempty"`
	Decision      string               `json:"decision,omitempty"`
	Discrepancies *audit.Discrepancies `json:"discrepancies,omitempty"`
	NextSize      int                  `json:"next_size,omitempty"`
}

// CountyProgress is one audit jurisdiction's state.
type CountyProgress struct {
	Jurisdiction string `json:"jurisdiction"`
	// OfficeJurisdiction is the office jurisdiction that acts for the
	// county (uploads, boards): "<audit's>/<county>" when valid.
	OfficeJurisdiction string       `json:"office_jurisdiction,omitempty"`
	Manifest           *AuditUpload `json:"manifest,omitempty"`
	CVRs               *AuditUpload `json:"cvrs,omitempty"`
	// UploadsComplete: every file the audit type needs is uploaded.
	UploadsComplete bool  `json:"uploads_complete"`
	ManifestBallots int64 `json:"manifest_ballots"`
	// Boards of the latest round; a board is signed in once every member
	// has enrolled with their own credentials (MembersEnrolled), and
	// signed off once every member has signed.
	Boards          int `json:"boards"`
	Members         int `json:"members"`
	MembersEnrolled int `json:"members_enrolled"`
	BoardsSignedIn  int `json:"boards_signed_in"`
	BoardsSignedOff int `json:"boards_signed_off"`
	// BoardList are those boards.
	BoardList []AuditBoard `json:"board_list,omitempty"`
	// Sampled counts the distinct ballots the latest round asks the county
	// to read (those no earlier round drew; batches, for a batch audit);
	// Entered those with a reading (batches: finalized), Remaining the
	// rest.
	Sampled   int `json:"sampled"`
	Entered   int `json:"entered"`
	Remaining int `json:"remaining"`
	// Discrepancies in the county's audited ballots as of the last closed
	// round, by kind, each ballot counted as often as it was drawn (as
	// contests count them); nil before a close.
	Discrepancies *audit.Discrepancies `json:"discrepancies,omitempty"`
	// EstimatedToPull estimates the ballots the county still has to pull
	// (nil when no estimate can be made; EstimateBasis says how).
	EstimatedToPull *int   `json:"estimated_to_pull,omitempty"`
	EstimateBasis   string `json:"estimate_basis"`
}

// AuditProgress returns audit id's progress: per county for a user of the
// audit's jurisdiction, only their own counties for a county user (one
// allowed audits.read in the county's office jurisdiction).
func (o *Office) AuditProgress(ctx context.Context, u *User, id string) (*AuditProgress, error) {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	visible := map[string]bool{}
	if Allowed(u, ActReadAudits, a.Jurisdiction) {
		for _, j := range def.Jurisdictions {
			visible[j.Name] = true
		}
	} else {
		for _, j := range def.Jurisdictions {
			if c := countyOf(a, j.Name); c != a.Jurisdiction && Allowed(u, ActReadAudits, c) {
				visible[j.Name] = true
			}
		}
	}
	if len(visible) == 0 {
		return nil, forbidden("your roles or jurisdiction (%s) do not allow %s on audit %s", u.Jurisdiction, ActReadAudits, id)
	}
	return o.progress(ctx, a, def, visible)
}

func (o *Office) progress(ctx context.Context, a *Audit, def *audit.Definition, visible map[string]bool) (*AuditProgress, error) {
	p := &AuditProgress{Audit: a.ID, Name: def.Name, Election: a.Election, Jurisdiction: a.Jurisdiction, Type: def.Type,
		Math: def.Math, RiskLimit: def.RiskLimit, Sampler: def.Sampler, SeedEntered: a.Seed != "", Round: a.Rounds,
		RoundOpen: a.Rounds > a.Closed, Closed: a.Closed, Done: a.Done, Contests: []ContestProgress{}, Jurisdictions: []CountyProgress{}}
	uploads, err := o.auditUploads(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	// The prepared audit exists once every record is in.
	prep, perr := o.prepare(ctx, a, def)
	var oe *Error
	if perr != nil && !errors.As(perr, &oe) {
		return nil, perr
	}
	if !p.SeedEntered {
		if perr != nil {
			p.SeedBlocker = oe.Msg
		} else if err := o.committed(ctx, a); err != nil {
			if !errors.As(err, &oe) {
				return nil, err
			}
			p.SeedBlocker = oe.Msg
		} else {
			p.SeedReady = true
		}
	}
	perCounty := map[string]int64{}
	if prep != nil {
		p.Ballots = prep.Ballots()
		if rep, err := prep.Report(nil, nil); err == nil {
			for _, s := range rep.Settings.Jurisdictions {
				perCounty[s.Name] = s.Ballots
			}
		}
	}
	var last *audit.RoundResult
	if a.Closed > 0 {
		if last, err = o.loadResult(ctx, a, a.Closed); err != nil {
			return nil, err
		}
	}
	for _, c := range def.Contests {
		cp := ContestProgress{Name: c.Name, Kind: c.Kind, Targeted: c.Targeted}
		if last != nil {
			for _, r := range last.Contests {
				if r.Contest == c.Name {
					risk, d := r.Risk, r.Discrepancies
					cp.Risk, cp.RiskLimitMet, cp.Decision, cp.Discrepancies, cp.NextSize = &risk, r.RiskLimitMet, r.Decision, &d, r.NextSize
				}
			}
		}
		p.Contests = append(p.Contests, cp)
	}

	// The latest round's ballots (batches) per county, and every ballot
	// sampled so far (for the estimate).
	var asg *roundAssignment
	var rounds []*audit.Round
	if a.Rounds > 0 {
		if rounds, err = o.loadRounds(ctx, a, a.Rounds); err != nil {
			return nil, err
		}
		if def.Type != audit.BatchComparison {
			if asg, err = o.assignments(ctx, a, a.Rounds, rounds[a.Rounds-1]); err != nil {
				return nil, err
			}
		}
	}
	sampledSoFar := map[string]int64{}
	var sampledAll int64
	seen := map[string]bool{}
	for _, r := range rounds {
		for _, b := range r.Ballots {
			if k := ballotKeyJSON(b.Key()); !seen[k] {
				seen[k] = true
				sampledSoFar[b.Jurisdiction]++
				sampledAll++
			}
		}
	}
	// Draws of the next round, when one can be drawn now.
	next := 0
	if prep != nil && p.SeedEntered && !p.RoundOpen && !a.Done {
		if a.Rounds == 0 {
			opts, err := prep.FirstRoundSizes()
			if err == nil {
				p.Next = &NextRound{Options: opts}
				key := "size"
				if def.Math == "bravo" {
					key = "0.9"
				}
				for _, op := range opts {
					if op.Key == key {
						p.Next.Draws = op.Draws
					}
				}
			}
		} else if last != nil && last.NextSize > 0 {
			p.Next = &NextRound{Draws: last.NextSize}
		}
		if p.Next != nil {
			next = p.Next.Draws
		}
	} else if prep != nil && !p.SeedEntered && def.Type != audit.BatchComparison {
		// Before the seed the first round's default size still gives
		// every county an idea of the work ahead.
		if opts, err := prep.FirstRoundSizes(); err == nil {
			for _, op := range opts {
				if op.Key == "size" || (def.Math == "bravo" && op.Key == "0.9") {
					next = op.Draws
				}
			}
		}
	}

	var boards []AuditBoard
	if err := listJSON(ctx, o.st, kindAuditBoard, a.ID, &boards); err != nil {
		return nil, err
	}
	boardsOf := func(j string) []AuditBoard {
		var out []AuditBoard
		for _, b := range boards {
			if b.Jurisdiction == j && b.Round == a.Rounds {
				out = append(out, b)
			}
		}
		return out
	}
	discByCounty := map[string]*audit.Discrepancies{}
	if last != nil {
		for _, ab := range last.Ballots {
			d := discByCounty[ab.Jurisdiction]
			if d == nil {
				d = &audit.Discrepancies{}
				discByCounty[ab.Jurisdiction] = d
			}
			w := len(ab.Tickets)
			for _, c := range ab.Contests {
				addKind(d, c.Kind, w)
			}
		}
	}
	t := &p.Totals
	t.Jurisdiction = "all"
	t.UploadsComplete = true
	for _, jc := range def.Jurisdictions {
		j := jc.Name
		if !visible[j] {
			continue
		}
		cp := CountyProgress{Jurisdiction: j, OfficeJurisdiction: countyOf(a, j), ManifestBallots: perCounty[j]}
		if m, ok := uploads[j+"/manifest"]; ok {
			cp.Manifest = &m
		}
		if c, ok := uploads[j+"/cvrs"]; ok {
			cp.CVRs = &c
		}
		cp.UploadsComplete = cp.Manifest != nil && (def.Type != audit.BallotComparison || cp.CVRs != nil)
		for _, b := range boardsOf(j) {
			cp.BoardList = append(cp.BoardList, b)
			cp.Boards++
			cp.Members += len(b.Accounts)
			in := 0
			for _, acct := range b.Accounts {
				if m, err := o.user(ctx, acct); err == nil && m != nil && m.Status == "active" {
					in++
				} else if err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
			}
			cp.MembersEnrolled += in
			if in == len(b.Accounts) {
				cp.BoardsSignedIn++
			}
			if b.SignedOff {
				cp.BoardsSignedOff++
			}
		}
		switch {
		case def.Type == audit.BatchComparison && a.Rounds > 0:
			batches := map[string]bool{}
			for _, b := range rounds[a.Rounds-1].Batches {
				if b.Jurisdiction == j {
					batches[b.Batch] = true
				}
			}
			cp.Sampled = len(batches)
			// A batch is entered once its tally sheets are finalized.
			for batch := range batches {
				var b AuditBatch
				if err := getJSON(ctx, o.st, kindAuditBatch, batchRecID(a.ID, j, batch), &b); err == nil {
					if b.Finalized {
						cp.Entered++
					}
				} else if !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
			}
			cp.Remaining = cp.Sampled - cp.Entered
		case asg != nil:
			for _, b := range asg.ballots[j] {
				cp.Sampled++
				if asg.read[b.key] {
					cp.Entered++
				}
			}
			cp.Remaining = cp.Sampled - cp.Entered
		}
		if d := discByCounty[j]; d != nil {
			cp.Discrepancies = d
		} else if last != nil {
			cp.Discrepancies = &audit.Discrepancies{}
		}
		o.estimate(&cp, p, def, prep, next, sampledSoFar[j], sampledAll)
		p.Jurisdictions = append(p.Jurisdictions, cp)

		t.ManifestBallots += cp.ManifestBallots
		t.UploadsComplete = t.UploadsComplete && cp.UploadsComplete
		t.Boards += cp.Boards
		t.Members += cp.Members
		t.MembersEnrolled += cp.MembersEnrolled
		t.BoardsSignedIn += cp.BoardsSignedIn
		t.BoardsSignedOff += cp.BoardsSignedOff
		t.Sampled += cp.Sampled
		t.Entered += cp.Entered
		t.Remaining += cp.Remaining
		if cp.Discrepancies != nil {
			if t.Discrepancies == nil {
				t.Discrepancies = &audit.Discrepancies{}
			}
			d := cp.Discrepancies
			t.Discrepancies.O1 += d.O1
			t.Discrepancies.O2 += d.O2
			t.Discrepancies.U1 += d.U1
			t.Discrepancies.U2 += d.U2
			t.Discrepancies.NotFound += d.NotFound
			t.Discrepancies.Phantoms += d.Phantoms
		}
		if cp.EstimatedToPull != nil {
			if t.EstimatedToPull == nil {
				t.EstimatedToPull = new(int)
			}
			*t.EstimatedToPull += *cp.EstimatedToPull
		}
	}
	t.EstimateBasis = "the sum of the counties' estimates"
	return p, nil
}

func addKind(d *audit.Discrepancies, kind string, w int) {
	switch kind {
	case "o1":
		d.O1 += w
	case "o2":
		d.O2 += w
	case "u1":
		d.U1 += w
	case "u2":
		d.U2 += w
	case "not-found":
		d.NotFound += w
	case "phantom":
		d.Phantoms += w
	}
}

// estimate sets a county's estimate of the ballots still to pull: the
// open round's unread ballots exactly, plus, when a round of next draws
// is due but not drawn, the expected number of the county's ballots not
// sampled so far that those draws reach. Draws are uniform over the
// audit's M ballots (package audit scales every contest's size to them),
// so a ballot not yet drawn is reached by N draws with replacement with
// probability 1 − (1 − 1/M)^N; without replacement the N draws fall on
// the M − S unsampled ballots evenly.
func (o *Office) estimate(cp *CountyProgress, p *AuditProgress, def *audit.Definition, prep *audit.Audit, next int, sampledJ, sampledAll int64) {
	switch {
	case def.Type == audit.BatchComparison:
		cp.EstimateBasis = "not estimated for batch audits: batches are drawn in proportion to their error bounds"
		return
	case prep == nil:
		cp.EstimateBasis = "not estimated until every jurisdiction's records are uploaded"
		return
	case p.Done:
		cp.EstimatedToPull = new(int)
		cp.EstimateBasis = "the audit is done"
		return
	case p.RoundOpen:
		n := cp.Remaining
		cp.EstimatedToPull = &n
		cp.EstimateBasis = "the open round's ballots without a reading; further rounds depend on its close"
		return
	case next <= 0:
		cp.EstimateBasis = "no round is due"
		return
	}
	m := float64(prep.Ballots())
	unsampled := float64(cp.ManifestBallots - sampledJ)
	var x float64
	if def.WithoutReplacement {
		if rest := m - float64(sampledAll); rest > 0 {
			x = float64(next) * unsampled / rest
		}
		x = math.Min(x, unsampled)
	} else {
		x = unsampled * -math.Expm1(float64(next)*math.Log1p(-1/m))
	}
	n := int(math.Round(x))
	cp.EstimatedToPull = &n
	if p.Round == 0 {
		cp.EstimateBasis = "the expected new ballots of the first round's default size"
	} else {
		cp.EstimateBasis = "the expected new ballots of the next round's size"
	}
	if !p.SeedEntered {
		cp.EstimateBasis += ", before the seed"
	}
}

// AuditSummary is an audit in the list of audits.
type AuditSummary struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Election     string `json:"election"`
	Jurisdiction string `json:"jurisdiction"`
	Type         string `json:"type"`
	Seed         bool   `json:"seed_entered"`
	Rounds       int    `json:"rounds"`
	Closed       int    `json:"closed"`
	Done         bool   `json:"done"`
}

// Audits lists the audits u may read, whole or for one of u's counties,
// in the order of their IDs.
func (o *Office) Audits(ctx context.Context, u *User) ([]AuditSummary, error) {
	recs, err := o.st.ListKind(ctx, kindAudit)
	if err != nil {
		return nil, err
	}
	out := []AuditSummary{}
	for _, r := range recs {
		var a Audit
		if err := json.Unmarshal(r.Data, &a); err != nil {
			return nil, err
		}
		var def audit.Definition
		if err := json.Unmarshal([]byte(a.Definition), &def); err != nil {
			return nil, err
		}
		ok := Allowed(u, ActReadAudits, a.Jurisdiction) || slices.ContainsFunc(def.Jurisdictions, func(j audit.JurisdictionConfig) bool {
			c := countyOf(&a, j.Name)
			return c != a.Jurisdiction && Allowed(u, ActReadAudits, c)
		})
		if ok {
			out = append(out, AuditSummary{ID: a.ID, Name: def.Name, Election: a.Election, Jurisdiction: a.Jurisdiction, Type: def.Type,
				Seed: a.Seed != "", Rounds: a.Rounds, Closed: a.Closed, Done: a.Done})
		}
	}
	return out, nil
}

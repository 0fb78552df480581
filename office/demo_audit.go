package office

import (
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/ess"
	"github.com/canvass/canvass/demo"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rctab"
)

// The demo's audit: a ballot-comparison risk-limiting audit of the
// mayoral contest (IRV, over RAIRE assertions), run through the same
// methods the API calls, with one simulated audit board.
//
// The audit needs what a county uploads for a comparison audit: a ballot
// manifest and a CVR export whose ballots it can find in the manifest
// (tabulator, batch and position). The city's ES&S export names only each
// ballot's precinct, and its layout needs the RCTab configuration's
// column settings, which the audit's CVR upload does not take. So the demo
// derives both files from the ES&S export, the way a county would
// prepare them: one batch per precinct, holding the precinct's ballots in
// the export's order, and the same ballots as a Dominion CSV export (the
// layout Arlo and ColoradoRLA read), every mark as the ES&S file has it.
// ES&S writes only "overvote" for an overvoted rank, not which candidates
// were marked; the derived export marks every candidate at that rank,
// which reads as an overvote of the same rank. Both derived files are
// committed in the log by their upload, before the seed.

// DemoAudit is the outcome of the demo's audit.
type DemoAudit struct {
	ID      string
	Contest string
	// Ballots is the manifest's ballot count and Batches its batches.
	Ballots int64
	Batches int
	// Manifest and CVRs are the uploaded (derived) files.
	Manifest, CVRs FileRef
	// Assertions is the number of RAIRE assertions audited and Winner
	// the winner they confirm (computed by the audit from the CVRs).
	Assertions int
	Winner     string
	// MinDilutedMargin is the smallest assertion's diluted margin.
	MinDilutedMargin float64
	RiskLimit        float64
	// Seed is the public seed, entered by a two-person request.
	Seed, SeedRequest string
	// Draws is round 1's number of draws, Read the distinct ballots the
	// board read.
	Draws, Read int
	Board       string
	// Risk, Decision and Discrepancies are the contest's at the close of
	// round 1.
	Risk          float64
	Decision      string
	Discrepancies audit.Discrepancies
	Done          bool
}

// demoJurisdiction is the audit's one jurisdiction.
const demoJurisdiction = "Minneapolis"

// demoBallots are the ES&S export's ballots by precinct, in file order:
// the paper the simulated board reads.
type demoBallots struct {
	contest    *election.Contest
	precincts  []string
	byPrecinct map[string][][]election.Mark
}

// readDemoBallots reads the bundled ES&S export with its RCTab
// configuration's column and label settings.
func readDemoBallots() (*demoBallots, error) {
	c := demo.Minneapolis2013
	fsys, err := c.FS()
	if err != nil {
		return nil, err
	}
	cfg, err := rctab.LoadConfig(fsys, c.Config)
	if err != nil {
		return nil, err
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].Provider != "ess" {
		return nil, fmt.Errorf("%s: expected one ES&S source", c.Config)
	}
	s := cfg.Sources[0]
	src := cvr.Source{FS: fsys, Path: s.Path, FirstVoteColumn: s.FirstVoteColumnIndex, FirstVoteRow: s.FirstVoteRowIndex,
		PrecinctColumn: s.PrecinctColumnIndex, OvervoteLabel: s.OvervoteLabel, UndervoteLabel: s.UndervoteLabel,
		UndeclaredWriteInLabel: s.UndeclaredWriteInLabel, OvervoteDelimiter: s.OvervoteDelimiter}
	e := &election.Election{}
	b := &demoBallots{byPrecinct: map[string][][]election.Mark{}}
	err = ess.Read(src, e, func(r *election.CVR) error {
		if r.Precinct == "" {
			return fmt.Errorf("%s: ballot %s has no precinct, so it cannot be placed in the manifest", s.Path, r.ID)
		}
		if len(r.Contests) != 1 {
			return fmt.Errorf("%s: ballot %s has %d contests, expected 1", s.Path, r.ID, len(r.Contests))
		}
		if _, ok := b.byPrecinct[r.Precinct]; !ok {
			b.precincts = append(b.precincts, r.Precinct)
		}
		b.byPrecinct[r.Precinct] = append(b.byPrecinct[r.Precinct], slices.Clone(r.Contests[0].Marks))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(e.Contests) != 1 || !e.Contests[0].Ranked() {
		return nil, fmt.Errorf("%s: expected one ranked contest", s.Path)
	}
	b.contest = e.Contests[0]
	slices.Sort(b.precincts)
	return b, nil
}

// manifest writes the Arlo ballot manifest: one batch per precinct. The
// export names no tabulator, so the manifest has no Tabulator column and
// CVRs are matched to batches by name.
func (b *demoBallots) manifest() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"Batch Name", "Number of Ballots"})
	for _, p := range b.precincts {
		w.Write([]string{p, strconv.Itoa(len(b.byPrecinct[p]))})
	}
	w.Flush()
	return buf.Bytes()
}

// dominionCSV writes the ballots as a Dominion CSV CVR export: batch =
// precinct, record = position in the batch, one 0/1 column per candidate
// and rank.
func (b *demoBallots) dominionCSV() []byte {
	c := b.contest
	nc, ranks := len(c.Candidates), c.Ranks
	lead := []string{"CvrNumber", "TabulatorNum", "BatchId", "RecordId", "ImprintedId", "CountingGroup", "PrecinctPortion", "BallotType"}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"2013 Minneapolis Mayor (derived by canvass demo from the city's ES&S export)", "canvass"})
	row := make([]string, len(lead)+nc*ranks)
	row[len(lead)] = fmt.Sprintf("%s (Number of positions=1, Number of ranks=%d)", c.Name, ranks)
	w.Write(row)
	for r := range ranks {
		for k, cand := range c.Candidates {
			row[len(lead)+r*nc+k] = fmt.Sprintf("%s(%d)", cand.Name, r+1)
		}
	}
	w.Write(row)
	for i := range row {
		row[i] = ""
	}
	copy(row, lead)
	w.Write(row)
	w.Flush()
	// The ballot rows are many and simple: the vote cells of a blank
	// ballot, with each mark's 0 turned into 1.
	blank := bytes.Repeat([]byte("0,"), nc*ranks)
	blank = blank[:len(blank)-1]
	cells := make([]byte, len(blank))
	n := 0
	for _, p := range b.precincts {
		q := csvField(p)
		for pos, marks := range b.byPrecinct[p] {
			n++
			copy(cells, blank)
			for _, m := range marks {
				if m.Rank < 1 || int(m.Rank) > ranks {
					continue
				}
				at := int(m.Rank-1) * nc
				if m.Choice == election.Overvote {
					for k := range nc {
						cells[2*(at+k)] = '1'
					}
				} else if int(m.Choice) >= 0 && int(m.Choice) < nc {
					cells[2*(at+int(m.Choice))] = '1'
				}
			}
			fmt.Fprintf(&buf, "%d,1,%s,%d,,Election Day,%s,,", n, q, pos+1, q)
			buf.Write(cells)
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

// csvField quotes s for a CSV cell when it needs it.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") && strings.TrimSpace(s) == s {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// reading is what a careful board reads on the ballot with these marks:
// the candidates rank by rank (a skipped rank left out, a repeated
// candidate kept), up to an overvoted rank, which the reading vocabulary
// cannot mark within a ranking and which ends the ranking anyway under
// the audit's rule (audit.OvervoteRule); a ballot with no ranking is
// blank, or overvote when its first rank is.
func (b *demoBallots) reading(marks []election.Mark) audit.Reading {
	var r audit.Reading
	for i := 0; i < len(marks); {
		rank := marks[i].Rank
		var at []election.Choice
		for ; i < len(marks) && marks[i].Rank == rank; i++ {
			if !slices.Contains(at, marks[i].Choice) {
				at = append(at, marks[i].Choice)
			}
		}
		if len(at) != 1 || at[0] == election.Overvote {
			if len(r.Choices) == 0 {
				r.Status = audit.StatusOvervote
			}
			return r
		}
		if at[0] >= 0 && int(at[0]) < len(b.contest.Candidates) {
			r.Choices = append(r.Choices, b.contest.Candidates[at[0]].Name)
		}
	}
	if len(r.Choices) == 0 {
		r.Status = audit.StatusBlank
	}
	return r
}

// diceSeed rolls the seed: 20 decimal digits, as from ten-sided dice.
func diceSeed() (string, error) {
	var b strings.Builder
	for range 20 {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", err
		}
		b.WriteString(d.String())
	}
	return b.String(), nil
}

// runAudit sets up and runs the audit of the published contest: aria
// (audit-admin) creates it and uploads the manifest and CVRs; after the
// log commits them, aria asks for the seed and pat (official) co-signs;
// aria draws round 1 and forms a board of two, whose members enroll,
// read every ballot, and sign off; aria closes the round.
func (d *demoRun) runAudit(aria, pat *User) (*DemoAudit, error) {
	o, ctx := d.o, d.ctx
	ballots, err := readDemoBallots()
	if err != nil {
		return nil, err
	}
	manifest, cvrs := ballots.manifest(), ballots.dominionCSV()
	contest := ballots.contest.Name
	d.step(fmt.Sprintf("manifest (%d batches) and CVRs (%.1f MB, Dominion CSV) derived from the ES&S export", len(ballots.precincts), float64(len(cvrs))/1e6))
	out := &DemoAudit{Contest: contest, RiskLimit: 0.05, Batches: len(ballots.precincts)}
	av, err := o.CreateAudit(ctx, aria, &AuditSetup{Name: "2013 Minneapolis Mayor: ballot comparison", Election: d.info.Election,
		Type: audit.BallotComparison, Math: "supersimple", RiskLimit: out.RiskLimit, Sampler: audit.SamplerArlo,
		Contests: []AuditContest{{Name: contest, Targeted: true, Jurisdictions: []string{demoJurisdiction}, Kind: audit.IRV}}})
	if err != nil {
		return nil, err
	}
	out.ID = av.ID
	mv, err := o.UploadAuditFile(ctx, aria, av.ID, demoJurisdiction, "manifest", "arlo", "manifest.csv", bytes.NewReader(manifest))
	if err != nil {
		return nil, fmt.Errorf("uploading the manifest: %w", err)
	}
	out.Manifest = mv.File
	cv, err := o.UploadAuditFile(ctx, aria, av.ID, demoJurisdiction, "cvrs", "dominion-csv", "cvrs.csv", bytes.NewReader(cvrs))
	if err != nil {
		return nil, fmt.Errorf("uploading the CVRs: %w", err)
	}
	if !cv.Complete || cv.Summary.Phantoms != 0 || int64(cv.Summary.CVRs) != cv.Summary.Ballots {
		return nil, fmt.Errorf("the audit's records do not match: %+v", cv.Summary)
	}
	out.CVRs, out.Ballots = cv.File, cv.Summary.Ballots
	rep, err := o.AuditReport(ctx, av.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range rep.Contests {
		if c.Name == contest {
			out.Assertions, out.MinDilutedMargin = len(c.Assertions), c.DilutedMargin
			if len(c.Winners) == 1 {
				out.Winner = c.Winners[0]
			}
		}
	}
	d.step(fmt.Sprintf("audit created; manifest and CVRs uploaded and committed; RAIRE: %d assertions", out.Assertions))

	if out.Seed, err = diceSeed(); err != nil {
		return nil, err
	}
	q, err := o.RequestSeed(ctx, aria, av.ID, out.Seed, []string{"Olga (official)", "Pat (official)"}, []string{"a public observer"})
	if err != nil {
		return nil, err
	}
	if err := d.twoSign(aria, pat, q); err != nil {
		return nil, err
	}
	out.SeedRequest = q.ID
	rv, err := o.DrawRound(ctx, aria, av.ID, SampleSize{})
	if err != nil {
		return nil, err
	}
	out.Draws = rv.Count
	how := "after the witness quorum cosigned a checkpoint covering the uploads"
	if !d.witnessed {
		how = "after a published checkpoint covered the uploads (no witness policy)"
	}
	d.step(fmt.Sprintf("seed entered %s (aria requested, pat co-signed); round 1 drawn: %d draws", how, rv.Count))

	bv, err := o.CreateBoard(ctx, aria, av.ID, demoJurisdiction, []string{"Rosa (board member)", "Sam (board member)"})
	if err != nil {
		return nil, err
	}
	out.Board = bv.Board
	var members []*User
	for _, m := range bv.Members {
		u, err := d.enroll(m.User, m.EnrollmentCode, []string{RoleAuditBoard})
		if err != nil {
			return nil, err
		}
		members = append(members, u)
	}
	list, err := o.BoardBallots(ctx, members[0], av.ID, 1, bv.Board)
	if err != nil {
		return nil, err
	}
	// A board enters its readings one by one; the demo enters them
	// concurrently, as several boards would, so that the office commits
	// them in groups (one durable write, one checkpoint per group).
	errs := make([]error, len(list))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				bb := list[i]
				// The simulated board "finds the paper": the ballot at
				// this position of this batch of the export. The API
				// never shows the board the CVR.
				in := ballots.byPrecinct[bb.Batch]
				if bb.Position < 1 || bb.Position > len(in) {
					errs[i] = fmt.Errorf("ballot %s: batch %q has no position %d", bb.Ballot, bb.Batch, bb.Position)
					continue
				}
				r := map[string]audit.Reading{contest: ballots.reading(in[bb.Position-1])}
				if err := o.PutReading(ctx, members[0], av.ID, 1, bb.Ballot, r, ""); err != nil {
					errs[i] = fmt.Errorf("reading ballot %s: %w", bb.Ballot, err)
				}
			}
		}()
	}
	for i := range list {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out.Read = len(list)
	for _, m := range members {
		if _, err := o.SignOff(ctx, m, av.ID, 1, bv.Board); err != nil {
			return nil, err
		}
	}
	d.step(fmt.Sprintf("board of two enrolled, read %d ballots, signed off", len(list)))
	cl, err := o.CloseRound(ctx, aria, av.ID, 1)
	if err != nil {
		return nil, err
	}
	cc, ok := cl.Contests[contest]
	if !ok {
		return nil, fmt.Errorf("round 1's result has no contest %q", contest)
	}
	out.Risk, out.Decision, out.Discrepancies, out.Done = cc.Risk, cc.Decision, cc.Discrepancies, cl.Done
	d.step("round 1 closed: " + cc.Decision)
	return out, nil
}

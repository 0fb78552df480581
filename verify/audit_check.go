package verify

// Claim 4, the audit: every audit of the election is re-derived from the
// log and the files it commits to, through the same pure code the office
// ran (package audit, and through it rla/draw and rla/sampler).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla/manifest"
)

// checkAudits adds claim 4's lines: one per audit.
func checkAudits(rep *Report, pkg fs.FS, ev *Evidence) {
	if len(ev.Audits) == 0 {
		rep.add(ClaimAudit, NotChecked, "no audit of this election in the log")
		return
	}
	read := func(sum string) ([]byte, error) { return fs.ReadFile(pkg, FilePath(sum)) }
	hist := accountHistory(ev, nil)
	for i := range ev.Audits {
		a := &ev.Audits[i]
		res := checkAudit(a, read, hist)
		if res.notChecked != "" {
			rep.add(ClaimAudit, NotChecked, "audit %s (entry %d): %s", a.ID, a.Entry, res.notChecked)
			continue
		}
		if len(res.problems) == 0 {
			if p := checkReportFiles(pkg, a, res.report); p != "" {
				res.problems = append(res.problems, p)
			}
		}
		if len(res.problems) > 0 {
			rep.add(ClaimAudit, Fail, "audit %s (entry %d): %s", a.ID, a.Entry, summarize(res.problems))
			continue
		}
		rep.add(ClaimAudit, OK, "audit %s (entry %d): %s", a.ID, a.Entry, res.summary)
	}
}

// auditCheck is the outcome of re-deriving one audit.
type auditCheck struct {
	problems   []string
	notChecked string
	summary    string
	report     *audit.Report
}

func (c *auditCheck) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// boardState answers whether a board was signed off at an entry: every
// member signed after the board's last executed reopening.
type boardState struct {
	b        *AuditBoard
	reopened []uint64
}

func (s *boardState) signedOffAt(at uint64) bool {
	var since uint64
	opened := false
	for _, r := range s.reopened {
		if r < at {
			since, opened = r, true
		}
	}
	signed := map[string]bool{}
	for _, so := range s.b.SignOffs {
		if so.Entry < at && (!opened || so.Entry > since) {
			signed[so.Account] = true
		}
	}
	for _, acct := range s.b.Accounts {
		if !signed[acct] {
			return false
		}
	}
	return len(s.b.Accounts) > 0
}

func (s *boardState) reopenedBefore(at uint64) bool {
	for _, r := range s.reopened {
		if r < at {
			return true
		}
	}
	return false
}

// checkAudit re-derives audit a. The log's order is checked first (every
// record committed before the seed, one seed, readings only by the
// board's members before sign-off), then every round's sample is drawn
// again and every closed round's result computed again, and both must be
// the committed files byte for byte.
func checkAudit(a *Audit, read ReadFile, hist accounts) *auditCheck {
	c := &auditCheck{}
	def, err := audit.DecodeDefinition(a.Definition)
	if err != nil {
		c.bad("the definition: %v", err)
		return c
	}

	// One seed, entered after every record was committed.
	var seed *AuditSeed
	switch len(a.Seeds) {
	case 0:
		if len(a.Rounds) > 0 {
			c.bad("%d rounds but no executed seed request", len(a.Rounds))
			return c
		}
		c.summary = fmt.Sprintf("%d uploads committed; no seed entered yet, so nothing to re-derive", len(a.Uploads))
		return c
	case 1:
		seed = &a.Seeds[0]
	default:
		s := a.Seeds[1]
		c.bad("a second seed %q (request %s, executed at entry %d) after the seed %q of request %s (entry %d): an audit has one seed, rolled once",
			s.Seed, s.Request, s.Executed, a.Seeds[0].Seed, a.Seeds[0].Request, a.Seeds[0].Executed)
		return c
	}
	if len(seed.Seed) < 20 || strings.Trim(seed.Seed, "0123456789") != "" {
		c.bad("the seed %q is not a dice roll of at least 20 decimal digits", seed.Seed)
	}
	current := map[string]*AuditUpload{}
	for i := range a.Uploads {
		u := &a.Uploads[i]
		if u.Entry > seed.Executed {
			c.bad("the %s of %s was uploaded at entry %d, after the seed (entry %d): the records must be fixed before the seed is known",
				u.Kind, u.Jurisdiction, u.Entry, seed.Executed)
			continue
		}
		if u.Entry > seed.Requested {
			c.bad("the %s of %s was uploaded at entry %d, after the seed was requested (entry %d)", u.Kind, u.Jurisdiction, u.Entry, seed.Requested)
		}
		current[u.Jurisdiction+"/"+u.Kind] = u
	}
	if len(c.problems) > 0 {
		return c
	}

	// The inputs, read as the office reads them.
	in := &audit.Inputs{}
	if def.Type == audit.BallotComparison {
		in.Election = &election.Election{}
	}
	for _, jc := range def.Jurisdictions {
		ji := audit.JurisdictionInput{Name: jc.Name}
		m := current[jc.Name+"/manifest"]
		if m == nil {
			c.bad("%s has no manifest committed before the seed", jc.Name)
			continue
		}
		data, err := readCommitted(read, m.File)
		if err != nil {
			c.bad("%s's manifest: %v", jc.Name, err)
			continue
		}
		p := jc.Name + "/" + m.File.Name
		if m.Format == "colorado" {
			ji.Colorado, err = manifest.ReadColorado(p, bytes.NewReader(data))
		} else {
			ji.Manifest, err = manifest.ReadArlo(p, bytes.NewReader(data))
		}
		if err != nil {
			c.bad("%s's manifest (entry %d): %v", jc.Name, m.Entry, err)
			continue
		}
		if def.Type == audit.BatchComparison {
			u := current[jc.Name+"/batch-tallies"]
			if u == nil {
				c.bad("%s has no batch tallies committed before the seed", jc.Name)
				continue
			}
			data, err := readCommitted(read, u.File)
			if err != nil {
				c.bad("%s's batch tallies: %v", jc.Name, err)
				continue
			}
			if ji.Tallies, err = audit.ReadBatchTallies(jc.Name+"/"+u.File.Name, data, def, jc.Name); err != nil {
				c.bad("%s's batch tallies (entry %d): %v", jc.Name, u.Entry, err)
				continue
			}
		}
		if def.Type == audit.BallotComparison {
			u := current[jc.Name+"/cvrs"]
			if u == nil {
				c.bad("%s has no CVRs committed before the seed", jc.Name)
				continue
			}
			data, err := readCommitted(read, u.File)
			if err != nil {
				c.bad("%s's CVRs: %v", jc.Name, err)
				continue
			}
			rd, err := cvr.Lookup(u.Format)
			if err != nil {
				c.bad("%s's CVRs (entry %d): %v", jc.Name, u.Entry, err)
				continue
			}
			src := cvr.Source{FS: &namedFS{extra: map[string][]byte{u.File.Name: data}}, Path: u.File.Name}
			err = rd(src, in.Election, func(r *election.CVR) error {
				x := *r
				x.Contests = make([]election.ContestMarks, len(r.Contests))
				for i, m := range r.Contests {
					x.Contests[i] = election.ContestMarks{Contest: m.Contest, Marks: slices.Clone(m.Marks)}
				}
				ji.CVRs = append(ji.CVRs, x)
				return nil
			})
			if err != nil {
				c.bad("%s's CVRs (entry %d): %v", jc.Name, u.Entry, err)
				continue
			}
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
	}
	if len(c.problems) > 0 {
		return c
	}
	prep, err := audit.Prepare(def, in)
	if err != nil {
		c.bad("the committed manifests and CVRs do not make an audit: %v", err)
		return c
	}
	if def.Type == audit.BatchComparison {
		checkBatchRounds(c, a, def, prep, seed, read, hist)
		return c
	}

	// What an executed undo set aside is no longer part of the audit
	// (the log keeps it); the round is drawn again after it.
	if p := checkUndos(a); p != "" {
		c.bad("%s", p)
		return c
	}
	a = liveAudit(a)

	// Boards, sign-offs and readings follow the workflow.
	boards := map[string]*boardState{}
	for i := range a.Boards {
		b := &a.Boards[i]
		boards[b.ID] = &boardState{b: b}
		for _, so := range b.SignOffs {
			if !slices.Contains(b.Accounts, so.Account) {
				c.bad("board %s was signed off at entry %d by %s, who is not one of its members", b.ID, so.Entry, so.Account)
			}
		}
	}
	for _, r := range a.Reopenings {
		if s := boards[r.Board]; s != nil {
			s.reopened = append(s.reopened, r.Executed)
		}
	}
	closedAt := map[int]uint64{}
	for _, r := range a.Rounds {
		if r.Closed != nil {
			closedAt[r.Round] = r.Closed.Entry
		}
	}
	for _, r := range a.Readings {
		s := boards[r.Board]
		var key audit.BallotKey
		if err := json.Unmarshal(r.Ballot, &key); err != nil {
			c.bad("the reading at entry %d names no ballot: %v", r.Entry, err)
			continue
		}
		switch {
		case s == nil:
			c.bad("the reading of %v at entry %d is by board %s, which the log never created", key, r.Entry, r.Board)
		case s.b.Round != r.Round || s.b.Jurisdiction != key.Jurisdiction:
			c.bad("the reading of %v at entry %d is by board %s of %s round %d, not of the ballot's jurisdiction and round %d", key, r.Entry, r.Board, s.b.Jurisdiction, s.b.Round, r.Round)
		case !slices.Contains(s.b.Accounts, r.By):
			c.bad("the reading of %v at entry %d was entered by %s, who is not a member of board %s", key, r.Entry, r.By, r.Board)
		case s.signedOffAt(r.Entry):
			c.bad("the reading of %v at entry %d (revision %d) changes board %s's entries after it was signed off, without a reopening request", key, r.Entry, r.Revision, r.Board)
		case r.Revision > 1 && s.reopenedBefore(r.Entry) && r.Reason == "":
			c.bad("revision %d of the reading of %v at entry %d, after a reopening, gives no reason", r.Revision, key, r.Entry)
		}
		if at, ok := closedAt[r.Round]; ok && r.Entry > at {
			c.bad("the reading of %v at entry %d was entered after round %d closed (entry %d)", key, r.Entry, r.Round, at)
		}
	}
	if len(c.problems) > 0 {
		return c
	}

	// Every round drawn again, every result computed again.
	var rounds []*audit.Round
	var results []*audit.RoundResult
	var decisions []string
	for i, r := range a.Rounds {
		if r.Round != i+1 || r.Sample.SHA256 == "" {
			c.bad("round %d (entry %d) does not follow the rounds before it", r.Round, r.Entry)
			return c
		}
		if r.Entry < seed.Executed {
			c.bad("round %d was drawn at entry %d, before the seed (entry %d)", r.Round, r.Entry, seed.Executed)
			return c
		}
		if i > 0 {
			prev := a.Rounds[i-1].Closed
			if prev == nil || prev.Entry > r.Entry {
				c.bad("round %d was drawn at entry %d while round %d was open", r.Round, r.Entry, i)
				return c
			}
			if auditDone(def, results[i-1], declaredBefore(a, r.Entry)) {
				c.bad("round %d was drawn at entry %d after round %d decided every targeted contest", r.Round, r.Entry, i)
				return c
			}
		}
		got, err := readCommitted(read, r.Sample)
		if err != nil {
			c.bad("round %d's sample: %v", r.Round, err)
			return c
		}
		again, err := prep.Draw(seed.Seed, rounds, r.Count)
		if err != nil {
			c.bad("round %d cannot be drawn again from seed %s: %v", r.Round, seed.Seed, err)
			return c
		}
		want, _ := json.Marshal(again)
		if !bytes.Equal(got, want) {
			c.bad("round %d's published sample (entry %d) is not what seed %s draws from the committed manifests: %s", r.Round, r.Entry, seed.Seed, sampleDiff(got, again))
			return c
		}
		if again.Skip != r.Skip || again.Count != r.Count {
			c.bad("round %d's entry says skip %d count %d; its sample has skip %d count %d", r.Round, r.Skip, r.Count, again.Skip, again.Count)
			return c
		}
		rounds = append(rounds, again)
		if p := checkAssignments(a, rounds); p != "" {
			c.bad("%s", p)
			return c
		}
		if r.Closed == nil {
			continue
		}
		// The boards' readings at the close: the latest revision of each
		// ballot's reading logged before it, as the office closes.
		latest := map[string]int{}
		var order []string
		for k, rd := range a.Readings {
			if rd.Entry > r.Closed.Entry {
				break
			}
			key := string(rd.Ballot)
			if _, ok := latest[key]; !ok {
				order = append(order, key)
			}
			latest[key] = k
		}
		readings := &audit.Readings{}
		signedBoards := map[string]bool{}
		for _, key := range order {
			rd := a.Readings[latest[key]]
			var br audit.BallotReading
			json.Unmarshal(rd.Ballot, &br.BallotKey)
			if err := json.Unmarshal(rd.Readings, &br.Contests); err != nil {
				c.bad("the reading at entry %d: %v", rd.Entry, err)
				return c
			}
			readings.Ballots = append(readings.Ballots, br)
			if rd.Round == r.Round {
				signedBoards[rd.Board] = true
			}
		}
		for b := range signedBoards {
			if !boards[b].signedOffAt(r.Closed.Entry) {
				c.bad("round %d was closed at entry %d before board %s signed off", r.Round, r.Closed.Entry, b)
			}
		}
		res, err := prep.Close(rounds, readings)
		if err != nil {
			c.bad("round %d (closed at entry %d) cannot be closed from the boards' readings: %v", r.Round, r.Closed.Entry, err)
			return c
		}
		gotRes, err := readCommitted(read, r.Closed.Result)
		if err != nil {
			c.bad("round %d's result: %v", r.Round, err)
			return c
		}
		wantRes, _ := json.Marshal(res)
		if !bytes.Equal(gotRes, wantRes) {
			c.bad("round %d's published result (entry %d) is not what the boards' readings and the CVRs give: %s", r.Round, r.Closed.Entry, resultDiff(gotRes, res))
			return c
		}
		if outcome := map[bool]string{true: "done", false: "another-round"}[auditDone(def, res, declaredBefore(a, r.Closed.Entry))]; r.Closed.Outcome != outcome {
			c.bad("round %d's close says %q; its result says %q", r.Round, r.Closed.Outcome, outcome)
		}
		results = append(results, res)
		var ds []string
		for _, ct := range res.Contests {
			ds = append(ds, fmt.Sprintf("%s %s (risk %.4g)", ct.Contest, ct.Decision, ct.Risk))
		}
		d := fmt.Sprintf("round %d: %d draws, %s", r.Round, r.Count, strings.Join(ds, ", "))
		if !res.Done {
			d += fmt.Sprintf("; next round %d draws", res.NextSize)
			if i+1 < len(a.Rounds) && a.Rounds[i+1].Count != res.NextSize {
				d += fmt.Sprintf(" (%d drawn, chosen by the audit-admin)", a.Rounds[i+1].Count)
			}
		}
		decisions = append(decisions, d)
	}
	if len(c.problems) > 0 {
		return c
	}
	rep, err := prep.Report(rounds, results)
	if err != nil {
		c.bad("the report: %v", err)
		return c
	}
	rep.Settings.Seed = seed.Seed
	c.report = rep
	state := "open"
	rep.Decisions = reportDecisions(a)
	if n := len(results); n > 0 && auditDone(def, results[n-1], declaredBefore(a, ^uint64(0))) {
		state = "done"
	}
	c.summary = fmt.Sprintf("%d manifests and CVR files committed before the seed %s (entry %d, rolled by %s, approved by %s); %d rounds drawn again identically, %d closed results recomputed from %d board readings identically; %s. The audit is %s",
		len(current), seed.Seed, seed.Executed, strings.Join(seed.RolledBy, ", "), strings.Join(seed.Signers, " and "), len(rounds), len(results), len(a.Readings), strings.Join(decisions, "; "), state)
	return c
}

// checkAssignments checks that every reading of the last of rounds is
// of a ballot the round gave to its board, as the office assigns them:
// the round's distinct ballots that no earlier round drew, per
// jurisdiction in retrieval order (container, tabulator, batch,
// position), each batch to the jurisdiction's boards of the round in
// turn, in order of creation (the office refuses a new board once a
// reading exists, so the boards the log shows are the ones it used).
func checkAssignments(a *Audit, rounds []*audit.Round) string {
	n := len(rounds)
	earlier := map[audit.BallotKey]bool{}
	for _, r := range rounds[:n-1] {
		for _, b := range r.Ballots {
			earlier[b.Key()] = true
		}
	}
	byJur := map[string][]audit.SampledBallot{}
	seen := map[audit.BallotKey]bool{}
	for _, b := range rounds[n-1].Ballots {
		k := b.Key()
		if earlier[k] || seen[k] {
			continue
		}
		seen[k] = true
		byJur[b.Jurisdiction] = append(byJur[b.Jurisdiction], b)
	}
	assigned := map[audit.BallotKey]string{}
	for j, list := range byJur {
		sort.SliceStable(list, func(x, y int) bool {
			p, q := list[x], list[y]
			if p.Container != q.Container {
				return p.Container < q.Container
			}
			if p.Tabulator != q.Tabulator {
				return p.Tabulator < q.Tabulator
			}
			if p.Batch != q.Batch {
				return p.Batch < q.Batch
			}
			return p.Position < q.Position
		})
		var ids []string
		for _, b := range a.Boards {
			if b.Jurisdiction == j && b.Round == n {
				ids = append(ids, b.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		batch, bi := "", -1
		for _, b := range list {
			if id := b.Container + "\x00" + b.Tabulator + "\x00" + b.Batch; id != batch {
				batch, bi = id, bi+1
			}
			assigned[b.Key()] = ids[bi%len(ids)]
		}
	}
	for _, r := range a.Readings {
		if r.Round != n {
			continue
		}
		var k audit.BallotKey
		json.Unmarshal(r.Ballot, &k)
		switch board, ok := assigned[k]; {
		case !ok:
			return fmt.Sprintf("the reading of %v at entry %d is of a ballot round %d did not give to any board", k, r.Entry, n)
		case board != r.Board:
			return fmt.Sprintf("the reading of %v at entry %d is by board %s; round %d gave that ballot to board %s", k, r.Entry, r.Board, n, board)
		}
	}
	return ""
}

// sampleDiff names the first draw where a published sample differs from
// the one drawn again.
func sampleDiff(got []byte, want *audit.Round) string {
	var g audit.Round
	if err := json.Unmarshal(got, &g); err != nil {
		return "it is not a round: " + err.Error()
	}
	if g.Seed != want.Seed {
		return fmt.Sprintf("it was drawn from seed %q, not the logged seed", g.Seed)
	}
	for i := range min(len(g.Ballots), len(want.Ballots)) {
		if g.Ballots[i] != want.Ballots[i] {
			return fmt.Sprintf("draw %d is %v, the seed draws %v", i+1, g.Ballots[i].Key(), want.Ballots[i].Key())
		}
	}
	if len(g.Ballots) != len(want.Ballots) {
		return fmt.Sprintf("%d draws, the seed draws %d", len(g.Ballots), len(want.Ballots))
	}
	return "the file differs from the round drawn again"
}

// resultDiff names the first contest whose published risk, decision or
// discrepancies differ from the recomputed ones.
func resultDiff(got []byte, want *audit.RoundResult) string {
	var g audit.RoundResult
	if err := json.Unmarshal(got, &g); err != nil {
		return "it is not a round result: " + err.Error()
	}
	for _, w := range want.Contests {
		for _, x := range g.Contests {
			if x.Contest != w.Contest {
				continue
			}
			switch {
			case x.Discrepancies != w.Discrepancies:
				return fmt.Sprintf("%s: published discrepancies %+v, recomputed %+v", w.Contest, x.Discrepancies, w.Discrepancies)
			case x.Risk != w.Risk:
				return fmt.Sprintf("%s: published risk %v, recomputed %v", w.Contest, x.Risk, w.Risk)
			case x.Decision != w.Decision:
				return fmt.Sprintf("%s: published decision %s, recomputed %s", w.Contest, x.Decision, w.Decision)
			}
		}
	}
	if g.Done != want.Done || g.NextSize != want.NextSize {
		return fmt.Sprintf("published done %v next size %d, recomputed done %v next size %d", g.Done, g.NextSize, want.Done, want.NextSize)
	}
	a, _ := json.Marshal(&g)
	var x, y any
	json.Unmarshal(a, &x)
	b, _ := json.Marshal(want)
	json.Unmarshal(b, &y)
	return "differs at " + diffPath("", x, y)
}

// AuditReportFiles returns the report files of every audit of ev whose
// record re-derives, by package path: what the exporter writes under
// audits/<id>/ and claim 4 compares byte for byte. read returns
// committed files. An audit that does not re-derive gets no report
// files (claim 4 reports why); the error is for a report that cannot be
// written.
func AuditReportFiles(ev *Evidence, read ReadFile) (map[string][]byte, error) {
	out := map[string][]byte{}
	hist := accountHistory(ev, nil)
	for i := range ev.Audits {
		a := &ev.Audits[i]
		c := checkAudit(a, read, hist)
		if c.notChecked != "" || len(c.problems) > 0 || c.report == nil {
			continue
		}
		files, err := reportFiles(c.report)
		if err != nil {
			return nil, fmt.Errorf("audit %s: %v", a.ID, err)
		}
		for name, b := range files {
			out[AuditReportDir(a.ID)+"/"+name] = b
		}
	}
	return out, nil
}

func reportFiles(rep *audit.Report) (map[string][]byte, error) {
	out := map[string][]byte{}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		return nil, err
	}
	out["report.json"] = bytes.Clone(b.Bytes())
	for _, t := range audit.CSVTables {
		b.Reset()
		if err := rep.WriteCSV(t, &b); err != nil {
			return nil, err
		}
		out[t+".csv"] = bytes.Clone(b.Bytes())
	}
	return out, nil
}

// checkReportFiles compares the package's report files of a with the
// ones derived from the log.
func checkReportFiles(pkg fs.FS, a *Audit, rep *audit.Report) string {
	if rep == nil {
		return ""
	}
	want, err := reportFiles(rep)
	if err != nil {
		return err.Error()
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	var bad []string
	for _, n := range names {
		p := AuditReportDir(a.ID) + "/" + n
		got, err := fs.ReadFile(pkg, p)
		switch {
		case err != nil:
			bad = append(bad, p+" is missing")
		case !bytes.Equal(got, want[n]):
			bad = append(bad, p+" is not the report the log gives")
		}
	}
	if len(bad) > 0 {
		return "the audit report: " + summarizeList(bad)
	}
	return ""
}

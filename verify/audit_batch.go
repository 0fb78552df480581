package verify

// Claim 4 for batch-comparison audits: the rounds drawn again from the
// seed, every tally sheet entered by someone allowed while its batch was
// open, every finalized hand count the sum of the sheets' last revisions,
// and every round's MACRO result computed again from the finalized
// counts, through the same pure code the office ran (package audit).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/rla"
)

// batchKey names a batch: jurisdiction and batch name.
type batchKey [2]string

// liveRounds are the rounds no executed undo request set aside, and
// voided reports whether a record of round n logged at entry was set
// aside with its round.
func liveRounds(a *Audit) (live []AuditRound, voided func(n int, entry uint64) bool) {
	for _, r := range a.Rounds {
		if r.Undone == nil {
			live = append(live, r)
		}
	}
	return live, func(n int, entry uint64) bool {
		for _, r := range a.Rounds {
			if r.Undone != nil && r.Round == n && entry < *r.Undone {
				return true
			}
		}
		return false
	}
}

// reportDecisions are the audit's undo and hand-count decisions as the
// office's report shows them, in the order they executed.
func reportDecisions(a *Audit) []audit.Decision {
	var out []audit.Decision
	for _, d := range a.Decisions {
		var x struct {
			Round    int      `json:"round"`
			Closed   bool     `json:"closed"`
			Contests []string `json:"contests"`
			Rounds   int      `json:"rounds"`
			Reason   string   `json:"reason"`
		}
		json.Unmarshal(d.Action, &x)
		var kind string
		switch d.Kind {
		case "audit-round-undo":
			kind = audit.DecisionUndoRound
		case "audit-full-hand-count":
			kind, x.Round = audit.DecisionFullHandCount, x.Rounds
		default:
			continue
		}
		ad := audit.Decision{Kind: kind, Round: x.Round, Closed: x.Closed, Contests: x.Contests, Reason: x.Reason,
			Request: d.Request, RequestedBy: d.RequestedBy, Signers: []string{}}
		for _, s := range d.Signers {
			ad.Signers = append(ad.Signers, s)
			if s != d.RequestedBy && ad.ApprovedBy == "" {
				ad.ApprovedBy = s
			}
		}
		out = append(out, ad)
	}
	return out
}

// declaredBefore lists the contests sent to a full hand count by requests
// executed before entry at.
func declaredBefore(a *Audit, at uint64) []string {
	var out []string
	for _, d := range a.Decisions {
		if d.Kind != "audit-full-hand-count" || d.Executed >= at {
			continue
		}
		var x struct {
			Contests []string `json:"contests"`
		}
		json.Unmarshal(d.Action, &x)
		out = append(out, x.Contests...)
	}
	return out
}

// auditDone is the office's rule for a closed round ending the audit:
// every targeted contest decided by the math, or sent to a full hand
// count by a declaration.
func auditDone(def *audit.Definition, res *audit.RoundResult, declared []string) bool {
	if res != nil && res.Done {
		return true
	}
	if len(declared) == 0 {
		return false
	}
	for _, c := range def.Contests {
		if !c.Targeted || slices.Contains(declared, c.Name) {
			continue
		}
		decided := false
		if res != nil {
			for _, cr := range res.Contests {
				if cr.Contest == c.Name && (cr.Decision == audit.Confirmed || cr.Decision == audit.FullHandCount) {
					decided = true
				}
			}
		}
		if !decided {
			return false
		}
	}
	return true
}

// batchEvent is a sheet, a finalization or an executed unfinalizing of
// one batch, in log order.
type batchEvent struct {
	entry  uint64
	sheet  *AuditBatchSheet
	final  *AuditBatchFinal
	unfin  *AuditDecision
	reason string
}

// checkBatchRounds re-derives the rounds of batch-comparison audit a.
func checkBatchRounds(c *auditCheck, a *Audit, def *audit.Definition, prep *audit.Audit, seed *AuditSeed, read ReadFile, hist accounts) {
	if p := checkUndos(a); p != "" {
		c.bad("%s", p)
		return
	}
	live, voided := liveRounds(a)
	// Boards of each jurisdiction and round, not set aside by an undo.
	var boards []*AuditBoard
	for i := range a.Boards {
		b := &a.Boards[i]
		if !voided(b.Round, b.Entry) {
			boards = append(boards, b)
		}
	}
	memberAt := func(acct, j string, n int, at uint64) bool {
		for _, b := range boards {
			if b.Jurisdiction == j && b.Round == n && b.Entry < at && slices.Contains(b.Accounts, acct) {
				return true
			}
		}
		return false
	}
	closedAt := map[int]uint64{}
	drawnAt := map[int]uint64{}
	for _, r := range live {
		drawnAt[r.Round] = r.Entry
		if r.Closed != nil {
			closedAt[r.Round] = r.Closed.Entry
		}
	}

	// Each batch's events in log order.
	events := map[batchKey][]batchEvent{}
	var order []batchKey
	add := func(k batchKey, e batchEvent) {
		if _, ok := events[k]; !ok {
			order = append(order, k)
		}
		events[k] = append(events[k], e)
	}
	for i := range a.BatchSheets {
		s := &a.BatchSheets[i]
		if !voided(s.Round, s.Entry) {
			add(batchKey{s.Jurisdiction, s.Batch}, batchEvent{entry: s.Entry, sheet: s})
		}
	}
	for i := range a.BatchFinals {
		f := &a.BatchFinals[i]
		if !voided(f.Round, f.Entry) {
			add(batchKey{f.Jurisdiction, f.Batch}, batchEvent{entry: f.Entry, final: f})
		}
	}
	for i := range a.Decisions {
		d := &a.Decisions[i]
		if d.Kind != "audit-batch-unfinalize" {
			continue
		}
		var x struct {
			Round        int    `json:"round"`
			Jurisdiction string `json:"jurisdiction"`
			Batch        string `json:"batch"`
			Reason       string `json:"reason"`
		}
		json.Unmarshal(d.Action, &x)
		if !voided(x.Round, d.Executed) {
			add(batchKey{x.Jurisdiction, x.Batch}, batchEvent{entry: d.Executed, unfin: d, reason: x.Reason})
		}
	}

	// The hand count of each batch: its sheets may change only while it
	// is not finalized, and each finalization is the sum of the sheets'
	// last revisions. finals[k] is the batch's finalizations, each with
	// the entry of the unfinalizing that ended it (0 if none).
	type finalSpan struct {
		f     *AuditBatchFinal
		until uint64
	}
	finals := map[batchKey][]finalSpan{}
	for _, k := range order {
		es := events[k]
		slices.SortStableFunc(es, func(x, y batchEvent) int { return int(x.entry) - int(y.entry) })
		sheets := map[string]*AuditBatchSheet{}
		var sheetOrder []string
		var cur *finalSpan
		unfinalized := false
		for _, e := range es {
			switch {
			case e.sheet != nil:
				s := e.sheet
				if cur != nil {
					c.bad("%s batch %q: sheet %q changed at entry %d after the batch was finalized (entry %d) without an unfinalizing request", k[0], k[1], s.Sheet, s.Entry, cur.f.Entry)
				}
				if at, ok := closedAt[s.Round]; ok && s.Entry > at {
					c.bad("%s batch %q: sheet %q entered at entry %d, after round %d closed (entry %d)", k[0], k[1], s.Sheet, s.Entry, s.Round, at)
				}
				if !hist.hasRoleAt(s.By, "audit-admin", s.Entry) && !memberAt(s.By, s.Jurisdiction, s.Round, s.Entry) {
					c.bad("%s batch %q: sheet %q at entry %d was entered by %s, neither an audit-admin nor a member of a board of %s in round %d", k[0], k[1], s.Sheet, s.Entry, s.By, s.Jurisdiction, s.Round)
				}
				if _, ok := sheets[s.Sheet]; ok && unfinalized && strings.TrimSpace(s.Reason) == "" {
					c.bad("%s batch %q: sheet %q changed at entry %d after an unfinalizing, without a reason", k[0], k[1], s.Sheet, s.Entry)
				}
				if _, ok := sheets[s.Sheet]; !ok {
					sheetOrder = append(sheetOrder, s.Sheet)
				}
				sheets[s.Sheet] = s
			case e.final != nil:
				f := e.final
				if cur != nil {
					c.bad("%s batch %q finalized again at entry %d (already finalized at entry %d)", k[0], k[1], f.Entry, cur.f.Entry)
				}
				if !hist.hasRoleAt(f.By, "audit-admin", f.Entry) {
					c.bad("%s batch %q was finalized at entry %d by %s, who was not an audit-admin", k[0], k[1], f.Entry, f.By)
				}
				if f.Sheets != len(sheets) {
					c.bad("%s batch %q: the finalization at entry %d says %d sheets; the log has %d", k[0], k[1], f.Entry, f.Sheets, len(sheets))
				}
				var got map[string]map[string]int
				if err := json.Unmarshal(f.Tallies, &got); err != nil {
					c.bad("%s batch %q: the finalized tallies at entry %d: %v", k[0], k[1], f.Entry, err)
				}
				if f.Status == "not-found" {
					if len(got) != 0 || strings.TrimSpace(f.Comment) == "" {
						c.bad("%s batch %q: finalized as not found at entry %d with tallies or without a comment", k[0], k[1], f.Entry)
					}
				} else {
					want := map[string]map[string]int{}
					for _, name := range sheetOrder {
						var sc map[string]map[string]int
						if err := json.Unmarshal(sheets[name].Contests, &sc); err != nil {
							c.bad("%s batch %q: sheet %q at entry %d: %v", k[0], k[1], name, sheets[name].Entry, err)
							continue
						}
						for ct, counts := range sc {
							if want[ct] == nil {
								want[ct] = map[string]int{}
							}
							for ch, v := range counts {
								want[ct][ch] += v
							}
						}
					}
					if len(sheets) == 0 {
						c.bad("%s batch %q was finalized at entry %d with no tally sheet", k[0], k[1], f.Entry)
					} else if !reflect.DeepEqual(got, want) {
						g, _ := json.Marshal(got)
						w, _ := json.Marshal(want)
						c.bad("%s batch %q: the finalized tallies at entry %d are %s, but the sheets' last revisions add up to %s", k[0], k[1], f.Entry, g, w)
					}
				}
				finals[k] = append(finals[k], finalSpan{f: f})
				cur = &finals[k][len(finals[k])-1]
			case e.unfin != nil:
				if cur == nil {
					c.bad("%s batch %q was unfinalized by request %s (entry %d) while not finalized", k[0], k[1], e.unfin.Request, e.entry)
					continue
				}
				cur.until = e.entry
				cur = nil
				unfinalized = true
			}
		}
	}
	if len(c.problems) > 0 {
		return
	}
	finalAt := func(k batchKey, at uint64) *AuditBatchFinal {
		for _, s := range finals[k] {
			if s.f.Entry < at && (s.until == 0 || s.until > at) {
				return s.f
			}
		}
		return nil
	}

	// Every round drawn again, every close computed again.
	var rounds []*audit.Round
	var results []*audit.RoundResult
	var decisions []string
	for i, r := range live {
		if r.Round != i+1 || r.Sample.SHA256 == "" {
			c.bad("round %d (entry %d) does not follow the rounds before it", r.Round, r.Entry)
			return
		}
		if r.Entry < seed.Executed {
			c.bad("round %d was drawn at entry %d, before the seed (entry %d)", r.Round, r.Entry, seed.Executed)
			return
		}
		if i > 0 {
			prev := live[i-1].Closed
			if prev == nil || prev.Entry > r.Entry {
				c.bad("round %d was drawn at entry %d while round %d was open", r.Round, r.Entry, i)
				return
			}
			if auditDone(def, results[i-1], declaredBefore(a, r.Entry)) {
				c.bad("round %d was drawn at entry %d after round %d ended the audit", r.Round, r.Entry, i)
				return
			}
		}
		got, err := readCommitted(read, r.Sample)
		if err != nil {
			c.bad("round %d's sample: %v", r.Round, err)
			return
		}
		again, err := prep.Draw(seed.Seed, rounds, r.Count)
		if err != nil {
			c.bad("round %d cannot be drawn again from seed %s: %v", r.Round, seed.Seed, err)
			return
		}
		want, _ := json.Marshal(again)
		if !bytes.Equal(got, want) {
			c.bad("round %d's published sample (entry %d) is not what seed %s draws from the committed manifests and tallies: %s", r.Round, r.Entry, seed.Seed, sampleDiff(got, again))
			return
		}
		if again.Skip != r.Skip || again.Count != r.Count {
			c.bad("round %d's entry says skip %d count %d; its sample has skip %d count %d", r.Round, r.Skip, r.Count, again.Skip, again.Count)
			return
		}
		rounds = append(rounds, again)
		if r.Closed == nil {
			continue
		}
		// The finalized hand count of every batch drawn so far, as the
		// office closes.
		readings := &audit.Readings{}
		seen := map[batchKey]bool{}
		for _, rr := range rounds {
			for _, sb := range rr.Batches {
				k := batchKey{sb.Jurisdiction, sb.Batch}
				if seen[k] {
					continue
				}
				seen[k] = true
				f := finalAt(k, r.Closed.Entry)
				if f == nil {
					c.bad("round %d was closed at entry %d while %s batch %q (ticket %s) had no finalized hand count", r.Round, r.Closed.Entry, sb.Jurisdiction, sb.Batch, sb.Ticket)
					return
				}
				if f.Status == "not-found" {
					readings.Batches = append(readings.Batches, audit.BatchReading{Jurisdiction: sb.Jurisdiction, Batch: sb.Batch, NotFound: true, Comment: f.Comment})
					continue
				}
				var t map[string]map[string]int
				json.Unmarshal(f.Tallies, &t)
				br := audit.BatchReading{Jurisdiction: sb.Jurisdiction, Batch: sb.Batch, Tallies: map[string]rla.Counts{}}
				for _, ct := range def.Contests {
					if !slices.Contains(ct.Jurisdictions, sb.Jurisdiction) {
						continue
					}
					for _, cv := range ct.Reported {
						br.Tallies[ct.Name] = append(br.Tallies[ct.Name], rla.CandidateVotes{Name: cv.Name, Votes: t[ct.Name][cv.Name]})
					}
				}
				readings.Batches = append(readings.Batches, br)
			}
		}
		res, err := prep.Close(rounds, readings)
		if err != nil {
			c.bad("round %d (closed at entry %d) cannot be closed from the finalized hand counts: %v", r.Round, r.Closed.Entry, err)
			return
		}
		gotRes, err := readCommitted(read, r.Closed.Result)
		if err != nil {
			c.bad("round %d's result: %v", r.Round, err)
			return
		}
		wantRes, _ := json.Marshal(res)
		if !bytes.Equal(gotRes, wantRes) {
			c.bad("round %d's published result (entry %d) is not what MACRO gives from the finalized hand counts and the reported tallies: %s", r.Round, r.Closed.Entry, resultDiff(gotRes, res))
			return
		}
		done := auditDone(def, res, declaredBefore(a, r.Closed.Entry))
		if outcome := map[bool]string{true: "done", false: "another-round"}[done]; r.Closed.Outcome != outcome {
			c.bad("round %d's close says %q; its result and the declarations say %q", r.Round, r.Closed.Outcome, outcome)
		}
		results = append(results, res)
		var ds []string
		for _, ct := range res.Contests {
			ds = append(ds, fmt.Sprintf("%s %s (risk %.4g)", ct.Contest, ct.Decision, ct.Risk))
		}
		decisions = append(decisions, fmt.Sprintf("round %d: %d draws, %s", r.Round, r.Count, strings.Join(ds, ", ")))
	}
	if len(c.problems) > 0 {
		return
	}
	rep, err := prep.Report(rounds, results)
	if err != nil {
		c.bad("the report: %v", err)
		return
	}
	rep.Settings.Seed = seed.Seed
	rep.Decisions = reportDecisions(a)
	c.report = rep
	state := "open"
	if n := len(results); n > 0 && auditDone(def, results[n-1], declaredBefore(a, ^uint64(0))) {
		state = "done"
	}
	sheets, undone := len(a.BatchSheets), len(a.Rounds)-len(live)
	c.summary = fmt.Sprintf("batch comparison, seed %s; %d rounds drawn again from it (%d undone), %d tally sheet revisions and %d finalizations checked, %d results computed again with MACRO; %s; audit %s",
		seed.Seed, len(rounds), undone, sheets, len(a.BatchFinals), len(results), strings.Join(decisions, "; "), state)
}

// liveAudit is a without what executed undo requests set aside: the
// undone rounds and the boards, readings and reopenings of those rounds
// logged before their undo.
func liveAudit(a *Audit) *Audit {
	live, voided := liveRounds(a)
	x := *a
	x.Rounds = live
	x.Boards, x.Readings, x.Reopenings = nil, nil, nil
	for _, b := range a.Boards {
		if !voided(b.Round, b.Entry) {
			x.Boards = append(x.Boards, b)
		}
	}
	for _, r := range a.Readings {
		if !voided(r.Round, r.Entry) {
			x.Readings = append(x.Readings, r)
		}
	}
	for _, r := range a.Reopenings {
		if !voided(r.Round, r.Executed) {
			x.Reopenings = append(x.Reopenings, r)
		}
	}
	return &x
}

// checkUndos checks every executed undo against the rounds before it, as
// the office allows one: the round was the last one drawn, and open or
// closed as the request said.
func checkUndos(a *Audit) string {
	for _, d := range a.Decisions {
		if d.Kind != "audit-round-undo" {
			continue
		}
		var x struct {
			Round  int  `json:"round"`
			Closed bool `json:"closed"`
		}
		json.Unmarshal(d.Action, &x)
		var undone *AuditRound
		last := 0
		for k := range a.Rounds {
			r := &a.Rounds[k]
			if r.Entry < d.Executed && (r.Undone == nil || *r.Undone >= d.Executed) && r.Sample.SHA256 != "" {
				last = max(last, r.Round)
			}
			if r.Undone != nil && *r.Undone == d.Executed {
				undone = r
			}
		}
		switch {
		case undone == nil:
			return fmt.Sprintf("request %s (executed at entry %d) undid round %d, which was not drawn", d.Request, d.Executed, x.Round)
		case x.Round != last:
			return fmt.Sprintf("request %s (executed at entry %d) undid round %d, which was not the last round (%d)", d.Request, d.Executed, x.Round, last)
		case (undone.Closed != nil && undone.Closed.Entry < d.Executed) != x.Closed:
			return fmt.Sprintf("request %s (executed at entry %d) undid round %d as closed=%v; the round was not", d.Request, d.Executed, x.Round, x.Closed)
		}
	}
	return ""
}

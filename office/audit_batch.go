package office

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/store"
)

// Batch-comparison audits in the office: each jurisdiction uploads its
// batch tallies (the reported votes per batch); once a round is drawn,
// the jurisdiction enters each sampled batch's hand tally as one or more
// tally sheets, each keeping who edited it last and its revisions, and
// finalizes the batch. The sum of the sheets of every finalized batch is
// the batch's reading for audit.Close (MACRO). Unfinalizing is a
// two-person request. docs/audits-in-the-office.md, "Batch comparison".

const kindAuditBatch = "audit-batch"

// maxSheets bounds a batch's tally sheets (one per stack or counting
// team; the bound keeps a batch's record small).
const maxSheets = 100

// Actions of batch audits, undoing rounds and declaring full hand counts.
const (
	ActEnterBatchTallies    Action = "audits.batches.enter"
	ActFinalizeBatch        Action = "audits.batches.finalize"
	ActRequestUnfinalize    Action = "audits.batches.unfinalize.request"
	ActApproveUnfinalize    Action = "audits.batches.unfinalize.approve"
	ActRequestUndoRound     Action = "audits.rounds.undo.request"
	ActApproveUndoRound     Action = "audits.rounds.undo.approve"
	ActRequestFullHandCount Action = "audits.hand-count.request"
	ActApproveFullHandCount Action = "audits.hand-count.approve"
)

// Two-person request kinds of batch audits and of audit decisions.
const (
	KindAuditUnfinalize    = "audit-batch-unfinalize"
	KindAuditUndoRound     = "audit-round-undo"
	KindAuditFullHandCount = "audit-full-hand-count"
)

// The permission matrix's rows for these actions live here, beside the
// code that checks them, so that the shared access.go need not change;
// PermissionTable and Permissions print and return them with the rest.
// Tally entry: the jurisdiction's audit-admin, or a member of an audit
// board of that jurisdiction and round (the people who count the paper);
// finalizing (a blocking, logged step) only the audit-admin.
func init() {
	for a, roles := range map[Action][]string{
		ActEnterBatchTallies:    {RoleAuditAdmin, RoleAuditBoard},
		ActFinalizeBatch:        {RoleAuditAdmin},
		ActRequestUnfinalize:    {RoleAuditAdmin},
		ActApproveUnfinalize:    {RoleOfficial, RoleAuditAdmin},
		ActRequestUndoRound:     {RoleAuditAdmin},
		ActApproveUndoRound:     {RoleOfficial, RoleAuditAdmin},
		ActRequestFullHandCount: {RoleAuditAdmin},
		ActApproveFullHandCount: {RoleOfficial, RoleAuditAdmin},
	} {
		permissions[a] = roles
	}
	requestKinds[KindAuditUnfinalize] = ActApproveUnfinalize
	requestKinds[KindAuditUndoRound] = ActApproveUndoRound
	requestKinds[KindAuditFullHandCount] = ActApproveFullHandCount
}

// ChoiceCounts are a contest's votes by choice name.
type ChoiceCounts map[string]int

// TallySheet is one tally sheet of a batch's hand count.
type TallySheet struct {
	Name     string                  `json:"name"`
	Contests map[string]ChoiceCounts `json:"contests"`
	// LastEditedBy is the account that entered the current revision.
	LastEditedBy string `json:"last_edited_by"`
	EditedAt     string `json:"edited_at"`
	Revision     int    `json:"revision"`
	Reason       string `json:"reason,omitempty"`
	// History holds the earlier revisions, oldest first (the log holds
	// them too).
	History []SheetRevision `json:"history,omitempty"`
}

// SheetRevision is an earlier revision of a tally sheet.
type SheetRevision struct {
	Revision int                     `json:"revision"`
	Contests map[string]ChoiceCounts `json:"contests"`
	By       string                  `json:"by"`
	At       string                  `json:"at"`
	Reason   string                  `json:"reason,omitempty"`
}

// AuditBatch is a sampled batch's hand count: its sheets and, once
// finalized, their sum.
type AuditBatch struct {
	Audit        string       `json:"audit"`
	Round        int          `json:"round"`
	Jurisdiction string       `json:"jurisdiction"`
	Batch        string       `json:"batch"`
	Sheets       []TallySheet `json:"sheets"`
	Finalized    bool         `json:"finalized"`
	FinalizedBy  string       `json:"finalized_by,omitempty"`
	FinalizedAt  string       `json:"finalized_at,omitempty"`
	// Tallies is the finalized sum of the sheets.
	Tallies map[string]ChoiceCounts `json:"tallies,omitempty"`
	// NotFound marks a batch finalized as not found, with the
	// jurisdiction's comment.
	NotFound bool   `json:"not_found,omitempty"`
	Comment  string `json:"comment,omitempty"`
	// Unfinalized counts executed unfinalizing requests.
	Unfinalized int `json:"unfinalized,omitempty"`
}

// batchRecID is the record id of a batch's hand count: batch names come
// from the manifest and may be long or contain anything, so they are
// hashed.
func batchRecID(a, j, batch string) string {
	h := sha256.Sum256([]byte(j + "\x00" + batch))
	return a + "/b/" + hex.EncodeToString(h[:16])
}

// unfinalizeAction is the action of an unfinalizing request.
type unfinalizeAction struct {
	Audit        string `json:"audit"`
	Round        int    `json:"round"`
	Jurisdiction string `json:"jurisdiction"`
	Batch        string `json:"batch"`
	Reason       string `json:"reason"`
}

// batchTalliesKind checks a batch tallies upload's type and format.
func batchTalliesKind(def *audit.Definition, format string) error {
	if def.Type != audit.BatchComparison {
		return badRequest("kind", "a %s audit takes no batch tallies", def.Type)
	}
	if format != "arlo" {
		return badRequest("format", "batch tallies are read in format \"arlo\" (a Batch Name column and one column per choice)")
	}
	return nil
}

// readTallies reads jurisdiction ji's batch tallies upload, if any.
func (o *Office) readTallies(def *audit.Definition, ji *audit.JurisdictionInput, uploads map[string]AuditUpload) (bool, error) {
	t, ok := uploads[ji.Name+"/batch-tallies"]
	if !ok {
		return false, nil
	}
	data, err := o.blobs.ReadAll(t.File.SHA256)
	if err != nil {
		return false, err
	}
	ji.Tallies, err = readBatchTallies(ji.Name+"/"+t.File.Name, data, def, ji.Name)
	return err == nil, err
}

// checkBatchUpload validates one jurisdiction's manifest and batch
// tallies together (audit.Prepare's checks: every manifest batch has one
// tally, no votes beyond the batch's ballots). The jurisdiction's tallies
// cannot add up to the audit's reported totals alone, so the check takes
// their own sum as the reported tally; the whole audit is checked against
// the reported totals before the seed.
func checkBatchUpload(sub *audit.Definition, in *audit.Inputs) error {
	d := *sub
	d.Contests = slices.Clone(sub.Contests)
	for i, c := range d.Contests {
		sum := make(rla.Counts, len(c.Reported))
		for k, cv := range c.Reported {
			sum[k].Name = cv.Name
		}
		for _, t := range in.Jurisdictions[0].Tallies {
			for _, cv := range t.Contests[c.Name] {
				if k := slices.IndexFunc(sum, func(x rla.CandidateVotes) bool { return x.Name == cv.Name }); k >= 0 {
					sum[k].Votes += cv.Votes
				}
			}
		}
		d.Contests[i].Reported = sum
	}
	// A jurisdiction with only opportunistic contests is still checked:
	// the definition needs its one targeted contest.
	if len(d.Contests) > 0 && !slices.ContainsFunc(d.Contests, func(c audit.ContestDefinition) bool { return c.Targeted }) {
		d.Contests[0].Targeted = true
	}
	_, err := audit.Prepare(&d, in)
	var ie audit.InputErrors
	if errors.As(err, &ie) {
		return auditError(err)
	}
	if err != nil && errors.Is(err, audit.ErrTie) {
		// A tie within one jurisdiction's share is no upload error.
		return nil
	}
	return auditError(err)
}

// drawnBatch is a batch a round drew for the first time.
type drawnBatch struct {
	sb      audit.SampledBatch
	tickets []string
}

// roundBatches lists the batches round n drew that no earlier round drew,
// in retrieval order (jurisdiction in definition order, container,
// batch), and indexes them by every ticket number.
func (o *Office) roundBatches(ctx context.Context, a *Audit, def *audit.Definition, n int) ([]*drawnBatch, map[string]*drawnBatch, error) {
	rounds, err := o.loadRounds(ctx, a, n)
	if err != nil {
		return nil, nil, err
	}
	earlier := map[[2]string]bool{}
	for _, r := range rounds[:n-1] {
		for _, b := range r.Batches {
			earlier[[2]string{b.Jurisdiction, b.Batch}] = true
		}
	}
	var list []*drawnBatch
	seen := map[[2]string]*drawnBatch{}
	byTicket := map[string]*drawnBatch{}
	for _, b := range rounds[n-1].Batches {
		k := [2]string{b.Jurisdiction, b.Batch}
		if earlier[k] {
			continue
		}
		d := seen[k]
		if d == nil {
			d = &drawnBatch{sb: b}
			seen[k] = d
			list = append(list, d)
		}
		d.tickets = append(d.tickets, b.Ticket)
		byTicket[b.Ticket] = d
	}
	jorder := map[string]int{}
	for i, j := range def.Jurisdictions {
		jorder[j.Name] = i
	}
	slices.SortStableFunc(list, func(x, y *drawnBatch) int {
		if d := jorder[x.sb.Jurisdiction] - jorder[y.sb.Jurisdiction]; d != 0 {
			return d
		}
		if c := strings.Compare(x.sb.Container, y.sb.Container); c != 0 {
			return c
		}
		return strings.Compare(x.sb.Batch, y.sb.Batch)
	})
	return list, byTicket, nil
}

// BatchView is a sampled batch as the API shows it: where to find it
// and its hand count, never its reported tally (the count is blind).
type BatchView struct {
	// Batch is the batch's first ticket number; any of Tickets names it
	// in the batch routes.
	Batch        string   `json:"batch"`
	Tickets      []string `json:"ticket_numbers"`
	Jurisdiction string   `json:"jurisdiction"`
	Name         string   `json:"name"`
	Container    string   `json:"container,omitempty"`
	Ballots      int      `json:"ballots"`
	Contests     []string `json:"contests"`
	// Choices are each contest's choice names, in the definition's
	// order (names only: the count is blind), for entry forms.
	Choices     map[string][]string `json:"choices"`
	Sheets      []TallySheet        `json:"sheets"`
	Finalized   bool                `json:"finalized"`
	FinalizedBy string              `json:"finalized_by,omitempty"`
	FinalizedAt string              `json:"finalized_at,omitempty"`
	// Tallies is the finalized hand count.
	Tallies  map[string]ChoiceCounts `json:"tallies,omitempty"`
	NotFound bool                    `json:"not_found,omitempty"`
	Comment  string                  `json:"comment,omitempty"`
	// Unfinalized counts executed unfinalizing requests: a changed
	// sheet then needs a reason.
	Unfinalized int `json:"unfinalized,omitempty"`
}

// mayEnterBatches checks that u may enter or read hand tallies of
// jurisdiction j in round n of audit a: its audit-admin, or a member of
// one of its boards of the round.
func (o *Office) mayEnterBatches(ctx context.Context, u *User, a *Audit, j string, n int) error {
	if !Allowed(u, ActEnterBatchTallies, countyOf(a, j)) {
		return forbidden("your roles or jurisdiction (%s) do not allow entering %s's batch tallies of audit %s", u.Jurisdiction, j, a.ID)
	}
	if u.HasRole(RoleAuditAdmin) {
		return nil
	}
	b, err := o.boardOf(ctx, u, a.ID)
	if err != nil {
		return err
	}
	if b.Jurisdiction != j || b.Round != n {
		return forbidden("you are a member of a board of %s in round %d, not of %s in round %d", b.Jurisdiction, b.Round, j, n)
	}
	return nil
}

// batchAudit loads audit id for a batch route and checks, before
// anything that depends on the audit's type or rounds (who may not act
// learns nothing about it), that u may do act in one of its
// jurisdictions (for tally entry by an audit-board account: is a member
// of one of its boards); read also lets through who may read the audit.
func (o *Office) batchAudit(ctx context.Context, u *User, id string, act Action, read bool) (*Audit, *audit.Definition, error) {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if read && Allowed(u, ActReadAudits, a.Jurisdiction) {
		return a, def, nil
	}
	some := false
	for _, j := range def.Jurisdictions {
		some = some || Allowed(u, act, countyOf(a, j.Name))
	}
	if some && !u.HasRole(RoleAuditAdmin) {
		_, err := o.boardOf(ctx, u, id)
		some = err == nil
	}
	if !some {
		return nil, nil, forbidden("your roles or jurisdiction (%s) do not allow %s on audit %s", u.Jurisdiction, act, id)
	}
	return a, def, nil
}

func needBatchAudit(def *audit.Definition) error {
	if def.Type != audit.BatchComparison {
		return badRequest("audit", "a %s audit has no batches; its boards read ballots", def.Type)
	}
	return nil
}

// RoundBatches lists the batches round n drew for the first time, with
// their hand counts: all of them for who may read the audit, those of
// the jurisdictions u may count otherwise.
func (o *Office) RoundBatches(ctx context.Context, u *User, id string, n int) ([]BatchView, error) {
	a, def, err := o.batchAudit(ctx, u, id, ActEnterBatchTallies, true)
	if err != nil {
		return nil, err
	}
	if err := needBatchAudit(def); err != nil {
		return nil, err
	}
	if n > a.Rounds {
		return nil, notFound("round", "audit %s has no round %d", id, n)
	}
	list, _, err := o.roundBatches(ctx, a, def, n)
	if err != nil {
		return nil, err
	}
	all := Allowed(u, ActReadAudits, a.Jurisdiction)
	out := []BatchView{}
	for _, d := range list {
		j := d.sb.Jurisdiction
		if !all && o.mayEnterBatches(ctx, u, a, j, n) != nil {
			continue
		}
		v, err := o.batchView(ctx, a, def, d)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// openBatch resolves ticket to a batch round n drew first, and checks
// that round n is open and u may count the batch's jurisdiction.
func (o *Office) openBatch(ctx context.Context, u *User, a *Audit, def *audit.Definition, n int, ticket string) (*drawnBatch, error) {
	if n > a.Rounds {
		return nil, notFound("round", "audit %s has no round %d", a.ID, n)
	}
	_, byTicket, err := o.roundBatches(ctx, a, def, n)
	if err != nil {
		return nil, err
	}
	d, ok := byTicket[ticket]
	if !ok {
		rd, err := o.loadRound(ctx, a, n)
		if err != nil {
			return nil, err
		}
		for _, b := range rd.Batches {
			if b.Ticket == ticket {
				if err := o.mayEnterBatches(ctx, u, a, b.Jurisdiction, n); err != nil {
					return nil, err
				}
				return nil, conflict("batch", "%s batch %q was drawn in an earlier round; its finalized tally stands", b.Jurisdiction, b.Batch)
			}
		}
		return nil, notFound("batch", "round %d of audit %s drew no batch with ticket number %q", n, a.ID, ticket)
	}
	if err := o.mayEnterBatches(ctx, u, a, d.sb.Jurisdiction, n); err != nil {
		return nil, err
	}
	if a.Closed >= n {
		return nil, conflict("round", "round %d is closed", n)
	}
	return d, nil
}

// validSheetName accepts 1 to 64 bytes of printable UTF-8 without
// leading or trailing space.
func validSheetName(s string) bool {
	if s == "" || len(s) > 64 || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// validSheet checks a tally sheet's counts: every contest of the
// jurisdiction with every choice, nothing else.
func validSheet(def *audit.Definition, j string, contests map[string]ChoiceCounts) error {
	want := jurisdictionContests(def, j)
	for name := range contests {
		if !slices.ContainsFunc(want, func(c audit.ContestDefinition) bool { return c.Name == name }) {
			return badRequest("contests", "contest %q is not audited in %s; the contests are %s", name, j, strings.Join(contestsOf(def, j), ", "))
		}
	}
	for _, c := range want {
		counts, ok := contests[c.Name]
		if !ok {
			return badRequest("contests", "give the counts of contest %q (zeros if the sheet has none)", c.Name)
		}
		for ch, v := range counts {
			if !slices.ContainsFunc(c.Reported, func(x rla.CandidateVotes) bool { return x.Name == ch }) {
				return badRequest("contests", "contest %q has no choice %q; the choices are %s", c.Name, ch, strings.Join(choiceNames(c), ", "))
			}
			if v < 0 || v > 1_000_000_000 {
				return badRequest("contests", "%s, %s: %d is not a count of votes (0 to 1000000000)", c.Name, ch, v)
			}
		}
		for _, ch := range choiceNames(c) {
			if _, ok := counts[ch]; !ok {
				return badRequest("contests", "%s: give a count for choice %q (0 if it has none)", c.Name, ch)
			}
		}
	}
	return nil
}

func choiceNames(c audit.ContestDefinition) []string {
	out := make([]string, len(c.Reported))
	for i, cv := range c.Reported {
		out[i] = cv.Name
	}
	return out
}

func canonJSON(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	canon, err := ledger.Canonicalize(raw)
	return string(canon), err
}

// PutSheet enters or changes tally sheet sheet of the batch with ticket
// number ticket, drawn first in round n. Refused once the batch is
// finalized; after an unfinalizing a changed sheet needs a reason.
func (o *Office) PutSheet(ctx context.Context, u *User, id string, n int, ticket, sheet string, contests map[string]ChoiceCounts, reason string) (*BatchView, error) {
	_, def, err := o.batchAudit(ctx, u, id, ActEnterBatchTallies, false)
	if err != nil {
		return nil, err
	}
	if err := needBatchAudit(def); err != nil {
		return nil, err
	}
	if !validSheetName(sheet) {
		return nil, badRequest("sheet", "a sheet name is 1 to 64 printable characters without leading or trailing space")
	}
	if len(reason) > 1000 || !utf8.ValidString(reason) {
		return nil, badRequest("reason", "at most 1000 bytes of UTF-8")
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	a, _, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	d, err := o.openBatch(ctx, u, a, def, n, ticket)
	if err != nil {
		return nil, err
	}
	if err := validSheet(def, d.sb.Jurisdiction, contests); err != nil {
		return nil, err
	}
	var b AuditBatch
	if err := getJSON(ctx, o.st, kindAuditBatch, batchRecID(id, d.sb.Jurisdiction, d.sb.Batch), &b); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if b.Finalized {
		return nil, conflict("batch", "%s batch %q is finalized (by %s); a change needs it unfinalized by a two-person request", d.sb.Jurisdiction, d.sb.Batch, b.FinalizedBy)
	}
	exists := slices.ContainsFunc(b.Sheets, func(s TallySheet) bool { return s.Name == sheet })
	if !exists && len(b.Sheets) >= maxSheets {
		return nil, conflict("sheet", "%s batch %q has %d tally sheets, the most a batch can have; change one of them", d.sb.Jurisdiction, d.sb.Batch, maxSheets)
	}
	if b.Unfinalized > 0 && exists && strings.TrimSpace(reason) == "" {
		return nil, badRequest("reason", "the batch was unfinalized: say why this sheet changes (a new revision; the old one stays in the log)")
	}
	canon, err := canonJSON(contests)
	if err != nil {
		return nil, err
	}
	p := map[string]any{"audit": id, "round": int64(n), "jurisdiction": d.sb.Jurisdiction, "batch": d.sb.Batch, "sheet": sheet, "contests": canon}
	if reason != "" {
		p["reason"] = reason
	}
	if _, err := o.commit(ctx, ledger.Event{Type: "audit-batch-sheet", UserID: u.Name, Payload: p}); err != nil {
		return nil, err
	}
	return o.batchView(ctx, a, def, d)
}

func (o *Office) batchView(ctx context.Context, a *Audit, def *audit.Definition, d *drawnBatch) (*BatchView, error) {
	j := d.sb.Jurisdiction
	v := &BatchView{Batch: d.tickets[0], Tickets: d.tickets, Jurisdiction: j, Name: d.sb.Batch, Container: d.sb.Container,
		Ballots: d.sb.Ballots, Contests: contestsOf(def, j), Choices: map[string][]string{}, Sheets: []TallySheet{}}
	for _, c := range jurisdictionContests(def, j) {
		v.Choices[c.Name] = choiceNames(c)
	}
	var b AuditBatch
	if err := getJSON(ctx, o.st, kindAuditBatch, batchRecID(a.ID, j, d.sb.Batch), &b); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return v, nil
		}
		return nil, err
	}
	v.Sheets, v.Finalized, v.FinalizedBy, v.FinalizedAt, v.Tallies = b.Sheets, b.Finalized, b.FinalizedBy, b.FinalizedAt, b.Tallies
	v.NotFound, v.Comment, v.Unfinalized = b.NotFound, b.Comment, b.Unfinalized
	return v, nil
}

// votesAllowed is how many choices one ballot may mark in contest c.
func votesAllowed(c audit.ContestDefinition) int {
	switch c.Kind {
	case audit.Approval:
		return max(len(c.Reported), 1)
	case audit.VoteForN:
		if c.VotesAllowed > 0 {
			return c.VotesAllowed
		}
		return max(c.Winners, 1)
	}
	return 1
}

// FinalizeBatch finalizes the hand count of the batch with ticket number
// ticket: the sum of its sheets becomes its reading, and the sheets can
// no longer change. It needs at least one sheet and no more votes than
// the batch's ballots allow. With notFound the batch could not be found
// (a comment says what was done to look for it): it is counted the worst
// way, whatever sheets it has.
func (o *Office) FinalizeBatch(ctx context.Context, u *User, id string, n int, ticket string, notFound bool, comment string) (*BatchView, error) {
	_, def, err := o.batchAudit(ctx, u, id, ActFinalizeBatch, false)
	if err != nil {
		return nil, err
	}
	if err := needBatchAudit(def); err != nil {
		return nil, err
	}
	if len(comment) > 1000 || !utf8.ValidString(comment) {
		return nil, badRequest("comment", "at most 1000 bytes of UTF-8")
	}
	if notFound && strings.TrimSpace(comment) == "" {
		return nil, badRequest("comment", "say what was done to find the batch")
	}
	if !notFound && comment != "" {
		return nil, badRequest("comment", "a comment goes with not_found; a counted batch's sheets carry its counts")
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	a, _, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	d, err := o.openBatch(ctx, u, a, def, n, ticket)
	if err != nil {
		return nil, err
	}
	j := d.sb.Jurisdiction
	if !Allowed(u, ActFinalizeBatch, countyOf(a, j)) {
		return nil, forbidden("your roles do not allow finalizing batch tallies; an audit-admin of %s finalizes", j)
	}
	var b AuditBatch
	if err := getJSON(ctx, o.st, kindAuditBatch, batchRecID(id, j, d.sb.Batch), &b); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if b.Finalized {
		return nil, conflict("batch", "%s batch %q is already finalized (by %s)", j, d.sb.Batch, b.FinalizedBy)
	}
	p := map[string]any{"audit": id, "round": int64(n), "jurisdiction": j, "batch": d.sb.Batch, "sheets": int64(len(b.Sheets)), "tallies": "{}"}
	if notFound {
		p["status"], p["comment"] = "not-found", comment
		if _, err := o.commit(ctx, ledger.Event{Type: "audit-batch-finalized", UserID: u.Name, Payload: p}); err != nil {
			return nil, err
		}
		return o.batchView(ctx, a, def, d)
	}
	if len(b.Sheets) == 0 {
		return nil, conflict("batch", "%s batch %q has no tally sheet; enter one before finalizing", j, d.sb.Batch)
	}
	sum := sumSheets(b.Sheets)
	for _, c := range jurisdictionContests(def, j) {
		total := 0
		for _, v := range sum[c.Name] {
			total += v
		}
		if limit := d.sb.Ballots * votesAllowed(c); total > limit {
			return nil, conflict("batch", "%s batch %q: the sheets give contest %q %d votes, more than its %d ballots allow; correct the sheets", j, d.sb.Batch, c.Name, total, d.sb.Ballots)
		}
	}
	canon, err := canonJSON(sum)
	if err != nil {
		return nil, err
	}
	p["tallies"] = canon
	if _, err := o.commit(ctx, ledger.Event{Type: "audit-batch-finalized", UserID: u.Name, Payload: p}); err != nil {
		return nil, err
	}
	return o.batchView(ctx, a, def, d)
}

func sumSheets(sheets []TallySheet) map[string]ChoiceCounts {
	sum := map[string]ChoiceCounts{}
	for _, s := range sheets {
		for c, counts := range s.Contests {
			if sum[c] == nil {
				sum[c] = ChoiceCounts{}
			}
			for ch, v := range counts {
				sum[c][ch] += v
			}
		}
	}
	return sum
}

// RequestUnfinalize asks to unfinalize a finalized batch of the open
// round: a two-person request.
func (o *Office) RequestUnfinalize(ctx context.Context, u *User, id string, n int, ticket, reason string) (*RequestView, error) {
	_, def, err := o.auditFor(ctx, u, id, "", ActRequestUnfinalize)
	if err != nil {
		return nil, err
	}
	if err := needBatchAudit(def); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" || len(reason) > 1000 || !utf8.ValidString(reason) {
		return nil, badRequest("reason", "say why the batch is unfinalized (1 to 1000 bytes)")
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	a, _, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	if n > a.Rounds {
		return nil, notFound("round", "audit %s has no round %d", id, n)
	}
	_, byTicket, err := o.roundBatches(ctx, a, def, n)
	if err != nil {
		return nil, err
	}
	d, ok := byTicket[ticket]
	if !ok {
		return nil, notFound("batch", "round %d of audit %s drew no new batch with ticket number %q", n, id, ticket)
	}
	x := unfinalizeAction{Audit: id, Round: n, Jurisdiction: d.sb.Jurisdiction, Batch: d.sb.Batch, Reason: reason}
	if err := o.unfinalizeAllowed(ctx, &x); err != nil {
		return nil, err
	}
	return o.newRequest(ctx, u, KindAuditUnfinalize, a.Jurisdiction, x)
}

func (o *Office) unfinalizeAllowed(ctx context.Context, x *unfinalizeAction) error {
	a, _, err := o.audit(ctx, x.Audit)
	if err != nil {
		return err
	}
	if a.Closed >= x.Round || a.Rounds < x.Round {
		return conflict("round", "round %d is not open; only the batches of the open round can be unfinalized", x.Round)
	}
	var b AuditBatch
	if err := getJSON(ctx, o.st, kindAuditBatch, batchRecID(x.Audit, x.Jurisdiction, x.Batch), &b); err != nil || !b.Finalized || b.Round != x.Round {
		return conflict("batch", "%s batch %q of round %d is not finalized", x.Jurisdiction, x.Batch, x.Round)
	}
	return nil
}

// closeBatchRound closes round n of a batch-comparison audit from the
// finalized hand tallies of every batch drawn so far.
func (o *Office) closeBatchRound(ctx context.Context, u *User, id string, n int) (*CloseView, error) {
	ctx, unlock := o.lock(ctx)
	defer unlock()
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	if n != a.Rounds || a.Closed >= n {
		return nil, conflict("round", "round %d is not the open round", n)
	}
	prep, err := o.prepare(ctx, a, def)
	if err != nil {
		return nil, err
	}
	rounds, err := o.loadRounds(ctx, a, n)
	if err != nil {
		return nil, err
	}
	readings := &audit.Readings{}
	seen := map[[2]string]bool{}
	for _, r := range rounds {
		for _, sb := range r.Batches {
			k := [2]string{sb.Jurisdiction, sb.Batch}
			if seen[k] {
				continue
			}
			seen[k] = true
			var b AuditBatch
			if err := getJSON(ctx, o.st, kindAuditBatch, batchRecID(id, sb.Jurisdiction, sb.Batch), &b); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if !b.Finalized {
				return nil, conflict("round", "%s batch %q (ticket %s) has no finalized hand tally; enter its tally sheets and finalize it", sb.Jurisdiction, sb.Batch, sb.Ticket)
			}
			if b.NotFound {
				readings.Batches = append(readings.Batches, audit.BatchReading{Jurisdiction: sb.Jurisdiction, Batch: sb.Batch, NotFound: true, Comment: b.Comment})
				continue
			}
			br := audit.BatchReading{Jurisdiction: sb.Jurisdiction, Batch: sb.Batch, Tallies: map[string]rla.Counts{}}
			for _, c := range jurisdictionContests(def, sb.Jurisdiction) {
				for _, ch := range choiceNames(c) {
					br.Tallies[c.Name] = append(br.Tallies[c.Name], rla.CandidateVotes{Name: ch, Votes: b.Tallies[c.Name][ch]})
				}
			}
			readings.Batches = append(readings.Batches, br)
		}
	}
	res, err := prep.Close(rounds, readings)
	if err != nil {
		return nil, auditError(err)
	}
	if err := o.commitClose(ctx, u, a, def, n, res); err != nil {
		return nil, err
	}
	return closeView(res), nil
}

// commitClose stores a round's result and logs the close.
func (o *Office) commitClose(ctx context.Context, u *User, a *Audit, def *audit.Definition, n int, res *audit.RoundResult) error {
	raw, err := json.Marshal(res)
	if err != nil {
		return err
	}
	ref, err := o.blobs.PutBytes(raw)
	if err != nil {
		return err
	}
	outcome := "another-round"
	if done, err := o.closeDone(ctx, a, def, res); err != nil {
		return err
	} else if done {
		outcome = "done"
	}
	f := FileRef{Name: fmt.Sprintf("round-%d-result.json", n), SHA256: ref.SHA256, Size: ref.Size}
	_, err = o.commit(ctx, ledger.Event{Type: "audit-round-closed", UserID: u.Name, Payload: map[string]any{
		"audit": a.ID, "round": int64(n), "result": fileVal(f), "outcome": outcome}})
	return err
}

// projectAuditBatch applies the batch events to batch b's record.
func projectAuditBatch(ctx context.Context, r reader, e ledger.Event, p *payloadReader, at string) ([]store.Record, error) {
	id, j, batch, round := p.str("audit"), p.str("jurisdiction"), p.str("batch"), int(p.count("round"))
	if p.err != nil {
		return nil, p.err
	}
	rid := batchRecID(id, j, batch)
	var b AuditBatch
	if err := getJSON(ctx, r, kindAuditBatch, rid, &b); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		b = AuditBatch{Audit: id, Round: round, Jurisdiction: j, Batch: batch, Sheets: []TallySheet{}}
	}
	switch e.Type {
	case "audit-batch-sheet":
		var counts map[string]ChoiceCounts
		if err := decodeExact(p.str("contests"), &counts); err != nil {
			return nil, fmt.Errorf("audit-batch-sheet contests: %w", err)
		}
		s := TallySheet{Name: p.str("sheet"), Contests: counts, LastEditedBy: e.UserID, EditedAt: at, Revision: 1, Reason: p.optStr("reason")}
		if k := slices.IndexFunc(b.Sheets, func(x TallySheet) bool { return x.Name == s.Name }); k >= 0 {
			old := b.Sheets[k]
			s.History = append(old.History, SheetRevision{Revision: old.Revision, Contests: old.Contests, By: old.LastEditedBy, At: old.EditedAt, Reason: old.Reason})
			s.Revision = old.Revision + 1
			b.Sheets[k] = s
		} else {
			b.Sheets = append(b.Sheets, s)
		}
	case "audit-batch-finalized":
		var sum map[string]ChoiceCounts
		if err := decodeExact(p.str("tallies"), &sum); err != nil {
			return nil, fmt.Errorf("audit-batch-finalized tallies: %w", err)
		}
		b.Finalized, b.FinalizedBy, b.FinalizedAt, b.Tallies = true, e.UserID, at, sum
		b.NotFound, b.Comment = p.optStr("status") == "not-found", p.optStr("comment")
		if b.NotFound {
			b.Tallies = nil
		}
	}
	return []store.Record{rec(kindAuditBatch, rid, roundID(id, b.Round), b)}, p.err
}

func decodeExact(s string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// projectUnfinalize applies an executed unfinalizing request.
func projectUnfinalize(ctx context.Context, r reader, q *Request) ([]store.Record, error) {
	var x unfinalizeAction
	if err := json.Unmarshal([]byte(q.Action), &x); err != nil {
		return nil, err
	}
	rid := batchRecID(x.Audit, x.Jurisdiction, x.Batch)
	var b AuditBatch
	if err := getJSON(ctx, r, kindAuditBatch, rid, &b); err != nil {
		return nil, err
	}
	b.Finalized, b.FinalizedBy, b.FinalizedAt, b.Tallies = false, "", "", nil
	b.NotFound, b.Comment = false, ""
	b.Unfinalized++
	return []store.Record{rec(kindAuditBatch, rid, roundID(b.Audit, b.Round), b)}, nil
}

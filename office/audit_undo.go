package office

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/store"
)

// Undoing a round and declaring a full hand count: two-person requests
// (other tools let one administrator do these silently). Both are kept
// in the audit's decisions, which the public report shows.

// kindAuditDecisions holds an audit's decisions, one record per audit.
const kindAuditDecisions = "audit-decisions"

// AuditDecisions are the two-person decisions taken on an audit, in the
// order they executed, and the contests sent to a full hand count.
type AuditDecisions struct {
	Audit         string           `json:"audit"`
	Decisions     []audit.Decision `json:"decisions"`
	FullHandCount []string         `json:"full_hand_count,omitempty"`
}

type undoAction struct {
	Audit  string `json:"audit"`
	Round  int    `json:"round"`
	Closed bool   `json:"closed"`
	Reason string `json:"reason"`
}

type handCountAction struct {
	Audit    string   `json:"audit"`
	Contests []string `json:"contests"`
	Rounds   int      `json:"rounds"`
	Reason   string   `json:"reason"`
}

func validReason(reason, what string) error {
	if strings.TrimSpace(reason) == "" || len(reason) > 1000 || !utf8.ValidString(reason) {
		return badRequest("reason", "say why %s (1 to 1000 bytes of UTF-8)", what)
	}
	return nil
}

// RequestUndoRound asks to undo round n: its draw, boards, readings and
// batch tallies leave the current state (the log keeps them) and the
// round can be drawn again. Only the last round can be undone; a closed
// round only when it is the last one.
func (o *Office) RequestUndoRound(ctx context.Context, u *User, id string, n int, reason string) (*RequestView, error) {
	_, _, err := o.auditFor(ctx, u, id, "", ActRequestUndoRound)
	if err != nil {
		return nil, err
	}
	if err := validReason(reason, "the round is undone"); err != nil {
		return nil, err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	a, _, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	x := undoAction{Audit: id, Round: n, Closed: a.Closed >= n, Reason: reason}
	if err := o.undoAllowed(ctx, &x); err != nil {
		return nil, err
	}
	return o.newRequest(ctx, u, KindAuditUndoRound, a.Jurisdiction, x)
}

// undoAllowed checks an undo against the current state; the state when
// it executes must be the one it was requested in (same last round, open
// or closed as it was).
func (o *Office) undoAllowed(ctx context.Context, x *undoAction) error {
	a, _, err := o.audit(ctx, x.Audit)
	if err != nil {
		return err
	}
	switch {
	case a.Rounds == 0 || x.Round > a.Rounds:
		return conflict("round", "audit %s has no round %d", x.Audit, x.Round)
	case x.Round < a.Rounds:
		return conflict("round", "round %d is not the last round (%d); only the last round can be undone, and a closed round only when it is the last", x.Round, a.Rounds)
	case (a.Closed >= x.Round) != x.Closed:
		return conflict("round", "round %d was closed after the undo was requested; make a new request", x.Round)
	}
	return nil
}

// RequestFullHandCount asks to send contests to a full hand count.
func (o *Office) RequestFullHandCount(ctx context.Context, u *User, id string, contests []string, reason string) (*RequestView, error) {
	_, def, err := o.auditFor(ctx, u, id, "", ActRequestFullHandCount)
	if err != nil {
		return nil, err
	}
	if err := validReason(reason, "the contests go to a full hand count"); err != nil {
		return nil, err
	}
	if len(contests) == 0 || len(contests) > len(def.Contests) {
		return nil, badRequest("contests", "name 1 to %d of the audit's contests", len(def.Contests))
	}
	for i, c := range contests {
		if !slices.ContainsFunc(def.Contests, func(x audit.ContestDefinition) bool { return x.Name == c }) {
			return nil, badRequest("contests", "audit %s has no contest %q", id, c)
		}
		if slices.Contains(contests[:i], c) {
			return nil, badRequest("contests", "contest %q is named twice", c)
		}
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	a, _, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	x := handCountAction{Audit: id, Contests: slices.Clone(contests), Rounds: a.Rounds, Reason: reason}
	if err := o.handCountAllowed(ctx, &x); err != nil {
		return nil, err
	}
	return o.newRequest(ctx, u, KindAuditFullHandCount, a.Jurisdiction, x)
}

func (o *Office) handCountAllowed(ctx context.Context, x *handCountAction) error {
	d, err := o.auditDecisions(ctx, x.Audit)
	if err != nil {
		return err
	}
	for _, c := range x.Contests {
		if slices.Contains(d.FullHandCount, c) {
			return conflict("contests", "contest %q already goes to a full hand count", c)
		}
	}
	return nil
}

func (o *Office) auditDecisions(ctx context.Context, id string) (*AuditDecisions, error) {
	return loadDecisions(ctx, o.st, id)
}

func loadDecisions(ctx context.Context, r reader, id string) (*AuditDecisions, error) {
	d := &AuditDecisions{Audit: id, Decisions: []audit.Decision{}}
	if err := getJSON(ctx, r, kindAuditDecisions, id, d); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return d, nil
}

// checkAuditDecisionRequest re-checks a batch, undo or hand-count request
// when its second signature arrives.
func (o *Office) checkAuditDecisionRequest(ctx context.Context, q *Request) error {
	switch q.Kind {
	case KindAuditUnfinalize:
		var x unfinalizeAction
		if err := json.Unmarshal([]byte(q.Action), &x); err != nil {
			return err
		}
		return o.unfinalizeAllowed(ctx, &x)
	case KindAuditUndoRound:
		var x undoAction
		if err := json.Unmarshal([]byte(q.Action), &x); err != nil {
			return err
		}
		return o.undoAllowed(ctx, &x)
	case KindAuditFullHandCount:
		var x handCountAction
		if err := json.Unmarshal([]byte(q.Action), &x); err != nil {
			return err
		}
		return o.handCountAllowed(ctx, &x)
	}
	return nil
}

// closeDone reports whether closing a round with result res ends the
// audit: every targeted contest decided by the math or sent to a full
// hand count by a declaration.
func (o *Office) closeDone(ctx context.Context, a *Audit, def *audit.Definition, res *audit.RoundResult) (bool, error) {
	if res.Done {
		return true, nil
	}
	d, err := o.auditDecisions(ctx, a.ID)
	if err != nil {
		return false, err
	}
	return undecidedDeclared(def, res, d.FullHandCount), nil
}

// undecidedDeclared reports whether every targeted contest that res
// leaves undecided (all of them without a result) is in declared.
func undecidedDeclared(def *audit.Definition, res *audit.RoundResult, declared []string) bool {
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

// viewDecisions adds the decisions to an audit's view; an audit whose
// targeted contests are all decided or declared shows as done.
func (o *Office) viewDecisions(ctx context.Context, v *AuditView, def *audit.Definition) error {
	d, err := o.auditDecisions(ctx, v.ID)
	if err != nil {
		return err
	}
	v.Decisions = d.Decisions
	if !v.Done && v.Rounds == v.Closed && len(d.FullHandCount) > 0 {
		var oe *Error
		err := o.handCountEnds(ctx, &v.Audit, def)
		if errors.As(err, &oe) && oe.Status == http.StatusConflict {
			v.Done = true
		} else if err != nil {
			return err
		}
	}
	return nil
}

// handCountEnds refuses a new round when declarations have left no
// targeted contest to sample.
func (o *Office) handCountEnds(ctx context.Context, a *Audit, def *audit.Definition) error {
	d, err := o.auditDecisions(ctx, a.ID)
	if err != nil || len(d.FullHandCount) == 0 {
		return err
	}
	var res *audit.RoundResult
	if a.Closed > 0 {
		if res, err = o.loadResult(ctx, a, a.Closed); err != nil {
			return err
		}
	}
	if undecidedDeclared(def, res, d.FullHandCount) {
		return conflict("round", "every targeted contest is decided or goes to a full hand count (%s); the audit is done", strings.Join(d.FullHandCount, ", "))
	}
	return nil
}

// projectAuditDecision applies an executed batch, undo or hand-count
// request; ok is false for other kinds.
func projectAuditDecision(ctx context.Context, r reader, q *Request) (recs []store.Record, ok bool, err error) {
	switch q.Kind {
	case KindAuditUnfinalize:
		recs, err = projectUnfinalize(ctx, r, q)
		return recs, true, err
	case KindAuditUndoRound:
		recs, err = projectUndo(ctx, r, q)
		return recs, true, err
	case KindAuditFullHandCount:
		var x handCountAction
		if err := json.Unmarshal([]byte(q.Action), &x); err != nil {
			return nil, true, err
		}
		d, err := loadDecisions(ctx, r, x.Audit)
		if err != nil {
			return nil, true, err
		}
		d.Decisions = append(d.Decisions, decisionOf(q, audit.DecisionFullHandCount, x.Rounds, false, x.Contests, x.Reason))
		d.FullHandCount = append(d.FullHandCount, x.Contests...)
		return []store.Record{rec(kindAuditDecisions, x.Audit, "", d)}, true, nil
	}
	return nil, false, nil
}

func decisionOf(q *Request, kind string, round int, closed bool, contests []string, reason string) audit.Decision {
	d := audit.Decision{Kind: kind, Round: round, Closed: closed, Contests: contests, Reason: reason, Request: q.ID, RequestedBy: q.RequestedBy}
	d.Signers = []string{}
	for _, s := range q.Signatures {
		d.Signers = append(d.Signers, s.Signer)
		if s.Signer != q.RequestedBy && d.ApprovedBy == "" {
			d.ApprovedBy = s.Signer
		}
	}
	return d
}

// projectUndo deletes round n's draw, result, boards (and their
// memberships), readings and batch tallies from the projection. The log
// keeps every one of them.
func projectUndo(ctx context.Context, r reader, q *Request) ([]store.Record, error) {
	var x undoAction
	if err := json.Unmarshal([]byte(q.Action), &x); err != nil {
		return nil, err
	}
	var a Audit
	if err := getJSON(ctx, r, kindAudit, x.Audit, &a); err != nil {
		return nil, err
	}
	del := func(kind, id string) store.Record { return store.Record{Kind: kind, ID: id} }
	recs := []store.Record{del(kindAuditRound, roundID(x.Audit, x.Round))}
	for _, kind := range []string{kindAuditReading, kindAuditBatch} {
		list, err := r.List(ctx, kind, roundID(x.Audit, x.Round))
		if err != nil {
			return nil, err
		}
		for _, rc := range list {
			recs = append(recs, del(kind, rc.ID))
		}
	}
	var boards []AuditBoard
	if err := listJSON(ctx, r, kindAuditBoard, x.Audit, &boards); err != nil {
		return nil, err
	}
	for _, b := range boards {
		if b.Round == x.Round {
			recs = append(recs, del(kindAuditBoard, b.ID))
			for _, acct := range b.Accounts {
				recs = append(recs, del(kindAuditMember, acct))
			}
		}
	}
	a.Rounds = x.Round - 1
	if a.Closed >= x.Round {
		a.Closed = x.Round - 1
	}
	a.Done = false
	d, err := loadDecisions(ctx, r, x.Audit)
	if err != nil {
		return nil, err
	}
	d.Decisions = append(d.Decisions, decisionOf(q, audit.DecisionUndoRound, x.Round, x.Closed, nil, x.Reason))
	return append(recs, rec(kindAudit, a.ID, "", a), rec(kindAuditDecisions, x.Audit, "", d)), nil
}

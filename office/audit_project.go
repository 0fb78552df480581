package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/store"
)

// isAuditEvent reports whether projectAudit applies events of type t.
func isAuditEvent(t string) bool {
	return strings.HasPrefix(t, "audit-") && t != "audit-board-entry"
}

func (p *payloadReader) count(k string) int64 {
	n, ok := p.m[k].(int64)
	if !ok {
		p.fail(k)
	}
	return n
}

func (p *payloadReader) optStr(k string) string {
	if _, ok := p.m[k]; !ok {
		return ""
	}
	return p.str(k)
}

// projectAudit is project for the audit events: like project, it reads
// only the state before the event and the event.
func projectAudit(ctx context.Context, r reader, e ledger.Event, p *payloadReader, at string) ([]store.Record, error) {
	id := p.str("audit")
	if p.err != nil {
		return nil, p.err
	}
	var a Audit
	if e.Type != "audit-created" {
		if err := getJSON(ctx, r, kindAudit, id, &a); err != nil {
			return nil, fmt.Errorf("audit %s: %w", id, err)
		}
	}
	switch e.Type {
	case "audit-batch-sheet", "audit-batch-finalized":
		return projectAuditBatch(ctx, r, e, p, at)
	case "audit-created":
		a = Audit{ID: id, Election: p.str("election"), Jurisdiction: p.str("jurisdiction"),
			Definition: p.str("definition"), CreatedBy: e.UserID, CreatedAt: at}
		return []store.Record{rec(kindAudit, id, "", a)}, p.err
	case "audit-upload":
		u := AuditUpload{Audit: id, Jurisdiction: p.str("jurisdiction"), Kind: p.str("kind"), Format: p.str("format"),
			File: p.file("file"), UploadedBy: e.UserID, Index: int64(e.Sequence)}
		a.LastUpload = int64(e.Sequence)
		return []store.Record{rec(kindAudit, id, "", a), rec(kindAuditUpload, id+"/"+u.Jurisdiction+"/"+u.Kind, id, u)}, p.err
	case "audit-round-drawn":
		rd := AuditRound{Audit: id, Round: int(p.count("round")), Skip: int(p.count("skip")), Count: int(p.count("count")), Sample: p.file("sample")}
		a.Rounds = rd.Round
		return []store.Record{rec(kindAudit, id, "", a), rec(kindAuditRound, roundID(id, rd.Round), id, rd)}, p.err
	case "audit-board-created":
		b := AuditBoard{ID: p.str("board"), Audit: id, Jurisdiction: p.str("jurisdiction"), Round: int(p.count("round")),
			Members: p.strs("members"), Accounts: p.strs("accounts"), Seq: int64(e.Sequence), SignedBy: []string{}}
		aj := p.str("account_jurisdiction")
		recs := []store.Record{rec(kindAuditBoard, b.ID, id, b)}
		for _, acct := range b.Accounts {
			recs = append(recs, rec(kindUser, acct, "", User{Name: acct, Roles: []string{RoleAuditBoard}, Jurisdiction: aj, Status: "pending"}),
				rec(kindAuditMember, acct, id, auditMember{Account: acct, Board: b.ID, Audit: id}))
		}
		return recs, p.err
	case "audit-reading":
		round := int(p.count("round"))
		key := p.str("ballot")
		rid := id + "/" + key
		var old AuditReading
		if err := getJSON(ctx, r, kindAuditReading, rid, &old); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		rd := AuditReading{Audit: id, Round: round, Board: p.str("board"), Ballot: json.RawMessage(key),
			Readings: json.RawMessage(p.str("readings")), By: e.UserID, At: at, Revision: old.Revision + 1, Reason: p.optStr("reason")}
		return []store.Record{rec(kindAuditReading, rid, roundID(id, round), rd)}, p.err
	case "audit-board-signed":
		var b AuditBoard
		if err := getJSON(ctx, r, kindAuditBoard, p.str("board"), &b); err != nil {
			return nil, err
		}
		if !slices.Contains(b.SignedBy, e.UserID) {
			b.SignedBy = append(b.SignedBy, e.UserID)
		}
		b.SignedOff = len(b.SignedBy) == len(b.Accounts)
		return []store.Record{rec(kindAuditBoard, b.ID, id, b)}, p.err
	case "audit-round-closed":
		n := int(p.count("round"))
		var rd AuditRound
		if err := getJSON(ctx, r, kindAuditRound, roundID(id, n), &rd); err != nil {
			return nil, err
		}
		res := p.file("result")
		rd.Result = &res
		rd.Done = p.str("outcome") == "done"
		a.Closed = n
		a.Done = rd.Done
		return []store.Record{rec(kindAudit, id, "", a), rec(kindAuditRound, roundID(id, n), id, rd)}, p.err
	}
	return nil, fmt.Errorf("the office does not apply events of type %q", e.Type)
}

// projectAuditRequest applies an executed audit request.
func projectAuditRequest(ctx context.Context, r reader, q *Request) ([]store.Record, error) {
	switch q.Kind {
	case KindAuditSeed:
		var s seedAction
		if err := json.Unmarshal([]byte(q.Action), &s); err != nil {
			return nil, err
		}
		var a Audit
		if err := getJSON(ctx, r, kindAudit, s.Audit, &a); err != nil {
			return nil, err
		}
		a.Seed, a.SeedRequest, a.RolledBy, a.Witnesses = s.Seed, q.ID, s.RolledBy, s.Witnesses
		return []store.Record{rec(kindAudit, a.ID, "", a)}, nil
	case KindAuditReopen:
		var x reopenAction
		if err := json.Unmarshal([]byte(q.Action), &x); err != nil {
			return nil, err
		}
		var b AuditBoard
		if err := getJSON(ctx, r, kindAuditBoard, x.Board, &b); err != nil {
			return nil, err
		}
		b.SignedBy, b.SignedOff = []string{}, false
		b.Reopened++
		return []store.Record{rec(kindAuditBoard, b.ID, b.Audit, b)}, nil
	}
	if recs, ok, err := projectAuditDecision(ctx, r, q); ok {
		return recs, err
	}
	return nil, fmt.Errorf("unknown request kind %q", q.Kind)
}

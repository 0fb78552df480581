package verify

// The audit record of an evidence package (evidence.json "audits", claim
// 4): what the log says about each risk-limiting audit of the election,
// derived from the audit events (ledger/events_audit.go) and the audit
// requests, and the files those events commit to.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/ledger"
)

// Audit is an audit of the election, as the log records it: its
// definition, every upload, the seed, every round with its sample, board
// readings and result, and every board.
type Audit struct {
	ID    string `json:"id"`
	Entry uint64 `json:"entry"`
	// CreatedBy is the audit-admin; Jurisdiction the office jurisdiction
	// running it.
	CreatedBy    string `json:"created_by"`
	Jurisdiction string `json:"jurisdiction"`
	// Definition is the audit definition (package audit) exactly as the
	// audit-created event logs it.
	Definition json.RawMessage `json:"definition"`
	// Uploads are every manifest and CVR upload in log order; a later
	// upload of the same jurisdiction and kind replaces an earlier one.
	Uploads []AuditUpload `json:"uploads"`
	// Seeds are the executed seed requests (the office allows one).
	Seeds []AuditSeed `json:"seeds"`
	// Rounds are the rounds drawn, in log order.
	Rounds []AuditRound `json:"rounds"`
	// Boards are the audit boards, in order of creation.
	Boards []AuditBoard `json:"boards"`
	// Readings are every revision of every board reading, in log order.
	Readings []AuditReading `json:"readings"`
	// Reopenings are the executed requests reopening a signed-off board.
	Reopenings []AuditReopening `json:"reopenings"`
	// BatchSheets are every revision of every tally sheet of a
	// batch-comparison audit, in log order; BatchFinals every
	// finalization of a batch's hand count.
	BatchSheets []AuditBatchSheet `json:"batch_sheets,omitempty"`
	BatchFinals []AuditBatchFinal `json:"batch_finalizations,omitempty"`
	// Decisions are the executed two-person decisions on the audit:
	// unfinalizing a batch, undoing a round, declaring a full hand count.
	Decisions []AuditDecision `json:"decisions,omitempty"`
	// Report lists the audit report files of the package, under
	// audits/<id>/; claim 4 derives them again byte for byte.
	Report []string `json:"report"`
}

// AuditUpload is an audit-upload event.
type AuditUpload struct {
	Entry        uint64  `json:"entry"`
	By           string  `json:"by"`
	Jurisdiction string  `json:"jurisdiction"`
	Kind         string  `json:"kind"`
	Format       string  `json:"format"`
	File         FileRef `json:"file"`
}

// AuditSeed is an executed audit-seed request: the dice roll, who rolled
// it and who watched, and the two people who approved it.
type AuditSeed struct {
	Seed      string   `json:"seed"`
	RolledBy  []string `json:"rolled_by"`
	Witnesses []string `json:"witnesses"`
	Request   string   `json:"request"`
	// Requested is the entry of request-created, Executed that of
	// request-executed (the seed is in force from it on).
	Requested uint64   `json:"requested"`
	Executed  uint64   `json:"executed"`
	Signers   []string `json:"signers"`
}

// AuditRound is an audit-round-drawn event and, once closed, its
// audit-round-closed event.
type AuditRound struct {
	Round  int     `json:"round"`
	Entry  uint64  `json:"entry"`
	By     string  `json:"by"`
	Skip   int     `json:"skip"`
	Count  int     `json:"count"`
	Sample FileRef `json:"sample"`
	// Closed is absent while the round is open.
	Closed *AuditClose `json:"closed,omitempty"`
	// Undone is the entry of the executed request that undid the round
	// (its draw, boards, readings and tallies set aside; the round is
	// drawn again after it).
	Undone *uint64 `json:"undone,omitempty"`
}

// AuditBatchSheet is an audit-batch-sheet event: one revision of a tally
// sheet of a batch's hand count.
type AuditBatchSheet struct {
	Entry        uint64 `json:"entry"`
	By           string `json:"by"`
	Round        int    `json:"round"`
	Jurisdiction string `json:"jurisdiction"`
	Batch        string `json:"batch"`
	Sheet        string `json:"sheet"`
	// Contests is contest to choice to count, as logged.
	Contests json.RawMessage `json:"contests"`
	Reason   string          `json:"reason,omitempty"`
}

// AuditBatchFinal is an audit-batch-finalized event.
type AuditBatchFinal struct {
	Entry        uint64          `json:"entry"`
	By           string          `json:"by"`
	Round        int             `json:"round"`
	Jurisdiction string          `json:"jurisdiction"`
	Batch        string          `json:"batch"`
	Sheets       int             `json:"sheets"`
	Tallies      json.RawMessage `json:"tallies"`
	Status       string          `json:"status,omitempty"`
	Comment      string          `json:"comment,omitempty"`
}

// AuditDecision is an executed audit-batch-unfinalize, audit-round-undo
// or audit-full-hand-count request.
type AuditDecision struct {
	Kind        string   `json:"kind"`
	Request     string   `json:"request"`
	RequestedBy string   `json:"requested_by"`
	Requested   uint64   `json:"requested"`
	Executed    uint64   `json:"executed"`
	Signers     []string `json:"signers"`
	// Action is the request's action as logged.
	Action json.RawMessage `json:"action"`
}

// AuditClose is the close of a round: the committed result and, read
// from it, each contest's risk and decision.
type AuditClose struct {
	Entry    uint64  `json:"entry"`
	By       string  `json:"by"`
	Result   FileRef `json:"result"`
	Outcome  string  `json:"outcome"`
	NextSize int     `json:"next_size"`
	// Contests are read from the committed result (empty when it cannot
	// be read as committed).
	Contests []AuditContest `json:"contests"`
}

// AuditContest is one contest's state when a round closed.
type AuditContest struct {
	Contest       string              `json:"contest"`
	Targeted      bool                `json:"targeted"`
	Risk          float64             `json:"risk"`
	RiskLimitMet  bool                `json:"risk_limit_met"`
	Decision      string              `json:"decision"`
	Discrepancies audit.Discrepancies `json:"discrepancies"`
	NextSize      int                 `json:"next_size"`
}

// AuditBoard is an audit-board-created event with the sign-offs of its
// members.
type AuditBoard struct {
	ID           string         `json:"id"`
	Entry        uint64         `json:"entry"`
	By           string         `json:"by"`
	Jurisdiction string         `json:"jurisdiction"`
	Round        int            `json:"round"`
	Members      []string       `json:"members"`
	Accounts     []string       `json:"accounts"`
	SignOffs     []AuditSignOff `json:"sign_offs"`
}

// AuditSignOff is an audit-board-signed event.
type AuditSignOff struct {
	Account string `json:"account"`
	Entry   uint64 `json:"entry"`
}

// AuditReading is one revision of a board's reading of a ballot.
type AuditReading struct {
	Entry uint64 `json:"entry"`
	By    string `json:"by"`
	Round int    `json:"round"`
	Board string `json:"board"`
	// Ballot is the audit.BallotKey, Readings contest name to
	// audit.Reading, both as logged.
	Ballot   json.RawMessage `json:"ballot"`
	Readings json.RawMessage `json:"readings"`
	// Revision counts the readings of the ballot so far (1 for the
	// first); Reason says why a reopened board changed it.
	Revision int    `json:"revision"`
	Reason   string `json:"reason,omitempty"`
}

// AuditReopening is an executed audit-board-reopen request.
type AuditReopening struct {
	Request  string `json:"request"`
	Executed uint64 `json:"executed"`
	Round    int    `json:"round"`
	Board    string `json:"board"`
	Reason   string `json:"reason"`
}

// AuditReportDir is the package folder of audit id's report files.
func AuditReportDir(id string) string { return "audits/" + id }

// auditReportNames are the report files of every audit: report.json and
// one CSV per table, as the office serves them at /public/audits/{a}/.
func auditReportNames() []string {
	out := []string{"report.json"}
	for _, t := range audit.CSVTables {
		out = append(out, t+".csv")
	}
	return out
}

func num(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

// deriveAudits collects the audits of election from the log's events.
// commit records each committed file; read (if not nil) reads committed
// round results.
func deriveAudits(events []ledger.Event, election string, read ReadFile, commit func(uint64, ...FileRef)) ([]Audit, error) {
	out := []Audit{}
	byID := map[string]int{}
	type reqInfo struct {
		kind, action, by string
		entry            uint64
	}
	reqs := map[string]reqInfo{}
	revisions := map[string]int{} // audit + "\x00" + ballot
	for i := range events {
		e := &events[i]
		idx := uint64(i)
		p := e.Payload
		switch e.Type {
		case "request-created":
			reqs[str(p["request"])] = reqInfo{kind: str(p["kind"]), action: str(p["action"]), by: e.UserID, entry: idx}
			continue
		case "request-executed":
			id := str(p["request"])
			q, ok := reqs[id]
			if !ok {
				continue
			}
			switch q.kind {
			case "audit-seed":
				var s struct {
					Audit     string   `json:"audit"`
					Seed      string   `json:"seed"`
					RolledBy  []string `json:"rolled_by"`
					Witnesses []string `json:"witnesses"`
				}
				if json.Unmarshal([]byte(q.action), &s) != nil {
					continue
				}
				if ai, ok := byID[s.Audit]; ok {
					if s.RolledBy == nil {
						s.RolledBy = []string{}
					}
					if s.Witnesses == nil {
						s.Witnesses = []string{}
					}
					out[ai].Seeds = append(out[ai].Seeds, AuditSeed{Seed: s.Seed, RolledBy: s.RolledBy, Witnesses: s.Witnesses,
						Request: id, Requested: q.entry, Executed: idx, Signers: strs(p["signers"])})
				}
			case "audit-board-reopen":
				var x struct {
					Audit  string `json:"audit"`
					Round  int    `json:"round"`
					Board  string `json:"board"`
					Reason string `json:"reason"`
				}
				if json.Unmarshal([]byte(q.action), &x) != nil {
					continue
				}
				if ai, ok := byID[x.Audit]; ok {
					out[ai].Reopenings = append(out[ai].Reopenings, AuditReopening{Request: id, Executed: idx, Round: x.Round, Board: x.Board, Reason: x.Reason})
				}
			case "audit-batch-unfinalize", "audit-round-undo", "audit-full-hand-count":
				var x struct {
					Audit string `json:"audit"`
					Round int    `json:"round"`
				}
				if json.Unmarshal([]byte(q.action), &x) != nil {
					continue
				}
				ai, ok := byID[x.Audit]
				if !ok {
					continue
				}
				a := &out[ai]
				a.Decisions = append(a.Decisions, AuditDecision{Kind: q.kind, Request: id, RequestedBy: q.by, Requested: q.entry, Executed: idx,
					Signers: strs(p["signers"]), Action: json.RawMessage(q.action)})
				if q.kind == "audit-round-undo" {
					// The last live drawing of the round is set aside.
					for k := len(a.Rounds) - 1; k >= 0; k-- {
						if a.Rounds[k].Round == x.Round && a.Rounds[k].Undone == nil {
							u := idx
							a.Rounds[k].Undone = &u
							break
						}
					}
				}
			}
			continue
		}
		if len(e.Type) < 6 || e.Type[:6] != "audit-" {
			continue
		}
		id := str(p["audit"])
		if e.Type == "audit-created" {
			if str(p["election"]) != election {
				continue
			}
			def := json.RawMessage(str(p["definition"]))
			if !json.Valid(def) {
				return nil, fmt.Errorf("audit %s (entry %d): the definition is not JSON", id, idx)
			}
			byID[id] = len(out)
			out = append(out, Audit{ID: id, Entry: idx, CreatedBy: e.UserID, Jurisdiction: str(p["jurisdiction"]), Definition: def,
				Uploads: []AuditUpload{}, Seeds: []AuditSeed{}, Rounds: []AuditRound{}, Boards: []AuditBoard{},
				Readings: []AuditReading{}, Reopenings: []AuditReopening{}, Report: auditReportNames()})
			continue
		}
		ai, ok := byID[id]
		if !ok {
			continue
		}
		a := &out[ai]
		switch e.Type {
		case "audit-upload":
			u := AuditUpload{Entry: idx, By: e.UserID, Jurisdiction: str(p["jurisdiction"]), Kind: str(p["kind"]), Format: str(p["format"]), File: ref(p["file"])}
			commit(idx, u.File)
			a.Uploads = append(a.Uploads, u)
		case "audit-round-drawn":
			r := AuditRound{Round: num(p["round"]), Entry: idx, By: e.UserID, Skip: num(p["skip"]), Count: num(p["count"]), Sample: ref(p["sample"])}
			commit(idx, r.Sample)
			a.Rounds = append(a.Rounds, r)
		case "audit-round-closed":
			n := num(p["round"])
			c := &AuditClose{Entry: idx, By: e.UserID, Result: ref(p["result"]), Outcome: str(p["outcome"]), Contests: []AuditContest{}}
			commit(idx, c.Result)
			// A result that cannot be read as committed leaves the
			// contests empty: claim 2 names the altered file and claim 4
			// fails on it, and the package can still be exported.
			if res, err := readResult(read, c.Result); err == nil {
				c.NextSize = res.NextSize
				for _, x := range res.Contests {
					c.Contests = append(c.Contests, AuditContest{Contest: x.Contest, Targeted: x.Targeted, Risk: x.Risk, RiskLimitMet: x.RiskLimitMet,
						Decision: x.Decision, Discrepancies: x.Discrepancies, NextSize: x.NextSize})
				}
			}
			// The close of a round never drawn is kept on a round of its
			// own, so that claim 4 reports it.
			found := false
			for k := range a.Rounds {
				if a.Rounds[k].Round == n && a.Rounds[k].Closed == nil && a.Rounds[k].Undone == nil {
					a.Rounds[k].Closed = c
					found = true
					break
				}
			}
			if !found {
				a.Rounds = append(a.Rounds, AuditRound{Round: n, Entry: idx, Closed: c})
			}
		case "audit-board-created":
			a.Boards = append(a.Boards, AuditBoard{ID: str(p["board"]), Entry: idx, By: e.UserID, Jurisdiction: str(p["jurisdiction"]),
				Round: num(p["round"]), Members: strs(p["members"]), Accounts: strs(p["accounts"]), SignOffs: []AuditSignOff{}})
		case "audit-board-signed":
			b := str(p["board"])
			for k := range a.Boards {
				if a.Boards[k].ID == b {
					a.Boards[k].SignOffs = append(a.Boards[k].SignOffs, AuditSignOff{Account: e.UserID, Entry: idx})
				}
			}
		case "audit-batch-sheet":
			c := json.RawMessage(str(p["contests"]))
			if !json.Valid(c) {
				return nil, fmt.Errorf("audit %s (entry %d): a tally sheet that is not JSON", id, idx)
			}
			a.BatchSheets = append(a.BatchSheets, AuditBatchSheet{Entry: idx, By: e.UserID, Round: num(p["round"]), Jurisdiction: str(p["jurisdiction"]),
				Batch: str(p["batch"]), Sheet: str(p["sheet"]), Contests: c, Reason: str(p["reason"])})
		case "audit-batch-finalized":
			t := json.RawMessage(str(p["tallies"]))
			if !json.Valid(t) {
				return nil, fmt.Errorf("audit %s (entry %d): finalized tallies that are not JSON", id, idx)
			}
			a.BatchFinals = append(a.BatchFinals, AuditBatchFinal{Entry: idx, By: e.UserID, Round: num(p["round"]), Jurisdiction: str(p["jurisdiction"]),
				Batch: str(p["batch"]), Sheets: num(p["sheets"]), Tallies: t, Status: str(p["status"]), Comment: str(p["comment"])})
		case "audit-reading":
			ballot, readings := json.RawMessage(str(p["ballot"])), json.RawMessage(str(p["readings"]))
			if !json.Valid(ballot) || !json.Valid(readings) {
				return nil, fmt.Errorf("audit %s (entry %d): a reading that is not JSON", id, idx)
			}
			k := id + "\x00" + string(ballot)
			revisions[k]++
			a.Readings = append(a.Readings, AuditReading{Entry: idx, By: e.UserID, Round: num(p["round"]), Board: str(p["board"]),
				Ballot: ballot, Readings: readings, Revision: revisions[k], Reason: str(p["reason"])})
		}
	}
	return out, nil
}

// readCommitted reads a committed file and checks its SHA-256 and size.
func readCommitted(read ReadFile, r FileRef) ([]byte, error) {
	b, err := read(r.SHA256)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != r.SHA256 || int64(len(b)) != r.Size {
		return nil, fmt.Errorf("%s (%s) is not the committed file (altered)", FilePath(r.SHA256), r.Name)
	}
	return b, nil
}

func readResult(read ReadFile, r FileRef) (*audit.RoundResult, error) {
	if read == nil {
		return nil, fmt.Errorf("no files to read")
	}
	b, err := readCommitted(read, r)
	if err != nil {
		return nil, err
	}
	var res audit.RoundResult
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("%s: %v", FilePath(r.SHA256), err)
	}
	return &res, nil
}

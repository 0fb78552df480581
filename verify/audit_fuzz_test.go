package verify

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/canvass/canvass/ledger"
)

// FuzzAuditRecord feeds the audit record's decoders (the logged
// definition, ballot key, readings and seed action, which a log-key
// holder can write at will) to deriveAudits and checkAudit: they must
// report, never panic, and never pass a record whose rounds they could
// not re-derive.
func FuzzAuditRecord(f *testing.F) {
	f.Add(`{"name":"x","type":"ballot-comparison","math":"corla","risk_limit":0.1,"sampler":"arlo","contests":[{"name":"G","targeted":true,"jurisdictions":["a"],"kind":"plurality"}],"jurisdictions":[{"name":"a"}]}`,
		`{"ballot_position":1,"batch":"1","jurisdiction":"a","tabulator":"1"}`, `{"G":{"choices":["Alice"]}}`, `{"audit":"a-1","rolled_by":["R"],"seed":"12345678901234567890","witnesses":[]}`)
	f.Add(`{}`, `[]`, `null`, `{"audit":"a-1","seed":"x"}`)
	f.Add(`{"type":"batch-comparison"}`, `{"jurisdiction":7}`, `{"G":{"status":"blank"}}`, `not json`)
	f.Fuzz(func(t *testing.T, def, ballot, readings, seed string) {
		ev := func(typ, user string, p map[string]any) ledger.Event {
			return ledger.Event{Type: typ, UserID: user, Payload: p}
		}
		file := map[string]any{"name": "f", "sha256": "00", "size": int64(1)}
		events := []ledger.Event{
			ev("audit-created", "aa", map[string]any{"audit": "a-1", "election": "e", "jurisdiction": "s", "definition": def}),
			ev("audit-upload", "aa", map[string]any{"audit": "a-1", "jurisdiction": "a", "kind": "manifest", "format": "arlo", "file": file}),
			ev("request-created", "aa", map[string]any{"request": "r-1", "kind": "audit-seed", "action": seed}),
			ev("request-executed", "bb", map[string]any{"request": "r-1", "signers": []any{"aa", "bb"}}),
			ev("audit-round-drawn", "aa", map[string]any{"audit": "a-1", "round": int64(1), "skip": int64(0), "count": int64(1), "sample": file}),
			ev("audit-board-created", "aa", map[string]any{"audit": "a-1", "board": "b", "jurisdiction": "a", "round": int64(1), "members": []any{"M", "N"}, "accounts": []any{"b-1", "b-2"}}),
			ev("audit-reading", "b-1", map[string]any{"audit": "a-1", "round": int64(1), "board": "b", "ballot": ballot, "readings": readings}),
			ev("audit-board-signed", "b-1", map[string]any{"audit": "a-1", "round": int64(1), "board": "b"}),
			ev("audit-round-closed", "aa", map[string]any{"audit": "a-1", "round": int64(1), "result": file, "outcome": "done"}),
		}
		read := func(string) ([]byte, error) { return nil, errors.New("no such file") }
		audits, err := deriveAudits(events, "e", nil, func(uint64, ...FileRef) {})
		if err != nil {
			if json.Valid([]byte(def)) && json.Valid([]byte(ballot)) && json.Valid([]byte(readings)) {
				t.Fatalf("valid JSON refused: %v", err)
			}
			return
		}
		if len(audits) != 1 {
			t.Fatalf("%d audits", len(audits))
		}
		c := checkAudit(&audits[0], read, nil)
		if c.notChecked == "" && len(c.problems) == 0 {
			t.Fatalf("a record whose files cannot be read passes: %s", c.summary)
		}
		if _, err := json.Marshal(audits); err != nil {
			t.Fatalf("the record does not marshal: %v", err)
		}
	})
}

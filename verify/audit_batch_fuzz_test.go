package verify

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/ledger"
)

// FuzzBatchRecord feeds the batch audit record's decoders (a tally
// sheet's contests, a finalization's tallies and a decision request's
// action, which a log-key holder can write at will) to deriveAudits,
// checkAudit and the undo and decision readers: they must report, never
// panic, and never pass a record whose files cannot be read.
func FuzzBatchRecord(f *testing.F) {
	f.Add(`{"Council":{"Cho":30,"Diaz":0}}`, `{"Council":{"Cho":30,"Diaz":18}}`, `{"audit":"a-1","round":1,"closed":true,"reason":"r"}`, "audit-round-undo")
	f.Add(`{}`, `{}`, `{"audit":"a-1","contests":["Council"],"rounds":1,"reason":"r"}`, "audit-full-hand-count")
	f.Add(`{"Council":{"Cho":-1}}`, `not json`, `{"audit":"a-1","round":1,"jurisdiction":"a","batch":"B01","reason":"r"}`, "audit-batch-unfinalize")
	f.Add(`[]`, `null`, `{"audit":"a-1","round":"x"}`, "audit-round-undo")
	f.Fuzz(func(t *testing.T, contests, tallies, action, kind string) {
		ev := func(typ, user string, p map[string]any) ledger.Event {
			return ledger.Event{Type: typ, UserID: user, Payload: p}
		}
		def := `{"name":"x","type":"batch-comparison","math":"macro","risk_limit":0.1,"sampler":"arlo","contests":[{"name":"Council","targeted":true,"jurisdictions":["a"],"kind":"plurality","reported":[{"name":"Cho","votes":30},{"name":"Diaz","votes":18}]}],"jurisdictions":[{"name":"a"}]}`
		file := map[string]any{"name": "f", "sha256": "00", "size": int64(1)}
		b := map[string]any{"audit": "a-1", "round": int64(1), "jurisdiction": "a", "batch": "B01"}
		with := func(extra map[string]any) map[string]any {
			m := map[string]any{}
			for k, v := range b {
				m[k] = v
			}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		events := []ledger.Event{
			ev("audit-created", "aa", map[string]any{"audit": "a-1", "election": "e", "jurisdiction": "s", "definition": def}),
			ev("audit-upload", "aa", map[string]any{"audit": "a-1", "jurisdiction": "a", "kind": "manifest", "format": "arlo", "file": file}),
			ev("audit-upload", "aa", map[string]any{"audit": "a-1", "jurisdiction": "a", "kind": "batch-tallies", "format": "arlo", "file": file}),
			ev("request-created", "aa", map[string]any{"request": "r-1", "kind": "audit-seed", "action": `{"audit":"a-1","seed":"12345678901234567890"}`}),
			ev("request-executed", "bb", map[string]any{"request": "r-1", "signers": []any{"aa", "bb"}}),
			ev("audit-round-drawn", "aa", map[string]any{"audit": "a-1", "round": int64(1), "skip": int64(0), "count": int64(1), "sample": file}),
			ev("audit-batch-sheet", "aa", with(map[string]any{"sheet": "S", "contests": contests})),
			ev("audit-batch-finalized", "aa", with(map[string]any{"sheets": int64(1), "tallies": tallies})),
			ev("audit-round-closed", "aa", map[string]any{"audit": "a-1", "round": int64(1), "result": file, "outcome": "done"}),
			ev("request-created", "aa", map[string]any{"request": "r-2", "kind": kind, "action": action}),
			ev("request-executed", "bb", map[string]any{"request": "r-2", "signers": []any{"aa", "bb"}}),
		}
		read := func(string) ([]byte, error) { return nil, errors.New("no such file") }
		audits, err := deriveAudits(events, "e", nil, func(uint64, ...FileRef) {})
		if err != nil {
			if json.Valid([]byte(contests)) && json.Valid([]byte(tallies)) {
				t.Fatalf("valid JSON refused: %v", err)
			}
			return
		}
		if len(audits) != 1 {
			t.Fatalf("%d audits", len(audits))
		}
		a := &audits[0]
		checkUndos(a)
		liveAudit(a)
		reportDecisions(a)
		d, _ := audit.DecodeDefinition(a.Definition)
		if d != nil {
			auditDone(d, nil, declaredBefore(a, ^uint64(0)))
		}
		c := checkAudit(a, read, nil)
		if c.notChecked == "" && len(c.problems) == 0 {
			t.Fatalf("a record whose files cannot be read passes: %s", c.summary)
		}
		if _, err := json.Marshal(audits); err != nil {
			t.Fatalf("the record does not marshal: %v", err)
		}
	})
}

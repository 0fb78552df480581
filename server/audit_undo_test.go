package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
)

// TestAuditUndoBallotRound undoes an open round of a ballot-polling audit
// with a board and a reading: two signatures needed; afterwards the
// round, its board membership and its reading are gone from the current
// state (the log keeps them), the round draws again identically, and the
// report shows the decision. The database rebuilt from the log is equal.
func TestAuditUndoBallotRound(t *testing.T) {
	e := newEnv(t)
	p := newAuditPeople(e)
	var el office.Election
	e.must(p.official.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "State General", "date": "2026-11-03"}, &el)
	js := counties[:2]
	alice, bob := 0, 0
	for _, c := range js {
		for _, v := range countyCVRs(c) {
			switch {
			case len(v["Governor"]) == 0:
			case v["Governor"][0] == "Alice":
				alice++
			default:
				bob++
			}
		}
	}
	setup := map[string]any{"election": el.ID, "name": "Polling RLA", "type": "ballot-polling", "math": "bravo", "risk_limit": 0.1, "sampler": "arlo",
		"contests": []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": js, "reported": json.RawMessage(fmt.Sprintf(`{"Alice":%d,"Bob":%d}`, alice, bob))}}}
	var created struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", setup, &created)
	a, base := created.ID, "/api/v1/audits/"+created.ID
	for _, c := range js {
		if code := e.auditUpload(p.aa1.client, a, c, "manifest", "arlo", "manifest.csv", countyManifest(c), nil); code != 200 {
			t.Fatalf("manifest %s: %d", c, code)
		}
	}
	var q requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann"}}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	e.approve(p.aa2, q.ID, q.SignText)
	e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{"key": "0.9"}}, nil)
	_, _, sample := e.get(p.observer.client, base+"/rounds/1/sample")
	b := e.newBoard(p.aa1, a, js[0], "Dee", "Rex")
	var list []office.BoardBallot
	e.must(b.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, b.id), nil, &list)
	if len(list) == 0 {
		t.Fatal("the board has no ballots")
	}
	e.must(b.members[0].client, 204, "PUT", fmt.Sprintf("%s/rounds/1/ballots/%s", base, list[0].Ballot),
		map[string]any{"readings": map[string]audit.Reading{"Governor": {Choices: []string{"Alice"}}}}, nil)

	e.unchanged("bad undo requests", func() {
		for _, x := range []struct {
			who  *person
			path string
			body any
			code int
		}{
			{p.aa1, base + "/rounds/2/undo", map[string]string{"reason": "x"}, 409},
			{p.aa1, base + "/rounds/1/undo", map[string]string{}, 400},
			{p.official, base + "/rounds/1/undo", map[string]string{"reason": "x"}, 403},
			{b.members[0], base + "/rounds/1/undo", map[string]string{"reason": "x"}, 403},
			{p.aa1, base + "/rounds/1/undo", map[string]any{"reason": "x", "round": 1}, 400},
		} {
			if code := e.do(x.who.client, "POST", x.path, x.body, nil); code != x.code {
				t.Errorf("undo %s as %s: %d, want %d", x.path, x.who.name, code, x.code)
			}
		}
	})
	e.must(p.aa1.client, 202, "POST", base+"/rounds/1/undo", map[string]string{"reason": "wrong manifest order announced"}, &q)
	if c, v := e.approve(p.aa1, q.ID, q.SignText); c != 200 || v.Status != "pending" {
		t.Fatalf("first signature: %d %+v", c, v)
	}
	if code := e.do(b.members[0].client, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, b.id), nil, nil); code != 200 {
		t.Fatalf("the round is gone with one signature: %d", code)
	}
	if c, v := e.approve(p.official, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("second signature: %d %+v", c, v)
	}
	if code := e.do(b.members[0].client, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, b.id), nil, nil); code != 403 {
		t.Errorf("the undone round's board: %d, want 403", code)
	}
	if code := e.do(b.members[0].client, "PUT", fmt.Sprintf("%s/rounds/1/ballots/%s", base, list[0].Ballot),
		map[string]any{"readings": map[string]audit.Reading{"Governor": {Choices: []string{"Bob"}}}}, nil); code != 403 {
		t.Errorf("a reading by the undone round's board: %d, want 403", code)
	}
	if code, _, _ := e.get(p.observer.client, base+"/rounds/1/sample"); code != 404 {
		t.Errorf("the undone round's sample: %d, want 404", code)
	}
	var st office.AuditView
	e.must(p.observer.client, 200, "GET", base, nil, &st)
	if st.Rounds != 0 || len(st.Boards) != 0 {
		t.Fatalf("after the undo: %d rounds, boards %+v", st.Rounds, st.Boards)
	}
	e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{"key": "0.9"}}, nil)
	if _, _, again := e.get(p.observer.client, base+"/rounds/1/sample"); !bytes.Equal(again, sample) {
		t.Fatal("round 1 drawn again differs from the undone draw")
	}
	b2 := e.newBoard(p.aa1, a, js[0], "Ivy", "Jon")
	e.must(b2.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, b2.id), nil, &list)
	for _, bb := range list {
		if bb.Read {
			t.Fatalf("ballot %s keeps the undone round's reading", bb.Ballot)
		}
	}
	readings, undone := 0, 0
	for _, ev := range e.events() {
		if ev.Type == "audit-reading" {
			readings++
		}
		if ev.Type == "request-executed" && ev.Payload["kind"] == office.KindAuditUndoRound {
			undone++
		}
	}
	if readings != 1 || undone != 1 {
		t.Fatalf("log: %d readings, %d undo executions", readings, undone)
	}
	_, _, js2 := e.get(http.DefaultClient, "/public/audits/"+a+"/report.json")
	var rep audit.Report
	if json.Unmarshal(js2, &rep) != nil || len(rep.Decisions) != 1 || rep.Decisions[0].Kind != audit.DecisionUndoRound || rep.Decisions[0].Round != 1 || rep.Decisions[0].Closed ||
		rep.Decisions[0].ApprovedBy != "off" || rep.Decisions[0].Reason != "wrong manifest order announced" {
		t.Fatalf("report decisions %+v", rep.Decisions)
	}
	(&batchRun{t: t, e: e}).rebuilt()
}

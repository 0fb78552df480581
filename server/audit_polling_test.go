package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
)

// TestAuditPolling runs a BRAVO ballot-polling audit of Governor in
// county-a and county-b through the API: manifests only, the reported tally
// in the definition, one ballot not found. The close equals audit.Close's.
func TestAuditPolling(t *testing.T) {
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
	reported := json.RawMessage(fmt.Sprintf(`{"Alice":%d,"Bob":%d}`, alice, bob))
	setup := map[string]any{"election": el.ID, "name": "Polling RLA", "type": "ballot-polling", "math": "bravo", "risk_limit": 0.1, "sampler": "arlo",
		"contests": []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": js, "reported": reported}}}
	var created struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", setup, &created)
	a, base := created.ID, "/api/v1/audits/"+created.ID

	var xjs []draw.Jurisdiction
	in := &audit.Inputs{}
	for _, c := range js {
		var v office.UploadValidation
		if code := e.auditUpload(p.aa1.client, a, c, "manifest", "arlo", "manifest.csv", countyManifest(c), &v); code != 200 || !v.Complete || v.Summary.Ballots != 300 {
			t.Fatalf("manifest %s: %d %+v", c, code, v)
		}
		m, err := manifest.ReadArlo(c+"/manifest.csv", bytes.NewReader(countyManifest(c)))
		if err != nil {
			t.Fatal(err)
		}
		xjs = append(xjs, draw.Jurisdiction{Name: c, Manifest: m})
		in.Jurisdictions = append(in.Jurisdictions, audit.JurisdictionInput{Name: c, Manifest: m})
	}
	e.unchanged("CVRs for a polling audit", func() {
		if c := e.auditUpload(p.aa1.client, a, js[0], "cvrs", "dominion-csv", "c.csv", countyDominionCSV(js[0]), nil); c != 400 {
			t.Errorf("CVRs for a polling audit: %d, want 400", c)
		}
	})
	var q requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann"}}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("seed: %d", c)
	}
	var rv office.RoundView
	e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{"key": "0.9"}}, &rv)

	var def audit.Definition
	raw, _ := json.Marshal(setup)
	json.Unmarshal(raw, &def)
	def.Contests[0].Kind = audit.Plurality
	for _, c := range js {
		def.Jurisdictions = append(def.Jurisdictions, audit.JurisdictionConfig{Name: c})
	}
	x, err := audit.Prepare(&def, in)
	if err != nil {
		t.Fatal(err)
	}
	sizes, err := x.FirstRoundSizes()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sizes {
		if s.Key == "0.9" && s.Draws != rv.Count {
			t.Fatalf("round 1 has %d draws; the 0.9 option is %d", rv.Count, s.Draws)
		}
	}
	_, _, got := e.get(p.observer.client, base+"/rounds/1/sample")
	want, _ := draw.Arlo(draw.Request{Seed: testSeed, Count: rv.Count}, xjs)
	var wantCSV bytes.Buffer
	draw.WriteCSV(&wantCSV, want)
	if !bytes.Equal(got, wantCSV.Bytes()) {
		t.Fatalf("polling sample differs from draw.Arlo's")
	}
	xr, err := x.Draw(testSeed, nil, rv.Count)
	if err != nil {
		t.Fatal(err)
	}

	readings := &audit.Readings{}
	notFound := false
	for _, c := range js {
		b := e.newBoard(p.aa1, a, c, "Dee", "Rex")
		var list []office.BoardBallot
		e.must(b.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, b.id), nil, &list)
		cvrs := countyCVRs(c)
		for _, bb := range list {
			rd := readingsOf(cvrs[fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)], []string{"Governor"})
			if !notFound {
				rd["Governor"] = audit.Reading{Status: audit.StatusNotFound, Comment: "not in the box"}
				notFound = true
			}
			e.must(b.members[1].client, 204, "PUT", fmt.Sprintf("%s/rounds/1/ballots/%s", base, bb.Ballot), map[string]any{"readings": rd}, nil)
			readings.Ballots = append(readings.Ballots, audit.BallotReading{BallotKey: audit.BallotKey{Jurisdiction: c, Tabulator: bb.Tabulator, Batch: bb.Batch, Position: bb.Position}, Contests: rd})
		}
		for _, m := range b.members {
			e.must(m.client, 200, "POST", fmt.Sprintf("%s/rounds/1/boards/%s/sign-off", base, b.id), nil, nil)
		}
	}
	var cv office.CloseView
	e.must(p.aa1.client, 200, "POST", base+"/rounds/1/close", nil, &cv)
	res, err := x.Close([]*audit.Round{xr}, readings)
	if err != nil {
		t.Fatal(err)
	}
	gc, xc := cv.Contests["Governor"], res.Contests[0]
	if !notFound || gc.Risk != xc.Risk || gc.Decision != xc.Decision || gc.Discrepancies != xc.Discrepancies || gc.NextSize != xc.NextSize || cv.Done != res.Done {
		t.Fatalf("polling close %+v, audit.Close %+v", gc, xc)
	}
}

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
)

// The simulated statewide election of the audit tests: three counties,
// each on tabulator 1 with three batches of 100 ballots (county-c's last
// batch has 98 CVRs: two phantoms); Governor statewide (targeted),
// Measure in county-a and county-b (opportunistic), Mayor an IRV contest
// in county-c (targeted).
var counties = []string{"county-a", "county-b", "county-c"}

const testSeed = "12345678901234567890123"

// ballotVotes is a ballot's CVR as names: contest to ranked choices.
type ballotVotes map[string][]string

func countyCVRs(county string) map[string]ballotVotes {
	out := map[string]ballotVotes{}
	i := 0
	for batch := 1; batch <= 3; batch++ {
		n := 100
		if county == "county-c" && batch == 3 {
			n = 98
		}
		for pos := 1; pos <= n; pos++ {
			v := ballotVotes{}
			if (i*7)%10 < 6 {
				v["Governor"] = []string{"Alice"}
			} else {
				v["Governor"] = []string{"Bob"}
			}
			if i%50 == 49 {
				v["Governor"] = nil
			}
			if county != "county-c" {
				if (i*3)%20 < 11 {
					v["Measure"] = []string{"Yes"}
				} else {
					v["Measure"] = []string{"No"}
				}
			} else {
				switch k := i % 20; {
				case k < 9:
					v["Mayor"] = []string{"Xavier", "Yolanda"}
				case k < 16:
					v["Mayor"] = []string{"Yolanda", "Xavier"}
				case k < 19:
					v["Mayor"] = []string{"Zed", "Xavier"}
				default:
					v["Mayor"] = []string{"Zed", "Yolanda"}
				}
			}
			out[fmt.Sprintf("1/%d/%d", batch, pos)] = v
			i++
		}
	}
	return out
}

func countyManifest(string) []byte {
	return []byte("Container,Tabulator,Batch Name,Number of Ballots\nBox 1,1,1,100\nBox 1,1,2,100\nBox 2,1,3,100\n")
}

// countyDominionCSV writes a county's CVRs as Dominion's CSV export.
func countyDominionCSV(county string) []byte {
	var b bytes.Buffer
	cvrs := countyCVRs(county)
	b.WriteString("\"State General\",\"5.2.16.1\"\n")
	type col struct{ contest, head, cand string }
	var cols []col
	cols = append(cols, col{"Governor (Vote For=1)", "Alice", "Alice"}, col{"Governor (Vote For=1)", "Bob", "Bob"})
	if county != "county-c" {
		cols = append(cols, col{"Measure (Vote For=1)", "Yes", "Yes"}, col{"Measure (Vote For=1)", "No", "No"})
	} else {
		for rank := 1; rank <= 3; rank++ {
			for _, c := range []string{"Xavier", "Yolanda", "Zed"} {
				cols = append(cols, col{"Mayor (Number of positions=1, Number of ranks=3)", fmt.Sprintf("%s(%d)", c, rank), c})
			}
		}
	}
	row2, row3 := ",,,,,,,", ",,,,,,,"
	for _, c := range cols {
		row2 += ",\"" + c.contest + "\""
		row3 += ",\"" + c.head + "\""
	}
	b.WriteString(row2 + "\n" + row3 + "\n")
	b.WriteString("CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,CountingGroup,PrecinctPortion,BallotType" + strings.Repeat(",", len(cols)) + "\n")
	n := 0
	for batch := 1; batch <= 3; batch++ {
		for pos := 1; ; pos++ {
			v, ok := cvrs[fmt.Sprintf("1/%d/%d", batch, pos)]
			if !ok {
				break
			}
			n++
			fmt.Fprintf(&b, "%d,1,%d,%d,1-%d-%d,Election Day,P1,B1", n, batch, pos, batch, pos)
			for _, c := range cols {
				contest := strings.SplitN(c.contest, " (", 2)[0]
				mark := "0"
				for r, name := range v[contest] {
					if name == c.cand && (contest != "Mayor" || c.head == fmt.Sprintf("%s(%d)", name, r+1)) {
						mark = "1"
					}
				}
				b.WriteString("," + mark)
			}
			b.WriteString("\n")
		}
	}
	return b.Bytes()
}

var auditSetup = map[string]any{
	"name": "State General RLA", "type": "ballot-comparison", "math": "supersimple", "risk_limit": 0.1, "sampler": "arlo",
	"contests": []map[string]any{
		{"name": "Governor", "targeted": true, "jurisdictions": counties},
		{"name": "Measure", "targeted": false, "jurisdictions": counties[:2]},
		{"name": "Mayor", "targeted": true, "jurisdictions": counties[2:], "kind": "irv"},
	},
}

// auditUpload posts one file of an audit jurisdiction.
func (e *env) auditUpload(c *http.Client, a, j, kind, format, name string, data []byte, out any) int {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if format != "" {
		mw.WriteField("format", format)
	}
	w, _ := mw.CreateFormFile("file", name)
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/audits/"+a+"/jurisdictions/"+j+"/"+kind, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(raw, out)
	}
	if resp.StatusCode >= 300 {
		e.t.Logf("upload %s %s: %d %s", j, kind, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

// unchanged fails the test unless f leaves the log size and the store's
// dump as they were.
func (e *env) unchanged(what string, f func()) {
	e.t.Helper()
	size, before := e.o.LogSize(), dump(e.t, e.st)
	f()
	if e.o.LogSize() != size || !bytes.Equal(dump(e.t, e.st), before) {
		e.t.Errorf("%s changed the log (%d → %d entries) or the store", what, size, e.o.LogSize())
	}
}

// auditPeople are the accounts of the audit tests.
type auditPeople struct {
	ada, bob, official, aa1, aa2, observer *person
}

func newAuditPeople(e *env) *auditPeople {
	p := &auditPeople{}
	p.ada = e.enroll("ada", e.created.Enrollment["ada"])
	p.bob = e.enroll("bob", e.created.Enrollment["bob"])
	e.login(p.ada)
	e.login(p.bob)
	p.official = e.newUser(p.ada, p.bob, "off", []string{"official"}, "state")
	p.aa1 = e.newUser(p.ada, p.bob, "aa1", []string{"audit-admin"}, "state")
	p.aa2 = e.newUser(p.ada, p.bob, "aa2", []string{"audit-admin"}, "state")
	p.observer = e.newUser(p.ada, p.bob, "obs", []string{"observer"}, "state")
	return p
}

// setUpAudit creates the election and the audit and returns the audit id.
func setUpAudit(e *env, p *auditPeople) string {
	var el office.Election
	e.must(p.official.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "State General", "date": "2026-11-03"}, &el)
	setup := map[string]any{"election": el.ID}
	for k, v := range auditSetup {
		setup[k] = v
	}
	var created struct {
		ID string `json:"id"`
	}
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", setup, &created)
	if !strings.HasPrefix(created.ID, "a-") {
		e.t.Fatalf("audit id %q", created.ID)
	}
	return created.ID
}

// board is an audit board with its signed-in members.
type board struct {
	id, county string
	members    []*person
}

func (e *env) newBoard(p *person, a, county string, names ...string) *board {
	e.t.Helper()
	var v office.BoardView
	e.must(p.client, 201, "POST", "/api/v1/audits/"+a+"/jurisdictions/"+county+"/boards", map[string]any{"members": names}, &v)
	b := &board{id: v.Board, county: county}
	for _, m := range v.Members {
		if m.EnrollmentCode == "" {
			e.t.Fatalf("member %s has no sign-in code", m.User)
		}
		pm := e.enroll(m.User, m.EnrollmentCode)
		e.login(pm)
		b.members = append(b.members, pm)
	}
	return b
}

func readingsOf(v ballotVotes, contests []string) map[string]audit.Reading {
	out := map[string]audit.Reading{}
	for _, c := range contests {
		if len(v[c]) == 0 {
			out[c] = audit.Reading{Status: audit.StatusBlank}
		} else {
			out[c] = audit.Reading{Choices: slices.Clone(v[c])}
		}
	}
	return out
}

// expected recomputes the audit from the same files with package audit
// alone, as canvass rla sample and rla risk would.
type expected struct {
	a      *audit.Audit
	js     []draw.Jurisdiction
	rounds []*audit.Round
}

func newExpected(t *testing.T) *expected {
	x := &expected{}
	var def audit.Definition
	raw, _ := json.Marshal(auditSetup)
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	def.Contests[0].Kind, def.Contests[1].Kind = audit.Plurality, audit.Plurality
	for _, c := range counties {
		def.Jurisdictions = append(def.Jurisdictions, audit.JurisdictionConfig{Name: c})
	}
	in := &audit.Inputs{Election: &election.Election{}}
	read, err := cvr.Lookup("dominion-csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counties {
		m, err := manifest.ReadArlo(c+"/manifest.csv", bytes.NewReader(countyManifest(c)))
		if err != nil {
			t.Fatal(err)
		}
		ji := audit.JurisdictionInput{Name: c, Manifest: m}
		src := cvr.Source{FS: mapFS{"cvr.csv": countyDominionCSV(c)}, Path: "cvr.csv"}
		if err := read(src, in.Election, func(r *election.CVR) error {
			cp := *r
			cp.Contests = nil
			for _, cm := range r.Contests {
				cp.Contests = append(cp.Contests, election.ContestMarks{Contest: cm.Contest, Marks: slices.Clone(cm.Marks)})
			}
			ji.CVRs = append(ji.CVRs, cp)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
		x.js = append(x.js, draw.Jurisdiction{Name: c, Manifest: m})
	}
	if x.a, err = audit.Prepare(&def, in); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestAuditComparison runs a ballot-comparison audit through the API.
func TestAuditComparison(t *testing.T) {
	e := newEnv(t)
	p := newAuditPeople(e)
	a := setUpAudit(e, p)
	base := "/api/v1/audits/" + a
	seedBody := map[string]any{"seed": testSeed, "rolled_by": []string{"Ann Roller"}, "witnesses": []string{"Wes Witness", "Val Watcher"}}

	// Commit before the seed: refused while any record is missing.
	e.unchanged("a seed before the uploads", func() {
		if c := e.do(p.aa1.client, "POST", base+"/seed", seedBody, nil); c != 409 {
			t.Errorf("seed before uploads: %d, want 409", c)
		}
	})
	for i, c := range counties {
		var v office.UploadValidation
		if code := e.auditUpload(p.aa1.client, a, c, "manifest", "arlo", "manifest.csv", countyManifest(c), &v); code != 200 {
			t.Fatalf("manifest %s: %d", c, code)
		}
		if v.Summary.Ballots != 300 || v.Summary.Batches != 3 {
			t.Errorf("manifest %s validation %+v", c, v)
		}
		if i == len(counties)-1 {
			e.unchanged("a seed with CVRs missing", func() {
				if code := e.do(p.aa1.client, "POST", base+"/seed", seedBody, nil); code != 409 {
					t.Errorf("seed with a county's CVRs missing: %d, want 409", code)
				}
			})
		}
		if code := e.auditUpload(p.official.client, a, c, "cvrs", "dominion-csv", "cvr.csv", countyDominionCSV(c), &v); code != 200 {
			t.Fatalf("CVRs %s: %d", c, code)
		}
		wantCVRs, wantPhantoms := 300, int64(0)
		if c == "county-c" {
			wantCVRs, wantPhantoms = 298, 2
		}
		if !v.Complete || v.Summary.CVRs != wantCVRs || v.Summary.Phantoms != wantPhantoms || v.Summary.Ballots != 300 {
			t.Errorf("CVRs %s validation %+v", c, v)
		}
	}

	// Bad input changes nothing.
	e.unchanged("bad uploads and bodies", func() {
		bad := []byte("Container,Tabulator,Batch Name,Number of Ballots\nBox 1,1,1,lots\n")
		if c := e.auditUpload(p.aa1.client, a, "county-a", "manifest", "arlo", "m.csv", bad, nil); c != 422 {
			t.Errorf("bad manifest: %d, want 422", c)
		}
		wrong := bytes.Replace(countyDominionCSV("county-a"), []byte("\n1,1,1,1,"), []byte("\n1,1,9,1,"), 1)
		if c := e.auditUpload(p.aa1.client, a, "county-a", "cvrs", "dominion-csv", "c.csv", wrong, nil); c != 422 {
			t.Errorf("CVR in a batch not in the manifest: %d, want 422", c)
		}
		if c := e.auditUpload(p.aa1.client, a, "county-a", "cvrs", "no-such-format", "c.csv", []byte("x"), nil); c != 400 {
			t.Errorf("unknown format: %d, want 400", c)
		}
		if c := e.auditUpload(p.aa1.client, a, "county-z", "manifest", "arlo", "m.csv", countyManifest(""), nil); c != 404 {
			t.Errorf("unknown jurisdiction: %d, want 404", c)
		}
		for _, body := range []string{`{"seed":"123"}`, `{"seed":"1234567890123456789x1","rolled_by":["A"]}`, `{"seed":"` + testSeed + `","rolled_by":[]}`, `{"seed":` + testSeed + `}`, `{"seed":"` + testSeed + `","rolled_by":["A"],"extra":1}`} {
			if c := e.do(p.aa1.client, "POST", base+"/seed", body, nil); c != 400 {
				t.Errorf("seed body %s: %d, want 400", body, c)
			}
		}
		for _, body := range []string{`{"name":"x"}`, `{"name":"x","type":"ballot-comparison","math":"nope","risk_limit":0.1,"sampler":"arlo","contests":[]}`, `[]`, `{"contests":[{"name":1}]}`} {
			if c := e.do(p.aa1.client, "POST", "/api/v1/audits", body, nil); c < 400 || c >= 500 {
				t.Errorf("audit body %s: %d, want 4xx", body, c)
			}
		}
		if c := e.do(p.aa1.client, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, nil); c != 409 {
			t.Errorf("a round before the seed: %d, want 409", c)
		}
		if c := e.do(p.observer.client, "POST", base+"/seed", seedBody, nil); c != 403 {
			t.Errorf("seed by an observer: %d, want 403", c)
		}
	})

	// A seed is public from its request on: a record uploaded after the
	// request makes it impossible to execute; a new roll is needed.
	var q0 requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", map[string]any{"seed": "11111111112222222222", "rolled_by": []string{"Ann Roller"}}, &q0)
	if c, _ := e.approve(p.aa1, q0.ID, q0.SignText); c != 200 {
		t.Fatalf("first signature of the early seed: %d", c)
	}
	if code := e.auditUpload(p.aa1.client, a, "county-a", "manifest", "arlo", "manifest.csv", countyManifest("county-a"), nil); code != 200 {
		t.Fatalf("re-upload while a seed is requested: %d", code)
	}
	if c, _ := e.approve(p.aa2, q0.ID, q0.SignText); c != 409 {
		t.Fatalf("a seed requested before the last upload executed: %d, want 409", c)
	}
	e.must(p.aa1.client, 200, "GET", "/api/v1/requests/"+q0.ID, nil, &q0)
	if q0.Status != "refused" {
		t.Fatalf("the early seed request: %+v, want refused", q0)
	}

	// The seed: a request; one signature is not enough.
	var q requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", seedBody, &q)
	if q.Kind != office.KindAuditSeed || q.Status != "pending" {
		t.Fatalf("seed request %+v", q)
	}
	if c, v := e.approve(p.aa1, q.ID, q.SignText); c != 200 || v.Status != "pending" {
		t.Fatalf("first seed signature: %d %+v", c, v)
	}
	if c, _ := e.approve(p.aa1, q.ID, q.SignText); c != 403 {
		t.Fatalf("the same person's second signature: %d, want 403", c)
	}
	if c := e.do(p.aa1.client, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, nil); c != 409 {
		t.Errorf("a round with a half-signed seed: %d, want 409", c)
	}
	// A rival seed request made meanwhile cannot execute once the first has.
	var q2 requestView
	e.must(p.aa2.client, 202, "POST", base+"/seed", map[string]any{"seed": "98765432109876543210", "rolled_by": []string{"Rae Roller"}}, &q2)
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("second seed signature: %d %+v", c, v)
	}
	if c, _ := e.approve(p.aa2, q2.ID, q2.SignText); c != 200 {
		t.Fatalf("first signature of the rival seed: %d", c)
	}
	if c, _ := e.approve(p.aa1, q2.ID, q2.SignText); c != 409 {
		t.Fatalf("the rival seed's second signature: %d, want 409", c)
	}
	e.must(p.aa1.client, 200, "GET", "/api/v1/requests/"+q2.ID, nil, &q2)
	if q2.Status == "done" {
		t.Fatalf("the rival seed executed: %+v", q2)
	}
	var st office.AuditView
	e.must(p.observer.client, 200, "GET", base, nil, &st)
	if st.Seed != testSeed || !slices.Equal(st.RolledBy, []string{"Ann Roller"}) || len(st.Witnesses) != 2 {
		t.Fatalf("observer's view of the seed: %+v", st.Audit)
	}
	// A second seed is refused, now and by a request made before.
	e.unchanged("a second seed", func() {
		if c := e.do(p.aa1.client, "POST", base+"/seed", map[string]any{"seed": "99999999999999999999", "rolled_by": []string{"X"}}, nil); c != 409 {
			t.Errorf("second seed: %d, want 409", c)
		}
		if c := e.auditUpload(p.aa1.client, a, "county-a", "manifest", "arlo", "manifest.csv", countyManifest(""), nil); c != 409 {
			t.Errorf("an upload after the seed: %d, want 409", c)
		}
	})

	x := newExpected(t)
	cvrs := map[string]map[string]ballotVotes{}
	for _, c := range counties {
		cvrs[c] = countyCVRs(c)
	}
	contestsOf := map[string][]string{"county-a": {"Governor", "Measure"}, "county-b": {"Governor", "Measure"}, "county-c": {"Governor", "Mayor"}}
	entered := map[audit.BallotKey]map[string]audit.Reading{}
	// Two two-vote overstatements in county-b force a second round (one
	// is within the risk limit; four send Governor to a full hand count).
	planted, plant := 0, 2

	for round := 1; ; round++ {
		var rv office.RoundView
		e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, &rv)
		if rv.Round != round || rv.Count <= 0 {
			t.Fatalf("round %+v", rv)
		}
		// The sample is canvass rla sample's: the same library call.
		code, _, got := e.get(p.observer.client, fmt.Sprintf("%s/rounds/%d/sample", base, round))
		want, err := draw.Arlo(draw.Request{Seed: testSeed, Skip: rv.Skip, Count: rv.Count}, x.js)
		if err != nil {
			t.Fatal(err)
		}
		var wantCSV bytes.Buffer
		draw.WriteCSV(&wantCSV, want)
		if code != 200 || !bytes.Equal(got, wantCSV.Bytes()) || !bytes.HasPrefix(got, []byte("ticket_number,jurisdiction,tabulator,batch,ballot_position,times_sampled\n")) {
			t.Fatalf("round %d sample (%d):\n%s\nwant:\n%s", round, code, got, wantCSV.Bytes())
		}
		xr, err := x.a.Draw(testSeed, x.rounds, rv.Count)
		if err != nil {
			t.Fatal(err)
		}
		x.rounds = append(x.rounds, xr)

		// Boards: two in county-a, one elsewhere.
		var boards []*board
		for _, c := range counties {
			boards = append(boards, e.newBoard(p.aa1, a, c, "Dee Democrat", "Rex Republican"))
			if c == "county-a" {
				boards = append(boards, e.newBoard(p.aa1, a, c, "Ida Independent", "Lib Libertarian"))
			}
		}
		lists := map[*board][]office.BoardBallot{}
		for _, b := range boards {
			var list []office.BoardBallot
			e.must(b.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/%d/boards/%s/ballots", base, round, b.id), nil, &list)
			lists[b] = list
		}
		// Boards read blind: nothing in a board's list shows the CVR.
		raw, _ := json.Marshal(lists[boards[0]])
		if bytes.Contains(raw, []byte("Alice")) || bytes.Contains(raw, []byte("cvr")) {
			t.Fatalf("a board's ballot list shows the CVR: %s", raw)
		}
		a1, a2 := boards[0], boards[1]
		if len(lists[a1])+len(lists[a2]) > 0 && round == 1 {
			// A board cannot see or enter another board's ballots.
			if c := e.do(a1.members[0].client, "GET", fmt.Sprintf("%s/rounds/%d/boards/%s/ballots", base, round, a2.id), nil, nil); c != 403 {
				t.Errorf("board a1 reading board a2's list: %d, want 403", c)
			}
			other := lists[a2]
			if len(other) == 0 {
				other, a1 = lists[a1], a2
			}
			b := other[0]
			e.unchanged("another board's ballot", func() {
				path := fmt.Sprintf("%s/rounds/%d/ballots/%s", base, round, b.Ballot)
				if c := e.do(a1.members[0].client, "PUT", path, map[string]any{"readings": readingsOf(cvrs["county-a"][fmt.Sprintf("%s/%s/%d", b.Tabulator, b.Batch, b.Position)], contestsOf["county-a"])}, nil); c != 403 {
					t.Errorf("board entering another board's ballot: %d, want 403", c)
				}
				if c := e.do(p.aa1.client, "PUT", path, map[string]any{"readings": map[string]any{}}, nil); c != 403 {
					t.Errorf("an audit-admin entering a reading: %d, want 403", c)
				}
			})
		}
		for _, b := range boards {
			for _, bb := range lists[b] {
				v := cvrs[b.county][fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)]
				rd := readingsOf(v, contestsOf[b.county])
				if b.county == "county-b" && round == 1 && planted < plant && slices.Equal(v["Governor"], []string{"Alice"}) {
					rd["Governor"] = audit.Reading{Choices: []string{"Bob"}}
					planted++
				}
				e.must(b.members[len(b.members)-1].client, 204, "PUT", fmt.Sprintf("%s/rounds/%d/ballots/%s", base, round, bb.Ballot), map[string]any{"readings": rd}, nil)
				entered[audit.BallotKey{Jurisdiction: b.county, Tabulator: bb.Tabulator, Batch: bb.Batch, Position: bb.Position}] = rd
			}
		}
		// Closing before every board signed off is refused.
		if c := e.do(p.aa1.client, "POST", fmt.Sprintf("%s/rounds/%d/close", base, round), nil, nil); c != 409 {
			t.Errorf("close before sign-off: %d, want 409", c)
		}
		for _, b := range boards {
			for i, m := range b.members {
				var ab office.AuditBoard
				e.must(m.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/boards/%s/sign-off", base, round, b.id), nil, &ab)
				if ab.SignedOff != (i == len(b.members)-1) {
					t.Fatalf("board %s after %d signatures: signed off %v", b.id, i+1, ab.SignedOff)
				}
			}
		}
		// After sign-off entries cannot change, until a two-person reopening.
		if round == 1 {
			b := boards[len(boards)-1] // county-c
			if len(lists[b]) == 0 {
				t.Fatal("county-c's board has no ballots")
			}
			bb := lists[b][0]
			path := fmt.Sprintf("%s/rounds/%d/ballots/%s", base, round, bb.Ballot)
			key := audit.BallotKey{Jurisdiction: b.county, Tabulator: bb.Tabulator, Batch: bb.Batch, Position: bb.Position}
			e.unchanged("a change after sign-off", func() {
				if c := e.do(b.members[0].client, "PUT", path, map[string]any{"readings": entered[key]}, nil); c != 409 {
					t.Errorf("change after sign-off: %d, want 409", c)
				}
			})
			var rq requestView
			e.must(p.aa1.client, 202, "POST", fmt.Sprintf("%s/rounds/%d/boards/%s/reopen", base, round, b.id), map[string]string{"reason": "recheck the first ballot"}, &rq)
			if c, _ := e.approve(p.aa1, rq.ID, rq.SignText); c != 200 {
				t.Fatal("first reopen signature")
			}
			if c := e.do(b.members[0].client, "PUT", path, map[string]any{"readings": entered[key]}, nil); c != 409 {
				t.Errorf("change with a half-signed reopening: %d, want 409", c)
			}
			if c, v := e.approve(p.aa2, rq.ID, rq.SignText); c != 200 || v.Status != "done" {
				t.Fatalf("second reopen signature: %d", c)
			}
			e.unchanged("a change after reopening without a reason", func() {
				if c := e.do(b.members[0].client, "PUT", path, map[string]any{"readings": entered[key]}, nil); c != 400 {
					t.Errorf("a change after reopening without a reason: %d, want 400", c)
				}
			})
			e.must(b.members[0].client, 204, "PUT", path, map[string]any{"readings": entered[key], "reason": "rechecked: unchanged"}, nil)
			for _, m := range b.members {
				e.must(m.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/boards/%s/sign-off", base, round, b.id), nil, nil)
			}
		}

		var cv office.CloseView
		e.must(p.aa1.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/close", base, round), nil, &cv)
		// The same numbers package audit (and so canvass rla risk) gives.
		readings := &audit.Readings{}
		for k, rd := range entered {
			readings.Ballots = append(readings.Ballots, audit.BallotReading{BallotKey: k, Contests: rd})
		}
		res, err := x.a.Close(x.rounds, readings)
		if err != nil {
			t.Fatal(err)
		}
		if cv.Done != res.Done || cv.NextSize != res.NextSize || len(cv.Contests) != len(res.Contests) {
			t.Fatalf("round %d close %+v, audit.Close %+v", round, cv, res)
		}
		for _, c := range res.Contests {
			got := cv.Contests[c.Contest]
			if got.Risk != c.Risk || got.Decision != c.Decision || got.Discrepancies != c.Discrepancies || got.NextSize != c.NextSize || got.Confirmed != (c.Decision == audit.Confirmed) {
				t.Errorf("round %d %s: %+v, audit.Close %+v", round, c.Contest, got, c)
			}
			if c.Request != nil {
				req, err := rla.DecodeRequest(c.Request)
				if err != nil {
					t.Fatal(err)
				}
				risk, err := req.Risk()
				if err != nil {
					t.Fatal(err)
				}
				if risk.Risk != got.Risk {
					t.Errorf("round %d %s: risk %v, rla risk %v", round, c.Contest, got.Risk, risk.Risk)
				}
			}
		}
		if round == 1 {
			gov := cv.Contests["Governor"]
			if planted == 0 || gov.Discrepancies.O2 != planted || gov.Confirmed {
				t.Fatalf("round 1 Governor with %d planted discrepancies: %+v", planted, gov)
			}
			if cv.Done {
				t.Fatalf("the planted discrepancies did not force a second round: %+v", cv)
			}
		}
		if cv.Done {
			if round < 2 {
				t.Fatalf("done after round %d", round)
			}
			break
		}
		if round == 4 {
			t.Fatalf("not done after %d rounds", round)
		}
	}

	// The public report.
	code, _, csv := e.get(http.DefaultClient, "/public/audits/"+a+"/report.csv")
	if code != 200 || !bytes.Contains(csv, []byte("Governor")) {
		t.Fatalf("report.csv: %d %s", code, csv)
	}
	code, _, js := e.get(http.DefaultClient, "/public/audits/"+a+"/report.json")
	var rep audit.Report
	if code != 200 || json.Unmarshal(js, &rep) != nil || rep.Settings.Seed != testSeed || len(rep.Rounds) < 2 || len(rep.Ballots) == 0 {
		t.Fatalf("report.json: %d %.300s", code, js)
	}
	if code, _, _ := e.get(http.DefaultClient, "/public/audits/"+a+"/sampled-ballots.csv"); code != 200 {
		t.Errorf("sampled-ballots.csv: %d", code)
	}

	// Every step is in the log: rebuilding gives the same database.
	before := dump(t, e.st)
	st2 := openSQLite(t)
	defer st2.Close()
	e.srv.Close()
	if err := e.o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := office.Rebuild(context.Background(), e.dir, st2); err != nil {
		t.Fatal(err)
	}
	if after := dump(t, st2); !bytes.Equal(after, before) {
		t.Fatal("the database rebuilt from the log differs from the live one")
	}
}

// mapFS is an fs.FS of in-memory files for the test's own reading.
type mapFS map[string][]byte

func (m mapFS) Open(name string) (fs.File, error) {
	return fstest.MapFS{name: &fstest.MapFile{Data: m[name]}}.Open(name)
}

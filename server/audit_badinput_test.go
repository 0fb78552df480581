package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server"
)

// rawUpload posts a hand-made multipart (or other) body to an audit
// upload route and returns the status and the API's error.
func (e *env) rawUpload(c *http.Client, path, contentType string, body []byte) (int, apiError) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var ae apiError
	readJSON(resp, &ae)
	return resp.StatusCode, ae
}

func readJSON(resp *http.Response, out any) {
	json.NewDecoder(resp.Body).Decode(out)
}

// multipartBody builds a multipart body from fields and files (name →
// content), in order.
func multipartBody(fields [][2]string, files [][2]string) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f[0], "x.csv")
		w.Write([]byte(f[1]))
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// TestAuditBadInput sends bad input to every audit route, at every stage
// of an audit, and checks each gets a precise error (status and field)
// and changes neither the log nor the database.
func TestAuditBadInput(t *testing.T) {
	e := newEnv(t)
	p := newAuditPeople(e)
	a := setUpAudit(e, p)
	base := "/api/v1/audits/" + a
	big := `{"name":"` + strings.Repeat("x", int(office.DefaultLimits.JSONBody)) + `"}`

	type jcase struct {
		what, method, path string
		body               any
		status             int
		field              string
	}
	run := func(c *http.Client, cases []jcase) {
		t.Helper()
		for _, k := range cases {
			e.refused(k.what, c, k.method, k.path, k.body, k.status, k.field)
		}
	}
	run(p.aa1.client, []jcase{
		{"malformed JSON", "POST", "/api/v1/audits", `{"name": "x",`, 400, ""},
		{"trailing data", "POST", "/api/v1/audits", `{"name": "x"} {}`, 400, ""},
		{"not an object", "POST", "/api/v1/audits", `[1]`, 400, ""},
		{"unknown field", "POST", "/api/v1/audits", `{"nme": "x"}`, 400, "nme"},
		{"wrong type", "POST", "/api/v1/audits", `{"risk_limit": "0.1"}`, 400, "risk_limit"},
		{"wrong nested type", "POST", "/api/v1/audits", `{"contests": [{"name": 1}]}`, 400, "contests.name"},
		{"oversized body", "POST", "/api/v1/audits", big, 413, ""},
		{"unknown election", "POST", "/api/v1/audits", map[string]any{"election": "e-none", "name": "x"}, 404, "election"},
	})
	// A definition that fails validation, on an existing election.
	var st office.AuditView
	e.must(p.aa1.client, 200, "GET", base, nil, &st)
	good := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{"election": st.Election}
		for k, v := range auditSetup {
			m[k] = v
		}
		edit(m)
		return m
	}
	run(p.aa1.client, []jcase{
		{"risk limit 1.5", "POST", "/api/v1/audits", good(func(m map[string]any) { m["risk_limit"] = 1.5 }), 400, "risk_limit"},
		{"unknown math", "POST", "/api/v1/audits", good(func(m map[string]any) { m["math"] = "nope" }), 400, "math"},
		{"a jurisdiction with a slash", "POST", "/api/v1/audits", good(func(m map[string]any) {
			m["contests"] = []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": []string{"a/b"}}}
		}), 400, "jurisdictions[0]"},
	})

	// Uploads: wrong multipart, missing parts, wrong formats, bad rows.
	up := base + "/jurisdictions/county-a/"
	for _, k := range []struct {
		what, kind, ctype string
		body              []byte
		status            int
		field             string
	}{
		{"JSON instead of multipart", "manifest", "application/json", []byte(`{"file":"x"}`), 400, "file"},
		{"a broken multipart body", "manifest", "multipart/form-data; boundary=zzz", []byte("--zzz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"), 400, "file"},
	} {
		e.unchanged(k.what, func() {
			if code, ae := e.rawUpload(p.aa1.client, up+k.kind, k.ctype, k.body); code != k.status || ae.Field != k.field || ae.Error == "" {
				t.Errorf("%s: %d %+v, want %d field %q", k.what, code, ae, k.status, k.field)
			}
		})
	}
	manifest := string(countyManifest("county-a"))
	for _, k := range []struct {
		what, kind string
		fields     [][2]string
		files      [][2]string
		status     int
		field      string
	}{
		{"no file part", "manifest", [][2]string{{"format", "arlo"}}, nil, 400, "file"},
		{"two file parts", "manifest", [][2]string{{"format", "arlo"}}, [][2]string{{"file", manifest}, {"file", manifest}}, 400, "file"},
		{"no format", "manifest", nil, [][2]string{{"file", manifest}}, 400, "format"},
		{"two formats", "manifest", [][2]string{{"format", "arlo"}, {"format", "arlo"}}, [][2]string{{"file", manifest}}, 400, "format"},
		{"a Colorado manifest for Arlo's sampler", "manifest", [][2]string{{"format", "colorado"}}, [][2]string{{"file", manifest}}, 400, "format"},
		{"a bad manifest row", "manifest", [][2]string{{"format", "arlo"}}, [][2]string{{"file", "Container,Tabulator,Batch Name,Number of Ballots\nBox 1,1,1,-3\n"}}, 422, "file"},
		{"an empty manifest", "manifest", [][2]string{{"format", "arlo"}}, [][2]string{{"file", ""}}, 422, "file"},
		{"an unknown CVR format", "cvrs", [][2]string{{"format", "punch-cards"}}, [][2]string{{"file", "x"}}, 400, "format"},
		{"CVRs that do not parse", "cvrs", [][2]string{{"format", "dominion-csv"}}, [][2]string{{"file", "not,a,dominion\nfile\n"}}, 422, "file"},
	} {
		body, ctype := multipartBody(k.fields, k.files)
		e.unchanged(k.what, func() {
			if code, ae := e.rawUpload(p.aa1.client, up+k.kind, ctype, body); code != k.status || ae.Field != k.field || ae.Error == "" {
				t.Errorf("%s: %d %+v, want %d field %q", k.what, code, ae, k.status, k.field)
			}
		})
	}
	body, ctype := multipartBody([][2]string{{"format", "arlo"}}, [][2]string{{"file", manifest}})
	e.unchanged("an unknown jurisdiction", func() {
		if code, ae := e.rawUpload(p.aa1.client, base+"/jurisdictions/county-z/manifest", ctype, body); code != 404 || ae.Field != "jurisdiction" {
			t.Errorf("an unknown jurisdiction: %d %+v", code, ae)
		}
	})

	for _, c := range counties {
		if code := e.auditUpload(p.aa1.client, a, c, "manifest", "arlo", "manifest.csv", countyManifest(c), nil); code != 200 {
			t.Fatalf("manifest %s: %d", c, code)
		}
		if code := e.auditUpload(p.aa1.client, a, c, "cvrs", "dominion-csv", "cvr.csv", countyDominionCSV(c), nil); code != 200 {
			t.Fatalf("CVRs %s: %d", c, code)
		}
	}

	// The seed.
	run(p.aa1.client, []jcase{
		{"seed: malformed JSON", "POST", base + "/seed", `{"seed":`, 400, ""},
		{"seed: unknown field", "POST", base + "/seed", `{"seed":"` + testSeed + `","rolled_by":["A"],"rolled":["B"]}`, 400, "rolled"},
		{"seed: a number", "POST", base + "/seed", `{"seed":` + testSeed + `,"rolled_by":["A"]}`, 400, "seed"},
		{"seed: too short", "POST", base + "/seed", map[string]any{"seed": "1234567890", "rolled_by": []string{"A"}}, 400, "seed"},
		{"seed: not digits", "POST", base + "/seed", map[string]any{"seed": "1234567890123456789O", "rolled_by": []string{"A"}}, 400, "seed"},
		{"seed: nobody rolled", "POST", base + "/seed", map[string]any{"seed": testSeed, "rolled_by": []string{}}, 400, "rolled_by"},
		{"seed: a blank witness", "POST", base + "/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"A"}, "witnesses": []string{" "}}, 400, "witnesses"},
		{"seed: oversized", "POST", base + "/seed", big, 413, ""},
		{"a round before the seed", "POST", base + "/rounds", map[string]any{"sample_size": map[string]any{}}, 409, "seed"},
		{"seed: no such audit", "POST", "/api/v1/audits/a-none/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"A"}}, 404, "audit"},
	})
	var q requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann"}}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("seed: %d", c)
	}

	// Rounds.
	run(p.aa1.client, []jcase{
		{"round: malformed", "POST", base + "/rounds", `{"sample_size":{`, 400, ""},
		{"round: unknown field", "POST", base + "/rounds", `{"size":{}}`, 400, "size"},
		{"round: unknown nested field", "POST", base + "/rounds", `{"sample_size":{"n":5}}`, 400, "n"},
		{"round: draws a string", "POST", base + "/rounds", `{"sample_size":{"draws":"5"}}`, 400, "sample_size.draws"},
		{"round: negative draws", "POST", base + "/rounds", map[string]any{"sample_size": map[string]any{"draws": -1}}, 400, "sample_size.draws"},
		{"round: too many draws", "POST", base + "/rounds", map[string]any{"sample_size": map[string]any{"draws": 2_000_000}}, 400, "sample_size.draws"},
		{"round: unknown size key", "POST", base + "/rounds", map[string]any{"sample_size": map[string]any{"key": "0.95"}}, 400, "sample_size.key"},
		{"round: next in round 1", "POST", base + "/rounds", map[string]any{"sample_size": map[string]any{"key": "next"}}, 400, "sample_size.key"},
		{"sample of a round not drawn", "GET", base + "/rounds/1/sample", nil, 404, "round"},
		{"sample of round 0", "GET", base + "/rounds/0/sample", nil, 404, "round"},
		{"sample of round x", "GET", base + "/rounds/x/sample", nil, 404, "round"},
		{"a board before a round", "POST", base + "/jurisdictions/county-a/boards", map[string]any{"members": []string{"A", "B"}}, 409, "round"},
	})
	var rv office.RoundView
	e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, &rv)

	// Boards.
	boards := base + "/jurisdictions/county-a/boards"
	run(p.aa1.client, []jcase{
		{"board: one member", "POST", boards, map[string]any{"members": []string{"A"}}, 400, "members"},
		{"board: a member twice", "POST", boards, map[string]any{"members": []string{"A", "A"}}, 400, "members"},
		{"board: a blank member", "POST", boards, map[string]any{"members": []string{"A", ""}}, 400, "members"},
		{"board: members not a list", "POST", boards, `{"members":"A, B"}`, 400, "members"},
		{"board: unknown field", "POST", boards, `{"members":["A","B"],"party":["x"]}`, 400, "party"},
		{"board: unknown jurisdiction", "POST", base + "/jurisdictions/county-z/boards", map[string]any{"members": []string{"A", "B"}}, 404, "jurisdiction"},
		{"a second round while one is open", "POST", base + "/rounds", map[string]any{"sample_size": map[string]any{}}, 409, "round"},
	})
	b := e.newBoard(p.aa1, a, "county-a", "Dee", "Rex")
	m := b.members[0]
	var list []office.BoardBallot
	e.must(m.client, 200, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, b.id), nil, &list)
	if len(list) == 0 {
		t.Fatal("county-a's board has no ballots")
	}
	bb := list[0]
	put := fmt.Sprintf("%s/rounds/1/ballots/%s", base, bb.Ballot)
	ok := map[string]any{"Governor": map[string]any{"choices": []string{"Alice"}}, "Measure": map[string]any{"status": "blank"}}
	with := func(contest string, r any) map[string]any {
		out := map[string]any{}
		for k, v := range ok {
			out[k] = v
		}
		if r == nil {
			delete(out, contest)
		} else {
			out[contest] = r
		}
		return map[string]any{"readings": out}
	}
	run(m.client, []jcase{
		{"reading: malformed", "PUT", put, `{"readings":{"Governor":`, 400, ""},
		{"reading: unknown field", "PUT", put, `{"reading":{}}`, 400, "reading"},
		{"reading: unknown field of a reading", "PUT", put, `{"readings":{"Governor":{"choice":["Alice"]},"Measure":{"status":"blank"}}}`, 400, "choice"},
		{"reading: choices a string", "PUT", put, `{"readings":{"Governor":{"choices":"Alice"},"Measure":{"status":"blank"}}}`, 400, "readings.choices"},
		{"reading: oversized", "PUT", put, big, 413, ""},
		{"reading: a contest not on the ballot", "PUT", put, with("Mayor", map[string]any{"choices": []string{"Xavier"}}), 400, "readings"},
		{"reading: a contest missing", "PUT", put, with("Measure", nil), 400, "readings"},
		{"reading: not a candidate", "PUT", put, with("Governor", map[string]any{"choices": []string{"Zelda"}}), 400, "readings.Governor.choices[0]"},
		{"reading: a candidate of another contest", "PUT", put, with("Governor", map[string]any{"choices": []string{"Yes"}}), 400, "readings.Governor.choices[0]"},
		{"reading: a choice twice", "PUT", put, with("Governor", map[string]any{"choices": []string{"Alice", "Alice"}}), 400, "readings.Governor.choices[1]"},
		{"reading: choices and a status", "PUT", put, with("Governor", map[string]any{"choices": []string{"Alice"}, "status": "blank"}), 400, "readings"},
		{"reading: neither", "PUT", put, with("Governor", map[string]any{}), 400, "readings"},
		{"reading: unknown status", "PUT", put, with("Governor", map[string]any{"status": "smudged"}), 400, "readings"},
		{"reading: no consensus without a comment", "PUT", put, with("Governor", map[string]any{"status": "no-consensus"}), 400, "readings.Governor.comment"},
		{"reading: a ballot id that is no ticket", "PUT", base + "/rounds/1/ballots/nope", map[string]any{"readings": ok}, 404, "ballot"},
		{"reading: an unknown ticket", "PUT", base + "/rounds/1/ballots/999999999999999999", map[string]any{"readings": ok}, 404, "ballot"},
		{"reading: round x", "PUT", base + "/rounds/x/ballots/" + bb.Ballot, map[string]any{"readings": ok}, 404, "round"},
		{"reading: round 2", "PUT", base + "/rounds/2/ballots/" + bb.Ballot, map[string]any{"readings": ok}, 403, ""},
		{"sign-off with ballots unread", "POST", fmt.Sprintf("%s/rounds/1/boards/%s/sign-off", base, b.id), nil, 409, "board"},
		{"sign-off of round x", "POST", fmt.Sprintf("%s/rounds/x/boards/%s/sign-off", base, b.id), nil, 404, "round"},
		{"list of round 0", "GET", fmt.Sprintf("%s/rounds/0/boards/%s/ballots", base, b.id), nil, 404, "round"},
	})
	run(p.aa1.client, []jcase{
		{"reopen: no reason", "POST", fmt.Sprintf("%s/rounds/1/boards/%s/reopen", base, b.id), map[string]any{}, 400, "reason"},
		{"reopen: unknown field", "POST", fmt.Sprintf("%s/rounds/1/boards/%s/reopen", base, b.id), `{"reason":"x","why":"y"}`, 400, "why"},
		{"reopen: no such board", "POST", base + "/rounds/1/boards/bd-none/reopen", map[string]any{"reason": "x"}, 404, "board"},
		{"reopen: not signed off", "POST", fmt.Sprintf("%s/rounds/1/boards/%s/reopen", base, b.id), map[string]any{"reason": "x"}, 409, "board"},
		{"close: round x", "POST", base + "/rounds/x/close", nil, 404, "round"},
		{"close: round 2", "POST", base + "/rounds/2/close", nil, 409, "round"},
		{"close: before the readings", "POST", base + "/rounds/1/close", nil, 409, "round"},
		{"report: unknown table", "GET", "/public/audits/" + a + "/nope.csv", nil, 404, ""},
	})
	// The board's entries are still accepted after all that.
	for _, x := range list {
		v := countyCVRs("county-a")[fmt.Sprintf("%s/%s/%d", x.Tabulator, x.Batch, x.Position)]
		e.must(b.members[1].client, 204, "PUT", fmt.Sprintf("%s/rounds/1/ballots/%s", base, x.Ballot), map[string]any{"readings": readingsOf(v, []string{"Governor", "Measure"})}, nil)
	}
}

// TestAuditUploadTooLarge: an audit upload over the office's upload limit
// is refused (413, field file) and changes nothing.
func TestAuditUploadTooLarge(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	st := openSQLite(t)
	created, err := office.Create(ctx, dir, st, office.CreateOptions{Origin: "clerk.example/office", Admins: []string{"ada", "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	limits := office.DefaultLimits
	limits.Upload = 4 << 10
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	o, err := office.Open(ctx, dir, st, office.Options{Now: c.Now, Limits: &limits})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(o))
	e := &env{t: t, dir: dir, st: st, o: o, srv: srv, created: created, clock: c}
	t.Cleanup(func() {
		srv.Close()
		o.Close()
		st.Close()
	})
	p := newAuditPeople(e)
	a := setUpAudit(e, p)
	var m strings.Builder
	m.WriteString("Container,Tabulator,Batch Name,Number of Ballots\n")
	for i := 1; m.Len() <= 8<<10; i++ {
		fmt.Fprintf(&m, "Box 1,1,%d,100\n", i)
	}
	for _, size := range []int{m.Len(), 2 << 20} {
		data := []byte(m.String())
		if size > len(data) {
			data = append(data, bytes.Repeat([]byte("Box 1,1,x,1\n"), size/12)...)
		}
		e.unchanged(fmt.Sprintf("a %d-byte manifest", len(data)), func() {
			var ae apiError
			if code := e.auditUpload(p.aa1.client, a, "county-a", "manifest", "arlo", "manifest.csv", data, &ae); code != 413 || ae.Field != "file" {
				t.Errorf("a %d-byte manifest over a 4 KiB limit: %d %+v, want 413 file", len(data), code, ae)
			}
		})
	}
	// Within the limit it is taken.
	if code := e.auditUpload(p.aa1.client, a, "county-a", "manifest", "arlo", "manifest.csv", countyManifest("county-a"), nil); code != 200 {
		t.Fatalf("a small manifest: %d", code)
	}
}

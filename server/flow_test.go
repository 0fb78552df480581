package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rctab"
)

const fixture = "2013_minneapolis_mayor"

// TestContractFlow drives the whole API contract of issue 8: two
// administrators enroll and create an official and a second official by
// two-person requests; an official creates an election, uploads the 2013
// Minneapolis mayoral CVRs and RCTab configuration, tabulates (reports
// identical to RCTab's), and has the results published by a second
// official's signature; the public snapshot is served; the log verifies,
// holds every step, and both approvals verify against the enrolled keys;
// and rebuilding the database from the log gives the same dump.
func TestContractFlow(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { contractFlow(t, open) })
	}
}

func contractFlow(t *testing.T, open opener) {
	e := newEnvOn(t, open)
	ctx := context.Background()
	if len(e.created.Enrollment) != 2 {
		t.Fatalf("init made %d enrollment codes", len(e.created.Enrollment))
	}
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	bob := e.enroll("bob", e.created.Enrollment["bob"])
	var who struct {
		User  string   `json:"user"`
		Roles []string `json:"roles"`
	}
	e.clock.Advance(30e9)
	e.must(ada.client, 200, "POST", "/api/v1/login", map[string]string{"user": "ada", "password": ada.pw, "totp": auth.TOTPCode(ada.seed, e.clock.Now())}, &who)
	if who.User != "ada" || !slices.Equal(who.Roles, []string{"admin"}) {
		t.Fatalf("login answered %+v", who)
	}
	e.login(bob)

	// A user request: pending with one signature, refused for a second
	// signature by the same person, executed by the second admin.
	var q requestView
	e.must(ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "olga", "roles": []string{"official"}, "jurisdiction": "state/hennepin"}, &q)
	if q.Status != "pending" || q.Kind != "users" || q.RequestedBy != "ada" || !strings.HasPrefix(q.SignText, auth.SignTextHeader+"\n") {
		t.Fatalf("request %+v", q)
	}
	if c, v := e.approve(ada, q.ID, q.SignText); c != 200 || v.Status != "pending" || len(v.Signatures) != 1 {
		t.Fatalf("first signature: %d %+v", c, v)
	}
	if c, _ := e.approve(ada, q.ID, q.SignText); c != 403 {
		t.Fatalf("second signature by the same person: %d, want 403", c)
	}
	var users []office.User
	e.must(ada.client, 200, "GET", "/api/v1/users", nil, &users)
	if slices.ContainsFunc(users, func(u office.User) bool { return u.Name == "olga" }) {
		t.Fatal("olga exists with one signature")
	}
	// Bob signing something else than the sign text is refused.
	if c, _ := e.approve(bob, q.ID, q.SignText+"x\n"); c != 403 {
		t.Fatalf("signature over other text: %d, want 403", c)
	}
	c, v := e.approve(bob, q.ID, q.SignText)
	if c != 200 || v.Status != "done" || len(v.Signatures) != 2 {
		t.Fatalf("second signature: %d %+v", c, v)
	}
	if v.Result != nil {
		t.Fatalf("the approver sees the result %v; only the requester may", v.Result)
	}
	e.must(ada.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	if q.Result["enrollment_code"] == "" {
		t.Fatalf("the requester gets no enrollment code: %+v", q)
	}
	olga := e.enroll("olga", q.Result["enrollment_code"])
	e.login(olga)
	pat := e.newUser(ada, bob, "pat", []string{"official"}, "state/hennepin")

	// Election, upload, tabulation.
	var el office.Election
	e.must(olga.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "2013 Minneapolis Mayor", "date": "2013-11-05"}, &el)
	if el.ID == "" || el.Jurisdiction != "state/hennepin" || el.Mode != "test" {
		t.Fatalf("election %+v", el)
	}
	var list []office.Election
	e.must(pat.client, 200, "GET", "/api/v1/elections", nil, &list)
	if len(list) != 1 || list[0].ID != el.ID || list[0].Name != el.Name || list[0].Date != "2013-11-05" {
		t.Fatalf("elections %+v", list)
	}
	xlsx := readFixture(t, fixture+"_cvr.xlsx")
	sum := sha256.Sum256(xlsx)
	var up struct {
		Files []office.FileRef `json:"files"`
	}
	if c := e.upload(olga.client, el.ID, map[string][]byte{"mpls_cvr.xlsx": xlsx}, map[string]string{"mpls_cvr.xlsx": hex.EncodeToString(sum[:])}, &up); c != 200 {
		t.Fatalf("upload: %d", c)
	}
	if len(up.Files) != 1 || up.Files[0].SHA256 != hex.EncodeToString(sum[:]) || up.Files[0].Size != int64(len(xlsx)) || up.Files[0].Name != "mpls_cvr.xlsx" {
		t.Fatalf("upload answered %+v", up)
	}
	var cfg map[string]any
	if err := json.Unmarshal(readFixture(t, fixture+"_config.json"), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["cvrFileSources"].([]any)[0].(map[string]any)["filePath"] = "mpls_cvr.xlsx"
	var tab struct {
		ID      string            `json:"id"`
		Summary json.RawMessage   `json:"summary"`
		Reports map[string]string `json:"reports"`
	}
	e.must(olga.client, 201, "POST", "/api/v1/elections/"+el.ID+"/tabulations", map[string]any{"rctab_config": cfg}, &tab)
	if tab.ID == "" || !strings.Contains(string(tab.Summary), "BETSY HODGES") {
		t.Fatalf("tabulation %s %s", tab.ID, tab.Summary)
	}
	compareReports(t, e, olga, tab.Reports)

	// Publication: nothing public with one signature, published with two.
	e.must(olga.client, 202, "POST", "/api/v1/elections/"+el.ID+"/publications", map[string]string{"tabulation": tab.ID}, &q)
	if c, v := e.approve(olga, q.ID, q.SignText); c != 200 || v.Status != "pending" {
		t.Fatalf("first publication signature: %d %+v", c, v)
	}
	if c, _ := e.approve(olga, q.ID, q.SignText); c != 403 {
		t.Fatalf("publication signed twice by its requester: %d", c)
	}
	if c, _ := e.approve(ada, q.ID, q.SignText); c != 403 {
		t.Fatalf("publication signed by an administrator: %d, want 403", c)
	}
	anon := &http.Client{}
	if c, _, _ := e.get(anon, "/public/elections/"+el.ID+"/results.json"); c != 404 {
		t.Fatalf("results public before the second signature: %d", c)
	}
	pubID, pubText := q.ID, q.SignText
	if c, v := e.approve(pat, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("second publication signature: %d %+v", c, v)
	}
	checkPublic(t, e, el.ID)

	// The log verifies over HTTP and holds every step.
	res, err := ledger.Verify(ctx, ledger.HTTPFetcher{Prefix: e.srv.URL + "/log"}, ledger.VerifyOptions{VKey: e.created.VKey})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checkpoint.Size != e.o.LogSize() {
		t.Fatalf("published checkpoint size %d, log size %d", res.Checkpoint.Size, e.o.LogSize())
	}
	var types []string
	keys := map[string]string{}
	var executed ledger.Event
	signText := map[string]string{}
	e.o.Events(ctx, func(ev ledger.Event) error {
		types = append(types, ev.Type)
		switch ev.Type {
		case "user-enrolled":
			keys[ev.Payload["subject"].(string)] = ev.Payload["signing_key"].(string)
		case "request-created":
			signText[ev.Payload["request"].(string)] = ev.Payload["sign_text"].(string)
		case "request-executed":
			if ev.Payload["request"] == pubID {
				executed = ev
			}
		}
		return nil
	})
	for _, want := range []string{"office-created", "user-enrolled", "login", "request-created", "request-signed", "request-refused", "request-executed", "election-created", "file-upload", "election-tabulation"} {
		if !slices.Contains(types, want) {
			t.Errorf("the log has no %s event; it has %v", want, types)
		}
	}
	if signText[pubID] != pubText {
		t.Fatalf("logged sign text %q, served %q", signText[pubID], pubText)
	}
	signers, sigs := executed.Payload["signers"].([]any), executed.Payload["signatures"].([]any)
	if len(signers) != 2 || signers[0] != "olga" || signers[1] != "pat" {
		t.Fatalf("publication signers %v", signers)
	}
	for i, s := range sigs {
		if err := auth.VerifyNoteSignature(s.(string), pubText, keys[signers[i].(string)]); err != nil {
			t.Errorf("signature %d by %s does not verify from the enrolled key: %v", i, signers[i], err)
		}
	}
	if files := executed.Payload["files"].([]any); len(files) < 3 {
		t.Fatalf("the publication commits %d files", len(files))
	}

	// Rebuild gives the same database, byte for byte.
	before := dump(t, e.st)
	st2 := open(t)
	defer st2.Close()
	e.srv.Close()
	if err := e.o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := office.Rebuild(ctx, e.dir, st2); err != nil {
		t.Fatal(err)
	}
	if after := dump(t, st2); string(after) != string(before) {
		t.Fatalf("rebuilt dump differs:\n%s\n----\n%s", before, after)
	}
}

// compareReports fetches every report and compares it with RCTab's
// expected output by RCTab's rules.
func compareReports(t *testing.T, e *env, p *person, reports map[string]string) {
	t.Helper()
	dir := filepath.Join("..", "testdata", "rctab", fixture)
	pairs := map[string]string{
		fixture + "_expected_detailed_report.json": rctab.DetailedJSON,
		fixture + "_expected_detailed_report.csv":  rctab.DetailedCSV,
	}
	precincts, _ := filepath.Glob(filepath.Join(dir, rctab.PrecinctDir, fixture+"_expected_*"))
	for _, f := range precincts {
		pairs[rctab.PrecinctDir+"/"+filepath.Base(f)] = rctab.PrecinctDir + "/" + strings.TrimPrefix(filepath.Base(f), fixture+"_expected_")
	}
	if len(pairs) < 4 {
		t.Fatalf("only %d expected reports found", len(pairs))
	}
	for expected, key := range pairs {
		u, ok := reports[key]
		if !ok {
			t.Errorf("no report %q", key)
			continue
		}
		c, _, got := e.get(p.client, u)
		if c != 200 {
			t.Errorf("GET %s: %d", u, c)
			continue
		}
		want, err := os.ReadFile(filepath.Join(dir, expected))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(key, ".json") {
			d, err := rctab.CompareJSON(want, got)
			if err != nil || d != "" {
				t.Errorf("%s: %s %v", key, d, err)
			}
		} else if d := rctab.CompareCSV(want, got); d != "" {
			t.Errorf("%s: %s", key, d)
		}
	}
}

// checkPublic checks the public snapshot paths and their caching.
func checkPublic(t *testing.T, e *env, election string) {
	t.Helper()
	anon := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	c, h, body := e.get(anon, "/public/elections/"+election+"/results.json")
	if c != 200 || !strings.Contains(string(body), "ElectionResults.ElectionReport") || !strings.Contains(string(body), "BETSY HODGES") {
		t.Fatalf("results.json: %d %.200s", c, body)
	}
	sum := sha256.Sum256(body)
	if h.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` || !strings.Contains(h.Get("Cache-Control"), "public") {
		t.Errorf("results.json caching headers: ETag %q Cache-Control %q", h.Get("ETag"), h.Get("Cache-Control"))
	}
	var report struct{ IsTest bool }
	if err := json.Unmarshal(body, &report); err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Canvass-Test-Results") != "true" || !report.IsTest {
		t.Errorf("test-mode results are not marked as test results")
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/public/elections/"+election+"/results.json", nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	if resp, err := anon.Do(req); err != nil || resp.StatusCode != 304 {
		t.Errorf("conditional GET: %v %v", resp.StatusCode, err)
	}
	req, _ = http.NewRequest("GET", e.srv.URL+"/public/elections/"+election+"/results.json", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if resp, err := anon.Do(req); err != nil || resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") == h.Get("ETag") {
		t.Errorf("gzip representation: %v, Content-Encoding %q, ETag %q", err, resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"))
	} else {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if unz, err := io.ReadAll(zr); err != nil || !bytes.Equal(unz, body) {
			t.Errorf("gzip body does not decompress to the file: %v", err)
		}
		resp.Body.Close()
	}
	c, h, page := e.get(anon, "/public/elections/"+election+"/")
	if c != 200 || !strings.Contains(string(page), "TEST RESULTS") || !strings.Contains(string(page), "BETSY HODGES") || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %q %.300s", c, h.Get("Content-Type"), page)
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP %q", h.Get("Content-Security-Policy"))
	}
	c, h, v1 := e.get(anon, "/public/elections/"+election+"/v/1/results.json")
	if c != 200 || string(v1) != string(body) || !strings.Contains(h.Get("Cache-Control"), "immutable") {
		t.Errorf("version path: %d %q", c, h.Get("Cache-Control"))
	}
	if c, _, rep := e.get(anon, "/public/elections/"+election+"/reports/"+rctab.DetailedJSON); c != 200 || !strings.Contains(string(rep), "BETSY HODGES") {
		t.Errorf("public report: %d", c)
	}
	precinct := "/public/elections/" + election + "/reports/" + rctab.PrecinctDir + "/MINNEAPOLIS_W-13_P-09_precinct_detailed_report.json"
	if c, _, rep := e.get(anon, strings.ReplaceAll(precinct, " ", "%20")); c != 200 || !strings.Contains(string(rep), "W-13 P-09") {
		t.Errorf("public precinct report: %d %.100s", c, rep)
	}
	if c, _, _ := e.get(anon, "/public/elections/"+election+"/v/2/results.json"); c != 404 {
		t.Errorf("a version never published: %d", c)
	}
}

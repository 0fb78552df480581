package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server"
)

// TestAuditPublicSnapshots: the public audit page is a static snapshot
// written after the seed, each draw and each close, every version kept
// under its own path; readings appear only once their round is closed;
// report.csv is what AuditReport renders; rebuild gives the same
// pointer and files.
func TestAuditPublicSnapshots(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { testAuditPublicSnapshots(t, open) })
	}
}

func testAuditPublicSnapshots(t *testing.T, open opener) {
	e, p, a := pollingAudit(t, open)
	base, pub := "/api/v1/audits/"+a, "/public/audits/"+a
	js := counties[:2]
	// Nothing is public before the seed.
	if code, _, _ := e.get(http.DefaultClient, pub+"/"); code != 404 {
		t.Fatalf("the audit page before the seed: %d, want 404", code)
	}
	if code, _, _ := e.get(http.DefaultClient, pub+"/report.csv"); code != 404 {
		t.Fatalf("report.csv before the seed: %d, want 404", code)
	}

	page := func(path string, version int) (string, http.Header) {
		t.Helper()
		code, h, body := e.get(http.DefaultClient, path)
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		if got := h.Get("X-Canvass-Version"); got != fmt.Sprint(version) {
			t.Fatalf("%s: version %s, want %d", path, got, version)
		}
		return string(body), h
	}

	var q requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann Roller"}, "witnesses": []string{"Wes Watcher"}}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("seed: %d", c)
	}
	v1, h := page(pub+"/", 1)
	for _, want := range []string{testSeed, "Ann Roller", "Wes Watcher", q.ID, "aa1, aa2", "Governor", "Targeted", "ballot-polling"} {
		if !strings.Contains(v1, want) {
			t.Errorf("the page after the seed lacks %q", want)
		}
	}
	if h.Get("Cache-Control") != "public, max-age=5" || h.Get("ETag") == "" {
		t.Errorf("current page headers: %v", h)
	}

	var rv office.RoundView
	e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{"key": "0.9"}}, &rv)
	v2, _ := page(pub+"/", 2)
	if !strings.Contains(v2, `href="round-1-sample.csv"`) || !strings.Contains(v2, fmt.Sprintf("%d draws", rv.Count)) {
		t.Fatalf("the page after the draw lacks the sample: %s", v2)
	}
	if !strings.Contains(v2, "Progress: <strong>0</strong> of ") || !strings.Contains(v2, "0 of 0 audit boards signed off") {
		t.Errorf("the page after the draw shows no progress counts")
	}
	_, _, sample := e.get(p.observer.client, base+"/rounds/1/sample")
	if _, _, got := e.get(http.DefaultClient, pub+"/round-1-sample.csv"); !bytes.Equal(got, sample) || len(sample) == 0 {
		t.Fatalf("round-1-sample.csv differs from the API's sample")
	}

	var boards []string
	first := true
	for _, c := range js {
		b := e.newBoard(p.aa1, a, c, "Dee", "Rex")
		boards = append(boards, b.id)
		var list []office.BoardBallot
		e.must(b.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, b.id), nil, &list)
		cvrs := countyCVRs(c)
		for _, bb := range list {
			rd := readingsOf(cvrs[fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)], []string{"Governor"})
			if first {
				rd["Governor"] = audit.Reading{Status: audit.StatusNotFound, Comment: "zz-not-in-the-box"}
				first = false
			}
			e.must(b.members[1].client, 204, "PUT", fmt.Sprintf("%s/rounds/1/ballots/%s", base, bb.Ballot), map[string]any{"readings": rd}, nil)
		}
		for _, m := range b.members {
			e.must(m.client, 200, "POST", fmt.Sprintf("%s/rounds/1/boards/%s/sign-off", base, b.id), nil, nil)
		}
	}
	// Every reading is in, the round still open: nothing of it is public.
	for _, f := range []string{"/", "/report.json", "/sampled-ballots.csv", "/v/2/"} {
		_, _, body := e.get(http.DefaultClient, pub+f)
		leaks := append([]string{"zz-not-in-the-box"}, boards...)
		if !strings.HasSuffix(f, ".csv") {
			leaks = append(leaks, "board_reading") // the CSV's header names the column
		}
		for _, leak := range leaks {
			if bytes.Contains(body, []byte(leak)) {
				t.Fatalf("%s shows %q while the round is open", f, leak)
			}
		}
	}
	var cv office.CloseView
	e.must(p.aa1.client, 200, "POST", base+"/rounds/1/close", nil, &cv)
	v3, _ := page(pub+"/", 3)
	for _, want := range append([]string{"zz-not-in-the-box", "Round 1 (closed)", "not-found", "Risk and decision", "2 of 2 audit boards signed off"}, boards...) {
		if !strings.Contains(v3, want) {
			t.Errorf("the page after the close lacks %q", want)
		}
	}
	risk := fmt.Sprint(cv.Contests["Governor"].Risk)
	if _, _, js := e.get(http.DefaultClient, pub+"/report.json"); !bytes.Contains(js, []byte(`"risk": `+risk)) || !bytes.Contains(js, []byte("zz-not-in-the-box")) {
		t.Errorf("report.json after the close lacks the risk %s or the readings: %.400s", risk, js)
	}

	// report.csv and every table are byte for byte what AuditReport
	// renders today.
	rep, err := e.o.AuditReport(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range audit.CSVTables {
		var want bytes.Buffer
		if err := rep.WriteCSV(table, &want); err != nil {
			t.Fatal(err)
		}
		files := []string{table + ".csv"}
		if table == "rounds" {
			files = append(files, "report.csv")
		}
		for _, f := range files {
			code, h, got := e.get(http.DefaultClient, pub+"/"+f)
			if code != 200 || !bytes.Equal(got, want.Bytes()) || h.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Errorf("%s: %d %q, AuditReport renders %q", f, code, got, want.Bytes())
			}
		}
	}
	var wantJSON bytes.Buffer
	rep.WriteJSON(&wantJSON)
	if _, _, got := e.get(http.DefaultClient, pub+"/report.json"); !bytes.Equal(got, wantJSON.Bytes()) {
		t.Errorf("report.json differs from AuditReport's")
	}

	// Older versions keep serving, immutable.
	old, h := page(pub+"/v/1/", 1)
	if old != v1 || h.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("v/1/: same page %v, Cache-Control %q", old == v1, h.Get("Cache-Control"))
	}
	if got, _ := page(pub+"/v/2/index.html", 2); got != v2 {
		t.Errorf("v/2/index.html changed")
	}
	if code, _, _ := e.get(http.DefaultClient, pub+"/v/1/round-1-sample.csv"); code != 404 {
		t.Errorf("version 1 (before the draw) serves a sample: %d", code)
	}
	for _, path := range []string{"/v/0/", "/v/01/", "/v/x/", "/v/4/", "/nope.csv", "/../report.csv"} {
		if code, _, _ := e.get(http.DefaultClient, pub+path); code != 404 {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
	if code, _, _ := e.get(http.DefaultClient, "/public/audits/a-none/report.csv"); code != 404 {
		t.Errorf("an unknown audit: %d, want 404", code)
	}
	pubs, err := e.o.AuditPublications(context.Background(), a)
	if err != nil || len(pubs) != 3 || pubs[0].Trigger != "seed" || pubs[1].Trigger != "round-drawn" || pubs[2].Trigger != "round-closed" || pubs[2].Round != 1 {
		t.Fatalf("publications %+v %v", pubs, err)
	}
	// Nothing was missed, so a service start republishes nothing.
	if err := e.o.ServiceStart(context.Background(), "test", strings.Repeat("ab", 32), ""); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.o.AuditPublications(context.Background(), a); len(again) != 3 {
		t.Fatalf("a service start republished an up-to-date audit: %d publications", len(again))
	}

	// The log holds every snapshot: rebuilding gives the same pointer
	// and files.
	before := dump(t, e.st)
	if !bytes.Contains(before, []byte(kindAuditCurrentForTest)) {
		t.Fatal("the dump has no audit pointer")
	}
	st2 := open(t)
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

// pollingAudit sets up a ballot-polling audit of Governor in two counties
// with its manifests uploaded, ready for the seed.
func pollingAudit(t testing.TB, open opener) (*env, *auditPeople, string) {
	e := newEnvOn(t, open)
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
	setup := map[string]any{"election": el.ID, "name": "Public RLA", "type": "ballot-polling", "math": "bravo", "risk_limit": 0.1, "sampler": "arlo",
		"contests": []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": js,
			"reported": json.RawMessage(fmt.Sprintf(`{"Alice":%d,"Bob":%d}`, alice, bob))}}}
	var created struct{ ID string }
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", setup, &created)
	a := created.ID
	for _, c := range js {
		if code := e.auditUpload(p.aa1.client, a, c, "manifest", "arlo", "manifest.csv", countyManifest(c), nil); code != 200 {
			t.Fatalf("manifest %s: %d", c, code)
		}
	}
	return e, p, a
}

const kindAuditCurrentForTest = "audit-current"

// BenchmarkPublicAuditPage serves the current public audit page (after the
// seed and the first draw) through the server's handler, in parallel, as
// a refresh storm would: static bytes from memory, no database query.
func BenchmarkPublicAuditPage(b *testing.B) {
	e, p, a := pollingAudit(b, openSQLite)
	var q requestView
	e.must(p.aa1.client, 202, "POST", "/api/v1/audits/"+a+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann"}}, &q)
	e.approve(p.aa1, q.ID, q.SignText)
	e.approve(p.aa2, q.ID, q.SignText)
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits/"+a+"/rounds", map[string]any{"sample_size": map[string]any{"key": "0.9"}}, nil)
	h := server.New(e.o)
	path := "/public/audits/" + a + "/"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Accept-Encoding", "gzip")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 || w.Header().Get("Content-Encoding") != "gzip" {
				b.Errorf("%s: %d %v", path, w.Code, w.Header())
				return
			}
		}
	})
}

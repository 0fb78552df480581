package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
)

// world is an office with two admins, two officials and an observer of
// one county, an official of another county, and an election.
type world struct {
	*env
	ada, bob, olga, pat, otto, carl *person
	election                        string
}

func newWorld(t *testing.T) *world { return newWorldOn(t, openSQLite) }

// newWorldOn is newWorld on a store of one backend.
func newWorldOn(t *testing.T, open opener) *world {
	e := newEnvOn(t, open)
	w := &world{env: e}
	w.ada = e.enroll("ada", e.created.Enrollment["ada"])
	w.bob = e.enroll("bob", e.created.Enrollment["bob"])
	e.login(w.ada)
	e.login(w.bob)
	w.olga = e.newUser(w.ada, w.bob, "olga", []string{"official"}, "state/hennepin")
	w.pat = e.newUser(w.ada, w.bob, "pat", []string{"official"}, "state/hennepin")
	w.otto = e.newUser(w.ada, w.bob, "otto", []string{"observer"}, "state/hennepin")
	w.carl = e.newUser(w.ada, w.bob, "carl", []string{"official"}, "state/ramsey")
	var el office.Election
	e.must(w.olga.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "General", "date": "2026-11-03"}, &el)
	w.election = el.ID
	return w
}

// state is what must not change: the log's size and the database's
// records (the dump without its last line, the applied count, which grows
// with the log).
type state struct {
	size uint64
	dump []byte
}

func (w *world) state() state {
	d := dump(w.t, w.st)
	d = d[:bytes.LastIndexByte(bytes.TrimSuffix(d, []byte("\n")), '\n')+1]
	return state{w.o.LogSize(), d}
}

// unchanged runs f and checks that the log and database did not change.
func (w *world) unchanged(name string, f func()) {
	w.t.Helper()
	before := w.state()
	f()
	after := w.state()
	if after.size != before.size {
		w.t.Errorf("%s: the log grew from %d to %d entries", name, before.size, after.size)
	}
	if !bytes.Equal(after.dump, before.dump) {
		w.t.Errorf("%s: the database changed", name)
	}
}

// raw sends a request with full control of headers and body, and returns
// the status and decoded error.
func (w *world) raw(c *http.Client, method, path, contentType string, body io.Reader, hdr map[string]string) (int, map[string]string) {
	w.t.Helper()
	req, _ := http.NewRequest(method, w.srv.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range files {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	zw.Close()
	return b.Bytes()
}

// TestBadInputChangesNothing sends every kind of bad request and checks
// each gets a precise 4xx and leaves the log and the database as they were.
func TestBadInputChangesNothing(t *testing.T) {
	w := newWorld(t)
	el := "/api/v1/elections/" + w.election
	type jsonCase struct {
		name, path, body string
		status           int
		field            string
	}
	for _, c := range []jsonCase{
		{"malformed JSON", "/api/v1/elections", `{"name": "x",`, 400, ""},
		{"not an object", "/api/v1/elections", `[1,2]`, 400, ""},
		{"null", "/api/v1/elections", `null`, 400, ""},
		{"unknown field", "/api/v1/elections", `{"name":"x","date":"2026-11-03","admin":true}`, 400, "admin"},
		{"wrong type", "/api/v1/elections", `{"name":5,"date":"2026-11-03"}`, 400, "name"},
		{"trailing data", "/api/v1/elections", `{"name":"x","date":"2026-11-03"} {}`, 400, ""},
		{"bad date", "/api/v1/elections", `{"name":"x","date":"11/03/2026"}`, 400, "date"},
		{"bad jurisdiction", "/api/v1/elections", `{"name":"x","date":"2026-11-03","jurisdiction":"../state"}`, 400, "jurisdiction"},
		{"oversized body", "/api/v1/elections", `{"name":"` + strings.Repeat("x", 70<<10) + `","date":"2026-11-03"}`, 413, ""},
		{"tabulation naming no upload", el + "/tabulations", `{"rctab_config":{"cvrFileSources":[{"filePath":"missing.xlsx"}]}}`, 400, "rctab_config.cvrFileSources[0].filePath"},
		{"tabulation path traversal", el + "/tabulations", `{"rctab_config":{"cvrFileSources":[{"filePath":"../../keys/log.key"}]}}`, 400, "rctab_config.cvrFileSources[0].filePath"},
		{"tabulation with both modes", el + "/tabulations", `{"rctab_config":{},"format":"ess"}`, 400, "rctab_config"},
		{"publication of no tabulation", el + "/publications", `{"tabulation":"t-nope"}`, 404, "tabulation"},
		{"malformed signature", "/api/v1/requests/r-nope/signatures", `{"signature":"hello"}`, 400, "signature"},
	} {
		w.unchanged(c.name, func() {
			status, out := w.raw(w.olga.client, "POST", c.path, "application/json", strings.NewReader(c.body), nil)
			if status != c.status || out["field"] != c.field || out["error"] == "" {
				t.Errorf("%s: %d %v, want %d with field %q", c.name, status, out, c.status, c.field)
			}
		})
	}
	w.unchanged("wrong content type", func() {
		if status, _ := w.raw(w.olga.client, "POST", "/api/v1/elections", "text/plain", strings.NewReader(`{}`), nil); status != 415 {
			t.Errorf("text/plain body: %d", status)
		}
	})

	// Uploads.
	upload := func(name string, files map[string][]byte, expected map[string]string, want int, wantMsg string) {
		w.unchanged(name, func() {
			var out map[string]string
			status := w.upload(w.olga.client, w.election, files, expected, &out)
			if status != want || out["field"] == "" || !strings.Contains(out["error"], wantMsg) {
				t.Errorf("%s: %d %v, want %d mentioning %q", name, status, out, want, wantMsg)
			}
		})
	}
	upload("path traversal in a file name", map[string][]byte{"../../etc/passwd": []byte("x")}, nil, 400, "not allowed")
	upload("absolute file name", map[string][]byte{"/etc/passwd": []byte("x")}, nil, 400, "not allowed")
	upload("hash mismatch", map[string][]byte{"a.csv": []byte("x")}, map[string]string{"a.csv": strings.Repeat("0", 64)}, 400, "expected")
	upload("path traversal in a zip member", map[string][]byte{"export.zip": zipOf(t, map[string][]byte{"ok.csv": []byte("1"), "../evil.csv": []byte("2")})}, nil, 400, "evil.csv")
	upload("not a zip", map[string][]byte{"export.zip": []byte("PK not really")}, nil, 400, "zip")
	bomb := zipOf(t, map[string][]byte{"zeros.csv": make([]byte, 64<<20)})
	upload("zip bomb", map[string][]byte{"bomb.zip": bomb}, nil, 413, "zip bomb")
	w.unchanged("malformed multipart", func() {
		status, out := w.raw(w.olga.client, "POST", el+"/files", "multipart/form-data; boundary=xyz", strings.NewReader("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nabc"), nil)
		if status != 400 || out["field"] != "file" {
			t.Errorf("truncated multipart: %d %v", status, out)
		}
		status, out = w.raw(w.olga.client, "POST", el+"/files", "application/json", strings.NewReader("{}"), nil)
		if status != 400 || out["field"] != "file" {
			t.Errorf("not multipart: %d %v", status, out)
		}
	})

	// A CVR that fails to parse: the error names the file, row and field.
	dir := filepath.Join("..", "testdata", "rctab", "csv_missing_header_test")
	csv, err := os.ReadFile(filepath.Join(dir, "csv_missing_header_test_cvr.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(csv), "\n")
	lines[3] = "R_22G3akvxq7ggl01,3,five,2,1,4"
	if c := w.upload(w.olga.client, w.election, map[string][]byte{"bad.csv": []byte(strings.Join(lines, "\n"))}, nil, nil); c != 200 {
		t.Fatalf("upload of the CSV: %d", c)
	}
	var cfg map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "csv_missing_header_test_config.json"))
	json.Unmarshal(b, &cfg)
	cfg["cvrFileSources"].([]any)[0].(map[string]any)["filePath"] = "bad.csv"
	body, _ := json.Marshal(map[string]any{"rctab_config": cfg})
	w.unchanged("CVR that fails to parse", func() {
		status, out := w.raw(w.olga.client, "POST", el+"/tabulations", "application/json", bytes.NewReader(body), nil)
		if status != 400 || out["field"] != "file" || !strings.Contains(out["error"], "bad.csv") || !strings.Contains(out["error"], "4") || !strings.Contains(out["error"], "Broccoli") {
			t.Errorf("bad CVR: %d %v; want the file, row 4 and column Broccoli named", status, out)
		}
	})

	// Cross-origin, forged and expired sessions.
	w.unchanged("foreign-origin POST", func() {
		for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}} {
			status, _ := w.raw(w.olga.client, "POST", "/api/v1/elections", "application/json", strings.NewReader(`{"name":"x","date":"2026-11-03"}`), h)
			if status != 403 {
				t.Errorf("cross-origin POST with %v: %d", h, status)
			}
		}
	})
	w.unchanged("forged session", func() {
		token, _, _ := auth.NewToken()
		for _, v := range []string{"garbage", token} {
			req, _ := http.NewRequest("POST", w.srv.URL+"/api/v1/elections", strings.NewReader(`{"name":"x","date":"2026-11-03"}`))
			req.Header.Set("Content-Type", "application/json")
			req.AddCookie(&http.Cookie{Name: "canvass_session", Value: v})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("forged session %q: %d", v, resp.StatusCode)
			}
		}
	})

	// Role escalation: each attempt is refused and changes nothing.
	for _, c := range []struct {
		name   string
		p      *person
		path   string
		body   any
		status int
	}{
		{"official creates a user", w.olga, "/api/v1/users", map[string]any{"name": "mallory", "roles": []string{"admin"}}, 403},
		{"observer creates a user", w.otto, "/api/v1/users", map[string]any{"name": "mallory", "roles": []string{"official"}}, 403},
		{"observer creates an election", w.otto, "/api/v1/elections", map[string]string{"name": "x", "date": "2026-11-03"}, 403},
		{"official creates a state election", w.olga, "/api/v1/elections", map[string]string{"name": "x", "date": "2026-11-03", "jurisdiction": "state"}, 403},
		{"official of another county tabulates", w.carl, el + "/tabulations", map[string]any{"rctab_config": cfg}, 403},
		{"official of another county requests publication", w.carl, el + "/publications", map[string]string{"tabulation": "t-x"}, 403},
		{"admin tabulates", w.ada, el + "/tabulations", map[string]any{"rctab_config": cfg}, 403},
		{"admin records an install with a bad hash", w.ada, "/api/v1/software-installs", map[string]string{"component": "canvass", "version": "v1", "new_sha256": "abc"}, 400},
		{"user with an unknown role", w.ada, "/api/v1/users", map[string]any{"name": "mallory", "roles": []string{"root"}}, 400},
	} {
		w.unchanged(c.name, func() {
			var out map[string]string
			if status := w.do(c.p.client, "POST", c.path, c.body, &out); status != c.status {
				t.Errorf("%s: %d %v, want %d", c.name, status, out, c.status)
			}
		})
	}

	// Signing without the approving role is refused and logged, and
	// changes nothing else.
	var q requestView
	w.must(w.ada.client, 202, "POST", "/api/v1/users", map[string]any{"name": "mallory", "roles": []string{"admin"}}, &q)
	w.approve(w.ada, q.ID, q.SignText)
	before := w.state()
	for _, p := range []*person{w.olga, w.otto} {
		if c, _ := w.approve(p, q.ID, q.SignText); c != 403 {
			t.Errorf("%s approving a user request: %d", p.name, c)
		}
	}
	after := w.state()
	if after.size != before.size+2 || !bytes.Equal(after.dump, before.dump) {
		t.Errorf("refused signatures: log %d→%d (want +2 refusals), database changed %v", before.size, after.size, !bytes.Equal(after.dump, before.dump))
	}
	var refused int
	w.o.Events(t.Context(), func(ev ledger.Event) error {
		if ev.Type == "request-refused" && ev.Payload["request"] == q.ID && ev.Payload["reason"] == "not-allowed" {
			refused++
		}
		return nil
	})
	if refused != 2 {
		t.Errorf("%d not-allowed refusals logged, want 2", refused)
	}

	// Wrong and replayed TOTP codes: refused, each logged as a
	// login-failure, the database unchanged.
	w.clock.Advance(30 * time.Second)
	good := auth.TOTPCode(w.pat.seed, w.clock.Now())
	wrong := "000000"
	if wrong == good {
		wrong = "111111"
	}
	before = w.state()
	c := w.client()
	if status := w.do(c, "POST", "/api/v1/login", map[string]string{"user": "pat", "password": w.pat.pw, "totp": wrong}, nil); status != 401 {
		t.Errorf("wrong TOTP: %d", status)
	}
	if status := w.do(c, "POST", "/api/v1/login", map[string]string{"user": "pat", "password": w.pat.pw, "totp": good}, nil); status != 200 {
		t.Errorf("right TOTP: %d", status)
	}
	if status := w.do(w.client(), "POST", "/api/v1/login", map[string]string{"user": "pat", "password": w.pat.pw, "totp": good}, nil); status != 401 {
		t.Errorf("replayed TOTP: %d", status)
	}
	after = w.state()
	if after.size != before.size+3 || !bytes.Equal(after.dump, before.dump) {
		t.Errorf("logins: log %d→%d (want failure, login, failure), database changed %v", before.size, after.size, !bytes.Equal(after.dump, before.dump))
	}

	// An expired session is refused.
	w.clock.Advance(31 * time.Minute)
	w.unchanged("expired session", func() {
		if status := w.do(w.olga.client, "POST", "/api/v1/elections", map[string]string{"name": "x", "date": "2026-11-03"}, nil); status != 401 {
			t.Errorf("idle session: %d", status)
		}
	})
}

package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server"
	"github.com/canvass/canvass/store"
	"github.com/canvass/canvass/store/postgres"
	"github.com/canvass/canvass/store/sqlite"
	"golang.org/x/mod/sumdb/note"
)

// clock is the office's clock in tests: TOTP codes are one per 30-second
// step and used once, so each sign-in moves it on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is an office served by httptest.
type env struct {
	t       testing.TB
	dir     string
	st      store.Store
	o       *office.Office
	srv     *httptest.Server
	created *office.Created
	clock   *clock
}

// opener opens a new, empty store of one backend.
type opener func(t testing.TB) store.Store

// openSQLite opens a new SQLite store in a temporary directory.
func openSQLite(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), office.DefaultDBName))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// openPostgres opens a store in a fresh schema of the PostgreSQL database
// CANVASS_TEST_POSTGRES names, dropped when the test ends.
func openPostgres(t testing.TB) store.Store {
	t.Helper()
	url := os.Getenv("CANVASS_TEST_POSTGRES")
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [8]byte
	rand.Read(b[:])
	name := "canvass_office_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("creating schema in %s: %v", url, err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + name + " CASCADE") })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	st, err := postgres.Open(context.Background(), url+sep+"search_path="+name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// backends are the stores the office tests run on: SQLite always, and
// PostgreSQL when CANVASS_TEST_POSTGRES names a database (required when
// CANVASS_REQUIRE_SERVICES=1).
func backends(t testing.TB) map[string]opener {
	m := map[string]opener{"sqlite": openSQLite}
	if os.Getenv("CANVASS_TEST_POSTGRES") != "" {
		m["postgres"] = openPostgres
	} else if os.Getenv("CANVASS_REQUIRE_SERVICES") == "1" {
		t.Fatal("CANVASS_REQUIRE_SERVICES=1 but CANVASS_TEST_POSTGRES is not set: set it to a PostgreSQL URL, e.g. postgres:///canvass_test?host=/var/run/postgresql")
	} else {
		t.Log("PostgreSQL not tested: set CANVASS_TEST_POSTGRES to a PostgreSQL URL")
	}
	return m
}

func newEnv(t testing.TB) *env { return newEnvOn(t, openSQLite) }

// newTLSEnv is newEnv served over HTTPS.
func newTLSEnv(t testing.TB) *env {
	e := newEnvOn(t, openSQLite)
	e.srv.Close()
	e.srv = httptest.NewTLSServer(server.New(e.o))
	t.Cleanup(e.srv.Close)
	return e
}

func newEnvOn(t testing.TB, open opener) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := open(t)
	created, err := office.Create(ctx, dir, st, office.CreateOptions{Origin: "clerk.example/office", Admins: []string{"ada", "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	o, err := office.Open(ctx, dir, st, office.Options{Now: c.Now})
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
	return e
}

// person is an enrolled user with a browser-like client.
type person struct {
	name   string
	signer note.Signer
	vkey   string
	seed   []byte
	client *http.Client
	pw     string
}

func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: e.srv.Client().Transport}
}

// do sends a JSON request and decodes a JSON answer into out (if not nil).
func (e *env) do(c *http.Client, method, path string, body any, out any) int {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			r = strings.NewReader(b)
		case []byte:
			r = bytes.NewReader(b)
		default:
			j, err := json.Marshal(body)
			if err != nil {
				e.t.Fatal(err)
			}
			r = bytes.NewReader(j)
		}
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// must is do that fails the test unless the status is want.
func (e *env) must(c *http.Client, want int, method, path string, body, out any) {
	e.t.Helper()
	var raw json.RawMessage
	got := e.do(c, method, path, body, &raw)
	if got != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatal(err)
		}
	}
}

// enroll enrolls name with its code and a fresh note key.
func (e *env) enroll(name, code string) *person {
	e.t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		e.t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		e.t.Fatal(err)
	}
	p := &person{name: name, signer: signer, vkey: vkey, client: e.client(), pw: "correct horse battery staple " + strings.Repeat("x", len(name)%3+1)}
	var out struct {
		TOTPURI string `json:"totp_uri"`
	}
	e.must(p.client, 200, "POST", "/api/v1/enroll", map[string]string{"user": name, "code": code, "password": p.pw, "signing_key": vkey}, &out)
	u, err := url.Parse(out.TOTPURI)
	if err != nil {
		e.t.Fatal(err)
	}
	p.seed, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
	if err != nil {
		e.t.Fatalf("TOTP secret in %q: %v", out.TOTPURI, err)
	}
	e.clock.Advance(30 * time.Second)
	e.must(p.client, 204, "POST", "/api/v1/enroll/confirm", map[string]string{"user": name, "code": code, "totp": auth.TOTPCode(p.seed, e.clock.Now())}, nil)
	return p
}

func (e *env) login(p *person) {
	e.t.Helper()
	e.clock.Advance(30 * time.Second)
	e.must(p.client, 200, "POST", "/api/v1/login", map[string]string{"user": p.name, "password": p.pw, "totp": auth.TOTPCode(p.seed, e.clock.Now())}, nil)
}

// sign signs text as a signed note by p.
func (p *person) sign(t testing.TB, text string) string {
	msg, err := note.Sign(&note.Note{Text: text}, p.signer)
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

type requestView struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	RequestedBy string            `json:"requested_by"`
	Status      string            `json:"status"`
	SignText    string            `json:"sign_text"`
	Signatures  []json.RawMessage `json:"signatures"`
	Result      map[string]string `json:"result"`
}

// approve signs request id by p and returns the answer's status code and
// request.
func (e *env) approve(p *person, id, text string) (int, requestView) {
	var v requestView
	var raw json.RawMessage
	code := e.do(p.client, "POST", "/api/v1/requests/"+id+"/signatures", map[string]string{"signature": p.sign(e.t, text)}, &raw)
	if code == 200 {
		json.Unmarshal(raw, &v)
	} else {
		e.t.Logf("signature by %s on %s: %d %s", p.name, id, code, raw)
	}
	return code, v
}

// newUser has two admins create and then enrolls a user.
func (e *env) newUser(a, b *person, name string, roles []string, jurisdiction string) *person {
	e.t.Helper()
	var q requestView
	e.must(a.client, 202, "POST", "/api/v1/users", map[string]any{"name": name, "roles": roles, "jurisdiction": jurisdiction}, &q)
	if c, _ := e.approve(a, q.ID, q.SignText); c != 200 {
		e.t.Fatalf("first signature: %d", c)
	}
	if c, v := e.approve(b, q.ID, q.SignText); c != 200 || v.Status != "done" {
		e.t.Fatalf("second signature: %d %+v", c, v)
	}
	e.must(a.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	p := e.enroll(name, q.Result["enrollment_code"])
	e.login(p)
	return p
}

// upload posts files as multipart parts; expected maps a file name to an
// expected_sha256 field sent before it.
func (e *env) upload(c *http.Client, election string, files map[string][]byte, expected map[string]string, out any) int {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, data := range files {
		if x, ok := expected[name]; ok {
			mw.WriteField("expected_sha256", x)
		}
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="file"; filename="` + name + `"`}
		h["Content-Type"] = []string{"application/octet-stream"}
		w, _ := mw.CreatePart(h)
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/elections/"+election+"/files", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(data, out)
	}
	return resp.StatusCode
}

// get fetches a path with a client and returns status, headers and body.
func (e *env) get(c *http.Client, path string) (int, http.Header, []byte) {
	e.t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// dump returns the store's canonical dump.
func dump(t testing.TB, st store.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := st.Dump(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "rctab", "2013_minneapolis_mayor", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

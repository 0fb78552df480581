package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/note"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/store/postgres"
)

// pgSchema creates a schema with a random name in the PostgreSQL database
// CANVASS_TEST_POSTGRES names, dropped at cleanup with the backup schemas
// a rebuild leaves, and returns the URL with search_path set to it.
func pgSchema(t *testing.T) (string, *sql.DB, string) {
	t.Helper()
	base := os.Getenv("CANVASS_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CANVASS_REQUIRE_SERVICES") == "1" {
			t.Fatal("CANVASS_REQUIRE_SERVICES=1 but CANVASS_TEST_POSTGRES is not set: set it to a PostgreSQL URL, e.g. postgres:///canvass_test?host=/var/run/postgresql")
		}
		t.Skip("set CANVASS_TEST_POSTGRES to a PostgreSQL URL to run the PostgreSQL rebuild test")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "cv_rb_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range pgSchemas(t, admin, name) {
			admin.Exec("DROP SCHEMA " + pgx.Identifier{s}.Sanitize() + " CASCADE")
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + name, admin, name
}

// pgSchemas lists the schemas whose names start with prefix.
func pgSchemas(t *testing.T, db *sql.DB, prefix string) []string {
	rows, err := db.Query("SELECT schema_name FROM information_schema.schemata WHERE starts_with(schema_name, $1) ORDER BY 1", prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func pgDump(t *testing.T, u string) []byte {
	t.Helper()
	st, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b bytes.Buffer
	if err := st.Dump(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestRebuildPostgres: "canvass rebuild --db postgres://..." recreates a
// PostgreSQL projection whose canonical dump equals the original, keeps
// the credentials, ends the sessions and keeps the old records in a
// backup schema.
func TestRebuildPostgres(t *testing.T) {
	dbURL, admin, schema := pgSchema(t)
	dir := filepath.Join(t.TempDir(), "office")
	code, out, errOut := logRun("", "init", "--data", dir, "--db", dbURL, "--origin", "clerk.example/pg", "--admin", "ada", "--admin", "bob", "--json")
	if code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	var created office.Created
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}

	// Put some state in: two enrolled admins with sessions, a user
	// created, changed and an emergency account.
	ctx := context.Background()
	clk := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	o, err := office.Open(ctx, dir, st, office.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	type who struct {
		u      *office.User
		token  string
		seed   []byte
		signer note.Signer
		pw     string
	}
	people := map[string]*who{}
	for _, name := range []string{"ada", "bob"} {
		skey, vkey, _ := note.GenerateKey(rand.Reader, name)
		signer, _ := note.NewSigner(skey)
		pw := "correct horse battery staple " + strings.Repeat("x", len(people)+1)
		uri, err := o.Enroll(ctx, name, created.Enrollment[name], pw, vkey)
		if err != nil {
			t.Fatal(err)
		}
		pu, _ := url.Parse(uri)
		seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(pu.Query().Get("secret")))
		if err != nil {
			t.Fatal(err)
		}
		clk.advance(30 * time.Second)
		if err := o.ConfirmEnrollment(ctx, name, created.Enrollment[name], auth.TOTPCode(seed, clk.now())); err != nil {
			t.Fatal(err)
		}
		clk.advance(30 * time.Second)
		s, err := o.Login(ctx, name, pw, auth.TOTPCode(seed, clk.now()), "")
		if err != nil {
			t.Fatal(err)
		}
		people[name] = &who{u: s.User, token: s.Token, seed: seed, signer: signer, pw: pw}
	}
	cosign := func(q *office.RequestView) {
		t.Helper()
		for _, name := range []string{"ada", "bob"} {
			msg, _ := note.Sign(&note.Note{Text: q.SignText}, people[name].signer)
			v, err := o.Sign(ctx, people[name].u, q.ID, string(msg))
			if err != nil {
				t.Fatal(err)
			}
			*q = *v
		}
		if q.Status != "done" {
			t.Fatalf("request %s is %s", q.ID, q.Status)
		}
	}
	q, err := o.RequestNewUser(ctx, people["ada"].u, office.NewUser{Name: "olga", Roles: []string{"official"}, Jurisdiction: "state/hennepin", Party: "Green"})
	if err != nil {
		t.Fatal(err)
	}
	cosign(q)
	disabled := true
	if q, err = o.RequestUserChange(ctx, people["bob"].u, "olga", office.UserChange{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	cosign(q)
	if q, err = o.RequestNewUser(ctx, people["ada"].u, office.NewUser{Name: "tech", Roles: []string{"observer"}, ExpiresIn: "2h"}); err != nil {
		t.Fatal(err)
	}
	cosign(q)
	o.Close()
	st.Close()

	before := pgDump(t, dbURL)
	if !bytes.Contains(before, []byte(`"disabled":true`)) || !bytes.Contains(before, []byte(`"expires":`)) {
		t.Fatalf("the state to rebuild lacks the changes:\n%s", before)
	}
	code, out, errOut = logRun("", "rebuild", "--data", dir, "--db", dbURL)
	if code != 0 || !strings.Contains(out, "credentials kept") {
		t.Fatalf("rebuild: %d %s %s", code, out, errOut)
	}
	if after := pgDump(t, dbURL); !bytes.Equal(before, after) {
		t.Fatalf("rebuilt dump differs:\n%s\n----\n%s", before, after)
	}
	schemas := pgSchemas(t, admin, schema)
	if len(schemas) != 2 || !strings.HasPrefix(schemas[1], schema+"_before_rebuild_") {
		t.Fatalf("schemas after the rebuild: %v (want the target and one backup, no staging)", schemas)
	}
	var n int
	if err := admin.QueryRow("SELECT count(*) FROM " + pgx.Identifier{schemas[1]}.Sanitize() + ".records").Scan(&n); err != nil || n == 0 {
		t.Fatalf("backup records: %d %v", n, err)
	}

	// Sessions ended; credentials kept.
	st, err = postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o, err = office.Open(ctx, dir, st, office.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if _, err := o.Authenticate(ctx, people["ada"].token); err == nil {
		t.Fatal("a session survived the rebuild")
	}
	clk.advance(30 * time.Second)
	if _, err := o.Login(ctx, "ada", people["ada"].pw, auth.TOTPCode(people["ada"].seed, clk.now()), ""); err != nil {
		t.Fatalf("sign-in after the rebuild: %v", err)
	}

	o.Close()

	// A rebuild that fails half way (the seal key is missing, so the
	// office cannot open) changes nothing and leaves no staging schema.
	mid := pgDump(t, dbURL)
	key := filepath.Join(dir, "keys", "seal.key")
	if err := os.Rename(key, key+".away"); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := logRun("", "rebuild", "--data", dir, "--db", dbURL); code == 0 || !strings.Contains(errOut, "seal key") {
		t.Fatalf("rebuild without the seal key: %d %s", code, errOut)
	}
	os.Rename(key+".away", key)
	if !bytes.Equal(mid, pgDump(t, dbURL)) {
		t.Fatal("a failed rebuild changed the database")
	}
	if s := pgSchemas(t, admin, schema); len(s) != 2 {
		t.Fatalf("schemas after a failed rebuild: %v", s)
	}
	if code, _, errOut := logRun("", "rebuild", "--data", t.TempDir(), "--db", dbURL); code == 0 || !strings.Contains(errOut, "log") {
		t.Fatalf("rebuild without a log: %d %s", code, errOut)
	}
}

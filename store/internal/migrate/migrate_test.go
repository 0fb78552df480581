package migrate

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite"
)

func run(t *testing.T, db *sql.DB, fsys fstest.MapFS) error {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := Run(context.Background(), tx, fsys, "?"); err != nil {
		return err
	}
	return tx.Commit()
}

func TestRun(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	one := fstest.MapFS{"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")}}
	if err := run(t, db, one); err != nil {
		t.Fatal(err)
	}
	// Running again applies nothing (CREATE TABLE a would fail).
	if err := run(t, db, one); err != nil {
		t.Fatalf("second run: %v", err)
	}
	two := fstest.MapFS{
		"migrations/0001_a.sql": one["migrations/0001_a.sql"],
		"migrations/0002_b.sql": {Data: []byte("CREATE TABLE b (y INTEGER);")},
	}
	if err := run(t, db, two); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRow("SELECT MAX(version) FROM schema_version").Scan(&v); err != nil || v != 2 {
		t.Fatalf("version %d, %v; want 2", v, err)
	}
	// Back to one migration: the database is newer than the code.
	if err := run(t, db, one); err == nil || !strings.Contains(err.Error(), "upgrade canvass") {
		t.Fatalf("older code on a newer schema: %v", err)
	}
	// A failing migration leaves the previous version.
	bad := fstest.MapFS{
		"migrations/0001_a.sql": one["migrations/0001_a.sql"],
		"migrations/0002_b.sql": two["migrations/0002_b.sql"],
		"migrations/0003_c.sql": {Data: []byte("CREATE TABLE c (z INTEGER); NOT SQL;")},
	}
	if err := run(t, db, bad); err == nil {
		t.Fatal("a broken migration succeeded")
	}
	if err := db.QueryRow("SELECT MAX(version) FROM schema_version").Scan(&v); err != nil || v != 2 {
		t.Fatalf("version %d after a failed migration, %v; want 2", v, err)
	}
}

func TestRunRejectsBadNames(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, fsys := range map[string]fstest.MapFS{
		"gap":       {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"no number": {"migrations/init.sql": {}},
		"zero":      {"migrations/0000_a.sql": {}},
		"duplicate": {"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}},
	} {
		if err := run(t, db, fsys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

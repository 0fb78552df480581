package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canvass/canvass/store"
	"github.com/canvass/canvass/store/sqlite"
	"github.com/canvass/canvass/store/storetest"
)

// The tests need a PostgreSQL server: CANVASS_TEST_POSTGRES is a URL of a
// database they may create schemas in, e.g.
// postgres:///canvass_test?host=/var/run/postgresql. Without it they skip,
// unless CANVASS_REQUIRE_SERVICES=1 (CI), where they fail.
const (
	urlEnv     = "CANVASS_TEST_POSTGRES"
	requireEnv = "CANVASS_REQUIRE_SERVICES"
)

func testURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(urlEnv)
	if url == "" {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s is not set and %s=1: set it to a PostgreSQL URL, e.g. postgres:///canvass_test?host=/var/run/postgresql", urlEnv, requireEnv)
		}
		t.Skipf("set %s to a PostgreSQL URL (e.g. postgres:///canvass_test?host=/var/run/postgresql) to run the PostgreSQL tests", urlEnv)
	}
	return url
}

// freshSchema creates a schema with a random name, dropped at cleanup,
// and returns url with search_path set to it, so that tests can run in
// parallel and again without seeing one another's tables.
func freshSchema(t testing.TB) string {
	t.Helper()
	url := testURL(t)
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := "canvass_test_" + hex.EncodeToString(randBytes(t, 8))
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec("CREATE SCHEMA " + ident); err != nil {
		t.Fatalf("creating test schema in %s: %v", url, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + ident + " CASCADE"); err != nil {
			t.Errorf("dropping test schema %s: %v", name, err)
		}
	})
	return withParam(url, "search_path", name)
}

// withParam adds a run-time parameter to a URL or key=value string.
func withParam(url, key, value string) string {
	if strings.Contains(url, "://") {
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		return url + sep + key + "=" + value
	}
	return url + " " + key + "=" + value
}

func randBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func openFresh(t *testing.T) store.Store {
	t.Helper()
	s, err := Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	testURL(t) // one skip message, not one per subtest
	storetest.Run(t, openFresh)
}

// TestConcurrentApply races Apply from two connection pools, as two
// office processes would.
func TestConcurrentApply(t *testing.T) {
	ctx := context.Background()
	url := freshSchema(t)
	a, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.RacingApply(t, a, b)
}

func TestReopenAndSchemaVersion(t *testing.T) {
	ctx := context.Background()
	url := freshSchema(t)
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, 0, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Applied(ctx); err != nil || n != 1 {
		t.Fatalf("Applied after reopen = %d, %v; want 1", n, err)
	}
	var v int
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_version").Scan(&v); err != nil || v != 1 {
		t.Fatalf("schema version %d, %v; want 1", v, err)
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (99)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, url); err == nil || !strings.Contains(err.Error(), "upgrade canvass") {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open of a schema from a newer canvass: %v; want an error telling to upgrade", err)
	}
}

// TestConcurrentOpen opens one empty schema from several goroutines: the
// migration lock must let exactly one create the tables.
func TestConcurrentOpen(t *testing.T) {
	url := freshSchema(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := Open(context.Background(), url)
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		s, err := Open(context.Background(), freshSchema(b))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// TestDumpSameAsSQLite applies the same entries to both backends and
// compares the dumps byte for byte.
func TestDumpSameAsSQLite(t *testing.T) {
	ctx := context.Background()
	pg := openFresh(t)
	defer pg.Close()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "office.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	ids := []string{"b", "B", "a", "é", "e", "日本", "😀", "a b", "a\u0301", "ß", "ss", "~", "10", "9", `q"uote\`, "<&>"}
	var entries [][]store.Record
	for i, id := range ids {
		entries = append(entries, []store.Record{
			{Kind: "file", Parent: ids[(i+1)%len(ids)], ID: id, Data: fmt.Appendf(nil, `{"i":%d, "s":"\u00e9 %s"}`, i, "x")},
			{Kind: "user", ID: id, Data: []byte(`"` + strings.Repeat("z", i) + `"`)},
		})
	}
	entries = append(entries, []store.Record{{Kind: "user", ID: "b"}, {Kind: "file", ID: "a"}}, nil)
	for i, recs := range entries {
		for _, s := range []store.Store{pg, lite} {
			if err := s.Apply(ctx, uint64(i), recs); err != nil {
				t.Fatal(err)
			}
		}
	}
	var a, b strings.Builder
	if err := pg.Dump(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if err := lite.Dump(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatalf("PostgreSQL dump:\n%s\nSQLite dump:\n%s", a.String(), b.String())
	}
	if n := strings.Count(a.String(), "\n"); n != 2*len(ids)-2+1 {
		t.Fatalf("dump has %d lines", n)
	}
}

package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canvass/canvass/store"
	"github.com/canvass/canvass/store/storetest"
)

func openTemp(t *testing.T) store.Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "office.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, openTemp)
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "office.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, 0, []store.Record{{Kind: "user", ID: "a", Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer s.Close()
	if n, err := s.Applied(ctx); err != nil || n != 1 {
		t.Fatalf("Applied after reopen = %d, %v; want 1", n, err)
	}
	// The durability settings hold on both pools: FULL is 2.
	for _, db := range []*sql.DB{s.w, s.r} {
		var mode string
		var sync int
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
			t.Fatalf("synchronous = %d, %v; want 2 (FULL)", sync, err)
		}
	}
	if _, err := s.r.ExecContext(ctx, "DELETE FROM records"); err == nil {
		t.Fatal("the read pool accepted a write")
	}
	var v int
	if err := s.r.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_version").Scan(&v); err != nil || v != 1 {
		t.Fatalf("schema version = %d, %v; want 1 (migrations ran once)", v, err)
	}
}

// TestConcurrentApply races Apply from two handles on one file, as two
// office processes would.
func TestConcurrentApply(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "office.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.RacingApply(t, a, b)
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "office.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (99)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "upgrade canvass") {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open of a schema from a newer canvass: %v; want an error telling to upgrade", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	for _, p := range []string{"", "x.db?mode=ro", "file:x.db"} {
		if s, err := Open(context.Background(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

// The crash test re-executes the test binary as a child (see TestMain)
// that applies batches in a loop and reports each one Apply returned, and
// kills it with SIGKILL at a random moment.
const crashDBEnv = "CANVASS_STORE_SQLITE_CRASH_DB"

func TestMain(m *testing.M) {
	if db := os.Getenv(crashDBEnv); db != "" {
		if err := crashChild(db); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashBatch is entry i's batch: it rewrites records "k0".."k{w-1}" with
// the entry number (w varies so batches differ in size), deletes the
// previous entry's extra record and adds its own, so the expected content
// after n entries is a function of n alone.
func crashBatch(i uint64) []store.Record {
	w := 1 + int(i%7)
	var recs []store.Record
	for j := range w {
		recs = append(recs, store.Record{Kind: "slot", ID: "k" + strconv.Itoa(j), Data: fmt.Appendf(nil, `{"entry":%d,"pad":"%s"}`, i, strings.Repeat("x", 2000))})
	}
	if i > 0 {
		recs = append(recs, store.Record{Kind: "extra", ID: strconv.FormatUint(i-1, 10)})
	}
	return append(recs, store.Record{Kind: "extra", ID: strconv.FormatUint(i, 10), Data: []byte(`{}`)})
}

// expected builds, in a fresh store, the content after n entries.
func expected(t *testing.T, n uint64) string {
	s := openTemp(t)
	defer s.Close()
	for i := range n {
		if err := s.Apply(context.Background(), i, crashBatch(i)); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	if err := s.Dump(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func crashChild(db string) error {
	ctx := context.Background()
	s, err := Open(ctx, db)
	if err != nil {
		return err
	}
	for {
		n, err := s.Applied(ctx)
		if err != nil {
			return err
		}
		if err := s.Apply(ctx, n, crashBatch(n)); err != nil {
			return err
		}
		fmt.Printf("applied %d\n", n+1)
	}
}

func TestApplySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "office.db")
	acked := uint64(0)
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDBEnv+"="+db)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The clock starts at the child's first report, so that the kill
		// lands among applies and not during process start-up.
		started := make(chan struct{})
		go func() {
			<-started
			time.Sleep(time.Duration(5+rand.IntN(100)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
		}()
		sc := bufio.NewScanner(out)
		for first := true; sc.Scan(); first = false {
			if first {
				close(started)
			}
			n, err := strconv.ParseUint(strings.TrimPrefix(sc.Text(), "applied "), 10, 64)
			if err != nil {
				t.Fatalf("child said %q", sc.Text())
			}
			acked = n
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child ended with %v, not SIGKILL", err)
		}
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatalf("round %d: database does not reopen after SIGKILL: %v", round, err)
		}
		var check string
		if err := s.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, check, err)
		}
		n, err := s.Applied(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The entry in flight when the child died may have committed
		// without being reported; one reported must be there.
		if n != acked && n != acked+1 {
			t.Fatalf("round %d: Applied = %d after the child reported %d", round, n, acked)
		}
		var got strings.Builder
		if err := s.Dump(ctx, &got); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if want := expected(t, n); got.String() != want {
			t.Fatalf("round %d: content after SIGKILL with Applied %d differs from applying %d batches", round, n, n)
		}
		t.Logf("round %d: killed after %d entries reported, %d applied", round, acked, n)
		acked = n
	}
	if acked < 8 {
		t.Fatalf("the child applied only %d entries in 8 runs; the test proved little", acked)
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), "office.db"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

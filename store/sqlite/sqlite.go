// Package sqlite is the embedded store.Store, the default: one SQLite file
// (modernc.org/sqlite, pure Go) in WAL mode with synchronous=FULL, so that a
// commit has reached the disk when Apply returns and a crash at any instant
// leaves the last committed batch and its applied count, never half of one.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/canvass/canvass/store"
	"github.com/canvass/canvass/store/internal/migrate"
	"github.com/canvass/canvass/store/internal/record"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store in a SQLite file. Writes go through one
// connection (SQLite allows one writer at a time; queueing them in Go
// avoids busy errors), reads through a pool of read-only connections that
// WAL lets run alongside the writer, each seeing the last commit.
type Store struct {
	w *sql.DB // one connection; transactions BEGIN IMMEDIATE
	r *sql.DB // query_only connections
}

var _ store.Store = (*Store)(nil)

// Open opens the database at path, creating it and migrating its schema
// to the latest version if needed.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store/sqlite: database path is empty")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("store/sqlite: database path %q may not contain '?' or '#' or start with file:; rename the file", path)
	}
	// busy_timeout first so that the other pragmas wait for another
	// process holding the database instead of failing. FULL syncs the
	// WAL on every commit: Applied must never count an entry whose
	// records a power loss could take back.
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	w, err := sql.Open("sqlite", path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	s := &Store{w: w}
	if err := s.init(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store/sqlite: %s: %w", path, err)
	}
	// The readers open after init so the file exists in WAL mode.
	r, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store/sqlite: opening %s: %w", path, err)
	}
	s.r = r
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not WAL; is the file on a filesystem without shared-memory support?", mode)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := migrate.Run(ctx, tx, migrations, "?"); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// Apply implements store.Store. The whole batch is validated before the
// transaction starts, and the applied count is checked and advanced
// inside it (BEGIN IMMEDIATE: under the write lock, even against another
// process), so a bad record or a wrong index changes nothing.
func (s *Store) Apply(ctx context.Context, index uint64, recs []store.Record) error {
	for _, r := range recs {
		if err := record.Validate(r); err != nil {
			return err
		}
	}
	if index >= math.MaxInt64 {
		return fmt.Errorf("%w: entry %d is beyond any log", store.ErrOutOfOrder, index)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store/sqlite: apply %d: %w", index, err)
	}
	defer tx.Rollback()
	// Claim the entry first: one statement checks and advances the count.
	// The transaction holds the write lock, so another handle's Apply of
	// the same index waits and then finds the count changed.
	res, err := tx.ExecContext(ctx, "UPDATE applied SET n = n + 1 WHERE one = 1 AND n = ?", int64(index))
	if err != nil {
		return fmt.Errorf("store/sqlite: apply %d: %w", index, err)
	}
	if claimed, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store/sqlite: apply %d: %w", index, err)
	} else if claimed != 1 {
		var n int64
		if err := tx.QueryRowContext(ctx, "SELECT n FROM applied WHERE one = 1").Scan(&n); err != nil {
			return fmt.Errorf("store/sqlite: apply %d: reading applied count: %w", index, err)
		}
		return fmt.Errorf("%w: entry %d, but %d entries are applied", store.ErrOutOfOrder, index, n)
	}
	if len(recs) > 0 {
		up, err := tx.PrepareContext(ctx,
			`INSERT INTO records (kind, id, parent, data) VALUES (?, ?, ?, ?)
			 ON CONFLICT (kind, id) DO UPDATE SET parent = excluded.parent, data = excluded.data`)
		if err != nil {
			return fmt.Errorf("store/sqlite: apply %d: %w", index, err)
		}
		defer up.Close()
		del, err := tx.PrepareContext(ctx, "DELETE FROM records WHERE kind = ? AND id = ?")
		if err != nil {
			return fmt.Errorf("store/sqlite: apply %d: %w", index, err)
		}
		defer del.Close()
		for _, r := range recs {
			if r.Data == nil {
				_, err = del.ExecContext(ctx, r.Kind, r.ID)
			} else {
				_, err = up.ExecContext(ctx, r.Kind, r.ID, r.Parent, r.Data)
			}
			if err != nil {
				return fmt.Errorf("store/sqlite: apply %d: %s %q: %w", index, r.Kind, r.ID, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store/sqlite: apply %d: commit: %w", index, err)
	}
	return nil
}

// Applied implements store.Store.
func (s *Store) Applied(ctx context.Context) (uint64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, "SELECT n FROM applied WHERE one = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("store/sqlite: reading applied count: %w", err)
	}
	return uint64(n), nil
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, kind, id string) (store.Record, error) {
	if err := record.ValidKind(kind); err != nil {
		return store.Record{}, err
	}
	r := store.Record{Kind: kind, ID: id}
	err := s.r.QueryRowContext(ctx, "SELECT parent, data FROM records WHERE kind = ? AND id = ?", kind, id).
		Scan(&r.Parent, &r.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, store.ErrNotFound
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("store/sqlite: get %s %q: %w", kind, id, err)
	}
	return r, nil
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, kind, parent string) ([]store.Record, error) {
	if err := record.ValidKind(kind); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx,
		"SELECT kind, parent, id, data FROM records WHERE kind = ? AND parent = ? ORDER BY id", kind, parent)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: list %s %q: %w", kind, parent, err)
	}
	recs, err := record.ScanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: %w", err)
	}
	return recs, nil
}

// ListKind implements store.Store.
func (s *Store) ListKind(ctx context.Context, kind string) ([]store.Record, error) {
	if err := record.ValidKind(kind); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx,
		"SELECT kind, parent, id, data FROM records WHERE kind = ? ORDER BY parent, id", kind)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: list %s: %w", kind, err)
	}
	recs, err := record.ScanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: %w", err)
	}
	return recs, nil
}

// Dump implements store.Store, reading the records and the applied count
// in one read transaction so that they agree.
func (s *Store) Dump(ctx context.Context, w io.Writer) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store/sqlite: dump: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT kind, parent, id, data FROM records ORDER BY kind, parent, id")
	if err != nil {
		return fmt.Errorf("store/sqlite: dump: %w", err)
	}
	defer rows.Close()
	d := record.NewDumper(w)
	for rows.Next() {
		var r store.Record
		if err := rows.Scan(&r.Kind, &r.Parent, &r.ID, &r.Data); err != nil {
			return fmt.Errorf("store/sqlite: dump: %w", err)
		}
		if err := d.Record(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store/sqlite: dump: %w", err)
	}
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT n FROM applied WHERE one = 1").Scan(&n); err != nil {
		return fmt.Errorf("store/sqlite: dump: %w", err)
	}
	return d.Applied(uint64(n))
}

// Secret implements store.Store.
func (s *Store) Secret(ctx context.Context, user string) ([]byte, error) {
	var data []byte
	err := s.r.QueryRowContext(ctx, "SELECT data FROM secrets WHERE user_name = ?", user).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: secret of %q: %w", user, err)
	}
	return record.NonNil(data), nil
}

// PutSecret implements store.Store.
func (s *Store) PutSecret(ctx context.Context, user string, data []byte) error {
	if err := record.ValidateUser(user); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx,
		"INSERT INTO secrets (user_name, data) VALUES (?, ?) ON CONFLICT (user_name) DO UPDATE SET data = excluded.data",
		user, record.NonNil(data))
	if err != nil {
		return fmt.Errorf("store/sqlite: storing secret of %q: %w", user, err)
	}
	return nil
}

// ListSecrets implements store.Store, in byte order of user.
func (s *Store) ListSecrets(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT user_name FROM secrets ORDER BY user_name")
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: listing secrets: %w", err)
	}
	users, err := record.ScanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: listing secrets: %w", err)
	}
	return users, nil
}

// PutSession implements store.Store.
func (s *Store) PutSession(ctx context.Context, ss store.Session) error {
	if err := record.ValidateSession(ss); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO sessions (token_hash, user_name, created, last_seen, data) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (token_hash) DO UPDATE SET user_name = excluded.user_name, created = excluded.created,
		 last_seen = excluded.last_seen, data = excluded.data`,
		ss.TokenHash[:], ss.User, record.Nanos(ss.Created), record.Nanos(ss.LastSeen), record.NonNil(ss.Data))
	if err != nil {
		return fmt.Errorf("store/sqlite: storing session: %w", err)
	}
	return nil
}

// Session implements store.Store.
func (s *Store) Session(ctx context.Context, tokenHash [32]byte) (store.Session, error) {
	ss := store.Session{TokenHash: tokenHash}
	var created, seen int64
	err := s.r.QueryRowContext(ctx,
		"SELECT user_name, created, last_seen, data FROM sessions WHERE token_hash = ?", tokenHash[:]).
		Scan(&ss.User, &created, &seen, &ss.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("store/sqlite: reading session: %w", err)
	}
	ss.Created, ss.LastSeen = record.Time(created), record.Time(seen)
	ss.Data = record.NonNil(ss.Data)
	return ss, nil
}

// DeleteSession implements store.Store.
func (s *Store) DeleteSession(ctx context.Context, tokenHash [32]byte) error {
	if _, err := s.w.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash[:]); err != nil {
		return fmt.Errorf("store/sqlite: deleting session: %w", err)
	}
	return nil
}

// DeleteSessions implements store.Store. user "" matches no session
// (PutSession refuses sessions without a user).
func (s *Store) DeleteSessions(ctx context.Context, user string, idleBefore, createdBefore time.Time) error {
	_, err := s.w.ExecContext(ctx,
		"DELETE FROM sessions WHERE (user_name = ? AND user_name <> '') OR last_seen < ? OR created < ?",
		user, record.CutoffNanos(idleBefore), record.CutoffNanos(createdBefore))
	if err != nil {
		return fmt.Errorf("store/sqlite: deleting sessions: %w", err)
	}
	return nil
}

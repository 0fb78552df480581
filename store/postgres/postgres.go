// Package postgres is the store.Store for statewide deployments: the same
// tables and the same behaviour as store/sqlite, in PostgreSQL through pgx.
// Commits are durable when Apply returns as long as the server runs with
// its defaults (fsync on, synchronous_commit on).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver

	"github.com/canvass/canvass/store"
	"github.com/canvass/canvass/store/internal/migrate"
	"github.com/canvass/canvass/store/internal/record"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store in a PostgreSQL database (or in the first schema
// of the connection's search_path).
type Store struct {
	db *sql.DB
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (a libpq URL or key=value string,
// e.g. "postgres://canvass@db.example/canvass" or
// "postgres:///canvass?host=/var/run/postgresql") and migrates its schema
// to the latest version if needed. Extra query parameters such as
// search_path=county are sent to the server as run-time settings.
func Open(ctx context.Context, url string) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store/postgres: %w", err)
	}
	s := &Store{db: db}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store/postgres: %w", err)
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Two offices starting at once against an empty schema must not both
	// run the migrations; the lock is per schema and ends with tx.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('canvass store ' || current_schema()))"); err != nil {
		return fmt.Errorf("locking for migration: %w", err)
	}
	if err := migrate.Run(ctx, tx, migrations, "$1"); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the connections.
func (s *Store) Close() error { return s.db.Close() }

// Apply implements store.Store in one round trip: the statements are sent
// as one pgx batch, which PostgreSQL runs as one implicit transaction (all
// or nothing). The first statement claims the entry: it advances the
// applied count if it equals index and otherwise sets it to -1, which
// violates the table's CHECK constraint and aborts the whole batch. Its row
// lock lasts until commit, so a second Apply of the same index (another
// process, say) waits, then sees the new count and aborts the same way.
// The batch is validated first, so a bad record sends nothing.
func (s *Store) Apply(ctx context.Context, index uint64, recs []store.Record) error {
	for _, r := range recs {
		if err := record.Validate(r); err != nil {
			return err
		}
	}
	if index >= math.MaxInt64 {
		return fmt.Errorf("%w: entry %d is beyond any log", store.ErrOutOfOrder, index)
	}
	b := &pgx.Batch{}
	b.Queue("UPDATE applied SET n = CASE WHEN n = $1 THEN n + 1 ELSE -1 END WHERE one = 1", int64(index))
	for _, r := range recs {
		if r.Data == nil {
			b.Queue("DELETE FROM records WHERE kind = $1 AND id = $2", r.Kind, r.ID)
		} else {
			b.Queue(`INSERT INTO records (kind, id, parent, data) VALUES ($1, $2, $3, $4)
				 ON CONFLICT (kind, id) DO UPDATE SET parent = excluded.parent, data = excluded.data`,
				r.Kind, r.ID, r.Parent, r.Data)
		}
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store/postgres: apply %d: %w", index, err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		return dc.(*stdlib.Conn).Conn().SendBatch(ctx, b).Close()
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "applied_n_nonnegative" {
		n, err := s.Applied(ctx)
		if err != nil {
			return fmt.Errorf("%w: entry %d (%v)", store.ErrOutOfOrder, index, err)
		}
		return fmt.Errorf("%w: entry %d, but %d entries are applied", store.ErrOutOfOrder, index, n)
	}
	if err != nil {
		return fmt.Errorf("store/postgres: apply %d: %w", index, err)
	}
	return nil
}

// Applied implements store.Store.
func (s *Store) Applied(ctx context.Context) (uint64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT n FROM applied WHERE one = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("store/postgres: reading applied count: %w", err)
	}
	return uint64(n), nil
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, kind, id string) (store.Record, error) {
	if err := record.ValidKind(kind); err != nil {
		return store.Record{}, err
	}
	if err := record.ValidKey(id); err != nil {
		// PostgreSQL would refuse NUL or bad UTF-8 in a parameter;
		// no such record can be stored.
		return store.Record{}, store.ErrNotFound
	}
	r := store.Record{Kind: kind, ID: id}
	err := s.db.QueryRowContext(ctx, "SELECT parent, data FROM records WHERE kind = $1 AND id = $2", kind, id).
		Scan(&r.Parent, &r.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, store.ErrNotFound
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("store/postgres: get %s %q: %w", kind, id, err)
	}
	return r, nil
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, kind, parent string) ([]store.Record, error) {
	if err := record.ValidKind(kind); err != nil {
		return nil, err
	}
	if record.ValidKey(parent) != nil {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx,
		"SELECT kind, parent, id, data FROM records WHERE kind = $1 AND parent = $2 ORDER BY id", kind, parent)
	if err != nil {
		return nil, fmt.Errorf("store/postgres: list %s %q: %w", kind, parent, err)
	}
	recs, err := record.ScanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("store/postgres: %w", err)
	}
	return recs, nil
}

// ListKind implements store.Store.
func (s *Store) ListKind(ctx context.Context, kind string) ([]store.Record, error) {
	if err := record.ValidKind(kind); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx,
		"SELECT kind, parent, id, data FROM records WHERE kind = $1 ORDER BY parent, id", kind)
	if err != nil {
		return nil, fmt.Errorf("store/postgres: list %s: %w", kind, err)
	}
	recs, err := record.ScanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("store/postgres: %w", err)
	}
	return recs, nil
}

// Dump implements store.Store in one REPEATABLE READ transaction, so that
// the records and the applied count come from the same snapshot.
func (s *Store) Dump(ctx context.Context, w io.Writer) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store/postgres: dump: %w", err)
	}
	defer tx.Rollback()
	// The applied count first: the snapshot is taken at the first query
	// either way, but reading it first keeps the one-row query off the
	// long cursor's connection state.
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT n FROM applied WHERE one = 1").Scan(&n); err != nil {
		return fmt.Errorf("store/postgres: dump: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT kind, parent, id, data FROM records ORDER BY kind, parent, id")
	if err != nil {
		return fmt.Errorf("store/postgres: dump: %w", err)
	}
	defer rows.Close()
	d := record.NewDumper(w)
	for rows.Next() {
		var r store.Record
		if err := rows.Scan(&r.Kind, &r.Parent, &r.ID, &r.Data); err != nil {
			return fmt.Errorf("store/postgres: dump: %w", err)
		}
		if err := d.Record(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store/postgres: dump: %w", err)
	}
	return d.Applied(uint64(n))
}

// Secret implements store.Store.
func (s *Store) Secret(ctx context.Context, user string) ([]byte, error) {
	if record.ValidKey(user) != nil {
		return nil, store.ErrNotFound
	}
	var data []byte
	err := s.db.QueryRowContext(ctx, "SELECT data FROM secrets WHERE user_name = $1", user).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store/postgres: secret of %q: %w", user, err)
	}
	return record.NonNil(data), nil
}

// PutSecret implements store.Store.
func (s *Store) PutSecret(ctx context.Context, user string, data []byte) error {
	if err := record.ValidateUser(user); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx,
		"INSERT INTO secrets (user_name, data) VALUES ($1, $2) ON CONFLICT (user_name) DO UPDATE SET data = excluded.data",
		user, record.NonNil(data))
	if err != nil {
		return fmt.Errorf("store/postgres: storing secret of %q: %w", user, err)
	}
	return nil
}

// ListSecrets implements store.Store, in byte order of user.
func (s *Store) ListSecrets(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT user_name FROM secrets ORDER BY user_name")
	if err != nil {
		return nil, fmt.Errorf("store/postgres: listing secrets: %w", err)
	}
	users, err := record.ScanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("store/postgres: listing secrets: %w", err)
	}
	return users, nil
}

// PutSession implements store.Store.
func (s *Store) PutSession(ctx context.Context, ss store.Session) error {
	if err := record.ValidateSession(ss); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO sessions (token_hash, user_name, created, last_seen, data) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (token_hash) DO UPDATE SET user_name = excluded.user_name, created = excluded.created,
		 last_seen = excluded.last_seen, data = excluded.data`,
		ss.TokenHash[:], ss.User, record.Nanos(ss.Created), record.Nanos(ss.LastSeen), record.NonNil(ss.Data))
	if err != nil {
		return fmt.Errorf("store/postgres: storing session: %w", err)
	}
	return nil
}

// Session implements store.Store.
func (s *Store) Session(ctx context.Context, tokenHash [32]byte) (store.Session, error) {
	ss := store.Session{TokenHash: tokenHash}
	var created, seen int64
	err := s.db.QueryRowContext(ctx,
		"SELECT user_name, created, last_seen, data FROM sessions WHERE token_hash = $1", tokenHash[:]).
		Scan(&ss.User, &created, &seen, &ss.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("store/postgres: reading session: %w", err)
	}
	ss.Created, ss.LastSeen = record.Time(created), record.Time(seen)
	ss.Data = record.NonNil(ss.Data)
	return ss, nil
}

// DeleteSession implements store.Store.
func (s *Store) DeleteSession(ctx context.Context, tokenHash [32]byte) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash[:]); err != nil {
		return fmt.Errorf("store/postgres: deleting session: %w", err)
	}
	return nil
}

// DeleteSessions implements store.Store. user "" matches no session
// (PutSession refuses sessions without a user).
func (s *Store) DeleteSessions(ctx context.Context, user string, idleBefore, createdBefore time.Time) error {
	if record.ValidKey(user) != nil {
		user = "" // no session has such a user
	}
	_, err := s.db.ExecContext(ctx,
		"DELETE FROM sessions WHERE (user_name = $1 AND user_name <> '') OR last_seen < $2 OR created < $3",
		user, record.CutoffNanos(idleBefore), record.CutoffNanos(createdBefore))
	if err != nil {
		return fmt.Errorf("store/postgres: deleting sessions: %w", err)
	}
	return nil
}

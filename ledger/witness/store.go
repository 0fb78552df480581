package witness

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// State is what a witness remembers about one log: the latest checkpoint
// it cosigned.
type State struct {
	Size      uint64    // tree size of the latest cosigned checkpoint
	Hash      tlog.Hash // its root hash
	Timestamp uint64    // POSIX time of the latest cosignature
	// Checkpoint is the cosigned checkpoint as served to monitors: the
	// note text, the log signatures the witness verified, and the
	// witness's own cosignature.
	Checkpoint []byte
	// Version is set by the Store and changes on every update; the server
	// passes the state it read back to Update as the compare-and-swap
	// expectation.
	Version int64
}

// ErrStateChanged is returned by Store.Update when the stored state is no
// longer the one the caller read, because another request advanced it.
var ErrStateChanged = errors.New("witness: the log's stored state changed during the request")

// Store persists the per-log witness state. Implementations must make
// Update atomic (compare-and-swap) and durable before it returns, because
// the server hands out a cosignature as soon as Update succeeds.
type Store interface {
	// Latest returns the state for origin, and false if the witness has
	// never cosigned a checkpoint for it.
	Latest(ctx context.Context, origin string) (State, bool, error)
	// Update replaces the state for origin with next if the current state
	// is still prev (nil meaning none), and returns ErrStateChanged
	// otherwise.
	Update(ctx context.Context, origin string, prev *State, next State) error
	// RecordEvidence keeps an add-checkpoint request that carried a valid
	// log signature but failed a consistency check: it may prove that the
	// log forked.
	RecordEvidence(ctx context.Context, origin, reason string, request []byte) error
}

// maxEvidence caps the evidence table. Only holders of a log key can add
// to it, but a compromised key must not be able to fill the disk.
const maxEvidence = 10000

// SQLiteStore is a Store in an embedded SQLite database (WAL journal,
// synchronous=FULL), so an acknowledged update survives a crash or power
// loss and a crash mid-write leaves the previous state.
type SQLiteStore struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS checkpoints (
	origin      TEXT PRIMARY KEY NOT NULL,
	size        INTEGER NOT NULL CHECK (size >= 0),
	root        BLOB NOT NULL CHECK (length(root) = 32),
	cosigned_at INTEGER NOT NULL CHECK (cosigned_at >= 0),
	checkpoint  BLOB NOT NULL,
	version     INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS evidence (
	id          INTEGER PRIMARY KEY,
	origin      TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	request     BLOB NOT NULL,
	digest      BLOB NOT NULL UNIQUE
) STRICT;
PRAGMA user_version = 1;
`

// OpenSQLiteStore opens (creating if needed) the witness database at path
// and checks its integrity.
func OpenSQLiteStore(path string) (*SQLiteStore, error) {
	if path == "" {
		return nil, errors.New("database path is empty")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("database path %q may not contain '?' or '#' or start with file:; rename the file", path)
	}
	// busy_timeout first so the other pragmas wait for a concurrent
	// writer instead of failing; FULL makes each commit reach the disk.
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening witness database %s: %w", path, err)
	}
	s := &SQLiteStore{db: db}
	if err := s.init(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("witness database %s: %w", path, err)
	}
	return s, nil
}

func (s *SQLiteStore) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not WAL; is the file on a filesystem without shared-memory support?", mode)
	}
	var check string
	if err := s.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if check != "ok" {
		return fmt.Errorf("database is corrupt (quick_check: %s); restore it from a backup", check)
	}
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	switch version {
	case 0:
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("creating schema: %w", err)
		}
		return tx.Commit()
	case 1:
		return nil
	}
	return fmt.Errorf("schema version %d is newer than this canvass understands (1); upgrade canvass", version)
}

// Close closes the database.
func (s *SQLiteStore) Close() error { return s.db.Close() }

// Latest implements Store.
func (s *SQLiteStore) Latest(ctx context.Context, origin string) (State, bool, error) {
	var st State
	var size, ts int64
	var root []byte
	err := s.db.QueryRowContext(ctx,
		"SELECT size, root, cosigned_at, checkpoint, version FROM checkpoints WHERE origin = ?", origin).
		Scan(&size, &root, &ts, &st.Checkpoint, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("reading state of %q: %w", truncate(origin), err)
	}
	if size < 0 || ts < 0 || len(root) != len(st.Hash) {
		return State{}, false, fmt.Errorf("stored state of %q is invalid (size %d, root %d bytes)", truncate(origin), size, len(root))
	}
	st.Size, st.Timestamp = uint64(size), uint64(ts)
	copy(st.Hash[:], root)
	return st, true, nil
}

// Update implements Store with a single conditional statement, which
// SQLite executes atomically: two requests that read the same state cannot
// both replace it.
func (s *SQLiteStore) Update(ctx context.Context, origin string, prev *State, next State) error {
	if next.Size > math.MaxInt64 || next.Timestamp > math.MaxInt64 {
		return fmt.Errorf("state of %q out of range (size %d, timestamp %d)", truncate(origin), next.Size, next.Timestamp)
	}
	var res sql.Result
	var err error
	if prev == nil {
		res, err = s.db.ExecContext(ctx,
			`INSERT INTO checkpoints (origin, size, root, cosigned_at, checkpoint, version)
			 VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (origin) DO NOTHING`,
			origin, int64(next.Size), next.Hash[:], int64(next.Timestamp), next.Checkpoint)
	} else {
		res, err = s.db.ExecContext(ctx,
			`UPDATE checkpoints SET size = ?, root = ?, cosigned_at = ?, checkpoint = ?, version = version + 1
			 WHERE origin = ? AND version = ?`,
			int64(next.Size), next.Hash[:], int64(next.Timestamp), next.Checkpoint, origin, prev.Version)
	}
	if err != nil {
		return fmt.Errorf("storing checkpoint of %q: %w", truncate(origin), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("storing checkpoint of %q: %w", truncate(origin), err)
	}
	if n != 1 {
		return ErrStateChanged
	}
	return nil
}

// RecordEvidence implements Store. Repeated requests are stored once.
func (s *SQLiteStore) RecordEvidence(ctx context.Context, origin, reason string, request []byte) error {
	digest := sha256.Sum256(request)
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO evidence (origin, received_at, reason, request, digest)
		 SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM evidence) < ?
		 ON CONFLICT (digest) DO NOTHING`,
		origin, time.Now().Unix(), reason, request, digest[:], maxEvidence)
	if err != nil {
		return fmt.Errorf("recording evidence for %q: %w", truncate(origin), err)
	}
	return nil
}

// Evidence is a stored request that a log signed but that failed a
// consistency check.
type Evidence struct {
	Origin     string    // the log's origin
	ReceivedAt time.Time // when the witness refused the request
	Reason     string    // why it was refused
	Request    []byte    // the add-checkpoint request body, verbatim
}

// Evidence returns the stored evidence, oldest first.
func (s *SQLiteStore) Evidence(ctx context.Context) ([]Evidence, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT origin, received_at, reason, request FROM evidence ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("reading evidence: %w", err)
	}
	defer rows.Close()
	var out []Evidence
	for rows.Next() {
		var e Evidence
		var at int64
		if err := rows.Scan(&e.Origin, &at, &e.Reason, &e.Request); err != nil {
			return nil, fmt.Errorf("reading evidence: %w", err)
		}
		e.ReceivedAt = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Package witnessdb stores a witness's state (the latest checkpoint it
// cosigned for each log, and evidence of forks) in an embedded SQLite
// database: the witness.Store that 'canvass witness serve' uses. It is
// apart from package witness so that the protocol code builds without a
// database driver.
package witnessdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canvass/canvass/ledger/witness"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// maxEvidence caps the evidence table. Only holders of a log key can add
// to it, but a compromised key must not be able to fill the disk.
const maxEvidence = 10000

// DB is a witness.Store in an embedded SQLite database (WAL journal,
// synchronous=FULL), so an acknowledged update survives a crash or power
// loss and a crash mid-write leaves the previous state.
type DB struct {
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

// Open opens (creating if needed) the witness database at path
// and checks its integrity.
func Open(path string) (*DB, error) {
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
	s := &DB{db: db}
	if err := s.init(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("witness database %s: %w", path, err)
	}
	return s, nil
}

func (s *DB) init(ctx context.Context) error {
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
func (s *DB) Close() error { return s.db.Close() }

// Latest implements witness.Store.
func (s *DB) Latest(ctx context.Context, origin string) (witness.State, bool, error) {
	var st witness.State
	var size, ts int64
	var root []byte
	err := s.db.QueryRowContext(ctx,
		"SELECT size, root, cosigned_at, checkpoint, version FROM checkpoints WHERE origin = ?", origin).
		Scan(&size, &root, &ts, &st.Checkpoint, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return witness.State{}, false, nil
	}
	if err != nil {
		return witness.State{}, false, fmt.Errorf("reading state of %q: %w", truncate(origin), err)
	}
	if size < 0 || ts < 0 || len(root) != len(st.Hash) {
		return witness.State{}, false, fmt.Errorf("stored state of %q is invalid (size %d, root %d bytes)", truncate(origin), size, len(root))
	}
	st.Size, st.Timestamp = uint64(size), uint64(ts)
	copy(st.Hash[:], root)
	return st, true, nil
}

// Update implements witness.Store with a single conditional statement, which
// SQLite executes atomically: two requests that read the same state cannot
// both replace it.
func (s *DB) Update(ctx context.Context, origin string, prev *witness.State, next witness.State) error {
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
		return witness.ErrStateChanged
	}
	return nil
}

// RecordEvidence implements witness.Store. Repeated requests are stored once.
func (s *DB) RecordEvidence(ctx context.Context, origin, reason string, request []byte) error {
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

// Evidence returns the stored evidence, oldest first.
func (s *DB) Evidence(ctx context.Context) ([]witness.Evidence, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT origin, received_at, reason, request FROM evidence ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("reading evidence: %w", err)
	}
	defer rows.Close()
	var out []witness.Evidence
	for rows.Next() {
		var e witness.Evidence
		var at int64
		if err := rows.Scan(&e.Origin, &at, &e.Reason, &e.Request); err != nil {
			return nil, fmt.Errorf("reading evidence: %w", err)
		}
		e.ReceivedAt = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// truncate shortens an attacker-chosen origin for error messages.
func truncate(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

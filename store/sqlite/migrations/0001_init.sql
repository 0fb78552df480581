-- The projection: one row per record. TEXT compares with SQLite's BINARY
-- collation (memcmp), so ORDER BY id is byte order, as store.Store requires.
CREATE TABLE records (
	kind   TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
	id     TEXT NOT NULL,
	parent TEXT NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;

-- List (kind, parent ordered by id) and ListKind/Dump ((kind, parent, id)).
CREATE INDEX records_by_parent ON records (kind, parent, id);

-- The number of log entries applied; exactly one row, updated in the same
-- transaction as the records an entry changes.
CREATE TABLE applied (
	one INTEGER PRIMARY KEY CHECK (one = 1),
	n   INTEGER NOT NULL CHECK (n >= 0)
) STRICT;
INSERT INTO applied (one, n) VALUES (1, 0);

-- Credentials: never in the log, never in Dump. ("user" is reserved in
-- PostgreSQL; both backends name the column user_name.)
CREATE TABLE secrets (
	user_name TEXT PRIMARY KEY NOT NULL,
	data BLOB NOT NULL
) STRICT;

-- Sign-in sessions, by the SHA-256 of the browser's token. Times are Unix
-- nanoseconds.
CREATE TABLE sessions (
	token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
	user_name  TEXT NOT NULL,
	created    INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	data       BLOB NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_name);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen);
CREATE INDEX sessions_by_created ON sessions (created);

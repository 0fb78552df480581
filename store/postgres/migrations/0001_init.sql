-- The same tables as store/sqlite's 0001_init.sql, with the same meaning.
-- Text columns use the "C" collation so that ORDER BY is byte order of the
-- UTF-8 encoding, as in SQLite, whatever the database's default collation.
-- Data is bytea, not jsonb: jsonb would reorder keys and drop whitespace,
-- and Dump must be byte-identical across backends.
CREATE TABLE records (
	kind   text COLLATE "C" NOT NULL CHECK (octet_length(kind) BETWEEN 1 AND 64),
	id     text COLLATE "C" NOT NULL,
	parent text COLLATE "C" NOT NULL,
	data   bytea NOT NULL,
	PRIMARY KEY (kind, id)
);

-- List (kind, parent ordered by id) and ListKind/Dump ((kind, parent, id)).
CREATE INDEX records_by_parent ON records (kind, parent, id);

-- The number of log entries applied; exactly one row. Apply's first
-- statement sets n to n + 1 if n is the entry's index and to -1 otherwise,
-- which this named constraint rejects, aborting the batch (see Apply). Its
-- row lock serializes concurrent Apply calls, even from several processes.
CREATE TABLE applied (
	one integer PRIMARY KEY CHECK (one = 1),
	n   bigint NOT NULL CONSTRAINT applied_n_nonnegative CHECK (n >= 0)
);
INSERT INTO applied (one, n) VALUES (1, 0);

-- Credentials: never in the log, never in Dump.
CREATE TABLE secrets (
	user_name text COLLATE "C" PRIMARY KEY,
	data      bytea NOT NULL
);

-- Sign-in sessions, by the SHA-256 of the browser's token. Times are Unix
-- nanoseconds (timestamptz keeps only microseconds).
CREATE TABLE sessions (
	token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
	user_name  text COLLATE "C" NOT NULL,
	created    bigint NOT NULL,
	last_seen  bigint NOT NULL,
	data       bytea NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_name);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen);
CREATE INDEX sessions_by_created ON sessions (created);

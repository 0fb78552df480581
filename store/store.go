// Package store holds the office's database: a projection of the election log.
//
// The election log (package ledger) is the source of truth. Every state change
// is first appended to the log, durably, and then applied to a Store in one
// transaction that also records how many log entries have been applied. On
// start the office applies whatever entries the store is missing, and
// "canvass rebuild" recreates a store from the log alone. So a Store never
// holds anything that the log does not — except credentials and sessions,
// which must never be published and live in their own tables, outside Dump.
//
// The projection is a set of records addressed by kind and id: "user",
// "election", "file", "tabulation", "request", "publication", "audit", ...
// The office decides what a kind holds (canonical JSON in Data); a Store only
// keeps records, lists them by kind and parent, and applies batches
// atomically. Two implementations exist, chosen by configuration:
// store/sqlite (embedded, the default) and store/postgres (statewide). Both
// pass the one conformance suite in store/storetest.
package store

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned by Get, Secret and Session when nothing is stored
// under the key.
var ErrNotFound = errors.New("store: not found")

// ErrOutOfOrder is returned by Apply when index is not the number of log
// entries already applied: entries are applied exactly once, in log order.
var ErrOutOfOrder = errors.New("store: log entry applied out of order")

// Record is one row of the projection.
type Record struct {
	// Kind names what the record holds ("user", "election", ...): at most
	// 64 bytes of [a-z0-9-].
	Kind string
	// ID is unique within Kind; at most 256 bytes, any UTF-8.
	ID string
	// Parent groups records for List (the election a file belongs to, the
	// audit a round belongs to); "" for none.
	Parent string
	// Data is the record's content, canonical JSON chosen by the office. A
	// Record with nil Data in an Apply batch deletes the record.
	Data []byte
}

// Session is a server-side sign-in session. The store keeps only the hash of
// the token that the browser holds, so a copy of the database cannot be used
// to take over a session.
type Session struct {
	TokenHash [32]byte
	User      string
	Created   time.Time
	LastSeen  time.Time
	// Data is opaque to the store (e.g. a WebAuthn ceremony in progress).
	Data []byte
}

// Store is the office's database. Implementations are safe for concurrent
// use; Apply calls are serialized by the caller (the office applies log
// entries in order from one goroutine) but reads may run at any time and see
// either all or none of a batch.
type Store interface {
	// Apply writes recs (upserts; nil Data deletes) and records that log
	// entries [0, index] have been applied, atomically. index must equal
	// the value Applied returns, or Apply returns ErrOutOfOrder and changes
	// nothing. An entry that changes no record is applied with recs empty.
	Apply(ctx context.Context, index uint64, recs []Record) error
	// ApplyBatch applies the log entries first, first+1, ...,
	// first+len(entries)-1, in order, in one transaction: entries[i] are
	// the records of entry first+i, so a later entry's change to a record
	// overrides an earlier one's. It is Apply of each entry in turn, all or
	// nothing: first must equal Applied, or it returns ErrOutOfOrder and
	// changes nothing; a bad record anywhere changes nothing. An empty
	// batch changes nothing.
	ApplyBatch(ctx context.Context, first uint64, entries [][]Record) error
	// Applied returns the number of log entries applied so far (the index
	// of the next entry to apply).
	Applied(ctx context.Context) (uint64, error)
	// Get returns the record kind/id or ErrNotFound.
	Get(ctx context.Context, kind, id string) (Record, error)
	// List returns the records of kind whose Parent is parent, ordered by
	// ID (byte order). parent "" lists records with no parent.
	List(ctx context.Context, kind, parent string) ([]Record, error)
	// ListKind returns every record of kind, ordered by (Parent, ID).
	ListKind(ctx context.Context, kind string) ([]Record, error)
	// Dump writes the whole projection (not secrets or sessions) in a
	// canonical, byte-stable form: every record ordered by (Kind, Parent,
	// ID), then the applied count. Two stores with the same content dump
	// the same bytes whatever their backend.
	Dump(ctx context.Context, w io.Writer) error

	// Secret returns the credential blob stored for user (password hash,
	// sealed TOTP secret, lockout counters), or ErrNotFound. Secrets are
	// not in the log and not in Dump.
	Secret(ctx context.Context, user string) ([]byte, error)
	// PutSecret replaces user's credential blob.
	PutSecret(ctx context.Context, user string, data []byte) error
	// ListSecrets returns every user with a stored secret, for backup.
	ListSecrets(ctx context.Context) ([]string, error)

	// PutSession stores s (insert or replace by TokenHash).
	PutSession(ctx context.Context, s Session) error
	// Session returns the session with the token hash, or ErrNotFound.
	Session(ctx context.Context, tokenHash [32]byte) (Session, error)
	// DeleteSession removes a session; deleting a missing one is no error.
	DeleteSession(ctx context.Context, tokenHash [32]byte) error
	// DeleteSessions removes every session of user (sign-out everywhere,
	// account disabled) and every session last seen before idleBefore or
	// created before createdBefore (zero times match nothing).
	DeleteSessions(ctx context.Context, user string, idleBefore, createdBefore time.Time) error

	// Close releases the database.
	Close() error
}

package witness

import (
	"context"
	"errors"
	"time"

	"golang.org/x/mod/sumdb/tlog"
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

// Store persists the per-log witness state. Package witnessdb has the
// SQLite implementation; it lives apart so that this package (formats,
// verification, policies) builds without a database, e.g. for WebAssembly. Implementations must make
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

// Evidence is a stored request that a log signed but that failed a
// consistency check.
type Evidence struct {
	Origin     string    // the log's origin
	ReceivedAt time.Time // when the witness refused the request
	Reason     string    // why it was refused
	Request    []byte    // the add-checkpoint request body, verbatim
}

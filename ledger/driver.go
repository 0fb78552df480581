package ledger

import (
	"context"
	"fmt"
)

// Driver is the storage a Log writes through: the tlog-tiles resources it
// publishes (read back through the embedded Fetcher) and a few private
// state files that are never served. The Log owns the protocol that keeps
// a crash harmless (which files, in which order, when a group must be
// durable); a driver only has to make each Write durable before it
// returns and never leave a torn file, as the POSIX DirDriver does with
// temporary files, fsync and rename. Other backends (object storage, a
// database) implement the same five methods.
type Driver interface {
	// Fetcher reads published resources (checkpoint, tiles, entry
	// bundles), including ones written but not yet covered by the
	// checkpoint. Missing resources wrap fs.ErrNotExist.
	Fetcher
	// Init prepares empty storage for a new log, refusing storage that
	// already holds anything.
	Init(ctx context.Context) error
	// Lock makes the caller the log's only writer until unlock is called
	// (or the process dies), waiting until ctx is done.
	Lock(ctx context.Context) (unlock func() error, err error)
	// ReadState reads the private state file name (one of the State*
	// constants). A missing file wraps fs.ErrNotExist.
	ReadState(ctx context.Context, name string) ([]byte, error)
	// Write stores every file durably: once it returns nil each one
	// survives a crash; if it fails or the process dies first, each file
	// is either its old or its new content, never a mixture. Files of
	// one call may become visible in any order.
	Write(ctx context.Context, files []File) error
	// DeletePartials removes the partial versions (path + ".p/<W>") of
	// the given full tiles or bundles, which tlog-tiles allows once the
	// full one is published. Failures are harmless: clients fall back to
	// the full tile.
	DeletePartials(ctx context.Context, fullPaths []string) error
}

// File is one file a Driver writes.
type File struct {
	// Path is a tlog-tiles resource path, or for a State file one of the
	// State* names.
	Path string
	// State marks a private state file, which is never served.
	State bool
	// Data is the whole content.
	Data []byte
}

// Names of the private state files.
const (
	// StateVKey holds the log's verifier key.
	StateVKey = "vkey"
	// StateTree holds the committed tree (size and root, as unsigned
	// checkpoint text): the entries and tiles it covers are durable even
	// when no published checkpoint covers them yet.
	StateTree = "tree"
	// StatePolicy holds the optional witness policy (C2SP tlog-policy).
	StatePolicy = "policy"
)

// describe names a driver in messages: its String method if it has one.
func describe(d Driver) string {
	if s, ok := d.(fmt.Stringer); ok {
		return s.String()
	}
	return "the log storage"
}

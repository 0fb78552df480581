package office

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/store"
)

// Caches of the audit write path. Entering a reading used to parse the
// round's whole sample file, re-derive every ballot's key and list every
// reading of the audit, under the write lock, for each reading: about
// 50 ms per reading for a 5,000-ballot round, which capped the boards at
// some 20 readings a second (docs/benchmarks.md). What they recomputed
// is either immutable (a drawn round's file) or changes only when a
// board is created.

// roundCache holds parsed rounds by the SHA-256 of their file, which
// names its content: a cached round is the file's one parse. Callers
// must not modify a loaded round.
var roundCache sync.Map // string → *audit.Round

// assignCache holds the board assignment of a round without its read
// set (assignStatic), per office, audit, round and parsed round; an
// entry is valid while the audit's board generation is unchanged.
var assignCache sync.Map // assignKey → assignEntry

type assignKey struct {
	o  *Office
	id string
	n  int
	rd *audit.Round
}

type assignEntry struct {
	gen uint64
	asg *roundAssignment
}

// boardGens counts, per office and audit, the boards created: creating a
// board changes the assignment of the jurisdiction's ballots.
var boardGens sync.Map // [2]any{*Office, id} → *atomic.Uint64

func (o *Office) boardGen(id string) *atomic.Uint64 {
	v, _ := boardGens.LoadOrStore([2]any{o, id}, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

// forgetAssignments invalidates audit id's cached assignments; CreateBoard
// calls it once its board is committed (or failed to be).
func (o *Office) forgetAssignments(id string) { o.boardGen(id).Add(1) }

// assignStatic is assignments without the read set: which board reads
// which ballot of round n. The result is shared: do not modify it.
func (o *Office) assignStatic(ctx context.Context, a *Audit, n int, rd *audit.Round) (*roundAssignment, error) {
	k := assignKey{o, a.ID, n, rd}
	gen := o.boardGen(a.ID).Load()
	if v, ok := assignCache.Load(k); ok && v.(assignEntry).gen == gen {
		return v.(assignEntry).asg, nil
	}
	asg, err := o.computeAssignments(ctx, a, n, rd)
	if err != nil {
		return nil, err
	}
	// A board created while this was computed bumped the generation: the
	// entry is then stored under the old one and never used.
	assignCache.Store(k, assignEntry{gen, asg})
	return asg, nil
}

// hasReading reports whether the ballot with canonical key has a reading.
func (o *Office) hasReading(ctx context.Context, id, key string) (bool, error) {
	_, err := o.st.Get(ctx, kindAuditReading, id+"/"+key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// keyCache holds each parsed round's ballot keys (ballotKeyJSON of every
// draw, in draw order): encoding them is most of computing an assignment.
var keyCache sync.Map // *audit.Round → []string

func roundKeys(rd *audit.Round) []string {
	if v, ok := keyCache.Load(rd); ok {
		return v.([]string)
	}
	keys := make([]string, len(rd.Ballots))
	for i := range rd.Ballots {
		keys[i] = ballotKeyJSON(rd.Ballots[i].Key())
	}
	keyCache.Store(rd, keys)
	return keys
}

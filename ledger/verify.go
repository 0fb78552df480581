package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Fetcher reads the resources of a log by their tlog-tiles path
// ("checkpoint", "tile/0/000.p/5", "tile/entries/x001/234"). A missing
// resource is reported as an error wrapping fs.ErrNotExist. Implementations
// must be safe for concurrent use; DirFetcher and HTTPFetcher are.
type Fetcher interface {
	Fetch(ctx context.Context, path string) ([]byte, error)
}

// Errors that verification failures wrap, for callers that branch on the
// kind of failure.
var (
	// ErrFork: the log's checkpoint is not consistent with a checkpoint
	// verified earlier (two different trees of the same size, or a larger
	// tree that does not extend the earlier one).
	ErrFork = errors.New("fork")
	// ErrRollback: the log's checkpoint is smaller than one verified
	// earlier (truncation, or an old checkpoint replayed).
	ErrRollback = errors.New("rollback")
	// ErrQuorum: the checkpoint lacks the cosignatures the policy requires.
	ErrQuorum = errors.New("witness quorum not met")
	// ErrTampered: an entry, tile or checkpoint does not match the rest
	// of the log.
	ErrTampered = errors.New("log data does not match")
)

// VerifyError is a verification failure, naming the first bad entry when
// there is one.
type VerifyError struct {
	// Index is the first bad entry's index, or -1 when the failure is
	// not about one entry.
	Index int64
	// Kind is one of ErrFork, ErrRollback, ErrQuorum, ErrTampered.
	Kind error
	Msg  string
}

// Error implements error.
func (e *VerifyError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("entry %d: %s", e.Index, e.Msg)
	}
	return e.Msg
}

// Unwrap lets errors.Is match the kind.
func (e *VerifyError) Unwrap() error { return e.Kind }

func tampered(index int64, format string, args ...any) *VerifyError {
	return &VerifyError{Index: index, Kind: ErrTampered, Msg: fmt.Sprintf(format, args...)}
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// VKey is the log's signed-note verifier key (required).
	VKey string
	// Policy, when set, must be met by the checkpoint's cosignatures, and
	// must list the log (or list no logs).
	Policy *witness.Policy
	// Previous is a signed checkpoint of this log verified earlier (the
	// state file's content); the log's checkpoint must be consistent with
	// it. Nil on first use.
	Previous []byte
	// Workers is how many tiles are checked in parallel; 0 means
	// GOMAXPROCS.
	Workers int
}

// VerifyResult describes a log that verified.
type VerifyResult struct {
	// Checkpoint is the log's verified checkpoint.
	Checkpoint *SignedCheckpoint
	// Previous is the checkpoint from VerifyOptions.Previous, if any.
	Previous *Checkpoint
}

// Verify checks a whole log through f: the checkpoint's signature (and the
// policy's cosignature quorum), every entry against the level-0 tiles (and
// that it is a valid catalogued event at its index), every tile against the
// hashes recomputed from the level below, the root against the checkpoint,
// and consistency with the previously verified checkpoint. It returns a
// *VerifyError naming the first failure.
func Verify(ctx context.Context, f Fetcher, opts VerifyOptions) (*VerifyResult, error) {
	logV, err := note.NewVerifier(opts.VKey)
	if err != nil {
		return nil, fmt.Errorf("log verifier key: %v (expected <origin>+<hash>+<base64 key> as printed by 'canvass log init')", err)
	}
	if !policyAllowsLog(opts.Policy, opts.VKey) {
		return nil, fmt.Errorf("the policy lists logs but not %s; add \"log %s\" to it", logV.Name(), opts.VKey)
	}
	raw, err := f.Fetch(ctx, CheckpointPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, tampered(-1, "checkpoint is missing: %v", err)
		}
		return nil, err
	}
	sc, err := OpenCheckpoint(raw, logV)
	if err != nil {
		return nil, tampered(-1, "checkpoint: %v", err)
	}
	if err := CheckQuorum(opts.Policy, sc, logV); err != nil {
		return nil, err
	}
	res := &VerifyResult{Checkpoint: sc}
	if opts.Previous != nil {
		prev, err := OpenCheckpoint(opts.Previous, logV)
		if err != nil {
			return nil, fmt.Errorf("previously verified checkpoint (state): %v", err)
		}
		res.Previous = &prev.Checkpoint
		if err := checkAgainstPrevious(sc.Checkpoint, prev.Checkpoint); err != nil {
			return nil, err
		}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var keep []uint64
	if res.Previous != nil {
		keep = edgeTiles(res.Previous.Size)
	}
	tr, err := verifyTree(ctx, f, sc.Checkpoint, workers, keep)
	if err != nil {
		return nil, err
	}
	if res.Previous != nil && res.Previous.Size > 0 && res.Previous.Size < sc.Size {
		m, n := int64(res.Previous.Size), int64(sc.Size)
		proof, err := tlog.ProveTree(n, m, tr)
		if err != nil {
			return nil, fmt.Errorf("building consistency proof %d→%d: %v", m, n, err)
		}
		if err := tlog.CheckTree(proof, n, sc.Hash, m, res.Previous.Hash); err != nil {
			return nil, &VerifyError{Index: -1, Kind: ErrFork, Msg: fmt.Sprintf(
				"fork: the log's checkpoint of size %d does not extend the previously verified checkpoint of size %d (root %s)",
				n, m, b64(res.Previous.Hash))}
		}
	}
	return res, nil
}

// checkAgainstPrevious detects rollbacks and same-size forks before the
// expensive tree check.
func checkAgainstPrevious(cur, prev Checkpoint) error {
	switch {
	case prev.Origin != cur.Origin:
		return fmt.Errorf("the previously verified checkpoint is for log %q, not %q: use a separate state file per log", prev.Origin, cur.Origin)
	case cur.Size < prev.Size:
		return &VerifyError{Index: -1, Kind: ErrRollback, Msg: fmt.Sprintf(
			"rollback: the log's checkpoint has size %d but a checkpoint of size %d was verified before (truncated log or replayed old checkpoint)", cur.Size, prev.Size)}
	case cur.Size == prev.Size && cur.Hash != prev.Hash:
		return &VerifyError{Index: -1, Kind: ErrFork, Msg: fmt.Sprintf(
			"fork: two different checkpoints of size %d: root %s now, root %s verified before", cur.Size, b64(cur.Hash), b64(prev.Hash))}
	}
	return nil
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

// edgeTiles lists the level-0 tiles whose leaf hashes a consistency proof
// from a tree of size m needs: those holding entries m−1 and m.
func edgeTiles(m uint64) []uint64 {
	if m == 0 {
		return nil
	}
	return []uint64{(m - 1) / TileWidth, m / TileWidth}
}

// verifiedTree holds the hashes verification recomputed: every hash at tile
// levels ≥ 1 and the leaf hashes of the retained level-0 tiles. It is a
// tlog.HashReader for proofs within the verified tree.
type verifiedTree struct {
	size   uint64
	levels [][]tlog.Hash // levels[l] for l ≥ 1: all size>>(8l) hashes
	leaves map[uint64][]tlog.Hash
}

// ReadHashes implements tlog.HashReader.
func (t *verifiedTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		k, n := tlog.SplitStoredHashIndex(idx)
		tl, sub := k/tileHeight, k%tileHeight
		start, count := uint64(n)<<sub, uint64(1)<<sub
		var hs []tlog.Hash
		if tl == 0 {
			tile := start / TileWidth
			leaves, ok := t.leaves[tile]
			if !ok || start%TileWidth+count > uint64(len(leaves)) {
				return nil, fmt.Errorf("hash at level %d index %d is not retained", k, n)
			}
			hs = leaves[start%TileWidth : start%TileWidth+count]
		} else {
			if tl >= len(t.levels) || start+count > uint64(len(t.levels[tl])) {
				return nil, fmt.Errorf("hash at level %d index %d is beyond the tree", k, n)
			}
			hs = t.levels[tl][start : start+count]
		}
		out[i] = perfectRoot(hs)
	}
	return out, nil
}

// fetchResource fetches a tile (level ≥ 0) or entry bundle (level < 0). A
// missing partial resource falls back to the full one, which tlog-tiles
// lets logs serve once the partial one is deleted; full reports that.
func fetchResource(ctx context.Context, f Fetcher, level int, index uint64, width int) (data []byte, path string, full bool, err error) {
	pathFor := func(w int) string {
		if level < 0 {
			return EntriesPath(index, w)
		}
		return TilePath(level, index, w)
	}
	path = pathFor(width)
	data, err = f.Fetch(ctx, path)
	if err != nil && width < TileWidth && errors.Is(err, fs.ErrNotExist) {
		if d, ferr := f.Fetch(ctx, pathFor(TileWidth)); ferr == nil {
			return d, pathFor(TileWidth), true, nil
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, path, false, fmt.Errorf("%s is missing (truncated log?): %w", path, err)
		}
		return nil, path, false, err
	}
	return data, path, width == TileWidth, nil
}

// verifyTree checks every entry and tile of the tree cp describes and
// returns the recomputed hashes. keep lists level-0 tiles whose leaf hashes
// to retain (the last tile is always retained).
func verifyTree(ctx context.Context, f Fetcher, cp Checkpoint, workers int, keep []uint64) (*verifiedTree, error) {
	size := cp.Size
	tr := &verifiedTree{size: size, leaves: map[uint64][]tlog.Hash{}}
	nTiles := (size + TileWidth - 1) / TileWidth
	keepSet := map[uint64]bool{}
	for _, k := range keep {
		keepSet[k] = true
	}
	if nTiles > 0 {
		keepSet[nTiles-1] = true
	}
	level1 := make([]tlog.Hash, size/TileWidth)

	var (
		next     atomic.Uint64
		mu       sync.Mutex
		firstErr *VerifyError // error with the smallest entry index
		otherErr error
		errTile  atomic.Uint64
		wg       sync.WaitGroup
	)
	errTile.Store(^uint64(0))
	fail := func(tile uint64, err error) {
		mu.Lock()
		defer mu.Unlock()
		var ve *VerifyError
		if errors.As(err, &ve) && ve.Index >= 0 {
			if firstErr == nil || ve.Index < firstErr.Index {
				firstErr = ve
			}
		} else if otherErr == nil {
			otherErr = err
		}
		for {
			cur := errTile.Load()
			if tile >= cur || errTile.CompareAndSwap(cur, tile) {
				return
			}
		}
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= nTiles || i > errTile.Load() || ctx.Err() != nil {
					return
				}
				width := TileWidth
				if (i+1)*TileWidth > size {
					width = int(size % TileWidth)
				}
				hashes, err := verifyLeafTile(ctx, f, cp.Origin, i, width)
				if err != nil {
					fail(i, err)
					continue
				}
				if width == TileWidth {
					level1[i] = perfectRoot(hashes)
				}
				if keepSet[i] {
					mu.Lock()
					tr.leaves[i] = hashes
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if otherErr != nil {
		return nil, otherErr
	}

	// Levels ≥ 1: each tile must equal the roots of the full tiles below.
	tr.levels = [][]tlog.Hash{nil, level1}
	edge := [][]tlog.Hash{nil}
	if nTiles > 0 {
		edge[0] = tr.leaves[nTiles-1][:size%TileWidth]
	}
	for l := 1; len(tr.levels[l]) > 0; l++ {
		hs := tr.levels[l]
		var up []tlog.Hash
		for t := uint64(0); t*TileWidth < uint64(len(hs)); t++ {
			w := min(TileWidth, len(hs)-int(t*TileWidth))
			want := hs[t*TileWidth : t*TileWidth+uint64(w)]
			data, path, full, err := fetchResource(ctx, f, l, t, w)
			if err != nil {
				return nil, tampered(-1, "%v", err)
			}
			if n := len(data); n != w*tlog.HashSize && !(full && n == TileWidth*tlog.HashSize) {
				return nil, tampered(-1, "%s is %d bytes; expected %d (%d hashes)", path, n, w*tlog.HashSize, w)
			}
			for k := range want {
				if !bytes.Equal(data[k*tlog.HashSize:(k+1)*tlog.HashSize], want[k][:]) {
					below := TilePath(l-1, t*TileWidth+uint64(k), TileWidth)
					first := (t*TileWidth + uint64(k)) << (tileHeight * l)
					last := first + 1<<(tileHeight*l) - 1
					return nil, tampered(-1, "%s hash %d (entries %d–%d) differs from the root of %s recomputed from the entries (the tile was altered)", path, k, first, last, below)
				}
			}
			if w == TileWidth {
				up = append(up, perfectRoot(want))
			}
		}
		edge = append(edge, hs[len(hs)-len(hs)%TileWidth:])
		tr.levels = append(tr.levels, up)
	}
	if root := edgeRoot(edge); root != cp.Hash {
		return nil, tampered(-1, "the entries hash to root %s but the checkpoint of size %d says %s (checkpoint replaced, or entries and tiles rewritten)", b64(root), size, b64(cp.Hash))
	}
	return tr, nil
}

// verifyLeafTile checks entry bundle i against level-0 tile i and returns
// the tile's leaf hashes.
func verifyLeafTile(ctx context.Context, f Fetcher, origin string, i uint64, width int) ([]tlog.Hash, error) {
	first := int64(i * TileWidth)
	bundle, bpath, bfull, err := fetchResource(ctx, f, -1, i, width)
	if err != nil {
		return nil, tampered(first, "%v", err)
	}
	tile, tpath, tfull, err := fetchResource(ctx, f, 0, i, width)
	if err != nil {
		return nil, tampered(first, "%v", err)
	}
	if n := len(tile); n != width*tlog.HashSize && !(tfull && n == TileWidth*tlog.HashSize) {
		return nil, tampered(first, "%s is %d bytes; expected %d (%d hashes)", tpath, n, width*tlog.HashSize, width)
	}
	entries, offsets, err := splitBundle(bpath, bundle, width, !bfull)
	if err != nil {
		var be *BundleError
		if errors.As(err, &be) {
			return nil, tampered(first+int64(be.Entry), "%v", err)
		}
		return nil, tampered(first, "%v", err)
	}
	hashes := make([]tlog.Hash, width)
	for j, e := range entries {
		idx := i*TileWidth + uint64(j)
		h := tlog.RecordHash(e)
		if !bytes.Equal(h[:], tile[j*tlog.HashSize:(j+1)*tlog.HashSize]) {
			return nil, tampered(int64(idx), "hash mismatch (entry bundle %s byte %d differs from %s hash %d)", bpath, offsets[j], tpath, j)
		}
		if _, err := ParseEntry(e, origin, idx); err != nil {
			return nil, tampered(int64(idx), "invalid event in %s at byte %d: %v", bpath, offsets[j]+2, err)
		}
		hashes[j] = h
	}
	return hashes, nil
}

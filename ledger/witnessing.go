package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// cosign submits the signed checkpoint to every witness of the policy that
// has a URL, in parallel, with the C2SP tlog-witness add-checkpoint call
// (package witness's client), and returns the checkpoint with every valid
// cosignature merged in, and the witnesses' failures. It waits for every
// witness (up to the timeout) rather than stopping at the quorum, so that
// the published checkpoint carries as many cosignatures as possible for
// monitors.
func (l *Log) cosign(ctx context.Context, signed []byte, cp Checkpoint) ([]byte, []error) {
	timeout := l.opts.WitnessTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hashes := tlog.TileHashReader(tlog.Tree{N: int64(cp.Size), Hash: cp.Hash}, &tileReader{ctx: ctx, f: l.driver})

	ws := l.policy.Witnesses
	sigs := make([]note.Signature, len(ws))
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i := range ws {
		w := ws[i]
		if w.URL == "" {
			errs[i] = fmt.Errorf("witness %s: the policy gives no URL to submit to", w.Name)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sigs[i], errs[i] = l.submit(ctx, w, signed, cp, hashes)
		}()
	}
	wg.Wait()
	var got []note.Signature
	var failures []error
	for i := range ws {
		if errs[i] != nil {
			failures = append(failures, errs[i])
		} else {
			got = append(got, sigs[i])
		}
	}
	out, err := witness.MergeCosignatures(signed, got...)
	if err != nil {
		return signed, append(failures, err)
	}
	return out, failures
}

// submit runs add-checkpoint against one witness, following its 409
// Conflict answers to learn the size it last cosigned, and returns its
// verified cosignature.
func (l *Log) submit(ctx context.Context, w witness.PolicyWitness, signed []byte, cp Checkpoint, hashes tlog.HashReader) (note.Signature, error) {
	l.mu.Lock()
	old := l.witnessSize[w.Name]
	l.mu.Unlock()
	for attempt := 0; attempt < 3; attempt++ {
		if old > cp.Size {
			return note.Signature{}, fmt.Errorf("witness %s has cosigned a checkpoint of size %d, larger than this log's %d: the log was rolled back or restored from an old backup", w.Name, old, cp.Size)
		}
		var proof tlog.TreeProof
		if old > 0 && old < cp.Size {
			var err error
			if proof, err = tlog.ProveTree(int64(cp.Size), int64(old), hashes); err != nil {
				return note.Signature{}, fmt.Errorf("witness %s: building consistency proof %d→%d: %v", w.Name, old, cp.Size, err)
			}
		}
		resp, err := witness.AddCheckpoint(ctx, l.opts.HTTPClient, w.URL, old, proof, signed)
		var conflict *witness.ConflictError
		if errors.As(err, &conflict) {
			old = conflict.Size
			continue
		}
		if err != nil {
			return note.Signature{}, fmt.Errorf("witness %s: %v", w.Name, err)
		}
		sig, err := witness.CheckCosignature(signed, resp, w.Verifier())
		if err != nil {
			return note.Signature{}, fmt.Errorf("witness %s: %v", w.Name, err)
		}
		l.mu.Lock()
		l.witnessSize[w.Name] = cp.Size
		l.mu.Unlock()
		return sig, nil
	}
	return note.Signature{}, fmt.Errorf("witness %s: still conflicting after 3 attempts", w.Name)
}

// tileReader adapts a Fetcher to tlog.TileReader for tlog.TileHashReader,
// which checks every tile it reads against the tree's root.
type tileReader struct {
	ctx context.Context
	f   Fetcher
}

// Height implements tlog.TileReader.
func (r *tileReader) Height() int { return tileHeight }

// ReadTiles implements tlog.TileReader.
func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if t.L < 0 || t.H != tileHeight {
			return nil, fmt.Errorf("unexpected tile request %+v", t)
		}
		data, path, full, err := fetchResource(r.ctx, r.f, t.L, uint64(t.N), t.W)
		if err != nil {
			return nil, err
		}
		if full && len(data) == TileWidth*tlog.HashSize {
			data = data[:t.W*tlog.HashSize]
		}
		if len(data) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s is %d bytes; expected %d", path, len(data), t.W*tlog.HashSize)
		}
		out[i] = data
	}
	return out, nil
}

// SaveTiles implements tlog.TileReader; tiles are not cached.
func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

package ledger

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Options configure a Log.
type Options struct {
	// Policy replaces the witness policy stored with the log at init, if
	// any. With a policy whose quorum is not "none", Publish submits each
	// checkpoint to the policy's witnesses and publishes it only once a
	// quorum has cosigned.
	Policy *witness.Policy
	// HTTPClient talks to witnesses; nil means a client with a 30 s
	// timeout (WitnessTimeout bounds each round of requests anyway).
	HTTPClient *http.Client
	// WitnessTimeout bounds one round of witness requests; 0 means 10 s.
	WitnessTimeout time.Duration
	// Now stamps events that have no TimeStamp; nil means time.Now.
	Now func() time.Time
}

// Log is an open log with its writer lock held. It sequences entries,
// stores them durably as tlog-tiles through its Driver, and publishes
// checkpoints. A Log is not safe for concurrent use (an Appender is); the
// driver's lock keeps other processes out.
type Log struct {
	driver   Driver
	origin   string
	vkey     string
	signer   note.Signer
	verifier note.Verifier
	policy   *witness.Policy
	opts     Options
	unlock   func() error

	// The committed tree: size, root, and its right edge (the hashes of
	// the incomplete tile at each level, and the incomplete entry bundle).
	size    uint64
	root    tlog.Hash
	edge    [][]tlog.Hash
	bundle  []byte
	bundleN int

	published *SignedCheckpoint
	quorumMet bool // published meets the policy's quorum

	// recovered is the committed tree size when the log was opened
	// beyond the published checkpoint: entries a previous writer made
	// durable but never published, whose indexes its callers may never
	// have seen.
	recoveredFrom, recoveredTo uint64

	mu          sync.Mutex        // guards witnessSize during parallel submission
	witnessSize map[string]uint64 // by policy witness name: size it last cosigned

	// err is set by a failed write: the in-memory state may no longer
	// match the storage, so the Log must be closed and reopened.
	err error
}

// checkSigner checks that signer is the signing key of the verifier key
// vkey: same name and key hash, and a signature that verifies.
func checkSigner(signer note.Signer, vkey string) error {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("the log's verifier key is malformed: %v", err)
	}
	if signer.Name() != verifier.Name() {
		return fmt.Errorf("%w: the key is for log %q but the log is %q", ErrWrongKey, signer.Name(), verifier.Name())
	}
	msg := []byte("canvass key check\n")
	sig, err := signer.Sign(msg)
	if err != nil || signer.KeyHash() != verifier.KeyHash() || !verifier.Verify(msg, sig) {
		return fmt.Errorf("%w: the key is not the one this log was created with (its verifier key is %s); nothing was appended", ErrWrongKey, vkey)
	}
	return nil
}

// Create initializes an empty log in the driver's storage, which must be
// empty, for signer, whose verifier key is vkey and whose name becomes
// the log's origin, and publishes its empty checkpoint. policy, if not
// nil, is C2SP tlog-policy text stored with the log for Open to use.
func Create(ctx context.Context, d Driver, signer note.Signer, vkey string, policy []byte) error {
	if err := checkSigner(signer, vkey); err != nil {
		return err
	}
	origin := signer.Name()
	if policy != nil {
		p, err := ParsePolicy(policy)
		if err != nil {
			return err
		}
		if !policyAllowsLog(p, vkey) {
			return fmt.Errorf("the policy lists logs, but not this log's key %s", vkey)
		}
	}
	if err := d.Init(ctx); err != nil {
		return err
	}
	empty := Checkpoint{Origin: origin, Size: 0, Hash: emptyRoot}
	state := []File{{Path: StateVKey, State: true, Data: []byte(vkey + "\n")}}
	if policy != nil {
		state = append(state, File{Path: StatePolicy, State: true, Data: policy})
	}
	state = append(state, File{Path: StateTree, State: true, Data: empty.Text()})
	if err := d.Write(ctx, state); err != nil {
		return err
	}
	signed, err := note.Sign(&note.Note{Text: string(empty.Text())}, signer)
	if err != nil {
		return err
	}
	// The checkpoint is written last: its presence marks a complete init.
	return d.Write(ctx, []File{{Path: CheckpointPath, Data: signed}})
}

// Open opens the log in the driver's storage for writing with signer,
// taking the driver's writer lock (waiting for another writer until ctx
// is done). It refuses a signer that is not the log's, and checks that the
// stored right edge of the tree hashes to the committed root.
func Open(ctx context.Context, d Driver, signer note.Signer, opts Options) (*Log, error) {
	wantVKey, err := d.ReadState(ctx, StateVKey)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("reading the log's verifier key: %w", err)
	}
	if _, err := d.Fetch(ctx, CheckpointPath); err != nil {
		return nil, fmt.Errorf("%s has no checkpoint: 'canvass log init' did not finish; delete the directory and its key file and run init again", describe(d))
	}
	vkey := strings.TrimSpace(string(wantVKey))
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("the log's stored verifier key is corrupt: %v", err)
	}
	if signer.Name() != verifier.Name() {
		return nil, fmt.Errorf("%w: the key is for log %q but %s holds log %q; nothing was appended", ErrWrongKey, signer.Name(), describe(d), verifier.Name())
	}
	if err := checkSigner(signer, vkey); err != nil {
		return nil, err
	}
	policy := opts.Policy
	if policy == nil {
		if b, err := d.ReadState(ctx, StatePolicy); err == nil {
			if policy, err = ParsePolicy(b); err != nil {
				return nil, fmt.Errorf("the log's stored witness policy: %w", err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if !policyAllowsLog(policy, vkey) {
		return nil, fmt.Errorf("the witness policy lists logs, but not this log's key %s", vkey)
	}
	unlock, err := d.Lock(ctx)
	if err != nil {
		return nil, err
	}
	l := &Log{
		driver: d, origin: signer.Name(), vkey: vkey, signer: signer, verifier: verifier,
		policy: policy, opts: opts, unlock: unlock,
		witnessSize: map[string]uint64{},
	}
	if err := l.load(ctx); err != nil {
		unlock()
		return nil, err
	}
	return l, nil
}

// load reads the committed state under the lock.
func (l *Log) load(ctx context.Context) error {
	raw, err := l.driver.ReadState(ctx, StateTree)
	if err != nil {
		return fmt.Errorf("reading committed tree state: %w", err)
	}
	tree, err := ParseCheckpoint(string(raw))
	if err != nil {
		return fmt.Errorf("committed tree state: %v", err)
	}
	if tree.Origin != l.origin {
		return fmt.Errorf("committed tree state is for origin %q, not %q", tree.Origin, l.origin)
	}
	l.size, l.root = tree.Size, tree.Hash
	f := l.driver
	for lv := 0; l.size>>(tileHeight*lv) > 0; lv++ {
		l.edge = append(l.edge, nil)
		w := int(l.size >> (tileHeight * lv) % TileWidth)
		if w == 0 {
			continue
		}
		idx := l.size >> (tileHeight * (lv + 1))
		data, err := f.Fetch(ctx, TilePath(lv, idx, w))
		if err != nil || len(data) != w*tlog.HashSize {
			return fmt.Errorf("log state is damaged: %s is missing or has the wrong size (%v); run 'canvass log verify' to locate the damage", TilePath(lv, idx, w), err)
		}
		l.edge[lv] = tileHashes(data)
	}
	if w := int(l.size % TileWidth); w > 0 {
		p := EntriesPath(l.size/TileWidth, w)
		data, err := f.Fetch(ctx, p)
		if err == nil {
			_, _, err = splitBundle(p, data, w, true)
		}
		if err != nil {
			return fmt.Errorf("log state is damaged: entry bundle %s: %v; run 'canvass log verify' to locate the damage", p, err)
		}
		l.bundle, l.bundleN = data, w
	}
	if root := edgeRoot(l.edge); root != l.root {
		return fmt.Errorf("log state is damaged: the tiles at the right edge hash to %s, not the committed root %s; run 'canvass log verify' to locate the damage", b64(root), b64(l.root))
	}
	cpRaw, err := f.Fetch(ctx, CheckpointPath)
	if err != nil {
		return err
	}
	sc, err := OpenCheckpoint(cpRaw, l.verifier)
	if err != nil {
		return fmt.Errorf("published checkpoint: %v", err)
	}
	// A published checkpoint that misses the current policy's quorum
	// (the empty one from init, or a policy that changed) is simply
	// republished by the next Publish.
	l.quorumMet = CheckQuorum(l.policy, sc, l.verifier) == nil
	if sc.Size > l.size {
		return fmt.Errorf("log state is damaged: the published checkpoint has size %d but the committed tree only %d", sc.Size, l.size)
	}
	if sc.Size == l.size && sc.Hash != l.root {
		return fmt.Errorf("log state is damaged: the published checkpoint's root differs from the committed tree of the same size")
	}
	l.published = sc
	l.recoveredFrom, l.recoveredTo = sc.Size, l.size
	for _, c := range sc.Cosignatures {
		l.witnessSize[c.Witness] = sc.Size
	}
	return nil
}

// Recovered reports the entries that were durable but not published when
// the log was opened, indexes first up to first+n−1: a previous writer was
// interrupted (killed, or its checkpoint missed the witness quorum) after
// storing them and before its callers learned their indexes. The next
// Publish publishes them; a caller should report them so that nobody
// submits the same events again.
func (l *Log) Recovered() (first, n uint64) {
	return l.recoveredFrom, l.recoveredTo - l.recoveredFrom
}

// Fetcher reads the log's resources through its driver, including the
// entries and tiles committed but not yet published.
func (l *Log) Fetcher() Fetcher { return l.driver }

// Close releases the writer lock.
func (l *Log) Close() error {
	if l.unlock == nil {
		return nil
	}
	err := l.unlock()
	l.unlock = nil
	return err
}

// Origin returns the log's origin (its checkpoint's first line).
func (l *Log) Origin() string { return l.origin }

// VKey returns the log's verifier key.
func (l *Log) VKey() string { return l.vkey }

// Size returns the number of committed entries.
func (l *Log) Size() uint64 { return l.size }

// Published returns the published checkpoint.
func (l *Log) Published() *SignedCheckpoint { return l.published }

func (l *Log) now() time.Time {
	if l.opts.Now != nil {
		return l.opts.Now()
	}
	return time.Now()
}

// Append sequences events as the next entries of the log and stores them
// durably: when it returns without error, the entries are on disk (data
// and directory entries fsynced) and will survive a crash, at indices
// first, first+1, .... The events' Sequence, ID and, when zero, TimeStamp
// are set. If any event is invalid or too large, nothing is stored.
// Entries become visible to verifiers when Publish publishes a checkpoint
// covering them.
func (l *Log) Append(ctx context.Context, events []Event) (first uint64, err error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.unlock == nil {
		return 0, errors.New("log is closed")
	}
	now := l.now()
	entries := make([][]byte, len(events))
	for i := range events {
		data, err := events[i].AppendEntry(nil, l.origin, l.size+uint64(i), now)
		if err != nil {
			return 0, fmt.Errorf("event %d of the batch: %w; nothing was appended", i+1, err)
		}
		entries[i] = data
	}
	// Validate exactly as verify will, so the API can never store an entry
	// that makes the log fail verification.
	return l.AppendEntries(ctx, entries)
}

// AppendEntries is Append for entries already encoded with
// Event.AppendEntry for the indices they will get (Size(), Size()+1, …),
// which lets a caller check sizes and hold compact bytes rather than
// events. Each entry is checked with ParseEntry at its index; if any fails,
// nothing is stored.
func (l *Log) AppendEntries(ctx context.Context, entries [][]byte) (first uint64, err error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.unlock == nil {
		return 0, errors.New("log is closed")
	}
	for i, e := range entries {
		if len(e) > MaxEntrySize {
			return 0, fmt.Errorf("entry %d of the batch is %d bytes; the limit is %d; nothing was appended", i+1, len(e), MaxEntrySize)
		}
		if _, err := ParseEntry(e, l.origin, l.size+uint64(i)); err != nil {
			return 0, fmt.Errorf("entry %d of the batch (index %d): %w; nothing was appended", i+1, l.size+uint64(i), err)
		}
	}
	return l.appendEntries(ctx, entries)
}

// appendEntries stores encoded entries durably as the next entries.
func (l *Log) appendEntries(ctx context.Context, entries [][]byte) (first uint64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(entries) == 0 {
		return l.size, nil
	}

	// Compute the new right edge and every file it changes, on copies, so
	// that a failure leaves the committed state untouched.
	edge := make([][]tlog.Hash, len(l.edge))
	for i := range l.edge {
		edge[i] = append([]tlog.Hash(nil), l.edge[i]...)
	}
	bundle := append([]byte(nil), l.bundle...)
	bundleN := l.bundleN
	size := l.size
	var files []File
	for _, data := range entries {
		if len(data) > MaxEntrySize {
			// A longer entry cannot be framed in a bundle.
			return 0, fmt.Errorf("entry of %d bytes exceeds %d; nothing was appended", len(data), MaxEntrySize)
		}
		bundle = appendBundleEntry(bundle, data)
		bundleN++
		size++
		if bundleN == TileWidth {
			files = append(files, File{Path: EntriesPath((size-1)/TileWidth, TileWidth), Data: bundle})
			bundle, bundleN = nil, 0
		}
		h := tlog.RecordHash(data)
		for lv := 0; ; lv++ {
			if lv == len(edge) {
				edge = append(edge, nil)
			}
			edge[lv] = append(edge[lv], h)
			if len(edge[lv]) < TileWidth {
				break
			}
			idx := size>>(tileHeight*(lv+1)) - 1
			files = append(files, File{Path: TilePath(lv, idx, TileWidth), Data: appendHashes(nil, edge[lv])})
			h = perfectRoot(edge[lv])
			edge[lv] = nil
		}
	}
	if bundleN > 0 {
		files = append(files, File{Path: EntriesPath(size/TileWidth, bundleN), Data: bundle})
	}
	for lv := range edge {
		if n := len(edge[lv]); n > 0 {
			files = append(files, File{Path: TilePath(lv, size>>(tileHeight*(lv+1)), n), Data: appendHashes(nil, edge[lv])})
		}
	}
	root := edgeRoot(edge)

	// Tiles and bundles first, then the tree state that commits them.
	fail := func(err error) (uint64, error) {
		l.err = fmt.Errorf("log write failed, reopen the log: %w", err)
		return 0, l.err
	}
	if err := l.driver.Write(ctx, files); err != nil {
		return fail(err)
	}
	tree := Checkpoint{Origin: l.origin, Size: size, Hash: root}
	if err := l.driver.Write(ctx, []File{{Path: StateTree, State: true, Data: tree.Text()}}); err != nil {
		return fail(err)
	}
	first = l.size
	l.size, l.root, l.edge, l.bundle, l.bundleN = size, root, edge, bundle, bundleN
	return first, nil
}

// Publish signs a checkpoint for the committed tree, has it cosigned by
// the policy's witnesses, and once the quorum is met writes it as the
// log's checkpoint. Without a quorum nothing is published and the error
// wraps ErrQuorum; the entries stay committed, and a later Publish
// retries. Publishing a tree that is already published is a no-op.
func (l *Log) Publish(ctx context.Context) (*SignedCheckpoint, error) {
	if l.err != nil {
		return nil, l.err
	}
	if l.published.Size == l.size && (!requiresCosignatures(l.policy) || l.quorumMet) {
		return l.published, nil
	}
	cp := Checkpoint{Origin: l.origin, Size: l.size, Hash: l.root}
	signed, err := note.Sign(&note.Note{Text: string(cp.Text())}, l.signer)
	if err != nil {
		return nil, err
	}
	final := signed
	var witnessErrs []error
	if requiresCosignatures(l.policy) {
		final, witnessErrs = l.cosign(ctx, signed, cp)
	}
	sc, err := OpenCheckpoint(final, l.verifier)
	if err != nil {
		return nil, fmt.Errorf("checkpoint with cosignatures does not verify: %v", err)
	}
	if err := CheckQuorum(l.policy, sc, l.verifier); err != nil {
		msg := fmt.Sprintf("checkpoint of size %d not published: %s", cp.Size,
			strings.TrimPrefix(err.Error(), fmt.Sprintf("checkpoint of size %d: ", cp.Size)))
		for _, e := range witnessErrs {
			msg += "; " + e.Error()
		}
		var ve *VerifyError
		kind := ErrQuorum
		if errors.As(err, &ve) {
			kind = ve.Kind
		}
		return nil, &VerifyError{Index: -1, Kind: kind, Msg: msg + fmt.Sprintf(
			"; the entries (up to index %d) are stored and the next successful 'canvass log append' (empty input is fine) publishes them", int64(l.size)-1)}
	}
	if err := l.driver.Write(ctx, []File{{Path: CheckpointPath, Data: final}}); err != nil {
		l.err = fmt.Errorf("publishing checkpoint failed, reopen the log: %w", err)
		return nil, l.err
	}
	old := l.published.Size
	l.published, l.quorumMet = sc, true
	l.collectGarbage(ctx, old, sc.Size)
	return sc, nil
}

// collectGarbage deletes the partial tiles and bundles of every tile that
// became full between published sizes old and size. tlog-tiles allows it
// once the full tile exists, and clients fall back to the full tile;
// without it, a log appended to one entry at a time would keep up to 255
// partial copies of every tile.
func (l *Log) collectGarbage(ctx context.Context, old, size uint64) {
	var full []string
	for lv := 0; size>>(tileHeight*(lv+1)) > 0; lv++ {
		from, to := old>>(tileHeight*(lv+1)), size>>(tileHeight*(lv+1))
		for t := from; t < to; t++ {
			full = append(full, TilePath(lv, t, TileWidth))
			if lv == 0 {
				full = append(full, EntriesPath(t, TileWidth))
			}
		}
	}
	if len(full) > 0 {
		l.driver.DeletePartials(ctx, full)
	}
}

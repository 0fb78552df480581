package office

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/store"
)

// The write path: group commit at the office level.
//
// A state change is validated under the office's write lock (Office.lock)
// against the store plus the records of every change accepted but not yet
// applied (the overlay), so validation sees every earlier accepted change.
// commit then encodes the event at the next log index, projects it with
// the same pure project (reading through the overlay), adds its records
// to the overlay, queues it, and releases the lock while it waits. One
// writer goroutine takes everything queued (up to maxBatch entries),
// appends it to the log in one durable write, publishes one checkpoint,
// applies all its records to the store in one transaction (ApplyBatch),
// and only then acknowledges each caller. So the log stays the source of
// truth, entries are applied exactly once and in log order, and a caller
// is acknowledged only once its entry is durable and applied. A crash
// leaves the log ahead of the store, which Open's catch-up repairs.

// maxBatch bounds the entries of one group commit.
const maxBatch = 1024

// lockedKey marks a context as held by Office.lock: reads of the
// projection through o.st with such a context see the overlay.
type lockedKey struct{}

// lock takes the office's write lock, under which changes are validated
// and committed, and returns ctx marked so that reads through o.st see
// changes accepted but not yet applied. Every state change takes it:
//
//	ctx, unlock := o.lock(ctx)
//	defer unlock()
//
// commit releases the lock while it waits for its entry to be durable and
// applied, and takes it again before returning.
func (o *Office) lock(ctx context.Context) (context.Context, func()) {
	o.writeMu.Lock()
	return context.WithValue(ctx, lockedKey{}, true), o.writeMu.Unlock
}

func locked(ctx context.Context) bool { return ctx.Value(lockedKey{}) != nil }

// pendingEntry is a change accepted and queued for the writer.
type pendingEntry struct {
	index uint64
	entry []byte
	recs  []store.Record
	done  chan error // buffered; nil once durable and applied
}

// commit appends ev to the log, durably, and applies it to the store. The
// caller holds the write lock (Office.lock) and has validated the change,
// so project cannot fail on it; should it fail, nothing is logged. The
// event is projected from its canonical encoding, exactly as rebuild will
// see it.
func (o *Office) commit(ctx context.Context, ev ledger.Event) (uint64, error) {
	if !locked(ctx) {
		return 0, errors.New("office: commit called without Office.lock")
	}
	if o.closed {
		return 0, errors.New("office: closed")
	}
	if o.broken != nil {
		// The store is behind the log: catch up, but this change was
		// validated against the old state, so it is not logged.
		if err := o.catchUp(context.Background()); err != nil {
			return 0, fmt.Errorf("the database is behind the log and cannot catch up: %w", err)
		}
		o.broken = nil
		return 0, errors.New("the database was behind the log and has caught up; nothing was logged, retry")
	}
	if ev.TimeStamp.IsZero() {
		ev.TimeStamp = o.now().UTC()
	}
	if ev.Disposition == "" {
		ev.Disposition = "success"
	}
	if ev.Severity == "" {
		if t, ok := ledger.LookupType(ev.Type); ok {
			ev.Severity = t.Severity
		}
	}
	idx := o.next
	entry, err := ev.AppendEntry(nil, o.origin, idx, time.Time{})
	if err == nil && len(entry) > ledger.MaxEntrySize {
		err = fmt.Errorf("the entry is %d bytes; the limit is %d", len(entry), ledger.MaxEntrySize)
	}
	if err != nil {
		return 0, fmt.Errorf("%w; it was not logged", err)
	}
	parsed, err := ledger.ParseEntry(entry, o.origin, idx)
	if err != nil {
		return 0, fmt.Errorf("%w; it was not logged", err)
	}
	recs, err := project(ctx, o.st, parsed)
	if err != nil {
		return 0, fmt.Errorf("projecting %s: %w; it was not logged", ev.Type, err)
	}
	p := &pendingEntry{index: idx, entry: entry, recs: recs, done: make(chan error, 1)}
	o.next++
	o.st.ov.put(idx, recs)
	o.qmu.Lock()
	o.queue = append(o.queue, p)
	o.qcond.Signal()
	o.qmu.Unlock()

	o.writeMu.Unlock()
	err = <-p.done
	o.writeMu.Lock()
	if err != nil {
		return idx, err
	}
	return idx, nil
}

// writeLoop is the writer goroutine: it commits whatever is queued, in
// groups, until Close.
func (o *Office) writeLoop() {
	defer close(o.stopped)
	for {
		o.qmu.Lock()
		for len(o.queue) == 0 && !o.closing {
			o.qcond.Wait()
		}
		if len(o.queue) == 0 {
			o.qmu.Unlock()
			return
		}
		n := min(len(o.queue), maxBatch)
		var batch, marks []*pendingEntry
		for _, p := range o.queue[:n] {
			if p.entry == nil {
				marks = append(marks, p) // republish's request
			} else {
				batch = append(batch, p)
			}
		}
		o.queue = slices.Delete(o.queue, 0, n)
		o.qmu.Unlock()

		var err error
		switch {
		case len(batch) == 0:
			_, err = o.log.Publish(context.Background())
		default:
			if err = o.writeBatch(batch); err != nil {
				o.fail(batch, err)
				break
			}
			o.st.ov.forget(batch[len(batch)-1].index + 1)
			for _, p := range batch {
				p.done <- nil
			}
		}
		for _, p := range marks {
			p.done <- err
		}
	}
}

// republish has the writer publish a checkpoint covering every durable
// entry, when an earlier publication failed (the witness quorum was
// unreachable) and no change has been committed since: otherwise only the
// next change would publish it. The caller holds the write lock, released
// while it waits, as in commit.
func (o *Office) republish(ctx context.Context) error {
	if !locked(ctx) {
		return errors.New("office: republish called without Office.lock")
	}
	if o.closed {
		return errors.New("office: closed")
	}
	p := &pendingEntry{done: make(chan error, 1)}
	o.qmu.Lock()
	o.queue = append(o.queue, p)
	o.qcond.Signal()
	o.qmu.Unlock()
	o.writeMu.Unlock()
	err := <-p.done
	o.writeMu.Lock()
	return err
}

// writeBatch appends a group to the log in one durable write, publishes
// one checkpoint covering it, and applies its records in one transaction.
func (o *Office) writeBatch(batch []*pendingEntry) error {
	ctx := context.Background()
	entries := make([][]byte, len(batch))
	recs := make([][]store.Record, len(batch))
	for i, p := range batch {
		entries[i], recs[i] = p.entry, p.recs
	}
	first, err := o.log.AppendEntries(ctx, entries)
	if err != nil {
		return err
	}
	o.size.Store(o.log.Size())
	last := first + uint64(len(batch)) - 1
	if _, err := o.log.Publish(ctx); err != nil {
		// The change is in the log and fail's catch-up applies it: say
		// so, rather than an internal error that suggests it was lost.
		slog.Error("checkpoint not published", "first", first, "last", last, "err", err)
		return &Error{Status: http.StatusServiceUnavailable, Msg: fmt.Sprintf(
			"the change is recorded in the log (entries %d-%d), but the witnesses did not cosign a checkpoint covering it, so it is not published yet; it will be with the next change: %v", first, last, err)}
	}
	if err := o.st.Store.ApplyBatch(ctx, first, recs); err != nil {
		return fmt.Errorf("applying log entries %d-%d: %w (they are in the log; the next start applies them)", first, last, err)
	}
	return nil
}

// fail answers a group that could not be committed, and every change
// queued after it: those were validated against the group's changes, so
// they are refused too. Under the write lock, the overlay is dropped and
// the store catches up with whatever the log does hold.
func (o *Office) fail(batch []*pendingEntry, err error) {
	o.writeMu.Lock()
	o.qmu.Lock()
	rest := o.queue
	o.queue = nil
	o.qmu.Unlock()
	o.st.ov.clear()
	o.size.Store(o.log.Size())
	o.next = o.log.Size()
	if cerr := o.catchUp(context.Background()); cerr != nil {
		o.broken = cerr
	}
	o.writeMu.Unlock()
	for _, p := range batch {
		p.done <- err
	}
	for _, p := range rest {
		p.done <- fmt.Errorf("an earlier change could not be committed (%v) and this one was checked against it: it was not logged, retry", err)
	}
}

// viewStore is the office's store: reads with a context from Office.lock
// see the overlay of accepted changes not yet applied; every other read
// sees only what is durable and applied.
type viewStore struct {
	store.Store
	ov *overlay
}

// Get implements store.Store.
func (v *viewStore) Get(ctx context.Context, kind, id string) (store.Record, error) {
	if locked(ctx) {
		if r, ok := v.ov.get(kind, id); ok {
			if r.Data == nil {
				return store.Record{}, store.ErrNotFound
			}
			return r, nil
		}
	}
	return v.Store.Get(ctx, kind, id)
}

// List implements store.Store.
func (v *viewStore) List(ctx context.Context, kind, parent string) ([]store.Record, error) {
	if !locked(ctx) {
		return v.Store.List(ctx, kind, parent)
	}
	// The overlay first: the writer removes from it only what the store
	// has applied, and nothing is added while the caller holds the lock.
	pend := v.ov.ofKind(kind)
	base, err := v.Store.List(ctx, kind, parent)
	if err != nil || len(pend) == 0 {
		return base, err
	}
	out := merge(base, pend, func(r store.Record) bool { return r.Parent == parent })
	slices.SortFunc(out, func(a, b store.Record) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ListKind implements store.Store.
func (v *viewStore) ListKind(ctx context.Context, kind string) ([]store.Record, error) {
	if !locked(ctx) {
		return v.Store.ListKind(ctx, kind)
	}
	pend := v.ov.ofKind(kind)
	base, err := v.Store.ListKind(ctx, kind)
	if err != nil || len(pend) == 0 {
		return base, err
	}
	out := merge(base, pend, func(store.Record) bool { return true })
	slices.SortFunc(out, func(a, b store.Record) int {
		return cmp.Or(cmp.Compare(a.Parent, b.Parent), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// merge returns base with the pending versions (by ID) in place of the
// stored ones, deletions removed, and pending records that match added.
func merge(base []store.Record, pend map[string]store.Record, match func(store.Record) bool) []store.Record {
	out := make([]store.Record, 0, len(base)+len(pend))
	for _, r := range base {
		if _, ok := pend[r.ID]; !ok {
			out = append(out, r)
		}
	}
	for _, r := range pend {
		if r.Data != nil && match(r) {
			out = append(out, r)
		}
	}
	return out
}

// overlay holds the latest pending version of every record changed by an
// accepted entry that the store has not applied yet.
type overlay struct {
	mu   sync.Mutex
	recs map[recKey]pendingRecord
}

type recKey struct{ kind, id string }

type pendingRecord struct {
	rec   store.Record
	index uint64 // the log entry that wrote this version
}

func (v *overlay) get(kind, id string) (store.Record, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	p, ok := v.recs[recKey{kind, id}]
	return p.rec, ok
}

// ofKind returns the pending records of kind by ID (nil Data: deleted).
func (v *overlay) ofKind(kind string) map[string]store.Record {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out map[string]store.Record
	for k, p := range v.recs {
		if k.kind == kind {
			if out == nil {
				out = map[string]store.Record{}
			}
			out[k.id] = p.rec
		}
	}
	return out
}

// put records entry index's changes; later entries override earlier ones.
func (v *overlay) put(index uint64, recs []store.Record) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.recs == nil {
		v.recs = map[recKey]pendingRecord{}
	}
	for _, r := range recs {
		v.recs[recKey{r.Kind, r.ID}] = pendingRecord{rec: r, index: index}
	}
}

// forget drops the versions written by entries before applied, which the
// store now holds.
func (v *overlay) forget(applied uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, p := range v.recs {
		if p.index < applied {
			delete(v.recs, k)
		}
	}
}

func (v *overlay) clear() {
	v.mu.Lock()
	defer v.mu.Unlock()
	clear(v.recs)
}

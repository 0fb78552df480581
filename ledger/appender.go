package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrAppenderClosed is returned for events added after Appender.Close.
var ErrAppenderClosed = errors.New("ledger: appender is closed")

// AppenderOptions configure an Appender.
type AppenderOptions struct {
	// MaxBatch bounds the entries of one group commit; 0 means 4096.
	MaxBatch int
	// Publish makes every group commit also publish a checkpoint
	// (cosigned by the policy's quorum) before its callers get their
	// indexes, so that an index a caller sees is already verifiable, as
	// `canvass log append` prints them. Without it, entries are durable
	// when Append returns and the caller publishes with Publish, e.g.
	// on a timer.
	Publish bool
}

// IndexFuture waits for an added event to be durable and returns its
// index, or why it was not appended.
type IndexFuture func() (uint64, error)

// Appender sequences events from many goroutines into one Log. Events
// that arrive while a group is being written wait and form the next group,
// which is written with one round of durable writes (group commit), so
// the rate of durable appends grows with the number of concurrent
// callers rather than being one fsync round per event. It is safe for
// concurrent use.
type Appender struct {
	log  *Log
	opts AppenderOptions

	reqs chan appendRequest
	done chan struct{} // closed when the loop has drained and stopped

	closeMu sync.RWMutex // held for reading while sending to reqs
	closed  bool

	mu sync.Mutex // guards log: held by the loop while committing, and by Publish and readers

	// published mirrors log.Published() so that readers need not wait
	// for a group being written.
	published atomic.Pointer[SignedCheckpoint]
}

type appendRequest struct {
	ctx    context.Context
	ev     Event
	result chan appendResult
}

type appendResult struct {
	index uint64
	err   error
}

// NewAppender starts an appender that owns l: l must not be used
// directly afterwards, and Close closes it.
func NewAppender(l *Log, opts AppenderOptions) *Appender {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	a := &Appender{
		log:  l,
		opts: opts,
		reqs: make(chan appendRequest, opts.MaxBatch),
		done: make(chan struct{}),
	}
	a.published.Store(l.Published())
	go a.loop()
	return a
}

// Add queues ev to be appended and returns at once. The event's TimeStamp,
// when zero, is the time its group is sequenced. An event whose ctx is
// done before its group is written is not appended. Events added by one
// goroutine get increasing indexes in the order it added them.
func (a *Appender) Add(ctx context.Context, ev Event) IndexFuture {
	result := make(chan appendResult, 1)
	a.closeMu.RLock()
	defer a.closeMu.RUnlock()
	if a.closed {
		return func() (uint64, error) { return 0, ErrAppenderClosed }
	}
	select {
	case a.reqs <- appendRequest{ctx: ctx, ev: ev, result: result}:
	case <-ctx.Done():
		err := ctx.Err()
		return func() (uint64, error) { return 0, err }
	}
	return func() (uint64, error) {
		r := <-result
		result <- r // a future may be called more than once
		return r.index, r.err
	}
}

// Append appends ev and returns its index once it is durable (and, with
// AppenderOptions.Publish, published).
func (a *Appender) Append(ctx context.Context, ev Event) (uint64, error) {
	return a.Add(ctx, ev)()
}

// Close stops accepting events, waits until every event already added is
// written (or refused), and closes the log.
func (a *Appender) Close() error {
	a.closeMu.Lock()
	if a.closed {
		a.closeMu.Unlock()
		<-a.done
		return nil
	}
	a.closed = true
	close(a.reqs)
	a.closeMu.Unlock()
	<-a.done
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.log.Close()
}

// Size returns the number of durable entries.
func (a *Appender) Size() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.log.Size()
}

// Origin returns the log's origin.
func (a *Appender) Origin() string { return a.log.Origin() }

// Recovered is Log.Recovered: entries that were durable but unpublished
// when the log was opened.
func (a *Appender) Recovered() (first, n uint64) { return a.log.Recovered() }

// Fetcher reads the log's resources, including durable entries not yet
// published.
func (a *Appender) Fetcher() Fetcher { return a.log.Fetcher() }

// Entry reads back the durable entry at index.
func (a *Appender) Entry(ctx context.Context, index uint64) (Event, error) {
	size := a.Size()
	if index >= size {
		return Event{}, fmt.Errorf("entry %d is not in the log (size %d)", index, size)
	}
	raw, err := readEntry(ctx, a.log.Fetcher(), size, index)
	if err != nil {
		return Event{}, err
	}
	return ParseEntry(raw, a.log.Origin(), index)
}

// Publish is Log.Publish; appends wait while it runs.
func (a *Appender) Publish(ctx context.Context) (*SignedCheckpoint, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	sc, err := a.log.Publish(ctx)
	a.published.Store(a.log.Published())
	return sc, err
}

// Published returns the latest published checkpoint, without waiting for
// a group being written.
func (a *Appender) Published() *SignedCheckpoint { return a.published.Load() }

// loop writes groups until reqs is closed and drained.
func (a *Appender) loop() {
	defer close(a.done)
	batch := make([]appendRequest, 0, a.opts.MaxBatch)
	for r := range a.reqs {
		batch = append(batch[:0], r)
		// Group commit: take whatever is already waiting, up to a batch.
	drain:
		for len(batch) < a.opts.MaxBatch {
			select {
			case r, ok := <-a.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		a.commit(batch)
	}
}

// commit writes one group and answers its callers.
func (a *Appender) commit(batch []appendRequest) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.log
	now := l.now()
	entries := make([][]byte, 0, len(batch))
	waiting := make([]chan appendResult, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.result <- appendResult{err: err}
			continue
		}
		index := l.size + uint64(len(entries))
		data, err := r.ev.AppendEntry(nil, l.origin, index, now)
		if err == nil {
			// Validate exactly as verify will, so that no entry can
			// make the log fail verification.
			_, err = ParseEntry(data, l.origin, index)
		}
		if err != nil {
			r.result <- appendResult{err: fmt.Errorf("%w; it was not appended", err)}
			continue
		}
		entries = append(entries, data)
		waiting = append(waiting, r.result)
	}
	if len(entries) == 0 {
		return
	}
	first, err := l.appendEntries(context.Background(), entries)
	if err == nil && a.opts.Publish {
		_, err = l.Publish(context.Background())
		a.published.Store(l.Published())
	}
	for i, w := range waiting {
		if err != nil {
			w <- appendResult{err: err}
		} else {
			w <- appendResult{index: first + uint64(i)}
		}
	}
}

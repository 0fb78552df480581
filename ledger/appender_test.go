package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func newTestAppender(t testing.TB, opts AppenderOptions) (*Appender, string, string) {
	t.Helper()
	dir, skey, vkey := testLog(t, "appender.example/log", nil)
	l, err := OpenDir(context.Background(), dir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return NewAppender(l, opts), dir, vkey
}

// TestAppenderConcurrent: many goroutines append at once; every event gets
// a distinct index, the indexes are exactly 0..n-1, each caller reads back
// its own event at its index, and the published log verifies.
func TestAppenderConcurrent(t *testing.T) {
	a, dir, vkey := newTestAppender(t, AppenderOptions{MaxBatch: 16})
	ctx := context.Background()
	const goroutines, each = 32, 20
	got := make([][]uint64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				marker := fmt.Sprintf("g%d-%d", g, i)
				idx, err := a.Append(ctx, sampleEvent(t, g*each+i, marker))
				if err != nil {
					t.Error(err)
					return
				}
				ev, err := a.Entry(ctx, idx)
				if err != nil || ev.Details != marker {
					t.Errorf("entry %d reads back as %q (%v), want %q", idx, ev.Details, err, marker)
				}
				got[g] = append(got[g], idx)
			}
		}()
	}
	wg.Wait()
	var all []uint64
	for _, g := range got {
		if !slices.IsSorted(g) {
			t.Errorf("one goroutine's indexes are out of order: %v", g)
		}
		all = append(all, g...)
	}
	slices.Sort(all)
	for i, idx := range all {
		if idx != uint64(i) {
			t.Fatalf("indexes are not 0..%d: position %d holds %d", goroutines*each-1, i, idx)
		}
	}
	if a.Size() != goroutines*each {
		t.Fatalf("size %d, want %d", a.Size(), goroutines*each)
	}
	if _, err := a.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(ctx, DirFetcher(dir), VerifyOptions{VKey: vkey})
	if err != nil || res.Checkpoint.Size != goroutines*each {
		t.Fatalf("verify: %v", err)
	}
}

// TestAppenderRefusesOneEventAlone: an invalid event or a cancelled
// caller fails alone; the events around it are appended with contiguous
// indexes.
func TestAppenderRefusesOneEventAlone(t *testing.T) {
	a, _, _ := newTestAppender(t, AppenderOptions{})
	ctx := context.Background()
	bad := Event{Type: "logout", Disposition: "success", Payload: map[string]any{"reason": "bored"}}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	f0 := a.Add(ctx, sampleEvent(t, 0, "a"))
	fBad := a.Add(ctx, bad)
	fCancelled := a.Add(cancelled, sampleEvent(t, 1, "c"))
	f1 := a.Add(ctx, sampleEvent(t, 2, "b"))
	if i, err := f0(); err != nil || i != 0 {
		t.Fatalf("first: %d %v", i, err)
	}
	if _, err := fBad(); err == nil || !strings.Contains(err.Error(), "Payload.reason") {
		t.Fatalf("invalid event: %v", err)
	}
	if _, err := fCancelled(); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled event: %v", err)
	}
	if i, err := f1(); err != nil || i != 1 {
		t.Fatalf("event after the refused ones: %d %v, want index 1", i, err)
	}
	if i, err := f1(); err != nil || i != 1 {
		t.Fatalf("a future called twice: %d %v", i, err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Append(ctx, sampleEvent(t, 3, "late")); !errors.Is(err, ErrAppenderClosed) {
		t.Fatalf("append after Close: %v", err)
	}
}

// TestAppenderCloseDrains: events added before Close are all written.
func TestAppenderCloseDrains(t *testing.T) {
	a, dir, _ := newTestAppender(t, AppenderOptions{MaxBatch: 8, Publish: true})
	ctx := context.Background()
	var futures []IndexFuture
	for i := range 100 {
		futures = append(futures, a.Add(ctx, sampleEvent(t, i, "drain")))
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for i, f := range futures {
		if idx, err := f(); err != nil || idx != uint64(i) {
			t.Fatalf("event %d: %d %v", i, idx, err)
		}
	}
	l, err := OpenDir(ctx, dir, "", Options{})
	if err == nil {
		l.Close()
		t.Fatal("OpenDir accepted an empty key")
	}
	cp, err := unverifiedCheckpoint(mustFetch(t, DirFetcher(dir), CheckpointPath))
	if err != nil || cp.Size != 100 {
		t.Fatalf("published size %d (%v), want 100: with Publish every group is published", cp.Size, err)
	}
}

// TestRecoveredEntries: entries stored but never published (the writer
// died before publishing) are reported by the next Open.
func TestRecoveredEntries(t *testing.T) {
	dir, skey, _ := testLog(t, "recover.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 5, 5, "pub")
	ctx := context.Background()
	l, err := OpenDir(ctx, dir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if first, n := l.Recovered(); n != 0 {
		t.Fatalf("after a clean run Recovered = %d, %d", first, n)
	}
	if _, err := l.Append(ctx, sampleEvents(t, 5, 3, "lost")); err != nil {
		t.Fatal(err)
	}
	l.Close() // as if killed before Publish
	a, err := OpenDir(ctx, dir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ap := NewAppender(a, AppenderOptions{})
	defer ap.Close()
	if first, n := ap.Recovered(); first != 5 || n != 3 {
		t.Fatalf("Recovered = %d, %d; want 5, 3", first, n)
	}
}

func mustFetch(t testing.TB, f Fetcher, p string) []byte {
	t.Helper()
	b, err := f.Fetch(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkAppender32 measures durable appends from 32 concurrent callers,
// as the web office makes them: each Append returns once its entry is
// fsynced; groups form from whatever is waiting.
func BenchmarkAppender32(b *testing.B) {
	a, _, _ := newTestAppender(b, AppenderOptions{})
	defer a.Close()
	evs := benchEvents(b, 1024)
	ctx := context.Background()
	var n atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := n.Add(1) - 1; i < int64(b.N); i = n.Add(1) - 1 {
				if _, err := a.Append(ctx, evs[i%int64(len(evs))]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

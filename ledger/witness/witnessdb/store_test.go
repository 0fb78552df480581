//lint:file-ignore ST1001 these tests moved from package witness with its test helpers, which read as they did there

package witnessdb

import (
	"bytes"
	"context"
	"sync"
	"testing"

	. "github.com/canvass/canvass/ledger/witness"
)

func TestConcurrentAdvancesFromOneOldSize(t *testing.T) {
	s, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	testConcurrentAdvances(t, s)
}

func testConcurrentAdvances(t *testing.T, store Store) {
	const n = 16
	// All n requests read the stored state before any of them
	// writes, so each one's compare-and-swap races the others.
	barrier := &barrierStore{Store: store}
	env := newWitnessEnv(t, barrier, origin)
	l := env.logs[origin]
	if rec := env.post(l.request(0, 10)); rec.Code != 200 {
		t.Fatal(rec.Body.String())
	}
	barrier.arm(n)
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = l.request(10, int64(11+i))
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = env.post(bodies[i]).Code
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 409:
			conflict++
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	if ok != 1 || conflict != n-1 {
		t.Fatalf("%d requests from old size 10: %d cosigned, %d conflicts; want exactly one cosigned", n, ok, conflict)
	}
	st, _, _ := env.store.Latest(context.Background(), origin)
	if st.Size < 11 || st.Size > 10+n {
		t.Errorf("stored size %d", st.Size)
	}
}

// barrierStore makes the next n Latest calls wait for each other.
type barrierStore struct {
	Store
	mu      sync.Mutex
	waiting int
	release chan struct{}
}

func (b *barrierStore) arm(n int) {
	b.mu.Lock()
	b.waiting, b.release = n, make(chan struct{})
	b.mu.Unlock()
}

func (b *barrierStore) Latest(ctx context.Context, origin string) (State, bool, error) {
	st, ok, err := b.Store.Latest(ctx, origin)
	b.mu.Lock()
	if b.waiting == 0 {
		b.mu.Unlock()
		return st, ok, err
	}
	b.waiting--
	release := b.release
	if b.waiting == 0 {
		close(release)
	}
	b.mu.Unlock()
	<-release
	return st, ok, err
}

func TestSQLiteStateSurvivesRestart(t *testing.T) {
	path := tempDB(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	env := newWitnessEnv(t, s, origin)
	l := env.logs[origin]
	for _, r := range [][2]int64{{0, 3}, {3, 8}} {
		if rec := env.post(l.request(r[0], r[1])); rec.Code != 200 {
			t.Fatal(rec.Body.String())
		}
	}
	want, _, _ := s.Latest(context.Background(), origin)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, found, err := s2.Latest(context.Background(), origin)
	if err != nil || !found {
		t.Fatalf("after reopening: found=%v err=%v", found, err)
	}
	if got.Size != 8 || got.Hash != l.root(8) || !bytes.Equal(got.Checkpoint, want.Checkpoint) || got.Timestamp != want.Timestamp {
		t.Fatalf("after reopening the state is %+v, want %+v", got, want)
	}
	env2 := newWitnessEnv(t, s2, origin)
	if rec := env2.post(l.request(3, 9)); rec.Code != 409 || rec.Body.String() != "8\n" {
		t.Fatalf("rollback after restart: %d %q, want 409 \"8\\n\"", rec.Code, rec.Body.String())
	}
	if rec := env2.post(l.request(8, 9)); rec.Code != 200 {
		t.Fatalf("advance after restart: %d %q", rec.Code, rec.Body.String())
	}
}

func TestForkEvidenceIsRecorded(t *testing.T) {
	s, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	env := newWitnessEnv(t, s, origin)
	l := env.logs[origin]
	env.post(l.request(0, 5))
	fork := (&AddCheckpointRequest{OldSize: 5, SignedCheckpoint: l.fork().checkpoint(5)}).Body()
	for range 2 { // the same fork twice is stored once
		if rec := env.post(fork); rec.Code != 422 {
			t.Fatalf("fork: %d", rec.Code)
		}
	}
	ev, err := s.Evidence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || !bytes.Equal(ev[0].Request, fork) || ev[0].Origin != origin {
		t.Fatalf("evidence = %+v, want the fork request once", ev)
	}
	// A rollback (409) is not evidence of misbehaviour.
	env.post(l.request(2, 6))
	if ev, _ := s.Evidence(context.Background()); len(ev) != 1 {
		t.Errorf("a 409 was recorded as evidence")
	}
}

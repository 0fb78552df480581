// Package witnesstesting holds the test helpers shared by the tests of
// package witness and package witnessdb: an in-memory log that signs
// checkpoints, an in-memory Store, deterministic keys, a settable clock and
// a witness server wired to all of them.
package witnesstesting

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/canvass/canvass/ledger/witness"
)

// Seed returns a deterministic 32-byte seed for label, so tests and their
// failures are reproducible.
func Seed(label string) []byte {
	s := sha256.Sum256([]byte("canvass witness test seed: " + label))
	return s[:]
}

// Log is an in-memory RFC 6962 log that signs checkpoints with a plain
// Ed25519 note key, the way a canvass or tessera log does.
type Log struct {
	TB     testing.TB // fails the test; a log shared by benchmarks is handed to each
	Origin string
	Signer note.Signer
	VKey   string
	Hashes []tlog.Hash // tlog stored hashes
	size   int64
	salt   string // changes the leaves, to build forks signed by the same key
}

// NewLog returns an empty log whose key is derived from origin.
func NewLog(tb testing.TB, origin string) *Log {
	skey, vkey, err := note.GenerateKey(bytes.NewReader(Seed(origin)), origin)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	return &Log{TB: tb, Origin: origin, Signer: signer, VKey: vkey}
}

// Fork returns a log with the same origin and key but different leaves:
// what a misbehaving operator would show to some users.
func (l *Log) Fork() *Log {
	return &Log{TB: l.TB, Origin: l.Origin, Signer: l.Signer, VKey: l.VKey, salt: "fork "}
}

func (l *Log) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(l.Hashes)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = l.Hashes[x]
		}
		return out, nil
	})
}

// Grow appends leaves until the log has n leaves.
func (l *Log) Grow(n int64) {
	for l.size < n {
		h, err := tlog.StoredHashes(l.size, []byte(fmt.Sprintf("%s%s leaf %d", l.salt, l.Origin, l.size)), l.reader())
		if err != nil {
			l.TB.Fatal(err)
		}
		l.Hashes = append(l.Hashes, h...)
		l.size++
	}
}

// Root returns the tree hash of the first n leaves.
func (l *Log) Root(n int64) tlog.Hash {
	if n == 0 {
		return witness.EmptyTreeHash
	}
	l.Grow(n)
	h, err := tlog.TreeHash(n, l.reader())
	if err != nil {
		l.TB.Fatal(err)
	}
	return h
}

// Text returns the unsigned checkpoint text at size n.
func (l *Log) Text(n int64) []byte {
	return witness.Checkpoint{Origin: l.Origin, Size: uint64(n), Hash: l.Root(n)}.Text()
}

// Sign returns text signed by the log key.
func (l *Log) Sign(text []byte) []byte {
	msg, err := note.Sign(&note.Note{Text: string(text)}, l.Signer)
	if err != nil {
		l.TB.Fatal(err)
	}
	return msg
}

// Checkpoint returns the signed checkpoint at size n.
func (l *Log) Checkpoint(n int64) []byte { return l.Sign(l.Text(n)) }

// Proof returns the consistency proof from size old to size n.
func (l *Log) Proof(old, n int64) []tlog.Hash {
	if old == 0 {
		return nil
	}
	l.Grow(n)
	p, err := tlog.ProveTree(n, old, l.reader())
	if err != nil {
		l.TB.Fatal(err)
	}
	return p
}

// Request returns an add-checkpoint body moving from old to n.
func (l *Log) Request(old, n int64) []byte {
	return (&witness.AddCheckpointRequest{OldSize: uint64(old), Proof: l.Proof(old, n), SignedCheckpoint: l.Checkpoint(n)}).Body()
}

// MemStore is a witness.Store in memory, for tests that do not need SQLite.
type MemStore struct {
	mu       sync.Mutex
	states   map[string]witness.State
	Evidence []string
	FailNext error // returned, once, by the next Update
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{states: map[string]witness.State{}} }

// Latest implements witness.Store.
func (m *MemStore) Latest(_ context.Context, origin string) (witness.State, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[origin]
	return st, ok, nil
}

// Update implements witness.Store.
func (m *MemStore) Update(_ context.Context, origin string, prev *witness.State, next witness.State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.FailNext; err != nil {
		m.FailNext = nil
		return err
	}
	cur, ok := m.states[origin]
	if ok != (prev != nil) || ok && cur.Version != prev.Version {
		return witness.ErrStateChanged
	}
	next.Version = cur.Version + 1
	m.states[origin] = next
	return nil
}

// RecordEvidence implements witness.Store.
func (m *MemStore) RecordEvidence(_ context.Context, origin, reason string, _ []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Evidence = append(m.Evidence, origin+": "+reason)
	return nil
}

// NewCosigner returns a deterministic witness key.
func NewCosigner(tb testing.TB, name string) *witness.Cosigner {
	c, err := witness.NewCosigner(name, ed25519.NewKeyFromSeed(Seed(name)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the time last set.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set sets the time.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Env is a witness server with the logs it serves.
type Env struct {
	Server   *witness.Server
	Cosigner *witness.Cosigner
	Store    witness.Store
	Logs     map[string]*Log
	LogText  *bytes.Buffer // operational log output
	Clock    *Clock
}

// NewEnv builds a witness serving the given origins, with a MemStore
// unless store is non-nil.
func NewEnv(tb testing.TB, store witness.Store, origins ...string) *Env {
	env := &Env{
		Cosigner: NewCosigner(tb, "witness.example/w1"),
		Store:    store,
		Logs:     map[string]*Log{},
		LogText:  &bytes.Buffer{},
		Clock:    &Clock{t: time.Unix(1700000000, 0)},
	}
	if env.Store == nil {
		env.Store = NewMemStore()
	}
	var cfg strings.Builder
	for _, o := range origins {
		l := NewLog(tb, o)
		env.Logs[o] = l
		fmt.Fprintf(&cfg, "log %s\n", l.VKey)
	}
	list, err := witness.ParseLogList([]byte(cfg.String()))
	if err != nil {
		tb.Fatal(err)
	}
	env.Server, err = witness.NewServer(witness.Config{
		Cosigner: env.Cosigner,
		Logs:     list,
		Store:    env.Store,
		Logger:   slog.New(slog.NewTextHandler(&lockedWriter{w: env.LogText}, nil)),
		Now:      env.Clock.Now,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Post sends an add-checkpoint request through the HTTP handler.
func (env *Env) Post(body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/add-checkpoint", bytes.NewReader(body))
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	return rec
}

// ConcurrentAdvances checks that of many requests from one old size that
// reach store at once, exactly one is cosigned and the others conflict.
// Package witness runs it on a MemStore, package witnessdb on SQLite.
func ConcurrentAdvances(t *testing.T, store witness.Store, origin string) {
	const n = 16
	// All n requests read the stored state before any of them
	// writes, so each one's compare-and-swap races the others.
	barrier := &barrierStore{Store: store}
	env := NewEnv(t, barrier, origin)
	l := env.Logs[origin]
	if rec := env.Post(l.Request(0, 10)); rec.Code != 200 {
		t.Fatal(rec.Body.String())
	}
	barrier.arm(n)
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = l.Request(10, int64(11+i))
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = env.Post(bodies[i]).Code
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
	st, _, _ := env.Store.Latest(context.Background(), origin)
	if st.Size < 11 || st.Size > 10+n {
		t.Errorf("stored size %d", st.Size)
	}
}

// barrierStore makes the next n Latest calls wait for each other.
type barrierStore struct {
	witness.Store
	mu      sync.Mutex
	waiting int
	release chan struct{}
}

func (b *barrierStore) arm(n int) {
	b.mu.Lock()
	b.waiting, b.release = n, make(chan struct{})
	b.mu.Unlock()
}

func (b *barrierStore) Latest(ctx context.Context, origin string) (witness.State, bool, error) {
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

//lint:file-ignore ST1001 these tests moved from package witness with its test helpers, which read as they did there

package witnessdb

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
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/canvass/canvass/ledger/witness"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// seed returns a deterministic 32-byte seed for label, so tests and their
// failures are reproducible.
func seed(label string) []byte {
	s := sha256.Sum256([]byte("canvass witness test seed: " + label))
	return s[:]
}

// testLog is an in-memory RFC 6962 log that signs checkpoints with a plain
// Ed25519 note key, the way a canvass or tessera log does.
type testLog struct {
	tb     testing.TB
	origin string
	signer note.Signer
	vkey   string
	hashes []tlog.Hash // tlog stored hashes
	size   int64
	salt   string // changes the leaves, to build forks signed by the same key
}

func newTestLog(tb testing.TB, origin string) *testLog {
	skey, vkey, err := note.GenerateKey(bytes.NewReader(seed(origin)), origin)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	return &testLog{tb: tb, origin: origin, signer: signer, vkey: vkey}
}

// fork returns a log with the same origin and key but different leaves:
// what a misbehaving operator would show to some users.
func (l *testLog) fork() *testLog {
	return &testLog{tb: l.tb, origin: l.origin, signer: l.signer, vkey: l.vkey, salt: "fork "}
}

func (l *testLog) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(l.hashes)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = l.hashes[x]
		}
		return out, nil
	})
}

// grow appends leaves until the log has n leaves.
func (l *testLog) grow(n int64) {
	for l.size < n {
		h, err := tlog.StoredHashes(l.size, []byte(fmt.Sprintf("%s%s leaf %d", l.salt, l.origin, l.size)), l.reader())
		if err != nil {
			l.tb.Fatal(err)
		}
		l.hashes = append(l.hashes, h...)
		l.size++
	}
}

func (l *testLog) root(n int64) tlog.Hash {
	if n == 0 {
		return EmptyTreeHash
	}
	l.grow(n)
	h, err := tlog.TreeHash(n, l.reader())
	if err != nil {
		l.tb.Fatal(err)
	}
	return h
}

func (l *testLog) text(n int64) []byte {
	return Checkpoint{Origin: l.origin, Size: uint64(n), Hash: l.root(n)}.Text()
}

// sign returns text signed by the log key.
func (l *testLog) sign(text []byte) []byte {
	msg, err := note.Sign(&note.Note{Text: string(text)}, l.signer)
	if err != nil {
		l.tb.Fatal(err)
	}
	return msg
}

func (l *testLog) checkpoint(n int64) []byte { return l.sign(l.text(n)) }

func (l *testLog) proof(old, n int64) []tlog.Hash {
	if old == 0 {
		return nil
	}
	l.grow(n)
	p, err := tlog.ProveTree(n, old, l.reader())
	if err != nil {
		l.tb.Fatal(err)
	}
	return p
}

// request returns an add-checkpoint body moving from old to n.
func (l *testLog) request(old, n int64) []byte {
	return (&AddCheckpointRequest{OldSize: uint64(old), Proof: l.proof(old, n), SignedCheckpoint: l.checkpoint(n)}).Body()
}

// memStore is a Store in memory, for tests that do not need SQLite.
type memStore struct {
	mu       sync.Mutex
	states   map[string]State
	evidence []string
	failNext error
}

func newMemStore() *memStore { return &memStore{states: map[string]State{}} }

func (m *memStore) Latest(_ context.Context, origin string) (State, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[origin]
	return st, ok, nil
}

func (m *memStore) Update(_ context.Context, origin string, prev *State, next State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failNext; err != nil {
		m.failNext = nil
		return err
	}
	cur, ok := m.states[origin]
	if ok != (prev != nil) || ok && cur.Version != prev.Version {
		return ErrStateChanged
	}
	next.Version = cur.Version + 1
	m.states[origin] = next
	return nil
}

func (m *memStore) RecordEvidence(_ context.Context, origin, reason string, _ []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evidence = append(m.evidence, origin+": "+reason)
	return nil
}

// testCosigner returns a deterministic witness key.
func testCosigner(tb testing.TB, name string) *Cosigner {
	c, err := NewCosigner(name, ed25519.NewKeyFromSeed(seed(name)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// fixedClock returns a settable clock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

type witnessEnv struct {
	srv      *Server
	cosigner *Cosigner
	store    Store
	logs     map[string]*testLog
	logText  *bytes.Buffer // operational log output
	clock    *fixedClock
}

// newWitnessEnv builds a witness serving the given origins, with a memStore
// unless store is non-nil.
func newWitnessEnv(tb testing.TB, store Store, origins ...string) *witnessEnv {
	env := &witnessEnv{
		cosigner: testCosigner(tb, "witness.example/w1"),
		store:    store,
		logs:     map[string]*testLog{},
		logText:  &bytes.Buffer{},
		clock:    &fixedClock{t: time.Unix(1700000000, 0)},
	}
	if env.store == nil {
		env.store = newMemStore()
	}
	var cfg strings.Builder
	for _, o := range origins {
		l := newTestLog(tb, o)
		env.logs[o] = l
		fmt.Fprintf(&cfg, "log %s\n", l.vkey)
	}
	list, err := ParseLogList([]byte(cfg.String()))
	if err != nil {
		tb.Fatal(err)
	}
	env.srv, err = NewServer(Config{
		Cosigner: env.cosigner,
		Logs:     list,
		Store:    env.store,
		Logger:   slog.New(slog.NewTextHandler(&lockedWriter{w: env.logText}, nil)),
		Now:      env.clock.now,
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

// post sends an add-checkpoint request through the HTTP handler.
func (env *witnessEnv) post(body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/add-checkpoint", bytes.NewReader(body))
	rec := httptest.NewRecorder()
	env.srv.ServeHTTP(rec, req)
	return rec
}

func tempDB(tb testing.TB) string {
	return filepath.Join(tb.TempDir(), "witness.db")
}

const origin = "canvass.example/county-42"

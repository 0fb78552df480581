package ledger

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// memDriver keeps a log in memory: the smallest Driver, which shows that
// Log needs nothing of a file system.
type memDriver struct {
	mu       sync.Mutex
	locked   bool
	init     bool
	files    map[string][]byte // resources
	state    map[string][]byte
	deleted  []string
	failNext bool
}

func newMemDriver() *memDriver {
	return &memDriver{files: map[string][]byte{}, state: map[string][]byte{}}
}

func (m *memDriver) Fetch(_ context.Context, p string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[p]
	if !ok {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return b, nil
}

func (m *memDriver) Init(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.init {
		return fmt.Errorf("not empty")
	}
	m.init = true
	return nil
}

func (m *memDriver) Lock(context.Context) (func() error, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locked {
		return nil, fmt.Errorf("another process is appending")
	}
	m.locked = true
	return func() error { m.mu.Lock(); m.locked = false; m.mu.Unlock(); return nil }, nil
}

func (m *memDriver) ReadState(_ context.Context, name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.state[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return b, nil
}

func (m *memDriver) Write(_ context.Context, files []File) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext {
		m.failNext = false
		return io.ErrShortWrite
	}
	for _, f := range files {
		if f.State {
			m.state[f.Path] = f.Data
		} else {
			m.files[f.Path] = f.Data
		}
	}
	return nil
}

func (m *memDriver) DeletePartials(_ context.Context, full []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range full {
		m.deleted = append(m.deleted, p)
		for k := range m.files {
			if strings.HasPrefix(k, p+".p/") {
				delete(m.files, k)
			}
		}
	}
	return nil
}

// TestLogOverAnotherDriver runs the writer, the appender, the verifier and
// the HTTP handler over memDriver.
func TestLogOverAnotherDriver(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "mem.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	d := newMemDriver()
	if err := Create(ctx, d, signer, vkey, nil); err != nil {
		t.Fatal(err)
	}
	if err := Create(ctx, d, signer, vkey, nil); err == nil {
		t.Fatal("Create twice on one storage")
	}
	l, err := Open(ctx, d, signer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, d, signer, Options{}); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Fatalf("second writer: %v", err)
	}
	a := NewAppender(l, AppenderOptions{Publish: true})
	for i := range 300 {
		if idx, err := a.Append(ctx, sampleEvent(t, i, "mem")); err != nil || idx != uint64(i) {
			t.Fatalf("append %d: %d %v", i, idx, err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(d.deleted, "tile/entries/000") {
		t.Errorf("partial bundles of the full first tile were not deleted: %v", d.deleted)
	}
	res, err := Verify(ctx, d, VerifyOptions{VKey: vkey})
	if err != nil || res.Checkpoint.Size != 300 {
		t.Fatalf("verify: %v", err)
	}
	srv := httptest.NewServer(Handler(d))
	defer srv.Close()
	if res, err := Verify(ctx, HTTPFetcher{Prefix: srv.URL}, VerifyOptions{VKey: vkey}); err != nil || res.Checkpoint.Size != 300 {
		t.Fatalf("verify over HTTP from the handler: %v", err)
	}

	// A failed write poisons the Log: its state may no longer match the
	// storage, so it must be reopened.
	l, err = Open(ctx, d, signer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d.failNext = true
	if _, err := l.Append(ctx, sampleEvents(t, 300, 1, "fail")); err == nil {
		t.Fatal("append with a failing driver succeeded")
	}
	if _, err := l.Append(ctx, sampleEvents(t, 300, 1, "after")); err == nil || !strings.Contains(err.Error(), "reopen the log") {
		t.Fatalf("append after a failed write: %v", err)
	}
}

// Package witnesstest runs real C2SP tlog-witness servers (package witness,
// with an SQLite store) in process, for tests of logs and verifiers that
// need witnesses. Each can be taken off the network and brought back, to
// test quorums that fail and recover.
package witnesstest

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/witnessdb"
)

// Witness is a running witness.
type Witness struct {
	// Name is the witness's key name; VKey its verifier key; URL the
	// prefix its add-checkpoint endpoint is under.
	Name, VKey, URL string
	down            atomic.Bool
}

// SetDown makes the witness answer every request with 503 (down) or serve
// again.
func (w *Witness) SetDown(down bool) { w.down.Store(down) }

// Start runs a witness named name that knows the log with verifier key
// logVKey. It is stopped when the test ends.
func Start(t testing.TB, name, logVKey string) *Witness {
	t.Helper()
	skey, vkey, err := witness.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	cosigner, err := witness.NewCosignerFromKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	logs, err := witness.ParseLogList([]byte("log " + logVKey + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := witnessdb.Open(filepath.Join(t.TempDir(), "witness.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv, err := witness.NewServer(witness.Config{Cosigner: cosigner, Logs: logs, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	w := &Witness{Name: name, VKey: vkey}
	hs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if w.down.Load() {
			http.Error(rw, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		srv.ServeHTTP(rw, r)
	}))
	t.Cleanup(hs.Close)
	w.URL = hs.URL
	return w
}

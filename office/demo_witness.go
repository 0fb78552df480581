package office

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness"
)

// DemoWitnesses are C2SP tlog-witnesses (package ledger/witness) that the
// demo runs inside its own process, on loopback, so that the demo
// office's log is witnessed like a county's: every checkpoint is
// published only once both witnesses have cosigned it, and the audit's
// seed can only be entered after a cosigned checkpoint covers the
// uploads. Real witnesses run elsewhere (canvass witness serve), held by
// the state, the parties, a university; these live only as long as the
// demo and keep their state in memory.
type DemoWitnesses struct {
	// Policy is the log's witness policy: both witnesses must cosign.
	Policy []byte
	// Names are the witnesses' key names.
	Names []string

	dir      string
	cosigned atomic.Int64
	servers  []*http.Server
	mu       sync.Mutex
	handlers []http.Handler
	cosigner []*witness.Cosigner
	store    []*memWitnessStore
}

// StartDemoWitnesses starts two witnesses for the office that will be
// created in dataDir. A witness must know the log's key, which the
// office makes when it is created, after the policy naming the witnesses
// is written: each witness reads the key from dataDir's log at its first
// request. In the demo the witnesses and the office are one process; a
// real witness is given the key out of band.
func StartDemoWitnesses(dataDir string) (*DemoWitnesses, error) {
	w := &DemoWitnesses{dir: dataDir}
	var policy strings.Builder
	policy.WriteString("# The demo's witnesses, run inside the demo process; both must cosign.\n")
	for i, name := range []string{"witness.state.example/minnesota", "witness.university.example/elections"} {
		skey, vkey, err := witness.GenerateKey(rand.Reader, name)
		if err != nil {
			w.Close()
			return nil, err
		}
		c, err := witness.NewCosignerFromKey(skey)
		if err != nil {
			w.Close()
			return nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			w.Close()
			return nil, err
		}
		w.cosigner = append(w.cosigner, c)
		w.store = append(w.store, &memWitnessStore{states: map[string]witness.State{}})
		w.handlers = append(w.handlers, nil)
		srv := &http.Server{Handler: w.handler(i), ReadHeaderTimeout: 10 * time.Second}
		w.servers = append(w.servers, srv)
		go srv.Serve(ln)
		w.Names = append(w.Names, name)
		fmt.Fprintf(&policy, "witness w%d %s http://%s\n", i+1, vkey, ln.Addr())
	}
	policy.WriteString("group both 2 w1 w2\nquorum both\n")
	w.Policy = []byte(policy.String())
	return w, nil
}

// handler serves witness i, creating its server at the first request,
// when the log's key exists.
func (w *DemoWitnesses) handler(i int) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h, err := w.server(r.Context(), i)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusServiceUnavailable)
			return
		}
		rec := &statusRecorder{ResponseWriter: rw, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if r.Method == http.MethodPost && rec.status == http.StatusOK {
			w.cosigned.Add(1)
		}
	})
}

func (w *DemoWitnesses) server(ctx context.Context, i int) (http.Handler, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.handlers[i] != nil {
		return w.handlers[i], nil
	}
	vkey, err := ledger.NewDirDriver(filepath.Join(w.dir, logDir)).ReadState(ctx, ledger.StateVKey)
	if err != nil {
		return nil, fmt.Errorf("the demo office's log key is not there yet: %v", err)
	}
	logs, err := witness.ParseLogList([]byte("log " + strings.TrimSpace(string(vkey)) + "\n"))
	if err != nil {
		return nil, err
	}
	srv, err := witness.NewServer(witness.Config{Cosigner: w.cosigner[i], Logs: logs, Store: w.store[i]})
	if err != nil {
		return nil, err
	}
	w.handlers[i] = srv
	return srv, nil
}

// Cosignatures is the number of checkpoints the witnesses have cosigned
// (each witness counted).
func (w *DemoWitnesses) Cosignatures() int64 { return w.cosigned.Load() }

// Close stops the witnesses.
func (w *DemoWitnesses) Close() error {
	var errs []error
	for _, s := range w.servers {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// memWitnessStore keeps a demo witness's state in memory.
type memWitnessStore struct {
	mu      sync.Mutex
	states  map[string]witness.State
	version int64
}

func (s *memWitnessStore) Latest(_ context.Context, origin string) (witness.State, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[origin]
	return st, ok, nil
}

func (s *memWitnessStore) Update(_ context.Context, origin string, prev *witness.State, next witness.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.states[origin]
	if ok != (prev != nil) || (ok && cur.Version != prev.Version) {
		return witness.ErrStateChanged
	}
	s.version++
	next.Version = s.version
	s.states[origin] = next
	return nil
}

// RecordEvidence drops the evidence: the demo witness still refuses an
// inconsistent checkpoint, but keeps nothing beyond the demo.
func (s *memWitnessStore) RecordEvidence(context.Context, string, string, []byte) error { return nil }

package witnessdb

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

// TestTesseraLogWithCanvassWitnesses runs a real tessera log (POSIX
// storage) that submits its checkpoints, with tessera's own RFC 6962
// consistency proofs, to three canvass witnesses under a 2-of-3 policy
// parsed by tessera. Every published checkpoint must satisfy the same
// policy under our Policy.Verify, including while one witness is down.
func TestTesseraLogWithCanvassWitnesses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	const logName = "tessera.example/interop"
	skey, vkey, err := note.GenerateKey(bytes.NewReader(witnesstesting.Seed(logName)), logName)
	if err != nil {
		t.Fatal(err)
	}
	logSigner, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	logs, err := witness.ParseLogList([]byte("log " + vkey + "\n"))
	if err != nil {
		t.Fatal(err)
	}

	var down atomic.Bool // takes witness 3 offline
	policy := "log " + vkey + "\n"
	var stores []*DB
	for i := 1; i <= 3; i++ {
		store, err := Open(tempDB(t))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		stores = append(stores, store)
		c := witnesstesting.NewCosigner(t, fmt.Sprintf("witness.example/t%d", i))
		srv, err := witness.NewServer(witness.Config{Cosigner: c, Logs: logs, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		var h http.Handler = srv
		if i == 3 {
			h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if down.Load() {
					http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
					return
				}
				srv.ServeHTTP(w, r)
			})
		}
		hs := httptest.NewServer(h)
		defer hs.Close()
		policy += fmt.Sprintf("witness t%d %s %s/\n", i, c.VerifierKey(), hs.URL)
	}
	policy += "group two-of-three 2 t1 t2 t3\nquorum two-of-three\n"

	ours, err := witness.ParsePolicy([]byte(policy))
	if err != nil {
		t.Fatal(err)
	}
	group, err := tessera.NewWitnessGroupFromPolicy([]byte(policy))
	if err != nil {
		t.Fatalf("tessera rejects the policy: %v", err)
	}
	driver, err := posix.New(ctx, posix.Config{Path: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	appender, shutdown, reader, err := tessera.NewAppender(ctx, driver, tessera.NewAppendOptions().
		WithCheckpointSigner(logSigner).
		WithBatching(64, 20*time.Millisecond).
		WithCheckpointInterval(100*time.Millisecond).
		WithWitnesses(group, &tessera.WitnessOptions{Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())
	awaiter := tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, 20*time.Millisecond)

	leaves := 0
	for round := 0; round < 4; round++ {
		down.Store(round == 2)
		var last tessera.IndexFuture
		for range 5 + round*7 {
			last = appender.Add(ctx, tessera.NewEntry([]byte(fmt.Sprintf("event %d", leaves))))
			leaves++
		}
		_, cp, err := awaiter.Await(ctx, last)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		v, err := ours.Verify(cp)
		if err != nil {
			t.Fatalf("round %d: tessera published a checkpoint our policy rejects: %v\n%s", round, err, cp)
		}
		if v.Checkpoint.Size < uint64(leaves) || len(v.Cosignatures) < 2 {
			t.Fatalf("round %d: checkpoint of size %d with %d cosignatures after %d leaves", round, v.Checkpoint.Size, len(v.Cosignatures), leaves)
		}
		t.Logf("round %d: size %d cosigned by %d witnesses", round, v.Checkpoint.Size, len(v.Cosignatures))
	}
	// The witnesses that stayed up followed the log through every size
	// using tessera's consistency proofs.
	for i, store := range stores[:2] {
		st, found, err := store.Latest(ctx, logName)
		if err != nil || !found || st.Size < uint64(leaves) {
			t.Errorf("witness t%d: state size %d found=%v err=%v, want >= %d", i+1, st.Size, found, err, leaves)
		}
	}
}

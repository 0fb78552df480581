package ledger

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/witnesstest"
	"golang.org/x/mod/sumdb/note"
)

// witnessedLog creates a log whose policy requires 2 of 3 witnesses.
func witnessedLog(t *testing.T, origin string) (dir, skey, vkey string, ws []*witnesstest.Witness, policy []byte) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# test policy\nlog %s\n", vkey)
	for i := 1; i <= 3; i++ {
		w := witnesstest.Start(t, fmt.Sprintf("witness%d.example", i), vkey)
		ws = append(ws, w)
		fmt.Fprintf(&b, "witness w%d %s %s\n", i, w.VKey, w.URL)
	}
	b.WriteString("group g 2 w1 w2 w3\nquorum g\n")
	policy = []byte(b.String())
	dir = filepath.Join(t.TempDir(), "log")
	if _, err := CreateDir(dir, skey, policy); err != nil {
		t.Fatal(err)
	}
	return dir, skey, vkey, ws, policy
}

func TestWitnessQuorum(t *testing.T) {
	dir, skey, vkey, ws, policyText := witnessedLog(t, "witnessed.example/log")
	policy, err := ParsePolicy(policyText)
	if err != nil {
		t.Fatal(err)
	}
	verify := func() (*VerifyResult, error) {
		return Verify(context.Background(), DirFetcher(dir), VerifyOptions{VKey: vkey, Policy: policy})
	}
	// The empty checkpoint from init is not cosigned.
	if _, err := verify(); !errors.Is(err, ErrQuorum) {
		t.Fatalf("uncosigned checkpoint: %v", err)
	}
	appendN(t, dir, skey, Options{}, 0, 10, 10, "w")
	res, err := verify()
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Checkpoint.CosignerNames(); len(got) != 3 {
		t.Errorf("cosigned by %v, want all three witnesses", got)
	}

	// One witness down: the quorum (2 of 3) still holds.
	ws[2].SetDown(true)
	appendN(t, dir, skey, Options{}, 10, 300, 300, "w")
	if res, err = verify(); err != nil || len(res.Checkpoint.Cosignatures) != 2 {
		t.Fatalf("with one witness down: %v", err)
	}
	// Two down: nothing is published, the error says why.
	ws[1].SetDown(true)
	before, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	l, err := OpenDir(context.Background(), dir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), sampleEvents(t, 310, 5, "w")); err != nil {
		t.Fatal(err)
	}
	_, err = l.Publish(context.Background())
	if !errors.Is(err, ErrQuorum) || !strings.Contains(err.Error(), "checkpoint of size 315 not published") ||
		!strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "up to index 314") {
		t.Fatalf("publish without quorum: %v", err)
	}
	l.Close()
	if after, _ := os.ReadFile(filepath.Join(dir, "checkpoint")); string(after) != string(before) {
		t.Fatal("a checkpoint without quorum was published")
	}
	// The witness that was down catches up from its older size (409, then
	// a consistency proof) when it comes back.
	ws[1].SetDown(false)
	ws[2].SetDown(false)
	l, err = OpenDir(context.Background(), dir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Publish(context.Background()); err != nil {
		t.Fatalf("republish: %v", err)
	}
	l.Close()
	if res, err = verify(); err != nil || res.Checkpoint.Size != 315 || len(res.Checkpoint.Cosignatures) != 3 {
		t.Fatalf("after recovery: %+v %v", res, err)
	}
	// A cosignature stripped from the checkpoint: the quorum fails.
	raw, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	stripped := strings.Join(lines[:len(lines)-2], "\n") + "\n"
	os.WriteFile(filepath.Join(dir, "checkpoint"), []byte(stripped), 0o644)
	if _, err := verify(); !errors.Is(err, ErrQuorum) || !strings.Contains(err.Error(), "missing from") {
		t.Fatalf("stripped cosignatures: %v", err)
	}
	// A cosignature altered: the checkpoint is rejected as tampered.
	sp := strings.LastIndex(string(raw), " ")
	sig, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw[sp+1:])))
	sig[len(sig)-1] ^= 1 // the Ed25519 signature, after key ID and timestamp
	alt := string(raw[:sp+1]) + base64.StdEncoding.EncodeToString(sig) + "\n"
	os.WriteFile(filepath.Join(dir, "checkpoint"), []byte(alt), 0o644)
	if _, err := verify(); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("altered cosignature: %v", err)
	}
}

// TestWitnessesRefuseForkAndRollback shows the witnesses (package witness's
// server) refusing a fork signed with the log's own key and a rollback,
// through the log's own publishing code.
func TestWitnessesRefuseForkAndRollback(t *testing.T) {
	dir, skey, _, _, policy := witnessedLog(t, "fork-witness.example/log")
	appendN(t, dir, skey, Options{}, 0, 40, 40, "a")
	backup := filepath.Join(t.TempDir(), "backup")
	copyDir(t, dir, backup)
	appendN(t, dir, skey, Options{}, 40, 20, 20, "a")

	// Fork: same key, same first 20 entries, different history after.
	fork := filepath.Join(t.TempDir(), "fork")
	if _, err := CreateDir(fork, skey, policy); err != nil {
		t.Fatal(err)
	}
	p, _ := ParsePolicy([]byte("quorum none\n"))
	appendN(t, fork, skey, Options{Policy: p}, 0, 20, 20, "a")
	for _, size := range []int{40, 60, 100} { // smaller, equal to, larger than the witnessed size 60
		fl, err := OpenDir(context.Background(), fork, skey, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := size - int(fl.Size())
		if _, err := fl.Append(context.Background(), sampleEvents(t, int(fl.Size()), n, "FORK")); err != nil {
			t.Fatal(err)
		}
		_, err = fl.Publish(context.Background())
		fl.Close()
		if !errors.Is(err, ErrQuorum) {
			t.Fatalf("fork of size %d published: %v", size, err)
		}
		switch {
		case size < 60:
			if !strings.Contains(err.Error(), "has cosigned a checkpoint of size 60, larger than this log's 40") {
				t.Fatalf("fork of size %d: %v", size, err)
			}
		default:
			if !strings.Contains(err.Error(), "422") {
				t.Fatalf("fork of size %d: %v", size, err)
			}
		}
	}
	// Rollback: the log restored from a backup of size 40 (the witnesses
	// have cosigned 60) must not get cosignatures, even for a direct
	// request that claims the witnesses' old size.
	bl, err := OpenDir(context.Background(), backup, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bl.Append(context.Background(), sampleEvents(t, 40, 5, "after-restore")); err != nil {
		t.Fatal(err)
	}
	_, err = bl.Publish(context.Background())
	bl.Close()
	if !errors.Is(err, ErrQuorum) || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("rolled-back log published: %v", err)
	}
	pol, _ := ParsePolicy(policy)
	old, _ := os.ReadFile(filepath.Join(backup, "checkpoint"))
	_, err = witness.AddCheckpoint(context.Background(), nil, pol.Witnesses[0].URL, 60, nil, old)
	var se *witness.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
		t.Fatalf("witness accepted a rollback from 60 to 40: %v", err)
	}
}

package witnessdb

import (
	"bytes"
	"context"
	"testing"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"
)

func TestConcurrentAdvancesFromOneOldSize(t *testing.T) {
	s, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	witnesstesting.ConcurrentAdvances(t, s, origin)
}

func TestSQLiteStateSurvivesRestart(t *testing.T) {
	path := tempDB(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	env := witnesstesting.NewEnv(t, s, origin)
	l := env.Logs[origin]
	for _, r := range [][2]int64{{0, 3}, {3, 8}} {
		if rec := env.Post(l.Request(r[0], r[1])); rec.Code != 200 {
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
	if got.Size != 8 || got.Hash != l.Root(8) || !bytes.Equal(got.Checkpoint, want.Checkpoint) || got.Timestamp != want.Timestamp {
		t.Fatalf("after reopening the state is %+v, want %+v", got, want)
	}
	env2 := witnesstesting.NewEnv(t, s2, origin)
	if rec := env2.Post(l.Request(3, 9)); rec.Code != 409 || rec.Body.String() != "8\n" {
		t.Fatalf("rollback after restart: %d %q, want 409 \"8\\n\"", rec.Code, rec.Body.String())
	}
	if rec := env2.Post(l.Request(8, 9)); rec.Code != 200 {
		t.Fatalf("advance after restart: %d %q", rec.Code, rec.Body.String())
	}
}

func TestForkEvidenceIsRecorded(t *testing.T) {
	s, err := Open(tempDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	env := witnesstesting.NewEnv(t, s, origin)
	l := env.Logs[origin]
	env.Post(l.Request(0, 5))
	fork := (&witness.AddCheckpointRequest{OldSize: 5, SignedCheckpoint: l.Fork().Checkpoint(5)}).Body()
	for range 2 { // the same fork twice is stored once
		if rec := env.Post(fork); rec.Code != 422 {
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
	env.Post(l.Request(2, 6))
	if ev, _ := s.Evidence(context.Background()); len(ev) != 1 {
		t.Errorf("a 409 was recorded as evidence")
	}
}

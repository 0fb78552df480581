package cvrread_test

import (
	"testing"

	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

func TestSnapshotRemovesAddedContests(t *testing.T) {
	keep := &election.Contest{ID: "keep"}
	e := &election.Election{Contests: []*election.Contest{keep}}
	snap := cvrread.TakeSnapshot(e)
	added := &election.Contest{ID: "new"}
	e.Contests = append(e.Contests, added)
	snap.Track(added, 1)
	if !snap.Created(1) || snap.Created(0) {
		t.Errorf("Created(1) = %v, Created(0) = %v", snap.Created(1), snap.Created(0))
	}
	added.AddCandidate(election.Candidate{Name: "Ann"})
	snap.Restore()
	if len(e.Contests) != 1 || e.Contests[0] != keep {
		t.Errorf("contests after Restore: %v", e.Contests)
	}
	if all := e.Contests[:cap(e.Contests)]; len(all) > 1 && all[1] != nil {
		t.Error("the removed contest is still referenced by the slice's spare capacity")
	}
}

func TestSnapshotRestoresExistingContest(t *testing.T) {
	c := &election.Contest{ID: "m", Name: "Mayor", VoteFor: 1, Ranks: 0, Candidates: []election.Candidate{{Name: "Ann", Aliases: []string{"a"}}}}
	e := &election.Election{Contests: []*election.Contest{c}}
	snap := cvrread.TakeSnapshot(e)
	snap.Track(c, 0)
	if snap.Created(0) {
		t.Error("Created(0) for a contest that was there")
	}
	c.Ranks = 3
	c.AddCandidate(election.Candidate{Name: "Bob"})
	snap.Restore()
	got := e.Contests[0]
	if got == c || got.ID != "m" || got.Name != "Mayor" || got.VoteFor != 1 || got.Ranks != 0 || len(got.Candidates) != 1 {
		t.Fatalf("restored contest %+v", got)
	}
	if ch, ok := got.Lookup("a"); !ok || ch != 0 {
		t.Error("the restored contest does not find the candidate by alias")
	}
	if _, ok := got.Lookup("Bob"); ok {
		t.Error("the restored contest still has the reader's candidate")
	}
}

func TestSnapshotUnchangedContestIsKept(t *testing.T) {
	c := &election.Contest{ID: "m", Candidates: []election.Candidate{{Name: "Ann"}}}
	e := &election.Election{Contests: []*election.Contest{c}}
	snap := cvrread.TakeSnapshot(e)
	snap.Track(c, 0)
	snap.Restore()
	if e.Contests[0] != c {
		t.Error("an untouched contest was replaced")
	}
	// Nothing tracked: only added contests go.
	snap = cvrread.TakeSnapshot(e)
	e.Contests = append(e.Contests, &election.Contest{ID: "x"})
	snap.Restore()
	if len(e.Contests) != 1 || e.Contests[0] != c {
		t.Errorf("contests %v", e.Contests)
	}
}

package cvrread

import "github.com/canvass/canvass/election"

// Snapshot remembers what a reader may change in an Election, so that a
// failed read can leave the election as it was ("on error nothing read from
// the file remains in e"):
//
//	snap := cvrread.TakeSnapshot(e)
//	err := read(src, e, h, &snap) // calls snap.Track for the contest it fills
//	if err != nil {
//		snap.Restore()
//	}
//
// It covers contests the reader appends and, for one existing contest the
// reader fills, that contest's candidates and Ranks.
type Snapshot struct {
	e        *election.Election
	contests int // len(e.Contests) when taken
	c        *election.Contest
	at       int
	cands    int
	ranks    int
}

// TakeSnapshot records the state of e.
func TakeSnapshot(e *election.Election) Snapshot {
	return Snapshot{e: e, contests: len(e.Contests)}
}

// Track records the state of c, the contest at index at of the election,
// which the reader is about to fill.
func (s *Snapshot) Track(c *election.Contest, at int) {
	s.c, s.at, s.cands, s.ranks = c, at, len(c.Candidates), c.Ranks
}

// Created reports whether the contest at index at was added to the election
// after the snapshot was taken (by the reader), rather than put there by the
// caller.
func (s *Snapshot) Created(at int) bool { return at >= s.contests }

// Restore undoes the reader's changes: contests it added are removed, and
// the tracked contest, if it existed before, gets back its former candidate
// list and Ranks (as a fresh Contest in the same place, because candidates
// cannot be removed from one).
func (s *Snapshot) Restore() {
	if len(s.e.Contests) > s.contests {
		clear(s.e.Contests[s.contests:])
		s.e.Contests = s.e.Contests[:s.contests]
	}
	if s.c == nil || s.Created(s.at) {
		return
	}
	if len(s.c.Candidates) == s.cands && s.c.Ranks == s.ranks {
		return
	}
	old := &election.Contest{ID: s.c.ID, Name: s.c.Name, VoteFor: s.c.VoteFor, Ranks: s.ranks}
	for _, cand := range s.c.Candidates[:s.cands] {
		if _, err := old.AddCandidate(cand); err != nil {
			// Only possible if the original already held a clash;
			// keep the candidate so Choices stay aligned.
			old.Candidates = append(old.Candidates, cand)
		}
	}
	s.e.Contests[s.at] = old
}

// Undoable runs read with a snapshot of e and restores e if read fails, so
// that a failed read leaves e as it was.
func Undoable(e *election.Election, read func(snap *Snapshot) error) error {
	snap := TakeSnapshot(e)
	err := read(&snap)
	if err != nil {
		snap.Restore()
	}
	return err
}

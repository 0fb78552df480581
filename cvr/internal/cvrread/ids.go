package cvrread

import (
	"fmt"
	"hash/maphash"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// place is where a ballot ID was first seen: a file (index into
// idChecker.files) and the 1-based ballot of that file.
type place struct {
	file   int32
	record int32
}

// idChecker remembers the ballot IDs of one source by 64-bit hash: 16 bytes
// a ballot instead of a copy of every ID. Two different IDs share a hash
// with probability about n²/2⁶⁵ (3·10⁻⁸ for a million ballots); such a
// collision would be reported as a duplicate, an error that stops the
// count, never a wrong count.
type idChecker struct {
	seed   maphash.Seed
	seen   map[uint64]place
	files  []string
	byFile map[string]int32
	counts []int32
}

// UniqueIDs wraps h so that a ballot whose ID (as key returns it) repeats
// an earlier ballot's ID in the same source is an *cvr.Error naming both
// occurrences (file and ballot number in that file) instead of being counted
// twice. An empty key is not checked. what names the ID in the message
// ("CvrGuid", "BallotID").
func UniqueIDs(h cvr.Handler, what string, key func(*election.CVR) string) cvr.Handler {
	c := &idChecker{seed: maphash.MakeSeed(), seen: map[uint64]place{}, byFile: map[string]int32{}}
	return func(rec *election.CVR) error {
		f, ok := c.byFile[rec.Source]
		if !ok {
			f = int32(len(c.files))
			c.files = append(c.files, rec.Source)
			c.counts = append(c.counts, 0)
			c.byFile[rec.Source] = f
		}
		c.counts[f]++
		here := place{f, c.counts[f]}
		if id := key(rec); id != "" {
			sum := maphash.String(c.seed, id)
			if first, dup := c.seen[sum]; dup {
				return &cvr.Error{Path: rec.Source, Record: int(here.record), Field: what,
					Err: fmt.Errorf("ballot ID %s appears twice: first at %s ballot %d, again here; a ballot must be counted once: remove the repeated record (or the file given twice) from the export", Quote(id), c.files[first.file], first.record)}
			}
			c.seen[sum] = here
		}
		return h(rec)
	}
}

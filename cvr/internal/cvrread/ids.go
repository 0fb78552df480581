package cvrread

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// idEntry is one ballot ID seen: its 64-bit hash and where it was, a file
// (index into idChecker.files) and the 1-based ballot of that file.
type idEntry struct {
	sum    uint64
	file   int32
	record int32
}

// idChecker remembers the ballot IDs of one source as 16-byte entries
// (hash and place) instead of copies of the IDs, and finds repeats by
// sorting once at the end, which costs far less than a map on millions of
// ballots. Two different IDs share a hash with probability about n²/2⁶⁵
// (3·10⁻⁸ for a million ballots); such a collision would be reported as a
// duplicate, an error that stops the count, never a wrong count.
type idChecker struct {
	seed    maphash.Seed
	entries []idEntry
	files   []string
	counts  []int32
	what    string
}

// UniqueIDs wraps h so that a ballot whose ID (as key returns it) repeats
// an earlier ballot's ID in the same source is found: done, called once the
// source has been read without error, returns an *cvr.Error naming both
// occurrences (file and ballot number in that file) instead of letting the
// ballot count twice. Callers discard everything read when the reader fails,
// so reporting at the end changes nothing counted. An empty key is not
// checked. what names the ID in the message ("CvrGuid", "BallotID").
func UniqueIDs(h cvr.Handler, what string, key func(*election.CVR) string) (wrapped cvr.Handler, done func() error) {
	c := &idChecker{seed: maphash.MakeSeed(), what: what}
	wrapped = func(rec *election.CVR) error {
		f := int32(len(c.files) - 1)
		if f < 0 || c.files[f] != rec.Source {
			f = int32(slices.Index(c.files, rec.Source))
			if f < 0 {
				f = int32(len(c.files))
				c.files = append(c.files, rec.Source)
				c.counts = append(c.counts, 0)
			}
		}
		c.counts[f]++
		if id := key(rec); id != "" {
			c.entries = append(c.entries, idEntry{maphash.String(c.seed, id), f, c.counts[f]})
		}
		return h(rec)
	}
	return wrapped, c.check
}

// check sorts the entries and reports the repeat whose second occurrence
// comes first in reading order.
func (c *idChecker) check() error {
	slices.SortFunc(c.entries, func(a, b idEntry) int {
		if a.sum != b.sum {
			return cmp.Compare(a.sum, b.sum)
		}
		return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.record, b.record))
	})
	var first, again idEntry
	found := false
	for i := 1; i < len(c.entries); i++ {
		if c.entries[i].sum != c.entries[i-1].sum {
			continue
		}
		e := c.entries[i]
		if !found || e.file < again.file || e.file == again.file && e.record < again.record {
			first, again, found = c.entries[i-1], e, true
		}
		// Only the earliest repeat of a run matters: skip the rest.
		for i+1 < len(c.entries) && c.entries[i+1].sum == e.sum {
			i++
		}
	}
	c.entries = nil
	if !found {
		return nil
	}
	return &cvr.Error{Path: c.files[again.file], Record: int(again.record), Field: c.what,
		Err: fmt.Errorf("this ballot's ID appears twice: first at %s ballot %d, again here; a ballot must be counted once: remove the repeated record (or the file given twice) from the export", c.files[first.file], first.record)}
}

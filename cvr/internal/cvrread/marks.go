package cvrread

import (
	"cmp"
	"slices"

	"github.com/canvass/canvass/election"
)

// SortMarks puts marks in the canonical order (rank, then choice) that
// election.ContestMarks promises. It does not allocate: a ballot's handful
// of marks is insertion-sorted in place (and the call inlined), so readers
// can call it for each of millions of records; longer lists are sorted by
// slices.SortFunc.
func SortMarks(ms []election.Mark) {
	if len(ms) > 12 {
		sortMany(ms)
		return
	}
	for i := 1; i < len(ms); i++ {
		m := ms[i]
		j := i
		for j > 0 && (ms[j-1].Rank > m.Rank || ms[j-1].Rank == m.Rank && ms[j-1].Choice > m.Choice) {
			ms[j] = ms[j-1]
			j--
		}
		ms[j] = m
	}
}

// sortMany is SortMarks for more marks than insertion sort suits.
func sortMany(ms []election.Mark) {
	slices.SortFunc(ms, func(a, b election.Mark) int {
		if a.Rank != b.Rank {
			return cmp.Compare(a.Rank, b.Rank)
		}
		return cmp.Compare(a.Choice, b.Choice)
	})
}

// DedupeMarks removes repeated marks (same rank, same choice) from ms, which
// must be sorted (see SortMarks), and returns the shortened slice, which
// shares ms's memory. Readers of formats that can record one candidate
// twice at one rank (Dominion, Hart, CDF) report it as one mark.
func DedupeMarks(ms []election.Mark) []election.Mark {
	if len(ms) < 2 {
		return ms
	}
	out := ms[:1]
	for _, m := range ms[1:] {
		if m != out[len(out)-1] {
			out = append(out, m)
		}
	}
	return out
}

// SortMarksRCTab puts marks in rank order for a reader in RCTab mode
// (cvr.Source.RCTab): stable by rank only, so that several marks at one
// rank stay in the order the CVR lists them, the order RCTab prints in
// rctab_cvr.csv (source notes P8). Otherwise it is SortMarks.
func SortMarksRCTab(ms []election.Mark, rctab bool) {
	if !rctab {
		SortMarks(ms)
		return
	}
	// Insertion sort is stable, and readers deliver marks nearly in rank
	// order already.
	if len(ms) > 12 {
		slices.SortStableFunc(ms, func(a, b election.Mark) int { return cmp.Compare(a.Rank, b.Rank) })
		return
	}
	for i := 1; i < len(ms); i++ {
		m := ms[i]
		j := i
		for j > 0 && ms[j-1].Rank > m.Rank {
			ms[j] = ms[j-1]
			j--
		}
		ms[j] = m
	}
}

package cvrread_test

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

func mk(rank int32, ch election.Choice) election.Mark { return election.Mark{Rank: rank, Choice: ch} }

func TestSortMarks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Lengths on both sides of the switch from insertion sort.
	for _, n := range []int{0, 1, 2, 5, 12, 13, 40, 500} {
		for range 20 {
			ms := make([]election.Mark, n)
			for i := range ms {
				ms[i] = election.Mark{Rank: int32(rng.IntN(6) + 1), Choice: election.Choice(rng.IntN(8) - 1)}
			}
			want := slices.Clone(ms)
			slices.SortStableFunc(want, func(a, b election.Mark) int {
				return cmp.Or(cmp.Compare(a.Rank, b.Rank), cmp.Compare(a.Choice, b.Choice))
			})
			cvrread.SortMarks(ms)
			if !slices.Equal(ms, want) {
				t.Fatalf("n=%d: %v, want %v", n, ms, want)
			}
		}
	}
	ms := []election.Mark{mk(2, 1), mk(1, 3), mk(1, election.Overvote), mk(2, 0)}
	if n := testing.AllocsPerRun(100, func() { cvrread.SortMarks(ms) }); n != 0 {
		t.Errorf("SortMarks allocates %v times", n)
	}
}

func TestDedupeMarks(t *testing.T) {
	for _, tt := range []struct{ in, want []election.Mark }{
		{nil, nil},
		{[]election.Mark{mk(1, 0)}, []election.Mark{mk(1, 0)}},
		{[]election.Mark{mk(1, 0), mk(1, 0), mk(1, 1), mk(2, 1), mk(2, 1), mk(2, 1)}, []election.Mark{mk(1, 0), mk(1, 1), mk(2, 1)}},
		{[]election.Mark{mk(1, 0), mk(2, 0), mk(3, 0)}, []election.Mark{mk(1, 0), mk(2, 0), mk(3, 0)}},
	} {
		in := slices.Clone(tt.in)
		got := cvrread.DedupeMarks(in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("DedupeMarks(%v) = %v, want %v", tt.in, got, tt.want)
		}
		if len(got) > 0 && &got[0] != &in[0] {
			t.Error("DedupeMarks did not work in place")
		}
	}
}

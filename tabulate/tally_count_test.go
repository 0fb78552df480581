package tabulate

import (
	"reflect"
	"testing"

	"github.com/canvass/canvass/election"
)

// TestTallyAddCountEqualsRepeatedAdd: counting a group of n identical
// ballots with AddCount gives exactly the tally of n calls of Add.
func TestTallyAddCountEqualsRepeatedAdd(t *testing.T) {
	cands := []election.Candidate{{Name: "A"}, {Name: "B"}, {Name: "C", Excluded: true}, {Name: "D"}}
	groups := []struct {
		marks []election.Mark
		n     int64
	}{
		{[]election.Mark{{Rank: 1, Choice: 0}}, 7}, // one vote
		{nil, 3}, // blank
		{[]election.Mark{{Rank: 1, Choice: 0}, {Rank: 1, Choice: 1}, {Rank: 1, Choice: 3}}, 2}, // over the limit
		{[]election.Mark{{Rank: 1, Choice: election.Overvote}}, 4},                             // overvote mark
		{[]election.Mark{{Rank: 1, Choice: 1}, {Rank: 1, Choice: 1}}, 5},                       // same candidate twice
		{[]election.Mark{{Rank: 1, Choice: 2}}, 6},                                             // excluded only
		{[]election.Mark{{Rank: 1, Choice: 3}}, 0},                                             // empty group
	}
	for _, m := range []Method{Plurality, Approval} {
		for _, voteFor := range []int{1, 2} {
			one, err := NewTally(cands, m, voteFor)
			if err != nil {
				t.Fatal(err)
			}
			grouped, _ := NewTally(cands, m, voteFor)
			for _, g := range groups {
				for i := int64(0); i < g.n; i++ {
					if err := one.Add(g.marks); err != nil {
						t.Fatal(err)
					}
				}
				if err := grouped.AddCount(g.marks, g.n); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(one, grouped) {
				t.Errorf("%v vote for %d: AddCount tally %+v, repeated Add %+v", m, voteFor, grouped, one)
			}
			if one.Ballots != 27 {
				t.Errorf("%v vote for %d: %d ballots, want 27", m, voteFor, one.Ballots)
			}
		}
	}
	tl, _ := NewTally(cands, Plurality, 1)
	if err := tl.AddCount(nil, -1); err == nil {
		t.Error("negative count accepted")
	}
	if err := tl.AddCount([]election.Mark{{Rank: 1, Choice: 9}}, 1); err == nil {
		t.Error("choice outside the contest accepted")
	}
}

package raire

import (
	"context"
	"slices"
	"testing"

	"github.com/canvass/canvass/election"
)

func guideElection() *election.Election {
	c := &election.Contest{ID: "guide", Name: "Guide", Ranks: 4, VoteFor: 1}
	for _, n := range []string{"A", "B", "C", "D"} {
		if _, err := c.AddCandidate(election.Candidate{Name: n}); err != nil {
			panic(err)
		}
	}
	return &election.Election{Contests: []*election.Contest{{ID: "other", Name: "Mayor", VoteFor: 1}, c}}
}

func marks(ms ...[2]int) []election.Mark {
	out := make([]election.Mark, len(ms))
	for i, m := range ms {
		out[i] = election.Mark{Rank: int32(m[0]), Choice: election.Choice(m[1])}
	}
	return out
}

func TestRanking(t *testing.T) {
	e := guideElection()
	c := e.Contests[1]
	withExcluded := *c
	withExcluded.Candidates = slices.Clone(c.Candidates)
	withExcluded.Candidates[1].Excluded = true
	tests := []struct {
		name  string
		c     *election.Contest
		marks []election.Mark
		rule  OvervoteRule
		want  []int
	}{
		{"plain", c, marks([2]int{1, 2}, [2]int{2, 1}, [2]int{3, 0}), ExhaustAtOvervote, []int{2, 1, 0}},
		{"skipped rank", c, marks([2]int{1, 2}, [2]int{3, 0}), ExhaustAtOvervote, []int{2, 0}},
		{"duplicate", c, marks([2]int{1, 2}, [2]int{2, 2}, [2]int{3, 0}), ExhaustAtOvervote, []int{2, 0}},
		{"overvote exhausts", c, marks([2]int{1, 2}, [2]int{2, 0}, [2]int{2, 1}, [2]int{3, 3}), ExhaustAtOvervote, []int{2}},
		{"overvote skipped", c, marks([2]int{1, 2}, [2]int{2, 0}, [2]int{2, 1}, [2]int{3, 3}), SkipOvervote, []int{2, 3}},
		{"overvote marker", c, []election.Mark{{Rank: 1, Choice: election.Overvote}, {Rank: 2, Choice: 3}}, ExhaustAtOvervote, []int{}},
		{"overvote at first rank skipped", c, []election.Mark{{Rank: 1, Choice: election.Overvote}, {Rank: 2, Choice: 3}}, SkipOvervote, []int{3}},
		{"excluded ignored", &withExcluded, marks([2]int{1, 1}, [2]int{2, 3}), ExhaustAtOvervote, []int{3}},
		{"excluded in overvote", &withExcluded, marks([2]int{1, 1}, [2]int{1, 3}), ExhaustAtOvervote, []int{3}},
		{"blank", c, nil, ExhaustAtOvervote, []int{}},
	}
	for _, tc := range tests {
		if got := Ranking(tc.c, tc.marks, tc.rule); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestBuilderGuide builds the Guide example from CVRs and checks that it
// gives the same assertions as the raire-rs input.
func TestBuilderGuide(t *testing.T) {
	e := guideElection()
	b, err := NewBuilder(e, 1, ExhaustAtOvervote)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewBuilder(e, 0, ExhaustAtOvervote); err == nil {
		t.Error("a plurality contest was accepted")
	}
	rows := []struct {
		n     int
		marks []election.Mark
	}{
		{5000, marks([2]int{1, 2}, [2]int{2, 1}, [2]int{3, 0})},
		{1000, marks([2]int{1, 1}, [2]int{2, 2}, [2]int{3, 3})},
		{1500, marks([2]int{1, 3}, [2]int{2, 0})},
		{4000, marks([2]int{1, 0}, [2]int{2, 3})},
		{1999, marks([2]int{1, 3})},
		{1, marks([2]int{1, 3}, [2]int{2, 3}, [2]int{3, 0}, [2]int{3, 1})}, // D, D again, then an overvote
	}
	var rec election.CVR
	for _, r := range rows {
		for range r.n {
			rec.Reset()
			rec.Contests = append(rec.Contests, election.ContestMarks{Contest: 1, Marks: r.marks})
			if !b.Add(&rec) {
				t.Fatal("CVR with the contest not counted")
			}
		}
	}
	rec.Reset()
	rec.Contests = append(rec.Contests, election.ContestMarks{Contest: 0, Marks: marks([2]int{1, 0})})
	if b.Add(&rec) {
		t.Error("CVR without the contest counted")
	}
	p := b.Problem(Audit{Type: OneOnMargin})
	if p.Audit.TotalAuditableBallots != 13500 || b.Ballots() != 13500 || len(p.Votes) != 5 {
		t.Fatalf("total %d, ballots %d, %d groups", p.Audit.TotalAuditableBallots, b.Ballots(), len(p.Votes))
	}
	p.Trim = MinimizeAssertions
	res, err := Solve(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Solve(context.Background(), guide())
	if len(res.Assertions) != len(want.Assertions) || res.Difficulty != want.Difficulty || p.Candidates[res.Winner] != "C" {
		t.Fatalf("got %v (winner %d), want %v", res.Assertions, res.Winner, want.Assertions)
	}
}

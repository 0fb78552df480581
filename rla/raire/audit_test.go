package raire

import (
	"context"
	"testing"
)

// guide returns the Guide to RAIRE example (A=0, B=1, C=2, D=3).
func guide() *Problem {
	return &Problem{NumCandidates: 4, Candidates: []string{"A", "B", "C", "D"}, Winner: -1,
		Votes: []Vote{{5000, []int{2, 1, 0}}, {1000, []int{1, 2, 3}}, {1500, []int{3, 0}}, {4000, []int{0, 3}}, {2000, []int{3}}},
		Audit: Audit{Type: OneOnMargin, TotalAuditableBallots: 13500}, Trim: MinimizeAssertions}
}

func TestScore(t *testing.T) {
	neb := Assertion{Kind: NEB, Winner: 2, Loser: 1}
	nen := Assertion{Kind: NEN, Winner: 2, Loser: 0, Continuing: []int{0, 2}}
	tests := []struct {
		a     Assertion
		prefs []int
		want  int
	}{
		{neb, []int{2, 1, 0}, 1},
		{neb, []int{1, 2, 3}, -1},
		{neb, []int{3, 1}, -1}, // B ranked, C absent
		{neb, []int{3, 2, 1}, 0},
		{neb, []int{0, 3}, 0},
		{neb, nil, 0},
		{nen, []int{1, 2, 3}, 1}, // B is not continuing; C is the first continuing
		{nen, []int{3, 0}, -1},
		{nen, []int{3, 1}, 0}, // exhausts within {A,C}
		{nen, nil, 0},
	}
	for _, tc := range tests {
		if got := tc.a.Score(tc.prefs); got != tc.want {
			t.Errorf("%v.Score(%v) = %d, want %d", tc.a, tc.prefs, got, tc.want)
		}
	}
}

func TestDiscrepancy(t *testing.T) {
	a := Assertion{Kind: NEB, Winner: 2, Loser: 1}
	tests := []struct {
		name string
		c    Comparison
		want int
	}{
		{"clean", Comparison{CVR: []int{2}, Audited: []int{2}}, 0},
		{"winner vote was a blank", Comparison{CVR: []int{2}, Audited: nil}, 1},
		{"winner vote was a loser vote", Comparison{CVR: []int{2}, Audited: []int{1}}, 2},
		{"blank was a winner vote", Comparison{CVR: nil, Audited: []int{2}}, -1},
		{"loser vote was a winner vote", Comparison{CVR: []int{1}, Audited: []int{2}}, -2},
		{"not found, CVR for winner", Comparison{CVR: []int{2}, NotFound: true}, 2},
		{"not found, CVR blank", Comparison{CVR: nil, NotFound: true}, 1},
		{"phantom not found", Comparison{NoCVR: true, NotFound: true}, 2},
		{"phantom found for loser", Comparison{NoCVR: true, Audited: []int{1}}, 2},
	}
	for _, tc := range tests {
		if got := a.Discrepancy(tc.c); got != tc.want {
			t.Errorf("%s: discrepancy %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestAuditProperties: a clean sample of the optimistic size confirms the
// Guide contest; one more two-vote overstatement on the narrowest assertion
// does not; adding a clean ballot never raises any assertion's risk.
func TestAuditProperties(t *testing.T) {
	p := guide()
	res, err := Solve(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	cfg := AuditConfig{RiskLimit: 0.05, Ballots: 13500}
	rep, err := MeasureRisk(res.Assertions, cfg, []Comparison{{CVR: []int{2, 1, 0}, Audited: []int{2, 1, 0}}})
	if err != nil {
		t.Fatal(err)
	}
	size := rep.Optimistic
	if size <= 1 || rep.Confirmed {
		t.Fatalf("one ballot: optimistic %d, confirmed %v", size, rep.Confirmed)
	}
	clean := []Comparison{{CVR: []int{3, 0}, Audited: []int{3, 0}, Times: size}}
	rep, _ = MeasureRisk(res.Assertions, cfg, clean)
	if !rep.Confirmed || rep.Risk > 0.05 {
		t.Fatalf("clean sample of %d: risk %v, not confirmed", size, rep.Risk)
	}
	// Colorado's size uses -μ/2γ for ln(1-μ/2γ), which overestimates
	// slightly, but a sample of 90% of it must not confirm.
	short := []Comparison{{CVR: []int{3, 0}, Audited: []int{3, 0}, Times: size * 9 / 10}}
	if rep, _ = MeasureRisk(res.Assertions, cfg, short); rep.Confirmed {
		t.Fatalf("clean sample of %d (optimistic %d) already confirms: risk %v", size*9/10, size, rep.Risk)
	}
	// A ballot the CVR records for C (winner of the 27-difficulty NEN C>A
	// {A,C}) that is really for A is a 2-vote overstatement there.
	bad := append(clean, Comparison{CVR: []int{2}, Audited: []int{0}})
	rep, _ = MeasureRisk(res.Assertions, cfg, bad)
	if rep.Confirmed {
		t.Fatalf("a 2-vote overstatement still confirms: risk %v", rep.Risk)
	}
	prev := rep
	for range 50 {
		bad = append(bad, Comparison{CVR: []int{1, 2}, Audited: []int{1, 2}})
		rep, _ = MeasureRisk(res.Assertions, cfg, bad)
		for i := range rep.Assertions {
			if rep.Assertions[i].Risk > prev.Assertions[i].Risk {
				t.Fatalf("clean ballot raised %v's risk from %v to %v", rep.Assertions[i].Assertion.Assertion, prev.Assertions[i].Risk, rep.Assertions[i].Risk)
			}
		}
		prev = rep
	}
}

package rla_test

import (
	"fmt"

	"github.com/canvass/canvass/rla"
)

// A first round of a BRAVO ballot-polling audit, then the risk after the
// sample comes back.
func ExampleBRAVOSampleSizes() {
	c := &rla.Contest{Ballots: 1000, Tally: []rla.CandidateVotes{{Name: "A", Votes: 600}, {Name: "B", Votes: 400}}}
	s, _ := rla.BRAVOSampleSizes(0.1, c, nil)
	fmt.Println(s.ASN, s.P70, s.P80, s.P90)
	r, _ := rla.BRAVORisk(0.1, c, &rla.PollingSample{Votes: []int{72, 47}})
	fmt.Printf("%.4f %v\n", r.Risk, r.Confirmed)
	// Output:
	// 119 184 244 351
	// 0.0714 true
}

// Colorado's sizes and risk for a contest with a 20% diluted margin after
// 20 ballots with one one-vote overstatement.
func ExampleCORLA() {
	c := &rla.Contest{Ballots: 10000, Tally: []rla.CandidateVotes{{Name: "W", Votes: 6000}, {Name: "L", Votes: 4000}}}
	r, _ := rla.CORLA(0.05, c, &rla.Discrepancies{SampleSize: 20, O1: 1}, 0)
	fmt.Println(r.Optimistic, r.Estimated, r.Remaining, r.Risk, r.Confirmed)
	// Output:
	// 38 40 20 0.255 false
}

// Auditing one RAIRE assertion (margin 5% of the ballots) by comparison
// with ALPHA: the clean sample size, and the risk after it with one
// one-vote overstatement (ω = ½).
func ExampleComparisonAssertion() {
	a := rla.ComparisonAssertion{Margin: 0.05}
	n, _ := a.SampleSize(0.05, 10000, nil, 10000, nil)
	ov := make([]float64, n)
	ov[n/2] = 0.5
	p, _ := a.Risk(10000, ov, nil)
	fmt.Println(n, p > 0.05)
	// Output:
	// 119 true
}

package raire

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

// permutations calls f with every permutation of 0..n-1 (as elimination
// orders, last element the winner).
func permutations(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
}

// naiveTallies counts, ballot by ballot, each candidate's tally with
// exactly s continuing: an implementation independent of the trie.
func naiveTallies(votes []Vote, n int, s set) []int64 {
	t := make([]int64, n)
	for _, v := range votes {
		for _, c := range v.Prefs {
			if s.has(c) {
				t[c] += v.N
				break
			}
		}
	}
	return t
}

// naiveNEB counts NEB(w,l)'s tallies ballot by ballot.
func naiveNEB(votes []Vote, w, l int) (tw, tl int64) {
	for _, v := range votes {
		if len(v.Prefs) > 0 && v.Prefs[0] == w {
			tw += v.N
		}
		for _, c := range v.Prefs {
			if c == w {
				break
			}
			if c == l {
				tl += v.N
				break
			}
		}
	}
	return
}

// bruteOptimum is the best difficulty any assertion set can have: for every
// elimination order with another winner, the easiest NEB or NEN assertion
// that contradicts it, and the hardest of those over the orders.
func bruteOptimum(votes []Vote, n, winner int, a Audit) float64 {
	opt := 0.0
	permutations(n, func(order []int) {
		if order[n-1] == winner {
			return
		}
		best := math.Inf(1)
		for i := range n {
			for j := i + 1; j < n; j++ {
				tw, tl := naiveNEB(votes, order[i], order[j])
				best = min(best, a.Difficulty(tw, tl))
			}
			if i < n-1 {
				t := naiveTallies(votes, n, setOf(order[i:]))
				for _, l := range order[i+1:] {
					best = min(best, a.Difficulty(t[order[i]], t[l]))
				}
			}
		}
		opt = max(opt, best)
	})
	return opt
}

// bruteExcludes checks by enumerating every elimination order that the
// assertions rule out exactly the orders with another winner... at least
// all of those, and not every order in which winner wins.
func bruteExcludes(as []Assertion, n, winner int) (missed []int, winnerRuledOut bool) {
	winnerOK := false
	permutations(n, func(order []int) {
		holds := true
		for _, a := range as {
			if !a.holdsFor(order) {
				holds = false
				break
			}
		}
		if order[n-1] == winner {
			winnerOK = winnerOK || holds
		} else if holds && missed == nil {
			missed = slices.Clone(order)
		}
	})
	return missed, !winnerOK
}

func randomElection(r *rng, n int) []Vote {
	var votes []Vote
	ballots := 2 + r.intn(12)
	for range ballots {
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		for i := n - 1; i > 0; i-- {
			j := r.intn(i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
		votes = append(votes, Vote{N: int64(1 + r.intn(100)), Prefs: perm[:r.intn(n+1)]})
	}
	return votes
}

// TestRandomElections checks Solve on random small elections against brute
// force over all elimination orders: the winner is the IRV winner, every
// assertion is true (tallies recounted ballot by ballot), the assertions
// rule out every other winner, the difficulty is the optimum, and trimming
// keeps a subset of the untrimmed set at the same difficulty.
func TestRandomElections(t *testing.T) {
	r := rng(7)
	audits := []Audit{
		{Type: OneOnMargin}, {Type: OneOnMarginSq}, {Type: MACRO, RiskLimit: 0.05, Gamma: 1.1}, {Type: BRAVO, RiskLimit: 0.1},
	}
	solved, tied, unauditable := 0, 0, 0
	for iter := range 600 {
		n := 1 + r.intn(5)
		votes := randomElection(&r, n)
		var total int64
		for _, v := range votes {
			total += v.N
		}
		audit := audits[iter%len(audits)]
		audit.TotalAuditableBallots = total + int64(r.intn(20))
		var untrimmed *Result
		for _, trimAlg := range []TrimAlgorithm{TrimNone, MinimizeTree, MinimizeAssertions} {
			p := &Problem{NumCandidates: n, Votes: votes, Winner: -1, Audit: audit, Trim: trimAlg}
			res, err := Solve(context.Background(), p)
			var re *Error
			if errors.As(err, &re) && re.Kind == ErrTiedWinners {
				tied++
				break
			}
			if errors.As(err, &re) && re.Kind == ErrCouldNotRuleOut {
				unauditable++
				if opt := bruteOptimum(votes, n, bruteWinner(t, votes, n), audit); !math.IsInf(opt, 1) {
					t.Fatalf("iteration %d: CouldNotRuleOut %v but brute force finds a finite optimum %v", iter, re.Candidates, opt)
				}
				break
			}
			if err != nil {
				t.Fatalf("iteration %d %s: %v", iter, trimAlg, err)
			}
			solved++
			if w := bruteWinner(t, votes, n); w != res.Winner {
				t.Fatalf("iteration %d: winner %d, brute force %d", iter, res.Winner, w)
			}
			as := assertionsOf(res.Assertions)
			for _, a := range res.Assertions {
				var tw, tl int64
				if a.Assertion.Kind == NEB {
					tw, tl = naiveNEB(votes, a.Assertion.Winner, a.Assertion.Loser)
				} else {
					tt := naiveTallies(votes, n, setOf(a.Assertion.Continuing))
					tw, tl = tt[a.Assertion.Winner], tt[a.Assertion.Loser]
				}
				if tw <= tl || tw-tl != a.Margin || a.Difficulty != audit.Difficulty(tw, tl) {
					t.Fatalf("iteration %d: %v margin %d difficulty %v; recount %d vs %d", iter, a.Assertion, a.Margin, a.Difficulty, tw, tl)
				}
			}
			if missed, ruledOut := bruteExcludes(as, n, res.Winner); missed != nil || ruledOut {
				t.Fatalf("iteration %d %s: assertions %v leave order %v possible (winner ruled out: %v)", iter, trimAlg, as, missed, ruledOut)
			}
			if err := Check(p, res.Winner, as); err != nil {
				t.Fatalf("iteration %d: Check: %v", iter, err)
			}
			if opt := bruteOptimum(votes, n, res.Winner, audit); n > 1 && res.Difficulty != opt {
				t.Fatalf("iteration %d %s: difficulty %v, optimum %v", iter, trimAlg, res.Difficulty, opt)
			}
			if trimAlg == TrimNone {
				untrimmed = res
				continue
			}
			for _, a := range res.Assertions {
				if !slices.ContainsFunc(untrimmed.Assertions, func(u Scored) bool { return u.Assertion.Equal(a.Assertion) }) {
					t.Fatalf("iteration %d: trimmed set has %v, not in the untrimmed set", iter, a.Assertion)
				}
			}
			if len(res.Assertions) > len(untrimmed.Assertions) {
				t.Fatalf("iteration %d: trimming added assertions", iter)
			}
		}
	}
	t.Logf("%d solved, %d tied, %d unauditable", solved, tied, unauditable)
	if solved < 500 {
		t.Fatalf("only %d problems solved; the generator produces too many ties", solved)
	}
}

// bruteWinner runs IRV directly; it fails the test on a tie.
func bruteWinner(t *testing.T, votes []Vote, n int) int {
	s := set(1<<uint(n)) - 1
	for s.len() > 1 {
		tt := naiveTallies(votes, n, s)
		lo := -1
		for _, c := range s.members() {
			if lo < 0 || tt[c] < tt[lo] {
				lo = c
			}
		}
		s &^= 1 << uint(lo)
	}
	return s.members()[0]
}

// TestCheckAgreesWithBruteForce removes random assertions from solved sets
// and compares Check's verdict with enumeration of all orders.
func TestCheckAgreesWithBruteForce(t *testing.T) {
	r := rng(11)
	rejected, accepted := 0, 0
	for iter := 0; iter < 400; iter++ {
		n := 2 + r.intn(4)
		votes := randomElection(&r, n)
		p := &Problem{NumCandidates: n, Votes: votes, Winner: -1, Audit: Audit{Type: OneOnMargin, TotalAuditableBallots: 100000}, Trim: TrimNone}
		res, err := Solve(context.Background(), p)
		if err != nil {
			continue
		}
		as := assertionsOf(res.Assertions)
		var sub []Assertion
		for _, a := range as {
			if r.intn(3) > 0 {
				sub = append(sub, a)
			}
		}
		missed, ruledOut := bruteExcludes(sub, n, res.Winner)
		err = checkExcludes(sub, res.Winner, n)
		if (err == nil) != (missed == nil && !ruledOut) {
			t.Fatalf("iteration %d: Check says %v, brute force missed %v", iter, err, missed)
		}
		if err == nil {
			accepted++
		} else {
			rejected++
		}
	}
	if accepted == 0 || rejected == 0 {
		t.Fatalf("accepted %d, rejected %d: the test does not exercise both verdicts", accepted, rejected)
	}
}

// TestOnMatchesDefinition checks the suffix evaluation used by the trees
// against the direct definition on complete orders.
func TestOnMatchesDefinition(t *testing.T) {
	n := 4
	var all []Assertion
	for w := range n {
		for l := range n {
			if w == l {
				continue
			}
			all = append(all, Assertion{Kind: NEB, Winner: w, Loser: l})
			for s := set(0); s < 1<<uint(n); s++ {
				if s.has(w) && s.has(l) {
					all = append(all, Assertion{Kind: NEN, Winner: w, Loser: l, Continuing: s.members()})
				}
			}
		}
	}
	e := newExpander(context.Background(), all, n, false)
	permutations(n, func(order []int) {
		for k := 1; k <= n; k++ {
			suffix := order[n-k:]
			var tails []set
			for d := 1; d <= k; d++ {
				tails = append(tails, setOf(suffix[k-d:]))
			}
			for i, a := range all {
				got := a.on(suffix)
				if fast := e.comp[i].on(suffix, tails); fast != got {
					t.Fatalf("%v on %v: compiled %d, plain %d", a, suffix, fast, got)
				}
				if k == n && (got == contradicts) == a.holdsFor(order) {
					t.Fatalf("%v on full order %v: effect %d but holdsFor %v", a, order, got, a.holdsFor(order))
				}
				if k == n && got == undecided {
					t.Fatalf("%v undecided on full order %v", a, order)
				}
			}
		}
	})
}

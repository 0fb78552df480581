package raire

import (
	"container/heap"
	"context"
	"math"
)

// Result is a solved problem: raire-rs's RaireResult.
type Result struct {
	// Assertions rule out every elimination order in which another
	// candidate wins, in the order compare defines.
	Assertions []Scored
	// Difficulty is the largest assertion difficulty: what the audit as a
	// whole will cost in the chosen measure.
	Difficulty float64
	// Margin is the smallest assertion margin, in ballots.
	Margin int64
	// Winner is the winner the assertions confirm.
	Winner int
	// NumCandidates echoes the problem.
	NumCandidates int
	// EliminationOrder is the order in which the count eliminates
	// candidates, ending with the winner (ties for last place, if any
	// could not change the winner, broken towards the lowest index).
	EliminationOrder []int
	// TrimTimedOut is set when the time limit struck while trimming:
	// the assertions are then correct but not trimmed.
	TrimTimedOut bool
}

// Solve generates RAIRE assertions for p. It returns an *Error when the
// problem is malformed, the reported winner is not the winner, the contest
// is tied, some alternative cannot be ruled out by any assertion (for
// instance when its margin is zero), or ctx expires. A context deadline
// plays the part of raire-rs's time_limit_seconds.
func Solve(ctx context.Context, p *Problem) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.TimeLimit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.TimeLimit)
		defer cancel()
	}
	n := p.NumCandidates
	tr := newTrie(p.Votes)
	ts := newTallies(tr, n)
	irv, err := countIRV(ctx, ts, n)
	if err != nil {
		return nil, err
	}
	if len(irv.winners) != 1 {
		return nil, &Error{Kind: ErrTiedWinners, Candidates: irv.winners, Detail: "the contest is tied: candidates " + names(p, irv.winners) + " can each win depending on how ties for elimination are broken, so no assertions can confirm one of them"}
	}
	winner := irv.winners[0]
	if p.Winner >= 0 && p.Winner != winner {
		return nil, &Error{Kind: ErrWrongWinner, Candidates: irv.winners, Detail: "the reported winner " + p.name(p.Winner) + " is not the winner; the votes elect " + p.name(winner)}
	}
	s := &search{p: p, n: n, ts: ts, neb: nebTable(p.Audit, tr, n)}
	found, err := s.run(ctx, winner)
	if err != nil {
		return nil, err
	}
	res := &Result{Winner: winner, NumCandidates: n, EliminationOrder: irv.order}
	kept, timedOut, err := trim(ctx, found, winner, n, p.Trim)
	if err != nil {
		return nil, err
	}
	res.TrimTimedOut = timedOut
	res.Assertions = kept
	for i, a := range kept {
		if i == 0 || a.Difficulty > res.Difficulty {
			res.Difficulty = a.Difficulty
		}
		if i == 0 || a.Margin < res.Margin {
			res.Margin = a.Margin
		}
	}
	return res, nil
}

func names(p *Problem, cs []int) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += ", "
		}
		s += p.name(c)
	}
	return s
}

// nebTable precomputes every NEB assertion: the search asks for each pair
// many times.
func nebTable(a Audit, tr *trie, n int) [][]Scored {
	t := make([][]Scored, n)
	for w := range n {
		t[w] = make([]Scored, n)
		fw := tr.firstPrefs(w)
		for l := range n {
			if l == w {
				t[w][l] = Scored{Difficulty: math.Inf(1)}
				continue
			}
			tl := tr.rankedAbove(l, w)
			t[w][l] = Scored{Assertion: Assertion{Kind: NEB, Winner: w, Loser: l}, Difficulty: a.Difficulty(fw, tl), Margin: fw - tl}
		}
	}
	return t
}

// search is the state of the RAIRE search for one problem.
type search struct {
	p   *Problem
	n   int
	ts  *tallies
	neb [][]Scored
}

// node is a suffix of an elimination order (pi[0] eliminated first among
// pi, the last element the winner) with the easiest assertion found that
// rules it out, either for pi itself or for one of its own suffixes (an
// ancestor in the search tree), bestLen being that suffix's length.
type node struct {
	pi      []int
	best    Scored
	bestLen int
	seq     int // creation order, for deterministic tie-breaking
}

// bestFor returns the easiest assertion that rules out every elimination
// order ending in pi and involves pi[0], the candidate the suffix adds to
// its parent: NEB assertions between pi[0] and each other candidate, and
// NEN assertions saying pi[0] is not the next eliminated when exactly pi
// continues. Assertions not involving pi[0] were considered for the
// shorter suffixes.
func (s *search) bestFor(pi []int) Scored {
	c := pi[0]
	in := setOf(pi)
	best := Scored{Difficulty: math.Inf(1)}
	for alt := range s.n {
		if alt == c {
			continue
		}
		var a Scored
		if in.has(alt) {
			a = s.neb[c][alt] // alt outlasts c here; NEB(c, alt) forbids that
		} else {
			a = s.neb[alt][c] // alt goes before c here; NEB(alt, c) forbids that
		}
		if a.Difficulty < best.Difficulty {
			best = a
		}
	}
	if len(pi) > 1 {
		t := s.ts.of(in)
		for _, alt := range pi[1:] {
			if d := s.p.Audit.Difficulty(t[c], t[alt]); d < best.Difficulty {
				best = Scored{Assertion: Assertion{Kind: NEN, Winner: c, Loser: alt, Continuing: in.members()}, Difficulty: d, Margin: t[c] - t[alt]}
			}
		}
	}
	return best
}

// frontier is a max-heap of nodes by difficulty; among equals, longer
// suffixes first (they reach complete orders, which raise the lower bound,
// sooner), then older nodes first.
type frontier []*node

func (f frontier) Len() int { return len(f) }
func (f frontier) Less(i, j int) bool {
	a, b := f[i], f[j]
	if a.best.Difficulty != b.best.Difficulty {
		return a.best.Difficulty > b.best.Difficulty
	}
	if len(a.pi) != len(b.pi) {
		return len(a.pi) > len(b.pi)
	}
	return a.seq < b.seq
}
func (f frontier) Swap(i, j int) { f[i], f[j] = f[j], f[i] }
func (f *frontier) Push(x any)   { *f = append(*f, x.(*node)) }
func (f *frontier) Pop() any {
	old := *f
	x := old[len(old)-1]
	*f = old[:len(old)-1]
	return x
}

// run is the RAIRE search (Blom, Stuckey, Teague, Algorithm 1). Every
// elimination order in which a candidate other than winner wins must be
// ruled out. Orders are explored by suffix, hardest first; the lower bound
// is the hardest complete order met so far, which any assertion set must
// pay for, so a suffix that can be ruled out at no more than the lower
// bound is ruled out at once, and only suffixes harder than it are
// extended.
func (s *search) run(ctx context.Context, winner int) ([]Scored, error) {
	var (
		f     frontier
		seq   int
		found []Scored
		lower = s.p.DifficultyEstimate
	)
	// done holds the suffixes already ruled out (as byte strings). Nodes
	// below them are skipped when popped rather than removed from the
	// heap at once, which would cost a pass over the whole frontier.
	done := make(map[string]bool)
	key := make([]byte, 0, s.n)
	isDone := func(pi []int) bool {
		key = key[:0]
		for i := len(pi) - 1; i >= 0; i-- {
			key = append(key, byte(pi[i]))
			if done[string(key)] {
				return true
			}
		}
		return false
	}
	take := func(nd *node) {
		suffix := nd.pi[len(nd.pi)-nd.bestLen:]
		key = key[:0]
		for i := len(suffix) - 1; i >= 0; i-- {
			key = append(key, byte(suffix[i]))
		}
		done[string(key)] = true
		for _, a := range found {
			if a.Assertion.Equal(nd.best.Assertion) {
				return
			}
		}
		found = append(found, nd.best)
	}
	for c := range s.n {
		if c == winner {
			continue
		}
		pi := []int{c}
		nd := &node{pi: pi, best: s.bestFor(pi), bestLen: 1, seq: seq}
		seq++
		if s.n == 1 {
			break
		}
		heap.Push(&f, nd)
	}
	steps := 0
	for f.Len() > 0 {
		if steps++; steps%256 == 1 && ctx.Err() != nil {
			return nil, &Error{Kind: ErrTimeoutFindingAssertions, Difficulty: lower, Detail: "time limit reached while searching for assertions; raise time_limit_seconds or give a difficulty_estimate"}
		}
		nd := heap.Pop(&f).(*node)
		if isDone(nd.pi) {
			continue
		}
		if nd.best.Difficulty <= lower {
			take(nd)
			continue
		}
		in := setOf(nd.pi)
		for c := range s.n {
			if in.has(c) {
				continue
			}
			pi := make([]int, 0, len(nd.pi)+1)
			pi = append(append(pi, c), nd.pi...)
			child := &node{pi: pi, best: nd.best, bestLen: nd.bestLen, seq: seq}
			seq++
			if b := s.bestFor(pi); b.Difficulty < nd.best.Difficulty {
				child.best, child.bestLen = b, len(pi)
			}
			if len(pi) < s.n {
				heap.Push(&f, child)
				continue
			}
			if math.IsInf(child.best.Difficulty, 1) {
				return nil, &Error{Kind: ErrCouldNotRuleOut, Candidates: pi, Detail: "no assertion can rule out the elimination order " + names(s.p, pi) + " (last listed wins); the margin between some candidates is zero or negative, so the contest cannot be audited with RAIRE"}
			}
			lower = max(lower, child.best.Difficulty)
			take(child)
		}
	}
	return found, nil
}

func assertionsOf(s []Scored) []Assertion {
	as := make([]Assertion, len(s))
	for i, a := range s {
		as[i] = a.Assertion
	}
	return as
}

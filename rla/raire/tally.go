package raire

import (
	"context"
	"math/bits"
	"slices"
)

// set is a set of candidates as a bit mask (bit c for candidate c).
type set uint64

func (s set) has(c int) bool { return s&(1<<uint(c)) != 0 }
func (s set) len() int       { return bits.OnesCount64(uint64(s)) }

// members lists the candidates in s in increasing order.
func (s set) members() []int {
	m := make([]int, 0, s.len())
	for s != 0 {
		c := bits.TrailingZeros64(uint64(s))
		m = append(m, c)
		s &^= 1 << uint(c)
	}
	return m
}

func setOf(cs []int) set {
	var s set
	for _, c := range cs {
		s |= 1 << uint(c)
	}
	return s
}

// trie holds the ballots as a prefix tree of preference lists, so that a
// tally visits each distinct prefix once instead of each ballot: a tally
// for continuing set S stops descending at the first node whose candidate
// is in S and credits it with every ballot below it.
//
// Nodes are stored flat; node 0 is the root (no candidate). Children of a
// node are contiguous in kids[first[i]:first[i+1]].
type trie struct {
	cand  []int32 // candidate at each node
	count []int64 // ballots whose ranking passes through the node
	first []int32 // index into kids of the node's first child; len = nodes+1
	kids  []int32
}

// newTrie builds the prefix tree of votes (validated).
func newTrie(votes []Vote) *trie {
	// Build with maps first, then flatten in a deterministic order.
	type node struct {
		cand  int
		count int64
		kids  map[int]*node
	}
	root := &node{cand: -1}
	for _, v := range votes {
		if v.N == 0 {
			continue
		}
		root.count += v.N
		n := root
		for _, c := range v.Prefs {
			k := n.kids[c]
			if k == nil {
				if n.kids == nil {
					n.kids = make(map[int]*node)
				}
				k = &node{cand: c}
				n.kids[c] = k
			}
			k.count += v.N
			n = k
		}
	}
	t := &trie{}
	// Breadth-first so that each node's children are contiguous.
	queue := []*node{root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		t.cand = append(t.cand, int32(n.cand))
		t.count = append(t.count, n.count)
		t.first = append(t.first, int32(len(t.kids)))
		cs := make([]int, 0, len(n.kids))
		for c := range n.kids {
			cs = append(cs, c)
		}
		slices.Sort(cs)
		next := int32(len(t.cand) + len(queue))
		for _, c := range cs {
			t.kids = append(t.kids, next)
			next++
			queue = append(queue, n.kids[c])
		}
	}
	t.first = append(t.first, int32(len(t.kids)))
	return t
}

// tally adds to out[c] the ballots whose first continuing choice is c, for
// continuing set s. Ballots exhausted within s go to no one.
func (t *trie) tally(s set, out []int64) {
	t.tallyFrom(0, s, out)
}

func (t *trie) tallyFrom(n int32, s set, out []int64) {
	for _, k := range t.kids[t.first[n]:t.first[n+1]] {
		c := int(t.cand[k])
		if s.has(c) {
			out[c] += t.count[k]
		} else {
			t.tallyFrom(k, s, out)
		}
	}
}

// firstPrefs returns the first-preference tally of candidate c.
func (t *trie) firstPrefs(c int) int64 {
	for _, k := range t.kids[t.first[0]:t.first[1]] {
		if int(t.cand[k]) == c {
			return t.count[k]
		}
	}
	return 0
}

// rankedAbove returns the number of ballots that rank l and rank w either
// below l or not at all: the most votes l can ever hold while w continues.
func (t *trie) rankedAbove(l, w int) int64 {
	return t.rankedAboveFrom(0, l, w)
}

func (t *trie) rankedAboveFrom(n int32, l, w int) int64 {
	var sum int64
	for _, k := range t.kids[t.first[n]:t.first[n+1]] {
		switch int(t.cand[k]) {
		case l:
			sum += t.count[k]
		case w:
		default:
			sum += t.rankedAboveFrom(k, l, w)
		}
	}
	return sum
}

// tallies caches the tallies of every continuing set the search asks for;
// the search revisits the same sets from many elimination orders.
type tallies struct {
	t     *trie
	n     int
	cache map[set][]int64
}

func newTallies(t *trie, n int) *tallies {
	return &tallies{t: t, n: n, cache: make(map[set][]int64)}
}

// of returns the tallies with exactly s continuing, indexed by candidate.
// The caller must not modify the result.
func (ts *tallies) of(s set) []int64 {
	if r, ok := ts.cache[s]; ok {
		return r
	}
	r := make([]int64, ts.n)
	ts.t.tally(s, r)
	ts.cache[s] = r
	return r
}

// irvResult is the outcome of counting an IRV contest.
type irvResult struct {
	// winners are every candidate who wins under some resolution of
	// ties for elimination, in increasing order.
	winners []int
	// order is one elimination order (last is the winner), taking ties
	// for last place in favour of eliminating the lowest index first.
	order []int
}

// countIRV runs the IRV count. Ties for last place are resolved every
// possible way, as raire-rs does, so that a contest decided by a tie-break
// is reported rather than silently audited as if it were not.
func countIRV(ctx context.Context, ts *tallies, n int) (irvResult, error) {
	all := set(1<<uint(n)) - 1
	if n == 64 {
		all = ^set(0)
	}
	var res irvResult
	// Follow one order for the report.
	s := all
	for s.len() > 1 {
		t := ts.of(s)
		lo := -1
		for _, c := range s.members() {
			if lo < 0 || t[c] < t[lo] {
				lo = c
			}
		}
		res.order = append(res.order, lo)
		s &^= 1 << uint(lo)
	}
	res.order = append(res.order, s.members()...)
	// Explore every tie resolution, visiting each continuing set once.
	var winners set
	seen := make(map[set]bool)
	stack := []set{all}
	steps := 0
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[s] {
			continue
		}
		seen[s] = true
		if steps++; steps%1024 == 1 && ctx.Err() != nil {
			return res, &Error{Kind: ErrTimeoutCheckingWinner, Detail: "time limit reached while counting the contest to find its winner"}
		}
		if s.len() == 1 {
			winners |= s
			continue
		}
		t := ts.of(s)
		var low int64 = -1
		for _, c := range s.members() {
			if low < 0 || t[c] < low {
				low = t[c]
			}
		}
		for _, c := range s.members() {
			if t[c] == low {
				stack = append(stack, s&^(1<<uint(c)))
			}
		}
	}
	res.winners = winners.members()
	return res, nil
}

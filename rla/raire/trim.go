package raire

import (
	"context"
	"slices"
)

// The trees of elimination-order suffixes: below each candidate (the last
// one standing) the suffixes that end with it, each annotated with the
// assertions that rule it out. It is the structure a person walks to check
// that the assertions exclude every alternative winner. Trees are built
// depth-first straight into the flat arrays of a coverage, because the
// trees MinimizeAssertions explores can have millions of nodes.

// expander builds trees; forever selects MinimizeAssertions' behaviour of
// expanding past a pruned suffix while assertions remain undecided, so that
// the suffix can alternatively be excluded by its descendants.
type expander struct {
	ctx     context.Context
	comp    []compiled
	n       int
	forever bool
	steps   int
	cov     *coverage
	// Depth-first scratch space: the suffix is stored right-aligned in
	// suffix, tails[d-1] is the set of its last d candidates, and each
	// level's still-undecided assertions are pushed on undecided.
	suffix    [MaxCandidates]int
	tails     [MaxCandidates]set
	undecided []int32
}

var errTimeout = &Error{Kind: "timeout"}

// build adds the node for the suffix of length k currently in e.suffix,
// with relevant the assertions undecided at its parent, and its subtree.
// It returns the node's id and whether some complete elimination order
// below it satisfies every assertion (the node is "valid").
func (e *expander) build(k int, parent int32, relevant []int32) (int32, bool, error) {
	if e.steps++; e.steps%4096 == 0 && e.ctx.Err() != nil {
		return 0, false, errTimeout
	}
	c := e.cov
	id := int32(len(c.parent))
	c.parent = append(c.parent, parent)
	c.nkids = append(c.nkids, 0)
	c.exclKids = append(c.exclKids, 0)
	c.inUse = append(c.inUse, 0)
	suffix := e.suffix[MaxCandidates-k:]
	tails := e.tails[:k]
	base := len(e.undecided)
	pruned := false
	for _, i := range relevant {
		switch e.comp[i].on(suffix, tails) {
		case contradicts:
			c.occ[i] = append(c.occ[i], id)
			c.inUse[id]++
			pruned = true
		case undecided:
			e.undecided = append(e.undecided, i)
		}
	}
	still := e.undecided[base:]
	defer func() { e.undecided = e.undecided[:base] }()
	if len(still) == 0 || (pruned && !e.forever) {
		return id, !pruned && len(still) == 0, nil
	}
	in := tails[k-1]
	valid := false
	for cand := range e.n {
		if in.has(cand) {
			continue
		}
		e.suffix[MaxCandidates-k-1] = cand
		e.tails[k] = in | 1<<uint(cand)
		kid, kidValid, err := e.build(k+1, id, still)
		if err != nil {
			return 0, false, err
		}
		if kidValid {
			if !pruned {
				valid = true
			} else {
				// Only this suffix's own assertions can exclude it:
				// forget its subtree.
				c.truncate(id, still)
				return id, false, nil
			}
		}
		c.nkids[id]++
		if c.excluded(kid) {
			c.exclKids[id]++
		}
	}
	return id, valid, nil
}

// root builds the tree of candidate cand and returns its validity.
func (e *expander) root(cand int, relevant []int32) (int32, bool, error) {
	e.suffix[MaxCandidates-1] = cand
	e.tails[0] = 1 << uint(cand)
	return e.build(1, -1, relevant)
}

// trim removes unneeded assertions according to alg and returns the rest
// in output order. Both algorithms build the trees once from all the
// assertions, then drop assertions one at a time, hardest first, keeping a
// drop only if every alternative winner's tree stays excluded; the result
// is irreducible (no single assertion can be removed). The difficulty of
// the set never rises, and dropping the hardest first keeps it as low as
// the search found. If ctx expires, the untrimmed (but sorted) assertions
// are returned with timedOut set, as raire-rs does.
func trim(ctx context.Context, found []Scored, winner, n int, alg TrimAlgorithm) (kept []Scored, timedOut bool, err error) {
	sorted := slices.Clone(found)
	slices.SortFunc(sorted, func(a, b Scored) int { return a.Assertion.compare(b.Assertion) })
	if alg == TrimNone {
		return sorted, false, nil
	}
	all := make([]Assertion, len(sorted))
	idx := make([]int, len(sorted))
	for i, a := range sorted {
		all[i], idx[i] = a.Assertion, i
	}
	e := newExpander(ctx, all, n, alg == MinimizeAssertions)
	relevant := make([]int32, len(all))
	for i := range relevant {
		relevant[i] = int32(i)
	}
	var winnerRoot int32 = -1
	for c := range n {
		id, valid, err := e.root(c, relevant)
		if err == errTimeout {
			return sorted, true, nil
		}
		if err != nil {
			return nil, false, err
		}
		switch {
		case c == winner && !valid:
			return nil, false, &Error{Kind: ErrInternalRuledOutWinner, Detail: "internal error: the assertions rule out the winner; please report this with the input"}
		case c != winner && valid:
			return nil, false, &Error{Kind: ErrInternalDidntRuleOutLoser, Candidates: []int{c}, Detail: "internal error: the assertions do not rule out every alternative winner; please report this with the input"}
		case c == winner:
			winnerRoot = id
		}
	}
	cover := e.cov
	// The winner's tree need not be excluded: detach it.
	cover.detach(winnerRoot)
	order := slices.Clone(idx)
	slices.SortStableFunc(order, func(a, b int) int {
		da, db := sorted[a].Difficulty, sorted[b].Difficulty
		switch {
		case da > db:
			return -1
		case da < db:
			return 1
		}
		return b - a
	})
	used := make([]bool, len(sorted))
	for i := range used {
		used[i] = true
	}
	for k, i := range order {
		if k%64 == 0 && ctx.Err() != nil {
			return sorted, true, nil
		}
		if !cover.drop(i) {
			cover.restore(i)
			continue
		}
		used[i] = false
	}
	for i, a := range sorted {
		if used[i] {
			kept = append(kept, a)
		}
	}
	return kept, false, nil
}

// coverage tracks, for the flattened trees, which nodes the assertions still
// in use exclude, so that dropping one assertion costs time in proportion to
// the nodes it prunes and their ancestors rather than to the whole forest.
// A node is excluded when an assertion in use contradicts it, or when it
// has children and all of them are excluded.
type coverage struct {
	parent   []int32 // -1 for a root
	nkids    []int32
	exclKids []int32 // children currently excluded
	inUse    []int32 // assertions in use that contradict the node
	occ      [][]int32
	lost     bool    // a root stopped being excluded
	free     []int32 // roots that need not be excluded (the winner's)
}

// truncate forgets the subtree of node id: every node after it (they were
// all built below it), and their entries in the occurrence lists of the
// assertions that could appear there.
func (c *coverage) truncate(id int32, assertions []int32) {
	n := int(id) + 1
	c.parent, c.nkids, c.exclKids, c.inUse = c.parent[:n], c.nkids[:n], c.exclKids[:n], c.inUse[:n]
	c.nkids[id], c.exclKids[id] = 0, 0
	for _, i := range assertions {
		o := c.occ[i]
		for len(o) > 0 && o[len(o)-1] > id {
			o = o[:len(o)-1]
		}
		c.occ[i] = o
	}
}

// detach exempts the tree rooted at id (the winner's, which must stay
// possible) from the requirement that every root stays excluded.
func (c *coverage) detach(id int32) {
	if id >= 0 {
		c.free = append(c.free, id)
	}
}

func (c *coverage) excluded(v int32) bool {
	return c.inUse[v] > 0 || (c.nkids[v] > 0 && c.exclKids[v] == c.nkids[v])
}

// drop stops using assertion i and reports whether every root is still
// excluded. Whatever it reports, the counts reflect i dropped; restore
// undoes it.
func (c *coverage) drop(i int) bool {
	c.lost = false
	for _, v := range c.occ[i] {
		was := c.excluded(v)
		c.inUse[v]--
		for was && !c.excluded(v) {
			p := c.parent[v]
			if p < 0 {
				c.lost = c.lost || !slices.Contains(c.free, v)
				break
			}
			was = c.excluded(p)
			c.exclKids[p]--
			v = p
		}
	}
	return !c.lost
}

// restore uses assertion i again, exactly undoing drop(i).
func (c *coverage) restore(i int) {
	for _, v := range c.occ[i] {
		was := c.excluded(v)
		c.inUse[v]++
		for !was && c.excluded(v) {
			p := c.parent[v]
			if p < 0 {
				break
			}
			was = c.excluded(p)
			c.exclKids[p]++
			v = p
		}
	}
}

func newExpander(ctx context.Context, all []Assertion, n int, forever bool) *expander {
	e := &expander{ctx: ctx, n: n, forever: forever, comp: make([]compiled, len(all)),
		cov: &coverage{occ: make([][]int32, len(all))}}
	for i, a := range all {
		e.comp[i] = compiled{neb: a.Kind == NEB, w: a.Winner, l: a.Loser, s: setOf(a.Continuing), k: len(a.Continuing)}
	}
	return e
}

// compiled is an assertion prepared for fast evaluation against suffixes.
type compiled struct {
	neb  bool
	w, l int
	s    set
	k    int
}

// on is Assertion.on with the suffix's tail sets precomputed.
func (a *compiled) on(suffix []int, tails []set) effect {
	in := tails[len(tails)-1]
	if a.neb {
		hasW, hasL := in.has(a.w), in.has(a.l)
		switch {
		case hasW && hasL:
			for i := len(suffix) - 1; ; i-- {
				if suffix[i] == a.w {
					return consistent
				}
				if suffix[i] == a.l {
					return contradicts
				}
			}
		case hasW:
			return consistent
		case hasL:
			return contradicts
		}
		return undecided
	}
	if len(suffix) >= a.k {
		if tails[a.k-1] != a.s {
			return consistent
		}
		if suffix[len(suffix)-a.k] == a.w {
			return contradicts
		}
		return consistent
	}
	if in&^a.s != 0 || in.has(a.w) {
		return consistent
	}
	return undecided
}

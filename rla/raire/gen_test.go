package raire

import (
	"context"
	"testing"
)

// rng is splitmix64: a tiny deterministic generator, so that generated
// elections are the same on every platform and Go version.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// genElection builds a deterministic IRV contest of ballots one ballot per
// Vote (ungrouped, as CVRs arrive): candidates have Plackett-Luce weights
// decreasing from a few dominant ones to minor ones; each ballot ranks
// candidates by weighted sampling without replacement and stops after a
// random number of rankings (about a third rank one candidate only).
func genElection(seed uint64, candidates, ballots int, weights []float64) []Vote {
	r := rng(seed)
	votes := make([]Vote, ballots)
	w := make([]float64, candidates)
	for i := range votes {
		copy(w, weights)
		length := 1
		for length < candidates && r.float() < 0.68 {
			length++
		}
		prefs := make([]int, 0, length)
		total := 0.0
		for _, x := range w {
			total += x
		}
		for len(prefs) < length {
			x := r.float() * total
			c := 0
			for ; c < candidates-1; c++ {
				if x < w[c] {
					break
				}
				x -= w[c]
			}
			for w[c] == 0 { // rounding at the end of the range
				c--
			}
			prefs = append(prefs, c)
			total -= w[c]
			w[c] = 0
		}
		votes[i] = Vote{N: 1, Prefs: prefs}
	}
	return votes
}

// weights10 are the popularities of the benchmark's 10 candidates: three
// strong, then a tail.
var weights10 = []float64{30, 27, 22, 6, 4.5, 3.5, 2.5, 2, 1.5, 1}

func problem10x100k() *Problem {
	return &Problem{NumCandidates: 10, Votes: genElection(2026, 10, 100000, weights10), Winner: -1,
		Audit: Audit{Type: OneOnMargin, TotalAuditableBallots: 100000}, Trim: MinimizeTree}
}

// weightsClose are 10 candidates of nearly equal strength: the hardest case
// for the search and for trimming, since every elimination order is close.
var weightsClose = []float64{12, 11.9, 11.8, 11.7, 11.6, 11.5, 11.4, 11.3, 11.2, 11.1}

// BenchmarkRAIRE10x100k measures the whole of Solve, from ungrouped ballots
// to trimmed assertions, for a 10-candidate, 100,000-ballot contest: a
// realistic field (three strong candidates and a tail) and a field of ten
// nearly equal candidates.
func BenchmarkRAIRE10x100k(b *testing.B) {
	for _, field := range []struct {
		name    string
		weights []float64
	}{{"realistic", weights10}, {"close", weightsClose}} {
		for _, trim := range []TrimAlgorithm{MinimizeTree, MinimizeAssertions} {
			b.Run(field.name+"/"+string(trim), func(b *testing.B) {
				p := problem10x100k()
				p.Votes = genElection(2026, 10, 100000, field.weights)
				p.Trim = trim
				var res *Result
				for b.Loop() {
					var err error
					res, err = Solve(context.Background(), p)
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(res.Assertions)), "assertions")
				b.ReportMetric(res.Difficulty, "difficulty")
			})
		}
	}
}

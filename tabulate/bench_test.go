package tabulate

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/canvass/canvass/election"
)

// syntheticElection is a deterministic ranked-choice election: n ballots
// over nc candidates with up to maxRanks rankings, preferences skewed so
// that counting takes many rounds, and a realistic sprinkling of voter
// errors: about 1% blank ballots, 1% skipped ranks, 0.5% overvotes and
// 0.5% repeated candidates.
func syntheticElection(n, nc, maxRanks int, seed uint64) ([]election.Candidate, [][]election.Mark) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cands := make([]election.Candidate, nc)
	weights := make([]float64, nc)
	total := 0.0
	for i := range cands {
		cands[i] = election.Candidate{Name: fmt.Sprintf("Candidate %02d", i+1)}
		weights[i] = 1 / float64(i+2)
		total += weights[i]
	}
	pick := func(used []bool) int {
		for {
			x := rng.Float64() * total
			for i, w := range weights {
				if x < w {
					if !used[i] {
						return i
					}
					break
				}
				x -= w
			}
		}
	}
	ballots := make([][]election.Mark, n)
	used := make([]bool, nc)
	for b := range ballots {
		if rng.IntN(100) == 0 {
			continue // blank ballot
		}
		k := 1 + rng.IntN(maxRanks)
		clear(used)
		var marks []election.Mark
		rank := int32(0)
		for r := 0; r < k; r++ {
			rank++
			if rng.IntN(100) == 0 && rank < int32(maxRanks) {
				rank++ // a skipped rank
			}
			c := pick(used)
			used[c] = true
			marks = append(marks, election.Mark{Rank: rank, Choice: election.Choice(c)})
			switch x := rng.IntN(200); {
			case x == 0:
				marks = append(marks, election.Mark{Rank: rank, Choice: election.Choice(pick(used))})
			case x == 1 && len(marks) > 1:
				marks[len(marks)-1].Choice = marks[0].Choice // a repeated candidate
			}
			if rank >= int32(maxRanks) {
				break
			}
		}
		cvrSort(marks)
		ballots[b] = marks
	}
	// Keep all marks in one array, in ballot order, as a streaming reader's
	// reused buffer would present them, rather than scattered on the heap.
	flat := make([]election.Mark, 0, 4*n)
	for _, m := range ballots {
		flat = append(flat, m...)
	}
	off := 0
	for i, m := range ballots {
		ballots[i] = flat[off : off+len(m) : off+len(m)]
		off += len(m)
	}
	return cands, ballots
}

func cvrSort(ms []election.Mark) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && (ms[j-1].Rank > ms[j].Rank || ms[j-1].Rank == ms[j].Rank && ms[j-1].Choice > ms[j].Choice); j-- {
			ms[j-1], ms[j] = ms[j], ms[j-1]
		}
	}
}

var benchRules = Rules{Mode: SingleWinnerMajority, NumberOfWinners: 1, Tiebreak: TiebreakRandom, RandomSeed: 1,
	Overvote: ExhaustImmediately, MaxSkippedRanks: 1, DecimalPlaces: 4}

func buildBallots(b *testing.B, cands []election.Candidate, ballots [][]election.Mark) *Ballots {
	bs := NewBallots(len(cands))
	for i, m := range ballots {
		if _, err := bs.Add(m, "", ""); err != nil {
			b.Fatalf("ballot %d: %v", i, err)
		}
	}
	return bs
}

// BenchmarkIRV1M is the whole in-memory job for a million ballots:
// grouping them and counting.
func BenchmarkIRV1M(b *testing.B) {
	cands, ballots := syntheticElection(1_000_000, 13, 5, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bs := buildBallots(b, cands, ballots)
		res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: bs, Rules: benchRules})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(res.Tabulations[0].Rounds)), "rounds")
		b.ReportMetric(float64(bs.Groups()), "groups")
	}
}

// BenchmarkIRV1MCount is the count alone, ballots already grouped.
func BenchmarkIRV1MCount(b *testing.B) {
	cands, ballots := syntheticElection(1_000_000, 13, 5, 1)
	bs := buildBallots(b, cands, ballots)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := RankedChoice(RankedInput{Candidates: cands, Ballots: bs, Rules: benchRules}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSTV1M counts the same ballots for three seats with fractional
// surplus transfers.
func BenchmarkSTV1M(b *testing.B) {
	cands, ballots := syntheticElection(1_000_000, 13, 5, 1)
	bs := buildBallots(b, cands, ballots)
	rules := benchRules
	rules.Mode = MultiWinnerAllowMultipleWinnersPerRound
	rules.NumberOfWinners = 3
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := RankedChoice(RankedInput{Candidates: cands, Ballots: bs, Rules: rules}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroup1M is grouping a million ballots alone.
func BenchmarkGroup1M(b *testing.B) {
	cands, ballots := syntheticElection(1_000_000, 13, 5, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buildBallots(b, cands, ballots)
	}
}

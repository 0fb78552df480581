package rla

import "testing"

// Benchmarks of the size and risk computations, one per method. The
// figures are recorded in docs/rla-math.md.

func BenchmarkBRAVOSampleSizes(b *testing.B) {
	c := contestOf(1000, Counts{{"A", 600}, {"B", 400}})
	for b.Loop() {
		if _, err := BRAVOSampleSizes(0.1, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBRAVOSampleSizesStatewide is a close 3-million-ballot contest,
// where the binomial quantiles run over ~170,000 draws.
func BenchmarkBRAVOSampleSizesStatewide(b *testing.B) {
	c := contestOf(3000000, Counts{{"c1", 1437668}, {"c2", 1409200}})
	for b.Loop() {
		if _, err := BRAVOSampleSizes(0.05, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBRAVORisk(b *testing.B) {
	c := contestOf(3000000, Counts{{"c1", 1204581}, {"c2", 803054}, {"c3", 712399}, {"c4", 91439}})
	s := &PollingSample{Votes: []int{47, 37, 32, 4}}
	for b.Loop() {
		if _, err := BRAVORisk(0.05, c, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSuperSimpleSampleSize(b *testing.B) {
	c := contestOf(10000, Counts{{"c1", 5479}, {"c2", 3652}, {"c3", 672}})
	for b.Loop() {
		if _, err := SuperSimpleSampleSize(0.05, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSuperSimpleRisk(b *testing.B) {
	c := contestOf(100000, Counts{{"w", 60000}, {"l", 40000}})
	d := Discrepancies{SampleSize: 27, O1: 1}
	for b.Loop() {
		if _, err := SuperSimpleRiskOfCounts(0.1, c, d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCORLA(b *testing.B) {
	c := contestOf(10000, Counts{{"w", 6000}, {"l", 4000}})
	d := &Discrepancies{SampleSize: 20, O1: 1}
	for b.Loop() {
		if _, err := CORLA(0.05, c, d, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMACRORisk(b *testing.B) {
	m := macroContestA()
	var idx []int
	for i := 0; i < 30; i++ {
		idx = append(idx, i*13%400)
	}
	draws := cleanDraws(m, idx...)
	for b.Loop() {
		if _, err := MACRORisk(0.25, m, draws); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMACROSampleSize(b *testing.B) {
	m := macroContestA()
	for b.Loop() {
		if _, err := MACROSampleSize(0.25, m, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkALPHAPollingRisk(b *testing.B) {
	c := contestOf(100000, Counts{{"A", 55000}, {"B", 45000}})
	draws := make([]int, 500)
	for i := range draws {
		draws[i] = i % 2
		if i%10 == 0 {
			draws[i] = 0
		}
	}
	for b.Loop() {
		if _, err := ALPHAPollingRisk(0.05, c, draws, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkALPHAPollingSampleSize(b *testing.B) {
	c := contestOf(100000, Counts{{"A", 55000}, {"B", 45000}})
	for b.Loop() {
		if _, err := ALPHAPollingSampleSize(0.05, c, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkALPHAComparisonRisk(b *testing.B) {
	c := contestOf(100000, Counts{{"A", 51000}, {"B", 49000}})
	ov := make([]int, 300)
	ov[100] = 1
	for b.Loop() {
		if _, err := ALPHAComparisonRisk(0.05, c, ov, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkALPHAComparisonSampleSize(b *testing.B) {
	c := contestOf(100000, Counts{{"A", 51000}, {"B", 49000}})
	for b.Loop() {
		if _, err := ALPHAComparisonSampleSize(0.05, c, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestBRAVOSize is the whole `canvass rla size` path short of
// the process: decode the JSON, compute, encode.
func BenchmarkRequestBRAVOSize(b *testing.B) {
	in := []byte(`{"method": "bravo", "risk_limit": 0.1, "ballots": 1000, "tally": {"A": 600, "B": 400}}`)
	for b.Loop() {
		r, err := DecodeRequest(in)
		if err != nil {
			b.Fatal(err)
		}
		s, err := r.Size()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

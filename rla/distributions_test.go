package rla

import (
	"math"
	"math/big"
	"testing"
)

// TestNormalQuantile compares with SciPy 1.10's norm.ppf.
func TestNormalQuantile(t *testing.T) {
	tests := []struct{ p, want float64 }{
		{0.7, 0.5244005127080407},
		{0.8, 0.8416212335729143},
		{0.9, 1.2815515655446004},
		{0.6, 0.2533471031357997},
		{0.001, -3.090232306167813},
		{0.02, -2.053748910631823},
		{0.5, 0.0},
		{0.975, 1.959963984540054},
		{0.9999, 3.719016485455709},
	}
	for _, tt := range tests {
		got := normalQuantile(tt.p)
		if math.Abs(got-tt.want) > 4e-16*math.Max(1, math.Abs(tt.want)) {
			t.Errorf("normalQuantile(%v) = %.17g, want %.17g", tt.p, got, tt.want)
		}
	}
	if !math.IsInf(normalQuantile(0), -1) || !math.IsInf(normalQuantile(1), 1) || !math.IsNaN(normalQuantile(2)) {
		t.Error("normalQuantile edge cases wrong")
	}
}

// TestBinomialQuantileSciPy compares with SciPy 1.10's binom.ppf(q, n, p)
// on a spread of sizes up to 3 million trials.
func TestBinomialQuantileSciPy(t *testing.T) {
	tests := []struct {
		q    float64
		n    int64
		p    float64
		want int64
	}{
		{0.30000000000000004, 1000, 0.52, 512},
		{0.001, 1, 0.501, 0},
		{0.1, 2, 0.9, 1},
		{0.1, 1000000, 0.6, 599372},
		{0.30000000000000004, 2, 0.1, 0},
		{0.3, 2, 0.6, 1},
		{0.1, 1000000, 0.1, 99616},
		{0.7, 2999999, 0.501, 1503454},
		{0.30000000000000004, 2999999, 0.5000001, 1499546},
		{0.1, 1, 0.6, 0},
		{0.9, 1000000, 0.52, 520640},
		{0.001, 12345, 0.52, 6248},
		{0.001, 2, 0.75, 0},
		{0.7, 5, 0.501, 3},
		{0.001, 1000, 0.501, 452},
		{0.7, 2, 0.5000001, 1},
		{0.30000000000000004, 250000, 0.99, 247474},
		{0.999, 1000, 0.3333333, 380},
		{0.7, 1000, 0.75, 757},
		{0.3, 5, 0.6, 2},
		{0.001, 2999999, 0.75, 2247681},
		{0.999, 250000, 0.9, 225462},
		{0.3, 100, 0.501, 47},
		{0.5, 1000000, 0.1, 100000},
		{0.999, 1000, 0.52, 569},
		{0.3, 12345, 0.5000001, 6143},
		{0.2, 1000000, 0.9, 899748},
		{0.9, 2, 0.501, 2},
		{0.1, 250000, 0.501, 124930},
		{0.9, 100, 0.3333333, 39},
		{0.1, 12345, 0.9, 11068},
		{0.5, 250000, 0.9, 225000},
		{0.999, 2999999, 0.501, 1505676},
		{0.9, 1, 0.6, 1},
		{0.30000000000000004, 5, 0.6, 2},
		{0.3, 12345, 0.3333333, 4087},
		{0.30000000000000004, 5, 0.3333333, 1},
		{0.5, 1000000, 0.75, 750000},
		{0.9, 12345, 0.99, 12236},
		// The quantiles behind Arlo's sizes for the 439/436 contest.
		{0.30000000000000004, 635643, 439.0 / 875, 318702},
	}
	for _, tt := range tests {
		if got := binomialQuantile(tt.q, tt.n, tt.p); got != tt.want {
			t.Errorf("binomialQuantile(%v, %d, %v) = %d, want %d", tt.q, tt.n, tt.p, got, tt.want)
		}
	}
}

// TestBinomialCDFExact checks the CDF against exact rational sums for small
// n, where the float64 result must agree to near machine precision.
func TestBinomialCDFExact(t *testing.T) {
	for _, n := range []int64{1, 2, 7, 30, 101, 250} {
		for _, pr := range [][2]int64{{1, 2}, {3, 5}, {1, 10}, {99, 100}, {7, 13}} {
			p := new(big.Rat).SetFrac64(pr[0], pr[1])
			q := new(big.Rat).Sub(big.NewRat(1, 1), p)
			pf, _ := p.Float64()
			cum := new(big.Rat)
			binom := big.NewInt(1)
			for k := int64(0); k <= n; k++ {
				if k > 0 {
					binom.Mul(binom, big.NewInt(n-k+1))
					binom.Div(binom, big.NewInt(k))
				}
				term := new(big.Rat).SetInt(binom)
				term.Mul(term, ratPow(p, k))
				term.Mul(term, ratPow(q, n-k))
				cum.Add(cum, term)
				want, _ := cum.Float64()
				got := binomialCDF(k, n, pf)
				if math.Abs(got-want) > 1e-12*want+1e-300 {
					t.Fatalf("binomialCDF(%d, %d, %v) = %.17g, want %.17g", k, n, pf, got, want)
				}
				pmf, _ := term.Float64()
				if g := binomialPMF(k, n, pf); math.Abs(g-pmf) > 1e-12*pmf+1e-300 {
					t.Fatalf("binomialPMF(%d, %d, %v) = %.17g, want %.17g", k, n, pf, g, pmf)
				}
			}
		}
	}
}

func ratPow(x *big.Rat, k int64) *big.Rat {
	r := big.NewRat(1, 1)
	for i := int64(0); i < k; i++ {
		r.Mul(r, x)
	}
	return r
}

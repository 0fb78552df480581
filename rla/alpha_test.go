package rla

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

type alphaVector struct {
	Source            string          `json:"source"`
	Test              string          `json:"test"`
	Eta               float64         `json:"eta"`
	N                 json.RawMessage `json:"N"`
	RiskLimit         float64         `json:"risk_limit"`
	U                 float64         `json:"u"`
	T                 float64         `json:"t"`
	G                 float64         `json:"g"`
	X                 []float64       `json:"x"`
	P                 json.RawMessage `json:"p"`
	SampleSizeAllOnes *int            `json:"sample_size_all_ones"`
	SampleSizeAll075  *int            `json:"sample_size_all_075"`
}

// vectorN reads N, which is a number or "infinite" (sampling with
// replacement, N = 0 here).
func vectorN(t *testing.T, raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s != "infinite" {
			t.Fatalf("unknown N %q", s)
		}
		return 0
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// vectorP reads p, a number or an expression "(a/b)^-k" or "a^-k".
func vectorP(t *testing.T, raw json.RawMessage) float64 {
	var p float64
	if json.Unmarshal(raw, &p) == nil {
		return p
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	base, exp, ok := strings.Cut(s, "^")
	if !ok {
		t.Fatalf("cannot read p %q", s)
	}
	e, err := strconv.ParseFloat(exp, 64)
	if err != nil {
		t.Fatalf("cannot read p %q: %v", s, err)
	}
	base = strings.Trim(base, "()")
	var b float64
	if num, den, ok := strings.Cut(base, "/"); ok {
		n, err1 := strconv.ParseFloat(num, 64)
		d, err2 := strconv.ParseFloat(den, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("cannot read p %q", s)
		}
		b = n / d
	} else if b, err = strconv.ParseFloat(base, 64); err != nil {
		t.Fatalf("cannot read p %q", s)
	}
	return math.Pow(b, e)
}

func TestALPHAPublishedVectors(t *testing.T) {
	var vs []alphaVector
	decodeInto(t, loadVectors(t, "published.json")["alpha"], &vs)
	if len(vs) == 0 {
		t.Fatal("no alpha vectors")
	}
	for i, v := range vs {
		switch v.Test {
		case "alpha_mart fixed eta":
			a := ALPHA{N: vectorN(t, v.N), T: v.T, U: v.U, Eta: v.Eta, Estimator: FixedAlternative}
			if v.SampleSizeAllOnes != nil {
				for _, c := range []struct {
					x    float64
					want int
				}{{1, *v.SampleSizeAllOnes}, {0.75, *v.SampleSizeAll075}} {
					n, err := a.SampleSize(v.RiskLimit, []float64{c.x}, 1000)
					if err != nil {
						t.Fatal(err)
					}
					if n != c.want {
						t.Errorf("vector %d: size for all %v = %d, want %d", i, c.x, n, c.want)
					}
				}
				continue
			}
			p, err := a.PValue(v.X)
			if err != nil {
				t.Fatal(err)
			}
			if want := vectorP(t, v.P); !relClose(p, want, 1e-9) {
				t.Errorf("vector %d (N %s): p = %.17g, want %.17g", i, v.N, p, want)
			}
		case "kaplan_markov":
			if p, want := KaplanMarkovPValue(v.X, v.T, v.G), vectorP(t, v.P); !relClose(p, want, 1e-12) {
				t.Errorf("vector %d: Kaplan-Markov p = %v, want %v", i, p, want)
			}
		case "kaplan_wald":
			if p, want := KaplanWaldPValue(v.X, v.T, v.G), vectorP(t, v.P); !relClose(p, want, 1e-12) {
				t.Errorf("vector %d: Kaplan-Wald p = %v, want %v", i, p, want)
			}
		default:
			t.Errorf("vector %d: unknown test %q", i, v.Test)
		}
	}
}

// TestALPHAReferenceCases holds values the reference notes (§4) computed by
// running SHANGRLA.
func TestALPHAReferenceCases(t *testing.T) {
	x := []float64{1, 0, 1, 1, 0.5, 1, 1, 0, 1, 1}
	a := NewALPHA(1000, 0.6)
	p, err := a.PValue(x)
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.4286874048976245; !relClose(p, want, 1e-9) {
		t.Errorf("shrink_trunc: p = %.17g, want %.17g", p, want)
	}
	// Ballot-level comparison with margin 0.2, all clean, N = 10⁴, the
	// optimal η for p2 = 10⁻⁴: the p-value first reaches 0.05 at n = 29.
	ca := ComparisonAssertion{Margin: 0.2}
	n, err := ca.SampleSize(0.05, 10000, nil, 10000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 29 {
		t.Errorf("CLCA clean size = %d, want 29", n)
	}
}

// TestALPHAMeanUnderNull checks μ_j against SHANGRLA's sjm vector
// (N = 5, t = 1.53, x = [1, 2, .5, 1, 4] → m = [1.53, 1.6625, 1.55, 2.075,
// 3.15]).
func TestALPHAMeanUnderNull(t *testing.T) {
	a := ALPHA{N: 5, T: 1.53, U: 10, Eta: 2, Estimator: FixedAlternative}
	st := newAlphaState(&a)
	want := []float64{1.53, 1.6625, 1.55, 2.075, 3.15}
	for i, x := range []float64{1, 2, 0.5, 1, 4} {
		if m := st.mu(); math.Abs(m-want[i]) > 1e-12 {
			t.Errorf("m[%d] = %v, want %v", i, m, want[i])
		}
		st.add(x)
	}
}

func TestALPHAPollingAudit(t *testing.T) {
	c := contestOf(1000, Counts{{"A", 600}, {"B", 400}})
	size, err := ALPHAPollingSampleSize(0.1, c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if size.Size <= 0 || size.Size >= 1000 || size.FullHandCount {
		t.Fatalf("size %+v", size)
	}
	// A sample that follows the reported shares for that many draws
	// confirms; the same sample with every winner vote a loser vote does
	// not.
	var draws, flipped []int
	var cw, cl int
	for n := 1; n <= size.Size; n++ {
		if float64(n)*0.4-float64(cl) >= float64(n)*0.6-float64(cw) {
			draws, flipped, cl = append(draws, 1), append(flipped, 1), cl+1
		} else {
			draws, flipped, cw = append(draws, 0), append(flipped, NotFound), cw+1
		}
	}
	r, err := ALPHAPollingRisk(0.1, c, draws, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Confirmed {
		t.Errorf("tracking sample of %d: %+v", size.Size, r)
	}
	r, err = ALPHAPollingRisk(0.1, c, flipped, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Confirmed || r.Risk != 1 {
		t.Errorf("all not found: %+v", r)
	}
}

func TestALPHAErrors(t *testing.T) {
	bad := []ALPHA{
		{N: -1, T: 0.5, U: 1, Eta: 0.6},
		{N: 10, T: 0.5, U: 0, Eta: 0.6},
		{N: 10, T: 1, U: 1, Eta: 0.6},
		{N: 10, T: 0.5, U: 1, Eta: 2},
		{N: 10, T: 0.5, U: 1, Eta: 0.6, Estimator: ShrinkTrunc, D: -1, MinSD: 1},
		{N: 10, T: 0.5, U: 1, Eta: 0.6, Estimator: OptimalComparison},
	}
	for i, a := range bad {
		if _, err := a.PValue([]float64{1}); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	a := NewALPHA(2, 0.6)
	if _, err := a.PValue([]float64{1, 1, 1}); err == nil {
		t.Error("more draws than the population: no error")
	}
	if _, err := a.PValue([]float64{1.5}); err == nil {
		t.Error("value above u: no error")
	}
}

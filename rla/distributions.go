package rla

import "math"

// This file holds the two distributions BRAVO's quantile sizes need: the
// standard normal quantile (for the first approximation) and the binomial
// quantile (for the exact step). Both must agree with SciPy's norm.ppf and
// binom.ppf to the last integer, because Arlo's sizes are ceilings of them.

// normalQuantile returns Φ⁻¹(p), the standard normal quantile. It starts
// from Acklam's rational approximation (relative error 1.15e-9) and polishes
// it with Halley steps on erfc, which brings it to full double precision.
func normalQuantile(p float64) float64 {
	switch {
	case math.IsNaN(p) || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	case p > 0.5:
		// 1−p is exact here (Sterbenz), and the lower tail keeps the
		// Halley step's erfc away from cancellation.
		return -normalQuantile(1 - p)
	}
	const pLow = 0.02425
	var x float64
	switch {
	case p < pLow:
		q := math.Sqrt(-2 * math.Log(p))
		x = (((((acklamC[0]*q+acklamC[1])*q+acklamC[2])*q+acklamC[3])*q+acklamC[4])*q + acklamC[5]) /
			((((acklamD[0]*q+acklamD[1])*q+acklamD[2])*q+acklamD[3])*q + 1)
	default:
		q := p - 0.5
		r := q * q
		x = (((((acklamA[0]*r+acklamA[1])*r+acklamA[2])*r+acklamA[3])*r+acklamA[4])*r + acklamA[5]) * q /
			(((((acklamB[0]*r+acklamB[1])*r+acklamB[2])*r+acklamB[3])*r+acklamB[4])*r + 1)
	}
	for i := 0; i < 2; i++ {
		e := 0.5*math.Erfc(-x/math.Sqrt2) - p
		u := e * math.Sqrt(2*math.Pi) * math.Exp(x*x/2)
		x -= u / (1 + x*u/2)
	}
	return x
}

// Coefficients of Acklam's approximation to the normal quantile.
var (
	acklamA = [6]float64{-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
	acklamB = [5]float64{-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01}
	acklamC = [6]float64{-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
	acklamD = [4]float64{7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00}
)

// stirlingError returns ln(k!) − ((k+½)ln k − k + ½ln 2π), the error of
// Stirling's formula, for an integer k ≥ 1. Loader (2000) shows that
// writing the binomial pmf in terms of it and of deviance terms keeps full
// relative precision even for millions of trials, where lgamma differences
// would lose half the digits.
func stirlingError(k float64) float64 {
	const (
		s0 = 1.0 / 12
		s1 = 1.0 / 360
		s2 = 1.0 / 1260
		s3 = 1.0 / 1680
		s4 = 1.0 / 1188
	)
	if k <= 15 {
		lg, _ := math.Lgamma(k + 1)
		return lg - (k+0.5)*math.Log(k) + k - 0.5*math.Log(2*math.Pi)
	}
	kk := k * k
	switch {
	case k > 500:
		return (s0 - s1/kk) / k
	case k > 80:
		return (s0 - (s1-s2/kk)/kk) / k
	case k > 35:
		return (s0 - (s1-(s2-s3/kk)/kk)/kk) / k
	}
	return (s0 - (s1-(s2-(s3-s4/kk)/kk)/kk)/kk) / k
}

// deviance returns x ln(x/m) + m − x, computed by a series when x is close
// to m, where the direct formula cancels catastrophically.
func deviance(x, m float64) float64 {
	if math.Abs(x-m) < 0.1*(x+m) {
		v := (x - m) / (x + m)
		s := (x - m) * v
		ej := 2 * x * v
		v2 := v * v
		for j := 1; j < 1000; j++ {
			ej *= v2
			s1 := s + ej/float64(2*j+1)
			if s1 == s {
				return s1
			}
			s = s1
		}
		return s
	}
	return x*math.Log(x/m) + m - x
}

// binomialPMF returns P(X = k) for X ~ Binomial(n, p), 0 ≤ k ≤ n.
func binomialPMF(k, n int64, p float64) float64 {
	q := 1 - p
	switch {
	case k < 0 || k > n:
		return 0
	case p == 0:
		if k == 0 {
			return 1
		}
		return 0
	case q == 0:
		if k == n {
			return 1
		}
		return 0
	case n == 0:
		return 1
	}
	nf, kf := float64(n), float64(k)
	if k == 0 {
		if p < 0.1 {
			return math.Exp(-deviance(nf, nf*q) - nf*p)
		}
		return math.Exp(nf * math.Log(q))
	}
	if k == n {
		if q < 0.1 {
			return math.Exp(-deviance(nf, nf*p) - nf*q)
		}
		return math.Exp(nf * math.Log(p))
	}
	lc := stirlingError(nf) - stirlingError(kf) - stirlingError(nf-kf) - deviance(kf, nf*p) - deviance(nf-kf, nf*q)
	lf := math.Log(2*math.Pi) + math.Log(kf) + math.Log1p(-kf/nf)
	return math.Exp(lc - 0.5*lf)
}

// binomialCDF returns P(X ≤ k) for X ~ Binomial(n, p). It sums whichever
// tail is smaller, walking the pmf by its ratio recurrence from an exactly
// computed anchor, and stops when the terms no longer change the sum.
func binomialCDF(k, n int64, p float64) float64 {
	if k < 0 {
		return 0
	}
	if k >= n {
		return 1
	}
	mean := float64(n) * p
	ratio := p / (1 - p) // pmf(i+1)/pmf(i) = (n-i)/(i+1) · ratio
	if float64(k) <= mean {
		// Lower tail: pmf(k) + pmf(k-1) + ... .
		term := binomialPMF(k, n, p)
		sum := term
		for i := k; i > 0; i-- {
			term *= float64(i) / (float64(n-i+1) * ratio)
			if term < sum*1e-18 || term == 0 {
				break
			}
			sum += term
			if (k-i)%4096 == 4095 {
				// Re-anchor so rounding in the recurrence cannot build up.
				term = binomialPMF(i-1, n, p)
			}
		}
		return sum
	}
	// Upper tail: 1 − (pmf(k+1) + pmf(k+2) + ...).
	term := binomialPMF(k+1, n, p)
	sum := term
	for i := k + 1; i < n; i++ {
		term *= float64(n-i) / float64(i+1) * ratio
		if term < sum*1e-18 || term == 0 {
			break
		}
		sum += term
		if (i-k)%4096 == 4095 {
			term = binomialPMF(i+1, n, p)
		}
	}
	return 1 - sum
}

// binomialQuantile returns the smallest k with P(X ≤ k) ≥ q for
// X ~ Binomial(n, p): SciPy's binom.ppf(q, n, p) for 0 < q < 1.
func binomialQuantile(q float64, n int64, p float64) int64 {
	if n <= 0 {
		return 0
	}
	if q <= 0 {
		return 0
	}
	if q >= 1 {
		return n
	}
	mean := float64(n) * p
	sd := math.Sqrt(mean * (1 - p))
	k := int64(math.Floor(mean + normalQuantile(q)*sd))
	k = max(0, min(k, n))
	c := binomialCDF(k, n, p)
	if c >= q {
		for k > 0 {
			c2 := c - binomialPMF(k, n, p)
			if c2 < q {
				break
			}
			k--
			c = c2
		}
		return k
	}
	for c < q && k < n {
		k++
		c += binomialPMF(k, n, p)
	}
	return k
}

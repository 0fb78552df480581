package tabulate

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number: an integer coefficient and a scale
// (the number of digits after the decimal point), as in Java's BigDecimal.
//
// RCTab does its vote arithmetic with BigDecimal and prints the results with
// BigDecimal.toString, so the scale is part of the observable result: a tally
// of "14866.0000" and one of "14866" are equal numbers but different report
// text. Decimal keeps the scale through every operation the way BigDecimal
// does: sums take the larger scale of their operands, products the sum of
// the scales, and the rounding operations take an explicit scale.
//
// The zero value is 0 with scale 0 (BigDecimal.ZERO). Decimals are values;
// no operation modifies its operands.
type Decimal struct {
	// u is the coefficient when b is nil. Keeping small coefficients in an
	// int64 makes the common case (whole-ballot counts) allocation free.
	u     int64
	b     *big.Int
	scale int32
}

// ErrDivisionByZero is returned by the division operations for a zero divisor.
var ErrDivisionByZero = errors.New("decimal division by zero")

// MaxScale bounds the scale of any Decimal built from text, so that hostile
// input cannot ask for a coefficient of millions of digits.
const MaxScale = 64

// NewDecimal returns coefficient × 10^-scale.
func NewDecimal(coefficient int64, scale int32) Decimal {
	return Decimal{u: coefficient, scale: scale}
}

// DecimalFromInt returns n with scale 0.
func DecimalFromInt(n int64) Decimal { return Decimal{u: n} }

// ParseDecimal reads a plain decimal number such as "15", "-3.25" or "0.0100".
// The scale is the number of digits written after the point, as with
// new BigDecimal(String). Exponents are not accepted.
func ParseDecimal(s string) (Decimal, error) {
	t := s
	neg := false
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		neg = t[0] == '-'
		t = t[1:]
	}
	intPart, frac, _ := strings.Cut(t, ".")
	digits := intPart + frac
	if digits == "" {
		return Decimal{}, fmt.Errorf("%q is not a decimal number", s)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return Decimal{}, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	if len(frac) > MaxScale || len(digits) > 2*MaxScale {
		return Decimal{}, fmt.Errorf("%q has too many digits", s)
	}
	var c big.Int
	c.SetString(digits, 10)
	if neg {
		c.Neg(&c)
	}
	return fromBig(&c, int32(len(frac))), nil
}

// MustParseDecimal is ParseDecimal for constants known to be valid.
func MustParseDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// fromBig normalizes a big coefficient back into the int64 form when it fits.
func fromBig(c *big.Int, scale int32) Decimal {
	if c.IsInt64() {
		return Decimal{u: c.Int64(), scale: scale}
	}
	return Decimal{b: new(big.Int).Set(c), scale: scale}
}

// bigCoef returns the coefficient as a big.Int the caller may modify.
func (d Decimal) bigCoef() *big.Int {
	if d.b != nil {
		return new(big.Int).Set(d.b)
	}
	return big.NewInt(d.u)
}

// Scale returns the number of digits after the decimal point.
func (d Decimal) Scale() int32 { return d.scale }

// Sign returns -1, 0 or 1.
func (d Decimal) Sign() int {
	if d.b != nil {
		return d.b.Sign()
	}
	switch {
	case d.u < 0:
		return -1
	case d.u > 0:
		return 1
	}
	return 0
}

// IsZero reports whether d is zero, whatever its scale.
func (d Decimal) IsZero() bool { return d.Sign() == 0 }

// isOne reports whether d is exactly 1 with scale 0 (BigDecimal.ONE), the
// value of every ballot that has never passed through a surplus transfer.
func (d Decimal) isOne() bool { return d.b == nil && d.u == 1 && d.scale == 0 }

var pow10s = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

func bigPow10(n int32) *big.Int {
	if n < int32(len(pow10s)) {
		return big.NewInt(pow10s[n])
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// mulSmall returns a×b and whether it did not overflow.
func mulSmall(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a == math.MinInt64 || b == math.MinInt64 {
		return 0, false
	}
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

// rescaleUp returns d's coefficient at a larger scale s (padding zeros).
func (d Decimal) rescaleUp(s int32) Decimal {
	if s == d.scale {
		return d
	}
	k := s - d.scale
	if d.b == nil && k < int32(len(pow10s)) {
		if v, ok := mulSmall(d.u, pow10s[k]); ok {
			return Decimal{u: v, scale: s}
		}
	}
	c := d.bigCoef()
	c.Mul(c, bigPow10(k))
	return fromBig(c, s)
}

// Add returns d + e with scale max(d.scale, e.scale).
func (d Decimal) Add(e Decimal) Decimal {
	s := max(d.scale, e.scale)
	x, y := d.rescaleUp(s), e.rescaleUp(s)
	if x.b == nil && y.b == nil {
		sum := x.u + y.u
		// Overflow happened iff both operands have the same sign and the
		// sum's sign differs.
		if (x.u >= 0) == (y.u >= 0) && (sum >= 0) != (x.u >= 0) {
			return fromBig(new(big.Int).Add(big.NewInt(x.u), big.NewInt(y.u)), s)
		}
		return Decimal{u: sum, scale: s}
	}
	return fromBig(new(big.Int).Add(x.bigCoef(), y.bigCoef()), s)
}

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	if d.b == nil && d.u != math.MinInt64 {
		return Decimal{u: -d.u, scale: d.scale}
	}
	return fromBig(new(big.Int).Neg(d.bigCoef()), d.scale)
}

// Sub returns d - e with scale max(d.scale, e.scale).
func (d Decimal) Sub(e Decimal) Decimal { return d.Add(e.Neg()) }

// MulInt returns d × n, keeping d's scale; it equals adding d to itself n
// times, which is how RCTab sums identical ballots.
func (d Decimal) MulInt(n int64) Decimal {
	if d.b == nil {
		if v, ok := mulSmall(d.u, n); ok {
			return Decimal{u: v, scale: d.scale}
		}
	}
	return fromBig(new(big.Int).Mul(d.bigCoef(), big.NewInt(n)), d.scale)
}

// Mul returns the exact product d × e, with scale d.scale + e.scale.
func (d Decimal) Mul(e Decimal) Decimal {
	if d.b == nil && e.b == nil {
		if v, ok := mulSmall(d.u, e.u); ok {
			return Decimal{u: v, scale: d.scale + e.scale}
		}
	}
	return fromBig(new(big.Int).Mul(d.bigCoef(), e.bigCoef()), d.scale+e.scale)
}

// Cmp compares numerically, ignoring scale: -1 if d < e, 0 if equal, +1 if d > e.
func (d Decimal) Cmp(e Decimal) int {
	s := max(d.scale, e.scale)
	x, y := d.rescaleUp(s), e.rescaleUp(s)
	if x.b == nil && y.b == nil {
		switch {
		case x.u < y.u:
			return -1
		case x.u > y.u:
			return 1
		}
		return 0
	}
	return x.bigCoef().Cmp(y.bigCoef())
}

// Equal reports whether d and e are the same number and have the same scale
// (BigDecimal.equals), which is what matters for report text.
func (d Decimal) Equal(e Decimal) bool { return d.scale == e.scale && d.Cmp(e) == 0 }

// roundMode selects how a division or rescale discards digits.
type roundMode int

const (
	roundDown roundMode = iota // toward zero (RoundingMode.DOWN)
	roundUp                    // away from zero (RoundingMode.UP)
)

// quoRound returns num/den rounded to an integer in mode.
func quoRound(num, den *big.Int, mode roundMode) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if mode == roundUp && r.Sign() != 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// SetScaleDown returns d at scale s, discarding extra digits toward zero
// (BigDecimal.setScale(s, RoundingMode.DOWN)).
func (d Decimal) SetScaleDown(s int32) Decimal {
	if s >= d.scale {
		return d.rescaleUp(s)
	}
	k := d.scale - s
	if d.b == nil && k < int32(len(pow10s)) {
		return Decimal{u: d.u / pow10s[k], scale: s}
	}
	return fromBig(quoRound(d.bigCoef(), bigPow10(k), roundDown), s)
}

// MulDown returns d × e rounded toward zero to scale s. This is RCTab's
// multiplication for surplus transfers: exact product, then truncation to
// decimalPlacesForVoteArithmetic digits.
func (d Decimal) MulDown(e Decimal, s int32) Decimal { return d.Mul(e).SetScaleDown(s) }

// divide returns d / e rounded in mode to scale s.
func (d Decimal) divide(e Decimal, s int32, mode roundMode) (Decimal, error) {
	if e.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	// d/e at scale s has coefficient d.c × 10^(s - d.scale + e.scale) / e.c.
	shift := s - d.scale + e.scale
	num, den := d.bigCoef(), e.bigCoef()
	if shift >= 0 {
		num.Mul(num, bigPow10(shift))
	} else {
		den.Mul(den, bigPow10(-shift))
	}
	return fromBig(quoRound(num, den, mode), s), nil
}

// DivDown returns d / e truncated toward zero at scale s
// (BigDecimal.divide(e, s, RoundingMode.DOWN)).
func (d Decimal) DivDown(e Decimal, s int32) (Decimal, error) { return d.divide(e, s, roundDown) }

// DivUp returns d / e rounded away from zero at scale s
// (BigDecimal.divide(e, s, RoundingMode.UP)).
func (d Decimal) DivUp(e Decimal, s int32) (Decimal, error) { return d.divide(e, s, roundUp) }

// DivExact returns the exact quotient d / e as BigDecimal.divide(e) does:
// its scale is the smallest one that is at least d.scale - e.scale and
// represents the quotient exactly. A quotient with no finite decimal
// expansion is an error, as in Java.
func (d Decimal) DivExact(e Decimal) (Decimal, error) {
	if e.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	preferred := d.scale - e.scale
	if d.IsZero() {
		return Decimal{scale: preferred}, nil
	}
	// The exact quotient is (d.c / e.c) × 10^(e.scale - d.scale). Find the
	// smallest scale s >= preferred with d.c × 10^(s - preferred) divisible
	// by e.c; it exists only if e.c / gcd has no prime factors but 2 and 5.
	num, den := d.bigCoef(), e.bigCoef()
	g := new(big.Int).GCD(nil, nil, new(big.Int).Abs(num), new(big.Int).Abs(den))
	den.Quo(den, g)
	num.Quo(num, g)
	rest := new(big.Int).Abs(den)
	var twos, fives int32
	two, five := big.NewInt(2), big.NewInt(5)
	m := new(big.Int)
	for m.Mod(rest, two).Sign() == 0 && rest.Sign() != 0 {
		rest.Quo(rest, two)
		twos++
	}
	for m.Mod(rest, five).Sign() == 0 && rest.Sign() != 0 {
		rest.Quo(rest, five)
		fives++
	}
	if rest.Cmp(big.NewInt(1)) != 0 {
		return Decimal{}, errors.New("decimal division has no exact result")
	}
	extra := max(twos, fives)
	q, err := d.divide(e, preferred+extra, roundDown)
	if err != nil {
		return Decimal{}, err
	}
	// Strip trailing zeros back toward the preferred scale.
	for q.scale > preferred {
		c := q.bigCoef()
		r := new(big.Int)
		c.QuoRem(c, big.NewInt(10), r)
		if r.Sign() != 0 {
			break
		}
		q = fromBig(c, q.scale-1)
	}
	return q, nil
}

// coefString returns the decimal digits of |coefficient| and whether it is
// negative.
func (d Decimal) coefString() (string, bool) {
	if d.b == nil {
		if d.u < 0 {
			if d.u == math.MinInt64 {
				return strings.TrimPrefix(strconv.FormatInt(d.u, 10), "-"), true
			}
			return strconv.FormatInt(-d.u, 10), true
		}
		return strconv.FormatInt(d.u, 10), false
	}
	s := d.b.String()
	if strings.HasPrefix(s, "-") {
		return s[1:], true
	}
	return s, false
}

// String formats d exactly as Java's BigDecimal.toString does: plain
// notation with all scale digits ("0.0000", "14866.0000"), or scientific
// notation ("1.2E-7", "0E-7") when the adjusted exponent is below -6.
func (d Decimal) String() string {
	digits, neg := d.coefString()
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	adjusted := -int64(d.scale) + int64(len(digits)-1)
	switch {
	case d.scale == 0:
		b.WriteString(digits)
	case d.scale > 0 && adjusted >= -6:
		s := int(d.scale)
		if len(digits) > s {
			b.WriteString(digits[:len(digits)-s])
			b.WriteByte('.')
			b.WriteString(digits[len(digits)-s:])
		} else {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", s-len(digits)))
			b.WriteString(digits)
		}
	default:
		b.WriteByte(digits[0])
		if len(digits) > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('E')
		if adjusted >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.FormatInt(adjusted, 10))
	}
	return b.String()
}

// Int64 returns d truncated to an integer, and whether it fits.
func (d Decimal) Int64() (int64, bool) {
	t := d.SetScaleDown(0)
	if t.b != nil {
		return 0, false
	}
	return t.u, true
}

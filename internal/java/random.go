package java

// Random reproduces java.util.Random: a 48-bit linear congruential
// generator (Knuth, TAOCP vol. 2, 3.2.1) with the constants and output
// functions of the Java SE specification. RCTab draws its random tie-breaks
// from new Random(randomSeed), so reproducing its draws bit for bit is what
// makes a canvass tie-break the same as RCTab's.
type Random struct {
	seed uint64
}

const (
	multiplier = 0x5DEECE66D
	addend     = 0xB
	mask       = (1 << 48) - 1
)

// NewRandom returns the generator new java.util.Random(seed) creates.
func NewRandom(seed int64) *Random {
	return &Random{seed: (uint64(seed) ^ multiplier) & mask}
}

// next advances the state and returns its top bits bits, as a Java int.
func (r *Random) next(bits uint) int32 {
	r.seed = (r.seed*multiplier + addend) & mask
	return int32(r.seed >> (48 - bits))
}

// NextDouble returns Random.nextDouble(): 53 random bits scaled into [0, 1).
func (r *Random) NextDouble() float64 {
	hi := int64(r.next(26))
	lo := int64(r.next(27))
	return float64(hi<<27+lo) * (1.0 / (1 << 53))
}

// NextInt returns Random.nextInt(bound): a uniform int in [0, bound). It
// panics if bound is not positive, as Java throws.
func (r *Random) NextInt(bound int32) int32 {
	if bound <= 0 {
		panic("java: Random.NextInt bound must be positive")
	}
	x := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		// A power of two: take the high bits, which are the better ones.
		return int32((int64(bound) * int64(x)) >> 31)
	}
	// Reject the top, incomplete stretch of the range so every residue is
	// equally likely. The test relies on 32-bit overflow, as Java's does.
	for u := x; ; u = r.next(31) {
		x = u % bound
		if u-x+m >= 0 {
			return x
		}
	}
}

// Shuffle permutes s as Collections.shuffle(list, random) does for a
// random-access list: for i from len down to 2, swap element i-1 with a
// uniformly drawn element in [0, i).
func Shuffle[T any](s []T, r *Random) {
	for i := len(s); i > 1; i-- {
		j := r.NextInt(int32(i))
		s[i-1], s[j] = s[j], s[i-1]
	}
}

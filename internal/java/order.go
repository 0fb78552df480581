package java

import (
	"sort"
	"unicode/utf8"
)

// RCTab is a Java program, and a few of its outputs depend on Java's
// ordering of strings and on the iteration order of java.util.HashMap and
// HashSet. This file reproduces those orders so canvass lists candidates,
// precincts and ballot selections where RCTab does.

// Compare compares strings as Java's String.compareTo does: by UTF-16
// code units. It differs from Go's byte order only for characters beyond
// U+FFFF, which Java sees as surrogates (0xD800-0xDFFF) and so sorts before
// U+E000-U+FFFF.
func Compare(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := utf16Lead(ra), utf16Lead(rb)
			if ua != ub {
				if ua < ub {
					return -1
				}
				return 1
			}
			// Same lead unit: both are supplementary; compare trail units,
			// which follow code point order.
			if ra < rb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// utf16Lead returns the first UTF-16 code unit of r.
func utf16Lead(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + ((r - 0x10000) >> 10)
	}
	return r
}

// HashCode returns Java's String.hashCode: the polynomial hash, base 31,
// of the string's UTF-16 code units, in 32-bit arithmetic.
func HashCode(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		if r == utf8.RuneError {
			// Invalid UTF-8 decodes to U+FFFD, as Java's decoder would.
			r = 0xFFFD
		}
		h = 31*h + int32(r)
	}
	return h
}

// bucket returns the bucket of key in a java.util.HashMap table of
// capacity n (a power of two): the hash's high half is folded into the low
// half before masking.
func bucket(key string, n int) int {
	h := uint32(HashCode(key))
	h ^= h >> 16
	return int(h & uint32(n-1))
}

// HashMapCapacity is the table size of a HashMap that had n keys put
// into it one by one from the default capacity of 16 (it doubles whenever
// the size exceeds three quarters of the table).
func HashMapCapacity(n int) int {
	c := 16
	for n > c*3/4 {
		c *= 2
	}
	return c
}

// HashSetCapacity is the table size of new HashSet<>(collection) for a
// collection of n elements: max(n/.75 + 1, 16) rounded up to a power of two.
func HashSetCapacity(n int) int {
	want := int(float32(n)/0.75) + 1
	want = max(want, 16)
	c := 1
	for c < want {
		c *= 2
	}
	return c
}

// HashOrder returns keys (distinct) in the order a HashMap (or HashSet) of
// the given capacity iterates them after they were inserted in the given
// order: by bucket, and within a bucket in insertion order. Buckets are
// never large enough in practice to be turned into trees, which would
// change the order.
func HashOrder(keys []string, capacity int) []string {
	out := append([]string(nil), keys...)
	buckets := make(map[string]int, len(keys))
	for _, k := range keys {
		buckets[k] = bucket(k, capacity)
	}
	sort.SliceStable(out, func(i, j int) bool { return buckets[out[i]] < buckets[out[j]] })
	return out
}

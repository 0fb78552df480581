package sampler

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"strconv"
)

// ErrTooManyDraws is returned when a sample without replacement asks for
// more draws than there are items to draw from.
var ErrTooManyDraws = errors.New("more draws than items to sample without replacement")

// RivestDraw returns the i-th number of Rivest's 2011 sampler over the
// ballots 1..n: 1 + (SHA-256 of the UTF-8 bytes of seed+","+decimal(i),
// read as a big-endian 256-bit integer) mod n. The seed is a string, so
// "0" and "00" are different seeds. n must be at least 1.
func RivestDraw(seed string, i uint64, n uint64) uint64 {
	buf := make([]byte, 0, len(seed)+24)
	return rivestDraw(buf, seed, i, n)
}

func rivestDraw(buf []byte, seed string, i uint64, n uint64) uint64 {
	buf = append(buf[:0], seed...)
	buf = append(buf, ',')
	buf = strconv.AppendUint(buf, i, 10)
	h := sha256.Sum256(buf)
	return 1 + mod256(&h, n)
}

// mod256 returns the big-endian 256-bit integer h modulo n (n > 0), one
// 64-bit limb at a time, so no big.Int is needed.
func mod256(h *[32]byte, n uint64) uint64 {
	var r uint64
	for k := 0; k < 32; k += 8 {
		r = bits.Rem64(r, binary.BigEndian.Uint64(h[k:k+8]), n)
	}
	return r
}

// Corla is Rivest's 2011 sampler as ColoradoRLA uses it: ballots are
// numbered 1..Ballots and the i-th draw (i = 1, 2, ...) is
// RivestDraw(Seed, i, Ballots).
//
// Without replacement, a number already drawn is rejected but its counter
// is still used up, so the k-th accepted draw is the same whatever count
// was asked for; later rounds extend earlier ones (Draws with skip).
// ColoradoRLA itself draws with replacement.
type Corla struct {
	Seed               string
	Ballots            uint64
	WithoutReplacement bool
}

// CorlaDraw is one number drawn by Corla.
type CorlaDraw struct {
	// Counter is the i whose hash produced the draw; without replacement
	// it exceeds the draw's position when earlier counters were rejected.
	Counter uint64
	// Ballot is the ballot number, 1..Ballots.
	Ballot uint64
}

// Draws returns draws skip+1 .. skip+count of the sequence, in draw order.
func (c Corla) Draws(skip, count int) ([]CorlaDraw, error) {
	seq, err := c.Seq(skip, count)
	if err != nil {
		return nil, err
	}
	out := make([]CorlaDraw, 0, sizeHint(count))
	for d := range seq {
		out = append(out, d)
	}
	return out, nil
}

// Seq is Draws as an iterator, for samples too large to hold: draws are
// made as they are consumed. With replacement it starts at counter
// skip+1 without computing the skipped draws, and uses constant memory.
// Without replacement it must replay the skipped draws to know which
// ballots they took, and remembers every ballot drawn, so its time and
// memory grow with skip+count; callers bound that (see rla/draw).
func (c Corla) Seq(skip, count int) (iter.Seq[CorlaDraw], error) {
	if c.Ballots < 1 {
		return nil, fmt.Errorf("sampler: need at least 1 ballot to draw from, got %d", c.Ballots)
	}
	if skip < 0 || count < 0 {
		return nil, fmt.Errorf("sampler: skip (%d) and count (%d) must not be negative", skip, count)
	}
	total := uint64(skip) + uint64(count)
	if c.WithoutReplacement && total > c.Ballots {
		return nil, fmt.Errorf("sampler: %w: %d draws from %d ballots", ErrTooManyDraws, total, c.Ballots)
	}
	if !c.WithoutReplacement {
		return func(yield func(CorlaDraw) bool) {
			buf := make([]byte, 0, len(c.Seed)+24)
			for i := uint64(skip) + 1; i <= total; i++ {
				if !yield(CorlaDraw{Counter: i, Ballot: rivestDraw(buf, c.Seed, i, c.Ballots)}) {
					return
				}
			}
		}, nil
	}
	return func(yield func(CorlaDraw) bool) {
		buf := make([]byte, 0, len(c.Seed)+24)
		seen := make(map[uint64]struct{}, sizeHint(int(min(total, 1<<30))))
		var accepted uint64
		for i := uint64(1); accepted < total; i++ {
			b := rivestDraw(buf, c.Seed, i, c.Ballots)
			if _, dup := seen[b]; dup {
				continue
			}
			seen[b] = struct{}{}
			accepted++
			if accepted > uint64(skip) && !yield(CorlaDraw{Counter: i, Ballot: b}) {
				return
			}
		}
	}, nil
}

// sizeHint bounds a capacity taken from a caller's count, so that an
// absurd count fails by running long rather than by allocating at once.
func sizeHint(n int) int {
	return min(max(n, 0), 1<<16)
}

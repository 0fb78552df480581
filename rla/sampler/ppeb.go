package sampler

import (
	"crypto/sha256"
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

// seedSequence reproduces numpy's SeedSequence (numpy.random.bit_generator)
// for an integer entropy and no spawn key: the integer is split into
// 32-bit words, least significant first, and hashed into a pool of four
// words from which generator state is drawn.
type seedSequence struct {
	pool [4]uint32
}

const (
	ssInitA    = 0x43b0d7e5
	ssMultA    = 0x931e8875
	ssInitB    = 0x8b51f9dd
	ssMultB    = 0x58f38ded
	ssMixMultL = 0xca01f9dd
	ssMixMultR = 0x4973f715
	ssXShift   = 16
)

func newSeedSequence(entropy *big.Int) *seedSequence {
	// numpy renders 0 as the single word [0].
	words := []uint32{0}
	if entropy.Sign() > 0 {
		words = words[:0]
		e := new(big.Int).Set(entropy)
		mask := big.NewInt(0xffffffff)
		var w big.Int
		for e.Sign() > 0 {
			words = append(words, uint32(w.And(e, mask).Uint64()))
			e.Rsh(e, 32)
		}
	}
	s := &seedSequence{}
	hashConst := uint32(ssInitA)
	hashmix := func(v uint32) uint32 {
		v ^= hashConst
		hashConst *= ssMultA
		v *= hashConst
		return v ^ v>>ssXShift
	}
	mix := func(x, y uint32) uint32 {
		r := ssMixMultL*x - ssMixMultR*y
		return r ^ r>>ssXShift
	}
	for i := range s.pool {
		if i < len(words) {
			s.pool[i] = hashmix(words[i])
		} else {
			s.pool[i] = hashmix(0)
		}
	}
	for src := range s.pool {
		for dst := range s.pool {
			if src != dst {
				s.pool[dst] = mix(s.pool[dst], hashmix(s.pool[src]))
			}
		}
	}
	for src := len(s.pool); src < len(words); src++ {
		for dst := range s.pool {
			s.pool[dst] = mix(s.pool[dst], hashmix(words[src]))
		}
	}
	return s
}

// state64 is SeedSequence.generate_state(n, uint64): 2n 32-bit words
// paired little-endian.
func (s *seedSequence) state64(n int) []uint64 {
	hashConst := uint32(ssInitB)
	out := make([]uint64, n)
	for i := 0; i < 2*n; i++ {
		v := s.pool[i%len(s.pool)]
		v ^= hashConst
		hashConst *= ssMultB
		v *= hashConst
		v ^= v >> ssXShift
		out[i/2] |= uint64(v) << (32 * (i % 2))
	}
	return out
}

// pcg64 is numpy's PCG64 bit generator: a 128-bit LCG with the XSL-RR
// output function.
type pcg64 struct {
	hi, lo       uint64 // state
	incHi, incLo uint64 // increment (odd)
}

const (
	pcgMultHi = 0x2360ED051FC65DA4
	pcgMultLo = 0x4385DF649FCCF645
)

// newPCG64 seeds the generator as numpy.random.default_rng(entropy) does.
func newPCG64(entropy *big.Int) *pcg64 {
	st := newSeedSequence(entropy).state64(4)
	p := &pcg64{}
	// initseq is shifted left one bit and made odd.
	p.incHi = st[2]<<1 | st[3]>>63
	p.incLo = st[3]<<1 | 1
	p.step()
	var c uint64
	p.lo, c = bits.Add64(p.lo, st[1], 0)
	p.hi, _ = bits.Add64(p.hi, st[0], c)
	p.step()
	return p
}

func (p *pcg64) step() {
	hi, lo := bits.Mul64(p.lo, pcgMultLo)
	hi += p.hi*pcgMultLo + p.lo*pcgMultHi
	var c uint64
	p.lo, c = bits.Add64(lo, p.incLo, 0)
	p.hi, _ = bits.Add64(hi, p.incHi, c)
}

func (p *pcg64) uint64() uint64 {
	p.step()
	return bits.RotateLeft64(p.hi^p.lo, -int(p.hi>>58))
}

// float64 is numpy's Generator.random(): 53 random bits over 2^53.
func (p *pcg64) float64() float64 {
	return float64(p.uint64()>>11) * (1.0 / 9007199254740992.0)
}

// PPEBDraw is one batch drawn by ArloPPEB.
type PPEBDraw struct {
	// Ticket is Arlo's ticket for the draw, trimmed to 18 digits.
	Ticket string
	// Batch is the index of the drawn batch in the slice passed.
	Batch int
	// TimesSampled counts this batch's draws so far, this one included.
	TimesSampled int
}

// ArloPPEB reproduces Arlo's batch draw for MACRO audits (sampling with
// probability proportional to error bounds), so that an Arlo sample can be
// checked. It depends on numpy's generator and on the order of the
// batches, which is why canvass's own batch sampler is PPS.
//
// ids are the batches' texts as Arlo hashes them (ArloBatchID, e.g.
// "('J1', 'Batch 1')"), in Arlo's order; weights their error bounds
// u_b, as float64 like Arlo's. The generator is
// numpy.random.default_rng(int(sha256_hex(seed), 16)); the batches are
// rng.choice(prev+n, p = u_b/U) as numpy computes it (a float64 cumulative
// sum normalised by its last value, searched to the right with
// Generator.random() values). A batch's first ticket is
// Trim(FirstFraction(id, seed), 18) and each repeat's the trimmed
// NextFraction of its previous trimmed ticket. Draws skip+1 .. skip+count
// are returned in draw order.
//
// When skip+count reaches the number of batches Arlo audits every batch
// instead; ArloPPEB then returns an error rather than guess that list's
// form.
func ArloPPEB(seed string, ids []string, weights []float64, skip, count int) ([]PPEBDraw, error) {
	if len(ids) != len(weights) {
		return nil, fmt.Errorf("sampler: %d batch ids but %d weights", len(ids), len(weights))
	}
	if skip < 0 || count < 0 || skip > math.MaxInt-count {
		return nil, fmt.Errorf("sampler: skip (%d) and count (%d) must not be negative", skip, count)
	}
	if skip+count >= len(ids) {
		return nil, fmt.Errorf("sampler: %d draws from %d batches: Arlo audits every batch in that case, so hand count them all", skip+count, len(ids))
	}
	var total float64
	for i, w := range weights {
		if !(w >= 0) || w > 1e300 {
			return nil, fmt.Errorf("sampler: batch %s has error bound %v; it must be finite and not negative", ids[i], w)
		}
		total += w
	}
	if total == 0 {
		return nil, fmt.Errorf("sampler: the error bounds add up to zero; there is nothing to sample")
	}
	cdf := make([]float64, len(weights))
	var c float64
	for i, w := range weights {
		c += w / total
		cdf[i] = c
	}
	last := cdf[len(cdf)-1]
	for i := range cdf {
		cdf[i] /= last
	}
	digest := sha256.Sum256([]byte(seed))
	rng := newPCG64(new(big.Int).SetBytes(digest[:]))
	tickets := make(map[int]string)
	times := make(map[int]int)
	out := make([]PPEBDraw, 0, sizeHint(count))
	for k := 0; k < skip+count; k++ {
		u := rng.float64()
		// searchsorted(cdf, u, side="right"): the first index with cdf > u.
		lo, hi := 0, len(cdf)
		for lo < hi {
			m := (lo + hi) / 2
			if cdf[m] > u {
				hi = m
			} else {
				lo = m + 1
			}
		}
		b := min(lo, len(cdf)-1)
		if t, ok := tickets[b]; ok {
			tickets[b] = Trim(NextFraction(t), ArloDigits)
		} else {
			tickets[b] = Trim(FirstFraction(ids[b], seed), ArloDigits)
		}
		times[b]++
		if k >= skip {
			out = append(out, PPEBDraw{Ticket: tickets[b], Batch: b, TimesSampled: times[b]})
		}
	}
	return out, nil
}

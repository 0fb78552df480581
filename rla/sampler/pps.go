package sampler

import (
	"crypto/sha256"
	"fmt"
	"iter"
	"math/big"
	"sort"
	"strconv"
)

// WeightedBatch is a batch for sampling with probability proportional to
// size (PPS), for batch-comparison audits: Weight is its error bound u_b
// (MACRO), or any other non-negative size.
type WeightedBatch struct {
	Jurisdiction string
	// Tabulator is empty when the batch has none.
	Tabulator string
	Name      string
	// Weight is exact: a decimal written in a file parses to exactly that
	// rational number, so no floating-point rounding enters the draw.
	Weight *big.Rat
}

// PPSDraw is one batch drawn by PPS.
type PPSDraw struct {
	// Draw is the counter i whose hash chose the batch (1-based).
	Draw uint64
	// Ticket is SHA-256(seed + "," + i) / 2^256 truncated to 18 decimal
	// digits, "0." followed by exactly 18 digits.
	Ticket string
	// Batch is the index of the drawn batch in the slice passed to PPS.
	Batch int
	// TimesSampled counts this batch's draws so far, this one included.
	TimesSampled int
}

// PPS draws batches with replacement, each with probability proportional
// to its weight, using nothing but SHA-256 and exact rational arithmetic:
//
//  1. Sort the batches by (jurisdiction, tabulator, batch name) in byte
//     order of their UTF-8 text, an absent tabulator being the empty
//     string. Let W be the sum of the weights and C_k the sum of the
//     weights of the first k batches in that order.
//  2. For draw i = 1, 2, ..., let H_i be SHA-256(seed + "," + i) read as
//     a big-endian integer (the same hash as Rivest's 2011 sampler), and
//     choose the first batch k (in that order) with H_i * W < 2^256 * C_k,
//     that is u_i = H_i / 2^256 < C_k / W.
//
// Batches of weight zero are never chosen. It returns draws skip+1 ..
// skip+count in draw order, so later rounds extend earlier ones.
func PPS(seed string, batches []WeightedBatch, skip, count int) ([]PPSDraw, error) {
	seq, err := PPSSeq(seed, batches, skip, count)
	if err != nil {
		return nil, err
	}
	out := make([]PPSDraw, 0, sizeHint(count))
	for d := range seq {
		out = append(out, d)
	}
	return out, nil
}

// PPSSeq is PPS as an iterator: each draw is made as it is consumed, so a
// sample of any size streams in memory that grows only with the number of
// batches. The skipped draws are still made (their batches' times sampled
// count), so time grows with skip+count.
func PPSSeq(seed string, batches []WeightedBatch, skip, count int) (iter.Seq[PPSDraw], error) {
	if skip < 0 || count < 0 {
		return nil, fmt.Errorf("sampler: skip (%d) and count (%d) must not be negative", skip, count)
	}
	order := make([]int, len(batches))
	for i := range order {
		order[i] = i
	}
	key := func(i int) [3]string {
		b := &batches[i]
		return [3]string{b.Jurisdiction, b.Tabulator, b.Name}
	}
	sort.SliceStable(order, func(x, y int) bool {
		kx, ky := key(order[x]), key(order[y])
		for f := range kx {
			if kx[f] != ky[f] {
				return kx[f] < ky[f]
			}
		}
		return false
	})
	// cum[k] = C_{k+1}: the weight of the first k+1 batches in order.
	cum := make([]*big.Rat, len(order))
	total := new(big.Rat)
	for k, i := range order {
		b := &batches[i]
		if k > 0 && key(order[k-1]) == key(i) {
			return nil, fmt.Errorf("sampler: two batches are (%q, %q, %q); each batch must appear once", b.Jurisdiction, b.Tabulator, b.Name)
		}
		if b.Weight == nil || b.Weight.Sign() < 0 {
			return nil, fmt.Errorf("sampler: batch (%q, %q, %q) needs a weight of zero or more", b.Jurisdiction, b.Tabulator, b.Name)
		}
		total.Add(total, b.Weight)
		cum[k] = new(big.Rat).Set(total)
	}
	if total.Sign() == 0 {
		if count == 0 {
			return func(func(PPSDraw) bool) {}, nil
		}
		return nil, fmt.Errorf("sampler: the batch weights add up to zero; there is nothing to sample")
	}
	return func(yield func(PPSDraw) bool) {
		two256 := new(big.Int).Lsh(big.NewInt(1), 256)
		tenTo18 := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
		times := make(map[int]int)
		var (
			buf []byte
			h   big.Int
			u   big.Rat
			tk  big.Int
		)
		for i := uint64(1); i <= uint64(skip)+uint64(count); i++ {
			buf = append(append(append(buf[:0], seed...), ','), strconv.FormatUint(i, 10)...)
			sum := sha256.Sum256(buf)
			h.SetBytes(sum[:])
			// u*W where u = H/2^256; choose the first k with u*W < C_k.
			u.SetFrac(&h, two256)
			u.Mul(&u, total)
			k := sort.Search(len(cum), func(k int) bool { return u.Cmp(cum[k]) < 0 })
			b := order[k]
			times[b]++
			if i <= uint64(skip) {
				continue
			}
			tk.Mul(&h, tenTo18)
			tk.Rsh(&tk, 256)
			digits := tk.Text(10)
			ticket := "0." + zeros(18-len(digits)) + digits
			if !yield(PPSDraw{Draw: i, Ticket: ticket, Batch: b, TimesSampled: times[b]}) {
				return
			}
		}
	}, nil
}

func zeros(n int) string {
	b := make([]byte, max(n, 0))
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

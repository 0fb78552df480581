package sampler

import (
	"math"
	"math/big"
	"testing"
)

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

// ppsExample is the worked example of docs/rla-sampling.md, listed out of
// canonical order on purpose.
func ppsExample() []WeightedBatch {
	return []WeightedBatch{
		{"Jefferson", "", "Batch 2", rat("0.2")},
		{"Adams", "TAB-1", "Batch 3", rat("0.25")},
		{"Adams", "", "Batch 1", rat("0.4")},
		{"Jefferson", "", "Batch 1", rat("0.15")},
		{"Adams", "", "Batch 9", rat("0")},
		{"Jefferson", "", "Batch 10", rat("1e-1")},
	}
}

// TestPPSVector checks the documented example. The expected draws were
// computed by this code and, independently, by the Python program in
// docs/rla-sampling.md (fractions and hashlib only).
func TestPPSVector(t *testing.T) {
	bs := ppsExample()
	want := []struct {
		draw        uint64
		ticket      string
		j, tab, b   string
		timesSample int
	}{
		{1, "0.303307810954153445", "Adams", "", "Batch 1", 1},
		{2, "0.680222437116691724", "Jefferson", "", "Batch 1", 1},
		{3, "0.582497220215849454", "Adams", "TAB-1", "Batch 3", 1},
		{4, "0.593437565798950370", "Jefferson", "", "Batch 1", 2},
		{5, "0.914217358160455563", "Jefferson", "", "Batch 2", 1},
		{6, "0.381949196961118930", "Adams", "TAB-1", "Batch 3", 2},
		{7, "0.262041331455804619", "Adams", "", "Batch 1", 2},
		{8, "0.034928027989118270", "Adams", "", "Batch 1", 3},
		{9, "0.375323388498252057", "Adams", "TAB-1", "Batch 3", 3},
		{10, "0.920851009964295564", "Jefferson", "", "Batch 2", 2},
	}
	for _, skip := range []int{0, 7} {
		ds, err := PPS("12345678901234567890", bs, skip, len(want)-skip)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != len(want)-skip {
			t.Fatalf("skip %d: %d draws, want %d", skip, len(ds), len(want)-skip)
		}
		for k, d := range ds {
			w := want[skip+k]
			b := bs[d.Batch]
			if d.Draw != w.draw || d.Ticket != w.ticket || b.Jurisdiction != w.j || b.Tabulator != w.tab || b.Name != w.b || d.TimesSampled != w.timesSample {
				t.Errorf("skip %d: draw %d = %d %s %q %q %q x%d, want %+v", skip, k+1, d.Draw, d.Ticket, b.Jurisdiction, b.Tabulator, b.Name, d.TimesSampled, w)
			}
		}
	}
}

// TestPPSProportional checks that 20,000 draws fall on each batch about in
// proportion to its weight (within 4 standard deviations), and never on a
// batch of weight zero. The draw is deterministic, so this cannot flake.
func TestPPSProportional(t *testing.T) {
	bs := ppsExample()
	const n = 20000
	ds, err := PPS("proportional", bs, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, len(bs))
	for _, d := range ds {
		counts[d.Batch]++
	}
	total := 0.0
	for _, b := range bs {
		f, _ := b.Weight.Float64()
		total += f
	}
	for i, b := range bs {
		f, _ := b.Weight.Float64()
		p := f / total
		mean, sd := n*p, math.Sqrt(n*p*(1-p))
		if math.Abs(float64(counts[i])-mean) > 4*sd || (p == 0 && counts[i] != 0) {
			t.Errorf("batch %s/%s drawn %d times, expected about %.0f", b.Jurisdiction, b.Name, counts[i], mean)
		}
	}
}

func TestPPSErrors(t *testing.T) {
	tests := []struct {
		name    string
		batches []WeightedBatch
		skip, n int
	}{
		{"duplicate", []WeightedBatch{{"J", "", "B", rat("1")}, {"J", "", "B", rat("2")}}, 0, 1},
		{"negative weight", []WeightedBatch{{"J", "", "B", rat("-1")}}, 0, 1},
		{"missing weight", []WeightedBatch{{"J", "", "B", nil}}, 0, 1},
		{"zero total", []WeightedBatch{{"J", "", "B", rat("0")}}, 0, 1},
		{"no batches", nil, 0, 1},
		{"negative count", []WeightedBatch{{"J", "", "B", rat("1")}}, 0, -1},
	}
	for _, tt := range tests {
		if _, err := PPS("1", tt.batches, tt.skip, tt.n); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

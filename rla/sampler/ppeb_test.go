package sampler

import (
	"crypto/sha256"
	"fmt"
	"math/big"
	"testing"
)

// TestPCG64 checks the generator against the first Generator.random()
// values quoted for Arlo's snapshot seed (algorithms.md §1.3).
func TestPCG64(t *testing.T) {
	d := sha256.Sum256([]byte(arloSnapshotSeed))
	rng := newPCG64(new(big.Int).SetBytes(d[:]))
	for i, want := range []float64{0.5851141420799112, 0.47776765226551066} {
		if got := rng.float64(); got != want {
			t.Errorf("random() #%d = %v, want %v", i+1, got, want)
		}
	}
}

// TestArloPPEB reproduces Arlo's test_draw_macro_sample: batches
// ("Jx 1", "pct i") of 50 ballots, pct 0..9 with 40/10 votes and pct
// 11..19 (there is no pct 10) with 20/30, in a 600/400 contest (margin
// 200), so error bounds (40-10+50)/200 = 0.4 and (20-30+50)/200 = 0.2.
func TestArloPPEB(t *testing.T) {
	var ids []string
	var weights []float64
	var pcts []int
	for i := range 20 {
		if i == 10 {
			continue
		}
		pcts = append(pcts, i)
		ids = append(ids, fmt.Sprintf("(%s, %s)", PyRepr("Jx 1"), PyRepr(fmt.Sprintf("pct %d", i))))
		if i < 10 {
			weights = append(weights, (40.0-10+50)/200)
		} else {
			weights = append(weights, (20.0-30+50)/200)
		}
	}
	ds, err := ArloPPEB(arloSnapshotSeed, ids, weights, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		ticket   string
		pct, gen int
	}{
		{"0.642074320588256264", 8, 1}, {"0.634903028357318938", 6, 1}, {"0.697435332323894639", 8, 2},
		{"0.096486566275573723", 0, 1}, {"0.835553892011720777", 9, 1}, {"0.9722586520568512638", 14, 1},
		{"0.030338217960461852", 18, 1}, {"0.546393063883135848", 17, 1}, {"0.878526714305113154", 8, 3},
		{"0.847430249189970028", 2, 1},
	}
	if len(ds) != len(want) {
		t.Fatalf("%d draws, want %d", len(ds), len(want))
	}
	for i, d := range ds {
		if d.Ticket != want[i].ticket || pcts[d.Batch] != want[i].pct || d.TimesSampled != want[i].gen {
			t.Errorf("draw %d = %s pct %d x%d, want %s pct %d x%d", i+1, d.Ticket, pcts[d.Batch], d.TimesSampled, want[i].ticket, want[i].pct, want[i].gen)
		}
	}
	// A second round continues the same draws.
	rest, err := ArloPPEB(arloSnapshotSeed, ids, weights, 4, 6)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range rest {
		if d != ds[4+i] {
			t.Errorf("round 2 draw %d = %+v, want %+v", i+1, d, ds[4+i])
		}
	}
	if _, err := ArloPPEB(arloSnapshotSeed, ids, weights, 10, 9); err == nil {
		t.Error("a sample as large as the batch list should ask for a full count")
	}
}

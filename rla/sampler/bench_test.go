package sampler

import (
	"fmt"
	"testing"
)

// statewide3M is a 3,000,000-ballot statewide manifest: 60 jurisdictions
// of 200 batches of 250 ballots, half of them with a tabulator.
func statewide3M() []Batch {
	var bs []Batch
	for j := range 60 {
		for b := range 200 {
			tab := ""
			if b%2 == 0 {
				tab = fmt.Sprintf("TABULATOR%d", b%7+1)
			}
			bs = append(bs, Batch{Jurisdiction: fmt.Sprintf("County %d", j+1), Tabulator: tab, Name: fmt.Sprintf("Batch %d", b+1), Ballots: 250})
		}
	}
	return bs
}

// BenchmarkArloSample3M draws 1,000 ballots with replacement from a
// 3,000,000-ballot manifest, the performance target of the issue.
func BenchmarkArloSample3M(b *testing.B) {
	bs := statewide3M()
	for b.Loop() {
		ds, err := ArloSample("12345678901234567890", bs, Options{WithReplacement: true, Take: 1000})
		if err != nil || len(ds) != 1000 {
			b.Fatal(len(ds), err)
		}
	}
}

// BenchmarkArloSample3MOneWorker is the same draw on one goroutine.
func BenchmarkArloSample3MOneWorker(b *testing.B) {
	bs := statewide3M()
	for b.Loop() {
		ds, err := ArloSample("12345678901234567890", bs, Options{WithReplacement: true, Take: 1000, Workers: 1})
		if err != nil || len(ds) != 1000 {
			b.Fatal(len(ds), err)
		}
	}
}

// BenchmarkCorla draws 1,000 ballots from 3,000,000 with Colorado's sampler.
func BenchmarkCorla(b *testing.B) {
	c := Corla{Seed: "12345678901234567890", Ballots: 3_000_000}
	for b.Loop() {
		ds, err := c.Draws(0, 1000)
		if err != nil || len(ds) != 1000 {
			b.Fatal(len(ds), err)
		}
	}
}

// BenchmarkCorlaWithoutReplacement is BenchmarkCorla without replacement.
func BenchmarkCorlaWithoutReplacement(b *testing.B) {
	c := Corla{Seed: "12345678901234567890", Ballots: 3_000_000, WithoutReplacement: true}
	for b.Loop() {
		ds, err := c.Draws(0, 1000)
		if err != nil || len(ds) != 1000 {
			b.Fatal(len(ds), err)
		}
	}
}

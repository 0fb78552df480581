package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/canvass/canvass/store"
)

// Bench runs the store benchmarks against stores from open: Apply of a
// one-record batch (the office applies one per logged write, durably),
// Get, and List of 5,000 records under one parent.
func Bench(b *testing.B, open func(b *testing.B) store.Store) {
	ctx := context.Background()
	b.Run("Apply1", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		data := []byte(`{"name":"Precinct 12 ballots","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size":1048576}`)
		b.ResetTimer()
		for i := range uint64(b.N) {
			r := store.Record{Kind: "file", Parent: "e1", ID: fmt.Sprintf("f%08d", i), Data: data}
			if err := s.Apply(ctx, i, []store.Record{r}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "applies/s")
	})
	b.Run("Get", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		fill(b, s, 5000)
		b.ResetTimer()
		for i := range b.N {
			if _, err := s.Get(ctx, "ballot", fmt.Sprintf("b%06d", i%5000)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("List5000", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		fill(b, s, 5000)
		b.ResetTimer()
		for range b.N {
			rs, err := s.List(ctx, "ballot", "batch-1")
			if err != nil {
				b.Fatal(err)
			}
			if len(rs) != 5000 {
				b.Fatalf("List returned %d records, want 5000", len(rs))
			}
		}
	})
}

// fill applies n ballot records under one parent, in one entry, plus as
// many under another parent that List must skip.
func fill(b *testing.B, s store.Store, n int) {
	var recs []store.Record
	for i := range n {
		data := fmt.Appendf(nil, `{"imprinted":"1-1-%d","contests":{"mayor":["Alice"],"measure-a":["yes"]}}`, i)
		recs = append(recs,
			store.Record{Kind: "ballot", Parent: "batch-1", ID: fmt.Sprintf("b%06d", i), Data: data},
			store.Record{Kind: "ballot", Parent: "batch-2", ID: fmt.Sprintf("c%06d", i), Data: data})
	}
	if err := s.Apply(context.Background(), 0, recs); err != nil {
		b.Fatal(err)
	}
}

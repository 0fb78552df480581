package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/canvass/canvass/store"
)

// RacingApply checks that Apply is race-free across handles: a and b are
// two handles on the same, empty database (two processes, in production,
// should a second office be started by mistake). Both apply entries as
// fast as they can; each index must be applied exactly once, and its
// records must be those of the handle that won it.
//
// store.Store lets callers serialize Apply themselves, so this is for
// backends that can be shared (both of ours), not part of Run.
func RacingApply(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	const entries = 40
	stores := []store.Store{a, b}
	wins := make([][]uint64, len(stores))
	lost := make([]int, len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			// Read the count, then apply that index: the two handles
			// often read the same count and race for one index.
			for {
				idx, err := s.Applied(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if idx >= entries {
					return
				}
				mark := fmt.Appendf(nil, `{"by":%d}`, i)
				err = s.Apply(ctx, idx, []store.Record{
					{Kind: "entry", ID: "last", Data: mark},
					{Kind: "entry", ID: fmt.Sprint(idx), Data: mark},
				})
				switch {
				case err == nil:
					wins[i] = append(wins[i], idx)
				case errors.Is(err, store.ErrOutOfOrder):
					lost[i]++
				default:
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	n, err := a.Applied(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(wins[0]) + len(wins[1]); got != entries || n != entries {
		t.Fatalf("%d and %d wins, Applied %d; want %d applies in total", len(wins[0]), len(wins[1]), n, entries)
	}
	for i, w := range wins {
		for _, idx := range w {
			r, err := b.Get(ctx, "entry", fmt.Sprint(idx))
			if want := fmt.Sprintf(`{"by":%d}`, i); err != nil || string(r.Data) != want {
				t.Fatalf("entry %d, won by handle %d, holds %s, %v; want %s", idx, i, r.Data, err, want)
			}
		}
	}
	t.Logf("handle wins: %d and %d; ErrOutOfOrder: %d and %d", len(wins[0]), len(wins[1]), lost[0], lost[1])
}

package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/canvass/canvass/office"
)

// TestConcurrentWritesGroupCommit sends concurrent writes, which the
// office commits in groups: a uniqueness check (one file name, different
// contents) must let exactly one through, every acknowledged write must be
// applied, and the database must equal the one rebuilt from the log.
func TestConcurrentWritesGroupCommit(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnvOn(t, open)
			ada := e.enroll("ada", e.created.Enrollment["ada"])
			bob := e.enroll("bob", e.created.Enrollment["bob"])
			e.login(ada)
			e.login(bob)
			olga := e.newUser(ada, bob, "olga", []string{"official"}, "state/hennepin")
			var el office.Election
			e.must(olga.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "E", "date": "2026-11-03"}, &el)

			const n = 16
			var wg sync.WaitGroup
			codes := make([]int, n)
			ids := make([]string, n)
			for i := range n {
				wg.Add(2)
				go func() {
					defer wg.Done()
					codes[i] = e.upload(olga.client, el.ID, map[string][]byte{"cvr.csv": fmt.Appendf(nil, "content %d\n", i)}, nil, nil)
				}()
				go func() {
					defer wg.Done()
					var x office.Election
					if c := e.do(olga.client, "POST", "/api/v1/elections", map[string]string{"name": "E", "date": "2026-11-03"}, &x); c != 201 {
						t.Errorf("creating an election: %d", c)
					}
					ids[i] = x.ID
				}()
			}
			wg.Wait()
			ok := 0
			for i, c := range codes {
				switch c {
				case 200:
					ok++
				case 409:
				default:
					t.Errorf("upload %d: status %d, want 200 or 409", i, c)
				}
			}
			if ok != 1 {
				t.Errorf("%d concurrent uploads of cvr.csv with different contents succeeded, want exactly 1", ok)
			}
			// Acknowledged means applied: every election is readable at once.
			for _, id := range ids {
				if id == "" {
					continue
				}
				if c, _, _ := e.get(olga.client, "/api/v1/elections/"+id); c != 200 {
					t.Errorf("GET election %s after its creation was acknowledged: %d", id, c)
				}
			}

			before := dump(t, e.st)
			applied, err := e.st.Applied(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if size := e.o.LogSize(); applied != size {
				t.Errorf("applied %d entries, the log holds %d", applied, size)
			}
			e.srv.Close()
			if err := e.o.Close(); err != nil {
				t.Fatal(err)
			}
			st2 := open(t)
			defer st2.Close()
			if err := office.Rebuild(ctx, e.dir, st2); err != nil {
				t.Fatal(err)
			}
			if after := dump(t, st2); string(after) != string(before) {
				t.Fatalf("rebuilt dump differs:\n%s\n----\n%s", before, after)
			}
		})
	}
}

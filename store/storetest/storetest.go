// Package storetest is the conformance suite every store.Store runs, in
// the manner of testing/fstest.TestFS: one function that checks each method
// and each invariant store.Store documents, so that the backends behave
// alike and Dump agrees byte for byte.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canvass/canvass/store"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call; Run closes it (open may also register cleanup with t). The
// subtests run in parallel, so open must be safe to call concurrently.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Empty", testEmpty},
		{"ApplyOrder", testApplyOrder},
		{"ApplyAtomic", testApplyAtomic},
		{"ApplyBatch", testApplyBatch},
		{"ApplyBatchAtomic", testApplyBatchAtomic},
		{"Validation", testValidation},
		{"UpsertDelete", testUpsertDelete},
		{"SameRecordTwiceInBatch", testSameRecordTwice},
		{"ListOrder", testListOrder},
		{"ListKindOrder", testListKindOrder},
		{"Dump", testDump},
		{"DataBytes", testDataBytes},
		{"LargeRecord", testLargeRecord},
		{"Secrets", testSecrets},
		{"Sessions", testSessions},
		{"DeleteSessions", testDeleteSessions},
		{"ConcurrentReaders", testConcurrentReaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, s)
		})
	}
	t.Run("DumpAgrees", func(t *testing.T) {
		t.Parallel()
		testDumpAgrees(t, open)
	})
}

// rec builds a record; data "" means nil Data (a delete).
func rec(kind, parent, id, data string) store.Record {
	r := store.Record{Kind: kind, Parent: parent, ID: id}
	if data != "" {
		r.Data = []byte(data)
	}
	return r
}

func apply(t *testing.T, s store.Store, recs ...store.Record) {
	t.Helper()
	ctx := context.Background()
	n, err := s.Applied(ctx)
	if err != nil {
		t.Fatalf("Applied: %v", err)
	}
	if err := s.Apply(ctx, n, recs); err != nil {
		t.Fatalf("Apply(%d): %v", n, err)
	}
	if m, err := s.Applied(ctx); err != nil || m != n+1 {
		t.Fatalf("Applied after Apply(%d) = %d, %v; want %d", n, m, err, n+1)
	}
}

func dump(t *testing.T, s store.Store) string {
	t.Helper()
	var b bytes.Buffer
	if err := s.Dump(context.Background(), &b); err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return b.String()
}

func get(t *testing.T, s store.Store, kind, id string) store.Record {
	t.Helper()
	r, err := s.Get(context.Background(), kind, id)
	if err != nil {
		t.Fatalf("Get(%q, %q): %v", kind, id, err)
	}
	return r
}

func wantNotFound(t *testing.T, s store.Store, kind, id string) {
	t.Helper()
	r, err := s.Get(context.Background(), kind, id)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(%q, %q) = %+v, %v; want ErrNotFound", kind, id, r, err)
	}
}

func sameRecord(a, b store.Record) bool {
	return a.Kind == b.Kind && a.ID == b.ID && a.Parent == b.Parent && bytes.Equal(a.Data, b.Data)
}

func checkRecords(t *testing.T, what string, got, want []store.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d:\ngot  %s\nwant %s", what, len(got), len(want), ids(got), ids(want))
	}
	for i := range got {
		if !sameRecord(got[i], want[i]) {
			t.Fatalf("%s: record %d is %s/%q/%q %q, want %s/%q/%q %q\ngot  %s\nwant %s", what, i,
				got[i].Kind, got[i].Parent, got[i].ID, got[i].Data, want[i].Kind, want[i].Parent, want[i].ID, want[i].Data,
				ids(got), ids(want))
		}
	}
}

func ids(rs []store.Record) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%q/%q", r.Parent, r.ID))
	}
	return "[" + strings.Join(s, " ") + "]"
}

func testEmpty(t *testing.T, s store.Store) {
	ctx := context.Background()
	if n, err := s.Applied(ctx); err != nil || n != 0 {
		t.Fatalf("Applied of a new store = %d, %v; want 0", n, err)
	}
	wantNotFound(t, s, "user", "alice")
	if rs, err := s.List(ctx, "user", ""); err != nil || len(rs) != 0 {
		t.Fatalf("List of a new store = %v, %v", rs, err)
	}
	if rs, err := s.ListKind(ctx, "user"); err != nil || len(rs) != 0 {
		t.Fatalf("ListKind of a new store = %v, %v", rs, err)
	}
	if got := dump(t, s); got != "{\"applied\":0}\n" {
		t.Fatalf("Dump of a new store = %q", got)
	}
	if _, err := s.Secret(ctx, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Secret of a new store: %v, want ErrNotFound", err)
	}
	if _, err := s.Session(ctx, [32]byte{1}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Session of a new store: %v, want ErrNotFound", err)
	}
	if us, err := s.ListSecrets(ctx); err != nil || len(us) != 0 {
		t.Fatalf("ListSecrets of a new store = %v, %v", us, err)
	}
}

func testApplyOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := rec("user", "", "alice", `{"n":1}`)
	for _, idx := range []uint64{1, 5, 1 << 63} {
		if err := s.Apply(ctx, idx, []store.Record{a}); !errors.Is(err, store.ErrOutOfOrder) {
			t.Fatalf("Apply(%d) on an empty store: %v, want ErrOutOfOrder", idx, err)
		}
	}
	if n, _ := s.Applied(ctx); n != 0 {
		t.Fatalf("Applied = %d after out-of-order applies, want 0", n)
	}
	wantNotFound(t, s, "user", "alice")
	if err := s.Apply(ctx, 0, []store.Record{a}); err != nil {
		t.Fatal(err)
	}
	// An entry that changes nothing still counts.
	if err := s.Apply(ctx, 1, nil); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	b := rec("user", "", "bob", `{"n":2}`)
	for _, idx := range []uint64{0, 1, 3} {
		if err := s.Apply(ctx, idx, []store.Record{b, rec("user", "", "alice", "")}); !errors.Is(err, store.ErrOutOfOrder) {
			t.Fatalf("Apply(%d) with 2 applied: %v, want ErrOutOfOrder", idx, err)
		}
	}
	if after := dump(t, s); after != before {
		t.Fatalf("out-of-order Apply changed the store:\nbefore %s\nafter  %s", before, after)
	}
	if err := s.Apply(ctx, 2, []store.Record{b}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Applied(ctx); n != 3 {
		t.Fatalf("Applied = %d, want 3", n)
	}
}

func testApplyAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	apply(t, s, rec("user", "", "alice", `{"v":1}`), rec("user", "", "bob", `{"v":1}`))
	before := dump(t, s)
	bad := [][]store.Record{
		{rec("user", "", "alice", `{"v":2}`), rec("Bad-Kind", "", "x", `{}`)},
		{rec("user", "", "alice", ""), rec("user", "", "carol", `{"v":2}`), rec("user", "", "dave", `{not json`)},
		{rec("user", "", "carol", `{"v":2}`), rec("user", "", "", `{}`)},
		{rec("user", "", "bob", ""), rec("user", "", strings.Repeat("x", 257), `{}`)},
	}
	for i, batch := range bad {
		err := s.Apply(ctx, 1, batch)
		if err == nil {
			t.Fatalf("batch %d with an invalid record was applied", i)
		}
		if errors.Is(err, store.ErrOutOfOrder) {
			t.Fatalf("batch %d: %v; want a validation error", i, err)
		}
		if after := dump(t, s); after != before {
			t.Fatalf("rejected batch %d changed the store:\nbefore %s\nafter  %s", i, before, after)
		}
	}
	// The store still accepts the next entry at the same index.
	apply(t, s, rec("user", "", "carol", `{"v":3}`))
}

func testApplyBatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	apply(t, s, rec("user", "", "alice", `{"v":1}`))
	before := dump(t, s)
	b := [][]store.Record{{rec("user", "", "bob", `{"v":1}`)}}
	for _, idx := range []uint64{0, 2, 1 << 63} {
		if err := s.ApplyBatch(ctx, idx, b); !errors.Is(err, store.ErrOutOfOrder) {
			t.Fatalf("ApplyBatch(%d) with 1 applied: %v, want ErrOutOfOrder", idx, err)
		}
	}
	if err := s.ApplyBatch(ctx, 1, nil); err != nil {
		t.Fatalf("empty ApplyBatch: %v", err)
	}
	if after := dump(t, s); after != before {
		t.Fatalf("out-of-order or empty ApplyBatch changed the store:\nbefore %s\nafter  %s", before, after)
	}
	// Entries apply in order: later entries override earlier ones, an
	// entry with no records still counts, a delete then an upsert of the
	// same record leaves the upsert.
	batch := [][]store.Record{
		{rec("user", "", "alice", `{"v":2}`), rec("user", "", "bob", `{"v":1}`)},
		nil,
		{rec("user", "", "alice", "")},
		{rec("user", "", "bob", `{"v":2}`), rec("file", "e1", "f", `{}`)},
		{rec("user", "", "alice", `{"v":3}`)},
	}
	if err := s.ApplyBatch(ctx, 1, batch); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Applied(ctx); n != 6 {
		t.Fatalf("Applied = %d after a batch of 5 at 1, want 6", n)
	}
	for id, want := range map[string]string{"alice": `{"v":3}`, "bob": `{"v":2}`} {
		if got := get(t, s, "user", id); string(got.Data) != want {
			t.Errorf("user %s = %s, want %s", id, got.Data, want)
		}
	}
	get(t, s, "file", "f")
}

func testApplyBatchAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	apply(t, s, rec("user", "", "alice", `{"v":1}`))
	before := dump(t, s)
	bad := [][][]store.Record{
		{{rec("user", "", "alice", `{"v":2}`)}, {rec("Bad-Kind", "", "x", `{}`)}},
		{{rec("user", "", "carol", `{"v":2}`)}, nil, {rec("user", "", "dave", `{not json`)}},
		{{rec("user", "", "alice", "")}, {rec("user", "", strings.Repeat("x", 257), `{}`)}},
	}
	for i, batch := range bad {
		err := s.ApplyBatch(ctx, 1, batch)
		if err == nil {
			t.Fatalf("batch %d with an invalid record was applied", i)
		}
		if errors.Is(err, store.ErrOutOfOrder) {
			t.Fatalf("batch %d: %v; want a validation error", i, err)
		}
		if after := dump(t, s); after != before {
			t.Fatalf("rejected batch %d changed the store:\nbefore %s\nafter  %s", i, before, after)
		}
	}
	if err := s.ApplyBatch(ctx, 1, [][]store.Record{{rec("user", "", "carol", `{"v":3}`)}, nil}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Applied(ctx); n != 3 {
		t.Fatalf("Applied = %d, want 3", n)
	}
}

func testValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	valid := []store.Record{
		rec("a", "", "x", `1`),
		rec(strings.Repeat("k", 64), "", "x", `"s"`),
		rec("kind-0-9", "", strings.Repeat("é", 128), `null`),
		rec("user", strings.Repeat("p", 256), "x", `[]`),
		rec("user", "", "spaces and\ttabs", ` {"a" : [1, 2]} `),
		rec("user", "", "x", `{"s":"line\nbreak escaped"}`),
	}
	for _, r := range valid {
		n, _ := s.Applied(ctx)
		if err := s.Apply(ctx, n, []store.Record{r}); err != nil {
			t.Errorf("Apply(%s/%q/%.20q) = %v, want success", r.Kind, r.Parent, r.ID, err)
		}
	}
	invalid := []store.Record{
		rec("", "", "x", `{}`),
		rec("User", "", "x", `{}`),
		rec("us er", "", "x", `{}`),
		rec("user_x", "", "x", `{}`),
		rec(strings.Repeat("k", 65), "", "x", `{}`),
		rec("user", "", "", `{}`),
		rec("user", "", strings.Repeat("i", 257), `{}`),
		rec("user", strings.Repeat("p", 257), "x", `{}`),
		rec("user", "", "bad\xffutf8", `{}`),
		rec("user", "bad\xffutf8", "x", `{}`),
		rec("user", "", "nul\x00", `{}`),
		rec("user", "", "x", `{`),
		rec("user", "", "x", `{"a":1}{"b":2}`),
		rec("user", "", "x", "{\n}"),
		rec("user", "", "x", "{}\r"),
		{Kind: "user", ID: "x", Data: []byte{}},
	}
	n, _ := s.Applied(ctx)
	before := dump(t, s)
	for _, r := range invalid {
		if err := s.Apply(ctx, n, []store.Record{r}); err == nil {
			t.Errorf("Apply(%.20q/%.20q/%.20q, %.20q) succeeded; want an error", r.Kind, r.Parent, r.ID, r.Data)
			n++
		}
	}
	if after := dump(t, s); after != before {
		t.Fatalf("invalid records changed the store")
	}
	// Reads of a malformed kind are a caller bug, reported as such.
	if _, err := s.Get(ctx, "Bad Kind", "x"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get with a malformed kind: %v; want a validation error", err)
	}
	// Keys that cannot be stored are simply not found, in every backend
	// (PostgreSQL would otherwise reject NUL and invalid UTF-8).
	for _, key := range []string{"nul\x00", "bad\xff", strings.Repeat("k", 300)} {
		if _, err := s.Get(ctx, "user", key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(user, %.20q) = %v; want ErrNotFound", key, err)
		}
		if rs, err := s.List(ctx, "user", key); err != nil || len(rs) != 0 {
			t.Errorf("List(user, %.20q) = %d records, %v; want none", key, len(rs), err)
		}
		if _, err := s.Secret(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Secret(%.20q) = %v; want ErrNotFound", key, err)
		}
		if err := s.DeleteSessions(ctx, key, time.Time{}, time.Time{}); err != nil {
			t.Errorf("DeleteSessions(%.20q) = %v", key, err)
		}
	}
}

func testUpsertDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	apply(t, s, rec("election", "", "e1", `{"name":"one"}`), rec("file", "e1", "f1", `{"size":1}`))
	if r := get(t, s, "election", "e1"); string(r.Data) != `{"name":"one"}` || r.Parent != "" || r.Kind != "election" || r.ID != "e1" {
		t.Fatalf("Get = %+v", r)
	}
	// Upsert replaces data and parent.
	apply(t, s, rec("file", "e2", "f1", `{"size":2}`))
	if r := get(t, s, "file", "f1"); string(r.Data) != `{"size":2}` || r.Parent != "e2" {
		t.Fatalf("after upsert Get = %+v %s", r, r.Data)
	}
	if rs, _ := s.List(ctx, "file", "e1"); len(rs) != 0 {
		t.Fatalf("List under the old parent = %v", ids(rs))
	}
	if rs, _ := s.List(ctx, "file", "e2"); len(rs) != 1 {
		t.Fatalf("List under the new parent = %v", ids(rs))
	}
	// The same id in another kind is another record.
	apply(t, s, rec("user", "", "e1", `{"u":1}`))
	if r := get(t, s, "election", "e1"); string(r.Data) != `{"name":"one"}` {
		t.Fatalf("a record of another kind overwrote election e1: %s", r.Data)
	}
	// nil Data deletes; deleting a missing record is not an error.
	apply(t, s, rec("election", "", "e1", ""), rec("election", "", "missing", ""))
	wantNotFound(t, s, "election", "e1")
	wantNotFound(t, s, "election", "missing")
	get(t, s, "user", "e1")
	// Get is exact: no prefix or case folding.
	wantNotFound(t, s, "user", "E1")
	wantNotFound(t, s, "user", "e")
	wantNotFound(t, s, "user", "e1 ")
}

func testSameRecordTwice(t *testing.T, s store.Store) {
	// Records in a batch apply in order: the last write of a key wins.
	apply(t, s, rec("user", "", "a", `1`), rec("user", "", "a", `2`), rec("user", "", "b", `1`), rec("user", "", "b", ""))
	if r := get(t, s, "user", "a"); string(r.Data) != `2` {
		t.Fatalf("user a = %s, want the batch's last write 2", r.Data)
	}
	wantNotFound(t, s, "user", "b")
	apply(t, s, rec("user", "", "a", ""), rec("user", "", "a", `3`))
	if r := get(t, s, "user", "a"); string(r.Data) != `3` {
		t.Fatalf("user a = %s, want 3 (delete then insert)", r.Data)
	}
}

// awkwardIDs sort differently in byte order than under most collations:
// case, accents, other scripts, punctuation, digits, a prefix of another.
var awkwardIDs = []string{
	"b", "B", "a", "A", "ab", "a b", "a-b", "a_b", "aB", "Ab", "é", "e", "f", "z", "Z",
	"10", "9", "09", "ñ", "日本", "中文", "😀", "ÿ", "\u00a0", "~", " ", "a\u0301",
	"ﬁ", "İ", "ß", "ss", "Å", "Ω", "ω",
}

func sortedBytes(ss []string) []string {
	out := slices.Clone(ss)
	slices.SortFunc(out, func(a, b string) int { return bytes.Compare([]byte(a), []byte(b)) })
	return out
}

func testListOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	var batch []store.Record
	for i, id := range awkwardIDs {
		// IDs are unique within a kind, so the other parents' records
		// carry a prefix; all of them must stay out of List(file, e1).
		batch = append(batch, rec("file", "e1", id, fmt.Sprintf(`{"i":%d}`, i)))
		batch = append(batch, rec("file", "", "root/"+id, fmt.Sprintf(`{"j":%d}`, i)))
		batch = append(batch, rec("file", "E1", "E1/"+id, `{}`))
		batch = append(batch, rec("user", "e1", id, `{}`)) // another kind, same parent
	}
	apply(t, s, batch...)
	for _, parent := range []string{"e1", ""} {
		var want []string
		for _, id := range awkwardIDs {
			if parent == "" {
				id = "root/" + id
			}
			want = append(want, id)
		}
		want = sortedBytes(want)
		rs, err := s.List(ctx, "file", parent)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rs {
			if r.Kind != "file" || r.Parent != parent {
				t.Fatalf("List(file, %q) returned %s/%q/%q", parent, r.Kind, r.Parent, r.ID)
			}
			got = append(got, r.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("List(file, %q) order:\ngot  %q\nwant %q (byte order)", parent, got, want)
		}
		if parent == "e1" {
			for _, r := range rs {
				i := slices.Index(awkwardIDs, r.ID)
				if i < 0 || string(r.Data) != fmt.Sprintf(`{"i":%d}`, i) {
					t.Fatalf("List(file, e1) %q has data %s", r.ID, r.Data)
				}
			}
		}
	}
	if rs, _ := s.List(ctx, "file", "e"); len(rs) != 0 {
		t.Fatalf("List with a prefix of a parent returned %d records", len(rs))
	}
	if rs, _ := s.List(ctx, "nothing", "e1"); len(rs) != 0 {
		t.Fatalf("List of an unused kind returned %d records", len(rs))
	}
}

func testListKindOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	parents := []string{"", "e2", "e10", "E1", "é", "e1"}
	var batch, want []store.Record
	for _, p := range parents {
		// The parent is a suffix of the id, so that ordering by ID alone
		// would give another order than by (Parent, ID).
		for _, id := range []string{"z", "A", "a", "ä"} {
			r := rec("round", p, id+"@"+p, fmt.Sprintf(`{"p":%q}`, p))
			batch = append(batch, r)
			want = append(want, r)
		}
	}
	batch = append(batch, rec("roun", "", "x", `{}`), rec("rounds", "", "x", `{}`))
	apply(t, s, batch...)
	slices.SortFunc(want, func(a, b store.Record) int {
		if c := strings.Compare(a.Parent, b.Parent); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	got, err := s.ListKind(ctx, "round")
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, "ListKind(round)", got, want)
}

func testDump(t *testing.T, s store.Store) {
	apply(t, s,
		rec("user", "", "bob", `{"name":"Bob <b&b>"}`),
		rec("user", "", "Alice", `{"name":"Alice"}`),
		rec("file", "e1", "f\"2\\", `{"n":2}`),
		rec("file", "e1", "f1", `[1, 2]`),
		rec("election", "", "e1", `{"z":1,"a":"é\u00e9"}`),
		rec("file", "", "é<>&", `"x"`),
	)
	apply(t, s, rec("user", "", "carol", `{}`), rec("user", "", "carol", ""))
	apply(t, s)
	want := `{"kind":"election","parent":"","id":"e1","data":{"z":1,"a":"é\u00e9"}}
{"kind":"file","parent":"","id":"é<>&","data":"x"}
{"kind":"file","parent":"e1","id":"f\"2\\","data":{"n":2}}
{"kind":"file","parent":"e1","id":"f1","data":[1, 2]}
{"kind":"user","parent":"","id":"Alice","data":{"name":"Alice"}}
{"kind":"user","parent":"","id":"bob","data":{"name":"Bob <b&b>"}}
{"applied":3}
`
	// Secrets and sessions are not part of the projection.
	ctx := context.Background()
	if err := s.PutSecret(ctx, "bob", []byte("hash")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(ctx, store.Session{TokenHash: [32]byte{9}, User: "bob", Created: time.Now(), LastSeen: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, s); got != want {
		t.Fatalf("Dump:\n%s\nwant:\n%s", got, want)
	}
	if got := dump(t, s); got != want {
		t.Fatalf("second Dump differs:\n%s", got)
	}
}

// testDumpAgrees applies the same entries to two stores, once in one
// batch per entry, and the second time with the same final content
// reached along another path, and checks the dumps are the same bytes.
func testDumpAgrees(t *testing.T, open func(t *testing.T) store.Store) {
	a, b := open(t), open(t)
	defer a.Close()
	defer b.Close()
	for i, id := range awkwardIDs {
		apply(t, a, rec("file", awkwardIDs[(i+3)%len(awkwardIDs)], id, fmt.Sprintf(`{"i":%d}`, i)))
	}
	// b: the same records in reverse order, with overwrites and deletes
	// on the way, in as many entries.
	for i := len(awkwardIDs) - 1; i >= 0; i-- {
		id := awkwardIDs[i]
		apply(t, b, rec("file", "tmp", id, `{"old":true}`), rec("file", "gone", "x"+id, `{}`),
			rec("file", "gone", "x"+id, ""), rec("file", awkwardIDs[(i+3)%len(awkwardIDs)], id, fmt.Sprintf(`{"i":%d}`, i)))
	}
	da, db := dump(t, a), dump(t, b)
	if da != db {
		t.Fatalf("stores with the same content dump differently:\n%s\n---\n%s", da, db)
	}
	if strings.Count(da, "\n") != len(awkwardIDs)+1 {
		t.Fatalf("dump has %d lines, want %d", strings.Count(da, "\n"), len(awkwardIDs)+1)
	}
}

func testDataBytes(t *testing.T, s store.Store) {
	// Data comes back byte for byte: whitespace, key order, escapes,
	// duplicate keys and non-ASCII are the office's business.
	datas := []string{
		`{"b":1,"a":2}`,
		`{ "a" :1 }`,
		`{"a":1,"a":2}`,
		`"\u00e9\ud83d\ude00é"`,
		`1e10`,
		`1.000`,
		`-0`,
		`{"a":"\u0000"}`,
		"\"\xff\xfe\"",
		`"` + strings.Repeat(`\\`, 100) + `"`,
	}
	var batch []store.Record
	for i, d := range datas {
		batch = append(batch, rec("blob", "", fmt.Sprint(i), d))
	}
	apply(t, s, batch...)
	for i, d := range datas {
		if r := get(t, s, "blob", fmt.Sprint(i)); string(r.Data) != d {
			t.Errorf("data %d = %q, want %q", i, r.Data, d)
		}
	}
}

func testLargeRecord(t *testing.T, s store.Store) {
	big := make([]byte, 0, 1<<20+16)
	big = append(big, `{"x":"`...)
	for len(big) < 1<<20 {
		big = append(big, "abcdefghijklmnopqrstuvwxyz0123456789"[len(big)%36])
	}
	big = append(big, `"}`...)
	apply(t, s, store.Record{Kind: "file", ID: "big", Data: big}, rec("file", "", "small", `{}`))
	if r := get(t, s, "file", "big"); !bytes.Equal(r.Data, big) {
		t.Fatalf("1 MiB record came back with %d bytes, sha256 %x; want %d, %x", len(r.Data), sha256.Sum256(r.Data), len(big), sha256.Sum256(big))
	}
	rs, err := s.List(context.Background(), "file", "")
	if err != nil || len(rs) != 2 || !bytes.Equal(rs[0].Data, big) {
		t.Fatalf("List with a 1 MiB record: %d records, %v", len(rs), err)
	}
	if d := dump(t, s); !strings.Contains(d, string(big)) {
		t.Fatal("Dump does not contain the 1 MiB record verbatim")
	}
}

func testSecrets(t *testing.T, s store.Store) {
	ctx := context.Background()
	bin := []byte{0, 1, 2, 0xff, '\n', 0}
	if err := s.PutSecret(ctx, "bob", bin); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSecret(ctx, "Alice", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSecret(ctx, "Alice", []byte("v2")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSecret(ctx, "émile", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Secret(ctx, "bob"); err != nil || !bytes.Equal(got, bin) {
		t.Fatalf("Secret(bob) = %q, %v; want %q", got, err, bin)
	}
	if got, err := s.Secret(ctx, "Alice"); err != nil || string(got) != "v2" {
		t.Fatalf("Secret(Alice) = %q, %v; want the replacement v2", got, err)
	}
	if got, err := s.Secret(ctx, "émile"); err != nil || len(got) != 0 {
		t.Fatalf("Secret(émile) = %q, %v; want empty", got, err)
	}
	if _, err := s.Secret(ctx, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Secret(alice) = %v; want ErrNotFound (user names are case-sensitive)", err)
	}
	users, err := s.ListSecrets(ctx)
	if err != nil || !slices.Equal(users, []string{"Alice", "bob", "émile"}) {
		t.Fatalf("ListSecrets = %q, %v; want [Alice bob émile]", users, err)
	}
	if err := s.PutSecret(ctx, "", []byte("x")); err == nil {
		t.Fatal("PutSecret with an empty user succeeded")
	}
	if n, _ := s.Applied(ctx); n != 0 {
		t.Fatalf("secrets changed Applied to %d", n)
	}
	if d := dump(t, s); d != "{\"applied\":0}\n" {
		t.Fatalf("secrets appear in Dump: %q", d)
	}
	// The secret stored survives the caller reusing its buffer.
	bin[0] = 'X'
	if got, _ := s.Secret(ctx, "bob"); got[0] != 0 {
		t.Fatal("Secret aliases the caller's buffer")
	}
}

func session(b byte, user string, created, seen time.Time) store.Session {
	return store.Session{TokenHash: sha256.Sum256([]byte{b}), User: user, Created: created, LastSeen: seen, Data: []byte{b}}
}

func sameSession(a, b store.Session) bool {
	return a.TokenHash == b.TokenHash && a.User == b.User && a.Created.Equal(b.Created) &&
		a.LastSeen.Equal(b.LastSeen) && bytes.Equal(a.Data, b.Data)
}

func testSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	loc := time.FixedZone("X", 5*3600+1800)
	created := time.Date(2026, 11, 3, 7, 0, 0, 123456789, loc)
	ss := session(1, "alice", created, created.Add(time.Minute))
	ss.Data = []byte(`{"webauthn":"challenge"}`)
	if err := s.PutSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, ss.TokenHash)
	if err != nil || !sameSession(got, ss) {
		t.Fatalf("Session = %+v, %v; want %+v", got, err, ss)
	}
	if got.Created.UnixNano() != created.UnixNano() {
		t.Fatalf("Created lost precision: %v, want %v", got.Created, created)
	}
	// Replace by token hash.
	ss.LastSeen = ss.LastSeen.Add(time.Hour)
	ss.Data = nil
	if err := s.PutSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, ss.TokenHash); err != nil || !sameSession(got, ss) {
		t.Fatalf("Session after replace = %+v, %v; want %+v", got, err, ss)
	}
	other := session(2, "alice", created, created)
	if err := s.PutSession(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, ss.TokenHash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, ss.TokenHash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Session after DeleteSession: %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, ss.TokenHash); err != nil {
		t.Fatalf("deleting a missing session: %v", err)
	}
	if _, err := s.Session(ctx, other.TokenHash); err != nil {
		t.Fatalf("DeleteSession removed another session: %v", err)
	}
	if err := s.PutSession(ctx, session(3, "", created, created)); err == nil {
		t.Fatal("PutSession without a user succeeded")
	}
	if d := dump(t, s); d != "{\"applied\":0}\n" {
		t.Fatalf("sessions appear in Dump: %q", d)
	}
}

func testDeleteSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	h := time.Hour
	all := []store.Session{
		session(1, "alice", t0, t0.Add(5*h)),
		session(2, "alice", t0.Add(h), t0.Add(h)),
		session(3, "bob", t0, t0.Add(5*h)),             // old, recently seen
		session(4, "bob", t0.Add(4*h), t0.Add(4*h)),    // new, idle since 4h
		session(5, "carol", t0.Add(3*h), t0.Add(6*h)),  // new, active
		session(6, "Alice", t0.Add(3*h), t0.Add(6*h)),  // another user
		session(7, "dave", t0.Add(2*h), t0.Add(2*h)),   // idle
		session(8, "erin", t0.Add(2*h), t0.Add(3*h-1)), // just idle
		session(9, "frank", t0.Add(2*h), t0.Add(3*h)),  // exactly at the bound: kept
	}
	for _, ss := range all {
		if err := s.PutSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	remaining := func() []string {
		var out []string
		for _, ss := range all {
			if _, err := s.Session(ctx, ss.TokenHash); err == nil {
				out = append(out, fmt.Sprintf("%d", ss.Data[0]))
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
		}
		return out
	}
	steps := []struct {
		user          string
		idle, created time.Time
		want          string
	}{
		{"", time.Time{}, time.Time{}, "1 2 3 4 5 6 7 8 9"}, // matches nothing
		{"nobody", time.Time{}, time.Time{}, "1 2 3 4 5 6 7 8 9"},
		{"alice", time.Time{}, time.Time{}, "3 4 5 6 7 8 9"},
		{"", t0.Add(3 * h), time.Time{}, "3 4 5 6 9"},
		{"", time.Time{}, t0.Add(h), "4 5 6 9"},
		{"carol", time.Time{}, t0.Add(4 * h), "4"},
		{"", t0.Add(100 * 365 * 24 * h), time.Time{}, ""},
	}
	for i, st := range steps {
		if err := s.DeleteSessions(ctx, st.user, st.idle, st.created); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(remaining(), " "); got != st.want {
			t.Fatalf("step %d DeleteSessions(%q, %v, %v): sessions left %q, want %q", i, st.user, st.idle, st.created, got, st.want)
		}
	}
}

// testConcurrentReaders applies batches that keep an invariant (every
// record of the batch carries the batch number; the batch count is the
// applied count) while readers check it: a reader that saw half a batch
// would see two numbers.
func testConcurrentReaders(t *testing.T, s store.Store) {
	ctx := context.Background()
	const batches, width = 60, 8
	var done atomic.Bool
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	check := func(rs []store.Record) error {
		if len(rs) == 0 {
			return nil
		}
		if len(rs) != width {
			return fmt.Errorf("saw %d records, want 0 or %d", len(rs), width)
		}
		for _, r := range rs {
			if !bytes.Equal(r.Data, rs[0].Data) {
				return fmt.Errorf("saw records from two batches: %s and %s", rs[0].Data, r.Data)
			}
		}
		return nil
	}
	for range 4 {
		wg.Go(func() {
			for !done.Load() {
				rs, err := s.List(ctx, "slot", "p")
				if err == nil {
					err = check(rs)
				}
				if err != nil {
					errc <- err
					return
				}
				rs, err = s.ListKind(ctx, "slot")
				if err == nil {
					err = check(rs)
				}
				if err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for !done.Load() {
			var b bytes.Buffer
			if err := s.Dump(ctx, &b); err != nil {
				errc <- err
				return
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			last := lines[len(lines)-1]
			var n int
			if _, err := fmt.Sscanf(last, `{"applied":%d}`, &n); err != nil {
				errc <- fmt.Errorf("dump's last line %q: %v", last, err)
				return
			}
			want := fmt.Sprintf(`"data":{"b":%d}}`, n-1)
			if n > 0 && (len(lines) != width+1 || !strings.HasSuffix(lines[0], want)) {
				errc <- fmt.Errorf("dump of applied %d does not hold exactly batch %d: %q", n, n-1, lines[0])
				return
			}
		}
	})
	for i := range batches {
		var batch []store.Record
		for j := range width {
			batch = append(batch, rec("slot", "p", fmt.Sprint(j), fmt.Sprintf(`{"b":%d}`, i)))
		}
		if err := s.Apply(ctx, uint64(i), batch); err != nil {
			done.Store(true)
			wg.Wait()
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

package ledger

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Benchmarks. The large-log ones use the log in $CANVASS_BENCH_LOG (with
// its verifier key in $CANVASS_BENCH_VKEY) when set, so that a 1,000,000
// entry log built once with `canvass log append` (see docs/ledger.md) can
// be reused; otherwise they build a smaller log in a temporary directory.

func benchEvents(b *testing.B, n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = sampleEvent(b, i, fmt.Sprintf("bench-%d", i))
	}
	return evs
}

// BenchmarkAppend measures durable, batched appends: each batch is
// fsynced (tiles, bundles, directories, tree state) and a signed
// checkpoint is published, as `canvass log append` does.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{256, 1024, 4096} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			dir, skey, _ := testLog(b, "bench.example/log", nil)
			ctx := context.Background()
			l, err := OpenDir(ctx, dir, skey, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			evs := benchEvents(b, batch)
			b.ResetTimer()
			for done := 0; done < b.N; done += batch {
				k := min(batch, b.N-done)
				if _, err := l.Append(ctx, evs[:k]); err != nil {
					b.Fatal(err)
				}
				if _, err := l.Publish(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// benchLog returns a large log: $CANVASS_BENCH_LOG or a fresh one of n
// entries.
func benchLog(b *testing.B, n int) (dir, vkey string, size int64) {
	b.Helper()
	if d := os.Getenv("CANVASS_BENCH_LOG"); d != "" {
		vkey = os.Getenv("CANVASS_BENCH_VKEY")
		raw, err := os.ReadFile(filepath.Join(d, "checkpoint"))
		if err != nil {
			b.Fatal(err)
		}
		cp, err := unverifiedCheckpoint(raw)
		if err != nil {
			b.Fatal(err)
		}
		return d, vkey, int64(cp.Size)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "bench.example/log")
	if err != nil {
		b.Fatal(err)
	}
	dir = filepath.Join(b.TempDir(), "log")
	if _, err := CreateDir(dir, skey, nil); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	l, err := OpenDir(ctx, dir, skey, Options{})
	if err != nil {
		b.Fatal(err)
	}
	evs := benchEvents(b, 8192)
	for done := 0; done < n; done += len(evs) {
		if _, err := l.Append(ctx, evs[:min(len(evs), n-done)]); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := l.Publish(ctx); err != nil {
		b.Fatal(err)
	}
	l.Close()
	return dir, vkey, int64(n)
}

// BenchmarkVerify verifies a whole log from disk: every entry re-hashed
// and parsed as an event, every tile recomputed, signature and root.
func BenchmarkVerify(b *testing.B) {
	dir, vkey, size := benchLog(b, 100000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Verify(context.Background(), DirFetcher(dir), VerifyOptions{VKey: vkey})
		if err != nil {
			b.Fatal(err)
		}
		if int64(res.Checkpoint.Size) != size {
			b.Fatal("size")
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkInclusionProof computes an RFC 6962 inclusion proof from the
// tiles on disk, each tile checked against the checkpoint's root, with no
// cache between operations.
func BenchmarkInclusionProof(b *testing.B) {
	dir, _, size := benchLog(b, 100000)
	raw, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	cp, err := unverifiedCheckpoint(raw)
	if err != nil {
		b.Fatal(err)
	}
	tree := tlog.Tree{N: size, Hash: cp.Hash}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		idx := int64(i*7919) % size
		hr := tlog.TileHashReader(tree, &tileReader{ctx: context.Background(), f: DirFetcher(dir)})
		if _, err := tlog.ProveRecord(size, idx, hr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProve builds a complete tlog-proof as `canvass log prove` does:
// checkpoint, inclusion proof and the entry from its bundle.
func BenchmarkProve(b *testing.B) {
	dir, _, size := benchLog(b, 100000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Prove(context.Background(), DirFetcher(dir), uint64(int64(i*7919)%size)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEntry(b *testing.B) {
	ev := sampleEvent(b, 5, "bench")
	e, _ := ev.AppendEntry(nil, "bench.example/log", 123456, fixedNow())
	b.SetBytes(int64(len(e)))
	for i := 0; i < b.N; i++ {
		if _, err := ParseEntry(e, "bench.example/log", 123456); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseInput(b *testing.B) {
	line := []byte(sampleLine(5, "bench"))
	b.SetBytes(int64(len(line)))
	for i := 0; i < b.N; i++ {
		if _, err := ParseInput(line); err != nil {
			b.Fatal(err)
		}
	}
}

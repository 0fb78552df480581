package witnesstesting

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger/witness"
)

// BenchLogSize is the size of the benchmark log before the first
// checkpoint: a county's election log of about 100,000 events, so that
// consistency proofs have a realistic 17 to 34 hashes.
const BenchLogSize = 100_000

var (
	benchLogOnce sync.Once
	benchLog     *Log
)

// SharedBenchLog builds the 100,000-leaf log once per process.
func SharedBenchLog(b *testing.B, origin string) *Log {
	benchLogOnce.Do(func() {
		benchLog = NewLog(b, origin)
		benchLog.Grow(BenchLogSize + 200_000)
	})
	benchLog.TB = b
	return benchLog
}

// benchRequests returns n requests that advance the log from start, each
// by 1 to 13 leaves, and the final size.
func benchRequests(b *testing.B, l *Log, start int64, n int) ([][]byte, int64) {
	reqs := make([][]byte, n)
	size := start
	for i := range reqs {
		next := size + 1 + int64(i%13)
		reqs[i] = l.Request(size, next)
		size = next
	}
	return reqs, size
}

// BenchAddCheckpoint is one case of BenchmarkAddCheckpoint: b.N requests
// to a witness on store (a MemStore if nil) that already holds a checkpoint
// of the shared benchmark log, sent to Server.AddCheckpoint directly or,
// with overHTTP, through a loopback HTTP/1.1 keep-alive connection.
func BenchAddCheckpoint(b *testing.B, store witness.Store, overHTTP bool, origin string) {
	l := SharedBenchLog(b, origin)
	env := NewEnv(b, store, origin)
	env.Logs[origin] = l
	ctx := context.Background()
	if _, err := env.Server.AddCheckpoint(ctx, l.Request(0, BenchLogSize)); err != nil {
		b.Fatal(err)
	}
	// Stay within the prebuilt leaves: each request adds at most 13.
	if b.N*13 > 200_000 {
		b.Fatalf("b.N = %d exceeds the prebuilt log; use -benchtime with fewer iterations", b.N)
	}
	reqs, _ := benchRequests(b, l, BenchLogSize, b.N)
	var post func(body []byte) error
	if overHTTP {
		hs := httptest.NewServer(env.Server)
		defer hs.Close()
		client := hs.Client()
		post = func(body []byte) error {
			resp, err := client.Post(hs.URL+"/add-checkpoint", "text/plain", bytes.NewReader(body))
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d: %s", resp.StatusCode, buf.String())
			}
			return nil
		}
	} else {
		post = func(body []byte) error {
			_, err := env.Server.AddCheckpoint(ctx, body)
			return err
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := post(reqs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

package witness

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"
)

// benchLogSize is the size of the benchmark log before the first
// checkpoint: a county's election log of about 100,000 events, so that
// consistency proofs have a realistic 17 to 34 hashes.
const benchLogSize = 100_000

var (
	benchLogOnce sync.Once
	benchLog     *testLog
)

// sharedBenchLog builds the 100,000-leaf log once per process.
func sharedBenchLog(b *testing.B) *testLog {
	benchLogOnce.Do(func() {
		benchLog = newTestLog(b, origin)
		benchLog.grow(benchLogSize + 200_000)
	})
	benchLog.tb = b
	return benchLog
}

// benchRequests returns n requests that advance the log from start, each
// by 1 to 13 leaves, and the final size.
func benchRequests(b *testing.B, l *testLog, start int64, n int) ([][]byte, int64) {
	reqs := make([][]byte, n)
	size := start
	for i := range reqs {
		next := size + 1 + int64(i%13)
		reqs[i] = l.request(size, next)
		size = next
	}
	return reqs, size
}

// BenchmarkAddCheckpoint measures add-checkpoint requests: parsing, log
// signature verification, consistency proof check, cosigning and the
// durable state update. "core" calls Server.AddCheckpoint directly; "http"
// goes through a loopback HTTP/1.1 keep-alive connection.
func BenchmarkAddCheckpoint(b *testing.B) {
	for _, bc := range []struct {
		name   string
		sqlite bool
		http   bool
	}{
		{"core/memory", false, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			l := sharedBenchLog(b)
			var store Store // the SQLite cases are in package witnessdb
			env := newWitnessEnv(b, store, origin)
			env.logs[origin] = l
			ctx := context.Background()
			if _, err := env.srv.AddCheckpoint(ctx, l.request(0, benchLogSize)); err != nil {
				b.Fatal(err)
			}
			// Stay within the prebuilt leaves: each request adds at most 13.
			if b.N*13 > 200_000 {
				b.Fatalf("b.N = %d exceeds the prebuilt log; use -benchtime with fewer iterations", b.N)
			}
			reqs, _ := benchRequests(b, l, benchLogSize, b.N)
			var post func(body []byte) error
			if bc.http {
				hs := httptest.NewServer(env.srv)
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
					_, err := env.srv.AddCheckpoint(ctx, body)
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
		})
	}
}

// BenchmarkPolicyVerify measures checking a checkpoint against a 2-of-3
// policy with all three cosignatures present.
func BenchmarkPolicyVerify(b *testing.B) {
	f := newPolicyFixture(b, "A", "B", "C")
	p, err := ParsePolicy([]byte(f.expand("log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup g 2 A B C\nquorum g\n")))
	if err != nil {
		b.Fatal(err)
	}
	cp := f.cosigned("A", "B", "C")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Verify(cp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAddCheckpointRequest measures the request parser on a body
// with a 30-hash proof.
func BenchmarkParseAddCheckpointRequest(b *testing.B) {
	l := sharedBenchLog(b)
	body := l.request(benchLogSize-12345, benchLogSize)
	r, err := ParseAddCheckpointRequest(body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(r.Proof)), "proof-hashes")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParseAddCheckpointRequest(body); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchLogsFile keeps testdata/bench-logs, the --logs file for running
// BenchmarkAddCheckpointProcess against "canvass witness serve", in step
// with the benchmark log's key.
func TestBenchLogsFile(t *testing.T) {
	data, err := os.ReadFile("testdata/bench-logs")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseLogList(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := newTestLog(t, origin).vkey; len(l.Logs) != 1 || l.Logs[0].Key.String() != want {
		t.Fatalf("testdata/bench-logs does not hold the benchmark log key %s", want)
	}
}

//lint:file-ignore ST1001 these tests moved from package witness with its test helpers, which read as they did there

package witnessdb

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/canvass/canvass/ledger/witness"

	"golang.org/x/mod/sumdb/tlog"
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
		{"core/sqlite", true, false},
		{"http/sqlite", true, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			l := sharedBenchLog(b)
			var store Store
			if bc.sqlite { // always, here: the in-memory case runs in package witness
				s, err := Open(tempDB(b))
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				store = s
			}
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

// BenchmarkAddCheckpointProcess submits b.N checkpoints over one
// keep-alive connection to a witness in another process. By default that
// is this test binary re-executed (serving HTTP with a SQLite store, as in
// the crash tests), and the benchmark reports the serving process's peak
// resident set size (VmHWM, the figure /usr/bin/time -v prints as "Maximum
// resident set size"). With CANVASS_WITNESS_BENCH_URL set it targets that
// witness instead, e.g. "canvass witness serve" started under
// /usr/bin/time -v with --logs testdata/bench-logs.
func BenchmarkAddCheckpointProcess(b *testing.B) {
	l := sharedBenchLog(b)
	url := os.Getenv("CANVASS_WITNESS_BENCH_URL")
	var cmd *exec.Cmd
	if url == "" {
		cmd = exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashModeEnv+"=http", crashDBEnv+"="+tempDB(b))
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		sc := bufio.NewScanner(out)
		if !sc.Scan() {
			b.Fatal("child did not start")
		}
		url = "http://" + strings.TrimPrefix(sc.Text(), "listening ")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	ctx := context.Background()
	// Start from wherever the witness is (a long-running one keeps its
	// state between benchmark runs).
	size := int64(benchLogSize)
	_, err := AddCheckpoint(ctx, client, url, 0, nil, l.checkpoint(size))
	var ce *ConflictError
	if errors.As(err, &ce) {
		size = int64(ce.Size)
	} else if err != nil {
		b.Fatal(err)
	}
	if size+int64(b.N)*13 > int64(len(l.hashes)/2) {
		b.Fatalf("the prebuilt log is too small for %d more requests from size %d", b.N, size)
	}
	type req struct {
		old   uint64
		proof []tlog.Hash
		cp    []byte
	}
	reqs := make([]req, b.N)
	for i := range reqs {
		next := size + 1 + int64(i%13)
		reqs[i] = req{uint64(size), l.proof(size, next), l.checkpoint(next)}
		size = next
	}
	b.ResetTimer()
	start := time.Now()
	for _, r := range reqs {
		if _, err := AddCheckpoint(ctx, client, url, r.old, r.proof, r.cp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	b.StopTimer()
	if cmd == nil {
		return
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return // not Linux: no peak RSS figure
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			b.ReportMetric(kb/1024, "peak-RSS-MiB")
		}
	}
}

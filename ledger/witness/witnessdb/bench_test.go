package witnessdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"

	"golang.org/x/mod/sumdb/tlog"
)

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
			var store witness.Store
			if bc.sqlite { // always, here: the in-memory case runs in package witness
				s, err := Open(tempDB(b))
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				store = s
			}
			witnesstesting.BenchAddCheckpoint(b, store, bc.http, origin)
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
	l := witnesstesting.SharedBenchLog(b, origin)
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
	size := int64(witnesstesting.BenchLogSize)
	_, err := witness.AddCheckpoint(ctx, client, url, 0, nil, l.Checkpoint(size))
	var ce *witness.ConflictError
	if errors.As(err, &ce) {
		size = int64(ce.Size)
	} else if err != nil {
		b.Fatal(err)
	}
	if size+int64(b.N)*13 > int64(len(l.Hashes)/2) {
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
		reqs[i] = req{uint64(size), l.Proof(size, next), l.Checkpoint(next)}
		size = next
	}
	b.ResetTimer()
	start := time.Now()
	for _, r := range reqs {
		if _, err := witness.AddCheckpoint(ctx, client, url, r.old, r.proof, r.cp); err != nil {
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

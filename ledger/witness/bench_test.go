package witness_test

import (
	"os"
	"testing"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"
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
		{"core/memory", false, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var store witness.Store // the SQLite cases are in package witnessdb
			witnesstesting.BenchAddCheckpoint(b, store, bc.http, origin)
		})
	}
}

// BenchmarkPolicyVerify measures checking a checkpoint against a 2-of-3
// policy with all three cosignatures present.
func BenchmarkPolicyVerify(b *testing.B) {
	f := newPolicyFixture(b, "A", "B", "C")
	p, err := witness.ParsePolicy([]byte(f.expand("log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup g 2 A B C\nquorum g\n")))
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
	l := witnesstesting.SharedBenchLog(b, origin)
	body := l.Request(witnesstesting.BenchLogSize-12345, witnesstesting.BenchLogSize)
	r, err := witness.ParseAddCheckpointRequest(body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(r.Proof)), "proof-hashes")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := witness.ParseAddCheckpointRequest(body); err != nil {
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
	l, err := witness.ParseLogList(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := witnesstesting.NewLog(t, origin).VKey; len(l.Logs) != 1 || l.Logs[0].Key.String() != want {
		t.Fatalf("testdata/bench-logs does not hold the benchmark log key %s", want)
	}
}

package verify_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/canvass/canvass/synthetic"
	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
)

// BenchmarkVerifyCounty verifies a county-sized package: 1,000,000
// ballots in 10 ranked-choice contests (one synthetic 1,000,000-ballot CVR
// file per contest, each tabulated in the office with its RCTab
// configuration and all published), a two-round ballot-comparison audit
// over 1,000,000 ballots (two counties of 500 batches of 1,000, Dominion
// CSV CVRs; the verifier reads them all, draws both rounds again and
// closes both again), and a log padded to 100,000 entries.
// Building the package takes a minute; the timed part is verify.Package.
//
//	go test ./verify -run XXX -bench VerifyCounty -benchtime 3x
func BenchmarkVerifyCounty(b *testing.B) {
	const contests, entries = 10, 100_000
	x := verifytest.New(b)
	x.Setup()
	for c := range contests {
		spec := synthetic.Default
		spec.Seed = uint64(c + 1)
		var csv bytes.Buffer
		if err := synthetic.WriteGenericCSV(&csv, spec); err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("contest%02d.csv", c+1)
		cfg, err := synthetic.RCTabConfig(spec, fmt.Sprintf("Contest %d", c+1), name, "genericCsv")
		if err != nil {
			b.Fatal(err)
		}
		x.Publish(x.Tabulate(name, csv.Bytes(), cfg))
	}
	au := x.RunAuditOf(verifytest.AuditSize{Batches: 500, PerBatch: 1000}, verifytest.AuditOptions{Plant: 1})
	if len(au.Results) != 2 {
		b.Fatalf("the audit took %d rounds, not 2", len(au.Results))
	}
	x.PadLog(entries - int(x.O.LogSize()))
	pkg := x.Export()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		rep, err := verify.Package(context.Background(), os.DirFS(pkg), verify.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			var s bytes.Buffer
			rep.WriteText(&s)
			b.Fatalf("the package does not verify:\n%s", s.String())
		}
		if c := rep.Claim(verify.ClaimAudit); c.Status != verify.OK {
			b.Fatalf("audit claim %+v", c)
		}
		if rep.LogSize < entries {
			b.Fatalf("log of %d entries", rep.LogSize)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkVerifyAudit verifies a package whose only heavy part is a
// two-round ballot-comparison audit over 1,000,000 ballots: claim 4's
// share of BenchmarkVerifyCounty.
//
//	go test ./verify -run XXX -bench VerifyAudit -benchtime 3x
func BenchmarkVerifyAudit(b *testing.B) {
	x := verifytest.New(b)
	x.Setup()
	au := x.RunAuditOf(verifytest.AuditSize{Batches: 500, PerBatch: 1000}, verifytest.AuditOptions{Plant: 1})
	if len(au.Results) != 2 {
		b.Fatalf("the audit took %d rounds, not 2", len(au.Results))
	}
	pkg := x.Export()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		rep, err := verify.Package(context.Background(), os.DirFS(pkg), verify.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if c := rep.Claim(verify.ClaimAudit); c.Status != verify.OK {
			b.Fatalf("audit claim %+v", c)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

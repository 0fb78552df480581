package rctab

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"

	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/synthetic"
	"github.com/canvass/canvass/tabulate"
)

// writeSynthetic writes the benchmark contest (1,000,000 ballots,
// 13 candidates, up to 5 rankings) as a generic CSV file with an RCTab
// configuration beside it, and returns the configuration's path.
func writeSynthetic(b *testing.B, dir string) string {
	b.Helper()
	s := synthetic.Default
	csvPath := filepath.Join(dir, "synthetic_cvr.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := synthetic.WriteGenericCSV(w, s); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	cfg, err := synthetic.RCTabConfig(s, "Synthetic 1M", "synthetic_cvr.csv", "genericCsv")
	if err != nil {
		b.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "synthetic_config.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		b.Fatal(err)
	}
	return cfgPath
}

// BenchmarkRunGenericCSV1M is the whole job for a million ballots: parse
// the generic CSV, group, count and render every report, in memory. The
// CVR export (rctab_cvr.csv, about as large as the input) is left out, as
// it would be for a results run; BenchmarkRunGenericCSV1MWithExport
// includes it.
func BenchmarkRunGenericCSV1M(b *testing.B) {
	benchmarkRun(b, Options{Version: "bench", NoCVRExport: true})
}

// BenchmarkRunGenericCSV1MWithExport also builds rctab_cvr.csv.
func BenchmarkRunGenericCSV1MWithExport(b *testing.B) {
	benchmarkRun(b, Options{Version: "bench"})
}

// benchmarkRun runs the configuration named by $CANVASS_BENCH_CONFIG (for
// example one written by "canvass synth"), or else generates the synthetic
// contest first, outside the timing. Pointing it at a pre-generated file
// lets /usr/bin/time measure the run's peak memory alone.
func benchmarkRun(b *testing.B, opts Options) {
	cfg := os.Getenv("CANVASS_BENCH_CONFIG")
	if cfg == "" {
		cfg = writeSynthetic(b, b.TempDir())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := Run(nil, cfg, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Winners) != 1 {
			b.Fatalf("winners %v", out.Winners)
		}
	}
}

// BenchmarkMinneapolisMayor2013 runs the real 2013 Minneapolis mayoral
// contest (80,101 ballots in an ES&S workbook, 35 candidates, 33 rounds,
// reports for 117 precincts).
func BenchmarkMinneapolisMayor2013(b *testing.B) {
	cfg := filepath.Join(fixtureRoot, "2013_minneapolis_mayor", "2013_minneapolis_mayor_config.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(nil, cfg, Options{Version: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMinneapolisMayor2013Count is the same contest with the workbook
// already read: grouping done, it measures counting (with the precinct
// slices) and writing every report.
func BenchmarkMinneapolisMayor2013Count(b *testing.B) {
	cfgPath := filepath.Join(fixtureRoot, "2013_minneapolis_mayor", "2013_minneapolis_mayor_config.json")
	cfg, err := LoadConfig(nil, cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	in, err := readSources(cfg, evidence.NewRecorder(), false, false)
	if err != nil {
		b.Fatal(err)
	}
	rules := tabulate.Rules{Mode: tabulate.SingleWinnerMajority, NumberOfWinners: 1, Tiebreak: tabulate.TiebreakRandom,
		RandomSeed: 0, Overvote: tabulate.ExhaustImmediately, MaxSkippedRanks: 1, DecimalPlaces: 4, BatchElimination: true}
	info := tabulate.ReportInfo{Contest: cfg.Output.ContestName, GeneratedBy: "canvass bench"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := tabulate.RankedChoice(tabulate.RankedInput{Candidates: in.candidates, Ballots: in.ballots, Rules: rules, ByPrecinct: true})
		if err != nil {
			b.Fatal(err)
		}
		files := map[string][]byte{}
		if err := addReports(files, "", res.Tabulations[0], info, newSliceFileNames()); err != nil {
			b.Fatal(err)
		}
	}
}

package ess

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/canvass/canvass/internal/fixture"
)

// TestWriteESSBench writes the whole-program ES&S benchmark input into the
// directory $CANVASS_BENCH_ESS: 13 copies of the 2013 Minneapolis mayoral
// workbook (1,041,313 ballots) and an RCTab configuration reading all of
// them (see docs/benchmarks.md).
func TestWriteESSBench(t *testing.T) {
	dir := os.Getenv("CANVASS_BENCH_ESS")
	if dir == "" {
		t.Skip("set CANVASS_BENCH_ESS to write the benchmark input")
	}
	const name = "2013_minneapolis_mayor"
	raw, err := os.ReadFile(fixture.Path(t, name, name+"_cvr.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	cfgRaw, err := os.ReadFile(fixture.Path(t, name, name+"_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(cfgRaw, &cfg); err != nil {
		t.Fatal(err)
	}
	src := cfg["cvrFileSources"].([]any)[0].(map[string]any)
	var sources []any
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 13; i++ {
		f := fmt.Sprintf("mayor_%02d.xlsx", i)
		if err := os.WriteFile(filepath.Join(dir, f), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		s := map[string]any{}
		for k, v := range src {
			s[k] = v
		}
		s["filePath"] = f
		sources = append(sources, s)
	}
	cfg["cvrFileSources"] = sources
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ess_1m_config.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSheetRows measures the streaming sheet reader alone on the
// Minneapolis worksheet (80,102 rows, 17 MB of XML), without the ballot
// logic.
func BenchmarkSheetRows(b *testing.B) {
	raw, err := os.ReadFile(fixture.Path(b, "2013_minneapolis_mayor", "2013_minneapolis_mayor_cvr.xlsx"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if n := len(streamRows(b, raw)); n != 80102 {
			b.Fatalf("%d rows", n)
		}
	}
}
